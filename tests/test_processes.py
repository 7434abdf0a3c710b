"""sim.processes.ImmediateProcess: the same event order as env.process where the model uses
it (started as the last act of an event callback), and the behaviour of a SimPy process."""

from __future__ import annotations

import pytest
import simpy

from sim.engine import CountingEnvironment
from sim.processes import ImmediateProcess


def _trace(start_at_once: bool) -> list[tuple[float, str]]:
    """Callbacks at clashing times start processes that take resources, wait and log; the
    log is the order in which things happened."""
    env = CountingEnvironment()
    beds = simpy.Resource(env, capacity=1)
    log: list[tuple[float, str]] = []

    def episode(name: str, stay: float):
        log.append((env.now, f"{name} arrives"))
        with beds.request() as req:
            yield req
            log.append((env.now, f"{name} admitted"))
            yield env.timeout(stay)
        log.append((env.now, f"{name} leaves"))

    def crisis(name: str, stay: float):
        def callback(_event):
            log.append((env.now, f"{name} crisis"))
            if start_at_once:
                ImmediateProcess(env, episode(name, stay))
            else:
                env.process(episode(name, stay))
        return callback

    def other(name: str):
        log.append((env.now, f"{name} starts"))
        yield env.timeout(1.0)
        log.append((env.now, f"{name} ends"))

    for i, (when, stay) in enumerate([(1.0, 2.0), (1.0, 0.5), (2.0, 1.0), (3.0, 1.0)]):
        timer = env.timeout(when)
        timer.callbacks.append(crisis(f"p{i}", stay))
        env.process(other(f"o{i}"))
    env.run(until=10)
    return log


def test_started_at_once_gives_the_order_env_process_gives():
    assert _trace(start_at_once=True) == _trace(start_at_once=False)


def test_an_immediate_process_returns_its_value_to_a_process_waiting_for_it():
    env = simpy.Environment()
    got = []

    def child():
        yield env.timeout(2)
        return "done"

    def parent(proc):
        got.append((yield proc))

    def start(_event):
        proc = ImmediateProcess(env, child())
        env.process(parent(proc))

    env.timeout(1).callbacks.append(start)
    env.run()
    assert got == ["done"]


def test_an_immediate_process_that_ended_with_nobody_waiting_is_processed():
    env = simpy.Environment()
    procs = []

    def child():
        yield env.timeout(1)
        return 7

    env.timeout(0).callbacks.append(lambda _e: procs.append(ImmediateProcess(env, child())))
    env.run()
    proc = procs[0]
    assert not proc.is_alive and proc.processed and proc.value == 7

    late = []

    def waiter():
        late.append((yield proc))

    env.process(waiter())
    env.run()
    assert late == [7]


def test_a_failure_inside_an_immediate_process_reaches_the_run():
    env = simpy.Environment()

    def broken():
        yield env.timeout(1)
        raise ValueError("no bed")

    env.timeout(0).callbacks.append(lambda _e: ImmediateProcess(env, broken()))
    with pytest.raises(ValueError, match="no bed"):
        env.run()
