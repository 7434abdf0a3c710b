"""Which lever does the work: a scenario's effect against its baseline, lever by lever.

For every lever the scenario sets differently from the baseline, two paired effects (the
same random streams in every run, so each is taken replication by replication):

* alone: the baseline with only that lever set as the scenario sets it;
* last in: the scenario less the scenario with that lever put back as in the baseline,
  i.e. what the lever adds to the others.

The levers together do more or less than the sum of their "last in" effects; the remainder
(total effect less that sum) is shown as "together". A lever whose "last in" effect is
exactly zero adds nothing once the others are on: a shared care plan's only effect on
delays is a shorter assessment by the receiving service, which trusted assessors remove.
Settings other than levers that the scenario changes (capacities in `torbay` or
`better_care_fund`, demand in `pandemic_rapid_discharge`) are named when it runs: they are in
the total and in every run without a lever, so their effect is counted in "together".
Every figure is a total a year (or a mean, as the metric is), with its 95% CI.

Examples (from the repository root):

    python -m experiments.levers integrated --replications 10 --workers 2
    python -m experiments.levers torbay --baseline fragmented population.size=20000

Writes results/levers/<spec hash>/: points/ (every run's tables), levers.csv (one row per
lever, metric and kind of effect: mean, CI, share of the total) and manifest.json.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

import sim
from experiments.common import (
    Experiment,
    Point,
    add_run_options,
    check_overrides,
    main_guard,
    parser,
    print_table,
)
from sim import readout
from sim.readout import catalogue
from sim.stats import t_interval

# The levers as a planner names them, and the settings each one is. Key workers include the
# accuracy of the risk stratification that picks who gets one.
LEVERS: dict[str, tuple[str, ...]] = {
    "shared care plan": ("shared_care_plan",),
    "trusted assessors": ("trusted_assessor",),
    "discharge to assess": ("discharge_to_assess_share",),
    "seven-day assessment": ("seven_day_assessment",),
    "key workers": ("key_worker_coverage", "risk_stratification_accuracy"),
    "self-management": ("self_management_coverage",),
    "neighbourhood team": ("neighbourhood_team",),
    "pooled budget": ("pooled_budget_share",),
}
METRICS = ("delayed_discharge_days", "emergency_admissions", "care_home_admissions",
           "cost_total")


@dataclass
class Plan:
    """The runs a decomposition needs: baseline, scenario, and two per lever."""

    baseline: sim.Params
    scenario: sim.Params
    levers: list[str]
    without: dict[str, sim.Params]
    alone: dict[str, sim.Params]
    kept: list[str]  # lever settings the scenario changes that no named lever covers
    # Other settings the scenario changes (capacities, growth): they are in its total and in
    # every run without a lever, so their effect lands in "together".
    other: list[str]


def _with_levers(p: sim.Params, values: dict[str, object], name: str) -> sim.Params:
    levers = p.levers.model_copy(update=values)
    return p.model_copy(update={"levers": levers, "name": name})


def plan(baseline: sim.Params, scenario: sim.Params) -> Plan:
    base, scen = baseline.levers.model_dump(), scenario.levers.model_dump()
    changed = {k for k in scen if scen[k] != base[k]}
    named = {f for fields in LEVERS.values() for f in fields}
    levers = [name for name, fields in LEVERS.items() if changed & set(fields)]
    if not levers:
        raise sim.ConfigError(
            f"scenario {scenario.name!r} sets no lever differently from {baseline.name!r}, so "
            "there is nothing to decompose",
            [("scenario", scenario.name, "a scenario with levers set, e.g. integrated")])
    without, alone = {}, {}
    for name in levers:
        fields = LEVERS[name]
        without[name] = _with_levers(scenario, {f: getattr(baseline.levers, f) for f in fields},
                                     f"{scenario.name} without {name}")
        alone[name] = _with_levers(baseline, {f: getattr(scenario.levers, f) for f in fields},
                                   f"{baseline.name} with {name}")
    return Plan(baseline, scenario, levers, without, alone, sorted(changed - named),
                _other_changes(baseline, scenario))


def _other_changes(baseline: sim.Params, scenario: sim.Params) -> list[str]:
    skip = {"name", "description", "levers"}
    a, b = baseline.model_dump(mode="json"), scenario.model_dump(mode="json")
    out = []
    for block in sorted((set(a) | set(b)) - skip):
        x, y = a.get(block), b.get(block)
        if isinstance(x, dict) and isinstance(y, dict):
            out += [f"{block}.{k}" for k in sorted(set(x) | set(y)) if x.get(k) != y.get(k)]
        elif x != y:
            out.append(block)
    return out


def _per_year(p: sim.Params, metric: str) -> float:
    return 365.0 / p.run.days if catalogue.metric(metric).is_total else 1.0


def decompose(kpis: dict[str, pd.DataFrame], pl: Plan, level: float = 0.95) -> pd.DataFrame:
    """One row per lever (and the total and the remainder), metric and kind of effect.

    ``kpis`` holds each run's kpis by run name: "baseline", "scenario", "without <lever>",
    "alone <lever>". Differences are paired by replication."""
    def paired(a: str, b: str, metric: str) -> pd.Series:
        x = kpis[a].set_index("replication")[metric]
        y = kpis[b].set_index("replication")[metric]
        return (y - x) * _per_year(pl.scenario, metric)

    rows = []
    for metric in METRICS:
        total = paired("baseline", "scenario", metric)
        summed = total * 0.0
        entries = [("total", "all levers", total)]
        for name in pl.levers:
            last = paired(f"without {name}", "scenario", metric)
            summed = summed + last
            entries.append(("last in", name, last))
            entries.append(("alone", name, paired("baseline", f"alone {name}", metric)))
        entries.append(("together", "beyond the sum of last-in effects", total - summed))
        for kind, lever, diff in entries:
            ci = t_interval(diff.tolist(), level)
            share = ci["mean"] / total.mean() if total.mean() else float("nan")
            rows.append({"metric": metric, "lever": lever, "effect": kind,
                         "mean": ci["mean"], "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                         "share_of_total": share, "replications": len(diff)})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__, "python -m experiments.levers")
    p.add_argument("scenario", help="the scenario to decompose (named or a YAML file)")
    p.add_argument("--baseline", default="fragmented", help="scenario it is compared with")
    add_run_options(p, replications=10)
    # Intermixed: the scenario, options and KEY=VALUE settings may come in any order.
    args = p.parse_intermixed_args(argv)
    overrides = check_overrides(args.overrides)
    pl = plan(sim.load_scenario(args.baseline, overrides=overrides),
              sim.load_scenario(args.scenario, overrides=overrides))
    spec = {"scenario": args.scenario, "baseline": args.baseline, "overrides": overrides,
            "seed": args.seed, "replications": args.replications}
    exp = Experiment("levers", spec, args)
    points = {"baseline": pl.baseline, "scenario": pl.scenario,
              **{f"without {n}": q for n, q in pl.without.items()},
              **{f"alone {n}": q for n, q in pl.alone.items()}}
    runs = exp.run_points([Point({"run": k}, q) for k, q in points.items()], args.replications,
                          desc="levers")
    if exp.failures:
        return exp.report_failures()
    table = decompose({k: r.kpis for k, r in zip(points, runs)}, pl)
    exp.write_table("levers", table)
    folder = exp.finish(args.replications, {"scenario": args.scenario,
                                            "baseline": args.baseline,
                                            "overrides": overrides})
    run = pl.scenario.run
    print(f"{args.scenario} against {args.baseline}, lever by lever: change a year, mean over "
          f"{args.replications} replications (seed {exp.seed}, 95% CI), "
          f"{readout.run_length(run.days, run.warmup_days)}")
    if pl.kept:
        print("also set by the scenario and kept in every run: " + ", ".join(pl.kept))
    if pl.other:
        print("other settings the scenario changes, in its total and so in 'together': "
              + ", ".join(pl.other))
    for metric in METRICS:
        shown = table[table.metric == metric].drop(columns=["metric", "replications"])
        m = catalogue.metric(metric)
        print(f"\n{m.title} ({m.unit_label}):")
        print_table(shown.set_index(["effect", "lever"]))
    print(f"\nresults in {folder} ({exp.points_run} run(s), {exp.points_reused} read back)")
    return 0


if __name__ == "__main__":
    main_guard(main)
