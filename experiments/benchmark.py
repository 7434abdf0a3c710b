"""How fast the model runs, measured against SimPy itself and against Ciw.

    python -m experiments.benchmark                 # full: 50,000 / 200,000 / 1,000,000 people
    python -m experiments.benchmark --quick         # small sizes, a few seconds
    python -m experiments.benchmark --sizes 50000 200000 --repeats 5
    python -m experiments.benchmark --sizes 50000 200000 --skip mmc parallel --baseline /tmp/old

Three parts, all in one table (printed, and written to ``results/benchmark/<timestamp>/``):

1. ``mmc``: the model's verification mode (textbook people through the real admission path,
   ``Hospital.episode``) against a bare SimPy M/M/c skeleton written here with processes and
   ``simpy.Resource`` and against Ciw, on the same arrivals, stays and beds: customers served
   per second and the ratios.
2. ``fragmented`` at several population sizes, one replication each in a fresh process (so
   peak memory is that size's own): admissions and SimPy events per second, events per
   simulated person-year (constant if people with nothing pending cost nothing) and peak
   resident memory. With ``--baseline DIR`` (a checkout of another version of the project)
   each size is also run by that version, alternating with this one so both see the same
   machine load, and the table gives the time ratio.
3. Parallel speed-up of ``sim.run`` with 1 and 2 workers.

Wall-clock times depend on the machine and its load; each timing is the median of
``--repeats`` runs and the table reports ratios next to them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import simpy

import sim
from sim.results_io import atomic_write_text

COLUMNS = ("part", "case", "metric", "value", "target", "met")


# ------------------------------------------------------------------------------------- mmc
def mmc_params(days: float):
    return sim.load_scenario("mmc", overrides=[f"run.days={days:g}"])


def _mmc_shape(p) -> tuple[float, float, int, float]:
    return (p.arrivals.rate_per_day, p.acute.los_mean_days, int(p.acute.beds),
            p.run.warmup_days + p.run.days)


def run_model_mmc(p, seed: int = 2026) -> int:
    """Customers served by the model's own ``mmc`` mode (warm-up included): textbook people
    admitted by ``Hospital.episode``, the code every real admission goes through."""
    from sim.engine import Model
    from sim.rng import Streams, replication_seed

    model = Model(p, Streams(replication_seed(seed, 0)))
    model.run()
    model.check_invariants()
    return model.departures


def run_simpy_mmc(rate: float, mean_stay: float, beds: int, horizon: float,
                  seed: int = 2026) -> int:
    """The least SimPy needs for an M/M/c queue: a source process, a process per customer,
    a ``Resource`` and a timeout."""
    env = simpy.Environment()
    ward = simpy.Resource(env, capacity=beds)
    rng = np.random.default_rng(seed)
    served = [0]

    def patient():
        with ward.request() as req:
            yield req
            yield env.timeout(rng.exponential(mean_stay))
        served[0] += 1

    def source():
        while True:
            yield env.timeout(rng.exponential(1.0 / rate))
            env.process(patient())

    env.process(source())
    env.run(until=horizon)
    return served[0]


def run_ciw_mmc(rate: float, mean_stay: float, beds: int, horizon: float,
                seed: int = 2026) -> int | None:
    try:
        import ciw
    except ImportError:
        return None
    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=rate)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / mean_stay)],
        number_of_servers=[beds],
    )
    q = ciw.Simulation(network)
    q.simulate_until_max_time(horizon)
    return len(q.get_all_records())


def _timed(fn, repeats: int) -> tuple[float, int]:
    times, served = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        served = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), served


def bench_mmc(days: float, repeats: int) -> list[dict]:
    p = mmc_params(days)
    rate, stay, beds, horizon = _mmc_shape(p)
    t_model, n_model = _timed(lambda: run_model_mmc(p), repeats)
    t_simpy, n_simpy = _timed(lambda: run_simpy_mmc(rate, stay, beds, horizon), repeats)
    rows = [
        _row("mmc", "model", "customers", n_model),
        _row("mmc", "simpy", "customers", n_simpy),
        _row("mmc", "model", "customers_per_s", n_model / t_model),
        _row("mmc", "simpy", "customers_per_s", n_simpy / t_simpy),
        _row("mmc", "model/simpy", "throughput_ratio",
             (n_model / t_model) / (n_simpy / t_simpy), ">= 0.5"),
    ]
    t_ciw, n_ciw = _timed(lambda: run_ciw_mmc(rate, stay, beds, horizon), repeats)
    if n_ciw is not None:
        rows += [
            _row("mmc", "ciw", "customers", n_ciw),
            _row("mmc", "ciw", "customers_per_s", n_ciw / t_ciw),
            _row("mmc", "model/ciw", "throughput_ratio",
                 (n_model / t_model) / (n_ciw / t_ciw), ">= 2"),
        ]
    return rows


# ------------------------------------------------------------------------ the full model
def one_size(size: int, days: float, seed: int = 2026) -> dict:
    """One replication of ``fragmented`` at ``size`` people (run in a fresh process)."""
    from sim.engine import run_replication

    p = sim.load_scenario("fragmented", overrides=[f"population.size={size}",
                                                   f"run.days={days:g}"])
    out = run_replication(p, seed, 0)
    return {
        "size": size,
        "people": p.population.projected_size,
        "warmup_days": p.run.warmup_days,
        "days": p.run.days,
        "seconds": out.runtime_seconds,
        "events": out.events,
        "admissions": out.kpis["emergency_admissions"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }


ROOT = Path(__file__).resolve().parent.parent


def _one_size_in_subprocess(size: int, days: float, root: Path = ROOT) -> dict:
    code = ("import json, sys; from experiments.benchmark import one_size; "
            f"print(json.dumps(one_size({int(size)}, {float(days)!r})))")
    env = dict(os.environ, PYTHONPATH=str(root))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=root, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_sizes(sizes: list[int], days: float, repeats: int,
                baseline: Path | None = None) -> list[dict]:
    rows, by_size = [], {}
    for size in sizes:
        runs, base_runs = [], []
        for _ in range(repeats):
            if baseline is not None:
                base_runs.append(_one_size_in_subprocess(size, days, baseline))
            runs.append(_one_size_in_subprocess(size, days))
        r = dict(runs[0])
        r["seconds"] = statistics.median(x["seconds"] for x in runs)
        r["peak_rss_mb"] = max(x["peak_rss_mb"] for x in runs)
        by_size[size] = r
        case = f"fragmented n={size}"
        person_years = r["people"] * (r["warmup_days"] + r["days"]) / 365.0
        rows += [
            _row("model", case, "warmup_days", r["warmup_days"]),
            _row("model", case, "seconds_median", r["seconds"],
                 "< 10" if size == 200_000 else ""),
            _row("model", case, "admissions", r["admissions"]),
            _row("model", case, "admissions_per_s", r["admissions"] / r["seconds"]),
            _row("model", case, "events", r["events"]),
            _row("model", case, "events_per_s", r["events"] / r["seconds"]),
            _row("model", case, "events_per_person_year", r["events"] / person_years),
            _row("model", case, "peak_rss_mb", r["peak_rss_mb"],
                 "< 2048" if size == 1_000_000 else ""),
        ]
        if base_runs:
            base = statistics.median(x["seconds"] for x in base_runs)
            rows += [
                _row("baseline", case, "seconds_median", base),
                _row("baseline", case, "admissions", base_runs[0]["admissions"]),
                _row("model/baseline", case, "time_ratio", r["seconds"] / base),
            ]
    if 50_000 in by_size and 200_000 in by_size:
        rows.append(_row("model", "n=200000 / n=50000", "time_ratio",
                         by_size[200_000]["seconds"] / by_size[50_000]["seconds"], "<= 4.5"))
    return rows


# ------------------------------------------------------------------------------ parallel
def bench_parallel(size: int, replications: int, days: float) -> list[dict]:
    p = sim.load_scenario("fragmented", overrides=[f"population.size={size}",
                                                   f"run.days={days:g}"])
    seconds = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        sim.run(p, replications=replications, workers=workers)
        seconds[workers] = time.perf_counter() - t0
    case = f"{replications} replications, n={size}"
    return [
        _row("parallel", case, "seconds_1_worker", seconds[1]),
        _row("parallel", case, "seconds_2_workers", seconds[2]),
        _row("parallel", case, "speed_up", seconds[1] / seconds[2], ">= 1.7"),
    ]


# ---------------------------------------------------------------------------------- table
def _row(part: str, case: str, metric: str, value: float, target: str = "") -> dict:
    return {"part": part, "case": case, "metric": metric, "value": float(value),
            "target": target, "met": _met(float(value), target)}


def _met(value: float, target: str) -> str:
    if not target:
        return ""
    op, bound = target.split()
    ok = {"<": value < float(bound), "<=": value <= float(bound),
          ">=": value >= float(bound), ">": value > float(bound)}[op]
    return "yes" if ok else "no"


def format_table(rows: list[dict]) -> str:
    cells = [list(COLUMNS)] + [
        [r["part"], r["case"], r["metric"], f"{r['value']:,.3f}".rstrip("0").rstrip("."),
         r["target"], r["met"]] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c[i].ljust(widths[i]) for i in range(len(COLUMNS))).rstrip()
                     for c in cells)


def to_csv(rows: list[dict]) -> str:
    lines = [",".join(COLUMNS)]
    for r in rows:
        lines.append(",".join(f'"{r[c]}"' if c == "case" else str(r[c]) for c in COLUMNS))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(prog="python -m experiments.benchmark", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes; a few seconds")
    ap.add_argument("--sizes", type=int, nargs="+", help="population sizes for part 2")
    ap.add_argument("--repeats", type=int, default=None, help="timings per case (median)")
    ap.add_argument("--parallel-size", type=int, default=None)
    ap.add_argument("--parallel-replications", type=int, default=None)
    ap.add_argument("--skip", nargs="*", default=[], choices=["mmc", "model", "parallel"])
    ap.add_argument("--baseline", type=Path, default=None,
                    help="checkout of another version: time part 2 with it too, alternating")
    ap.add_argument("--out", type=Path, default=None, help="folder (default results/benchmark/<timestamp>)")
    a = ap.parse_args(argv)
    quick = a.quick
    sizes = a.sizes or ([3_000, 8_000] if quick else [50_000, 200_000, 1_000_000])
    repeats = a.repeats or (1 if quick else 3)
    days = 180.0 if quick else 365.0
    rows: list[dict] = []
    if "mmc" not in a.skip:
        rows += bench_mmc(365.0 if quick else 3650.0, repeats)
    if "model" not in a.skip:
        rows += bench_sizes(sizes, days, 1 if quick else repeats, a.baseline)
    if "parallel" not in a.skip:
        rows += bench_parallel(a.parallel_size or (3_000 if quick else 10_000),
                               a.parallel_replications or (4 if quick else 20), days)
    table = format_table(rows)
    print(table)
    out = a.out or Path("results") / "benchmark" / datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    atomic_write_text(out / "table.csv", to_csv(rows))
    atomic_write_text(out / "table.txt", table + "\n")
    meta = {"argv": sys.argv[1:] if argv is None else argv, "cpus": os.cpu_count(),
            "baseline": str(a.baseline) if a.baseline else None,
            "python": sys.version.split()[0], "simpy": simpy.__version__}
    atomic_write_text(out / "manifest.json", json.dumps(meta, indent=2) + "\n")
    print(f"\nwritten to {out}")
    return rows


if __name__ == "__main__":
    main()
