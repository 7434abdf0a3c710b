"""The app's streamed runs (app_pages/runs.py): cards after every round, the workers kept busy
while a round is drawn, the same numbers as sim.compare, and nothing simulated twice."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("streamlit")

import sim  # noqa: E402
from app_pages import common, runs  # noqa: E402

OVER = ["population.size=2000", "run.days=60", "run.warmup_days=20"]


def _config(seed_offset: int = 0) -> str:
    # The warm-up length keys the store, so each test gets configurations of its own.
    over = [*OVER[:2], f"run.warmup_days={20 + seed_offset}"]
    return common.scenarios_json({n: sim.load_scenario(n, over)
                                  for n in ("fragmented", "integrated")})


def test_every_round_is_shown_before_the_end_and_equals_compare():
    config = _config(0)
    seen = []
    outcome = runs.stream(config, 7, 3, "fragmented",
                          on_update=lambda cmp, done, total, s: seen.append(
                              (done, total, {n: r.replications for n, r in cmp.results.items()})))
    # Rounds 1 and 2 are drawn while the run goes on; the last is the final result.
    assert [d for d, _, _ in seen] == [1, 2]
    assert all(t == 3 for _, t, _ in seen)
    assert seen[0][2] == {"fragmented": 1, "integrated": 1}
    assert outcome.simulated == 6 and outcome.first_s is not None
    assert outcome.first_s <= outcome.total_s
    whole = sim.compare(runs._parse(config), replications=3, seed=7)
    for name in whole.results:
        a = whole.results[name].kpis.sort_values("replication").reset_index(drop=True)
        b = outcome.comparison.results[name].kpis.sort_values("replication").reset_index(
            drop=True)
        assert a.equals(b), name
    # Run again, and with more replications: only what is missing is simulated.
    assert runs.stream(config, 7, 3, "fragmented").simulated == 0
    assert runs.stream(config, 7, 4, "fragmented").simulated == 2


def test_workers_get_their_next_replication_while_a_round_is_drawn(monkeypatch):
    """A slow redraw of the cards must not hold the remaining replications back: they keep
    arriving while the first round is still being drawn."""
    made = []

    class Watched(runs._Arrivals):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(runs, "_Arrivals", Watched)
    waited = {}

    def slow_redraw(cmp, done, total, seconds):
        if done == 1:
            # Every other replication comes back meanwhile: the run ends during the redraw.
            deadline = time.monotonic() + 60
            while made[0]._thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.05)
            waited["finished"] = not made[0]._thread.is_alive()

    outcome = runs.stream(_config(1), 7, 3, "fragmented", on_update=slow_redraw)
    assert waited["finished"]
    assert outcome.simulated == 6
    assert all(r.replications == 3 for r in outcome.comparison.results.values())


def test_a_failed_replication_keeps_the_ones_already_back(monkeypatch):
    config = _config(2)
    key = (config, 7)

    def redraw_then_fail(cmp, done, total, seconds):
        raise RuntimeError("the page went away")

    with pytest.raises(RuntimeError, match="went away"):
        runs.stream(config, 7, 3, "fragmented", on_update=redraw_then_fail)
    held = runs._held(key)
    assert {r for r in held["fragmented"]} >= {0} and {r for r in held["integrated"]} >= {0}
    before = sum(len(v) for v in held.values())
    again = runs.stream(config, 7, 3, "fragmented")
    assert again.simulated == 6 - before
