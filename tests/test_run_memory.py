"""A run pauses the cyclic garbage collector (sim.engine.Model.run): the collector must be back
afterwards, and a process that runs model after model (a worker) must not keep the old ones."""

from __future__ import annotations

import gc
import weakref

import sim
from sim.engine import Model, run_replication
from sim.rng import Streams, replication_seed

OVER = ["population.size=1500", "run.days=30", "run.warmup_days=10"]


def _model() -> Model:
    return Model(sim.load_scenario("fragmented", OVER), Streams(replication_seed(3, 0)))


def test_the_collector_is_back_after_a_run_and_after_a_failed_one():
    assert gc.isenabled()
    _model().run()
    assert gc.isenabled()
    broken = _model()
    broken._simulate = lambda: (_ for _ in ()).throw(RuntimeError("stopped"))
    try:
        broken.run()
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_a_finished_model_is_freed_when_the_next_one_runs():
    first = _model()
    first.run()
    gone = weakref.ref(first)
    del first
    # Its parts refer to one another: nothing frees it until the next run starts.
    _model().run()
    assert gone() is None


def test_replications_in_one_process_give_the_same_output_as_alone():
    p = sim.load_scenario("fragmented", OVER)
    alone = run_replication(p, 5, 1)
    run_replication(p, 5, 0)
    again = run_replication(p, 5, 1)
    assert again.kpis == alone.kpis and again.daily == alone.daily
    assert again.delays_by_reason == alone.delays_by_reason


def test_a_disposed_model_leaves_the_collector_almost_nothing():
    """dispose() breaks the model's cycles so reference counting frees the people and their
    pending events at once: the cyclic collector, which would otherwise sift through all of
    them before a worker's next replication, finds only a small remainder."""
    def garbage_after(dispose: bool) -> int:
        gc.collect()
        model = _model()
        model.run()
        people = len(model.people)
        if dispose:
            model.dispose()
        del model
        return gc.collect(), people

    kept, people = garbage_after(dispose=False)
    left, _ = garbage_after(dispose=True)
    assert kept > people  # every person at least, without dispose
    assert left < 0.1 * people


def test_dispose_closes_waiting_processes_while_the_model_is_whole():
    """A process still waiting when the run ends gives its places back in a ``finally``
    block; closing it after the model were taken apart would raise inside that block."""
    model = _model()
    model.run()
    waiting = [p for p in model.env.processes if p.is_alive]
    assert waiting  # people are mid-stay when a 30-day run stops
    unraisable = []
    import sys
    old_hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        model.dispose()
        del model
        gc.collect()
    finally:
        sys.unraisablehook = old_hook
    assert unraisable == []
    assert all(p._generator.gi_frame is None for p in waiting)  # closed, not left waiting
