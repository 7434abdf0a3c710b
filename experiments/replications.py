"""How many replications for a target CI half-width on several metrics at once.

A pilot run gives each metric's standard deviation; the replications needed for a 95% CI
half-width no wider than its target follow from the Student-t interval
(``sim.readout.stats.replications_needed``). The answer is the largest over the metrics. Because
replication i never depends on how many run, more replications extend the pilot rather than
replace it: with ``--confirm`` (the default) they are run and the half-widths checked again,
repeating (the standard deviation estimate moves as n grows) until every target is met or
``--max`` replications are reached.

A target is ``metric=value`` (an absolute half-width, in the metric's unit) or
``metric=value%`` (relative to the metric's mean).

Examples (from the repository root):

    python -m experiments.replications --scenario fragmented --pilot 10 --workers 2 \\
        --target delayed_discharge_days=5% --target cost_total=1% \\
        --target emergency_admissions=2%
    python -m experiments.replications --scenario integrated --target acute_occupancy=0.005 \\
        --no-confirm population.size=20000

Writes results/replications/<spec hash>/: replications.csv (per metric: target, mean, sd,
half-width of the pilot, replications needed, replications run and the half-width reached,
met or not), table.csv (every replication run), points/ (the pilot and each extension,
stored as they finish, so an interrupted run resumes) and manifest.json.
"""

from __future__ import annotations

import math

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
from sim.readout.stats import replications_needed, t_interval

DEFAULT_TARGETS = ("delayed_discharge_days=5%", "cost_total=1%", "emergency_admissions=2%")


def parse_target(text: str) -> tuple[str, float, bool]:
    """``metric=value`` or ``metric=value%`` into (metric, value, relative)."""
    metric, _, value = text.partition("=")
    metric = metric.strip()
    if metric not in sim.METRICS:
        raise sim.ConfigError(f"--target {text!r}: unknown metric {metric!r}; choose from "
                              f"{', '.join(sim.METRICS)}", [("target", metric, "a metric")])
    relative = value.strip().endswith("%")
    try:
        number = float(value.strip().rstrip("%"))
    except ValueError:
        number = -1.0
    if not number > 0:
        raise sim.ConfigError(f"--target {text!r}: the half-width must be a positive number, "
                              "absolute (metric=50) or relative (metric=5%)",
                              [("target", value, "a positive number or percentage")])
    return metric, number / 100 if relative else number, relative


def assess(kpis: pd.DataFrame, targets: list[tuple[str, float, bool]],
           level: float) -> pd.DataFrame:
    rows = []
    for metric, value, relative in targets:
        x = kpis[metric].dropna().tolist()
        ci = t_interval(x, level)
        target = value * abs(ci["mean"]) if relative else value
        half = (ci["ci_high"] - ci["ci_low"]) / 2
        if len(x) < 2:
            needed = math.nan
        elif target == 0:  # a metric whose mean is zero has no relative precision to reach
            needed = math.nan if ci["std"] > 0 else len(x)
        else:
            needed = replications_needed(x, target, level)
        rows.append({"metric": metric, "target": f"{value:.3%}" if relative else value,
                     "target_half_width": target, "mean": ci["mean"], "std": ci["std"],
                     "n": ci["n"], "half_width": half, "needed": needed,
                     "met": bool(half <= target) if not math.isnan(half) else False})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__, "python -m experiments.replications")
    p.add_argument("--scenario", default="fragmented", help="named scenario or YAML file")
    p.add_argument("--target", action="append", default=None, metavar="METRIC=HALF_WIDTH",
                   help="target CI half-width; repeat for several metrics (default: "
                   + " ".join(DEFAULT_TARGETS).replace("%", "%%") + ")")
    p.add_argument("--pilot", type=int, default=10, help="pilot replications")
    p.add_argument("--max", type=int, default=200, help="never run more replications than this")
    p.add_argument("--level", type=float, default=0.95, help="confidence level")
    p.add_argument("--no-confirm", dest="confirm", action="store_false",
                   help="only report the pilot's estimate; run nothing more")
    add_run_options(p, replications=10)
    args = p.parse_args(argv)
    if args.pilot < 2:
        p.error("--pilot must be at least 2 (a standard deviation needs two values)")
    if args.max < args.pilot:
        p.error("--max must be at least --pilot")
    if not 0 < args.level < 1:
        p.error("--level must be between 0 and 1")
    targets = [parse_target(t) for t in (args.target or DEFAULT_TARGETS)]
    overrides = check_overrides(args.overrides)
    point = Point({}, sim.load_scenario(args.scenario, overrides))
    spec = {"scenario": args.scenario, "overrides": overrides, "seed": args.seed,
            "pilot": args.pilot, "max": args.max, "level": args.level,
            "targets": [list(t) for t in targets], "confirm": args.confirm}
    exp = Experiment("replications", spec, args)

    runs = exp.run_points([point], range(args.pilot), tables=("kpis",), desc="pilot")
    kpis = runs[0].kpis
    pilot = assess(kpis, targets, args.level)
    n = len(kpis)
    rounds = 0
    while args.confirm and rounds < 20:
        current = assess(kpis, targets, args.level)
        if current["met"].all() or n >= args.max:
            break
        want = current["needed"].max()
        if math.isnan(want):
            break
        want = int(min(args.max, max(want, n + 1)))
        more = exp.run_points([point], range(n, want), tables=("kpis",),
                              desc=f"replications {n}-{want - 1}")
        runs += more
        kpis = pd.concat([kpis, more[0].kpis], ignore_index=True)
        n = len(kpis)
        rounds += 1

    final = assess(kpis, targets, args.level)
    report = pilot[["metric", "target", "target_half_width", "mean", "std", "half_width",
                    "needed"]].rename(columns={"target_half_width": "pilot_target_half_width",
                                               "mean": "pilot_mean", "std": "pilot_std",
                                               "half_width": "pilot_half_width",
                                               "needed": "needed_from_pilot"})
    report.insert(1, "pilot_n", args.pilot)
    report["replications"] = n
    report["mean"] = final["mean"]
    report["target_half_width"] = final["target_half_width"]
    report["half_width"] = final["half_width"]
    report["needed"] = final["needed"]
    report["met"] = final["met"]
    exp.write_table("replications", report)
    exp.write_table("table", exp.tidy(runs))
    recommended = int(report["needed"].max()) if report["needed"].notna().all() else None
    folder = exp.finish(n, {"recommended_replications": recommended,
                            "targets_met": bool(report["met"].all())})

    print(f"{args.scenario}: pilot of {args.pilot}, then {n} replications in all "
          f"(seed {exp.seed}, {args.level:.0%} CI)")
    shown = report.set_index("metric")[["target", "pilot_half_width", "needed_from_pilot",
                                        "replications", "mean", "target_half_width",
                                        "half_width", "met"]].copy()
    # Amounts in each metric's own format (£ as £1.2m, counts with separators), not floats.
    in_units = ["pilot_half_width", "mean", "target_half_width", "half_width"]
    shown[in_units] = readout.tables.text_metric_summary(shown[in_units])
    shown["target"] = [t if isinstance(t, str) else readout.format_value(m, float(t))
                       for m, t in shown["target"].items()]
    print_table(shown, "{:,.0f}")
    if recommended is not None:
        verdict = "met" if report["met"].all() else "not all met (see --max)"
        print(f"\nrecommended: {recommended} replications; targets {verdict}")
    print(f"results in {folder} (executor {exp.executor.describe()})")
    return exp.report_failures()


if __name__ == "__main__":
    main_guard(main)
