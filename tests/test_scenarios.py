"""Each named scenario runs and moves the metrics its mechanism should move.

Scenarios are compared with the fragmented baseline using common random numbers; a claim
holds when the paired 95% confidence interval of the difference lies on the expected side
of zero.
"""

from __future__ import annotations

import pytest

import sim

# A system of 20,000 people aged 65+ runs on 118 beds by the per-50,000 default; a small
# system needs more headroom than a large one for the same waits (queueing economies of
# scale), so the small test system gets the beds that keep its front door in the range a
# 50,000 system shows with the defaults.
OVERRIDES = ["population.size=20000", "run.days=365", "run.warmup_days=120", "acute.beds=130"]
REPS = 5


@pytest.fixture(scope="module")
def cmp():
    names = [n for n in sim.available_scenarios() if n != "mmc"]
    scen = {n: sim.load_scenario(n, overrides=OVERRIDES) for n in names}
    return sim.compare(scen, replications=REPS, seed=404, workers=2, baseline="fragmented")


@pytest.fixture(scope="module")
def diff(cmp):
    return cmp.differences(metrics=[*sim.METRICS, "population_mean", "dta_wait_hours_mean"])


def lower(diff, scenario, metric):
    row = diff.loc[(scenario, metric)]
    assert row["ci_high"] < 0, f"{scenario}: {metric} should fall: {row.to_dict()}"


def higher(diff, scenario, metric):
    row = diff.loc[(scenario, metric)]
    assert row["ci_low"] > 0, f"{scenario}: {metric} should rise: {row.to_dict()}"


def reason_delta(cmp, scenario, reason):
    def per_rep(name):
        d = cmp.results[name].delays_by_reason
        return d[d.reason == reason].set_index("replication")["delayed_days"]
    return (per_rep(scenario) - per_rep("fragmented"))


# Ten years of growth on today's beds gridlocks the front door; the run says so.
GRIDLOCKED = {"demand_growth_10y"}
# Home First with no more home care fills the same home-care market: its bridging carers come
# out of it and fewer people go to care homes. At 50,000 people it tipped in 6 of 20 years
# (fragmented 1), each time with 34 to 51 people on the home-care list and the rehabilitation
# beds blocked behind it; the run is flagged and says so, which is the claim checked here.
MAY_TIP = {"home_first"}


def test_every_scenario_runs_without_failures(cmp):
    for name, res in cmp.results.items():
        assert res.replications == REPS and not res.failures, name
        assert res.kpis["partial"].eq(0).all(), name
        if name in GRIDLOCKED:
            assert res.kpis["unstable"].eq(1).all(), name
            assert res.kpis["unstable_day"].notna().all(), name
        else:
            # A system of 20,000 people (118 beds) may have a winter month over the gridlock
            # line; when it does, the day is named. Most replications are clear of it.
            flagged = res.kpis["unstable"].eq(1)
            assert res.kpis.loc[flagged, "unstable_day"].notna().all(), name
            if name not in MAY_TIP:
                assert flagged.sum() <= 2, name


def test_integrated_cuts_process_waits_but_not_capacity_waits(diff, cmp):
    """With no added capacity, integration removes the process steps (assessment, funding),
    but the people they free join the same queues for care: England's count of delayed
    patients stayed flat after discharge to assess became national policy, and Better Care
    Fund year 1 saw delays rise. The change in delayed days must stay inside that range.
    (With a home-care market that never had a list, integration cut delays by 45%, because
    the waits it removed were brokerage, not capacity; with one about 96% busy the people it
    keeps at home fill the same list, and the rehabilitation beds' queue.)"""
    lower(diff, "integrated", "assessments_per_discharge")
    higher(diff, "integrated", "cost_pooled")
    assert (reason_delta(cmp, "integrated", "awaiting assessment") < 0).all()
    assert (reason_delta(cmp, "integrated", "funding decision") < 0).all()
    capacity = (reason_delta(cmp, "integrated", "reablement / home care")
                + reason_delta(cmp, "integrated", "intermediate care"))
    assert capacity.mean() > 0, capacity.to_dict()
    row = diff.loc[("integrated", "delayed_discharge_days")]
    assert -0.40 < row["relative"] < 0.30, row.to_dict()


def test_home_first_moves_assessment_out_but_needs_bridging_capacity(diff, cmp):
    assert cmp.results["home_first"].daily["bridging_at_home"].mean() > 0
    assert cmp.results["fragmented"].daily["bridging_at_home"].max() == 0
    assert cmp.results["home_first"].daily["interim_beds_in_use"].mean() > 0
    assert (reason_delta(cmp, "home_first", "awaiting assessment") < 0).all()
    # Bridging is a capacity like any other: people queue in hospital when it is full.
    assert cmp.results["home_first"].daily["bridging_waiting"].max() > 0


def test_trusted_assessor_shortens_the_wait_for_assessment(diff, cmp):
    assert (reason_delta(cmp, "trusted_assessor", "awaiting assessment") < 0).all()
    # Part of the gain is absorbed by the queues for care that follow, so only the
    # direction of the mean is claimed, not a confidence interval clear of zero.
    assert diff.loc[("trusted_assessor", "delayed_discharge_days")]["difference"] < 0
    lower(diff, "trusted_assessor", "assessments_per_discharge")


