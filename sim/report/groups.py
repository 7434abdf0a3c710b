"""Who gains and who loses: the key outcomes by age band and by frailty.

Rates in each group's own person-years (sim.readout.groups), so a change in a group's size
under a scenario is not read as a change in its risk. One row per group, four outcomes, so
the table stays short; the app and the results folder carry all six.
"""

from __future__ import annotations

from typing import Any

from ..readout import fmt as F
from ..readout.groups import outcomes_by_group_table
from .data import Ctx
from .model import Heading, Table

# Outcome -> the short column head (the caption gives the units).
REPORT_OUTCOMES = {
    "emergency_admissions": "Emergency admissions",
    "delayed_discharge_days": "Delayed days",
    "care_home_admissions": "Care home admissions",
    "days_at_home": "Days at home",
}


def _dp(values: list[float]) -> int:
    """The report's places for numbers this size, at most one: a rate per 1,000
    person-years is not known to two."""
    return min(F.dp_for([abs(v) for v in values if not F.missing(v)]), 1)


def _change(d) -> str:
    dp = _dp([d["difference"], d["diff_ci_low"], d["diff_ci_high"]])
    text = F.number(d["difference"], dp, signed=True)
    if not F.missing(d["diff_ci_low"]):
        text += (f" ({F.number(d['diff_ci_low'], dp, True)} to "
                 f"{F.number(d['diff_ci_high'], dp, True)})")
    return text


def group_blocks(ctx: Ctx) -> list[Any]:
    """A heading and one table, or nothing when the runs did not record outcomes by group
    (results saved before they were)."""
    table = outcomes_by_group_table(ctx.cmp, ctx.base)
    if table.empty:
        return []
    by = table.set_index(["scenario", "group_kind", "group", "metric"])
    groups = table[["group_kind", "group", "group_label"]].drop_duplicates()
    several = len(ctx.alts) > 1
    rows: list[list[Any]] = []
    for g in groups.to_dict("records"):
        for i, a in enumerate(ctx.alts):
            row: list[Any] = [g["group_label"] if i == 0 else ""]
            if several:
                row.append(a)
            for m in REPORT_OUTCOMES:
                base = (ctx.base, g["group_kind"], g["group"], m)
                alt = (a, g["group_kind"], g["group"], m)
                if base not in by.index or alt not in by.index:
                    row += [F.NA, F.NA]
                    continue
                mean = float(by.loc[base]["mean"])
                row += [F.number(mean, _dp([mean])), _change(by.loc[alt])]
            rows.append(row)
    head = ["Group", *(["Scenario"] if several else [])]
    for label in REPORT_OUTCOMES.values():
        head += [label, "Change (95% CI)"]
    alts = "each scenario" if several else ctx.alts[0]
    return [
        Heading("Who gains and who loses: outcomes by age band and frailty"),
        Table(head, rows, align=["l"] * (2 if several else 1) + ["r"] * 8,
              widths=[1.1] + ([1.1] if several else []) + [1.15, 1.3] * 4,
              caption=f"Key outcomes by age band and by frailty under {ctx.base}, and the "
                      f"paired change under {alts} with its 95% confidence interval: "
                      "emergency admissions, delayed discharge days and permanent care home "
                      "admissions per 1,000 person-years lived in the group, days at home per "
                      "person per year (mean over replications). Each event counts in the "
                      "group the person was in at the time (a delay: when they became ready "
                      "to leave)",
              small=True),
    ]
