"""Golden back-test: a small fixed comparison must reproduce its stored KPIs exactly.

The reference is ``tests/golden/fragmented_vs_integrated.json`` (fragmented and integrated,
3,000 people, 60 days of warm-up and 120 of results, 2 replications, a fixed seed; the
specification lives in ``experiments/golden.py``). Any change to mechanisms, parameters or
random-number use moves these numbers; that is the point. When the model changes on purpose,
regenerate the file in the same commit and give the reason in the message:

    PYTHONPATH=$PWD python -m experiments.golden --regenerate
"""

from __future__ import annotations

import json
import math

from experiments import golden


def test_stored_comparison_is_reproduced_exactly():
    fresh, series = golden.compute_all()
    diff = golden.differences(golden.load(), fresh)
    # The daily series, delays by reason and costs too: a faster model must give the same
    # days, not only the same totals.
    diff += golden.series_differences(golden.load_series(), series)
    assert not diff, "the model no longer reproduces the golden numbers:\n" + "\n".join(
        diff[:20]) + "\n(regenerate deliberately: python -m experiments.golden --regenerate)"


def test_series_differences_catch_a_value_moved_to_another_day():
    stored = golden.load_series()
    assert all(len(reps) == golden.REPLICATIONS for reps in stored["scenarios"].values())
    row = stored["scenarios"]["fragmented"][0]
    assert row["daily acute_occupied"] > 0 and row["delay care home"] >= 0
    moved = json.loads(json.dumps(stored))
    # The same total, one day later: only the day-weighted total moves.
    moved["scenarios"]["fragmented"][0]["daily acute_occupied by day"] += 1.0
    del moved["scenarios"]["integrated"][1]["daily delayed_patients"]
    diff = golden.series_differences(stored, moved)
    assert len(diff) == 2
    assert any("acute_occupied by day" in d for d in diff)
    # A total a newer version adds (a new daily column) is not a difference.
    older = json.loads(json.dumps(stored))
    del older["scenarios"]["integrated"][1]["daily delayed_patients"]
    assert golden.series_differences(older, stored) == []


def test_the_golden_file_is_a_real_comparison():
    """The stored numbers exercise the model: admissions, delays and a difference between
    the two scenarios, so the back-test cannot pass on an empty or degenerate run."""
    stored = golden.load()
    assert stored["seed"] == golden.SEED and stored["overrides"] == list(golden.OVERRIDES)
    frag, integ = (stored["scenarios"][n]["kpis"] for n in golden.SCENARIOS)
    assert len(frag) == len(integ) == golden.REPLICATIONS
    for row in frag + integ:
        assert row["emergency_admissions"] > 50 and row["cost_total"] > 0
    assert any(f["delayed_discharge_days"] != i["delayed_discharge_days"]
               for f, i in zip(frag, integ))
    # Exact floats survive the JSON round trip (repr is shortest round-trip).
    value = frag[0]["cost_total"]
    assert json.loads(json.dumps(value)) == value and math.isfinite(value)


def test_differences_names_what_moved():
    stored = golden.load()
    moved = json.loads(json.dumps(stored))
    moved["scenarios"]["integrated"]["kpis"][1]["deaths"] += 1.0
    moved["scenarios"]["fragmented"]["events"] += 1
    diff = golden.differences(stored, moved)
    assert len(diff) == 2
    assert any("integrated replication 1 deaths" in d for d in diff)
    assert any("fragmented events" in d for d in diff)
    tiny = json.loads(json.dumps(stored))
    tiny["scenarios"]["fragmented"]["kpis"][0]["cost_total"] *= 1 + 1e-14
    assert golden.differences(stored, tiny) == []
