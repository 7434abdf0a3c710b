"""The front door, capacity calendars, escalation, gridlock and the population accounts.

Small populations and short runs; each test asserts something a wrong model would fail.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

import sim
from sim.capacity import capacity_at
from sim.config import load_scenario
from sim.engine import Model, run_replication
from sim.errors import ConfigError
from sim.gridlock import _first_window
from sim.population import DEAD
from sim.rng import Streams, replication_seed

SMALL = ["population.size=3000", "run.warmup_days=30", "run.days=365"]


def _cost(out, service, payer):
    """Fixed and variable cost of one service to one payer, over every year of the run."""
    return sum(v for (s, pay, _kind, _year), v in out.costs.items()
               if s == service and pay == payer)


def run(overrides, scenario="fragmented", rep=0):
    p = load_scenario(scenario, overrides=[*SMALL, *overrides])
    return p, run_replication(p, 7, rep)


# ------------------------------------------------------------------ capacity calendars
def test_every_capacity_follows_its_calendar_exactly_on_the_daily_series():
    cal = [
        ("reablement", "reablement_capacity", "[{start_day: 10, end_day: 40, every_year: false, value: 2}]"),
        ("intermediate_care", "intermediate_care_capacity", "[{start_day: 200, end_day: 260, scale: 0.5}]"),
        ("home_care", "home_care_hours_capacity", "[{start_day: 100, end_day: 110, every_year: false, scale: 1.5}]"),
        ("care_home", "care_home_capacity", "[{start_day: 100, end_day: 300, every_year: false, scale: 1.1}]"),
        ("social_work", "social_workers_capacity", "[{start_day: 150, end_day: 151, every_year: false, value: 0}]"),
        ("acute", "acute_capacity", "[{start_day: 244, end_day: 365, scale: 0.8}, {start_day: 300, end_day: 310, value: 3}]"),
    ]
    overrides = [f"{block}.calendar={rows}" for block, _, rows in cal]
    p, out = run([*overrides, "escalation.beds=0"])
    p = p.resolved()  # blank capacities follow the population size
    warm, doy = p.run.warmup_days, p.run.start_day_of_year
    bases = {"reablement": p.reablement.slots, "intermediate_care": p.intermediate_care.beds,
             "home_care": p.home_care.hours_per_week, "care_home": p.care_home.beds,
             "social_work": p.social_work.staff, "acute": p.acute.beds}
    for block, column, _ in cal:
        calendar = getattr(p, block).calendar
        seen = np.array([row[column] for row in out.daily])
        want = np.array([capacity_at(bases[block], calendar, warm + row["day"], warm, doy)
                         for row in out.daily])
        assert np.array_equal(seen, want), block
        assert len(set(seen.tolist())) > 1, f"{block}: the calendar never changed anything"


def test_calendar_rows_are_checked_with_clear_errors():
    with pytest.raises(ConfigError) as exc:
        load_scenario("fragmented", overrides=[
            "acute.calendar=[{start_day: 50, end_day: 10, scale: 1}]"])
    assert "acute.calendar" in str(exc.value) and "end_day" in str(exc.value)
    with pytest.raises(ConfigError) as exc:
        load_scenario("fragmented", overrides=["acute.calendar=[{start_day: 0, end_day: 10}]"])
    assert "exactly one of scale or value" in str(exc.value)


# ------------------------------------------------------------------ escalation beds
def test_escalation_beds_open_under_pressure_in_winter_only_and_close_again():
    # Few core beds: pressure all year; the default winter plan allows escalation Dec-Mar.
    p, out = run(["acute.beds=12", "escalation.beds=4"])
    doy = np.array([(p.run.start_day_of_year + p.run.warmup_days + r["day"]) % 365
                    for r in out.daily])
    opened = np.array([r["escalation_open_beds"] for r in out.daily])
    assert set(np.unique(opened)) <= {0.0, 4.0}
    assert opened[doy < 244].max() == 0, "escalation beds open outside the winter plan"
    assert opened[doy >= 244].mean() > 0.5 * 4, "pressure all winter but beds rarely open"
    acute = np.array([r["acute_capacity"] for r in out.daily])
    assert np.array_equal(acute, 12 + opened)
    # They close: at the end of the plan, whatever the pressure.
    assert (np.diff(opened) < 0).any()
    assert out.kpis["escalation_bed_days"] == pytest.approx(opened.sum(), rel=0.02)
    assert _cost(out, "escalation_beds", "nhs") > 0


def test_escalation_closes_when_occupancy_falls():
    # Plenty of beds: escalation opens only if occupancy passes the threshold, which it
    # never does, so no escalation bed is ever open.
    _, out = run(["acute.beds=400", "escalation.beds=10",
                  "escalation.calendar=[]"])
    assert max(r["escalation_open_beds"] for r in out.daily) == 0
    assert out.kpis["escalation_bed_days"] == 0


# ------------------------------------------------------------------ the front door
def test_the_decision_to_admit_is_the_admission_bed_or_no_bed():
    _, out = run(["acute.beds=8", "escalation.beds=0"])
    k = out.kpis
    # Far fewer beds than admissions: many wait, some die waiting, the waits are counted.
    assert k["emergency_admissions"] > k["acute_arrivals"] * 1.2
    assert k["dta_12h_waits"] > 0.3 * k["emergency_admissions"]
    assert k["dta_wait_hours_mean"] > 24
    assert k["deaths_waiting_ae"] > 0
    assert _cost(out, "a_and_e", "nhs") > k["ae_attendances"] * 148 * 1.01


def test_dta_waits_are_short_when_beds_are_plentiful():
    _, out = run(["acute.beds=200"])
    k = out.kpis
    assert k["dta_wait_hours_mean"] < 0.5
    assert k["dta_12h_waits"] == 0
    assert k["deaths_waiting_ae"] == 0
    assert k["unstable"] == 0 and math.isnan(k["unstable_day"]) and k["partial"] == 0


def test_admission_share_rises_with_age_and_frailty():
    p = load_scenario("fragmented", overrides=SMALL)
    m = Model(p, Streams(replication_seed(1, 0)))
    table = m.hospital.p_admit
    for band in range(3):
        assert all(a < b for a, b in zip(table[band], table[band][1:]))
    for f in range(4):
        assert table[0][f] < table[1][f] < table[2][f]
    _, out = run(["population.size=10000"])
    share = out.kpis["emergency_admissions"] / out.kpis["ae_attendances"]
    assert 0.40 < share < 0.60  # about half of attendances by people 65+ are admitted


PRESSURE_OFF = ["acute.pressure_odds_ratio_95=1", "acute.pressure_odds_ratio_100=1",
                "acute.pressure_odds_ratio_105=1"]


def test_a_full_hospital_admits_fewer_at_the_margin_by_the_published_odds():
    p = load_scenario("fragmented", overrides=SMALL)
    m = Model(p, Streams(replication_seed(1, 0)))
    h, beds = m.hospital, m.hospital.beds
    cap = beds.capacity

    def admitted_at(load: float, p0: float = 0.5) -> float:
        beds.in_use = load * cap
        return h.under_pressure(p0)

    assert admitted_at(0.90) == 0.5 and admitted_at(0.949) == 0.5
    for load, ratio in ((0.951, 0.88), (0.99, 0.88), (1.001, 0.82), (1.04, 0.82), (1.051, 0.74),
                        (1.5, 0.74)):
        q = admitted_at(load)
        assert q / (1 - q) == pytest.approx(ratio), load
    beds.in_use = 0.0


def test_a_full_hospital_sends_people_home_and_counts_them():
    # Eight beds for 3,000 people: the beds are over 105% full (A&E queue) all year, so every
    # attendance meets the 0.74 odds ratio. The share admitted falls by what that ratio does
    # to admission chances between 0.3 and 0.8 (a 6% to 20% fall); the people it sends home
    # are counted, and none are when the response is off or the beds are plentiful.
    _, on = run(["acute.beds=8", "escalation.beds=0"])
    _, off = run(["acute.beds=8", "escalation.beds=0", *PRESSURE_OFF])
    _, roomy = run(["acute.beds=200"])
    share = [o.kpis["emergency_admissions"] / o.kpis["ae_attendances"] for o in (on, off)]
    assert 0.80 < share[0] / share[1] < 0.94
    assert off.kpis["admissions_forgone_full"] == 0
    assert roomy.kpis["admissions_forgone_full"] == 0
    forgone = on.kpis["admissions_forgone_full"]
    lost = on.kpis["ae_attendances"] * (share[1] - share[0])
    assert forgone == pytest.approx(lost, rel=0.25)


def test_pressure_odds_that_rise_with_the_load_are_refused():
    with pytest.raises(ConfigError) as exc:
        load_scenario("fragmented", overrides=["acute.pressure_odds_ratio_105=0.95"])
    assert "pressure_odds_ratio_95" in str(exc.value) and "0.95" in str(exc.value)


def test_mmc_keeps_the_textbook_queue():
    p = load_scenario("mmc", overrides=["run.days=200"])
    out = run_replication(p, 3, 0)
    assert out.kpis["deaths_waiting_ae"] == 0
    assert out.kpis["escalation_bed_days"] == 0
    assert {r["acute_capacity"] for r in out.daily} == {float(p.acute.beds)}


# ------------------------------------------------------------------ gridlock
def _fake(boarding, dta, beds=100, partial=False):
    run_ = SimpleNamespace(gridlock_window_days=28, gridlock_queue_share=0.10,
                           gridlock_dta_hours=24.0)
    return SimpleNamespace(
        p=SimpleNamespace(run=run_, acute=SimpleNamespace(beds=beds)),
        rec=SimpleNamespace(daily=[{"boarding": b} for b in boarding]),
        hospital=SimpleNamespace(dta_by_day=dta), partial=partial)


def test_gridlock_tips_on_the_first_window_over_the_threshold():
    # Queue 5 for 100 days, then 20 (10% of 100 beds is 10): a window with k days of 20
    # has mean 5 + 15k/28, over 10 first when k = 10, the window ending on day 100 + 9.
    boarding = [5.0] * 100 + [20.0] * 100
    m = _fake(boarding, {})
    assert _first_window(m, m.rec.daily, 28, m.p.run) == 100 + 9
    # Waits: mean DTA of 30 hours from day 50 on (one admission a day).
    dta = {d: [2.0 if d < 50 else 30.0, 1.0] for d in range(200)}
    m = _fake([0.0] * 200, dta)
    day = _first_window(m, m.rec.daily, 28, m.p.run)
    # (2 * (28 - k) + 30 * k) / 28 > 24 first when k = 23: day 50 + 22.
    assert day == 72
    assert math.isnan(_first_window(_fake([9.0] * 200, {}), [{"boarding": 9.0}] * 200, 28,
                                    m.p.run))


def test_gridlocked_run_goes_to_its_end_flagged_with_its_day():
    p, out = run(["acute.beds=6", "escalation.beds=0"])
    k = out.kpis
    assert k["unstable"] == 1 and k["partial"] == 0
    assert 0 <= k["unstable_day"] < p.run.days
    assert len(out.daily) == p.run.days  # the run was not cut short


def test_memory_cap_marks_the_run_partial():
    _, out = run(["acute.beds=2", "escalation.beds=0", "run.max_boarding_queue=30"])
    assert out.kpis["partial"] == 1 and out.kpis["unstable"] == 1


# ------------------------------------------------------------------ population accounts
def _yearly_mix(overrides, years):
    p = load_scenario("fragmented", overrides=overrides)
    m = Model(p, Streams(replication_seed(11, 0)))
    snaps = []

    def snap():
        yield m.env.timeout(p.run.warmup_days)
        while True:
            alive = [q for q in m.people if q.location != DEAD]
            bands = np.bincount([q.band for q in alive], minlength=3) / len(alive)
            frail = np.bincount([q.frailty for q in alive], minlength=4) / len(alive)
            snaps.append((len(alive), bands, np.array([frail[0], frail[1], frail[2] + frail[3]])))
            yield m.env.timeout(365.0 / 4)

    m.env.process(snap())
    m.run()
    by_year = [snaps[4 * y:4 * y + 4] for y in range(years)]
    means = [tuple(np.mean([s[i] for s in year], axis=0) for i in range(3)) for year in by_year]
    return m, means


@pytest.mark.slow
def test_zero_growth_holds_size_age_and_frailty_mix_for_ten_years():
    _, means = _yearly_mix(["population.size=50000", "population.growth_per_year=0",
                            "run.days=3650"], 10)
    first, last = means[0], means[-1]
    assert abs(last[0] / first[0] - 1) < 0.02                 # size
    assert np.all(np.abs(last[1] / first[1] - 1) < 0.05)     # age mix
    assert np.all(np.abs(last[2] / first[2] - 1) < 0.05)     # frailty mix


@pytest.mark.slow
def test_zero_growth_services_hold_for_ten_years():
    """Acute beds in use, delayed patients, care-home residents and home-care hours: the
    mean over four replications of the change from the first three years to the last three
    stays within 5% (8% for home care, whose caseload turns over slowly). One winter can lift
    a year's mean by 10% or more in a stationary system, and one replication's ten-year
    drift ranged from +2% to -14%, so a single replication cannot judge a drift. On the
    defaults: acute +0.1%, delayed -0.2%, care homes -2.0%, home care -4.3%."""
    p = load_scenario("fragmented", overrides=["population.size=50000",
                                               "population.growth_per_year=0",
                                               "run.days=3650"])
    res = sim.run(p, replications=4, seed=11, workers=2)
    daily = res.daily.assign(year=(res.daily["day"] // 365).astype(int))
    limits = {"acute_occupied": 0.05, "delayed_patients": 0.05, "care_home_occupied": 0.05,
              "home_care_hours_in_use": 0.08}
    yearly = daily.groupby(["replication", "year"])[list(limits)].mean()
    first = yearly[yearly.index.get_level_values("year") < 3].groupby("replication").mean()
    last = yearly[yearly.index.get_level_values("year") >= 7].groupby("replication").mean()
    drift = (last / first - 1).mean()
    for key, limit in limits.items():
        assert abs(drift[key]) < limit, (key, drift.round(3).to_dict())


def test_patients_are_ready_to_leave_at_the_ready_hour():
    # Treatment ending at 03:00 or at 17:00 both lead to readiness at the next 14:00.
    from sim.pathways.hospital import Hospital

    p = load_scenario("fragmented", overrides=SMALL)
    m = Model(p, Streams(replication_seed(11, 0)))
    ends = []

    def patient(t0):
        yield m.env.timeout(t0)
        yield from Hospital.until_ready_hour(m.hospital)
        ends.append(m.env.now)

    for t0 in (3 + 3 / 24, 3 + 17 / 24, 4 + 14 / 24):
        m.env.process(patient(t0))
    m.env.run(until=10)
    assert ends == pytest.approx([3 + 14 / 24, 4 + 14 / 24, 4 + 14 / 24])
    # Blank: ready the moment treatment ends.
    q = load_scenario("fragmented", overrides=[*SMALL, "acute.ready_hour=null"])
    m = Model(q, Streams(replication_seed(11, 0)))
    ends.clear()
    m.env.process(patient(3.1))
    m.env.run(until=10)
    assert ends == pytest.approx([3.1])


def test_growth_follows_the_projection_by_age_band():
    p = load_scenario("demand_growth_10y", overrides=["population.size=50000"])
    g = p.population.band_growth_per_year
    assert g[2] > g[0] and g[2] > g[1]  # the 85+ grow fastest
    mix0, mix = p.population.age_mix, p.population.projected_age_mix
    assert mix.age_85_plus > mix0.age_85_plus
    assert 0.18 < p.population.projected_size / 50000 - 1 < 0.22  # about a fifth more
    # The accounts hold each band on its projected course during a run, too.
    m, means = _yearly_mix(["population.size=5000", "population.growth_per_year=0.05",
                            "run.warmup_days=0", "run.days=1095"], 3)
    growth = (means[-1][0] / means[0][0]) ** 0.5 - 1
    assert 0.035 < growth < 0.065
    assert means[-1][1][2] > means[0][1][2]  # the 85+ share rises


def test_occupancy_counts_beds_closed_while_occupied_until_their_patient_leaves():
    # Half the beds close in winter while every bed is full: the patients stay until they
    # leave, so those beds are still in service and occupancy cannot pass 1.
    _, out = run(["acute.beds=8", "escalation.beds=0",
                  "acute.calendar=[{start_day: 244, end_day: 365, scale: 0.5}]"])
    occupancy = out.kpis["acute_occupancy"]
    assert 0.95 < occupancy <= 1.0
    assert min(r["acute_capacity"] for r in out.daily) == 4
