"""Capacity sizing (issue 17, point 4): smallest capacity, cheapest mix, out of reach."""

from __future__ import annotations

import pytest

import sim
from sim.errors import ConfigError
from sim.sizing import (
    REPLICATIONS_MET,
    ServiceLevel,
    cheapest_mix,
    evaluate,
    size_service,
)

REPS, SEED = 4, 7


@pytest.fixture(scope="module")
def base():
    return sim.load_scenario("fragmented", overrides=[
        "population.size=8000", "run.days=120", "run.warmup_days=60"])


@pytest.fixture(scope="module")
def p2(base):
    return size_service(base, "p2_beds", ServiceLevel("p2_waiting", 1, 0.9), low=1, high=24,
                        replications=REPS, seed=SEED)


def test_sizing_finds_a_capacity_that_holds_and_one_step_below_that_does_not(base, p2):
    assert p2.reachable and p2.below is not None
    n = p2.capacity
    assert p2.below.capacity["p2_beds"] == n - 1
    assert p2.answer.holds and p2.answer.met_share >= REPLICATIONS_MET
    assert not p2.below.holds
    # Common random numbers: running the two capacities again gives the same verdicts.
    level = p2.level
    again = evaluate(base, {"p2_beds": n}, level, REPS, SEED)
    below = evaluate(base, {"p2_beds": n - 1}, level, REPS, SEED)
    assert again.met_share == p2.answer.met_share and below.met_share == p2.below.met_share
    # More beds never leave more people waiting on the curve the search ran.
    curve = p2.curve()
    assert curve["value"].is_monotonic_decreasing
    text = p2.sentence()
    assert f"At least {n:,.0f} P2 intermediate care beds" in text and "£" in text
    assert "90% of replications" in p2.rule()


def test_an_unreachable_level_is_reported_with_the_delay_that_remains(base):
    res = size_service(base, "p2_beds", ServiceLevel("mean_delay_days", 0.01), low=2, high=6,
                       replications=2, seed=SEED)
    assert not res.reachable and len(res.points) == 1
    text = res.sentence()
    assert text.startswith("Out of reach") and "delay that remains is mostly" in text


def test_cheapest_mix_within_budget_and_out_of_reach_below_it(base, p2):
    n = p2.capacity
    level = p2.level
    grid = {"p2_beds": [n - 1, n, n + 4], "reablement_places": [8, 12]}
    mix = cheapest_mix(base, grid, level, replications=REPS, seed=SEED)
    assert mix.reachable
    held = mix.table().query("holds")
    assert mix.choice.cost_mean == pytest.approx(held["cost"].min())
    assert mix.choice.holds
    poor = mix.within(mix.choice.cost_mean * 0.5)  # the same runs, a smaller budget
    assert not poor.reachable and poor.cheapest_holding is mix.choice
    assert poor.sentence().startswith("Out of reach within")
    assert mix.within(mix.choice.cost_mean * 1.001).choice is mix.choice


def test_bad_service_or_level_is_named():
    with pytest.raises(ConfigError, match="measure"):
        ServiceLevel("queue_of_everything", 3)
    with pytest.raises(ConfigError, match="share_of_days"):
        ServiceLevel("p1_waiting", 3, share_of_days=1.5)
    with pytest.raises(ConfigError, match="service"):
        size_service(sim.Params(), "helicopters", ServiceLevel("p1_waiting", 3))


def test_a_census_start_is_never_sized_below_the_people_in_the_beds():
    """A census run cannot start with fewer P2 beds than people in them, so the search starts
    there (it failed every replication of the lowest capacity before), and a grid below it is
    refused by name."""
    from sim.params import Census

    start = sim.load_scenario("fragmented", overrides=["population.size=3000", "run.days=30"])
    start = start.model_copy(update={"census": Census(
        start_date="2026-11-27", in_treatment_by_days=[3, 2, 2, 1, 1, 1],
        in_intermediate_care=5)})
    res = size_service(start, "p2_beds", ServiceLevel("p2_waiting", 1_000), low=1, high=12,
                       replications=2, seed=SEED)
    assert res.low == 5 and res.census_floor == 5
    assert res.capacity == 5 and "5 people in them on the census day" in res.sentence()
    with pytest.raises(ConfigError, match="fewer than the 5 people in them on the census day"):
        cheapest_mix(start, {"p2_beds": [3, 8]}, ServiceLevel("p2_waiting", 1_000),
                     replications=2, seed=SEED)
