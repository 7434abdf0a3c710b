"""Random streams: one per stochastic process, so scenarios share common random numbers.

A replication's ``SeedSequence`` is ``SeedSequence(seed, spawn_key=(replication,))``; each
stream below gets its own child by a fixed index. Two scenarios run with the same seed and
replication therefore draw, say, lengths of stay from the same stream, and differences between
them are paired. The index list is append-only: reordering it would change every result.
"""

from __future__ import annotations

import numpy as np

STREAMS = (
    "population",        # initial synthetic population
    "community",         # crisis, death, frailty progression clocks
    "season",            # thinning of crisis times for the winter and weekly pattern
    "ae",                # admission decision at A&E
    "los",               # treatment length of stay
    "hospital_death",    # in-hospital deaths
    "illness",           # function lost in the illness
    "discharge",         # pathway choices, CHC screening
    "assessment",        # assessment and provider waits
    "reablement",        # reablement duration and outcome
    "intermediate_care", # intermediate care stays
    "home_care",         # package sizes
    "care_home",         # care home stays and deaths
    "readmission",       # post-discharge excess crisis risk
    "levers",            # per-replication draws of uncertain effects, enrolment
    "outage",            # shared record outages
    "entrants",          # people turning 65 during the run
    "arrivals",          # Poisson arrivals (verification mode)
)


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The SeedSequence of one replication; the same for every scenario (CRN)."""
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(int(replication),))


class Stream:
    """A buffered generator: scalar draws in the hot loops without NumPy call overhead.

    Draws come from fixed-size blocks, so the sequence of values does not depend on how
    the caller interleaves kinds of draw: uniforms and exponentials have separate buffers.
    """

    __slots__ = ("gen", "_u", "_ui", "_e", "_ei", "_n", "_z", "_zi")

    def __init__(self, gen: np.random.Generator, block: int = 4096):
        self.gen = gen
        self._n = block
        self._u = self._e = self._z = ()
        self._ui = self._ei = self._zi = block

    def uniform(self) -> float:
        if self._ui >= self._n:
            self._u = self.gen.random(self._n).tolist()
            self._ui = 0
        v = self._u[self._ui]
        self._ui += 1
        return v

    def exponential(self, mean: float = 1.0) -> float:
        if self._ei >= self._n:
            self._e = self.gen.standard_exponential(self._n).tolist()
            self._ei = 0
        v = self._e[self._ei]
        self._ei += 1
        return v * mean

    def normal(self, mean: float = 0.0, sd: float = 1.0) -> float:
        if self._zi >= self._n:
            self._z = self.gen.standard_normal(self._n).tolist()
            self._zi = 0
        v = self._z[self._zi]
        self._zi += 1
        return mean + sd * v

    def lognormal(self, median: float, sigma: float) -> float:
        import math

        return median * math.exp(sigma * self.normal())

    def gamma(self, mean: float, cv: float) -> float:
        """Gamma with the given mean and coefficient of variation (rare; no buffer needed)."""
        if mean <= 0:
            return 0.0
        shape = 1.0 / (cv * cv)
        return float(self.gen.gamma(shape, mean / shape))

    def choice(self, weights: list[float]) -> int:
        u = self.uniform() * sum(weights)
        acc = 0.0
        for i, w in enumerate(weights):
            acc += w
            if u < acc:
                return i
        return len(weights) - 1


class Streams:
    """All streams of one replication, by name."""

    def __init__(self, seq: np.random.SeedSequence):
        children = seq.spawn(len(STREAMS))
        self._gens = {name: np.random.Generator(np.random.PCG64(c))
                      for name, c in zip(STREAMS, children)}
        self._streams = {name: Stream(g) for name, g in self._gens.items()}

    def __getattr__(self, name: str) -> Stream:
        try:
            return self._streams[name]
        except KeyError:
            raise AttributeError(name) from None

    def generator(self, name: str) -> np.random.Generator:
        """The raw NumPy generator of a stream, for vectorised draws."""
        return self._gens[name]
