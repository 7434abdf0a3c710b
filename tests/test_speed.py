"""The run-time estimate shown before Run: learnt from past runs, robust to a run measured on
a loaded machine, and stated as "about" with a range."""

from __future__ import annotations

import json
import re

import pytest

import sim
from app_pages import speed as S

REF = S.REFERENCE_SPEED
# One replication of 10,000 people for a year after a 120-day warm-up: 13,288 person-years,
# about half a second at the reference speed.
PARAMS = sim.load_scenario("fragmented", ["population.size=10000", "run.days=365"])


def test_nothing_learnt_uses_the_reference_with_a_wide_range(tmp_path):
    speed = S.learnt_speed(S.read_samples(tmp_path / "missing.json"))
    assert speed.central == REF and speed.learnt == 0
    assert speed.fast == pytest.approx(REF * S.UNLEARNT_SPREAD)
    assert speed.slow == pytest.approx(REF / S.UNLEARNT_SPREAD)


def test_one_poisoned_measurement_among_normal_ones_is_ignored():
    normal = [24_000, 27_000, 25_500, 26_000]
    # The run that took 24 times longer under heavy load is implausible; one 8 times
    # slower is plausible on its own but an outlier beside the others.
    for poisoned in (REF / 24, REF / 8):
        speed = S.learnt_speed([*normal, poisoned])
        assert speed.central == pytest.approx(25_750)  # median of the normal runs
        assert speed.learnt == 4  # the poisoned one is not part of the range either
        assert speed.slow == pytest.approx(min(24_000, 25_750 / S.MIN_SPREAD))


def test_a_cache_that_learnt_only_under_heavy_load_is_held_near_the_reference(tmp_path):
    # The file an older version wrote after its smoothed figure was dragged down 24 times.
    path = tmp_path / "speed.json"
    path.write_text(json.dumps({"person_years_per_second": REF / 24,
                                "measured": "2026-11-20 10:00"}))
    speed = S.learnt_speed(S.read_samples(path))
    assert S.read_samples(path) == [REF / 24]
    # 24 times slower than the reference is implausible: the reference is used instead.
    assert speed.central == REF and speed.learnt == 0
    # Runs that were all slow, but plausibly so, are clamped to the plausible band.
    slow = S.learnt_speed([REF / 10] * 5)
    assert slow.central == pytest.approx(REF / S.PLAUSIBLE_FACTOR)
    fast = S.learnt_speed([REF * 10] * 5)
    assert fast.central == pytest.approx(REF * S.PLAUSIBLE_FACTOR)


def test_estimate_from_a_poisoned_cache_is_minutes_not_tens_of_minutes():
    from app_pages import runs

    # Two scenarios x 10 replications of a 13,288 person-year run on 2 workers: about 5 s.
    scenarios = {"fragmented": PARAMS, "integrated": PARAMS}
    left = [(n, r) for r in range(10) for n in scenarios]
    work = 20 * 13_288 / 2
    honest = runs.plan(scenarios, left, S.learnt_speed([26_000] * 3), 2, 20)
    assert honest.total_s == pytest.approx(work / 26_000, rel=0.01)
    # The old smoothed figure after one run under heavy load estimated 24 times that.
    poisoned = runs.plan(scenarios, left, S.learnt_speed([REF / 24]), 2, 20)
    assert poisoned.total_s <= 1.05 * work / REF
    mixed = runs.plan(scenarios, left, S.learnt_speed([26_000, 25_000, REF / 24]), 2, 20)
    assert mixed.total_s == pytest.approx(work / 25_500, rel=0.01)
    for est in (honest, poisoned, mixed):
        assert est.low_s < est.total_s < est.high_s
        assert est.high_s <= 4 * est.total_s  # a range, not a shrug


def test_recorded_speeds_keep_the_last_few_and_survive_a_bad_file(tmp_path):
    path = tmp_path / "caresim" / "speed.json"
    samples = [float(20_000 + i) for i in range(15)]
    S.write_samples(path, samples)
    data = json.loads(path.read_text())
    assert data["runs"] == samples[-S.KEEP:]
    # An older app reads the single figure: it is the robust one, not the last run.
    assert data["person_years_per_second"] == S.learnt_speed(samples[-S.KEEP:]).central
    assert S.read_samples(path) == samples[-S.KEEP:]
    for bad in ("{not json", "[]", '{"runs": ["x", true, null, 30000]}',
                '{"person_years_per_second": "fast"}'):
        path.write_text(bad)
        assert S.read_samples(path) in ([], [30_000.0])
    assert S.measure(13_288, 2.0, 2) == pytest.approx(13_288 / 4)


def test_the_estimate_is_said_as_about_with_a_range():
    from app_pages import runs

    est = runs.plan({"fragmented": PARAMS}, [("fragmented", r) for r in range(40)],
                    S.learnt_speed([26_000] * 3), 2, 40)
    text = runs.describe_estimate(est)
    assert re.search(r"40 simulation runs: about \d+ s \(\d+ s to \d+ s\) on this machine", text)
    first = runs.describe_estimate(runs.plan({"fragmented": PARAMS}, [("fragmented", 0)],
                                              S.learnt_speed([]), 2, 1))
    assert "first guess until a run is measured here" in first and "about" in first


def test_small_runs_teach_nothing_and_a_real_run_is_kept(tmp_path, monkeypatch):
    from app_pages import runs

    monkeypatch.setattr(runs, "SPEED_FILE", tmp_path / "speed.json")
    monkeypatch.setitem(runs._store(), "speed", None)
    runs._record_speed(2_000, 6.0, 2)  # a tiny run is mostly start-up time
    runs._record_speed(200_000, 1.5, 2)  # too short to time
    assert not (tmp_path / "speed.json").exists() and runs.speed().learnt == 0
    runs._record_speed(200_000, 4.0, 2)
    assert S.read_samples(tmp_path / "speed.json") == [25_000.0]
    assert runs.speed().central == 25_000.0 and runs.speed().learnt == 1
