"""Tidy tables of a comparison, per year, with labels, verdicts and sentences attached.

Each function returns a plain DataFrame that a surface lays out as it is: the app's cards and
tables, the board report, the command line and the experiment summaries. Nothing here draws.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pandas as pd

from ..census import warmup_days_used
from . import fmt
from . import stats as S
from .catalogue import FLOW, KEY_METRICS, PAYERS, TOTAL_ROW, metric, service_name
from .verdict import gridlock, gridlocked
from .words import headline

if TYPE_CHECKING:
    from ..runner import Comparison, Results


def _metrics(metrics: Iterable[str] | None) -> list[str]:
    from ..metrics import METRICS

    return list(metrics) if metrics is not None else list(METRICS)


def summary_table(cmp: Comparison, metrics: Iterable[str] | None = None) -> pd.DataFrame:
    """Per scenario and metric: mean and 95% CI across replications, and the median and
    10th/90th percentiles of replications; totals per year."""
    rows = []
    for name, res in cmp.results.items():
        k = S.kpis(res)
        for m in _metrics(metrics):
            info = metric(m)
            s = S.summarise(k[m].tolist() if m in k else [])
            rows.append({"scenario": name, "metric": m, "label": info.label,
                         "unit": info.unit_label, "mean": s["mean"], "ci_low": s["ci_low"],
                         "ci_high": s["ci_high"], "n": int(s["n"]), "p10": s["p10"],
                         "median": s["median"], "p90": s["p90"],
                         "heavy_tailed": info.heavy_tailed})
    return pd.DataFrame(rows)


DIFF_COLUMNS = ["scenario", "baseline", "metric", "label", "unit", "better_if",
                "baseline_mean", "scenario_mean", "difference", "ci_low", "ci_high", "relative",
                "rel_ci_low", "rel_ci_high", "n", "verdict", "in_words"]


def difference_table(cmp: Comparison, baseline: str | None = None,
                     metrics: Iterable[str] | None = None) -> pd.DataFrame:
    """Every metric of every alternative against the baseline, per year, in plain words.

    A clear change is never called better or worse when either scenario had replications in
    gridlock (verdict "gridlock")."""
    base = baseline or cmp.baseline
    if len(cmp.results) < 2:
        return pd.DataFrame(columns=DIFF_COLUMNS)
    diffs = S.differences(cmp, base, _metrics(metrics)).reset_index()
    stuck = {n: gridlocked(cmp, base, n) for n in cmp.results}
    rows = []
    for d in diffs.to_dict("records"):
        info = metric(d["metric"])
        h = headline(d["metric"], d["difference"], d["ci_low"], d["ci_high"],
                     gridlock=stuck[d["scenario"]])
        rows.append({**d, "label": info.label, "unit": info.unit_label,
                     "better_if": info.better or "neither", "verdict": h.verdict,
                     "in_words": h.text})
    return pd.DataFrame(rows)[DIFF_COLUMNS]


def headlines(cmp: Comparison, baseline: str | None = None,
              metrics: Iterable[str] = KEY_METRICS) -> pd.DataFrame:
    """The key metrics of :func:`difference_table`: what a planner reads first."""
    return difference_table(cmp, baseline, metrics)


def payer_table(cmp: Comparison, baseline: str | None = None) -> pd.DataFrame:
    """The one table of who pays: per payer (and the total) and scenario, the mean cost a
    year; for each alternative also the paired change with its 95% CI, verdict and words.

    Columns: payer_key, payer, metric, scenario, is_baseline, mean, difference, ci_low,
    ci_high, relative, verdict, in_words (the change columns are empty on baseline rows).
    """
    base = baseline or cmp.baseline
    keys = [*[(p.key, p.short, p.metric) for p in PAYERS], ("total", TOTAL_ROW, "cost_total")]
    diffs = difference_table(cmp, base, [m for _k, _s, m in keys])
    diffs = diffs.set_index(["scenario", "metric"]) if not diffs.empty else diffs
    rows = []
    for key, short, m in keys:
        for name, res in cmp.results.items():
            row = {"payer_key": key, "payer": short, "metric": m, "scenario": name,
                   "is_baseline": name == base, "mean": float(S.kpis(res)[m].mean())}
            if name != base and (name, m) in diffs.index:
                d = diffs.loc[(name, m)]
                row.update({c: d[c] for c in ("difference", "ci_low", "ci_high", "relative",
                                              "verdict", "in_words")})
            rows.append(row)
    cols = ["payer_key", "payer", "metric", "scenario", "is_baseline", "mean", "difference",
            "ci_low", "ci_high", "relative", "verdict", "in_words"]
    return pd.DataFrame(rows).reindex(columns=cols)


def cost_by_service_table(cmp: Comparison) -> pd.DataFrame:
    """Mean cost a year by service and payer (rows) for each scenario (columns)."""
    cols = {}
    for name, res in cmp.results.items():
        t = S.costs_by_replication(res)
        if t.empty or not len(t.columns):
            continue
        cols[name] = t.mean()
    out = pd.DataFrame(cols).fillna(0.0)
    if not out.empty:
        payer = {p.key: p.short for p in PAYERS}
        out.index = pd.MultiIndex.from_tuples(
            [(service_name(s), payer.get(p, p)) for s, p in out.index],
            names=["service", "payer"])
    return out


def delays_by_reason_table(cmp: Comparison) -> pd.DataFrame:
    """Mean delayed days a year by reason (rows, in the order the model books them) and
    scenario (columns)."""
    cols = {}
    for name, res in cmp.results.items():
        t = S.delays_by_replication(res)
        if t.empty or not len(t.columns):
            continue
        order = list(dict.fromkeys(res.delays_by_reason["reason"]))
        cols[name] = t.mean().reindex(order)
    return pd.DataFrame(cols).fillna(0.0)


def flow_table(cmp: Comparison) -> pd.DataFrame:
    """Mean number a year through each pathway and service (rows) for each scenario."""
    cols = {}
    for name, res in cmp.results.items():
        k = S.kpis(res)
        cols[name] = [float(k[c].mean()) if c in k else math.nan for c in FLOW]
    return pd.DataFrame(cols, index=pd.Index([metric(c).label for c in FLOW], name="step"))


def nominal_date(res: Results, day: float) -> date:
    """The calendar date a results-period day falls on: from a census's start date when it
    gives one, otherwise taking 1 April as simulated day 0 (a census start has no warm-up).

    Without a census date the year is nominal (2001, not a leap year): only the season matters.
    """
    p = res.params
    census = getattr(p, "census", None)
    if census is not None and census.start_date is not None:
        return census.start_date + timedelta(days=int(day))
    return date(2001, 4, 1) + timedelta(
        days=int(p.run.start_day_of_year + warmup_days_used(p) + day))


def daily_bands(cmp: Comparison, column: str) -> pd.DataFrame:
    """Per scenario and day of the results period: mean of ``column`` across replications
    with the 95% CI of that mean (columns scenario, day, date, mean, low, high)."""
    parts = []
    for name, res in cmp.results.items():
        band = S.daily_band(res, column)
        if band.empty:
            continue
        band = band.drop(columns=["n"])
        band.insert(0, "scenario", name)
        band.insert(2, "date", [nominal_date(res, d) for d in band["day"]])
        parts.append(band)
    if not parts:
        return pd.DataFrame(columns=["scenario", "day", "date", "mean", "low", "high"])
    return pd.concat(parts, ignore_index=True)


def sweep_table(cmp: Comparison, values: dict[str, float],
                metrics: tuple[str, ...] = ("delayed_discharge_days", "cost_total")
                ) -> pd.DataFrame:
    """One row per sweep point (scenario name -> swept value): mean and CI of each metric
    per year, sorted by the swept value, with the gridlocked replications of each point
    (``unstable_replications``) and its warning (``warning``, empty if none)."""
    rows = []
    for name, value in values.items():
        res = cmp.results[name]
        k = S.kpis(res)
        row: dict[str, float | str] = {"scenario": name, "value": value}
        for m in metrics:
            s = S.t_interval(k[m].tolist())
            row[m], row[f"{m}_low"], row[f"{m}_high"] = s["mean"], s["ci_low"], s["ci_high"]
        w = gridlock(res)
        row["unstable_replications"] = w.replications if w else 0
        row["warning"] = w.text if w else ""
        rows.append(row)
    return pd.DataFrame(rows).sort_values("value").reset_index(drop=True)


__all__ = ["DIFF_COLUMNS", "cost_by_service_table", "daily_bands", "delays_by_reason_table",
           "difference_table", "flow_table", "headlines", "heavy_tailed_present",
           "nominal_date", "payer_table", "summary_table", "sweep_table", "text_differences",
           "text_metric_summary", "text_points", "text_summary"]


def heavy_tailed_present(cmp: Comparison) -> list[str]:
    """The heavy-tailed measures this comparison recorded (waits and queues)."""
    from .catalogue import HEAVY_TAILED

    cols = set().union(*(r.kpis.columns for r in cmp.results.values()))
    return [m for m in HEAVY_TAILED if m in cols]


# --------------------------------------------------------------------------------------------
# Plain-text tables (command line, experiment summaries)
# --------------------------------------------------------------------------------------------
def _cell(m: str, mean: float, low: float, high: float) -> str:
    from .words import format_value

    if not (math.isfinite(low) and math.isfinite(high)):
        return format_value(m, mean)
    return f"{format_value(m, mean)} ({format_value(m, low)} to {format_value(m, high)})"


def text_summary(results: dict[str, Results], metrics: Iterable[str] | None = None
                 ) -> pd.DataFrame:
    """Mean and 95% CI of each metric (rows, by contract name, with the unit as a reader sees
    it) per scenario (columns), formatted, totals per year; heavy-tailed measures add a row
    with the median and 10th-90th percentiles of replications."""
    from .words import format_value

    rows: dict[str, dict[str, str]] = {}
    for name, res in results.items():
        k = S.kpis(res)
        for m in _metrics(metrics):
            if m not in k:
                continue
            info = metric(m)
            s = S.summarise(k[m].tolist())
            rows.setdefault(m, {"unit": info.unit_label})[name] = _cell(
                m, s["mean"], s["ci_low"], s["ci_high"])
            if info.heavy_tailed:
                rows.setdefault(f"{m} median (p10 to p90)", {"unit": info.unit_label})[name] = (
                    f"{format_value(m, s['median'])} ({format_value(m, s['p10'])} "
                    f"to {format_value(m, s['p90'])})")
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "mean (95% CI)"
    return out


def text_differences(cmp: Comparison, metrics: Iterable[str] | None = None) -> pd.DataFrame:
    """Each alternative's paired change from the baseline, formatted, with its verdict."""
    from .fmt import pct
    from .verdict import VERDICTS
    from .words import format_difference

    t = difference_table(cmp, metrics=metrics)
    if t.empty:
        return pd.DataFrame()
    return pd.DataFrame({
        "scenario": t["scenario"], "metric": t["metric"], "unit": t["unit"],
        "change": [format_difference(m, d) for m, d in zip(t["metric"], t["difference"])],
        "95% CI": [f"{format_difference(m, lo)} to {format_difference(m, hi)}"
                   for m, lo, hi in zip(t["metric"], t["ci_low"], t["ci_high"])],
        "relative": [pct(r, signed=True) for r in t["relative"]],
        "verdict": [VERDICTS[v] for v in t["verdict"]],
    }).set_index(["scenario", "metric"])


