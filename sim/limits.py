"""Deliberate limits, checked before any work starts (README, "Security and limits").

Each limit keeps one request from taking the machine: memory grows with the people simulated
and with every worker process (about 200 MB each), time with people x years x replications.
A request over a limit is refused at once with a :class:`~sim.errors.ConfigError` naming the
setting, its value and the limit; nothing is started.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from typing import Any

from .errors import ConfigError

# People aged 65+ after projection (population.size grown by projection_years): about 700
# bytes a person, so the largest run needs about 3.5 GB in one process.
MAX_PROJECTED_POPULATION = 5_000_000
MAX_REPLICATIONS = 10_000
# Points of one sweep or experiment design.
MAX_SWEEP_POINTS = 10_000
# People x simulated years x replications x scenarios or points, in one call. The model
# runs about 25,000 person-years a second on one core, so this is about half a day of one
# core: a larger study should be split (every experiment script resumes).
MAX_PERSON_YEARS = 1e9
# Seeds are numpy SeedSequence entropy: whole numbers from 0 to 2**63 - 1.
MAX_SEED = 2**63 - 1
# Scenario files: YAML anchors may be reused this many times, the expanded document may
# hold this many values, nested this deep (a scenario needs 3 levels).
MAX_YAML_ALIASES = 100
MAX_YAML_NODES = 20_000
MAX_YAML_DEPTH = 20


def max_workers() -> int:
    """Worker processes allowed: twice the cores, at least 2, at most 64."""
    return max(2, min(64, 2 * (os.cpu_count() or 1)))


def whole_number(name: str, value: Any, low: int, high: int) -> int:
    """``value`` as an int in [low, high]; text, fractions and true/false are refused."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text)
        except ValueError:
            raise _error(name, value, f"a whole number from {low:,} to {high:,}") from None
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _error(name, value, f"a whole number from {low:,} to {high:,}")
    return value


def check_seed(seed: Any) -> int:
    return whole_number("seed", seed, 0, MAX_SEED)


def check_replications(replications: Any) -> int:
    return whole_number("replications", replications, 1, MAX_REPLICATIONS)


def check_workers(workers: Any) -> int:
    return whole_number("workers", workers, 1, max_workers())


def check_points(n: int) -> None:
    if n > MAX_SWEEP_POINTS:
        raise ConfigError(
            f"the sweep has {n:,} points; the limit is {MAX_SWEEP_POINTS:,}. Use fewer grid "
            "values or split the sweep (it resumes from the points already stored)",
            [("grid", n, f"at most {MAX_SWEEP_POINTS:,} points")])


def person_years(params: Any) -> float:
    """People x simulated years (warm-up included) of one replication."""
    days = params.run.days + params.run.warmup_days
    return params.population.projected_size * days / 365.0


def check_work(params: Iterable[Any], replications: int) -> None:
    """Refuse a call whose person-years exceed :data:`MAX_PERSON_YEARS`."""
    total = sum(person_years(p) for p in params) * replications
    if total > MAX_PERSON_YEARS:
        raise ConfigError(
            f"this run asks for {total:,.0f} person-years (people x years x replications x "
            f"scenarios); the limit is {MAX_PERSON_YEARS:,.0f}. Use fewer replications, a "
            "smaller population.size or a shorter run.days, or split the study",
            [("replications", replications, f"at most {MAX_PERSON_YEARS:,.0f} person-years")])


def _error(name: str, value: Any, allowed: str) -> ConfigError:
    return ConfigError(f"{name} = {value!r}: must be {allowed}", [(name, value, allowed)])
