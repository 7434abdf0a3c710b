"""The system at its edges: saturation with a warning, empty services, small places.

Zero growth for ten years holds the population, its mix and bed use flat:
tests/test_front_door.py::test_zero_growth_holds_size_age_and_frailty_mix_for_ten_years.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.engine import run_replication
from sim.stats import t_interval

# 10,000 people with 85 beds: a small place needs more beds per head than a large one to
# keep its front door open (the 20,000-person test system runs on 130; 65 here tips).
SYSTEM = ["population.size=10000", "acute.beds=85", "run.days=365"]


def _one(overrides, replication=0):
    return run_replication(sim.load_scenario("fragmented", [*SYSTEM, *overrides]), 2026,
                           replication)


@pytest.fixture(scope="module")
def baseline():
    return _one([])


def _sane(out, p):
    """Nothing absurd: counts and costs non-negative, occupancy a share, no runaway queue."""
    k = out.kpis
    for name in ("emergency_admissions", "deaths", "cost_total", "delayed_discharge_days",
                 "acute_bed_days", "care_home_admissions"):
        assert k[name] >= 0 and math.isfinite(k[name]), name
    if not math.isnan(k["acute_occupancy"]):
        # Beds closed while occupied stay in service until their patient leaves.
        assert 0 <= k["acute_occupancy"] <= 1.0
    assert k["partial"] == 0  # never cut short by the memory cap
    assert 0.9 < k["population_mean"] / p.population.size < 1.1


def test_doubling_demand_saturates_with_the_gridlock_warning(baseline):
    p = sim.load_scenario("fragmented", SYSTEM)
    doubled = _one([f"community.crisis_rate_per_year={2 * p.community.crisis_rate_per_year}"])
    k, b = doubled.kpis, baseline.kpis
    _sane(doubled, p)
    # The warning: the run is judged unstable and names the day it tipped.
    assert k["unstable"] == 1
    assert 0 <= k["unstable_day"] < p.run.days
    assert b["unstable"] == 0  # the warning is the doubling's, not the baseline's
    # Saturation, not a runaway: the beds fill but hold no more than their number,
    # admissions at most follow the doubled door (never more than double and a margin),
    # and the people waiting stay far below the memory cap.
    assert k["acute_occupancy"] > b["acute_occupancy"]
    assert k["acute_bed_days"] >= 0.95 * b["acute_bed_days"]
    assert b["emergency_admissions"] < k["emergency_admissions"] \
        < 2.3 * b["emergency_admissions"]
    boarding = np.array([r["boarding"] for r in doubled.daily])
    assert boarding.max() < p.run.max_boarding_queue / 10
    assert boarding.max() < 0.5 * p.population.size


# Each service emptied: its own delay reason rises; the front door and the population do not
# move by more than noise and the knock-on queue allows.
@pytest.mark.parametrize("capacity, reason", [
    ("social_work.staff", "awaiting assessment"),
    ("reablement.slots", "reablement / home care"),
    ("intermediate_care.beds", "intermediate care"),
    ("home_care.hours_per_week", "reablement / home care"),
    ("care_home.beds", "care home"),
])
def test_zero_capacity_raises_its_own_delays_and_nothing_absurd(capacity, reason, baseline):
    p = sim.load_scenario("fragmented", [*SYSTEM, f"{capacity}=0"])
    out = _one([f"{capacity}=0"])
    _sane(out, p)
    assert out.delays_by_reason[reason] > 1.5 * baseline.delays_by_reason[reason] + 1
    k, b = out.kpis, baseline.kpis
    # The decision to admit is taken at the door, whatever is full behind it, so admissions
    # never rise; they fall by up to about a quarter, because people held in hospital for
    # the empty service (or, with no care-home beds, the residents who are no longer there)
    # cannot come in again. Never a collapse of the front door.
    ratio = k["emergency_admissions"] / b["emergency_admissions"]
    assert 0.65 < ratio < 1.05, ratio
    # Deaths outside hospital do not move: an empty service makes people wait in hospital.
    outside = k["deaths"] - k["deaths_hospital"]
    assert outside < 1.3 * (b["deaths"] - b["deaths_hospital"]) + 10
    # When the hospital fills behind an empty service, people die waiting in A&E; that
    # happens only in a run flagged as gridlocked, whose numbers after the day it names
    # describe a system that would not be left to run (docs/model.md).
    if k["deaths"] > 1.3 * b["deaths"]:
        assert k["unstable"] == 1 and k["deaths_waiting_ae"] > 5 * b["deaths_waiting_ae"]


def test_zero_acute_beds_nobody_reaches_a_bed_and_the_run_is_flagged():
    p = sim.load_scenario("fragmented", [*SYSTEM, "acute.beds=0", "escalation.beds=0"])
    out = _one(["acute.beds=0", "escalation.beds=0"])
    k = out.kpis
    assert k["acute_arrivals"] == 0 and k["acute_bed_days"] == 0
    assert k["unstable"] == 1 and k["partial"] == 0
    assert k["emergency_admissions"] > 0  # decided at the door, still counted
    assert 0.9 < k["population_mean"] / p.population.size < 1.1


def _rates(size: int, beds: int, replications: int) -> dict:
    cfg = sim.load_scenario("fragmented", [f"population.size={size}", f"acute.beds={beds}",
                                           "run.days=365", "run.warmup_days=60"])
    res = sim.run(cfg, replications=replications, seed=5)
    decided = res.kpis["emergency_admissions"] + res.kpis["admissions_forgone_full"]
    per_1000 = 1000 * decided / res.kpis["population_mean"]
    return t_interval(per_1000.tolist())


def test_small_and_large_places_admit_at_the_same_rate_per_1000():
    # Beds in proportion to people (130 per 20,000). Admissions are decided at the door, so
    # the rate per 1,000 does not depend on the size of the place; what a small place pays
    # for its small pools is waiting (delays and boarding), not a different admission rate.
    # A full hospital admits fewer at the margin (acute.pressure_odds_ratio_*), and a small
    # pool is full more often, so the decisions counted here include the people it sent home.
    small = _rates(2_000, 13, 4)
    large = _rates(20_000, 130, 2)
    gap = abs(small["mean"] - large["mean"])
    half = (small["ci_high"] - small["mean"]) + (large["ci_high"] - large["mean"])
    assert gap <= half, (small, large)
    assert gap / large["mean"] < 0.10, (small, large)


def test_the_extremes_report_names_a_drift_a_runaway_and_disagreeing_sizes():
    """experiments.extremes writes the committed example; its verdicts must be able to fail."""
    import pandas as pd

    from experiments.extremes import STOCKS, verdicts

    years = pd.Index(range(1, 11), name="year")
    flat = pd.DataFrame(1.0, index=years, columns=list(STOCKS.values()))
    drifting = flat.copy()
    drifting.loc[8:, "care-home residents"] = 1.10
    dd = pd.DataFrame({"occupancy": [0.9, 1.0], "admissions": [1, 2], "flagged": [0, 4],
                       "replications": [4, 4], "first_flag_day": [None, 40],
                       "max_waiting_in_ae": [3, 60], "people": [10_000, 10_000]},
                      index=pd.Index(["today", "doubled"], name="scenario"))
    em = pd.DataFrame({"reason": ["care home"], "baseline_days": [100.0],
                       "emptied_days": [900.0], "admissions_ratio": [0.9], "flagged": [0],
                       "replications": [4]}, index=pd.Index(["care_home.beds"], name="emptied"))
    sz = pd.DataFrame({"decided_per_1000": [240.0, 242.0], "decided_low": [230.0, 238.0],
                       "decided_high": [250.0, 246.0]}, index=pd.Index([2_000, 200_000]))
    good = verdicts(flat, dd, em, sz)
    assert good["zero_growth"].startswith("holds")
    assert good["doubled_demand"].startswith("saturates")
    assert good["emptied_services"].startswith("each raises")
    assert good["sizes"].startswith("admission rates agree")
    assert verdicts(drifting, dd, em, sz)["zero_growth"].startswith("drifts")
    runaway = dd.copy()
    runaway.loc["doubled", "max_waiting_in_ae"] = 6_000
    assert verdicts(flat, runaway, em, sz)["doubled_demand"].startswith("does not behave")
    apart = sz.copy()
    apart.loc[200_000, ["decided_low", "decided_high"]] = [260.0, 270.0]
    assert verdicts(flat, dd, em, apart)["sizes"].startswith("admission rates differ")
