"""Random numbers: common random numbers across scenarios, identical in any worker.

A replication's ``SeedSequence`` is ``SeedSequence(seed, spawn_key=(replication,))``. Processes
that do not belong to one person (the starting population, people turning 65, record outages,
draws of uncertain lever effects, the times of verification arrivals) each get a child stream
by a fixed index. Everything that happens to a person (crises, deaths, lengths of stay, discharge
choices, service durations) draws from that person's own counter-based sequence
(:class:`PersonDraws`), so the same person meets the same luck in every scenario compared.
Changing the order of ``STREAMS`` or the purposes changes every result.
"""

from __future__ import annotations

import math

import numpy as np

STREAMS = (
    "population",   # the starting population
    "levers",       # per-replication draws of uncertain effects; risk stratification
    "outage",       # shared record outages
    "entrants",     # people turning 65 during the run
    "arrivals",     # Poisson arrivals (verification mode)
    "census",       # who is placed where by a census start, and their days so far
)


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The SeedSequence of one replication; the same for every scenario (CRN)."""
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(int(replication),))


class Stream:
    """A buffered generator: scalar draws in the hot loops without NumPy call overhead.

    Draws come from fixed-size blocks, one buffer per kind of draw (uniform, exponential,
    normal), so interleaving kinds of draw does not change the values within a block; the
    order in which the blocks are refilled does decide which block goes to which kind.
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
        self.seed_sequence = seq
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


# ------------------------------------------------------------------------------------------
# Per-person random numbers.
#
# Shared streams lose their alignment across scenarios as soon as one event moves: every
# later draw goes to a different person. Counter-based draws keyed on (replication, person,
# purpose, how many draws that person has had for that purpose) keep person P's k-th crisis,
# k-th length of stay and so on identical in every scenario run with the same seed, whatever
# happens to everybody else. That is what makes paired comparisons sharp.
_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix(x: int) -> int:
    """SplitMix64's output function: a fast, well-mixed 64-bit hash."""
    x = (x + _GOLDEN) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


_log = math.log

def _mix_array(x: np.ndarray) -> np.ndarray:
    """:func:`_mix` on an array of uint64 (whose arithmetic wraps like ``& _MASK``)."""
    with np.errstate(over="ignore"):
        x = x + np.uint64(_GOLDEN)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


COMMUNITY, HOSPITAL, DISCHARGE, SERVICES = range(4)
_PURPOSE_SHIFT = 58  # purposes sit in the top bits; counters below never reach them


class PersonDraws:
    """Uniform, exponential, normal, lognormal and gamma draws for one person and purpose."""

    __slots__ = ("key",)

    def __init__(self, seq: np.random.SeedSequence):
        words = seq.generate_state(2, dtype=np.uint32).tolist()
        self.key = (words[0] << 32) | words[1]

    def person_key(self, pid: int) -> int:
        return _mix(self.key ^ _mix(pid))

    def person_keys(self, n: int) -> np.ndarray:
        """``person_key(pid)`` for pids 0..n-1 at once, as uint64."""
        return _mix_array(_mix_array(np.arange(n, dtype=np.uint64)) ^ np.uint64(self.key))

    @staticmethod
    def uniforms(keys: np.ndarray, purpose: int, k: int) -> np.ndarray:
        """The k-th uniform for ``purpose`` of every person with these keys: what
        :meth:`uniform` returns for them, without advancing their counters."""
        x = _mix_array(keys ^ np.uint64((purpose << _PURPOSE_SHIFT) ^ k))
        return ((x >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)

    @staticmethod
    def fixed_uniform(key: int, purpose: int, k: int) -> float:
        """:meth:`uniforms` for one person key, in plain integers (no array to build for a
        draw made tens of thousands of times a run, one person at a time)."""
        return ((_mix(key ^ (purpose << _PURPOSE_SHIFT) ^ k) >> 11) + 0.5) \
            * (1.0 / 9007199254740992.0)

    def uniform(self, person, purpose: int) -> float:
        draws = person.draws
        k = draws[purpose]
        draws[purpose] = k + 1
        # _mix inlined: this runs several times per event, and a call costs as much as the hash.
        x = (person.rkey ^ (purpose << _PURPOSE_SHIFT) ^ k) + _GOLDEN & _MASK
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & _MASK
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB & _MASK
        return (((x ^ (x >> 31)) >> 11) + 0.5) * (1.0 / 9007199254740992.0)

    def exponential(self, person, purpose: int, mean: float = 1.0) -> float:
        # uniform() inlined (the same arithmetic): a third of all draws are exponential.
        draws = person.draws
        k = draws[purpose]
        draws[purpose] = k + 1
        x = (person.rkey ^ (purpose << _PURPOSE_SHIFT) ^ k) + _GOLDEN & _MASK
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & _MASK
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB & _MASK
        return -_log((((x ^ (x >> 31)) >> 11) + 0.5) * (1.0 / 9007199254740992.0)) * mean

    def normal(self, person, purpose: int) -> float:
        uniform = self.uniform
        u1 = uniform(person, purpose)
        u2 = uniform(person, purpose)
        return math.sqrt(-2.0 * _log(u1)) * math.cos(2.0 * math.pi * u2)

    def lognormal(self, person, purpose: int, median: float, sigma: float) -> float:
        return median * math.exp(sigma * self.normal(person, purpose))

    def gamma(self, person, purpose: int, mean: float, cv: float) -> float:
        """Gamma with the given mean and coefficient of variation (Marsaglia and Tsang)."""
        if mean <= 0:
            return 0.0
        shape = 1.0 / (cv * cv)
        boost = 1.0
        if shape < 1.0:
            boost = self.uniform(person, purpose) ** (1.0 / shape)
            shape += 1.0
        d = shape - 1.0 / 3.0
        c = 1.0 / math.sqrt(9.0 * d)
        while True:
            z = self.normal(person, purpose)
            v = (1.0 + c * z) ** 3
            if v <= 0:
                continue
            u = self.uniform(person, purpose)
            if math.log(u) < 0.5 * z * z + d - d * v + d * math.log(v):
                return d * v * boost * mean / (shape if boost == 1.0 else shape - 1.0)
