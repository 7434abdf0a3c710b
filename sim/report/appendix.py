"""Appendices: every measure, and the STRESS-DES reporting checklist."""

from __future__ import annotations

from collections import defaultdict
from importlib import metadata
from typing import Any

from ..census import start_note
from ..metrics import METRICS
from ..params import iter_fields
from ..readout import fmt as F
from ..readout.catalogue import CENSUS, metric
from . import charts
from .data import Ctx, Setting, comparison_rows, doc, get_param, schema_extra
from .model import Figure, Para, Section, Table


def measures_section(ctx: Ctx) -> Section:
    blocks: list[Any] = []
    items = [(m, metric(m).label, metric(m).unit) for m in METRICS
             if all((a, m) in ctx.diffs.index for a in ctx.alts)]
    labels, data = [], {}
    shown = [m for m, _l, _u in items if m not in ("cost_pooled",)]
    for a in ctx.alts:
        est, lo, hi = [], [], []
        for m in shown:
            r = ctx.diff(a, m)
            est.append(r["relative"])
            lo.append(r["rel_ci_low"])
            hi.append(r["rel_ci_high"])
        data[a] = (est, lo, hi)
    labels = [metric(m).label for m in shown]
    blocks.append(Figure(
        lambda: charts.forest(labels, data),
        caption=f"Change of each measure relative to {ctx.base}, with 95% confidence "
                "intervals. Left of the line: lower than the baseline. Whether lower is "
                "better depends on the measure (see the table).",
        alt="Forest plot of relative changes with confidence intervals"))
    cols, rows = comparison_rows(ctx, [(m, f"{label} ({unit})"
                                        if unit not in ("count", "share", "GBP") else label,
                                        unit) for m, label, unit in items])
    for row, (m, _l, _u) in zip(rows, items):
        row.insert(1, metric(m).better or "neither")
    cols.insert(1, "Better if")
    blocks.append(Table(cols, rows, align=["l", "l"] + ["r"] * (len(cols) - 2),
                        widths=[2.8, 0.8] + [1.1] * len(ctx.cmp.results) +
                        [2.2] * len(ctx.alts),
                        caption="Every measure: mean per scenario and paired change with 95% "
                                "CI (totals per year)", small=True))
    return Section("measures", "Appendix A: all measures", blocks)


def _versions() -> str:
    out = []
    for pkg in ("simpy", "numpy", "scipy", "pandas", "pydantic"):
        try:
            out.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(out)


