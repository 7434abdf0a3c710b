"""Streamed runs: replications arrive one by one, are kept, and are never simulated twice.

Finished replications are held per exact configuration and seed in a store shared by the
sessions of this server, so a longer run of the same settings only adds the missing
replications and a repeated run is read back at once. The speed of this machine (person-years
simulated per second by one worker) is measured on every run and kept in a small file, so the
time a run will take can be estimated before Run is pressed (robustly: see app_pages/speed.py).
"""

from __future__ import annotations

import json
import math
import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

import sim
from app_pages import common
from app_pages import speed as speed_lib
from sim.runner import Failure, comparison_from_outputs, iter_replications

# Configurations whose replications are kept; each holds a few KB per replication.
KEEP_CONFIGS = 24
# CARESIM_SPEED_FILE moves it (the tests' small runs must not teach a user's app their speed).
SPEED_FILE = Path(os.environ.get("CARESIM_SPEED_FILE") or (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "caresim" / "speed.json"))
# Runs shorter than this, or with less work than this per worker (about a second at the
# reference speed), say more about start-up than about the speed of the model.
MIN_SECONDS_TO_MEASURE = 2.0
MIN_WORK_TO_MEASURE = 25_000.0


@st.cache_resource(show_spinner=False)
def _store() -> dict:
    return {"runs": OrderedDict(), "lock": threading.Lock(), "speed": None}


def _held(key: tuple[str, int]) -> dict[str, dict[int, object]]:
    store = _store()
    with store["lock"]:
        runs = store["runs"]
        if key not in runs:
            runs[key] = {}
            while len(runs) > KEEP_CONFIGS:
                runs.popitem(last=False)
        runs.move_to_end(key)
        return runs[key]


def person_years(params: sim.Params) -> float:
    """People simulated (after growth) times the years simulated, warm-up included."""
    return params.population.projected_size * (params.run.days + params.run.warmup_days) / 365


# --------------------------------------------------------------------------------------------
# Speed of this machine
# --------------------------------------------------------------------------------------------
def _samples() -> list[float]:
    store = _store()
    if store["speed"] is None:
        store["speed"] = speed_lib.read_samples(SPEED_FILE)
    return store["speed"]


def speed() -> speed_lib.Speed:
    """Person-years one worker simulates per second here: learnt from the last few runs
    (median, outliers dropped, held near the built-in reference), or the reference."""
    return speed_lib.learnt_speed(_samples())


def _record_speed(work: float, seconds: float, parallel: int) -> None:
    if seconds < MIN_SECONDS_TO_MEASURE or work / max(1, parallel) < MIN_WORK_TO_MEASURE:
        return
    samples = [*_samples(), speed_lib.measure(work, seconds, parallel)][-speed_lib.KEEP:]
    _store()["speed"] = samples
    speed_lib.write_samples(SPEED_FILE, samples)


@dataclass(frozen=True)
class Estimate:
    first_s: float | None
    total_s: float | None
    runs_left: int
    runs_total: int
    low_s: float | None = None
    high_s: float | None = None
    learnt: bool = True


def estimate(config_json: str, seed: int, replications: int) -> Estimate:
    scenarios = _parse(config_json)
    held = _held((config_json, seed))
    left = [(n, r) for r in range(replications) for n in scenarios
            if r not in held.get(n, {})]
    if not left:
        return Estimate(None, 0.0, 0, replications * len(scenarios))
    return plan(scenarios, left, speed(), common.WORKERS, replications * len(scenarios))


def plan(scenarios: dict[str, sim.Params], left: list[tuple[str, int]], rate: speed_lib.Speed,
         workers: int, runs_total: int) -> Estimate:
    """The time the replications ``left`` take at ``rate`` on ``workers`` processes."""
    work = sum(person_years(scenarios[n]) for n, _ in left)
    total = speed_lib.time_range(work, rate, min(workers, len(left)))
    first_round = [n for n, r in left if r == left[0][1]]
    rounds = math.ceil(len(first_round) / workers)
    first = max(person_years(scenarios[n]) for n in first_round) / rate.central * rounds
    return Estimate(first, max(total.about, first), len(left), runs_total,
                    max(total.low, first * rate.central / rate.fast),
                    max(total.high, first * rate.central / rate.slow), rate.learnt > 0)


