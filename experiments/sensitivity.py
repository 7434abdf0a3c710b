"""Global sensitivity analysis (SALib): which levers and capacities drive delays and cost.

Two methods over the same inputs:

* **Morris** elementary effects (screening, cheap): ``--trajectories r`` gives r x (k + 1)
  runs for k inputs. ``mu_star`` ranks an input's overall influence, ``sigma`` flags
  non-linearity or interaction.
* **Sobol** indices (variance decomposition): Saltelli sampling with N base samples (a power
  of 2) gives N x (k + 2) runs. ``S1`` is the share of output variance an input explains
  alone, ``ST`` its share including every interaction; both with 95% bootstrap intervals.

Inputs and their ranges (the default set; ``--factors`` chooses a subset, ``--range
name=low:high`` changes one, always within the schema's limits in sim/params.py):

  capacities, each a quarter either side of its value for the population simulated (the
  schema allows 0 to 1,000,000 beds, limits of validity rather than plausible values);
  whole numbers, each equally likely:
    acute.beds, social_work.staff, reablement.slots, intermediate_care.beds,
    home_care.hours_per_week, care_home.beds
  levers, over the schema's range:
    levers.discharge_to_assess_share [0, 1], levers.pooled_budget_share [0, 1],
    levers.trusted_assessor, levers.shared_care_plan, levers.seven_day_assessment
    (switches: on when the sampled value is >= 0.5)
  levers.key_worker_coverage [0, 0.05]: risk-stratified case management reaches the top
    2-5% (the schema allows up to 1)
  levers.key_worker_effect [-0.30, 0.20]: the effect's plausible range in the schema (its
    low and high); at each point the effect is fixed at the sampled value (sd 0)

The simulation is stochastic. Every point runs the same replications with the same seeds
(common random numbers), so the outputs are a deterministic function of the inputs and the
indices are not inflated by run-to-run noise; ``--replications`` (default 1) averages more
replications per point.

Examples (from the repository root):

    python -m experiments.sensitivity --method both --trajectories 10 --sobol-n 64 \\
        --workers 2 population.size=10000 run.days=365
    python -m experiments.sensitivity --method morris --factors acute.beds \\
        levers.discharge_to_assess_share --range acute.beds=300:400

Writes results/sensitivity/<spec hash>/: factors.csv (inputs, ranges and where each range
comes from), morris.csv and sobol.csv (per metric and input, ranked), samples_<method>.csv
(every sample's inputs and outputs, for re-analysis), table.csv (one row per point and
replication), sensitivity.png, points/ (stored as they finish, so an interrupted analysis
resumes) and manifest.json.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

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
from sim import readout
from sim.config import field_info, validate
from sim.params import UncertainEffect

METRICS = ("delayed_discharge_days", "cost_total")
CAPACITIES = ("acute.beds", "social_work.staff", "reablement.slots", "intermediate_care.beds",
              "home_care.hours_per_week", "care_home.beds")
CAPACITY_SPREAD = 0.25
LEVERS = {
    "levers.discharge_to_assess_share": None,
    "levers.pooled_budget_share": None,
    "levers.trusted_assessor": None,
    "levers.shared_care_plan": None,
    "levers.seven_day_assessment": None,
    "levers.key_worker_coverage": (0.0, 0.05),
    "levers.key_worker_effect": None,
}
DEFAULT_FACTORS = (*CAPACITIES, *LEVERS)


@dataclass
class Factor:
    name: str
    kind: str  # "float", "int", "switch" or "effect"
    low: float
    high: float
    range_from: str

    def bounds(self) -> list[float]:
        # Whole numbers are drawn on [low, high + 1) and floored: each equally likely.
        return [self.low, self.high + 1] if self.kind == "int" else [self.low, self.high]

    def value(self, x: float) -> Any:
        if self.kind == "int":
            return int(min(self.high, math.floor(x)))
        if self.kind == "switch":
            return bool(x >= 0.5)
        return float(x)

    def settings(self, value: Any) -> dict[str, Any]:
        """Dotted setting -> value that put this factor at ``value``."""
        if self.kind == "effect":
            return {f"{self.name}.mean": value, f"{self.name}.sd": 0.0,
                    f"{self.name}.low": min(self.low, value),
                    f"{self.name}.high": max(self.high, value)}
        return {self.name: value}


def with_settings(scenario: str, overrides: list[str], base: sim.Params,
                  settings: dict[str, Any]) -> sim.Params:
    """``base`` with some settings changed, validated like any scenario.

    Setting values on the resolved base is much faster than loading the scenario again for
    each of a thousand samples, and gives the same parameters, except that a changed
    population size would not rescale the capacities left blank: then load in full.
    """
    if "population.size" in settings:
        text = [f"{k}={str(v).lower() if isinstance(v, bool) else repr(v)}"
                for k, v in settings.items()]
        return sim.load_scenario(scenario, [*overrides, *text])
    data = base.model_dump(mode="json")
    for path, value in settings.items():
        *blocks, leaf = path.split(".")
        node = data
        for b in blocks:
            node = node[b]
        node[leaf] = value
    return validate(data, label=f"sample of {scenario!r}")


def _schema_limits(name: str) -> tuple[float | None, float | None, Any]:
    info = field_info(name)
    if info is None:
        raise sim.ConfigError(f"factor {name!r} is not a setting of the schema (see "
                              "docs/parameters.md)", [("factors", name, "a schema setting")])
    lo = hi = None
    for meta in info.metadata:
        lo = getattr(meta, "ge", lo)
        hi = getattr(meta, "le", hi)
    return lo, hi, info


def make_factor(name: str, base: sim.Params, given: tuple[float, float] | None) -> Factor:
    """The factor ``name`` with its range: given, the documented default, or the schema's."""
    lo, hi, info = _schema_limits(name)
    ann = info.annotation
    current = base
    for part in name.split("."):
        current = getattr(current, part)
    if ann is UncertainEffect:
        low, high = given or (current.low, current.high)
        if not (-0.9 <= low < high <= 1.0):
            raise sim.ConfigError(f"range of {name}: {low}..{high} must lie within -0.9..1.0 "
                                  "(relative effects)", [(name, (low, high), "-0.9..1.0")])
        return Factor(name, "effect", low, high,
                      "given" if given else "schema: the effect's low and high")
    if ann is bool:
        return Factor(name, "switch", 0.0, 1.0, "off / on")
    if given:
        low, high, source = given[0], given[1], "given"
    elif name in CAPACITIES:
        low, high = current * (1 - CAPACITY_SPREAD), current * (1 + CAPACITY_SPREAD)
        source = f"{current:g} (value for this population) +/- {CAPACITY_SPREAD:.0%}"
    elif LEVERS.get(name):
        low, high = LEVERS[name]
        source = "documented plausible range (see --help)"
    elif lo is not None and hi is not None:
        low, high, source = lo, hi, "schema"
    else:
        raise sim.ConfigError(f"factor {name!r} has no finite range in the schema: give one "
                              f"with --range {name}=low:high", [(name, None, "low:high")])
    whole = ann in (int, int | None)
    if whole:
        low, high = math.floor(low), math.ceil(high)
    if not low < high:
        raise sim.ConfigError(f"range of {name}: low {low} must be below high {high}",
                              [(name, (low, high), "low < high")])
    if (lo is not None and low < lo) or (hi is not None and high > hi):
        raise sim.ConfigError(f"range of {name}: {low}..{high} leaves the schema's limits "
                              f"{lo}..{hi}", [(name, (low, high), f"within {lo}..{hi}")])
    return Factor(name, "int" if whole else "float", float(low), float(high), source)


