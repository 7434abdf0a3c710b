"""Discharge to assess with real capacity, every delay reason, care markets, scenario plans.

Small populations and short runs: each test checks one mechanism can be seen, and could fail
if the mechanism were missing or wired to the wrong queue.
"""

from __future__ import annotations

import pytest

from sim.config import load_scenario
from sim.engine import Model, run_replication
from sim.params import Levers, Params
from sim.pathways.discharge import REASONS
from sim.recorder import DELAY_REASONS
from sim.rng import Streams, replication_seed

SMALL = ["population.size=6000", "run.days=240", "run.warmup_days=60"]


def model(name: str, overrides: list[str]) -> Model:
    m = Model(load_scenario(name, overrides=overrides), Streams(replication_seed(7, 0)))
    m.run()
    m.check_invariants()
    return m


def test_every_delay_reason_maps_to_an_nhs_category_and_names_its_levers():
    assert set(REASONS) == set(DELAY_REASONS)
    lever_names = set(Levers.model_fields)
    for reason, (category, levers) in REASONS.items():
        assert category, reason
        for lever in levers:
            name = lever.split(" ")[0]
            assert name in lever_names or name in ("capacity", "bridging.places"), (reason, lever)
    untouched = [r for r, (_, levers) in REASONS.items() if not levers]
    assert {"medical or therapy review", "medicines to take home", "transport", "housing",
            "equipment"} <= set(untouched)


def test_process_levers_leave_hospital_internal_delays_alone():
    process = ["levers.shared_care_plan=true", "levers.trusted_assessor=true",
               "levers.pooled_budget_share=1.0"]
    base = run_replication(load_scenario("fragmented", SMALL), 7, 0).delays_by_reason
    on = run_replication(load_scenario("fragmented", [*SMALL, *process]), 7, 0).delays_by_reason
    internal = ("medical or therapy review", "medicines to take home", "transport")
    a, b = sum(base[r] for r in internal), sum(on[r] for r in internal)
    assert a > 0 and abs(b - a) < 0.2 * a, (a, b)
    assert on["funding decision"] < base["funding decision"]


def test_pathway_one_discharge_to_assess_uses_bridging_when_free_else_the_usual_route():
    d2a = [*SMALL, "levers.discharge_to_assess_share=1.0"]
    # The same home-care market in both runs (blank, it gives up the bridging carers' hours).
    hours = load_scenario("fragmented", d2a).resolved().home_care.hours_per_week
    d2a.append(f"home_care.hours_per_week={hours}")
    none = model("fragmented", [*d2a, "bridging.places=0"])
    some = model("fragmented", d2a)
    assert none.bridging.peak == 0 and some.bridging.peak > 0
    # With no place free the ward does not queue for one: the usual route, counted.
    full = [m.rec.counts.get("discharge_to_assess_full", 0) for m in (none, some)]
    assert full[0] > full[1] > 0, full
    # On bridging, assessment happens at home; by the usual route it is a delay in hospital.
    assert (none.rec.delay_days["awaiting assessment"]
            > some.rec.delay_days["awaiting assessment"])


def test_pathway_three_discharge_to_assess_uses_interim_beds_and_some_go_home():
    m = model("fragmented", [*SMALL, "levers.discharge_to_assess_share=1.0"])
    c = m.rec.counts
    assert c["interim_bed_admissions"] > 0 and c.get("interim_to_care_home", 0) > 0
    # Recovery in the interim bed decides who can go home instead.
    better = model("fragmented", [*SMALL, "levers.discharge_to_assess_share=1.0",
                                  "intermediate_care.interim_function_recovery_share=0.8"])
    assert better.rec.counts.get("interim_to_home", 0) > c.get("interim_to_home", 0)
    closed = model("fragmented", [*SMALL, "levers.discharge_to_assess_share=1.0",
                                  "intermediate_care.interim_beds=0"])
    assert closed.rec.counts.get("interim_bed_admissions", 0) == 0
    assert closed.rec.delay_days["care home"] > m.rec.delay_days["care home"]


