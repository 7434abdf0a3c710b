"""Confidence intervals: Student-t for replications, paired differences for comparisons."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from scipy import stats


def t_interval(values: Iterable[float], level: float = 0.95) -> dict[str, float]:
    """Mean, standard deviation and the Student-t confidence interval of the mean.

    Missing values (NaN: a metric with nothing to measure in a replication) are dropped and
    ``n`` says how many remain. With fewer than two values the interval is NaN.
    """
    x = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    n = len(x)
    if n == 0:
        return {"mean": math.nan, "std": math.nan, "ci_low": math.nan, "ci_high": math.nan,
                "n": 0}
    mean = float(x.mean())
    if n == 1:
        return {"mean": mean, "std": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 1}
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * sd / math.sqrt(n)
    return {"mean": mean, "std": sd, "ci_low": mean - half, "ci_high": mean + half, "n": n}


def half_width(values: Iterable[float], level: float = 0.95) -> float:
    ci = t_interval(values, level)
    return (ci["ci_high"] - ci["ci_low"]) / 2.0


def replications_needed(values: Iterable[float], target_half_width: float,
                        level: float = 0.95) -> int:
    """Replications for a CI half-width no larger than the target, from a pilot sample."""
    x = [v for v in values if not math.isnan(v)]
    if len(x) < 2:
        raise ValueError("need at least two pilot replications")
    sd = float(np.std(x, ddof=1))
    if sd == 0:
        return len(x)
    n = len(x)
    while True:
        half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * sd / math.sqrt(n)
        if half <= target_half_width or n >= 100_000:
            return n
        n += 1
