"""What every experiment script shares: its options, its results folder, resuming.

An experiment writes to ``results/<experiment>/<spec hash>/`` (or ``--out``), where the spec
hash covers everything that changes its results (scenario, overrides, grid, seed,
replications, method settings), so running the same command again finds the same folder:

    points/<config hash>-s<seed>-r<first>-<last>/   one folder per point, stored the moment its
                                                    replications are back (manifest last)
    table.csv                                       one row per point and replication
    <other tables>.csv                              the experiment's own summaries
    manifest.json                                   written last: spec, seeds, executor,
                                                    runtime, code version, counts

A point whose folder has a manifest with the same config hash, seed and replications (and no
failed replication) is read back instead of run again, so an interrupted experiment resumes
where it stopped; ``--fresh`` runs every point again. Load a finished experiment with
``sim.results_io.read_experiment(folder)``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from sim.config import parse_overrides
from sim.errors import ConfigError
from sim import limits
from sim.executors import ProgressBar, resolve_executor
from sim.runner import run_points
from sim.results_io import (
    POINT_TABLES,
    RESULTS_ROOT,
    atomic_write_csv,
    code_state,
    config_hash,
    check_writable,
    point_is_complete,
    point_key,
    read_manifest,
    write_manifest,
    write_point,
)

KEY_METRICS = ("delayed_discharge_days", "cost_total", "acute_occupancy")


# ------------------------------------------------------------------------------------------
# Options
# ------------------------------------------------------------------------------------------
class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the docstring's layout; shows a default only where there is one to show."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (action.option_strings and "%(default)" not in text
                and action.default not in (None, False, [], argparse.SUPPRESS)):
            text += " (default: %(default)s)"
        return text


def parser(doc: str | None, prog: str) -> argparse.ArgumentParser:
    """An argument parser whose help is the script's docstring."""
    text = (doc or "").strip().replace("``", "")
    first, _, rest = text.partition("\n")
    return argparse.ArgumentParser(prog=prog, description=first, epilog=rest.strip(),
                                   formatter_class=_Formatter)


def _checked(check: Callable[[Any], int]) -> Callable[[str], int]:
    """An argparse type from a sim.limits check: a bad value is one line of usage error."""
    def convert(text: str) -> int:
        try:
            return check(text)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = check.__name__.removeprefix("check_")
    return convert


def add_run_options(p: argparse.ArgumentParser, replications: int = 10) -> None:
    """Model overrides and the how-to-run options shared by every script."""
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                   help="model settings applied to every run, e.g. population.size=10000 "
                   "run.days=365 (see docs/parameters.md)")
    g = p.add_argument_group("how to run")
    g.add_argument("--replications", "-r", type=_checked(limits.check_replications),
                   default=replications,
                   help="replications per point (the same random streams at every point)")
    g.add_argument("--seed", type=_checked(limits.check_seed), default=2026,
                   help="base seed (a whole number from 0)")
    g.add_argument("--executor", default=None,
                   help="where replications run: serial, processes, dask, or a Dask scheduler "
                   "address such as tcp://host:8786 (default: serial, or processes when "
                   "--workers > 1)")
    g.add_argument("--workers", type=_checked(limits.check_workers), default=1,
                   help="local worker processes (processes and dask executors)")
    g.add_argument("--out", type=Path, default=None,
                   help="results folder (default: results/<experiment>/<spec hash>, so the "
                   "same command resumes the same folder)")
    g.add_argument("--fresh", action="store_true",
                   help="run every point again even if the folder already holds it")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")


def check_overrides(overrides: Sequence[str]) -> list[str]:
    """Reject malformed ``key=value`` arguments early, with the same message as the CLI."""
    parse_overrides(overrides)
    return list(overrides)


