"""Who pays, who saves: cost by payer and service, and spending that moves between payers."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from ..readout import fmt as F
from ..readout import money as M
from ..readout import stats as S
from ..readout.catalogue import PAYER, SERVICES, service_name
from ..readout.tables import payer_table
from . import charts
from .data import PAYERS, Ctx, doc, join_words, plain_period
from .model import Bullets, Figure, Heading, Para, Section, Strong, Table
from .summary import money_rich


def cost_shift(ctx: Ctx, alt: str) -> dict[str, Any]:
    """Service-by-payer means, their changes, and spending that moved between payers.

    Within a service, when one payer's cost rises while another's falls, the smaller of the
    two totals is counted as moved between them (the pooled budget taking a share of home
    care is the typical case); the change in the service's total is the real change.
    """
    base_tab = S.costs_by_replication(ctx.cmp.results[ctx.base])
    alt_tab = S.costs_by_replication(ctx.cmp.results[alt])
    table = S.paired_table(base_tab, alt_tab)
    if table.empty:
        table = pd.DataFrame(columns=["service", "payer", "baseline_mean", "scenario_mean",
                                      "difference", "ci_low", "ci_high"])
    else:
        table.insert(0, "service", [k[0] for k in table["key"]])
        table.insert(1, "payer", [k[1] for k in table["key"]])
        table = table.drop(columns=["key"])
    base_total = float(base_tab.sum(axis=1).mean()) if not base_tab.empty else 0.0
    moves: dict[tuple[str, str], float] = defaultdict(float)
    move_services: dict[tuple[str, str], list[str]] = defaultdict(list)
    service_change = {}
    for service, grp in table.groupby("service", sort=False):
        deltas = dict(zip(grp["payer"], grp["difference"]))
        service_change[service] = {"difference": float(sum(deltas.values())),
                                   "payers": [p for p in grp["payer"]
                                              if grp.set_index("payer").loc[p, "baseline_mean"]
                                              or grp.set_index("payer").loc[p, "scenario_mean"]]}
        gains = {p: d for p, d in deltas.items() if d > 0}
        losses = {p: -d for p, d in deltas.items() if d < 0}
        g, lsum = sum(gains.values()), sum(losses.values())
        moved = min(g, lsum)
        if moved <= 0:
            continue
        for lp, lv in losses.items():
            for gp, gv in gains.items():
                amount = moved * (lv / lsum) * (gv / g)
                moves[(lp, gp)] += amount
                move_services[(lp, gp)].append(service)
    # A move smaller than 0.5% of the baseline total is within the noise of unrelated changes.
    threshold = 0.005 * base_total
    kept = {k: v for k, v in moves.items() if v >= threshold}
    return {"table": table, "moves": kept,
            "move_services": {k: move_services[k] for k in kept},
            "service_change": service_change, "base_total": base_total}


def who_pays_section(ctx: Ctx, shifts: dict[str, dict]) -> Section:
    blocks: list[Any] = []
    period = plain_period(ctx)
    year = M.price_year(ctx.cmp)
    blocks.append(Para((
        f"Public costs {period}, booked to the payer that bears them: the NHS, the council "
        "(local authority) or the pooled budget the two hold together (Better Care Fund, "
        "section 75), which the partners fund in set shares: money moved into it is a "
        "transfer, counted in each partner\u2019s net cost, never a saving. A change splits into "
        "cash (money that moves) and capacity released (bed and place days freed, valued at "
        "their fixed cost but still paid for, so not cash unless the capacity is cut). "
        f"Self-funded care is not counted. {M.money_note(ctx.cmp)} Rules in {doc(3)}."),
        "note"))
    names = list(ctx.cmp.results)
    one = len(ctx.alts) == 1
    cols = ["Payer", *[f"{n} (baseline)" if n == ctx.base else n for n in names]]
    cols += ([f"Change, {ctx.alts[0]}", "95% CI"] if one else
             [f"Change, {a} (95% CI)" for a in ctx.alts])
    rows = []
    totals_for_chart: dict[str, list[float]] = {}
    table = payer_table(ctx.cmp, ctx.base)
    for key, grp in table.groupby("payer_key", sort=False):
        means = dict(zip(grp["scenario"], grp["mean"]))
        if key != "total":
            if not any(means.values()):
                continue
            totals_for_chart[key] = [means[n] for n in names]
        row: list[Any] = ["Total" if key == "total" else PAYER[key].name]
        row += [F.gbp(means[n]) for n in names]
        changes = grp.set_index("scenario")
        for a in ctx.alts:
            d = changes.loc[a]
            change, lo, hi = F.gbp_range(d["difference"], d["ci_low"], d["ci_high"])
            row += [change, f"{lo} to {hi}"] if one else [f"{change} ({lo} to {hi})"]
        rows.append(row)
    blocks.append(Table(cols, rows, align=["l"] + ["r"] * (len(cols) - 1),
                        caption=f"Cost by payer {period}, booked to each payer before "
                                f"contributions to the pooled budget (mean over "
                                f"replications; {year} prices)",
                        bold_rows={len(rows) - 1}, small=len(names) > 2,
                        widths=[2.2] + [1.2] * (len(cols) - 2) + [1.8]))
    blocks.append(Figure(
        lambda: charts.payer_stacks(names, totals_for_chart, F.gbp),
        caption=f"Cost by payer for each scenario, {period} ({year} prices). Plain: NHS; "
                "diagonal hatching: council; dotted: pooled budget.",
        alt="Horizontal stacked bars of cost by payer for each scenario", width=0.85))
    for alt in ctx.alts:
        blocks.append(Heading(f"Cash and capacity released: {alt} compared with {ctx.base}"))
        lines = M.money_sentences(ctx.cmp, alt)
        blocks.append(Bullets([money_rich(line) for line in lines], style="compact"))
        blocks.append(frame_table(
            M.split_frame(ctx.cmp, alt), ["Change " + period, *M.SPLIT_COLUMNS.values()],
            caption=f"Cash and capacity released {period}, {alt} compared with {ctx.base}, "
                    f"each with its 95% CI ({year} prices). Own spending plus what a partner "
                    "pays into the pooled budget is its net cash change; the pool\u2019s own "
                    "row nets to zero because the partners fund it.",
            widths=[1.2, 1.8, 1.8, 1.8, 1.8], bold_last=True))
        blocks.append(Heading(f"What moves between payers: {alt} compared with {ctx.base}"))
        blocks.extend(shift_paragraphs(ctx, alt, shifts[alt]))
    kinds = M.kind_frame(ctx.cmp)
    blocks.append(Heading("Fixed and variable cost"))
    blocks.append(frame_table(
        kinds, ["Payer", "Cost", *kinds.columns],
        caption=f"Fixed cost (capacity paid for whether used or not) and variable cost (per "
                f"use) by payer {period}, with each change and its 95% CI ({year} prices)",
        widths=[1.2, 2.2, *[1.0] * len(names), *[1.9] * len(ctx.alts)], repeat_first=False))
    if M.multi_year(ctx.cmp):
        years = M.year_frame(ctx.cmp)
        blocks.append(Heading("Year by year"))
        blocks.append(frame_table(
            years, ["Year", *years.columns],
            caption=f"Cost to all public payers in each year of the run and over the whole "
                    f"run, undiscounted and discounted at the HM Treasury Green Book rate "
                    f"(year 1 undiscounted); set-up costs of levers fall in year 1 ({year} "
                    "prices). Year rows are the years as they fall, not scaled to a year.",
            widths=[1.6, *[1.0] * len(years.columns)], bold_last=True))
    # Services whose cost hardly moves would only add empty rows to the chart.
    services: list[str] = []
    for alt in ctx.alts:
        t = shifts[alt]["table"]
        tiny = 0.001 * max(shifts[alt]["base_total"], 1.0)
        for svc, grp in t.groupby("service", sort=False):
            if grp["difference"].abs().max() >= tiny and svc not in services:
                services.append(svc)

    def total_change(service: str) -> float:
        return min(float(shifts[a]["table"].loc[shifts[a]["table"]["service"] == service,
                                                "difference"].sum()) for a in ctx.alts)

    order = sorted(services, key=total_change)
    changes = {}
    for alt in ctx.alts:
        t = shifts[alt]["table"]
        by_payer = {}
        for payer in PAYERS:
            vals = []
            for svc in order:
                m = t[(t["service"] == svc) & (t["payer"] == payer)]
                vals.append(float(m["difference"].sum()) if len(m) else 0.0)
            if any(vals):
                by_payer[payer] = vals
        changes[f"{alt} compared with {ctx.base}"] = by_payer
    if order:
        blocks.append(Figure(
            lambda: charts.cost_changes([service_name(s) for s in order], changes,
                                        lambda v: F.gbp_axis(v, signed=True)),
            caption=f"Change in cost by service and payer {period} (mean over replications; "
                    f"{year} prices); services "
                    "whose cost hardly changes are left out. Left of the line: spending "
                    "falls. Plain: NHS; diagonal hatching: council; dotted: pooled budget.",
            alt="Horizontal bars of the change in cost by service, one bar per payer"))
    for alt in ctx.alts:
        blocks.append(service_table(ctx, alt, shifts[alt]))
    return Section("who-pays", "Who pays, who saves", blocks)


def shift_paragraphs(ctx: Ctx, alt: str, shift: dict) -> list[Para]:
    out = []
    moves = shift["moves"]
    period = plain_period(ctx)
    if moves:
        bits = []
        for (frm, to), amount in sorted(moves.items(), key=lambda kv: -kv[1]):
            services = join_words([service_name(s).lower() for s in shift["move_services"][(frm, to)]])
            bits.append(f"{F.gbp(amount)} of {PAYER[frm].subject}\u2019s spending on "
                        f"{services} is now paid by {PAYER[to].subject}")
        out.append(Para((Strong(f"Shift between payers ({period}). "), "; ".join(bits) +
                         ". This changes who pays, not how much is spent: it is not a saving "
                         "to the system.")))
        out.append(Para(("Each partner\u2019s contribution to the pool is set by the pooled "
                         "budget lever; its net change is under Cash and capacity released "
                         "above.",)))
    else:
        out.append(Para((Strong("Shift between payers. "), "No spending moves between payers "
                         "beyond small changes within the noise of the runs.")))
    changes = shift["service_change"]
    falls = sorted(((s, c) for s, c in changes.items() if c["difference"] < 0),
                   key=lambda kv: kv[1]["difference"])
    rises = sorted(((s, c) for s, c in changes.items() if c["difference"] > 0),
                   key=lambda kv: -kv[1]["difference"])
    tiny = 0.001 * max(shift["base_total"], 1.0)

    def who(c: dict) -> str:
        payers = [p for p in c["payers"] if p != "pooled"] or c["payers"]
        return ", ".join(PAYER[p].short for p in payers)

    def listing(items) -> str:
        return join_words([f"{service_name(s).lower()} ({F.gbp(c['difference'])}, {who(c)})"
                      for s, c in items[:4] if abs(c["difference"]) >= tiny])

    text = []
    if falls and listing(falls):
        text.append("Spending falls most on " + listing(falls))
    if rises and listing(rises):
        text.append("it rises on " + listing(rises))
    if text:
        out.append(Para((Strong("Real changes. "), "; ".join(text) + " (the change in each "
                         "service\u2019s total, whoever pays).")))
    return out


def service_table(ctx: Ctx, alt: str, shift: dict) -> Table:
    t = shift["table"]
    t = t[(t["baseline_mean"] != 0) | (t["scenario_mean"] != 0)].copy()
    t["order"] = t["service"].map({s: i for i, s in enumerate(SERVICES)}).fillna(99)
    t = t.sort_values(["order", "service", "payer"])
    rows = []
    for r in t.itertuples():
        change, lo, hi = F.gbp_range(r.difference, r.ci_low, r.ci_high)
        rows.append([service_name(r.service), PAYER[r.payer].short if r.payer in PAYER else r.payer,
                     F.gbp(r.baseline_mean), F.gbp(r.scenario_mean), change,
                     "" if F.missing(r.ci_low) else f"{lo} to {hi}"])
    return Table(["Service", "Payer", ctx.base, alt, "Change", "95% CI"], rows,
                 align=["l", "l", "r", "r", "r", "r"], widths=[2.5, 1.2, 1.0, 1.0, 1.0, 1.7],
                 caption=f"Cost by service and payer, {alt} compared with {ctx.base} "
                         f"({plain_period(ctx)}; {M.price_year(ctx.cmp)} prices)", small=True)


def frame_table(frame: pd.DataFrame, columns: list[str], caption: str, widths: list[float],
                bold_last: bool = False, repeat_first: bool = True) -> Table:
    """A formatted readout frame laid out as a report table, index first."""
    rows: list[list[Any]] = []
    previous = None
    for idx, values in frame.iterrows():
        keys = [str(k) for k in (idx if isinstance(idx, tuple) else (idx,))]
        first = keys[0]
        if not repeat_first and first == previous:
            keys[0] = ""  # a payer's second row: its name is on the row above
        previous = first
        rows.append([*keys, *[str(v) for v in values]])
    return Table(columns, rows, align=["l"] * (len(columns) - len(frame.columns))
                 + ["r"] * len(frame.columns), widths=widths, caption=caption,
                 bold_rows={len(rows) - 1} if bold_last and rows else set(), small=True)