def parse_ranges(items: list[str]) -> dict[str, tuple[float, float]]:
    out = {}
    for text in items:
        name, _, spec = text.partition("=")
        try:
            low, high = (float(v) for v in spec.split(":"))
        except ValueError:
            raise sim.ConfigError(f"--range {text!r}: write it as name=low:high",
                                  [("range", text, "name=low:high")]) from None
        out[name.strip()] = (low, high)
    return out


def analyse_morris(problem, X, outputs, metrics, levels, seed) -> pd.DataFrame:
    from SALib.analyze import morris

    def one(metric):
        return morris.analyze(problem, X, outputs[metric].to_numpy(), num_levels=levels,
                              conf_level=0.95, num_resamples=1000, seed=seed)

    return _ranked(problem, metrics, one, ("mu", "mu_star", "mu_star_conf", "sigma"), "mu_star")


def analyse_sobol(problem, outputs, metrics, seed) -> pd.DataFrame:
    from SALib.analyze import sobol

    def one(metric):
        return sobol.analyze(problem, outputs[metric].to_numpy(), calc_second_order=False,
                             num_resamples=1000, conf_level=0.95, seed=seed)

    return _ranked(problem, metrics, one, ("S1", "S1_conf", "ST", "ST_conf"), "ST")


def _ranked(problem, metrics, analyse, columns, sort_by) -> pd.DataFrame:
    """One block per metric: the chosen indices per factor, largest first, with a rank."""
    rows = []
    for metric in metrics:
        res = analyse(metric)
        frame = pd.DataFrame({k: res[k] for k in columns},
                             index=pd.Index(problem["names"], name="factor"))
        frame = frame.sort_values(sort_by, ascending=False)
        frame.insert(0, "metric", metric)
        frame["rank"] = range(1, len(frame) + 1)
        rows.append(frame.reset_index())
    return pd.concat(rows, ignore_index=True)


