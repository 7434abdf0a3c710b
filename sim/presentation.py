"""Results in plain words: per-year figures, sensible rounding and headline sentences.

A planner reads "about 1,900 fewer delayed days a year, between 1,600 and 2,200", not a
table of means and t intervals. This module turns a :class:`~sim.runner.Comparison` into
those sentences and into tidy tables (one row per scenario and metric) that an app, a report
or a spreadsheet can use as they are. It draws nothing and imports no user-interface library.

Totals (admissions, bed days, costs) are summed over the results period; they are scaled to
a year (x 365 / ``run.days``) so that runs of any length read the same way. Rates, means and
shares are not scaled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from .metrics import METRIC_INFO, METRICS

if TYPE_CHECKING:
    from .runner import Comparison, Results

# Metrics that add up over the results period (everything else is a rate, mean or share).
PER_PERIOD_TOTALS = frozenset({
    "emergency_admissions", "readmissions_30d", "acute_bed_days", "delayed_discharge_days",
    "ed_boarding_hours", "care_home_admissions", "deaths", "cost_total", "cost_nhs",
    "cost_local_authority", "cost_pooled",
})

# The metrics a planner is shown first, in order.
KEY_METRICS = (
    "delayed_discharge_days",
    "mean_delayed_patients",
    "emergency_admissions",
    "care_home_admissions",
    "days_at_home",
    "cost_total",
)

PAYERS = {"nhs": "NHS", "local_authority": "Council", "pooled": "Pooled budget"}
PAYER_METRICS = {"nhs": "cost_nhs", "local_authority": "cost_local_authority",
                 "pooled": "cost_pooled"}

# How each metric is spoken about. kind: "count" (fewer / more), "money" (less / more),
# "share" (percentage points lower / higher), "amount" (more / less of a measured quantity).
# ``noun`` follows the amount ("1,900 fewer <noun>"); ``topic`` follows "no clear change in".
_PHRASES: dict[str, dict[str, str]] = {
    "emergency_admissions": {"kind": "count", "noun": "emergency admissions",
                             "topic": "emergency admissions"},
    "readmissions_30d": {"kind": "count", "noun": "readmissions within 30 days",
                         "topic": "readmissions within 30 days"},
    "acute_bed_days": {"kind": "count", "noun": "acute bed days", "topic": "acute bed days"},
    "delayed_discharge_days": {"kind": "count", "noun": "delayed days",
                               "topic": "delayed days"},
    "mean_delayed_patients": {
        "kind": "count",
        "noun": "people medically fit but still in hospital on an average day",
        "topic": "the number of people medically fit but still in hospital"},
    "mean_delay_days": {"kind": "count", "noun": "days of delay per discharge",
                        "topic": "the delay per discharge"},
    "ed_boarding_hours": {"kind": "count", "noun": "hours waiting in A&E for a bed",
                          "topic": "hours waiting in A&E for a bed"},
    "acute_occupancy": {"kind": "share", "noun": "acute bed occupancy",
                        "topic": "acute bed occupancy"},
    "care_home_admissions": {"kind": "count", "noun": "permanent care home admissions",
                             "topic": "permanent care home admissions"},
    "reablement_at_home_91d": {"kind": "share",
                               "noun": "share at home 91 days after reablement",
                               "topic": "the share at home 91 days after reablement"},
    "assessments_per_discharge": {"kind": "count",
                                  "noun": "assessments per supported discharge",
                                  "topic": "assessments per supported discharge"},
    "days_at_home": {"kind": "count", "noun": "days at home per person per year",
                     "topic": "days at home"},
    "deaths": {"kind": "count", "noun": "deaths", "topic": "deaths"},
    "cost_total": {"kind": "money", "noun": "in total", "topic": "total cost"},
    "cost_nhs": {"kind": "money", "noun": "for the NHS", "topic": "cost to the NHS"},
    "cost_local_authority": {"kind": "money", "noun": "for the council",
                             "topic": "cost to the council"},
    "cost_pooled": {"kind": "money", "noun": "from the pooled budget",
                    "topic": "cost to the pooled budget"},
}

# Flow through the discharge pathways and services (Results.kpis columns), in reading order.
FLOW = (
    ("pathway_P0", "Home with no new support (pathway 0)"),
    ("pathway_P1", "Home with support: reablement or home care (pathway 1)"),
    ("pathway_P2", "Intermediate care bed (pathway 2)"),
    ("pathway_P3", "New care home placement (pathway 3)"),
    ("pathway_P3_back", "Back to their own care home"),
    ("reablement_starts", "Reablement episodes started"),
    ("intermediate_care_admissions", "Intermediate care admissions"),
    ("care_home_admissions", "Permanent care home admissions"),
    ("deaths", "Deaths"),
)


# --------------------------------------------------------------------------------------------
# Per-year scaling
# --------------------------------------------------------------------------------------------
def per_year_factor(days: float) -> float:
    """Multiplier turning a total over ``days`` into a total per year."""
    return 365.0 / float(days) if days else math.nan


def is_total(metric: str) -> bool:
    return metric in PER_PERIOD_TOTALS


def annualise(value: float, metric: str, days: float) -> float:
    """``value`` per year if ``metric`` is a total over the results period, else unchanged."""
    return value * per_year_factor(days) if is_total(metric) else value


def unit_label(metric: str) -> str:
    """The unit as shown to a reader, including "a year" for totals."""
    unit = METRIC_INFO.get(metric, (metric, "", "lower"))[1]
    words = {"count": "number", "GBP": "£", "share": "%"}.get(unit, unit)
    if metric == "mean_delayed_patients":
        return "people a day"
    if metric == "days_at_home":
        return "days per person per year"
    return f"{words} a year" if is_total(metric) else words


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------
def round_sig(x: float, sig: int = 2) -> float:
    """``x`` rounded to ``sig`` significant figures (1,874 -> 1,900; 0.0734 -> 0.073)."""
    if x == 0 or not math.isfinite(x):
        return x
    digits = sig - int(math.floor(math.log10(abs(x)))) - 1
    return round(x, digits)


def _plain(x: float, sig: int = 2) -> str:
    """A magnitude with thousands separators and no more decimals than it needs."""
    r = abs(round_sig(x, sig))
    if r >= 10 ** (sig - 1) or r == int(r):
        return f"{r:,.0f}"
    decimals = sig - int(math.floor(math.log10(r))) - 1
    return f"{r:,.{decimals}f}".rstrip("0").rstrip(".")


def money(x: float, sig: int = 2) -> str:
    """£ amount without a sign: £9.9 million, £250,000, £60."""
    a = abs(x)
    if not math.isfinite(a):
        return "n/a"
    if round_sig(a, sig) >= 1e6:
        return f"£{_plain(a / 1e6, sig)} million"
    return f"£{_plain(a, sig)}"


def format_value(metric: str, value: float) -> str:
    """A metric's value for a card or table (three significant figures, with its unit)."""
    if value is None or not math.isfinite(value):
        return "n/a"
    kind = phrase(metric)["kind"]
    sign = "-" if value < 0 else ""
    if kind == "money":
        a = abs(value)
        if a >= 1e6:
            return f"{sign}£{a / 1e6:,.1f}m"
        if a >= 1e4:
            return f"{sign}£{a / 1e3:,.0f}k"
        return f"{sign}£{a:,.0f}"
    if kind == "share":
        return f"{value * 100:.1f}%"
    a = abs(value)
    if metric == "days_at_home":
        return f"{sign}{a:,.1f}"
    if a >= 100 or (is_total(metric) and a >= 10):
        return f"{sign}{a:,.0f}"
    if a >= 10 or is_total(metric):
        return f"{sign}{a:,.1f}"
    return f"{sign}{a:,.2f}"


