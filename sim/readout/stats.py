"""The statistics every surface shows: per-year scaling, intervals, paired differences,
spreads of replications and daily bands.

Totals (admissions, bed days, costs) are summed over the results period of each replication;
:func:`per_year` scales them to a year (x 365 / ``run.days``) so runs of any length read the
same way on every surface. Rates, means and shares are not scaled.

Intervals are Student-t 95% intervals across replications; differences between scenarios are
paired replication by replication (common random numbers). Relative intervals divide the
paired interval by the baseline mean, held fixed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats as _st

from .catalogue import is_total

if TYPE_CHECKING:
    from ..runner import Comparison, Results

LEVEL = 0.95
# The spread of replications shown beside the mean for heavy-tailed measures.
QUANTILES = (0.1, 0.5, 0.9)


# --------------------------------------------------------------------------------------------
# One sample
# --------------------------------------------------------------------------------------------
def t_interval(values: Iterable[float], level: float = LEVEL) -> dict[str, float]:
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
    half = float(_st.t.ppf(0.5 + level / 2.0, n - 1)) * sd / math.sqrt(n)
    return {"mean": mean, "std": sd, "ci_low": mean - half, "ci_high": mean + half, "n": n}


def half_width(values: Iterable[float], level: float = LEVEL) -> float:
    ci = t_interval(values, level)
    return (ci["ci_high"] - ci["ci_low"]) / 2.0


def replications_needed(values: Iterable[float], target_half_width: float,
                        level: float = LEVEL) -> int:
    """Replications for a CI half-width no larger than the target, from a pilot sample."""
    x = [v for v in values if not math.isnan(v)]
    if len(x) < 2:
        raise ValueError("need at least two pilot replications")
    sd = float(np.std(x, ddof=1))
    if sd == 0:
        return len(x)
    n = len(x)
    while True:
        half = float(_st.t.ppf(0.5 + level / 2.0, n - 1)) * sd / math.sqrt(n)
        if half <= target_half_width or n >= 100_000:
            return n
        n += 1


def spread(values: Iterable[float]) -> dict[str, float]:
    """Median and 10th / 90th percentiles of replications (for heavy-tailed measures, whose
    mean is pulled by one bad replication)."""
    x = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if not len(x):
        return {"p10": math.nan, "median": math.nan, "p90": math.nan}
    p10, med, p90 = np.quantile(x, QUANTILES)
    return {"p10": float(p10), "median": float(med), "p90": float(p90)}


def summarise(values: Iterable[float], level: float = LEVEL) -> dict[str, float]:
    """Mean, CI, n and the spread of replications in one record."""
    vals = list(values)
    return {**t_interval(vals, level), **spread(vals)}


# --------------------------------------------------------------------------------------------
# Per-year scaling
# --------------------------------------------------------------------------------------------
def per_year_factor(days: float) -> float:
    """Multiplier turning a total over ``days`` into a total per year."""
    return 365.0 / float(days) if days else math.nan


def annualise(value: float, metric: str, days: float) -> float:
    """``value`` per year if ``metric`` is a total over the results period, else unchanged."""
    return value * per_year_factor(days) if is_total(metric) else value


def factor(res: Results, metric: str, per_year: bool = True) -> float:
    return per_year_factor(res.params.run.days) if per_year and is_total(metric) else 1.0


def kpis(res: Results, per_year: bool = True) -> pd.DataFrame:
    """Per-replication KPIs indexed by replication, totals per year (``per_year``)."""
    k = res.kpis.set_index("replication") if "replication" in res.kpis else res.kpis.copy()
    if not per_year:
        return k.astype(float, errors="ignore")
    out = k.copy()
    f = per_year_factor(res.params.run.days)
    for c in out.columns:
        if is_total(c):
            out[c] = out[c].astype(float) * f
    return out


def by_replication(res: Results, table: str, columns: list[str] | str, values: str,
                   per_year: bool = True) -> pd.DataFrame:
    """A per-replication pivot of ``res.<table>`` (replication x key), missing combinations
    counted as zero, per year. Used for delayed days by reason and cost by service/payer."""
    reps = res.kpis["replication"].tolist() if not res.kpis.empty else []
    frame = getattr(res, table)
    if frame is None or frame.empty:
        return pd.DataFrame(index=pd.Index(reps, name="replication"))
    wide = frame.pivot_table(index="replication", columns=columns, values=values,
                             aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(reps, fill_value=0.0).fillna(0.0)
    return wide * (per_year_factor(res.params.run.days) if per_year else 1.0)


def delays_by_replication(res: Results, per_year: bool = True) -> pd.DataFrame:
    return by_replication(res, "delays_by_reason", "reason", "delayed_days", per_year)


def costs_by_replication(res: Results, per_year: bool = True,
                         by: tuple[str, ...] = ("service", "payer")) -> pd.DataFrame:
    """Cost per replication by ``by`` (service and payer; later also ``kind``: fixed or
    variable), per year."""
    cols = [c for c in by if res.costs is not None and c in res.costs.columns]
    return by_replication(res, "costs", cols, "cost", per_year)


# --------------------------------------------------------------------------------------------
# Paired differences
# --------------------------------------------------------------------------------------------
def paired(base: pd.Series, other: pd.Series, level: float = LEVEL) -> dict[str, float]:
    """Paired difference (other minus base) of two per-replication series with its t interval
    and the relative change and interval (divided by the baseline mean)."""
    common = base.index.intersection(other.index)
    b = base.loc[common].astype(float)
    o = other.loc[common].astype(float)
    ci = t_interval((o - b).tolist(), level)
    bm = float(b.mean()) if len(b) else math.nan
    rel = (lambda x: x / bm if bm and math.isfinite(bm) else math.nan)
    return {"baseline_mean": bm, "scenario_mean": float(o.mean()) if len(o) else math.nan,
            "difference": ci["mean"], "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
            "relative": rel(ci["mean"]), "rel_ci_low": rel(ci["ci_low"]),
            "rel_ci_high": rel(ci["ci_high"]), "n": ci["n"]}


def differences(cmp: Comparison, baseline: str | None = None,
                metrics: Iterable[str] | None = None, level: float = LEVEL,
                per_year: bool = True) -> pd.DataFrame:
    """Every alternative minus the baseline, paired by replication, for each metric.

    Indexed by (scenario, metric); columns baseline, baseline_mean, scenario_mean,
    difference, ci_low, ci_high, relative, rel_ci_low, rel_ci_high, n. Totals per year
    unless ``per_year=False`` (then over the results period, as ``Comparison.differences``).
    """
    from ..errors import ConfigError
    from ..metrics import METRICS

    base_name = baseline or cmp.baseline
    if base_name not in cmp.results:
        raise ConfigError(f"baseline {base_name!r} is not one of {list(cmp.results)}",
                          [("baseline", base_name, ", ".join(cmp.results))])
    base = kpis(cmp.results[base_name], per_year)
    cols = list(metrics) if metrics is not None else list(METRICS)
    rows = []
    for name, res in cmp.results.items():
        if name == base_name:
            continue
        other = kpis(res, per_year)
        for metric in cols:
            rows.append({"scenario": name, "metric": metric, "baseline": base_name,
                         **paired(base[metric], other[metric], level)})
    columns = ["scenario", "metric", "baseline", "baseline_mean", "scenario_mean",
               "difference", "ci_low", "ci_high", "relative", "rel_ci_low", "rel_ci_high", "n"]
    return pd.DataFrame(rows, columns=columns).set_index(["scenario", "metric"])


def paired_table(base: pd.DataFrame, other: pd.DataFrame, level: float = LEVEL
                 ) -> pd.DataFrame:
    """:func:`paired` for every column of two per-replication tables (columns aligned, a
    column missing on one side counted as zero)."""
    cols = base.columns.union(other.columns, sort=False)
    base = base.reindex(columns=cols, fill_value=0.0)
    other = other.reindex(columns=cols, fill_value=0.0)
    return pd.DataFrame([{"key": c, **paired(base[c], other[c], level)} for c in cols])


# --------------------------------------------------------------------------------------------
# Daily bands
# --------------------------------------------------------------------------------------------
def daily_band(res: Results, column: str, level: float = LEVEL, scale: float = 1.0
               ) -> pd.DataFrame:
    """Per day of the results period: mean of a daily census column across replications and
    the CI of that mean (columns day, mean, low, high, n). Census counts cannot be negative,
    so neither can the band; with one replication the band collapses onto the line."""
    d = res.daily
    if d is None or d.empty or column not in d.columns:
        return pd.DataFrame(columns=["day", "mean", "low", "high", "n"])
    wide = d.pivot_table(index="day", columns="replication", values=column) * scale
    n = wide.notna().sum(axis=1).to_numpy(dtype=float)
    mean = wide.mean(axis=1).to_numpy()
    sd = wide.std(axis=1, ddof=1).fillna(0.0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        t = _st.t.ppf(0.5 + level / 2.0, np.maximum(n - 1, 1))
        half = np.where(n > 1, t * sd / np.sqrt(n), 0.0)
    return pd.DataFrame({"day": wide.index.to_numpy(), "mean": mean,
                         "low": np.clip(mean - half, 0.0, None), "high": mean + half, "n": n})


def occupancy_by_replication(res: Results, column: str, capacity: float) -> pd.Series:
    """Mean share of a capacity in use per replication, from the daily census."""
    return res.daily.groupby("replication")[column].mean() / float(capacity)


__all__ = [
    "LEVEL", "QUANTILES", "annualise", "by_replication", "costs_by_replication",
    "daily_band", "delays_by_replication", "differences", "factor", "half_width", "kpis",
    "occupancy_by_replication", "paired", "paired_table", "per_year_factor",
    "replications_needed", "spread", "summarise", "t_interval",
]


# --------------------------------------------------------------------------------------------
# Tidy experiment tables (one row per point and replication)
# --------------------------------------------------------------------------------------------
def per_year_frame(table: pd.DataFrame, days: float) -> pd.DataFrame:
    """A tidy per-replication table with its total columns scaled to a year."""
    out = table.copy()
    f = per_year_factor(days)
    for c in out.columns:
        if is_total(c):
            out[c] = out[c].astype(float) * f
    return out


def group_summary(table: pd.DataFrame, keys: list[str], metrics: list[str]) -> pd.DataFrame:
    """Mean, CI, n and spread of replications of each metric for each group of ``keys``."""
    rows = []
    for values, group in table.groupby(keys, sort=False):
        values = values if isinstance(values, tuple) else (values,)
        for m in metrics:
            rows.append({**dict(zip(keys, values)), "metric": m,
                         **summarise(group[m].tolist())})
    return pd.DataFrame(rows)


def group_differences(table: pd.DataFrame, keys: list[str], metrics: list[str]
                      ) -> pd.DataFrame:
    """Each group of ``keys`` minus the first group, paired replication by replication."""
    first = table.groupby(keys, sort=False).ngroup() == 0
    base = table[first].set_index("replication")
    rows = []
    for values, group in table.groupby(keys, sort=False):
        values = values if isinstance(values, tuple) else (values,)
        other = group.set_index("replication")
        for m in metrics:
            rows.append({**dict(zip(keys, values)), "metric": m,
                         **paired(base[m], other[m])})
    return pd.DataFrame(rows)


def column_summary(table: pd.DataFrame | dict[str, pd.Series]) -> pd.DataFrame:
    """Mean and CI across replications of every column of a per-replication table (rows:
    the columns; columns mean, std, ci_low, ci_high, n)."""
    items = table.items()
    return pd.DataFrame({k: t_interval(pd.Series(v).tolist()) for k, v in items}).T