def describe_estimate(est: Estimate) -> str:
    if est.runs_left == 0:
        return "Already run with these settings: the results appear at once."
    if est.total_s is None:
        return f"{est.runs_left} simulation runs."
    where = "on this machine" if est.learnt else "(a first guess until a run is measured here)"
    span = ""
    if est.low_s is not None and est.high_s is not None:
        low, high = fmt_duration(est.low_s), fmt_duration(est.high_s)
        if low != high:
            span = f" ({low} to {high})"
    return (f"{est.runs_left} simulation runs: about {fmt_duration(est.total_s)}{span} "
            f"{where}, first estimates after about {fmt_duration(est.first_s)}.")


def fmt_duration(seconds: float | None) -> str:
    if seconds is None or math.isnan(seconds):
        return "an unknown time"
    if seconds < 1:
        return "under a second"
    if seconds < 90:
        return f"{seconds:,.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes < 60 else f"{seconds / 3600:,.1f} hours"


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------
def _parse(config_json: str) -> dict[str, sim.Params]:
    return {name: sim.Params.model_validate(data)
            for name, data in json.loads(config_json).items()}


class _Arrivals:
    """``iter_replications`` run by a thread of its own, so the workers are handed their next
    replication the moment they finish one, even while the page is drawing the cards of the
    last (otherwise every redraw would leave a worker idle for as long as it takes)."""

    _END = object()

    def __init__(self, scenarios: dict[str, sim.Params], replications: int, seed: int,
                 skip: set[tuple[str, int]]):
        self._queue: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._produce, args=(scenarios, replications, seed, skip), daemon=True,
            name="caresim-replications")
        self._thread.start()

    def _produce(self, scenarios, replications, seed, skip) -> None:
        try:
            stream = iter_replications(scenarios, replications, seed, workers=common.WORKERS,
                                       skip=skip)
            try:
                for item in stream:
                    self._queue.put(item)
                    if self._stop.is_set():
                        break
            finally:
                stream.close()
        except BaseException as exc:  # handed to the page, which raises it
            self._queue.put(exc)
        finally:
            self._queue.put(self._END)

    def __iter__(self):
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> list[tuple[str, object]]:
        """Stop at the next replication that comes back; return those already back and not
        yet read."""
        self._stop.set()
        left = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return left
            if isinstance(item, tuple):
                left.append(item)


@dataclass
class Outcome:
    comparison: sim.Comparison
    first_s: float | None
    total_s: float
    simulated: int  # replications simulated by this run (the rest were already held)


def stream(config_json: str, seed: int, replications: int, baseline: str,
           on_update: Callable[[sim.Comparison, int, int, float], None] | None = None
           ) -> Outcome:
    """Run what is missing of the comparison, calling ``on_update(comparison so far,
    replications paired so far, replications wanted, seconds)`` each time another replication
    of every scenario has finished. Raises sim.ReplicationError if a replication fails."""
    scenarios = _parse(config_json)
    held = _held((config_json, seed))
    for name in scenarios:
        held.setdefault(name, {})
    skip = {(n, r) for n in scenarios for r in held[n] if r < replications}
    t0 = time.perf_counter()
    first = None
    simulated = 0
    work = 0.0

    def finished_rounds() -> int:
        return len(set.intersection(*[{r for r in held[n] if r < replications}
                                      for n in scenarios]))

    def current() -> sim.Comparison:
        outputs = {n: [held[n][r] for r in sorted(held[n]) if r < replications]
                   for n in scenarios}
        return comparison_from_outputs(scenarios, seed, outputs, baseline,
                                       time.perf_counter() - t0)

    if len(skip) < len(scenarios) * replications:
        common._wait_for_warm_up()
        shown = finished_rounds()
        arrivals = _Arrivals(scenarios, replications, seed, skip)
        try:
            for name, output in arrivals:
                if isinstance(output, Failure):
                    cmp = current()
                    err = sim.ReplicationError(
                        f"{output.error}", scenario=output.scenario,
                        replication=output.replication, seed=output.seed)
                    err.partial = cmp  # type: ignore[attr-defined]
                    raise err
                held[name][output.replication] = output
                simulated += 1
                work += person_years(scenarios[name])
                now = finished_rounds()
                if now > shown:
                    shown = now
                    if first is None:
                        first = time.perf_counter() - t0
                    if on_update is not None and now < replications:
                        on_update(current(), now, replications, time.perf_counter() - t0)
        finally:
            # Stopped early (an error, the page left): keep what has already come back, so
            # the next run does not simulate it again.
            for name, output in arrivals.close():
                if not isinstance(output, Failure):
                    held[name].setdefault(output.replication, output)
        total = time.perf_counter() - t0
        _record_speed(work, total, min(common.WORKERS, simulated))
    else:
        total = time.perf_counter() - t0
    return Outcome(current(), first, total, simulated)
