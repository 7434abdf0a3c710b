"""Costs a finance director would sign: fixed and variable, one price year, no double counting,
cash versus capacity released, transfers that are not savings, costs over time, per head."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import sim
from sim import costs
from sim.params import Params
from sim.readout import money
from sim.stats import t_interval

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["population.size=5000", "run.days=365", "run.warmup_days=60"]


def _default(path: str) -> float:
    node = Params()
    for part in path.split("."):
        node = getattr(node, part)
    return float(node)


def test_every_money_default_is_its_source_uplifted_to_the_price_year():
    with open(ROOT / "evidence" / "unit_costs.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["param"] and r["unit"].startswith("GBP")]
    assert len(rows) >= 10
    for row in rows:
        expected = costs.uplift(float(row["value"]), row["price_year"], Params().costs.price_year)
        assert _default(row["param"]) == pytest.approx(expected, rel=0.005), row["id"]


def test_uplift_names_an_unknown_year():
    with pytest.raises(ValueError, match="1999/00"):
        costs.uplift(100.0, "1999/00")


@pytest.fixture(scope="module")
def base() -> sim.Results:
    return sim.run(sim.load_scenario("fragmented", overrides=SMALL), replications=3, seed=5)


def _cost(res, service, payer=None, kind=None):
    t = res.costs[res.costs["service"] == service]
    if payer:
        t = t[t["payer"] == payer]
    if kind:
        t = t[t["kind"] == kind]
    return t.groupby("replication")["cost"].sum().reindex(res.kpis["replication"], fill_value=0.0)


def test_costs_are_fixed_or_variable_and_acute_is_paid_once(base):
    p = base.params.resolved()
    c = p.costs
    assert set(base.costs["kind"]) == {"fixed", "variable"}
    assert "delayed_discharge" not in set(base.costs["service"])
    # The ward is a fixed cost per staffed bed, used or not.
    fixed = _cost(base, "acute", "nhs", "fixed")
    assert fixed.tolist() == pytest.approx(
        [p.acute.beds * p.run.days * c.acute_bed_day * (1 - c.acute_occupied_share)] * 3)
    # Variable: the occupied-day share of the ward plus one treatment per admission, and
    # nothing else (no second charge per bed day).
    variable = _cost(base, "acute", "nhs", "variable")
    bed_days = base.kpis.set_index("replication")["acute_bed_days"]
    spells = (variable - bed_days * c.acute_bed_day * c.acute_occupied_share) / c.admission_episode
    assert (spells > 0).all()
    assert spells.tolist() == pytest.approx(spells.round().tolist(), abs=1e-6)


def test_council_pays_council_rates_net_of_contributions_and_not_for_self_funders(base):
    frag = base
    free = sim.run(sim.load_scenario("fragmented", overrides=[
        *SMALL, "care_home.council_funded_share=0.0", "costs.care_home_block_share=0.0"]),
        replications=3, seed=5)
    assert (_cost(free, "care_home", "local_authority") == 0).all()
    # NHS funded nursing care is still paid for self-funders.
    assert (_cost(free, "care_home", "nhs") > 0).all()
    richer = sim.run(sim.load_scenario("fragmented", overrides=[
        *SMALL, "costs.care_home_client_contribution=0.6"]), replications=3, seed=5)
    assert (_cost(richer, "care_home", "local_authority")
            < _cost(frag, "care_home", "local_authority")).all()


def test_changing_a_capacity_changes_its_fixed_cost_exactly(base):
    p = base.params.resolved()
    more = sim.run(sim.load_scenario("fragmented", overrides=[
        *SMALL, f"reablement.slots={p.reablement.slots + 10}"]), replications=3, seed=5)
    diff = _cost(more, "reablement", kind="fixed") - _cost(base, "reablement", kind="fixed")
    assert diff.tolist() == pytest.approx([10 * p.costs.reablement_place_year] * 3)


@pytest.mark.parametrize("block, field, payer, extra", [
    ("reablement", "slots", "cost_local_authority", []),
    ("intermediate_care", "beds", "cost_nhs", []),
    # Home care is mostly bought per hour delivered (spot), and spot hours nobody uses cost
    # nothing; the rule holds for the hours the council contracts, so contract all of them.
    ("home_care", "hours_per_week", "cost_local_authority", ["costs.home_care_block_share=1"]),
])
def test_idle_capacity_costs_money(block, field, payer, extra):
    """Three times today's capacity, and at least 20 places, is idle (pathway 2 beds are
    sized below their load, so three times a few beds is not); 25% more still raises its
    payer's cost."""
    default = getattr(getattr(Params(population={"size": 5000}).resolved(), block), field)
    idle = max(3 * default, 20)
    runs = [sim.run(sim.load_scenario("fragmented", overrides=[
                *SMALL, *extra, f"{block}.{field}={v}"]), replications=3, seed=7)
            for v in (idle, round(idle * 1.25, 1) if field == "hours_per_week" else
                      round(idle * 1.25))]
    diff = (runs[1].kpis.set_index("replication")[payer]
            - runs[0].kpis.set_index("replication")[payer])
    ci = t_interval(diff.tolist())
    assert ci["ci_low"] > 0, (block, ci)