def text_points(summary: pd.DataFrame, keys: list[str], metrics: Iterable[str]) -> pd.DataFrame:
    """A grid of points (a capacity sweep) as text: one row per point, one column per metric,
    each cell the mean and 95% CI at the metric's own precision (money as £11.0m, never a
    float with decimals). ``summary`` is the tidy output of
    :func:`sim.readout.stats.group_summary` (``keys``, metric, mean, ci_low, ci_high)."""
    metrics = list(metrics)
    scales = {m: _money_column_scale(summary[summary["metric"] == m]) for m in metrics
              if metric(m).kind == "money"}
    rows: dict[tuple, dict[str, str]] = {}
    for _, r in summary.iterrows():
        m = r["metric"]
        if m not in metrics:
            continue
        point = tuple(r[k] for k in keys)
        mean, low, high = float(r["mean"]), float(r["ci_low"]), float(r["ci_high"])
        if m in scales:
            def gbp(x: float, scale=scales[m]) -> str:
                minus = fmt.MINUS if round(x / scale[0], scale[2]) < 0 else ""
                return minus + fmt.gbp(x, scale)

            cell = gbp(mean) if fmt.missing(low) or fmt.missing(high) else (
                f"{gbp(mean)} ({gbp(low)} to {gbp(high)})")
        else:
            cell = _cell(m, mean, low, high)
        rows.setdefault(point, {})[m] = cell
    index = pd.MultiIndex.from_tuples(list(rows), names=keys) if len(keys) > 1 else \
        pd.Index([p[0] for p in rows], name=keys[0])
    out = pd.DataFrame(list(rows.values()), index=index)
    return out[[m for m in metrics if m in out.columns]]


