"""Extreme conditions: does the model behave at its edges?

    python -m experiments.extremes                 # writes docs/validation/extremes.{md,png,json}
    python -m experiments.extremes --out results/extremes --replications 2

Four checks, one panel each of ``extremes.png``, run on the fragmented defaults:

1. **Zero growth for ten years** (50,000 people, ``population.growth_per_year=0``): each year's
   mean of acute beds in use, delayed patients, care-home residents and home-care hours in
   use, as a ratio to its first three years. Flat is the claim.
2. **Doubled demand** (the crisis rate that brings people to A&E doubled, one year, 10,000
   people): the beds fill, the run is flagged as gridlocked on a named day, and the A&E queue
   stays bounded (saturation, not a runaway).
3. **Each service emptied** (capacity 0, one year, 10,000 people): the delayed days of its own
   reason rise against the baseline with the same random numbers; admissions hold within a
   quarter.
4. **Places from 2,000 to 200,000 people** (default capacities for their size): admissions
   decided per 1,000 people (admitted or sent home by a full hospital) with 95% CIs, which
   must overlap; delayed days per 1,000 are shown beside them, since a small place pays for
   its small pools in waiting (docs/model.md, "Default acute beds by the square-root rule").

The suite checks small fixed-seed versions of each (tests/test_extremes.py,
tests/test_front_door.py); this command is the committed, larger example.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from experiments.common import save_chart
from sim.readout.stats import t_interval
from sim.results_io import atomic_write_text, code_version

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "validation"
STOCKS = {"acute_occupied": "acute beds in use", "delayed_patients": "delayed patients",
          "care_home_occupied": "care-home residents",
          "home_care_hours_in_use": "home-care hours in use"}
EMPTIED = {"social_work.staff": "awaiting assessment",
           "reablement.slots": "reablement / home care",
           "intermediate_care.beds": "intermediate care",
           "home_care.hours_per_week": "reablement / home care",
           "care_home.beds": "care home"}
SMALL = ["population.size=10000", "acute.beds=85", "run.days=365"]
SIZES = ((2_000, 8), (20_000, 4), (50_000, 4), (200_000, 2))


def zero_growth(replications: int, seed: int, workers: int) -> pd.DataFrame:
    p = sim.load_scenario("fragmented", overrides=["population.size=50000",
                                                   "population.growth_per_year=0",
                                                   "run.days=3650"])
    daily = sim.run(p, replications=replications, seed=seed, workers=workers).daily
    yearly = (daily.assign(year=(daily["day"] // 365).astype(int))
              .groupby(["replication", "year"])[list(STOCKS)].mean())
    first = yearly[yearly.index.get_level_values("year") < 3].groupby("replication").mean()
    ratio = yearly.div(first, level="replication").groupby("year").mean()
    ratio.index = pd.Index(ratio.index + 1, name="year")  # years 1 to 10
    return ratio.rename(columns=STOCKS)


def doubled_demand(replications: int, seed: int, workers: int) -> pd.DataFrame:
    base = sim.load_scenario("fragmented", overrides=SMALL)
    rate = 2 * base.community.crisis_rate_per_year
    cmp = sim.compare({"today": base, "doubled": sim.load_scenario(
        "fragmented", overrides=[*SMALL, f"community.crisis_rate_per_year={rate}"])},
        replications=replications, seed=seed, workers=workers, baseline="today")
    rows = []
    for name, res in cmp.results.items():
        k, d = res.kpis, res.daily
        rows.append({"scenario": name, "occupancy": k["acute_occupancy"].mean(),
                     "admissions": k["emergency_admissions"].mean(),
                     "flagged": int(k["unstable"].sum()), "replications": len(k),
                     "first_flag_day": k["unstable_day"].min(),
                     "max_waiting_in_ae": d["boarding"].max(),
                     "people": base.population.size})
    return pd.DataFrame(rows).set_index("scenario")


def emptied_services(replications: int, seed: int, workers: int) -> pd.DataFrame:
    scen = {"baseline": sim.load_scenario("fragmented", overrides=SMALL)}
    for path in EMPTIED:
        scen[path] = sim.load_scenario("fragmented", overrides=[*SMALL, f"{path}=0"])
    cmp = sim.compare(scen, replications=replications, seed=seed, workers=workers,
                      baseline="baseline")

    def by_reason(name: str) -> pd.Series:
        d = cmp.results[name].delays_by_reason
        return d.groupby("reason")["delayed_days"].sum() / cmp.results[name].replications

    base = by_reason("baseline")
    b = cmp.results["baseline"].kpis
    rows = []
    for path, reason in EMPTIED.items():
        k = cmp.results[path].kpis
        rows.append({"emptied": path, "reason": reason, "baseline_days": base.get(reason, 0.0),
                     "emptied_days": by_reason(path).get(reason, 0.0),
                     "admissions_ratio": k["emergency_admissions"].mean()
                     / b["emergency_admissions"].mean(),
                     "flagged": int(k["unstable"].sum()), "replications": len(k)})
    return pd.DataFrame(rows).set_index("emptied")


def sizes(seed: int, workers: int, scale: float = 1.0) -> pd.DataFrame:
    rows = []
    for size, reps in SIZES:
        n = max(2, round(reps * scale))
        res = sim.run(sim.load_scenario("fragmented", overrides=[f"population.size={size}"]),
                      replications=n, seed=seed, workers=workers)
        k = res.kpis
        per = 1000 / k["population_mean"]
        decided = t_interval(((k["emergency_admissions"] + k["admissions_forgone_full"])
                              * per).tolist())
        delayed = t_interval((k["delayed_discharge_days"] * per).tolist())
        rows.append({"people": size, "replications": n, "beds": res.params.resolved().acute.beds,
                     "decided_per_1000": decided["mean"], "decided_low": decided["ci_low"],
                     "decided_high": decided["ci_high"], "delayed_days_per_1000": delayed["mean"],
                     "delayed_low": delayed["ci_low"], "delayed_high": delayed["ci_high"],
                     "flagged": int(k["unstable"].sum())})
    return pd.DataFrame(rows).set_index("people")


def verdicts(zg: pd.DataFrame, dd: pd.DataFrame, em: pd.DataFrame, sz: pd.DataFrame
             ) -> dict[str, str]:
    last = zg[zg.index >= 8].mean() - 1
    drift = ", ".join(f"{k} {v:+.1%}" for k, v in last.items())
    flat = (last.abs() < pd.Series({v: 0.08 if "home-care" in v else 0.05
                                    for v in STOCKS.values()})).all()
    d = dd.loc["doubled"]
    saturates = (d["flagged"] == d["replications"] and dd.loc["today", "flagged"] == 0
                 and d["max_waiting_in_ae"] < 0.5 * d["people"])
    own = (em["emptied_days"] > 1.5 * em["baseline_days"] + 1).all()
    door = em["admissions_ratio"].between(0.65, 1.05).all()
    overlap = sz["decided_low"].max() <= sz["decided_high"].min()
    return {
        "zero_growth": ("holds" if flat else "drifts")
        + f": last three years against the first three, {drift}",
        "doubled_demand": ("saturates with the warning" if saturates else "does not behave")
        + f": flagged in {d['flagged']:.0f} of {d['replications']:.0f} (first on day "
        f"{d['first_flag_day']:.0f}); occupancy {d['occupancy']:.1%} against "
        f"{dd.loc['today', 'occupancy']:.1%}; at most {d['max_waiting_in_ae']:.0f} people in "
        "A&E",
        "emptied_services": ("each raises its own delays" if own and door
                             else "a service does not behave")
        + "; admissions at " + ", ".join(f"{r:.0%}" for r in em["admissions_ratio"])
        + " of the baseline",
        "sizes": ("admission rates agree" if overlap else "admission rates differ")
        + ": " + ", ".join(f"{n:,} people {r['decided_per_1000']:.0f} per 1,000 "
                           f"({r['decided_low']:.0f} to {r['decided_high']:.0f})"
                           for n, r in sz.iterrows()),
    }


def chart(zg, dd, em, sz, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"axes.titlesize": 9})
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.5))
    ax = axes[0, 0]
    for col in zg.columns:
        ax.plot(zg.index, zg[col], marker="o", ms=3, label=col)
    ax.axhspan(0.95, 1.05, color="0.9", zorder=0)
    ax.set(title="1. Zero growth, ten years:\nyearly mean / mean of the first three years",
           xlabel="year", ylabel="ratio", ylim=(0.8, 1.2))
    ax.legend(fontsize=7, frameon=False)
    ax = axes[0, 1]
    ax.bar(["today", "doubled"], [dd.loc["today", "occupancy"], dd.loc["doubled", "occupancy"]],
           color=["0.6", "firebrick"])
    d = dd.loc["doubled"]
    ax.set(title="2. Doubled demand:\nacute occupancy", ylabel="share of beds", ylim=(0, 1.05))
    ax.text(1, d["occupancy"] / 2, f"gridlock flagged\n{d['flagged']:.0f} of "
            f"{d['replications']:.0f}", ha="center", color="white", fontsize=8)
    ax = axes[1, 0]
    y = np.arange(len(em))
    ax.barh(y - 0.2, em["baseline_days"], 0.4, color="0.6", label="baseline")
    ax.barh(y + 0.2, em["emptied_days"], 0.4, color="steelblue", label="service emptied")
    ax.set_yticks(y, [f"{p.split('.')[0]}\n({r})" for p, r in zip(em.index, em["reason"])],
                  fontsize=7)
    ax.set_xscale("symlog", linthresh=100)
    ax.set(title="3. Each service emptied:\ndelayed days of its own reason",
           xlabel="delayed days a year (10,000 people)")
    ax.set_xlim(0, 20 * max(em["emptied_days"].max(), 1))  # room on the right for the key
    ax.legend(fontsize=7, frameon=False, loc="center right")
    ax = axes[1, 1]
    x = np.arange(len(sz))
    ax.errorbar(x, sz["decided_per_1000"], yerr=[sz["decided_per_1000"] - sz["decided_low"],
                                                 sz["decided_high"] - sz["decided_per_1000"]],
                fmt="o", color="black", capsize=3, label="admissions decided")
    ax.set_xticks(x, [f"{n:,}" for n in sz.index])
    ax.set(title="4. Admissions decided per 1,000 people 65+\nby size of place (95% CI)",
           xlabel="people aged 65+", ylabel="per 1,000 a year")
    for side in ("top", "right"):
        for a in axes.flat[:-1]:
            a.spines[side].set_visible(False)
    save_chart(fig, ax, path)


def _table(frame: pd.DataFrame, digits: int) -> str:
    """A Markdown table (pandas' own needs an extra package)."""
    def cell(v) -> str:
        if isinstance(v, float | np.floating):
            return "" if np.isnan(v) else f"{v:,.{digits}f}"
        return f"{v:,}" if isinstance(v, int | np.integer) else str(v)
    def whole(col: pd.Series) -> bool:
        v = pd.to_numeric(col, errors="coerce").dropna()
        return col.dtype != object and len(v) > 0 and bool((v == v.round()).all())

    # A column of whole numbers (counts, people, days) reads without decimals.
    frame = frame.apply(lambda c: pd.Series([v if pd.isna(v) else int(v) for v in c],
                                            index=c.index, dtype=object) if whole(c) else c)
    head = [str(frame.index.name or ""), *map(str, frame.columns)]
    rows = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for idx, row in zip(frame.index, frame.itertuples(index=False)):
        rows.append("| " + " | ".join([cell(idx), *(cell(v) for v in row)]) + " |")
    return "\n".join(rows)


def _small_place(sz: pd.DataFrame) -> list[str]:
    """Say why the smallest place is flagged, when it is."""
    small = sz.iloc[0]
    if not small["flagged"]:
        return []
    return [f"At {sz.index[0]:,} people ({small['beds']:.0f} beds) the gridlock flag trips in "
            f"{small['flagged']:.0f} of {small['replications']:.0f} runs: its threshold is 10% "
            "of the beds, a couple of people, while queues grow with the square root of the "
            "load; the admission rate is the same as everywhere else (docs/model.md).", ""]


def markdown(zg, dd, em, sz, verdict: dict[str, str], meta: dict) -> str:
    lines = ["# Extreme conditions: does the model behave at its edges?", "",
             f"`python -m experiments.extremes` on {meta['date']}: fragmented defaults, seed "
             f"{meta['seed']}, code {meta['git_commit']} ({meta['runtime_seconds']} s).", "",
             "| check | result |", "| --- | --- |"]
    lines += [f"| {k.replace('_', ' ')} | {v} |" for k, v in verdict.items()]
    lines += ["", "## 1. Zero growth for ten years (50,000 people)", "",
              "Yearly mean over the replications as a ratio to its first three years. A "
              "stationary system still moves by a few per cent from year to year (one winter "
              "can lift a year's mean by 10%).", "",
              _table(zg, 3), "",
              "## 2. Doubled demand (10,000 people, 85 beds)", "",
              _table(dd, 3), "",
              "## 3. Each service emptied (10,000 people, 85 beds)", "",
              "Delayed days a year of the emptied service's own reason, with and without it, "
              "and admissions as a share of the baseline's (people held for an empty service "
              "cannot come in again; the door itself does not close).", "",
              _table(em, 2), "",
              "## 4. Places from 2,000 to 200,000 people", "",
              "Default capacities for each size (acute beds by the square-root rule, the "
              "others in proportion). Admissions are decided at the door, so their rate does "
              "not depend on the size of the place; delayed days per 1,000 differ because a "
              "small place's small pools queue more (the Erlang economies of scale).", "",
              _table(sz, 1), "", *_small_place(sz),
              "![extreme conditions](extremes.png)", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replications", type=int, default=4,
                    help="replications of checks 1-3 (check 4 scales its own by this / 4)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    zg = zero_growth(args.replications, args.seed, args.workers)
    dd = doubled_demand(args.replications, args.seed, args.workers)
    em = emptied_services(args.replications, args.seed, args.workers)
    sz = sizes(args.seed, args.workers, args.replications / 4)
    verdict = verdicts(zg, dd, em, sz)
    meta = {"replications": args.replications, "seed": args.seed,
            "date": time.strftime("%Y-%m-%d"), "verdicts": verdict,
            "runtime_seconds": round(time.perf_counter() - t0, 1), **code_version()}
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "extremes.md", markdown(zg, dd, em, sz, verdict, meta))
    atomic_write_text(args.out / "extremes.json", json.dumps(meta, indent=2, default=str))
    chart(zg, dd, em, sz, args.out / "extremes.png")
    for k, v in verdict.items():
        print(f"{k}: {v}")
    print(f"written to {args.out} ({meta['runtime_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
