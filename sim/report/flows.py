"""Flows and capacity: admissions, discharges, delayed patients over time, occupancy."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..census import warmup_days_used
from ..readout import fmt as F
from ..readout import stats as S
from ..readout.catalogue import CENSUS, FLOW_TABLE, delay_reason_name, metric
from ..readout.tables import heavy_tailed_present
from . import charts
from .data import Ctx, comparison_rows, get_param, plain_period
from .groups import group_blocks
from .model import Figure, Heading, Section, Table


def flows_section(ctx: Ctx) -> Section:
    blocks: list[Any] = []
    period = plain_period(ctx)
    items = [(c, metric(c).label, metric(c).unit) for c in FLOW_TABLE]
    cols, rows = comparison_rows(ctx, items)
    blocks.append(Table(cols, rows, align=["l"] + ["r"] * (len(cols) - 1),
                        widths=[3.0] + [1.0] * len(ctx.cmp.results) + [2.0] * len(ctx.alts),
                        caption=f"Flows through the system ({period}; mean over replications)",
                        small=True))
    spread = heavy_tails(ctx)
    if spread is not None:
        blocks.append(spread)
    bp = ctx.bp
    start = (bp.run.start_day_of_year + warmup_days_used(bp)) % 365
    panels = []
    delayed = {n: S.daily_band(r, "delayed_patients") for n, r in ctx.cmp.results.items()}
    acute = {n: S.daily_band(r, "acute_occupied") for n, r in ctx.cmp.results.items()}
    panels.append(("People medically fit but still in an acute bed", "people", delayed, None))
    beds = ctx.bp.acute.beds if ctx.same("acute.beds") else None
    panels.append(("Acute beds occupied", "beds", acute,
                   (float(beds), f"{beds:,} beds") if beds else None))
    reps = min(ctx.replications().values())
    blocks.append(Figure(
        lambda: charts.daily_bands(panels, start, bp.run.days),
        caption=f"Daily census over the results period. Line: mean of the {reps} "
                "replications; band: its 95% confidence interval. Line style and marker "
                "distinguish the scenarios. Where assessments and transfers happen on "
                "weekdays only, delays build up every weekend: hence the weekly saw-tooth.",
        alt="Line charts of delayed patients and occupied acute beds by day with bands"))
    # Delays by reason
    tabs = {n: S.delays_by_replication(r) for n, r in ctx.cmp.results.items()}
    # In the order the model records them, which follows the discharge process.
    reasons: list[str] = []
    for r in ctx.cmp.results.values():
        if r.delays_by_reason is not None and not r.delays_by_reason.empty:
            for c in r.delays_by_reason["reason"].unique():
                if c not in reasons:
                    reasons.append(c)
    if reasons:
        rrows = []
        chart = {}
        for n in ctx.cmp.results:
            t = tabs[n].reindex(columns=reasons, fill_value=0.0)
            cis = S.column_summary(t[reasons])
            chart[n] = (list(cis["mean"]), list(cis["ci_low"]), list(cis["ci_high"]))
        base_t = tabs[ctx.base].reindex(columns=reasons, fill_value=0.0)
        for reason in reasons:
            row: list[Any] = [delay_reason_name(reason)]
            vals = [float(tabs[n].reindex(columns=reasons, fill_value=0.0)[reason].mean())
                    for n in ctx.cmp.results]
            dp = F.dp_for(vals)
            row += [F.number(v, dp) for v in vals]
            for a in ctx.alts:
                s = S.paired(base_t[reason], tabs[a].reindex(columns=reasons,
                                                             fill_value=0.0)[reason])
                ddp = F.dp_for([s["difference"], s["ci_low"], s["ci_high"]])
                ci = "" if F.missing(s["ci_low"]) else (
                    f" ({F.number(s['ci_low'], ddp, True)} to "
                    f"{F.number(s['ci_high'], ddp, True)})")
                row.append(F.number(s["difference"], ddp, True) + ci)
            rrows.append(row)
        cols = ["Reason for delay", *ctx.cmp.results,
                *[f"Change, {a} (95% CI)" for a in ctx.alts]]
        blocks.append(Heading("Delayed discharge days by reason"))
        blocks.append(Figure(
            lambda: charts.grouped_hbars([delay_reason_name(r) for r in reasons], chart,
                                         f"Delayed days ({period})",
                                         fmt=lambda v: f"{v:,.0f}"),
            caption="Delayed discharge days by the step people were waiting for. Bars: mean "
                    "over replications; whiskers: 95% confidence interval. Hatching "
                    "distinguishes the scenarios.",
            alt="Grouped horizontal bars of delayed days by reason", width=0.9))
        blocks.append(Table(cols, rrows, align=["l"] + ["r"] * (len(cols) - 1),
                            widths=[2.4] + [1.0] * len(ctx.cmp.results) + [2.0] * len(ctx.alts),
                            caption=f"Delayed discharge days by reason ({period})", small=True))
    # Occupancy
    blocks.append(Heading("How full each service is"))
    orows, ochart = [], {}
    labels = []
    occ_reps: dict[str, dict[str, pd.Series]] = {n: {} for n in ctx.cmp.results}
    caps: dict[str, dict[str, float]] = {}
    for column, cap_path, label, cap_unit in ((c.column, c.capacity, c.label, c.unit)
                                              for c in CENSUS):
        ok = True
        for n, r in ctx.cmp.results.items():
            cap = get_param(r.params.resolved(), cap_path)
            if r.daily is None or r.daily.empty or column not in r.daily.columns or not cap:
                ok = False
                break
            occ_reps[n][label] = S.occupancy_by_replication(r, column, cap)
            caps.setdefault(label, {})[n] = float(cap)
        if not ok:
            continue
        labels.append((label, cap_unit))
    for label, cap_unit in labels:
        capv = caps[label]
        cap_text = " / ".join(f"{v:,.0f}" for v in dict.fromkeys(capv.values()))
        row = [label, f"{cap_text} {cap_unit}"]
        for n in ctx.cmp.results:
            row.append(F.pct(float(occ_reps[n][label].mean()), 1))
        for a in ctx.alts:
            s = S.paired(occ_reps[ctx.base][label], occ_reps[a][label])
            ci = "" if F.missing(s["ci_low"]) else (
                f" ({F.points(s['ci_low'], signed=True)} to {F.points(s['ci_high'], signed=True)})")
            row.append(F.points(s["difference"], signed=True) + ci)
        orows.append(row)
    for n in ctx.cmp.results:
        cis = S.column_summary({lab: occ_reps[n][lab] for lab, _u in labels})
        # A mean occupancy lies between empty and full, and so does its interval.
        ochart[n] = (list(cis["mean"] * 100) if len(cis) else [],
                     [min(max(x * 100, 0.0), 100.0) for x in cis.get("ci_low", [])],
                     [min(max(x * 100, 0.0), 100.0) for x in cis.get("ci_high", [])])
    if orows:
        blocks.append(Figure(
            lambda: charts.grouped_hbars([lab for lab, _u in labels], ochart,
                                         "Share of capacity in use (%), daily census",
                                         fmt=lambda v: f"{v:.0f}%", limit=100.0,
                                         limit_label="full"),
            caption="Mean share of each service's capacity in use, from the census at the "
                    "start of each day. Whiskers: 95% confidence interval.",
            alt="Grouped horizontal bars of occupancy by service", width=0.9))
        cols = ["Service", "Capacity", *ctx.cmp.results,
                *[f"Change, {a} (percentage points, 95% CI)" for a in ctx.alts]]
        blocks.append(Table(cols, orows, align=["l", "r"] + ["r"] * (len(cols) - 2),
                            widths=[2.0, 1.6] + [1.0] * len(ctx.cmp.results) +
                            [2.4] * len(ctx.alts),
                            caption="Mean occupancy by service (share of capacity in use)",
                            small=True))
    blocks.extend(group_blocks(ctx))
    return Section("flows", "Flows and capacity", blocks)


def heavy_tails(ctx: Ctx) -> Table | None:
    """Waits and queues swing by multiples between replications near gridlock, so one bad
    replication pulls the mean: the median and the 10th and 90th percentiles of replications
    describe a typical year better."""
    names = heavy_tailed_present(ctx.cmp)
    if not names:
        return None
    rows = []
    for m in names:
        row: list[Any] = [metric(m).label]
        for res in ctx.cmp.results.values():
            s = S.spread(S.kpis(res)[m].tolist())
            dp = F.dp_for([s["p10"], s["median"], s["p90"]])
            row.append(f"{F.number(s['median'], dp)} ({F.number(s['p10'], dp)} to "
                       f"{F.number(s['p90'], dp)})")
        rows.append(row)
    return Table(["Measure", *ctx.cmp.results], rows, align=["l"] + ["r"] * len(ctx.cmp.results),
                 caption="Waits and queues: median of replications (10th to 90th percentile), "
                         "totals per year; the mean misleads when one replication comes close "
                         "to gridlock", small=True)