def format_difference(metric: str, diff: float) -> str:
    """A signed difference in the metric's own terms (percentage points for shares)."""
    if diff is None or not math.isfinite(diff):
        return "n/a"
    kind = phrase(metric)["kind"]
    sign = "+" if diff > 0 else ("-" if diff < 0 else "")
    if kind == "share":
        return f"{sign}{abs(diff) * 100:.1f} points"
    return sign + format_value(metric, abs(diff))


# --------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------
def phrase(metric: str) -> dict[str, str]:
    if metric in _PHRASES:
        return _PHRASES[metric]
    label = METRIC_INFO.get(metric, (metric.replace("_", " "),))[0].lower()
    return {"kind": "amount", "noun": label, "topic": label}


def label(metric: str) -> str:
    return METRIC_INFO.get(metric, (metric.replace("_", " ").capitalize(), "", ""))[0]


_TITLES = {
    "delayed_discharge_days": "Delayed days in hospital a year",
    "mean_delayed_patients": "Fit to leave, still in hospital (per day)",
    "emergency_admissions": "Emergency admissions a year",
    "care_home_admissions": "Permanent care home admissions a year",
    "days_at_home": "Days at home per person per year",
    "cost_total": "Public cost a year",
}


def title(metric: str) -> str:
    """A short heading for a card: the label with "a year" for totals."""
    if metric in _TITLES:
        return _TITLES[metric]
    return label(metric) + (" a year" if is_total(metric) else "")


