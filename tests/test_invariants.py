"""Every run checks its own accounting; these tests show the checks pass and can fail."""

from __future__ import annotations

import math

import pytest

import sim
from sim.engine import Model, run_replication
from sim.errors import InvariantError
from sim.recorder import DELAY_REASONS, Tracker
from sim.rng import Streams, replication_seed


def _model(cfg, seed=1):
    m = Model(cfg, Streams(replication_seed(seed, 0)))
    m.run()
    return m


def test_people_are_conserved(small_fragmented):
    m = _model(small_fragmented)
    m.check_invariants()
    alive = sum(1 for q in m.people if q.location != 5)
    assert alive == m.initial_people + m.entrants - m.deaths
    assert m.deaths > 0 and m.entrants > 0


def test_delays_by_reason_add_up_to_delayed_days(small_run):
    by_rep = small_run.delays_by_reason.groupby("replication")["delayed_days"].sum()
    kpi = small_run.kpis.set_index("replication")["delayed_discharge_days"]
    for rep, total in by_rep.items():
        assert total == pytest.approx(kpi[rep], rel=1e-9)
    assert set(small_run.delays_by_reason["reason"]) == set(DELAY_REASONS)


def test_metric_names_are_the_contract(small_run):
    for name in sim.METRICS:
        assert name in small_run.kpis.columns
    s = small_run.summary()
    assert list(s.columns) == ["mean", "std", "ci_low", "ci_high", "n"]


def test_kpis_are_sane(small_run):
    k = small_run.kpis
    assert (k["acute_occupancy"].between(0, 1)).all()
    assert (k["readmissions_30d"] <= k["emergency_admissions"]).all()
    assert (k["delayed_discharge_days"] <= k["acute_bed_days"]).all()
    assert (k["days_at_home"].between(0, 365)).all()
    total = k["cost_nhs"] + k["cost_local_authority"] + k["cost_pooled"]
    assert (abs(total - k["cost_total"]) < 1e-6 * k["cost_total"]).all()


def test_bed_occupancy_never_exceeds_capacity(small_fragmented):
    cfg = small_fragmented.model_copy(deep=True)
    cfg.acute.beds = 12  # far too few: the ward is full all the time
    m = _model(cfg)
    m.check_invariants()
    assert m.hospital.beds.tracker.peak == 12
    assert len(m.hospital.beds.waiting) > 0


def test_tracker_refuses_to_exceed_capacity():
    t = Tracker("beds", 0.0, 10.0, capacity=2)
    t.add(1.0, 2)
    with pytest.raises(InvariantError, match="outside"):
        t.add(2.0, 1)
    with pytest.raises(InvariantError):
        Tracker("x", 0, 1).add(0.5, -1)


def test_tracker_integral_is_clipped_to_the_window():
    t = Tracker("level", start=10.0, end=20.0)
    t.add(5.0, 3)     # 3 from day 5 ...
    t.add(15.0, -1)   # ... 2 from day 15 ...
    t.close(30.0)     # ... to day 30; only 10-20 counts
    assert t.area == pytest.approx(3 * 5 + 2 * 5)


def test_broken_delay_bookkeeping_is_an_error(small_fragmented):
    m = _model(small_fragmented)
    m.rec.delay_days["care home"] += 5.0
    with pytest.raises(InvariantError, match="delayed days"):
        m.check_invariants()


def test_broken_conservation_is_an_error(small_fragmented):
    m = _model(small_fragmented)
    m.deaths += 1
    with pytest.raises(InvariantError, match="conserved"):
        m.check_invariants()


def test_little_law_holds_and_detects_a_wrong_length_of_stay(small_fragmented):
    m = _model(small_fragmented)
    little = m.check_invariants()
    # Steady-state form: within the edge effect of stays in progress at the window start.
    assert little["little_rel_error"] < 0.25
    m.rec.acute_stay_days_in_window *= 1.01  # stays recorded 1% longer than beds were used
    with pytest.raises(InvariantError, match="Little"):
        m.check_invariants()


def test_results_period_only(small_fragmented):
    out = run_replication(small_fragmented, 3, 0)
    days = [row["day"] for row in out.daily]
    assert days[0] == 0 and days[-1] == small_fragmented.run.days - 1
    assert not math.isnan(out.kpis["mean_delayed_patients"])


@pytest.mark.parametrize("seed", range(4))
def test_run_end_never_splits_a_bed_grant_from_the_move_in(seed):
    """Transfers happen at whole days, as does the end of the run: the run must stop before
    any bed granted at that instant, or the acute census and the bed pool disagree."""
    cfg = sim.load_scenario("fragmented", ["population.size=3000", "run.days=90"])
    run_replication(cfg, seed, 1)  # raises InvariantError if the books disagree
