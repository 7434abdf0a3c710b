"""The model reduced to one queue must match Erlang B and Erlang C.

Tolerances come from the replications themselves: the formula must lie inside the 99.9%
Student-t confidence interval of the replication mean (a fixed seed makes the check
deterministic; the wide level keeps it from being tuned to one lucky draw). The interval is
also required to be narrow, so a test cannot pass merely by being imprecise.
"""

from __future__ import annotations

import pytest

import sim
from sim.stats import t_interval
from sim.verification import erlang_b, erlang_c, mmc_expectations

LEVEL = 0.999


def _ci(results, metric):
    return t_interval(results.kpis[metric].tolist(), LEVEL)


def test_erlang_formulas_known_values():
    # Textbook values: B(1, 1) = 1/2; B(2, 1) = 1/5; C(2, 1) = 1/3.
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)


@pytest.fixture(scope="module")
def queue_run():
    cfg = sim.load_scenario("mmc", overrides=["run.days=730"])
    return cfg, sim.run(cfg, replications=30, seed=20260, workers=2)


@pytest.fixture(scope="module")
def loss_run():
    cfg = sim.load_scenario("mmc", overrides=["run.days=730", "acute.when_full=reject"])
    return cfg, sim.run(cfg, replications=12, seed=20261)


def test_erlang_c_queue(queue_run):
    cfg, res = queue_run
    exp = mmc_expectations(cfg.arrivals.rate_per_day, cfg.acute.los_mean_days, cfg.acute.beds)
    for metric, key, max_half in [
        ("acute_occupancy", "queue_occupancy", 0.02),
        ("acute_waited_share", "queue_wait_probability", 0.08),
        ("acute_mean_wait_days", "queue_mean_wait", 0.05),
    ]:
        ci = _ci(res, metric)
        assert ci["ci_high"] - ci["ci_low"] < 2 * max_half, f"{metric}: CI too wide to test"
        assert ci["ci_low"] <= exp[key] <= ci["ci_high"], (metric, exp[key], ci)


def test_erlang_b_loss(loss_run):
    cfg, res = loss_run
    exp = mmc_expectations(cfg.arrivals.rate_per_day, cfg.acute.los_mean_days, cfg.acute.beds)
    for metric, key, max_half in [
        ("acute_occupancy", "loss_occupancy", 0.02),
        ("acute_diverted_share", "loss_blocking", 0.01),
    ]:
        ci = _ci(res, metric)
        assert ci["ci_high"] - ci["ci_low"] < 2 * max_half, f"{metric}: CI too wide to test"
        assert ci["ci_low"] <= exp[key] <= ci["ci_high"], (metric, exp[key], ci)
    # Nobody waits when arrivals are diverted instead.
    assert res.kpis["acute_waited_share"].max() == 0.0


def test_little_law_on_verification_queue(queue_run):
    """L = lambda W for beds plus A&E queue, replication by replication, from observed data."""
    cfg, res = queue_run
    k = res.kpis
    days = cfg.run.days
    in_system = k["acute_occupancy"] * cfg.acute.beds + k["ed_boarding_hours"] / 24.0 / days
    lam = k["acute_arrivals"] / days
    w = k["acute_mean_los_days"] + k["acute_mean_wait_days"]
    rel = ((in_system - lam * w) / in_system).tolist()
    ci = t_interval(rel, LEVEL)
    # Edge effects of a finite window are O(W / T); the mean must be inside that bound.
    bound = 3 * cfg.acute.los_mean_days / days
    assert abs(ci["mean"]) < bound, ci
    assert ci["ci_low"] - bound <= 0.0 <= ci["ci_high"] + bound


def test_mmc_with_a_different_load():
    """Another operating point: light load, few servers (the formulas are not special-cased)."""
    cfg = sim.load_scenario("mmc", overrides=[
        "arrivals.rate_per_day=3", "acute.beds=4", "acute.los_mean_days=1.0", "run.days=1500"])
    res = sim.run(cfg, replications=10, seed=7)
    exp = mmc_expectations(3.0, 1.0, 4)
    ci = _ci(res, "acute_waited_share")
    assert ci["ci_low"] <= exp["queue_wait_probability"] <= ci["ci_high"]
    ci = _ci(res, "acute_occupancy")
    assert ci["ci_low"] <= exp["queue_occupancy"] <= ci["ci_high"]