def test_care_homes_run_at_observed_occupancy_with_separate_kinds():
    m = model("fragmented", SMALL)
    daily = m.rec.daily
    occupancy = sum(d["care_home_occupancy"] for d in daily) / len(daily)
    assert 0.80 < occupancy < 0.95, occupancy
    assert m.care_home.residential.capacity > 0 and m.care_home.nursing.capacity > 0
    assert m.care_home.residential is not m.care_home.nursing


def test_home_care_market_forms_a_waiting_list_when_short():
    default = load_scenario("fragmented", SMALL).resolved().home_care.hours_per_week
    m = model("fragmented", [*SMALL, f"home_care.hours_per_week={0.8 * default:.0f}"])
    assert max(d["home_care_waiting"] for d in m.rec.daily) > 0
    assert m.rec.delay_days["reablement / home care"] > 0


def test_brokerage_is_counted_as_hours_not_delivered():
    """People leaving hospital while brokerage finds a carer are counted each day, back to
    none when they have gone; with no brokerage time there is never anyone."""
    m = model("fragmented", SMALL)
    days = [row["home_care_brokering"] for row in m.rec.daily]
    assert sum(days) > 0 and min(days) >= 0
    assert m.home_care.brokering >= 0
    none = model("fragmented", [*SMALL, "home_care.brokerage_days=0"])
    assert all(row["home_care_brokering"] == 0 for row in none.rec.daily)


def test_people_holding_a_bed_get_home_care_before_people_referred_from_home():
    # ADASS: councils allocate care to hospital discharges first, and people referred from
    # home wait behind them. On a short market the hospital's waits for a package shrink and
    # more referrals from home lapse; with one first-come-first-served list, the reverse.
    default = load_scenario("fragmented", SMALL).resolved().home_care.hours_per_week
    short = [*SMALL, f"home_care.hours_per_week={0.8 * default:.0f}"]
    first = model("fragmented", short)
    fifo = model("fragmented", [*short, "home_care.hospital_first=false"])
    assert (first.rec.delay_days["reablement / home care"]
            < fifo.rec.delay_days["reablement / home care"])
    lapsed = [m.rec.counts.get("home_care_referrals_lapsed", 0) for m in (first, fifo)]
    assert lapsed[0] > lapsed[1], lapsed


def test_discharge_to_assess_moves_capacity_it_does_not_create_it():
    size = ["population.size=50000"]
    base = load_scenario("fragmented", size).resolved()
    d2a = load_scenario("fragmented", [*size, "levers.discharge_to_assess_share=0.5"]).resolved()
    assert base.bridging.places == 0 and d2a.bridging.places > 0
    # Bridging carers come out of the home-care workforce, interim beds out of care homes.
    taken = d2a.bridging.places * d2a.bridging.hours_per_place
    assert d2a.home_care.hours_per_week == pytest.approx(base.home_care.hours_per_week - taken)
    assert d2a.care_home.beds == base.care_home.beds - d2a.intermediate_care.interim_beds
    # A planner's own figures are the whole stock they name: nothing is taken from them.
    own = load_scenario("fragmented", [*size, "levers.discharge_to_assess_share=0.5",
                                       "home_care.hours_per_week=15000",
                                       "care_home.beds=1800"]).resolved()
    assert own.home_care.hours_per_week == 15000 and own.care_home.beds == 1800


def test_people_waiting_at_home_for_home_care_make_other_arrangements():
    # No hours at all: nobody is ever granted, so every referral either lapses or is still
    # waiting (or has left by crisis or death) at the end.
    # No warm-up, so every referral (the starting clients included) is counted.
    none = ["population.size=6000", "run.days=240", "run.warmup_days=0",
            "home_care.hours_per_week=0"]
    stay = model("fragmented", [*none, "home_care.waiting_give_up_days=0"]).rec.counts
    lapse = model("fragmented", [*none, "home_care.waiting_give_up_days=20"]).rec.counts
    assert stay.get("home_care_referrals_lapsed", 0) == 0
    referred = lapse["home_care_referrals_community"]
    lapsed = lapse["home_care_referrals_lapsed"]
    # A 20-day mean give-up against a 240-day run: most lapse, none twice, and people in
    # hospital (who cannot leave without the package) never do.
    assert 0.7 * referred < lapsed <= referred, (lapsed, referred)