def plot(morris_t: pd.DataFrame | None, sobol_t: pd.DataFrame | None, metrics, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(m, "morris") for m in metrics if morris_t is not None] + \
             [(m, "sobol") for m in metrics if sobol_t is not None]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.2), squeeze=False)
    for ax, (metric, method) in zip(axes[0], panels):
        if method == "morris":
            t = morris_t[morris_t["metric"] == metric].iloc[::-1]
            ax.barh(t["factor"], t["mu_star"], xerr=t["mu_star_conf"], color="tab:gray")
            ax.set_xlabel("Morris mu* (95% CI)")
        else:
            t = sobol_t[sobol_t["metric"] == metric].iloc[::-1]
            y = np.arange(len(t))
            ax.barh(y + 0.2, t["ST"], 0.4, xerr=t["ST_conf"], label="ST", color="tab:blue")
            ax.barh(y - 0.2, t["S1"], 0.4, xerr=t["S1_conf"], label="S1", color="tab:orange")
            ax.set_yticks(y, t["factor"])
            ax.set_xlabel("Sobol index (95% CI)")
            ax.legend(fontsize=7)
        ax.set_title(f"{metric} ({method})", fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__, "python -m experiments.sensitivity")
    p.add_argument("--scenario", default="fragmented", help="named scenario or YAML file")
    p.add_argument("--method", choices=("morris", "sobol", "both"), default="both")
    p.add_argument("--factors", nargs="+", default=list(DEFAULT_FACTORS), metavar="NAME",
                   help="inputs to vary")
    p.add_argument("--range", action="append", default=[], metavar="NAME=LOW:HIGH",
                   help="a range other than the default for one input")
    p.add_argument("--metrics", nargs="+", default=list(METRICS), help="outputs analysed")
    p.add_argument("--trajectories", type=int, default=10, help="Morris trajectories r")
    p.add_argument("--levels", type=int, default=4, help="Morris grid levels")
    p.add_argument("--sobol-n", type=int, default=64,
                   help="Sobol base samples N (a power of 2)")
    p.add_argument("--no-plot", action="store_true", help="do not draw sensitivity.png")
    add_run_options(p, replications=1)
    args = p.parse_args(argv)
    if args.sobol_n < 2 or args.sobol_n & (args.sobol_n - 1):
        p.error(f"--sobol-n {args.sobol_n}: must be a power of 2 (Sobol' sequence balance)")
    if args.trajectories < 2:
        p.error("--trajectories must be at least 2")
    unknown = [m for m in args.metrics if m not in sim.METRICS]
    if unknown:
        raise sim.ConfigError(f"--metrics: unknown {unknown}; choose from {list(sim.METRICS)}",
                              [("metrics", unknown, ", ".join(sim.METRICS))])
    overrides = check_overrides(args.overrides)
    base = sim.load_scenario(args.scenario, overrides)
    ranges = parse_ranges(args.range)
    stray = set(ranges) - set(args.factors)
    if stray:
        p.error(f"--range given for {sorted(stray)}, which are not in --factors")
    factors = [make_factor(name, base, ranges.get(name)) for name in dict.fromkeys(args.factors)]
    problem = {"num_vars": len(factors), "names": [f.name for f in factors],
               "bounds": [f.bounds() for f in factors]}

    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    samples: dict[str, np.ndarray] = {}
    if args.method in ("morris", "both"):
        samples["morris"] = morris_sample.sample(problem, args.trajectories,
                                                 num_levels=args.levels, seed=args.seed)
    if args.method in ("sobol", "both"):
        samples["sobol"] = sobol_sample.sample(problem, args.sobol_n, calc_second_order=False,
                                               scramble=True, seed=args.seed)

    def point(x: np.ndarray) -> Point:
        values = {f.name: f.value(v) for f, v in zip(factors, x)}
        settings = {k: v for f in factors for k, v in f.settings(values[f.name]).items()}
        return Point(values, with_settings(args.scenario, overrides, base, settings))

    points = {method: [point(x) for x in X] for method, X in samples.items()}
    spec = {"scenario": args.scenario, "overrides": overrides, "seed": args.seed,
            "replications": args.replications, "method": args.method,
            "factors": [asdict(f) for f in factors], "trajectories": args.trajectories,
            "levels": args.levels, "sobol_n": args.sobol_n}
    exp = Experiment("sensitivity", spec, args)
    exp.write_table("factors", pd.DataFrame([asdict(f) for f in factors]))
    every = [pt for pts in points.values() for pt in pts]
    runs = exp.run_points(every, args.replications, tables=("kpis",),
                          desc=f"{len(every)} samples")
    by_folder = {r.folder: r for r in runs}
    exp.write_table("table", exp.tidy(list(by_folder.values())))

    tables: dict[str, pd.DataFrame] = {}
    offset = 0
    for method, X in samples.items():
        mine = runs[offset:offset + len(X)]
        offset += len(X)
        outputs = pd.DataFrame([{m: r.kpis[m].mean() for m in args.metrics} for r in mine])
        bad = outputs.columns[outputs.isna().any()].tolist()
        if bad:
            raise sim.ConfigError(f"{bad} have no value at some samples (nothing to measure); "
                                  "choose other --metrics", [("metrics", bad, "defined")])
        frame = pd.concat([pd.DataFrame([r.point.values for r in mine]),
                           pd.DataFrame(X, columns=[f"x:{n}" for n in problem["names"]]),
                           outputs], axis=1)
        frame.insert(0, "point", [r.folder.name for r in mine])
        exp.write_table(f"samples_{method}", frame)
        if method == "morris":
            tables["morris"] = analyse_morris(problem, X, outputs, args.metrics, args.levels,
                                              args.seed)
        else:
            tables["sobol"] = analyse_sobol(problem, outputs, args.metrics, args.seed)
        exp.write_table(method, tables[method])
    if not args.no_plot:
        plot(tables.get("morris"), tables.get("sobol"), args.metrics,
             exp.folder / "sensitivity.png")
    folder = exp.finish(args.replications, {
        "samples": {m: len(X) for m, X in samples.items()},
        "distinct_points": len(by_folder)})

    for metric in args.metrics:
        if "morris" in tables:
            t = tables["morris"]
            print(f"\nMorris, {metric} ({len(samples['morris'])} samples): inputs by mu*")
            part = t[t["metric"] == metric].set_index("factor")[
                ["mu_star", "mu_star_conf", "sigma"]]
            # In the metric's own units (£ as £1.2m), not a float in e-notation.
            print_table(part.map(lambda v, m=metric: readout.format_value(m, float(v))))
        if "sobol" in tables:
            t = tables["sobol"]
            t = t[t["metric"] == metric].set_index("factor")
            print(f"\nSobol, {metric} (N = {args.sobol_n}, {len(samples['sobol'])} samples): "
                  f"inputs by ST; sum of S1 = {t['S1'].sum():.2f}")
            print_table(t[["S1", "S1_conf", "ST", "ST_conf"]], "{:.3f}")
    print(f"\nresults in {folder} ({exp.points_run} points run, {exp.points_reused} read "
          f"back; executor {exp.executor.describe()})")
    return exp.report_failures()


if __name__ == "__main__":
    main_guard(main)
