"""The golden back-test's reference numbers: a small fixed comparison, stored in the repo.

    python -m experiments.golden --regenerate   # rewrite both files under tests/golden/
    python -m experiments.golden                # compare a fresh run with the stored files

``tests/test_golden.py`` requires a fresh run to reproduce the stored KPIs exactly (to 1e-12
relative, for float summation on other platforms), and the daily series, delays by reason,
costs and counts behind them (``fragmented_vs_integrated_series.json``: each daily column's
total and its total weighted by day, so a value moved to another day is caught too). Any change to the model's mechanisms,
parameters or random-number use moves them, on purpose or not; when on purpose, regenerate
the file in the same commit and say why in the message.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import sim
from sim.results_io import atomic_write_text

PATH = Path(__file__).resolve().parent.parent / "tests" / "golden" / "fragmented_vs_integrated.json"
SERIES_PATH = PATH.with_name("fragmented_vs_integrated_series.json")
SCENARIOS = ("fragmented", "integrated")
OVERRIDES = ("population.size=3000", "run.days=120", "run.warmup_days=60")
REPLICATIONS = 2
SEED = 20261127
REL = 1e-12


def compute() -> dict:
    """Run the fixed comparison (common random numbers: the same seed for both scenarios)."""
    return compute_all()[0]


def compute_all() -> tuple[dict, dict]:
    """The stored KPIs and the stored series, from one run of the fixed comparison."""
    out: dict = {"overrides": list(OVERRIDES), "replications": REPLICATIONS, "seed": SEED,
                 "scenarios": {}}
    series: dict = {"overrides": list(OVERRIDES), "replications": REPLICATIONS, "seed": SEED,
                    "scenarios": {}}
    for name in SCENARIOS:
        res = sim.run(sim.load_scenario(name, overrides=list(OVERRIDES)),
                      replications=REPLICATIONS, seed=SEED, workers=1)
        rows = res.kpis.sort_values("replication").to_dict(orient="records")
        out["scenarios"][name] = {
            "events": int(res.events),
            "kpis": [{k: float(v) for k, v in row.items()} for row in rows],
        }
        series["scenarios"][name] = [_series(res, r) for r in sorted(res.kpis["replication"])]
    return out, series


def _series(res, replication: int) -> dict[str, float]:
    """One replication's daily series, delays, costs and counts as named totals."""
    out: dict[str, float] = {}
    daily = res.daily[res.daily["replication"] == replication].sort_values("day")
    weight = daily["day"].to_numpy() + 1.0
    for column in daily.columns.drop(["replication", "day"]):
        values = daily[column].to_numpy(dtype=float)
        out[f"daily {column}"] = float(values.sum())
        out[f"daily {column} by day"] = float((values * weight).sum())
    delays = res.delays_by_reason[res.delays_by_reason["replication"] == replication]
    for reason, days in zip(delays["reason"], delays["delayed_days"]):
        out[f"delay {reason}"] = float(days)
    costs = res.costs[res.costs["replication"] == replication]
    for row in costs.itertuples():
        out[f"cost {row.service} {row.payer} {row.kind} {row.year}"] = float(row.cost)
    return out


def load_series() -> dict:
    return json.loads(SERIES_PATH.read_text())


def series_differences(stored: dict, fresh: dict) -> list[str]:
    """Every stored total a fresh run no longer reproduces (totals a newer version adds are
    not differences)."""
    out = []
    for key in ("overrides", "replications", "seed"):
        if stored[key] != fresh[key]:
            out.append(f"{key}: stored {stored[key]!r}, now {fresh[key]!r}")
    for name in SCENARIOS:
        for i, (s, f) in enumerate(zip(stored["scenarios"][name], fresh["scenarios"][name],
                                       strict=True)):
            for k in sorted(s):
                if k not in f:
                    out.append(f"{name} replication {i}: {k} is missing")
                elif not _same(s[k], f[k]):
                    out.append(f"{name} replication {i} {k}: stored {s[k]!r}, now {f[k]!r}")
    return out


def load() -> dict:
    return json.loads(PATH.read_text())


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= REL * max(abs(a), abs(b))


def differences(stored: dict, fresh: dict) -> list[str]:
    """Every way a fresh run differs from the stored one, in words (empty: identical)."""
    out = []
    for key in ("overrides", "replications", "seed"):
        if stored[key] != fresh[key]:
            out.append(f"{key}: stored {stored[key]!r}, now {fresh[key]!r}")
    for name in SCENARIOS:
        s, f = stored["scenarios"][name], fresh["scenarios"][name]
        if s["events"] != f["events"]:
            out.append(f"{name} events: stored {s['events']}, now {f['events']}")
        for i, (srow, frow) in enumerate(zip(s["kpis"], f["kpis"], strict=True)):
            if set(srow) != set(frow):
                out.append(f"{name} replication {i} metrics: missing "
                           f"{sorted(set(srow) - set(frow))}, new {sorted(set(frow) - set(srow))}")
            for k in sorted(set(srow) & set(frow)):
                if not _same(srow[k], frow[k]):
                    out.append(f"{name} replication {i} {k}: stored {srow[k]!r}, now {frow[k]!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.golden", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regenerate", action="store_true",
                    help=f"rewrite {PATH.relative_to(PATH.parent.parent.parent)}")
    a = ap.parse_args(argv)
    fresh, series = compute_all()
    if a.regenerate:
        atomic_write_text(PATH, json.dumps(fresh, indent=1, sort_keys=True) + "\n")
        atomic_write_text(SERIES_PATH, json.dumps(series, indent=1, sort_keys=True) + "\n")
        print(f"wrote {PATH} and {SERIES_PATH}")
        return 0
    diff = differences(load(), fresh) + series_differences(load_series(), series)
    print("\n".join(diff) if diff else "identical to the stored golden numbers")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
