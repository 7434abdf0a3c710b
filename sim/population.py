"""Synthetic people aged 65+ and the starting population.

Each person is one small object. The starting population is drawn with vectorised NumPy
(age, frailty, conditions, living situation, care status); people turning 65 join during
the run so the population grows at ``population.growth_per_year``.

Age enters the model only through three bands (65-74, 75-84, 85+); the population accounts
in :mod:`sim.pathways.demography` decide who moves up a band and how many people join.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .params import Params

# Frailty levels (electronic Frailty Index categories)
FIT, MILD, MODERATE, SEVERE = 0, 1, 2, 3
FRAILTY_NAMES = ("fit", "mild", "moderate", "severe")

# Where a person is
HOME, ED, ACUTE, INTERMEDIATE_CARE, CARE_HOME, DEAD = range(6)
LOCATION_NAMES = ("home", "ed", "acute", "intermediate_care", "care_home", "dead")

# Long-term care status
INDEPENDENT, HOME_CARE, RESIDENTIAL, NURSING = range(4)

# Function (0 = fully dependent, 1 = fully independent) of a person at their usual best.
BASELINE_FUNCTION = (0.90, 0.74, 0.58, 0.42)
FUNCTION_SPREAD = 0.06

AGE_BANDS = (65.0, 75.0, 85.0)


def age_band(age: float) -> int:
    return 0 if age < 75.0 else (1 if age < 85.0 else 2)


@dataclass(slots=True, eq=False)
class Person:
    pid: int
    entry_time: float
    band: int                      # age band: 0 = 65-74, 1 = 75-84, 2 = 85+
    frailty: int
    conditions: int
    lives_alone: bool
    has_carer: bool
    function_offset: float
    care: int = INDEPENDENT
    location: int = HOME
    package_hours: float = 0.0     # assessed home care hours per week (kept while in hospital)
    holds_package: bool = False    # whether those hours are being delivered (held) now
    deficit: float = 0.0           # function lost to illness and bed rest, not yet recovered
    deficit_time: float = 0.0      # when ``deficit`` was last updated
    version: int = 0               # bumps cancel pending community events
    key_worker: bool = False
    self_managed: bool = False
    chc_funded: bool = False
    last_discharge: float = -math.inf
    excess_crisis_at: float = math.inf
    waiting_request: object = None  # (pool, event, amount) while on a community waiting list
    service_proc: object = None      # a running at-home service process that a crisis interrupts
    rkey: int = 0                    # this person's random-number key (see rng.PersonDraws)
    band_slot: int = -1              # place in the demography's list of the band
    draws: list = field(default_factory=lambda: [0, 0, 0, 0])  # draws used, by purpose

    def function(self, t: float, half_life: float) -> float:
        """Current function; at home the deficit recovers with the given half-life."""
        d = self.deficit
        if d > 0.0 and self.location == HOME and t > self.deficit_time:
            d *= 0.5 ** ((t - self.deficit_time) / half_life)
        f = BASELINE_FUNCTION[self.frailty] + self.function_offset - d
        return 0.0 if f < 0.0 else (1.0 if f > 1.0 else f)

    def settle_deficit(self, t: float, half_life: float) -> None:
        """Apply recovery so far; call before changing ``deficit`` or ``location``."""
        if self.deficit > 0.0 and self.location == HOME and t > self.deficit_time:
            self.deficit *= 0.5 ** ((t - self.deficit_time) / half_life)
        self.deficit_time = t


@dataclass
class StartingPopulation:
    people: list[Person]
    home_care_clients: list[Person] = field(default_factory=list)
    residents: list[Person] = field(default_factory=list)
    # The same people as arrays (by pid), for start-up work that would otherwise loop
    # over every person in Python.
    ages: np.ndarray | None = None
    frailty: np.ndarray | None = None
    conditions: np.ndarray | None = None
    in_care_home: np.ndarray | None = None
    keys: np.ndarray | None = None  # random-number keys (rng.PersonDraws.person_keys)
    bands: np.ndarray | None = None  # age band of each person (0 = 65-74, 1 = 75-84, 2 = 85+)


def _draw_ages(gen: np.random.Generator, n: int, p: Params) -> np.ndarray:
    mix = p.population.projected_age_mix
    band = gen.choice(3, size=n, p=[mix.age_65_74, mix.age_75_84, mix.age_85_plus])
    ages = np.empty(n)
    ages[band == 0] = 65 + 10 * gen.random((band == 0).sum())
    ages[band == 1] = 75 + 10 * gen.random((band == 1).sum())
    ages[band == 2] = 85 + np.minimum(gen.exponential(5.0, (band == 2).sum()), 20)
    return ages


def _draw_frailty(gen: np.random.Generator, ages: np.ndarray, p: Params) -> np.ndarray:
    """Frailty with the configured overall mix, more common with age (rank on a latent)."""
    n = len(ages)
    latent = gen.standard_normal(n) + 0.06 * (ages - 65)
    mix = p.population.frailty_mix
    cum = np.cumsum([mix.fit, mix.mild, mix.moderate])
    order = np.argsort(latent, kind="stable")
    frailty = np.empty(n, dtype=np.int64)
    cuts = np.round(cum * n).astype(int)
    bounds = [0, *cuts.tolist(), n]
    for level in range(4):
        frailty[order[bounds[level]:bounds[level + 1]]] = level
    return frailty


def new_person(pid: int, t: float, band: int, frailty: int, gen: np.random.Generator,
               p: Params) -> Person:
    alone = bool(gen.random() < p.population.lives_alone_share)
    carer = (not alone) and bool(gen.random() < p.population.informal_carer_share)
    return Person(
        pid=pid, entry_time=t, band=band, frailty=frailty,
        conditions=int(gen.poisson(p.population.mean_long_term_conditions + frailty)),
        lives_alone=alone, has_carer=carer,
        function_offset=float(gen.normal(0.0, FUNCTION_SPREAD)), deficit_time=t,
    )


def draw_starting_population(p: Params, gen: np.random.Generator) -> StartingPopulation:
    n = p.population.projected_size
    ages = _draw_ages(gen, n, p)
    frailty = _draw_frailty(gen, ages, p)
    conditions = gen.poisson(p.population.mean_long_term_conditions + frailty)
    alone = gen.random(n) < p.population.lives_alone_share
    carer = (~alone) & (gen.random(n) < p.population.informal_carer_share)
    offset = gen.normal(0.0, FUNCTION_SPREAD, n)

    # The same bands as age_band(), for everybody at once.
    bands = np.where(ages < 75.0, 0, np.where(ages < 85.0, 1, 2))
    # Positional arguments: keywords cost a third more on the largest loop of the start-up.
    people = [
        Person(i, 0.0, b, f, c, la, hc, o)
        for i, (b, f, c, la, hc, o) in enumerate(zip(
            bands.tolist(), frailty.tolist(), conditions.tolist(), alone.tolist(),
            carer.tolist(), offset.tolist()))
    ]

    # Care-home residents and home-care clients are drawn from the frailest and oldest.
    weight = np.array([0.02, 0.15, 1.0, 3.0])[frailty] * np.where(ages >= 85, 3.0, 1.0)
    n_res = int(round(p.population.care_home_share * n))
    n_res = min(n_res, p.care_home.beds)
    residents_idx = _weighted_sample(gen, weight, n_res)
    taken = np.zeros(n, dtype=bool)
    taken[residents_idx] = True
    weight_hc = np.where(taken, 0.0, np.array(HOME_CARE_START_WEIGHT)[frailty]
                         * np.array(HOME_CARE_START_AGE_WEIGHT)[bands])
    n_hc = int(round(p.population.home_care_share * n))
    hc_idx = _weighted_sample(gen, weight_hc, n_hc)

    start = StartingPopulation(people, ages=ages, frailty=frailty, conditions=conditions,
                               in_care_home=taken, bands=bands)
    # The lowest-function residents need nursing beds.
    res_people = sorted((people[i] for i in residents_idx),
                        key=lambda q: BASELINE_FUNCTION[q.frailty] + q.function_offset)
    n_nursing = int(round(p.population.nursing_share_of_care_home * len(res_people)))
    for k, person in enumerate(res_people):
        person.care = NURSING if k < n_nursing else RESIDENTIAL
        person.location = CARE_HOME
        start.residents.append(person)
    for i in hc_idx.tolist():
        person = people[i]
        person.care = HOME_CARE
        start.home_care_clients.append(person)
    return start


# Relative chance of holding a home-care package at the start, by frailty (fit, mild,
# moderate, severe), leaning towards the mix of clients the model's own flows settle to. The
# care homes are drawn first and take most of the severely frail, so the starting clients
# (about 4%, 30%, 53% and 12%) still drift to about 2%, 23%, 57% and 17% over three years.
HOME_CARE_START_WEIGHT = (0.013, 0.15, 1.0, 1.3)
# And by age band (65-74, 75-84, 85+), at the same frailty. Drawn by frailty alone, 35% of
# the starting clients were 65-74 and 25% were 85+, where the flows settle to about 22% and
# 38%: the younger clients live longer and hold their packages, so the caseload rose for two
# or three years before it settled.
HOME_CARE_START_AGE_WEIGHT = (0.59, 1.0, 1.39)


def _weighted_sample(gen: np.random.Generator, weight: np.ndarray, k: int) -> np.ndarray:
    """k distinct indices drawn with probability proportional to weight (Efraimidis-Spirakis)."""
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    positive = weight > 0
    k = min(k, int(positive.sum()))
    keys = np.full(len(weight), -np.inf)
    keys[positive] = np.log(gen.random(positive.sum())) / weight[positive]
    return np.argpartition(-keys, k - 1)[:k] if k < len(weight) else np.arange(len(weight))
