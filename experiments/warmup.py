"""Justify the warm-up: Welch's method and MSER-5 on the daily series of a run from empty.

The model starts with a census of care-home residents and home care clients but an empty
hospital and empty short-term services, so the first weeks are biased low. This runs
replications with no warm-up (``run.warmup_days=0``) over ``--horizon`` days and, for each
daily series in ``Results.daily`` (acute beds occupied, delayed patients, A&E boarding,
reablement, intermediate care, home care hours, care-home beds), averages it across
replications and applies:

* **Welch's method**: a centred moving average (window 2w + 1 days, ``--window`` w); the
  warm-up is the first day it reaches (comes within ``--tolerance`` of, or crosses) its
  level over the second half of the horizon. Read it with the plot: Welch's method is a
  graphical one.
* **MSER-5**: the truncation point d (in 5-day batches, searched over the first half) that
  minimises the marginal standard error of the batch means left, sum((z_j - mean)^2) /
  (k - d)^2; the warm-up is 5d days. A truncation at the end of the search range
  (mser5_at_search_limit) means the horizon is too short or the series too noisy for
  MSER-5: run longer or more replications. With few replications MSER-5 on the averaged
  series can be thrown by slow random swings; the median over replications is shown too.

The recommendation is the largest of both methods over the series, compared with the
scenario's ``run.warmup_days`` (120 days by default). ``relative_bias_with_configured_warmup``
says what the configured warm-up leaves: the mean of the series from that day on, relative
to its level over the second half of the horizon.

Winter seasonality, the Monday excess and population growth are not initialisation bias but
would look like it, so by default they are switched off for this study
(community.winter_peak=0, community.monday_excess=0, population.growth_per_year=0);
``--keep-season`` keeps them.

Examples (from the repository root):

    python -m experiments.warmup --scenario fragmented -r 5 --horizon 730 --workers 2
    python -m experiments.warmup --scenario integrated --series acute_occupied \\
        delayed_patients population.size=20000

Writes results/warmup/<spec hash>/: warmup.csv (per series: level, Welch and MSER-5
truncation days), daily_mean.csv (the averaged series and the moving averages),
warmup.png, points/ and manifest.json.
"""

from __future__ import annotations

import numpy as np
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

SERIES = ("acute_occupied", "delayed_patients", "boarding", "reablement_in_use",
          "intermediate_care_in_use", "home_care_hours_in_use", "care_home_occupied")
STATIONARY = ("community.winter_peak=0", "community.monday_excess=0",
              "population.growth_per_year=0")
MSER_BATCH = 5


def moving_average(y: np.ndarray, w: int) -> np.ndarray:
    """Welch's centred moving average: 2w + 1 points, shrinking near the start."""
    n = len(y)
    out = np.full(n, np.nan)
    csum = np.concatenate([[0.0], np.cumsum(y)])
    for i in range(n - w):
        half = min(i, w)
        out[i] = (csum[i + half + 1] - csum[i - half]) / (2 * half + 1)
    return out