def main_guard(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> None:
    """Run a script's main: user mistakes print one line and exit 2, never a traceback."""
    try:
        code = main(argv)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = 2
    except OSError as exc:  # a full or read-only disk part way through
        print(f"error: could not write {getattr(exc, 'filename', None) or 'the results'}: "
              f"{exc.strerror or exc}. Points finished before this are stored; free space "
              "and run the same command again to resume", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        print("\ninterrupted: finished points are stored; run the same command again to "
              "resume", file=sys.stderr)
        code = 130
    raise SystemExit(code)


# ------------------------------------------------------------------------------------------
# Points and the results folder
# ------------------------------------------------------------------------------------------
@dataclass
class Point:
    """One configuration of an experiment: its defining values and its parameters."""

    values: dict[str, Any]
    params: sim.Params


@dataclass
class PointRun:
    """What an experiment gets back for a point: its tidy rows and where they are stored."""

    point: Point
    kpis: pd.DataFrame
    folder: Path
    reused: bool
    failures: list[Any] = field(default_factory=list)
    simulation_seconds: float = 0.0


def spec_hash(spec: dict[str, Any]) -> str:
    text = json.dumps(spec, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class Experiment:
    """One experiment's results folder: points stored as they finish, manifest last."""

    def __init__(self, name: str, spec: dict[str, Any], args: argparse.Namespace):
        self.name = name
        self.spec = spec
        self.hash = spec_hash(spec)
        self.folder = Path(args.out or RESULTS_ROOT / name / self.hash).resolve()
        self.fresh = bool(args.fresh)
        self.seed = int(args.seed)
        self.executor = resolve_executor(args.executor, int(args.workers))
        self.progress_disabled = True if args.no_progress else None
        self.started = time.perf_counter()
        self.points_run = 0
        self.points_reused = 0
        self.simulation_seconds = 0.0
        self.timed = False  # simulation_seconds is known only for points run through here
        self.failures: list[Any] = []
        check_writable(self.folder)
        # Until the new manifest is written, the folder is an unfinished experiment.
        old = self.folder / "manifest.json"
        if old.exists():
            old.unlink()

    def point_folder(self, params: sim.Params, replications: Sequence[int]) -> Path:
        return self.folder / "points" / point_key(params, self.seed, list(replications))

    def run_points(self, points: Sequence[Point], replications: int | Iterable[int],
                   tables: tuple[str, ...] = POINT_TABLES,
                   desc: str | None = None) -> list[PointRun]:
        """Run the points not already stored; every point's kpis in the order given.

        Points with identical parameters are simulated once.
        """
        reps = list(range(replications)) if isinstance(replications, int) else list(replications)
        self.timed = True
        out: dict[str, PointRun] = {}
        todo: dict[str, Point] = {}
        for pt in points:
            key = point_key(pt.params, self.seed, reps)
            if key in out or key in todo:
                continue
            folder = self.point_folder(pt.params, reps)
            if not self.fresh and point_is_complete(folder, pt.params, self.seed, reps):
                try:
                    seconds = float((read_manifest(folder) or {}).get("runtime_seconds", 0.0))
                    out[key] = PointRun(pt, pd.read_csv(folder / "kpis.csv"), folder, True,
                                        simulation_seconds=seconds)
                    self.points_reused += 1
                    self.simulation_seconds += seconds
                    continue
                except (OSError, ValueError):  # unreadable: simulate it again
                    pass
            todo[key] = pt

        def store(key: str, res: sim.Results) -> None:
            pt = todo[key]
            folder = self.point_folder(pt.params, reps)
            write_point(res, folder, point=pt.values, tables=tables,
                        extra_manifest={"experiment": self.name, "experiment_hash": self.hash,
                                        "executor": self.executor.describe()})
            out[key] = PointRun(pt, res.kpis, folder, False, list(res.failures),
                                res.runtime_seconds)
            self.points_run += 1
            self.simulation_seconds += res.runtime_seconds
            self.failures.extend(res.failures)

        if todo:
            bar = ProgressBar(desc=desc or self.name, disable=self.progress_disabled)
            with bar:
                run_points({k: p.params for k, p in todo.items()}, reps, self.seed,
                           executor=self.executor, progress=bar, on_point=store)
        return [out[point_key(pt.params, self.seed, reps)] for pt in points]

    def tidy(self, runs: Sequence[PointRun]) -> pd.DataFrame:
        """One row per point and replication: the point's values, then the metrics."""
        frames = []
        for run_ in runs:
            k = run_.kpis.copy()
            front = pd.DataFrame({**{c: [v] * len(k) for c, v in run_.point.values.items()},
                                  "scenario": run_.point.params.name, "seed": self.seed},
                                 index=k.index)
            frame = pd.concat([front, k], axis=1)
            frame["config_hash"] = config_hash(run_.point.params)
            frame["point"] = run_.folder.name
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def write_table(self, name: str, frame: pd.DataFrame, index: bool = False) -> Path:
        path = self.folder / f"{name}.csv"
        atomic_write_csv(path, frame, index=index)
        return path

    def finish(self, replications: Any, extra: dict[str, Any] | None = None) -> Path:
        """Write the manifest, last: from now on the folder is a finished experiment."""
        write_manifest(self.folder, {
            "experiment": self.name,
            "spec": self.spec,
            "spec_hash": self.hash,
            "seed": self.seed,
            "replications": replications,
            "executor": self.executor.describe(),
            "points_run": self.points_run,
            "points_reused": self.points_reused,
            "failures": [f.__dict__ for f in self.failures],
            # this invocation's wall time; a resumed experiment spans several invocations,
            # so simulation_seconds adds up every point's own simulation time
            "runtime_seconds": round(time.perf_counter() - self.started, 3),
            **({"simulation_seconds": round(self.simulation_seconds, 3)}
               if self.timed else {}),
            "command": [Path(sys.executable).name, "-m", f"experiments.{self.name}",
                        *sys.argv[1:]],
            "cwd": os.getcwd(),
            "written_at": datetime.now(UTC).isoformat(),
            **code_state(),
            **(extra or {}),
        })
        return self.folder

    def report_failures(self) -> int:
        """Print failed replications; the exit status for the script (0 or 1)."""
        for f in self.failures:
            print(f"replication {f.replication} of {f.scenario} (seed {f.seed}) failed: "
                  f"{f.error}", file=sys.stderr)
        if self.failures:
            print("failed points are not marked finished: the same command runs them again",
                  file=sys.stderr)
        return 1 if self.failures else 0


def save_chart(fig: Any, ax: Any, path: Path) -> None:
    """The validation charts' common finish: no top or right frame, tight, 110 dpi, closed."""
    import matplotlib.pyplot as plt

    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def print_table(frame: pd.DataFrame, floatfmt: str | None = None) -> None:
    """Print a table; a bare float gets the readout's number format (no decimals from 100
    up) unless the caller gives ``floatfmt`` (sensitivity indices keep three decimals)."""
    from sim.readout import fmt

    # The readout's number() shows magnitudes; a negative keeps its sign here.
    formatter = floatfmt.format if floatfmt else (lambda x: fmt.number(x, signed=x < 0))
    with pd.option_context("display.max_rows", 500, "display.max_columns", 50,
                           "display.width", 200, "display.float_format", formatter):
        print(frame.to_string())


def parse_number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() \
        else value
