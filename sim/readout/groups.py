"""Key outcomes by age band and by frailty: who gains and who loses under a scenario.

Each outcome is a rate in the group's own person-years (per 1,000 person-years; days at home
per person per year), worked out replication by replication, so a group that grows or shrinks
under a scenario is not mistaken for one whose risk changed. Means carry a Student-t 95%
interval across replications; differences against the baseline are paired replication by
replication (common random numbers), like every other difference in the readout.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from . import fmt
from . import stats as S
from .catalogue import GROUP_KIND_NAMES, GROUP_NAMES, GROUP_OUTCOMES, metric
from .verdict import VERDICTS, gridlocked, verdict

if TYPE_CHECKING:
    from ..runner import Comparison, Results

GROUP_TABLE_COLUMNS = [
    "scenario", "baseline", "is_baseline", "group_kind", "kind_label", "group", "group_label",
    "metric", "label", "unit", "better_if", "people", "mean", "ci_low", "ci_high", "n",
    "difference", "diff_ci_low", "diff_ci_high", "relative", "verdict"]


def group_rates(res: Results) -> pd.DataFrame:
    """Per replication, kind, group and outcome: the rate shown (columns replication,
    group_kind, group, metric, rate, people). ``people`` is the mean number alive in the
    group over the results period."""
    # A Results kept from before outcomes were recorded by group has no such table.
    table = getattr(res, "outcomes_by_group", None)
    cols = ["replication", "group_kind", "group", "metric", "rate", "people"]
    if table is None or table.empty:
        return pd.DataFrame(columns=cols)
    per = {m: scale for m, _unit, scale in GROUP_OUTCOMES}
    t = table[table["metric"].isin(per)].copy()
    years = t["person_years"].astype(float)
    t["rate"] = (t["value"].astype(float) * t["metric"].map(per)
                 / years.where(years > 0))
    t["people"] = years * 365.0 / float(res.params.run.days)
    return t[cols].reset_index(drop=True)


def outcomes_by_group_table(cmp: Comparison, baseline: str | None = None) -> pd.DataFrame:
    """Per scenario, group (age band, then frailty) and outcome: mean rate with its 95% CI
    and, for each alternative, the paired difference from the baseline with its 95% CI and
    verdict (empty on baseline rows). Empty when no scenario recorded outcomes by group."""
    base = baseline or cmp.baseline
    rates = {name: group_rates(res) for name, res in cmp.results.items()}
    if all(r.empty for r in rates.values()):
        return pd.DataFrame(columns=GROUP_TABLE_COLUMNS)
    # One rate per cell; a group nobody lived in stays NaN (no rate), never zero.
    wide = {name: r.pivot(index="replication", columns=["group_kind", "group", "metric"],
                          values="rate")
            if not r.empty else pd.DataFrame() for name, r in rates.items()}
    people = {name: r.groupby(["group_kind", "group"], sort=False)["people"].mean()
              if not r.empty else pd.Series(dtype=float) for name, r in rates.items()}
    units = {m: unit for m, unit, _scale in GROUP_OUTCOMES}
    stuck = {name: gridlocked(cmp, base, name) for name in cmp.results}
    rows = []
    for kind, kind_label in GROUP_KIND_NAMES.items():
        for (k, group), group_label in GROUP_NAMES.items():
            if k != kind:
                continue
            for m, _unit, _scale in GROUP_OUTCOMES:
                info = metric(m)
                key = (kind, group, m)
                for name in cmp.results:
                    w = wide[name]
                    if key not in w.columns:
                        continue
                    s = S.t_interval(w[key].tolist())
                    row = {"scenario": name, "baseline": base, "is_baseline": name == base,
                           "group_kind": kind, "kind_label": kind_label, "group": group,
                           "group_label": group_label, "metric": m, "label": info.label,
                           "unit": units[m], "better_if": info.better or "neither",
                           "people": float(people[name].get((kind, group), math.nan)),
                           "mean": s["mean"], "ci_low": s["ci_low"], "ci_high": s["ci_high"],
                           "n": int(s["n"])}
                    bw = wide.get(base)
                    if name != base and bw is not None and key in bw.columns:
                        d = S.paired(bw[key], w[key])
                        row.update({"difference": d["difference"], "diff_ci_low": d["ci_low"],
                                    "diff_ci_high": d["ci_high"], "relative": d["relative"],
                                    # No verdict on a group nobody lived in.
                                    "verdict": verdict(m, d["difference"], d["ci_low"],
                                                       d["ci_high"], gridlock=stuck[name])
                                    if d["n"] else None})
                    rows.append(row)
    return pd.DataFrame(rows).reindex(columns=GROUP_TABLE_COLUMNS)


def _value(x: float) -> str:
    """Rates to one decimal place below 100, whole numbers above (fmt's rule, capped at one
    place: a rate per 1,000 person-years is not known to two)."""
    return fmt.number(x, min(fmt.dp_for([x]), 1)) if not fmt.missing(x) else fmt.NA


def _signed(x: float, dp: int) -> str:
    return fmt.number(x, dp, signed=True) if not fmt.missing(x) else fmt.NA


def outcomes_by_group_display(table: pd.DataFrame, scenario: str | None = None,
                              titles: dict[str, str] | None = None) -> pd.DataFrame:
    """:func:`outcomes_by_group_table` as a reader sees it: one row per group and outcome,
    the baseline's rate, each alternative's rate and its change (95% CI) with the verdict.
    ``scenario`` keeps one alternative only; ``titles`` names scenarios for column heads."""
    if table.empty:
        return pd.DataFrame()
    titles = titles or {}
    base = table["baseline"].iloc[0]
    alts = [s for s in dict.fromkeys(table["scenario"]) if s != base]
    if scenario is not None:
        alts = [s for s in alts if s == scenario]
    by = table.set_index(["scenario", "group_kind", "group", "metric"])
    out = []
    keys = table[["group_kind", "kind_label", "group", "group_label", "metric", "label",
                  "unit"]].drop_duplicates()
    for rec in keys.to_dict("records"):
        m = rec["metric"]
        b = by.loc[(base, rec["group_kind"], rec["group"], m)] \
            if (base, rec["group_kind"], rec["group"], m) in by.index else None
        row = {"Group": rec["group_label"], "Outcome": rec["label"], "Unit": rec["unit"]}
        row[titles.get(base, base)] = _value(b["mean"]) if b is not None else fmt.NA
        for alt in alts:
            key = (alt, rec["group_kind"], rec["group"], m)
            if key not in by.index:
                continue
            a = by.loc[key]
            head = titles.get(alt, alt)
            row[head] = _value(a["mean"])
            # A change to the places its own size needs (days at home change by fractions).
            dp = min(fmt.dp_for([abs(v) for v in (a["difference"], a["diff_ci_low"],
                                                   a["diff_ci_high"]) if not fmt.missing(v)]), 1)
            row[f"Change, {head}"] = (fmt.NA if fmt.missing(a["difference"]) else
                                      f"{_signed(a['difference'], dp)} "
                                      f"({_signed(a['diff_ci_low'], dp)} to "
                                      f"{_signed(a['diff_ci_high'], dp)})")
            v = a["verdict"]
            row[f"Verdict, {head}"] = VERDICTS.get(v, "") if isinstance(v, str) else ""
        out.append(row)
    return pd.DataFrame(out)


__all__ = ["GROUP_TABLE_COLUMNS", "group_rates", "outcomes_by_group_display",
           "outcomes_by_group_table"]