def welch_truncation(y: np.ndarray, w: int, tolerance: float) -> tuple[int, float]:
    """First day the moving average reaches its late level (within the tolerance band).

    The first arrival, not the last exit: with a handful of replications the averaged curve
    still wanders around its steady state, and those excursions are noise, not warm-up.
    Crossing the level counts as reaching it, so noisy or bursty series are judged too.
    """
    ma = moving_average(y, w)
    valid = ~np.isnan(ma)
    level = float(np.mean(y[len(y) // 2:]))
    dev = ma - level
    start = np.sign(dev[valid][0]) if valid.any() else 0.0
    reached = valid & ((np.abs(dev) <= tolerance * abs(level)) | (np.sign(dev) != start))
    hits = np.where(reached)[0]
    return (int(hits[0]) if len(hits) else len(y)), level


def mser_truncation(y: np.ndarray, batch: int = MSER_BATCH) -> int:
    """MSER-5: the truncation (in days, a multiple of ``batch``) minimising the MSER."""
    k = len(y) // batch
    if k < 4:
        return 0
    z = y[:k * batch].reshape(k, batch).mean(axis=1)
    best, best_d = np.inf, 0
    for d in range(0, k // 2 + 1):
        rest = z[d:]
        value = float(np.sum((rest - rest.mean()) ** 2)) / (k - d) ** 2
        if value < best - 1e-15:
            best, best_d = value, d
    return best_d * batch


def analyse(daily: pd.DataFrame, series: list[str], w: int, tolerance: float,
            configured: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    mean = daily.groupby("day")[series].mean().sort_index()
    rows, curves = [], {"day": mean.index.to_numpy()}
    for name in series:
        y = mean[name].to_numpy(dtype=float)
        welch, level = welch_truncation(y, w, tolerance)
        mser = mser_truncation(y)
        per_rep = [mser_truncation(g.sort_values("day")[name].to_numpy(dtype=float))
                   for _, g in daily.groupby("replication")]
        kept = y[int(configured):]
        bias = (float(kept.mean()) - level) / abs(level) if len(kept) and level else np.nan
        rows.append({"series": name, "level": level, "welch_days": welch, "mser5_days": mser,
                     "mser5_at_search_limit": mser >= (len(y) // MSER_BATCH // 2) * MSER_BATCH,
                     "mser5_days_median_of_replications": float(np.median(per_rep)),
                     "warmup_days": max(welch, mser),
                     "relative_bias_with_configured_warmup": bias})
        curves[name] = y
        curves[f"{name}_moving_average"] = moving_average(y, w)
    return pd.DataFrame(rows), pd.DataFrame(curves)


def plot(curves: pd.DataFrame, table: pd.DataFrame, default: float, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(table["series"])
    cols = 3
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 2.8 * rows), squeeze=False)
    for ax, (_, row) in zip(axes.flat, table.iterrows()):
        name = row["series"]
        ax.plot(curves["day"], curves[name], color="0.75", lw=0.8, label="mean of replications")
        ax.plot(curves["day"], curves[f"{name}_moving_average"], color="tab:blue", lw=1.5,
                label="Welch moving average")
        ax.axvline(row["welch_days"], color="tab:blue", ls="--", lw=1, label="Welch")
        ax.axvline(row["mser5_days"], color="tab:orange", ls=":", lw=1.5, label="MSER-5")
        ax.axvline(default, color="tab:red", lw=1, label=f"run.warmup_days = {default:g}")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("day from an empty start", fontsize=8)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__, "python -m experiments.warmup")
    p.add_argument("--scenario", default="fragmented", help="named scenario or YAML file")
    p.add_argument("--horizon", type=float, default=730, help="days simulated from empty")
    p.add_argument("--window", type=int, default=15,
                   help="Welch half-window w in days (the average spans 2w + 1 days)")
    p.add_argument("--tolerance", type=float, default=0.02,
                   help="Welch band, relative to the series' late level")
    p.add_argument("--series", nargs="+", default=list(SERIES), help="daily series analysed")
    p.add_argument("--keep-season", action="store_true",
                   help="keep winter, Monday excess and population growth")
    p.add_argument("--no-plot", action="store_true", help="do not draw warmup.png")
    add_run_options(p, replications=5)
    args = p.parse_args(argv)
    overrides = check_overrides(args.overrides)
    if args.horizon < 20 * MSER_BATCH:
        p.error(f"--horizon must be at least {20 * MSER_BATCH} days")
    if not 1 <= args.window < args.horizon / 4:
        p.error("--window must be at least 1 and under a quarter of --horizon")
    if args.replications < 2:
        p.error("--replications must be at least 2")
    configured = sim.load_scenario(args.scenario, overrides)
    study = [*overrides, *(() if args.keep_season else STATIONARY),
             "run.warmup_days=0", f"run.days={args.horizon:g}"]
    point = Point({}, sim.load_scenario(args.scenario, study))
    spec = {"scenario": args.scenario, "overrides": study, "seed": args.seed,
            "replications": args.replications}
    exp = Experiment("warmup", spec, args)
    runs = exp.run_points([point], args.replications, tables=("kpis", "daily"),
                          desc="replications")
    daily = pd.read_csv(runs[0].folder / "daily.csv")
    unknown = [s for s in args.series if s not in daily.columns]
    if unknown:
        raise sim.ConfigError(f"--series: unknown {unknown}; the daily series are "
                              f"{[c for c in daily.columns if c not in ('replication', 'day')]}",
                              [("series", unknown, "a column of Results.daily")])
    default = configured.run.warmup_days
    table, curves = analyse(daily, args.series, args.window, args.tolerance, default)
    table["covered_by_configured_warmup"] = table["warmup_days"] <= default
    exp.write_table("warmup", table)
    exp.write_table("daily_mean", curves)
    if not args.no_plot:
        plot(curves, table, default, exp.folder / "warmup.png")
    recommended = int(table["warmup_days"].max())
    folder = exp.finish(args.replications, {"recommended_warmup_days": recommended,
                                            "configured_warmup_days": default})

    print(f"{args.scenario}: {args.replications} replications of {args.horizon:g} days from "
          f"an empty start{'' if args.keep_season else ' (no season, no growth)'}")
    print_table(table.set_index("series"), "{:,.2f}")
    driver = table.loc[table["warmup_days"].idxmax(), "series"]
    verdict = ("covers" if recommended <= default else "does NOT cover")
    print(f"\nlongest warm-up: {recommended} days ({driver}); the configured "
          f"run.warmup_days = {default:g} {verdict} it")
    print(f"results in {folder} (executor {exp.executor.describe()})")
    return exp.report_failures()


if __name__ == "__main__":
    main_guard(main)