def better_if(metric: str) -> str:
    """"lower" or "higher": which direction is an improvement."""
    return METRIC_INFO.get(metric, ("", "", "lower"))[2]


@dataclass(frozen=True)
class Headline:
    metric: str
    text: str       # "about 1,900 fewer delayed days a year, between 1,600 and 2,200"
    verdict: str    # "better", "worse", "changed", "unclear" (interval includes 0) or "same"


# Spending that moves between payers rather than rising or falling: more money in the pooled
# budget is neither good nor bad in itself (the total and each payer's share tell that).
TRANSFERS = frozenset({"cost_pooled"})


def verdict(metric: str, diff: float, low: float, high: float) -> str:
    """Whether a difference is an improvement we can be confident of (95% CI excludes 0):
    "better", "worse", "changed" (a clear change that is neither, e.g. money moving into
    the pooled budget), "unclear" or "same"."""
    if not all(map(math.isfinite, (diff, low, high))):
        return "same" if diff == 0 else "unclear"
    if diff == 0 and low == 0 and high == 0:
        return "same"
    if low <= 0 <= high:
        return "unclear"
    if metric in TRANSFERS:
        return "changed"
    up = diff > 0
    return "better" if up == (better_if(metric) == "higher") else "worse"


def _words(kind: str, up: bool) -> str:
    return {"count": ("fewer", "more"), "money": ("less", "more"),
            "share": ("lower", "higher"), "amount": ("less", "more")}[kind][int(bool(up))]


def _magnitude(kind: str, x: float, sig: int = 2) -> str:
    if kind == "money":
        return money(x, sig)
    if kind == "share":
        return _plain(x * 100, sig)
    return _plain(x, sig)


def _points(kind: str, x: float, sig: int) -> str:
    if kind != "share":
        return ""
    return " percentage point" if _plain(x * 100, sig) == "1" else " percentage points"


def _sig_for(kind: str, low: float, high: float) -> int:
    """Two significant figures, or more when two would print both ends of a range alike."""
    for sig in (2, 3, 4):
        if _magnitude(kind, low, sig) != _magnitude(kind, high, sig):
            return sig
    return 4


def headline(metric: str, diff: float, low: float, high: float, per_year: bool = True) -> Headline:
    """One sentence for a paired difference and its 95% interval.

    >>> headline("delayed_discharge_days", -1874, -2210, -1590).text
    'about 1,900 fewer delayed days a year, between 1,600 and 2,200'
    """
    p = phrase(metric)
    kind = p["kind"]
    if diff is None or not math.isfinite(diff):
        return Headline(metric, f"{p['topic']} could not be measured in this run (nothing to "
                        "measure, e.g. no one finished reablement)", "unclear")
    year = " a year" if per_year and is_total(metric) else ""
    v = verdict(metric, diff, low, high)
    if v == "same":
        return Headline(metric, f"no difference in {p['topic']}", v)
    if not (math.isfinite(low) and math.isfinite(high)):
        text = _sentence(kind, p["noun"], year, diff)
        return Headline(metric, text + " (too few replications for a range)", v)
    if v == "unclear":
        lo, hi = sorted((low, high))
        sig = _sig_for(kind, abs(lo), abs(hi))
        text = (f"no clear change in {p['topic']}: somewhere between "
                f"{_magnitude(kind, lo, sig)}{_points(kind, lo, sig)} {_words(kind, False)} and "
                f"{_magnitude(kind, hi, sig)}{_points(kind, hi, sig)} {_words(kind, True)}{year}")
        return Headline(metric, text, v)
    a, b = sorted((abs(low), abs(high)))
    sig = _sig_for(kind, a, b)
    text = f"{_sentence(kind, p['noun'], year, diff, sig)}, between " \
           f"{_magnitude(kind, a, sig)} and {_magnitude(kind, b, sig)}"
    return Headline(metric, text, v)


def estimate(metric: str, diff: float, per_year: bool = True) -> str:
    """The difference alone, without a range ("about 1,900 fewer delayed days a year"), for
    an early look before enough replications have run to give one."""
    p = phrase(metric)
    if diff is None or not math.isfinite(diff):
        return f"{p['topic']} could not be measured yet"
    if diff == 0:
        return f"no difference in {p['topic']} so far"
    year = " a year" if per_year and is_total(metric) else ""
    return _sentence(p["kind"], p["noun"], year, diff)


