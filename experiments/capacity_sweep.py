"""Sweep one or two capacities on a grid: delayed days, cost and occupancy with 95% CIs.

Every grid point runs the same replications with the same seeds (common random numbers), so
differences between points are paired: ``differences.csv`` gives each point's paired
difference from the first point of the grid with its CI, which is what a marginal question
("what do 20 more beds buy?") needs.

Capacities in the schema: acute.beds, reablement.slots, intermediate_care.beds,
home_care.hours_per_week, care_home.beds, social_work.staff. Any other numeric setting can be
swept the same way. A grid is ``name=v1,v2,...`` or ``name=start:stop:step`` (stop included).

Examples (from the repository root):

    python -m experiments.capacity_sweep --grid acute.beds=300:380:20 -r 10 --workers 2
    python -m experiments.capacity_sweep --scenario integrated \\
        --grid reablement.slots=30,45,60 --grid home_care.hours_per_week=20000,25000,30000 \\
        population.size=20000 --metrics delayed_discharge_days cost_total ed_boarding_hours

Writes results/capacity_sweep/<spec hash>/: points/ (one folder per grid point, stored as it
finishes), table.csv (one row per point and replication, the grid values as columns),
summary.csv (per point and metric: mean, std, 95% CI, n), differences.csv, sweep.png and
manifest.json. Re-running the same command after an interruption runs only the missing
points.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

import sim
from experiments.common import (
    KEY_METRICS,
    Experiment,
    Point,
    add_run_options,
    check_overrides,
    main_guard,
    parse_number,
    parser,
    print_table,
)
from sim.config import field_info
from sim import readout
from sim.limits import check_points
from sim.readout import fmt as F
from sim.readout import stats as S

CAPACITIES = ("acute.beds", "reablement.slots", "intermediate_care.beds",
              "home_care.hours_per_week", "care_home.beds", "social_work.staff")


def parse_grid(text: str) -> tuple[str, list[float | int]]:
    """``name=v1,v2`` or ``name=start:stop:step`` (stop included) into (name, values)."""
    if "=" not in text:
        raise sim.ConfigError(f"--grid {text!r}: write it as name=v1,v2,... or "
                              "name=start:stop:step", [("grid", text, "name=values")])
    name, _, spec = text.partition("=")
    name = name.strip()
    info = field_info(name)
    if info is None:
        raise sim.ConfigError(f"--grid {text!r}: {name!r} is not a setting of the schema "
                              f"(capacities: {', '.join(CAPACITIES)})",
                              [("grid", name, "a numeric setting, e.g. acute.beds")])
    try:
        if ":" in spec:
            start, stop, step = (float(x) for x in spec.split(":"))
            if step <= 0 or stop < start:
                raise ValueError
            values = list(np.arange(start, stop + step / 2, step))
            whole = all(float(x).is_integer() for x in (start, stop, step))
            values = [int(round(v)) if whole else round(float(v), 10) for v in values]
        else:
            values = [parse_number(v.strip()) for v in spec.split(",") if v.strip()]
    except ValueError:
        raise sim.ConfigError(
            f"--grid {text!r}: values must be numbers, v1,v2,... or start:stop:step with "
            "step > 0 and stop >= start", [("grid", spec, "numbers")]) from None
    if not values:
        raise sim.ConfigError(f"--grid {text!r}: no values", [("grid", spec, "numbers")])
    if info.annotation in (int, int | None):
        values = [int(round(v)) for v in values]
    return name, list(dict.fromkeys(values))


def money_tick(ax):
    """Tick labels of a money axis in the readout's format, in £m with as many decimals as
    the tick spacing needs (whole pounds when ticks are under £10,000 apart), one scale
    for all."""

    def label(y: float, _pos) -> str:
        ticks = np.diff(sorted(ax.get_yticks()))
        step = float(ticks.min()) if len(ticks) else abs(y)
        if step >= 1e4 or step == 0:
            dp = 0 if step >= 1e6 or step == 0 else min(2, -math.floor(math.log10(step / 1e6)))
            scale = (1e6, "m", dp)
        else:
            scale = (1.0, "", 0)
        text = F.gbp(y, scale)
        return F.MINUS + text if round(y / scale[0], scale[2]) < 0 else text

    return label


def format_axis(ax, metric: str) -> None:
    """A y axis in the metric's own units: money as '£11.2m' ticks, never 1.12 with a '1e8'
    offset above the axis; other measures as plain numbers without an offset either."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    if readout.metric(metric).kind == "money":
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax.yaxis.set_major_formatter(FuncFormatter(money_tick(ax)))
    else:
        ax.yaxis.get_major_formatter().set_useOffset(False)
        ax.yaxis.get_major_formatter().set_scientific(False)