@pytest.fixture(scope="module")
def integrated() -> sim.Results:
    return sim.run(sim.load_scenario("integrated", overrides=SMALL), replications=3, seed=5)


def test_levers_carry_running_costs_booked_to_their_payer(integrated):
    booked = set(zip(integrated.costs["service"], integrated.costs["payer"]))
    for item in [("seven_day_working", "local_authority"), ("seven_day_working", "nhs"),
                 ("trusted_assessor", "local_authority"), ("discharge_to_assess", "nhs"),
                 ("shared_record", "nhs"), ("key_worker", "nhs"), ("neighbourhood_team", "nhs")]:
        assert item in booked, item


def test_the_pool_is_a_transfer_each_partner_net_of_its_contribution(integrated):
    table = money.partner_costs(integrated)
    per_rep = table.groupby("replication")["net_cost"].sum()
    total = integrated.kpis.set_index("replication")["cost_total"] / (integrated.params.run.days
                                                                       / 365.0)
    assert per_rep.tolist() == pytest.approx(total.loc[per_rep.index].tolist())
    nhs = table[table["partner"] == "nhs"]["contribution_to_pool"].sum()
    council = table[table["partner"] == "local_authority"]["contribution_to_pool"].sum()
    share = integrated.params.levers.pooled_budget_nhs_contribution
    assert nhs / (nhs + council) == pytest.approx(share)


def test_cash_and_capacity_released_and_releasing_beds(base, integrated):
    split = money.cash_and_capacity(base, integrated)
    assert split.loc["nhs", "capacity_released"] > 0  # fewer acute bed days, still paid for
    total = (integrated.kpis["cost_total"].mean() - base.kpis["cost_total"].mean())
    assert split.loc["total", "cash_change"] == pytest.approx(total)
    freed = split.attrs["freed_acute_bed_days"]
    n = max(1, int(freed // 365 // 2))
    released = sim.run(sim.load_scenario("integrated", overrides=[
        *SMALL, f"costs.release_acute_beds={n}"]), replications=3, seed=5)
    split2 = money.cash_and_capacity(base, released)
    c = base.params.costs
    # Each replication turns into cash at most the bed days it freed: with few beds and
    # winter queues some replications free fewer than n beds' worth (SMALL runs one year).
    per_rep = money.freed_capacity_value(base, integrated)["freed_acute_bed_days"]
    released_days = per_rep.clip(lower=0).clip(upper=n * 365).mean()
    value = released_days * c.acute_bed_day * (1 - c.acute_occupied_share)
    assert split2.loc["nhs", "cash_change"] == pytest.approx(
        split.loc["nhs", "cash_change"] - value)
    assert split2.loc["nhs", "capacity_released"] == pytest.approx(
        split.loc["nhs", "capacity_released"] - value)


def test_costs_year_by_year_with_set_up_in_the_first_and_discounting():
    res = sim.run(sim.load_scenario("integrated", overrides=[
        "population.size=3000", "run.days=730", "run.warmup_days=30"]), replications=2, seed=3)
    table = money.costs_by_year(res)
    assert {1, 2} <= set(table["year"])
    setup = res.costs[res.costs["service"] == "shared_record"].groupby("year")["cost"].sum()
    assert setup.loc[0] > setup.loc[1] > 0  # set-up falls in the first year only
    year2 = table[table["year"] == 2]
    assert year2["discounted"].tolist() == pytest.approx((year2["cost"] / 1.035).tolist())
    year1 = table[table["year"] == 1]
    assert year1["discounted"].tolist() == pytest.approx(year1["cost"].tolist())
    # Year totals add up to the run's booked costs.
    assert table[table["year"] != "total"]["cost"].sum() == pytest.approx(
        res.kpis["cost_total"].mean())


@pytest.fixture(scope="module")
def per_head_table():
    # The default system at the size it is calibrated for: 50,000 people on their default 295
    # beds. A hospital whose queue ran away says nothing about a working one's costs; a winter
    # crisis flagged by the gridlock judge (about one replication in five at these defaults)
    # is part of the ordinary year, so the check is that waits stay in the published range.
    res = sim.run(sim.load_scenario("fragmented", overrides=["population.size=50000"]),
                  replications=2, seed=2026)
    assert (res.kpis["dta_wait_hours_mean"] < 8).all(), res.kpis["dta_wait_hours_mean"]
    return money.per_head(res)


def test_fragmented_per_head_costs_inside_published_bands(per_head_table):
    """NHS A&E and emergency admissions, and council net spend, per person 65+ a year."""
    table = per_head_table
    for measure in ("nhs_emergency", "council_net"):
        assert table.loc[measure, "inside"], table.loc[measure].to_dict()