def stress_section(ctx: Ctx, changed: list[Setting], extra: list[Setting]) -> Section:
    info = ctx.data_run
    bp = ctx.bp
    reps = min(info["replications"].values())
    grades: dict[str, int] = defaultdict(int)
    for _p, i, _a in iter_fields():
        g = schema_extra(i).get("evidence")
        if g:
            grades[g] += 1
    caps = ", ".join(f"{label.lower()} {F.plain_value(get_param(bp, path), '')}"
                     for path, label in ((c.capacity, c.label) for c in CENSUS)) + \
        f", social workers {F.plain_value(bp.social_work.staff, '')}"
    code = info["run_code"] or info["report_code"]
    weak = [s.path for s in changed + extra if s.evidence == "weak"]
    items = [
        ("1.1", "Objectives", "Purpose of the model",
         "To compare ways of organising care for people aged 65+ (admissions, delayed "
         "discharges, care-home placements, days at home, cost by payer). Here: "
         f"{', '.join(ctx.alts)} against {ctx.base}.", doc(1)),
        ("1.2", "Objectives", "Model outputs",
         f"{len(METRICS)} measures per replication over the results period (Appendix A; "
         "sim/metrics.py), a daily census, delayed days by reason and cost by service and "
         "payer.", doc(1)),
        ("1.3", "Objectives", "Experimentation aims",
         f"Scenario comparison against the baseline {ctx.base} with paired differences and "
         "95% CIs; scenario files in scenarios/scenario/.", doc(5)),
        ("2.1", "Logic", "Base model overview diagram", "Flow diagram of community, A&E, "
         "acute bed, discharge pathways 0 to 3 and services after hospital.", doc(2)),
        ("2.2", "Logic", "Base model logic", "Crises bring people to A&E; admitted people "
         "wait for a bed, are treated, become medically fit, wait through the discharge steps "
         "of their pathway and leave for home, reablement, intermediate care, home care or a "
         "care home.", doc(2)),
        ("2.3", "Logic", "Scenario logic", "Settings that differ: " +
         (", ".join(s.path for s in changed) or "none") + " (Assumptions; mechanisms in the "
         "lever table).", doc(4)),
        ("2.4", "Logic", "Algorithms", "Competing exponential clocks redrawn after each event; "
         "winter and Monday patterns by thinning; lognormal length of stay; uncertain effects "
         "drawn once per replication from truncated normal distributions.",
         f"{doc(2)}, {doc(4)}"),
        ("2.5.1", "Logic", "Entities", "People aged 65+ with age band, eFI frailty, long-term "
         "conditions, living situation, informal carer, care status and function (0-1). "
         f"{F.integer(bp.population.size)} at the start.", doc(2)),
        ("2.5.2", "Logic", "Activities", "A&E attendance, acute treatment, social work and "
         "provider assessments, funding decisions, reablement, intermediate care, home care, "
         "care-home stays.", doc(2)),
        ("2.5.3", "Logic", "Resources", f"Baseline capacities: {caps}.", doc(2)),
        ("2.5.4", "Logic", "Queues", "First in, first out for every resource; admitted "
         "patients wait in A&E (boarding); home care and care-home places are shared by "
         "hospital and community referrals.", doc(2)),
        ("2.5.5", "Logic", "Entry and exit points", "Entry: the starting census and people "
         "turning 65 (replacing deaths plus growth of "
         f"{F.pct(bp.population.growth_per_year, 1)} a year). Exit: death.", doc(2)),
        ("3.1", "Data", "Data sources", "Published English figures in "
         "evidence/uk_figures.csv; every parameter's source in docs/parameters.md. Evidence "
         "grades of the parameters: " + ", ".join(f"{grades[g]} {g}" for g in
                                                  ("strong", "moderate", "weak")) + ".",
         "docs/parameters.md"),
        ("3.2", "Data", "Pre-processing", "Published figures used as given; blank capacities "
         "scaled per 50,000 people aged 65+; every cost uplifted to "
         f"{bp.costs.price_year} prices with the HM Treasury GDP deflator.", doc(3)),
        ("3.3", "Data", "Input parameters", "All parameters with unit, range, default, "
         "evidence and source in docs/parameters.md (generated from sim/params.py); those "
         "that differ here are under Assumptions.", "docs/parameters.md"),
        ("3.4", "Data", "Assumptions", "Known simplifications listed in the model "
         "description. Weak-evidence settings in play here: " + (", ".join(weak) or "none") +
         ".", doc(7)),
        ("4.1", "Experimentation", "Initialisation", start_note(bp) if bp.census is not None
         else "Starts with a census of care-home residents and home care clients and an "
         f"empty hospital; warm-up of {F.number(bp.run.warmup_days, 0)} days not counted.",
         doc(5)),
        ("4.2", "Experimentation", "Run length", f"{F.number(bp.run.days, 0)} days of results"
         + (" from the census." if bp.census is not None else " after the warm-up."), doc(5)),
        ("4.3", "Experimentation", "Estimation approach", f"{reps} replications per scenario; "
         "Student-t 95% CIs; paired differences with common random numbers (seed "
         f"{ctx.cmp.seed}); daily series as mean and 95% CI across replications.", doc(5)),
        ("5.1", "Implementation", "Software", f"Python {code.get('python')}; {_versions()}; "
         f"caresim {code.get('package_version')}.", "pyproject.toml"),
        ("5.2", "Implementation", "Random sampling", "NumPy PCG64 streams from "
         f"SeedSequence({ctx.cmp.seed}, spawn_key=(replication,)), one child stream per "
         "stochastic process (sim/rng.py).", doc(5)),
        ("5.3", "Implementation", "Model execution", "Event-driven in SimPy; "
         + (f"{info['events']:,} events in all; " if info["events"] else "")
         + "results identical in any number of worker "
         "processes; conservation, capacity and Little's law checked in every run.",
         f"{doc(5)}, {doc(6)}"),
        ("5.4", "Implementation", "System specification", "Simulation took "
         f"{info['runtime_seconds']:,.1f} s; report built on {info['platform']}.", "-"),
        ("6.1", "Code access", "Computer model sharing statement", "Source code caresim "
         f"{code.get('package_version')}, git commit {code.get('git_commit') or 'not recorded'}"
         ", MIT licence; to reproduce, see the command under Run settings.",
         "README.md, LICENSE"),
    ]
    rows = [[i, item, answer, where] for i, _sec, item, answer, where in items]
    intro = Para(("Strengthening the Reporting of Empirical Simulation Studies for discrete-"
                  "event simulation (STRESS-DES; Monks et al. 2019, Journal of Simulation "
                  "13(1):55-67). Each item is filled from this run's configuration and "
                  "metadata, with the section of the model description that covers it."),
                 "note")
    blocks: list[Any] = [intro]
    current = None
    chunk: list[list[Any]] = []

    def flush() -> None:
        if chunk:
            blocks.append(Table(["Item", "Topic", "This model and run", "Where"], list(chunk),
                                align=["l", "l", "l", "l"], widths=[0.5, 1.5, 4.6, 1.5],
                                caption=current or "", small=True))
            chunk.clear()

    for row, (_i, sec, *_rest) in zip(rows, items):
        if sec != current:
            flush()
            current = sec
        chunk.append(row)
    flush()
    return Section("stress-des", "Appendix B: STRESS-DES reporting checklist", blocks)