def plot(summary: pd.DataFrame, keys: list[str], metrics: list[str], path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        part = summary[summary["metric"] == metric]
        groups = part.groupby(keys[1]) if len(keys) == 2 else [(None, part)]
        for label, g in groups:
            g = g.sort_values(keys[0])
            err = [g["mean"] - g["ci_low"], g["ci_high"] - g["mean"]]
            ax.errorbar(g[keys[0]], g["mean"], yerr=err, marker="o", capsize=3,
                        label=None if label is None else f"{keys[1]}={label}")
        ax.set_xlabel(keys[0])
        info = readout.metric(metric)
        format_axis(ax, metric)
        ax.set_title(f"{info.label} ({info.unit_label})", fontsize=10)
        if len(keys) == 2:
            ax.legend(fontsize=7)
    fig.suptitle("mean and 95% CI across replications", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__, "python -m experiments.capacity_sweep")
    p.add_argument("--scenario", default="fragmented", help="named scenario or YAML file")
    p.add_argument("--grid", action="append", required=True, metavar="NAME=VALUES",
                   help="a capacity and its values; give once or twice")
    p.add_argument("--metrics", nargs="+", default=list(KEY_METRICS),
                   help="metrics summarised and plotted (table.csv keeps all)")
    p.add_argument("--no-plot", action="store_true", help="do not draw sweep.png")
    add_run_options(p, replications=10)
    args = p.parse_args(argv)
    if len(args.grid) > 2:
        p.error("give --grid once or twice (one or two capacities)")
    overrides = check_overrides(args.overrides)
    grid = dict(parse_grid(g) for g in args.grid)
    if len(grid) < len(args.grid):
        p.error("each --grid must name a different setting")
    unknown = [m for m in args.metrics if m not in sim.METRICS]
    if unknown:
        raise sim.ConfigError(f"--metrics: unknown {unknown}; choose from {list(sim.METRICS)}",
                              [("metrics", unknown, ", ".join(sim.METRICS))])

    # Refuse a huge grid before building any of its configs.
    check_points(int(np.prod([len(v) for v in grid.values()])))
    points = []
    keys = list(grid)
    for combo in itertools.product(*grid.values()):
        values: dict[str, Any] = dict(zip(keys, combo))
        point_overrides = [*overrides, *(f"{k}={v}" for k, v in values.items())]
        points.append(Point(values, sim.load_scenario(args.scenario, point_overrides)))

    spec = {"scenario": args.scenario, "grid": grid, "overrides": overrides,
            "seed": args.seed, "replications": args.replications}
    exp = Experiment("capacity_sweep", spec, args)
    runs = exp.run_points(points, args.replications, desc=f"{len(points)} points")
    table = exp.tidy(runs)
    exp.write_table("table", table)
    # Summaries per year, like every surface (table.csv keeps each replication as it ran).
    yearly = S.per_year_frame(table, points[0].params.run.days)
    summary = S.group_summary(yearly, keys, args.metrics)
    exp.write_table("summary", summary)
    diffs = S.group_differences(yearly, keys, args.metrics)
    exp.write_table("differences", diffs)
    if not args.no_plot:
        plot(summary, keys, args.metrics, exp.folder / "sweep.png")
    folder = exp.finish(args.replications, {"grid": grid, "points": len(points)})

    print(f"{args.scenario}: {len(points)} points x {args.replications} replications "
          f"(seed {exp.seed}), mean (95% CI), totals per year")
    # The readout's formats: whole numbers and £11.0m, as on every other surface.
    print_table(readout.tables.text_points(summary, keys, args.metrics))
    print(f"\nresults in {folder} ({exp.points_run} points run, {exp.points_reused} read "
          f"back; executor {exp.executor.describe()})")
    return exp.report_failures()


if __name__ == "__main__":
    main_guard(main)
