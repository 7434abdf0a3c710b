"""The golden back-test's reference numbers: a small fixed comparison, stored in the repo.

    python -m experiments.golden --regenerate   # rewrite tests/golden/fragmented_vs_integrated.json
    python -m experiments.golden                # compare a fresh run with the stored file

``tests/test_golden.py`` requires a fresh run to reproduce the stored KPIs exactly (to 1e-12
relative, for float summation on other platforms). Any change to the model's mechanisms,
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
SCENARIOS = ("fragmented", "integrated")
OVERRIDES = ("population.size=3000", "run.days=120", "run.warmup_days=60")
REPLICATIONS = 2
SEED = 20261127
REL = 1e-12


def compute() -> dict:
    """Run the fixed comparison (common random numbers: the same seed for both scenarios)."""
    out: dict = {"overrides": list(OVERRIDES), "replications": REPLICATIONS, "seed": SEED,
                 "scenarios": {}}
    for name in SCENARIOS:
        res = sim.run(sim.load_scenario(name, overrides=list(OVERRIDES)),
                      replications=REPLICATIONS, seed=SEED, workers=1)
        rows = res.kpis.sort_values("replication").to_dict(orient="records")
        out["scenarios"][name] = {
            "events": int(res.events),
            "kpis": [{k: float(v) for k, v in row.items()} for row in rows],
        }
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
    fresh = compute()
    if a.regenerate:
        atomic_write_text(PATH, json.dumps(fresh, indent=1, sort_keys=True) + "\n")
        print(f"wrote {PATH}")
        return 0
    diff = differences(load(), fresh)
    print("\n".join(diff) if diff else "identical to the stored golden numbers")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