def _sentence(kind: str, noun: str, year: str, diff: float, sig: int = 2) -> str:
    m = _magnitude(kind, abs(diff), sig)
    w = _words(kind, diff > 0)
    if kind == "money":
        return f"about {m} {w}{year} {noun}"
    if kind == "share":
        return f"{noun} about {m}{_points(kind, abs(diff), sig)} {w}"
    return f"about {m} {w} {noun}{year}"


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------
def _days(res: Results) -> float:
    return float(res.params.run.days)


def summary_table(cmp: Comparison, metrics: tuple[str, ...] | list[str] = METRICS
                  ) -> pd.DataFrame:
    """Per scenario and metric: mean and 95% CI across replications, totals per year."""
    rows = []
    for name, res in cmp.results.items():
        summ = res.summary(list(metrics))
        days = _days(res)
        for metric in metrics:
            f = per_year_factor(days) if is_total(metric) else 1.0
            s = summ.loc[metric]
            rows.append({"scenario": name, "metric": metric, "label": label(metric),
                         "unit": unit_label(metric), "mean": s["mean"] * f,
                         "ci_low": s["ci_low"] * f, "ci_high": s["ci_high"] * f,
                         "n": int(s["n"])})
    return pd.DataFrame(rows)


def difference_table(cmp: Comparison, baseline: str | None = None,
                     metrics: tuple[str, ...] | list[str] = METRICS) -> pd.DataFrame:
    """Every metric of every alternative against the baseline, per year, with plain words.

    Columns: scenario, baseline, metric, label, unit, better_if, baseline_mean,
    scenario_mean, difference, ci_low, ci_high, relative, n, verdict, in_words.
    """
    base = baseline or cmp.baseline
    if len(cmp.results) < 2:
        return pd.DataFrame(columns=[
            "scenario", "baseline", "metric", "label", "unit", "better_if", "baseline_mean",
            "scenario_mean", "difference", "ci_low", "ci_high", "relative", "n", "verdict",
            "in_words"])
    diffs = cmp.differences(baseline=base, metrics=list(metrics)).reset_index()
    days = _days(cmp.results[base])
    rows = []
    for _, d in diffs.iterrows():
        metric = d["metric"]
        f = per_year_factor(days) if is_total(metric) else 1.0
        vals = {k: d[k] * f for k in ("baseline_mean", "scenario_mean", "difference",
                                      "ci_low", "ci_high")}
        h = headline(metric, vals["difference"], vals["ci_low"], vals["ci_high"])
        rows.append({"scenario": d["scenario"], "baseline": base, "metric": metric,
                     "label": label(metric), "unit": unit_label(metric),
                     "better_if": better_if(metric), **vals, "relative": d["relative"],
                     "n": int(d["n"]), "verdict": h.verdict, "in_words": h.text})
    return pd.DataFrame(rows)


def headlines(cmp: Comparison, baseline: str | None = None,
              metrics: tuple[str, ...] | list[str] = KEY_METRICS) -> pd.DataFrame:
    """The key metrics of :func:`difference_table`: what a planner reads first."""
    return difference_table(cmp, baseline, metrics)