def test_shared_care_plan_means_telling_the_story_once(diff):
    lower(diff, "shared_care_plan", "assessments_per_discharge")
    # As for trusted assessors, the queues for care absorb part of the gain.
    assert diff.loc[("shared_care_plan", "delayed_discharge_days")]["difference"] < 0


def service_cost(cmp, scenario, service):
    c = cmp.results[scenario].costs
    return c[c.service == service]["cost"].sum() / cmp.results[scenario].replications


def test_key_worker_costs_staff_and_its_admission_effect_is_uncertain(diff, cmp):
    # 3% of 20,000 people at the staff cost a year each, booked to the NHS. The risk register
    # is refreshed (people who become high-risk are enrolled as others die) and the population
    # is stationary, so the caseload stays near 3% of the people alive, not below it.
    cap = 0.03 * 20_000 * cmp.results["key_worker"].params.levers.key_worker_cost_per_person_year
    assert 0.8 * cap < service_cost(cmp, "key_worker", "key_worker") <= 1.15 * cap
    assert service_cost(cmp, "fragmented", "key_worker") == 0
    # The admission effect is drawn per replication around zero: differences vary in sign
    # or size across replications instead of being one fixed shift.
    d = (cmp.results["key_worker"].kpis["emergency_admissions"]
         - cmp.results["fragmented"].kpis["emergency_admissions"])
    assert d.std() > 0


def test_torbay_pools_budget_and_shares_plans(diff):
    higher(diff, "torbay", "cost_pooled")
    lower(diff, "torbay", "assessments_per_discharge")


def test_better_care_fund_moves_money_into_reablement(diff, cmp):
    higher(diff, "better_care_fund", "cost_pooled")
    assert (reason_delta(cmp, "better_care_fund", "funding decision").mean() < 0)
    # A third more places than this population's default, whatever its size.
    frag = cmp.results["fragmented"].params.resolved().reablement.slots
    assert cmp.results["better_care_fund"].daily["reablement_in_use"].max() > frag


def test_north_tyneside_adds_community_cost(cmp):
    assert service_cost(cmp, "north_tyneside_copd", "neighbourhood_team") > 0
    assert service_cost(cmp, "north_tyneside_copd", "key_worker") > 0


def test_record_outage_removes_only_what_needs_the_record(cmp):
    d = cmp.differences(baseline="integrated").loc[("record_outage",
                                                     "assessments_per_discharge")]
    assert d["difference"] > 0, d.to_dict()  # shared plans fall back: services re-assess
    daily = cmp.results["record_outage"].daily
    assert daily["record_up"].min() == 0
    # Discharge to assess does not need the record: people are bridged at home on down days.
    assert daily.loc[daily["record_up"] == 0, "bridging_at_home"].mean() > 0


def test_pandemic_rapid_discharge_collapses_delays_and_attendances(diff, cmp):
    assert diff.loc[("pandemic_rapid_discharge", "delayed_discharge_days")]["relative"] < -0.5
    assert diff.loc[("pandemic_rapid_discharge", "emergency_admissions")]["relative"] < -0.25
    counts = cmp.results["pandemic_rapid_discharge"].kpis
    assert counts["ae_attendances"].mean() < cmp.results["fragmented"].kpis[
        "ae_attendances"].mean() * 0.75


def test_demand_growth_raises_demand_by_about_a_fifth_and_congests(diff):
    # Ten years at 1.8% a year: about 20% more people aged 65+.
    row = diff.loc[("demand_growth_10y", "population_mean")]
    assert 0.15 < row["relative"] < 0.25, row.to_dict()
    higher(diff, "demand_growth_10y", "acute_occupancy")
    higher(diff, "demand_growth_10y", "ed_boarding_hours")
    higher(diff, "demand_growth_10y", "delayed_discharge_days")
    # The decision to admit is the admission: more people, more admissions, bed or no bed.
    higher(diff, "demand_growth_10y", "emergency_admissions")
    higher(diff, "demand_growth_10y", "dta_wait_hours_mean")
    # Near capacity the queue grows far more than demand does.
    boarding = diff.loc[("demand_growth_10y", "ed_boarding_hours")]
    assert boarding["relative"] > 2 * row["relative"]


@pytest.mark.slow
def test_done_criterion_integrated_vs_fragmented_at_50000():
    """The issue's acceptance check, at full default scale. Six replications: the first six
    of the validation's ten give -33.6% against -33.4% for all ten."""
    cmp = sim.compare(["fragmented", "integrated"], replications=6, seed=2026, workers=2)
    assert cmp.results["fragmented"].params.population.size == 50_000
    row = cmp.differences().loc[("integrated", "delayed_discharge_days")]
    # The evaluations found delays flat or rising after integration; not a 60% cut.
    assert -0.40 < row["relative"] < 0.30, row.to_dict()