def _money_column_scale(part: pd.DataFrame) -> tuple[float, str, int]:
    """One money scale for a column of sweep points: the readout's scale for its size, with
    up to two more decimals when that is what tells the points and their intervals apart
    (£111.6m to £112.1m rather than £112m to £112m)."""
    values = [float(v) for c in ("mean", "ci_low", "ci_high") for v in part[c]
              if not fmt.missing(float(v))]
    div, suffix, dp = fmt.money_scale(values)
    means = sorted(float(v) for v in part["mean"] if not fmt.missing(float(v)))
    gaps = [b - a for a, b in zip(means, means[1:])]
    gaps += [float(h) - float(m) for m, h in zip(part["mean"], part["ci_high"])]
    gaps = [g for g in gaps if g > 0 and math.isfinite(g)]
    if gaps and div > 1:
        dp = max(dp, min(2, math.ceil(-math.log10(min(gaps) / div))))
    return div, suffix, dp


def text_metric_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """A per-metric summary (rows: metrics; columns such as mean, std, ci_low, ci_high, n) as
    text in each metric's own format: ``n`` as a whole number, everything else as the metric
    is shown on every surface."""
    from .words import format_value

    def cell(m: str, col: str, v) -> str:
        try:
            x = float(v)
        except (TypeError, ValueError):
            return str(v)
        if col == "n":
            return fmt.integer(x)
        return format_value(m, x)

    return pd.DataFrame({col: [cell(str(m), col, v) for m, v in summary[col].items()]
                         for col in summary.columns}, index=summary.index)
