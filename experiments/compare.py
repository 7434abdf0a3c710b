"""Compare named scenarios with common random numbers: means and paired differences with CIs.

Replication i of every scenario uses the same random streams, so the difference between two
scenarios is taken replication by replication (a paired t interval), which is far narrower
than comparing two independent means. Runs through ``sim.compare``.

Examples (from the repository root):

    python -m experiments.compare --scenarios fragmented integrated -r 20 --workers 2
    python -m experiments.compare --scenarios fragmented home_first trusted_assessor \\
        --baseline fragmented population.size=10000 run.days=365 --executor dask

Writes results/compare/<spec hash>/: points/<scenario point>/ (every table of each
scenario), summary.csv (mean, 95% CI, median and 10th/90th percentiles of each metric per
scenario), differences.csv (paired difference, 95% CI, relative change and verdict), both
with totals per year as on every surface, table.csv (one row per scenario and replication,
as run) and manifest.json. Scenarios already stored with the same config, seed and replications are read
back, not run again; the others run with the same seeds, so the pairing holds.
"""

from __future__ import annotations

import pandas as pd

import sim
from sim import readout
from experiments.common import (
    Experiment,
    Point,
    PointRun,
    add_run_options,
    check_overrides,
    main_guard,
    parser,
    print_table,
)
from sim.executors import ProgressBar
from sim.results_io import point_is_complete, write_point
from sim.runner import Comparison, Results

SHOWN = ("emergency_admissions", "readmissions_30d", "delayed_discharge_days",
         "mean_delay_days", "acute_occupancy", "care_home_admissions", "days_at_home",
         "cost_total", "cost_nhs", "cost_local_authority", "cost_pooled")


def _stored(folder, name: str, params: sim.Params, seed: int) -> Results:
    def table(stem: str) -> pd.DataFrame:
        path = folder / f"{stem}.csv"
        return pd.read_csv(path) if path.is_file() and path.stat().st_size > 1 else pd.DataFrame()

    groups = table("outcomes_by_group")
    return Results(name, params, seed, table("kpis"), table("daily"),
                   table("delays_by_reason"), table("costs"), runtime_seconds=0.0,
                   **({"outcomes_by_group": groups} if not groups.empty else {}))


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__, "python -m experiments.compare")
    p.add_argument("--scenarios", nargs="+", default=["fragmented", "integrated"],
                   help="named scenarios (scenarios/scenario/*.yaml) or scenario YAML files")
    p.add_argument("--baseline", default=None,
                   help="scenario the others are compared with (default: the first)")
    add_run_options(p, replications=10)
    args = p.parse_args(argv)
    overrides = check_overrides(args.overrides)
    params = {name: sim.load_scenario(name, overrides=overrides) for name in args.scenarios}
    baseline = args.baseline or args.scenarios[0]
    if baseline not in params:
        raise sim.ConfigError(f"baseline {baseline!r} is not one of {args.scenarios}",
                              [("baseline", baseline, ", ".join(args.scenarios))])
    spec = {"scenarios": args.scenarios, "overrides": overrides, "seed": args.seed,
            "replications": args.replications, "baseline": baseline}
    exp = Experiment("compare", spec, args)
    reps = range(args.replications)

    results: dict[str, Results] = {}
    missing = {}
    for name, prm in params.items():
        folder = exp.point_folder(prm, reps)
        if not exp.fresh and point_is_complete(folder, prm, exp.seed, reps):
            results[name] = _stored(folder, name, prm, exp.seed)
            exp.points_reused += 1
        else:
            missing[name] = prm
    if missing:
        with ProgressBar(desc="compare", disable=exp.progress_disabled) as bar:
            fresh = sim.compare(missing, replications=args.replications, seed=exp.seed,
                                executor=exp.executor, progress=bar, on_error="keep")
        for name, res in fresh.results.items():
            write_point(res, exp.point_folder(params[name], reps), point={"scenario": name},
                        extra_manifest={"experiment": "compare", "experiment_hash": exp.hash,
                                        "executor": exp.executor.describe()})
            exp.points_run += 1
            exp.failures.extend(res.failures)
        results.update(fresh.results)
    cmp = Comparison({name: results[name] for name in params}, exp.seed, baseline)

    # Written and printed as the readout states them: totals per year, the run length
    # stated, warnings named (table.csv keeps each replication as it ran).
    summary = readout.summary_table(cmp)
    exp.write_table("summary", summary)
    diff = readout.difference_table(cmp) if len(params) > 1 else pd.DataFrame()
    if not diff.empty:
        exp.write_table("differences", diff.drop(columns=["in_words"]))
    runs = [PointRun(Point({"scenario": n}, params[n]), results[n].kpis,
                     exp.point_folder(params[n], reps), n not in missing) for n in params]
    exp.write_table("table", exp.tidy(runs))
    folder = exp.finish(args.replications, {"scenarios": args.scenarios, "baseline": baseline,
                                            "overrides": overrides})

    shown = [m for m in SHOWN if m in set(summary["metric"])]
    run = cmp.results[baseline].params.run
    print(f"Means over {args.replications} replications (seed {exp.seed}), "
          f"{readout.run_length(run.days, run.warmup_days)}:")
    for w in readout.warnings(cmp):
        print(f"WARNING: {w.text}")
    print_table(readout.tables.text_summary(cmp.results, shown))
    if not diff.empty:
        print(f"\nPaired differences from {baseline} (95% CI):")
        print_table(readout.tables.text_differences(cmp, shown))
    print(f"\nresults in {folder} ({exp.points_run} scenario(s) run, {exp.points_reused} "
          f"read back; executor {exp.executor.describe()})")
    return exp.report_failures()


if __name__ == "__main__":
    main_guard(main)
