"""Replications, comparisons with common random numbers, and parallel execution.

Work is shipped as (params, seed, replication index); each replication builds its random
streams from ``SeedSequence(seed, spawn_key=(replication,))``, so results are identical
whether replications run serially or in any number of worker processes, and two scenarios
run with the same seed are paired replication by replication.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .config import load_scenario
from .engine import ReplicationOutput, run_replication
from .errors import ConfigError, ReplicationError
from .executors import default_workers as _default_workers
from .executors import resolve_executor, validate_executor
from .groups import GROUP_COLUMNS
from .limits import (
    check_points,
    check_replications,
    check_seed,
    check_work,
    check_workers,
)
from .metrics import METRICS
from .params import Params
from .readout.stats import t_interval

ProgressCallback = Callable[[int, int], None]


@dataclass
class Failure:
    """A replication that raised: enough to reproduce it with ``sim.run``."""

    scenario: str
    replication: int
    seed: int
    error: str
    traceback: str


@dataclass
class Results:
    """All replications of one scenario. Every table is a plain pandas DataFrame."""

    scenario: str
    params: Params
    seed: int
    kpis: pd.DataFrame
    daily: pd.DataFrame
    delays_by_reason: pd.DataFrame
    costs: pd.DataFrame
    runtime_seconds: float
    events: int = 0
    failures: list[Failure] = field(default_factory=list)
    # Key outcomes by age band and by frailty, one row per replication, group and metric,
    # with the person-years lived in the group (sim.groups); empty for results saved before
    # it was recorded and in verification mode.
    outcomes_by_group: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=GROUP_COLUMNS))

    @property
    def replications(self) -> int:
        return len(self.kpis)

    def summary(self, metrics: list[str] | None = None, level: float = 0.95) -> pd.DataFrame:
        """Mean, std, Student-t CI and n per metric (rows), over replications."""
        cols = metrics or [c for c in self.kpis.columns if c != "replication"]
        rows = {m: t_interval(self.kpis[m].tolist(), level) for m in cols}
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "metric"
        return out[["mean", "std", "ci_low", "ci_high", "n"]]

    def cost_by_payer(self) -> pd.DataFrame:
        """Mean cost per replication by service (rows) and payer (columns)."""
        if self.costs.empty:
            return pd.DataFrame()
        table = self.costs.pivot_table(index="service", columns="payer", values="cost",
                                       aggfunc="sum", fill_value=0.0) / max(self.replications, 1)
        return table


@dataclass
class Comparison:
    """Several scenarios run with the same seeds (common random numbers)."""

    results: dict[str, Results]
    seed: int
    baseline: str

    def summary(self, stat: str = "mean", metrics: list[str] | None = None) -> pd.DataFrame:
        """One statistic (mean, ci_low, ...) of every metric (rows) for each scenario."""
        return pd.DataFrame({name: res.summary(metrics)[stat]
                             for name, res in self.results.items()})

    def differences(self, baseline: str | None = None, metrics: list[str] | None = None,
                    level: float = 0.95) -> pd.DataFrame:
        """Paired mean difference (scenario minus baseline) with its t interval, over the
        results period (the readout, :func:`sim.readout.differences`, gives the same per year).

        Replication i of each scenario used the same random streams as replication i of
        the baseline, so the difference is taken replication by replication.
        """
        from .readout.stats import differences

        out = differences(self, baseline, metrics, level, per_year=False)
        return out[["baseline", "baseline_mean", "scenario_mean", "difference", "ci_low",
                    "ci_high", "relative", "n"]]

    def report(self, path, pdf=None):
        """Write the board report: self-contained HTML at ``path`` and, if given, a PDF.

        See :mod:`sim.report`; returns the paths written.
        """
        from .report import write_report

        return write_report(self, path, pdf)


# ------------------------------------------------------------------------------------------
def _one(params: Params, seed: int, replication: int) -> ReplicationOutput | Failure:
    try:
        return run_replication(params, seed, replication)
    except Exception as exc:  # kept and reported with what reproduces it
        return Failure(params.name, replication, seed, f"{type(exc).__name__}: {exc}",
                       traceback.format_exc())


def _execute(tasks: list[tuple[Params, int, int]], workers: int,
             progress: ProgressCallback | None, executor: Any = None
             ) -> list[ReplicationOutput | Failure]:
    """Run the tasks where ``executor`` says (see :mod:`sim.executors`), in task order."""
    return run_tasks(tasks, executor=executor, workers=workers, progress=progress)


def _check_request(params: list[Params], replications: int, workers: int, seed: int) -> None:
    """Refuse a request over a documented limit (sim.limits) before anything starts."""
    check_replications(replications)
    check_workers(workers)
    check_seed(seed)
    check_work(params, replications)


def _assemble(name: str, params: Params, seed: int,
              outputs: list[ReplicationOutput | Failure], runtime: float) -> Results:
    ok = sorted((o for o in outputs if isinstance(o, ReplicationOutput)),
                key=lambda o: o.replication)
    failures = [o for o in outputs if isinstance(o, Failure)]
    kpis = pd.DataFrame([{"replication": o.replication, **o.kpis} for o in ok])
    daily = pd.DataFrame([{"replication": o.replication, **row} for o in ok for row in o.daily])
    delays = pd.DataFrame([{"replication": o.replication, "reason": r, "delayed_days": v}
                           for o in ok for r, v in o.delays_by_reason.items()])
    costs = pd.DataFrame([{"replication": o.replication, "service": s, "payer": p, "kind": k,
                           "year": y, "cost": v}
                          for o in ok for (s, p, k, y), v in o.costs.items()],
                         columns=["replication", "service", "payer", "kind", "year", "cost"])
    groups = pd.DataFrame([(o.replication, *row) for o in ok for row in o.outcomes_by_group],
                          columns=GROUP_COLUMNS)
    if kpis.empty:
        kpis = pd.DataFrame(columns=["replication", *METRICS])
    return Results(name, params, seed, kpis, daily, delays, costs, runtime,
                   sum(o.events for o in ok), failures, groups)


def _raise_failures(results: list[Results]) -> None:
    failures = [f for r in results for f in r.failures]
    if failures:
        first = failures[0]
        err = ReplicationError(
            f"{len(failures)} replication(s) failed; first: scenario {first.scenario!r}, "
            f"replication {first.replication}, seed {first.seed}: {first.error}. "
            "The results of the others are kept in .partial.",
            scenario=first.scenario, replication=first.replication, seed=first.seed)
        err.partial = results if len(results) > 1 else results[0]  # type: ignore[attr-defined]
        err.failures = failures  # type: ignore[attr-defined]
        raise err


def run(cfg: Params | str, replications: int = 10, seed: int = 2026, workers: int = 1,
        progress: ProgressCallback | None = None, on_error: str = "raise",
        executor: Any = None) -> Results:
    """Run replications of one scenario.

    ``workers=N`` runs replications in N processes; results are identical to ``workers=1``.
    ``executor`` chooses where they run: ``"serial"``, ``"processes"``, ``"dask"`` (a local
    Dask cluster), a Dask scheduler address such as ``"tcp://host:8786"``, or a
    ``distributed.Client`` (see :mod:`sim.executors`). Results are identical in every case.
    If a replication raises, the others still finish: with ``on_error="raise"`` a
    :class:`ReplicationError` names the seed and replication and carries the finished
    results as ``.partial``; with ``on_error="keep"`` they are in ``Results.failures``.
    """
    params = cfg if isinstance(cfg, Params) else load_scenario(cfg)
    _check_request([params], replications, workers, seed)
    validate_executor(executor, workers)
    t0 = time.perf_counter()
    outputs = _execute([(params, seed, r) for r in range(replications)], workers, progress,
                       executor)
    res = _assemble(params.name, params, seed, outputs, time.perf_counter() - t0)
    if on_error == "raise":
        _raise_failures([res])
    return res


def compare(scenarios: Mapping[str, Params | str] | list[str], replications: int = 10,
            seed: int = 2026, workers: int = 1, baseline: str | None = None,
            progress: ProgressCallback | None = None, on_error: str = "raise",
            executor: Any = None) -> Comparison:
    """Run several scenarios with common random numbers (same seeds, same streams).

    ``workers`` and ``executor`` work as in :func:`run`; all scenarios' replications share
    one pool of work.
    """
    if not isinstance(scenarios, Mapping):
        scenarios = {str(s): s for s in scenarios}
    if len(scenarios) < 1:
        raise ConfigError("compare needs at least one scenario", [("scenarios", [], "1 or more")])
    check_replications(replications)
    check_workers(workers)
    validate_executor(executor, workers)
    params = {name: (p if isinstance(p, Params) else load_scenario(p))
              for name, p in scenarios.items()}
    _check_request(list(params.values()), replications, workers, seed)
    tasks = [(p, seed, r) for p in params.values() for r in range(replications)]
    t0 = time.perf_counter()
    outputs = _execute(tasks, workers, progress, executor)
    runtime = time.perf_counter() - t0
    results = {}
    for i, (name, p) in enumerate(params.items()):
        chunk = outputs[i * replications:(i + 1) * replications]
        results[name] = _assemble(name, p, seed, chunk, runtime)
    if on_error == "raise":
        _raise_failures(list(results.values()))
    base = baseline or next(iter(results))
    if base not in results:
        raise ConfigError(f"baseline {base!r} is not one of {list(results)}",
                          [("baseline", base, ", ".join(results))])
    return Comparison(results, seed, base)


def iter_replications(scenarios: Mapping[str, Params], replications: int | list[int],
                      seed: int = 2026, workers: int = 1, executor: Any = None,
                      skip: Any = ()):
    """Run replications of several scenarios and yield ``(scenario, output)`` as each one
    finishes (an output is a ReplicationOutput or a :class:`Failure`).

    ``replications`` is a count or the list of replication indices still to run, so a
    caller holding some finished ones runs only the rest; ``skip`` holds
    ``(scenario, index)`` pairs already finished. Work is queued replication by
    replication (index 0 of every scenario, then index 1, ...) one task at a time, so the
    first paired estimate arrives after one round rather than after a whole scenario. Each
    output is the one :func:`compare` would give for the same seed and index.
    """
    indices = list(range(replications)) if isinstance(replications, int) else list(replications)
    _check_request(list(scenarios.values()), max(len(indices), 1), workers, seed)
    validate_executor(executor, workers)
    skip = set(skip)
    tasks, names = [], []
    for r in indices:
        for name, p in scenarios.items():
            if (name, r) not in skip:
                tasks.append((p, seed, r))
                names.append(name)
    if not tasks:
        return
    runner = resolve_executor(executor, workers, batch_size=1)
    for index, output in runner.imap_unordered(_replication_task, tasks,
                                               _infrastructure_failure):
        yield names[index], output


def comparison_from_outputs(scenarios: Mapping[str, Params], seed: int,
                            outputs: Mapping[str, list[ReplicationOutput | Failure]],
                            baseline: str | None = None, runtime: float = 0.0,
                            paired_only: bool = True) -> Comparison:
    """A :class:`Comparison` from finished outputs, for example those
    :func:`iter_replications` has yielded so far.

    With ``paired_only`` only replication indices finished in every scenario are kept, so
    the differences stay paired (common random numbers) while a run is still going.
    """
    keep = None
    if paired_only:
        done = [{o.replication for o in outputs.get(n, [])} for n in scenarios]
        keep = set.intersection(*done) if done else set()
    results = {}
    for name, p in scenarios.items():
        chunk = [o for o in outputs.get(name, []) if keep is None or o.replication in keep]
        results[name] = _assemble(name, p, seed, chunk, runtime)
    base = baseline or next(iter(results))
    return Comparison(results, seed, base)


# ------------------------------------------------------------------------------------------
def _replication_task(task):
    return _one(*task)


def _infrastructure_failure(task, exc: BaseException):
    """A Failure record for a replication whose batch never came back."""
    params, seed, replication = task
    return Failure(params.name, replication, seed,
                   f"{type(exc).__name__} in the executor: {exc}",
                   "".join(traceback.format_exception(exc)))


def run_tasks(tasks: Sequence[tuple[Any, int, int]], executor: Any = None, workers: int = 1,
              progress: ProgressCallback | None = None) -> list[Any]:
    """Run (params, seed, replication) tasks; outputs or Failure records in task order."""
    return resolve_executor(executor, workers).map(
        _replication_task, tasks, _infrastructure_failure, progress)


def run_points(points: Mapping[str, Any], replications: int | Iterable[int], seed: int,
               executor: Any = None, workers: int = 1,
               progress: ProgressCallback | None = None,
               on_point: Callable[[str, Any], None] | None = None) -> dict[str, Any]:
    """Run many configs (sweep points) as one stream of work; one Results per point.

    ``replications`` is a count or the replication indices to run (for extending a pilot
    run). Every point uses the same seed, so replication i of every point shares its random
    streams (common random numbers). ``on_point(label, results)`` is called as soon as all
    replications of a point are back, in this process, so a point can be stored at once and
    an interrupted sweep loses only the points still running. Failed replications are kept
    in ``Results.failures``; nothing is raised for them. ``Results.runtime_seconds`` of a
    point is the simulation time of its replications added up.
    """
    reps = list(range(replications)) if isinstance(replications, int) else list(replications)
    if not reps:
        raise ConfigError("replications: need at least one", [("replications", reps, ">= 1")])
    check_points(len(points))
    _check_request(list(points.values()), len(reps), workers, seed)
    ex = resolve_executor(executor, workers)
    # Point by point, so each point's replications sit in neighbouring batches and points
    # finish (and are stored) progressively rather than all at the end.
    tasks = [(label, params, seed, r) for label, params in points.items() for r in reps]
    outputs: dict[str, list[Any]] = {label: [] for label in points}
    results: dict[str, Any] = {}
    total = len(tasks)
    done = 0
    for index, output in ex.imap_unordered(_replication_task, [t[1:] for t in tasks],
                                           _infrastructure_failure):
        label = tasks[index][0]
        outputs[label].append(output)
        done += 1
        if progress:
            progress(done, total)
        if len(outputs[label]) == len(reps):
            done_outputs = outputs.pop(label)
            # Points overlap in time, so a point's runtime is its replications' own
            # simulation time added up, not a wall-clock span.
            runtime = sum(getattr(o, "runtime_seconds", 0.0) for o in done_outputs)
            res = _assemble(points[label].name, points[label], seed, done_outputs, runtime)
            results[label] = res
            if on_point:
                on_point(label, res)
    return {label: results[label] for label in points}


def default_workers() -> int:
    return _default_workers()


__all__ = ["Results", "Comparison", "Failure", "run", "compare", "default_workers", "run_tasks",
           "run_points", "iter_replications", "comparison_from_outputs"]
