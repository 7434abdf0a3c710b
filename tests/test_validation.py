"""The default (fragmented) model reproduces today's England within the stated tolerances.

Targets, published values, tolerance bands and why each band is that wide are data, in
evidence/calibration_targets.csv. The checks here use the mean over replications, as the
validation report does; a fixed seed makes them deterministic.
"""

from __future__ import annotations

import pytest

import sim
from sim.validation import load_targets, model_quantities, validation_table

KEY_TARGETS = [
    "admissions_per_1000", "los_mean", "long_stay_bed_day_share", "readmission_share",
    "supported_discharge_share", "p3_new_share", "nctr_per_100k", "nctr_mean_wait",
    "delay_share_home_support", "delay_share_care_home", "delay_share_assessment",
    "ascof_2b", "ascof_2d", "care_home_admissions_per_100k", "deaths_per_1000",
    "in_hospital_death_share",
]


@pytest.fixture(scope="module")
def table():
    res = sim.run("fragmented", replications=6, seed=2026, workers=2)
    return validation_table(res)


@pytest.mark.parametrize("target", KEY_TARGETS)
def test_key_target_inside_tolerance(table, target):
    row = table.loc[target]
    assert row["low"] <= row["model_mean"] <= row["high"], row.to_dict()


def test_no_target_is_clearly_outside(table):
    """Every target's 95% CI at least touches its band (misses are marginal, not gross)."""
    for target, row in table.iterrows():
        assert row["ci_high"] >= row["low"] and row["ci_low"] <= row["high"], (target, row)


def test_targets_file_is_complete_and_consistent():
    targets = load_targets()
    assert {"published", "low", "high", "tolerance_reason", "source"} <= set(targets.columns)
    assert (targets["low"] <= targets["high"]).all()
    assert targets["tolerance_reason"].str.len().gt(10).all()
    assert targets["source"].str.len().gt(5).all()


def test_every_target_is_computed(table):
    assert set(load_targets().index) <= set(table.index)
    assert table["model_mean"].notna().all()


def test_quantities_are_scaled_to_the_population():
    """Doubling the population doubles counts but not rates: targets are per head."""
    small = sim.run(sim.load_scenario("fragmented", overrides=[
        "population.size=10000", "run.days=200", "run.warmup_days=60"]), replications=2, seed=1)
    big = sim.run(sim.load_scenario("fragmented", overrides=[
        "population.size=20000", "run.days=200", "run.warmup_days=60"]), replications=2, seed=1)
    a = model_quantities(small).mean()
    b = model_quantities(big).mean()
    assert b["admissions_per_1000"] == pytest.approx(a["admissions_per_1000"], rel=0.1)
    assert big.kpis["emergency_admissions"].mean() == pytest.approx(
        2 * small.kpis["emergency_admissions"].mean(), rel=0.1)