def test_short_term_beds_have_crises_and_deaths():
    m = model("fragmented", [*SMALL, "intermediate_care.crisis_per_year=10",
                             "intermediate_care.death_per_year=5"])
    c = m.rec.counts
    assert c["short_term_bed_readmissions"] > 0 and c["deaths_in_short_term_beds"] > 0


@pytest.mark.parametrize("size", [4000, 40000])
def test_capacity_plan_is_relative_to_the_population_default(size):
    p = load_scenario("better_care_fund", [f"population.size={size}", "run.days=1",
                                           "run.warmup_days=0"])
    assert p.reablement.slots is None  # the scenario no longer fixes a number
    default = Params(population={"size": size}).resolved().reablement.slots
    m = Model(p, Streams(replication_seed(1, 0)))
    m.run()
    assert m.reablement.slots.capacity == round(default * 1.33)


def test_torbay_closes_care_home_places_over_three_years():
    p = load_scenario("torbay", ["population.size=3000", "run.days=1110",
                                 "run.warmup_days=30"])
    m = Model(p, Streams(replication_seed(1, 0)))
    m.run()
    p = p.resolved()  # blank capacities follow the population size
    assert m.care_home.capacity == pytest.approx(0.9 * p.care_home.beds, abs=2)
    assert m.home_care.hours.capacity == pytest.approx(1.15 * p.home_care.hours_per_week)


def test_key_workers_reach_people_who_become_eligible():
    m = model("key_worker", SMALL)
    assert m.rec.counts["key_workers_added"] > 0


def test_self_management_covers_the_copd_cohort_only():
    m = model("fragmented", ["population.size=20000", "run.days=1", "run.warmup_days=0",
                             "levers.self_management_coverage=1.0"])
    eligible = sum(1 for q in m.people[:m.initial_people] if q.conditions >= 2)
    covered = sum(1 for q in m.people if q.self_managed)
    share = Levers().self_management_cohort_share
    assert covered == pytest.approx(share * eligible, rel=0.15)


def test_untested_discharges_into_care_homes_cost_residents_lives():
    m = model("fragmented", [*SMALL, "care_home.untested_discharge_death_risk=0.5"])
    assert m.rec.counts["care_home_infection_deaths"] > 0
    quiet = model("fragmented", SMALL)
    assert quiet.rec.counts.get("care_home_infection_deaths", 0) == 0


def test_every_package_has_its_ending_clock_however_it_starts(monkeypatch):
    # No starting clients and no community referrals: every package starts after a hospital,
    # reablement or intermediate-care stay. With packages ending about monthly, most of those
    # started in the first half of the run must have ended by its close; before the ending
    # clock was started on these paths, they ran on until the person's next crisis.
    from sim.pathways.home_care import HomeCare

    started = []
    original = HomeCare.start_package

    def start_package(self, person):
        started.append(self.m.env.now)
        original(self, person)

    monkeypatch.setattr(HomeCare, "start_package", start_package)
    m = model("fragmented", ["population.size=6000", "run.days=240", "run.warmup_days=0",
                             "population.home_care_share=0",
                             "community.home_care_referral_per_year_mild=0",
                             "community.home_care_referral_per_year_moderate=0",
                             "community.home_care_referral_per_year_severe=0",
                             "home_care.package_end_per_year=12"])
    early = sum(1 for t in started if t < 120)
    ended = m.rec.counts.get("home_care_packages_ended", 0)
    assert early > 20, early
    assert ended > 0.8 * early, (ended, early, len(started))