def _t_band(frame: pd.DataFrame, by: list[str], column: str, level: float = 0.95
            ) -> pd.DataFrame:
    g = frame.groupby(by)[column]
    out = g.agg(["mean", "std", "count"]).reset_index()
    n = out["count"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = stats.t.ppf(0.5 + level / 2.0, np.maximum(n - 1, 1))
        half = np.where(n > 1, t * out["std"].fillna(0).to_numpy() / np.sqrt(n), np.nan)
    out["low"] = out["mean"] - half
    out["high"] = out["mean"] + half
    return out.drop(columns=["std", "count"])


def nominal_date(res: Results, day: float) -> date:
    """The calendar date a results-period day falls on, taking 1 April as simulated day 0.

    The year is nominal (2001, not a leap year): only the season matters.
    """
    run = res.params.run
    return date(2001, 4, 1) + timedelta(days=int(run.start_day_of_year + run.warmup_days + day))


def daily_bands(cmp: Comparison, column: str, level: float = 0.95) -> pd.DataFrame:
    """Per scenario and day of the results period: mean of ``column`` across replications
    with the 95% confidence interval of that mean (columns scenario, day, date, mean, low,
    high)."""
    parts = []
    for name, res in cmp.results.items():
        if res.daily.empty or column not in res.daily:
            continue
        band = _t_band(res.daily, ["day"], column, level)
        # Every daily series counts people, beds or hours, none of which can be negative.
        band["low"] = band["low"].clip(lower=0.0)
        band.insert(0, "scenario", name)
        band.insert(2, "date", [nominal_date(res, d) for d in band["day"]])
        parts.append(band)
    if not parts:
        return pd.DataFrame(columns=["scenario", "day", "date", "mean", "low", "high"])
    return pd.concat(parts, ignore_index=True)


def delays_by_reason_table(cmp: Comparison) -> pd.DataFrame:
    """Mean delayed days a year by reason (rows) and scenario (columns)."""
    cols = {}
    for name, res in cmp.results.items():
        d = res.delays_by_reason
        if d.empty:
            continue
        per_rep = d.groupby("reason", sort=False)["delayed_days"].sum() / max(res.replications, 1)
        cols[name] = per_rep * per_year_factor(_days(res))
    return pd.DataFrame(cols).fillna(0.0)


def cost_by_payer_table(cmp: Comparison) -> pd.DataFrame:
    """Mean cost a year by payer (rows: NHS, Council, Pooled budget, Total) and scenario."""
    metrics = [*PAYER_METRICS.values(), "cost_total"]
    names = [*PAYERS.values(), "Total"]
    cols = {}
    for name, res in cmp.results.items():
        f = per_year_factor(_days(res))
        cols[name] = [float(res.kpis[m].mean()) * f for m in metrics]
    return pd.DataFrame(cols, index=pd.Index(names, name="payer"))


def cost_by_service_table(cmp: Comparison) -> pd.DataFrame:
    """Mean cost a year by service and payer (rows) for each scenario (columns)."""
    cols = {}
    for name, res in cmp.results.items():
        if res.costs.empty:
            continue
        per = res.costs.groupby(["service", "payer"])["cost"].sum() / max(res.replications, 1)
        cols[name] = per * per_year_factor(_days(res))
    out = pd.DataFrame(cols).fillna(0.0)
    if not out.empty:
        out.index = out.index.set_levels(
            [out.index.levels[0].str.replace("_", " "),
             out.index.levels[1].map(lambda p: PAYERS.get(p, p))])
    return out


def who_pays(cmp: Comparison, baseline: str | None = None) -> pd.DataFrame:
    """For each alternative and payer: the change in cost a year with its 95% CI, in words."""
    base = baseline or cmp.baseline
    table = difference_table(cmp, base, [*PAYER_METRICS.values(), "cost_total"])
    if table.empty:
        return table
    names = {v: PAYERS[k] for k, v in PAYER_METRICS.items()} | {"cost_total": "Total"}
    table.insert(2, "payer", table["metric"].map(names))
    return table


def flow_table(cmp: Comparison) -> pd.DataFrame:
    """Mean number a year through each pathway and service (rows) for each scenario."""
    cols = {}
    for name, res in cmp.results.items():
        f = per_year_factor(_days(res))
        cols[name] = [float(res.kpis[c].mean()) * f if c in res.kpis else math.nan
                      for c, _ in FLOW]
    return pd.DataFrame(cols, index=pd.Index([lab for _, lab in FLOW], name="step"))


def sweep_table(cmp: Comparison, values: dict[str, float],
                metrics: tuple[str, ...] = ("delayed_discharge_days", "cost_total")
                ) -> pd.DataFrame:
    """One row per sweep point (scenario name -> swept value): mean and CI of each metric
    per year, sorted by the swept value."""
    rows = []
    for name, value in values.items():
        res = cmp.results[name]
        summ = res.summary(list(metrics))
        f = per_year_factor(_days(res))
        row: dict[str, float | str] = {"scenario": name, "value": value}
        for m in metrics:
            g = f if is_total(m) else 1.0
            row[m] = summ.loc[m, "mean"] * g
            row[f"{m}_low"] = summ.loc[m, "ci_low"] * g
            row[f"{m}_high"] = summ.loc[m, "ci_high"] * g
        if "unstable" in res.kpis:
            row["unstable_replications"] = int(res.kpis["unstable"].fillna(0).sum())
        rows.append(row)
    return pd.DataFrame(rows).sort_values("value").reset_index(drop=True)


__all__ = [
    "FLOW", "KEY_METRICS", "PAYERS", "PER_PERIOD_TOTALS", "TRANSFERS", "Headline", "annualise",
    "better_if", "cost_by_payer_table", "cost_by_service_table", "daily_bands",
    "delays_by_reason_table", "difference_table", "estimate", "flow_table", "format_difference",
    "format_value", "headline", "headlines", "is_total", "label", "money", "nominal_date",
    "per_year_factor", "phrase", "round_sig", "summary_table", "sweep_table", "title",
    "unit_label",
    "verdict", "who_pays",
]
