"""The building blocks on their own: bed pool, time-weighted trackers, calendar, delay clock,
policy draws, random streams and per-person draws.

Each test pins one property that a whole-model run would only show as a blurred KPI. The
distribution checks use moments and a Kolmogorov-Smirnov test (``scipy.stats.kstest``) at
fixed seeds, so they are deterministic; the p-value floor (0.001) is low enough that a correct
generator passes at almost any seed, and the samples are large enough that a wrong shape or
scale (say a mean 5% off) fails.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import simpy
from scipy import stats

from sim.calendar import Calendar
from sim.errors import InvariantError
from sim.params import Params, UncertainEffect
from sim.pathways.discharge import DelayClock
from sim.policies import Policy, draw_effect, outage_process
from sim.recorder import DELAY_REASONS, Recorder, Tracker
from sim.resources import Pool
from sim.rng import (
    COMMUNITY,
    DISCHARGE,
    HOSPITAL,
    SERVICES,
    PersonDraws,
    Stream,
    Streams,
    replication_seed,
)

N = 20_000
P_FLOOR = 0.001


def _pool(capacity: float, start: float = 0.0, end: float = 100.0):
    env = simpy.Environment()
    rec = Recorder(start, end)
    return env, Pool(env, "beds", capacity, rec.tracker("in_use"), rec.tracker("queue"))


# ------------------------------------------------------------------------------- the pool
def test_pool_grants_at_once_when_free_and_queues_first_come_first_served():
    env, pool = _pool(2)
    first, second, third, fourth = (pool.acquire() for _ in range(4))
    assert first.triggered and second.triggered
    assert not third.triggered and not fourth.triggered
    assert pool.in_use == 2 and len(pool.waiting) == 2 and not pool.can_take()
    pool.release()
    assert third.triggered and not fourth.triggered
    pool.release()
    assert fourth.triggered and pool.in_use == 2 and not pool.waiting


def test_pool_first_requests_go_ahead_of_the_rest_in_their_own_order():
    env, pool = _pool(1)
    pool.acquire()
    home1, hosp1, home2, hosp2 = (pool.acquire(first=f) for f in (False, True, False, True))
    assert pool.n_first == 2
    order = []
    for _ in range(4):
        pool.release()
        order.append(next(n for n, ev in (("hosp1", hosp1), ("hosp2", hosp2),
                                          ("home1", home1), ("home2", home2))
                          if ev.triggered and n not in order))
    assert order == ["hosp1", "hosp2", "home1", "home2"]
    assert pool.n_first == 0 and not pool.waiting
    # Withdrawing a first request keeps the count of first requests right (home2 still
    # holds the one unit, so all of these wait).
    a, b, c = pool.acquire(first=True), pool.acquire(first=True), pool.acquire()
    pool.cancel(a)
    assert pool.n_first == 1
    d = pool.acquire(first=True)
    assert [ev for ev, _ in pool.waiting] == [b, d, c]


def test_a_first_request_that_fits_is_granted_past_a_larger_one():
    env, pool = _pool(10)
    pool.acquire(6)
    big = pool.acquire(6)  # 4 free: waits at the head
    small = pool.acquire(3, first=True)  # goes ahead of it, and fits
    assert small.triggered and not big.triggered and pool.in_use == 9
    assert pool.n_first == 0 and len(pool.waiting) == 1


def test_pool_queue_is_strict_fifo_with_amounts():
    """A large request at the head holds back a smaller one behind it."""
    env, pool = _pool(10)
    pool.acquire(6)
    big = pool.acquire(6)
    small = pool.acquire(1)
    assert not big.triggered and not small.triggered  # 4 free, but the head needs 6
    assert not pool.try_take(1)  # nobody jumps the queue
    pool.release(6)
    assert big.triggered and small.triggered and pool.in_use == 7


def test_pool_cancel_leaves_the_queue_or_gives_back_the_capacity():
    env, pool = _pool(1)
    held = pool.acquire()
    queued = pool.acquire()
    behind = pool.acquire()
    pool.cancel(queued)
    assert list(ev for ev, _ in pool.waiting) == [behind]
    pool.cancel(held)  # granted: the bed goes back and the next in line gets it
    assert behind.triggered and pool.in_use == 1 and not pool.waiting


def test_pool_of_zero_capacity_queues_everyone():
    env, pool = _pool(0)
    request = pool.acquire()
    assert not request.triggered and pool.free == 0.0
    with pytest.raises(ValueError, match="beds"):
        pool.take_now()


def test_pool_tracker_integrates_beds_in_use_and_queue():
    env, pool = _pool(1, start=0.0, end=10.0)

    def patient(stay):
        yield pool.acquire()
        yield env.timeout(stay)
        pool.release()

    for stay in (2.0, 3.0):
        env.process(patient(stay))
    env.run(until=10.0)
    pool.tracker.close(10.0)
    pool.queue_tracker.close(10.0)
    assert pool.tracker.area == pytest.approx(5.0)  # 2 + 3 bed days
    assert pool.queue_tracker.area == pytest.approx(2.0)  # the second waited 2 days
    assert pool.tracker.peak == 1.0


# --------------------------------------------------------------------------- the trackers
def test_tracker_area_counts_only_the_results_window():
    t = Tracker("x", start=10.0, end=20.0)
    t.add(0.0, 2)    # level 2 from day 0: the 10 days before the window do not count
    t.add(15.0, 1)   # level 3 from day 15
    t.add(25.0, -3)  # after the end: only up to day 20 counts
    assert t.area == pytest.approx(2 * 5 + 3 * 5)
    assert t.level == 0 and t.peak == 3


def test_tracker_refuses_negative_levels_and_levels_above_capacity():
    t = Tracker("beds_in_use", 0.0, 10.0, capacity=2)
    t.add(1.0, 2)
    with pytest.raises(InvariantError, match="beds_in_use"):
        t.add(2.0, 1)
    with pytest.raises(InvariantError, match="level -1"):
        Tracker("queue", 0.0, 10.0).add(1.0, -1)


def test_tracker_area_equals_the_integral_of_a_random_path():
    gen = np.random.default_rng(5)
    times = np.sort(gen.uniform(0, 100, 500))
    deltas = gen.choice([-1.0, 1.0], 500)
    deltas[0] = 1.0
    t = Tracker("x", start=30.0, end=70.0)
    level, exact, last = 0.0, 0.0, 0.0
    for when, d in zip(times, deltas):
        if level + d < 0:
            d = -d
        a, b = max(last, 30.0), min(when, 70.0)
        if b > a:
            exact += level * (b - a)
        t.add(float(when), float(d))
        level += d
        last = when
    t.close(100.0)
    exact += level * max(0.0, 70.0 - max(last, 30.0))
    assert t.area == pytest.approx(exact, rel=1e-12)


def test_recorder_counts_delays_overlaps_and_costs_in_the_window():
    rec = Recorder(10.0, 20.0)
    rec.count("a", 9.99)
    rec.count("a", 10.0)
    rec.count("a", 19.99, 2.0)
    rec.count("a", 20.0)
    assert rec.counts["a"] == 3.0
    rec.delay(DELAY_REASONS[0], 5.0, 12.0)
    rec.delay(DELAY_REASONS[0], 18.0, 30.0)
    assert rec.delay_days[DELAY_REASONS[0]] == pytest.approx(4.0)
    assert rec.overlap(0.0, 5.0) == 0.0 and rec.overlap(12.0, 13.5) == 1.5
    rec.cost("acute", "nhs", 100.0, 15.0)
    rec.cost("acute", "nhs", 100.0, 25.0)
    rec.cost("acute", "nhs", 0.0, 15.0)
    # Costs are kept by (service, payer, kind, year); year 0 starts with the window.
    assert dict(rec.costs) == {("acute", "nhs", "variable", 0): 100.0}
    rec.cost("acute", "nhs", 50.0, 19.0, kind="fixed")
    assert rec.costs[("acute", "nhs", "fixed", 0)] == 50.0
    assert rec.tracker("x") is rec.tracker("x")


# ---------------------------------------------------------------------------- the calendar
def test_calendar_weekdays_and_working_time():
    cal = Calendar(start_weekday=4)  # day 0 is a Friday
    assert [cal.weekday(d) for d in range(4)] == [4, 5, 6, 0]
    assert cal.is_working_day(0.5) and not cal.is_working_day(1.5)
    assert cal.next_working_time(0.3) == 0.3
    assert cal.next_working_time(1.7) == 3.0  # Saturday afternoon -> Monday 00:00
    # Half a day left on Friday, the other half on Monday.
    assert cal.add_working_days(0.5, 1.0, seven_day=False) == pytest.approx(3.5)
    assert cal.add_working_days(0.5, 1.0, seven_day=True) == pytest.approx(1.5)
    # Five working days from Monday 00:00 end at Saturday 00:00, i.e. the weekend is skipped.
    assert cal.add_working_days(3.0, 5.0, seven_day=False) == pytest.approx(8.0)
    assert cal.add_working_days(3.0, 6.0, seven_day=False) == pytest.approx(11.0)
    assert cal.next_weekday_time(0.2, 0) == pytest.approx(3.5)
    assert cal.next_weekday_time(3.6, 0) == pytest.approx(10.5)


def test_calendar_crisis_multiplier_averages_one_and_respects_its_bound():
    cal = Calendar(start_weekday=2, start_day_of_year=100, winter_peak=0.2,
                   winter_peak_day=280, monday_excess=0.1)
    # 7 x 365 whole days at noon: every weekday meets every day of the year once.
    values = [cal.crisis_multiplier(d + 0.5) for d in range(7 * 365)]
    assert sum(values) / len(values) == pytest.approx(1.0, abs=1e-3)
    assert max(values) <= cal.max_multiplier + 1e-12
    # The peak falls on the configured day of the year.
    season = Calendar(start_day_of_year=0, winter_peak=0.2, winter_peak_day=280)
    assert season.crisis_multiplier(280.0) == pytest.approx(1.2)
    assert season.crisis_multiplier(280.0 + 365 / 2) == pytest.approx(0.8)


# ----------------------------------------------------------------------- the delay clock
def test_delay_clock_books_each_stretch_to_its_reason_and_closes():
    rec = Recorder(10.0, 100.0)
    open_clocks: set = set()
    clock = DelayClock(rec, 5.0, open_clocks)
    assert clock in open_clocks
    clock.switch(DELAY_REASONS[0], 5.0)   # awaiting assessment from day 5 (window from 10)
    clock.switch(DELAY_REASONS[1], 12.0)  # funding decision from day 12
    clock.switch(DELAY_REASONS[4], 15.5)  # care home from day 15.5
    clock.switch(None, 20.0)
    assert clock not in open_clocks
    assert rec.delay_days[DELAY_REASONS[0]] == pytest.approx(2.0)
    assert rec.delay_days[DELAY_REASONS[1]] == pytest.approx(3.5)
    assert rec.delay_days[DELAY_REASONS[4]] == pytest.approx(4.5)
    assert sum(rec.delay_days.values()) == pytest.approx(20.0 - 10.0)


# ----------------------------------------------------------------------- the policy draws
def test_draw_effect_is_normal_truncated_and_always_uses_one_draw():
    stream = Stream(np.random.default_rng(1))
    effect = UncertainEffect(mean=-0.1, sd=0.05, low=-0.9, high=1.0)
    draws = np.array([draw_effect(effect, stream) for _ in range(N)])
    assert draws.mean() == pytest.approx(-0.1, abs=0.002)
    assert draws.std() == pytest.approx(0.05, rel=0.03)
    assert stats.kstest(draws, stats.norm(-0.1, 0.05).cdf).pvalue > P_FLOOR
    narrow = UncertainEffect(mean=0.0, sd=0.5, low=-0.1, high=0.1)
    clipped = [draw_effect(narrow, stream) for _ in range(1000)]
    assert min(clipped) == -0.1 and max(clipped) == 0.1
    # A certain effect still consumes its draw, so later draws stay aligned across scenarios.
    a, b = Stream(np.random.default_rng(2)), Stream(np.random.default_rng(2))
    draw_effect(UncertainEffect(), a)
    b.normal()
    assert a.normal() == b.normal()


def test_policy_draws_the_same_effects_whether_or_not_levers_are_on():
    off = Params()
    on = Params.model_validate({**off.model_dump(), "levers": {
        **off.levers.model_dump(), "key_worker_coverage": 0.5, "neighbourhood_team": True}})
    pol_off = Policy(off, Streams(replication_seed(9, 3)).levers)
    pol_on = Policy(on, Streams(replication_seed(9, 3)).levers)
    for name in ("key_worker_effect", "self_management_effect", "team_admission_effect",
                 "team_readmission_effect"):
        assert getattr(pol_off, name) == getattr(pol_on, name)
    assert pol_off.admission_multiplier() == 1.0 == pol_off.readmission_multiplier()
    assert pol_on.admission_multiplier() == pytest.approx(1.0 + pol_on.team_admission_effect)
    assert pol_on.crisis_multiplier(True, True) == pytest.approx(
        (1 + pol_on.key_worker_effect) * (1 + pol_on.self_management_effect))
    assert pol_on.crisis_multiplier(False, False) == 1.0


def test_record_outages_take_the_expected_share_of_time():
    p = Params.model_validate({**Params().model_dump(), "levers": {
        **Params().levers.model_dump(), "shared_care_plan": True,
        "record_outage": {"outages_per_year": 12.0, "mean_duration_days": 3.0}}})
    env = simpy.Environment()
    policy = Policy(p, Stream(np.random.default_rng(4)))
    down = Tracker("down", 0.0, 36_500.0)
    env.process(outage_process(env, policy, p, Stream(np.random.default_rng(5)),
                               on_change=lambda up: down.add(env.now, -1 if up else 1)))
    assert policy.shared_care_plan
    env.run(until=36_500.0)
    down.close(36_500.0)
    expected = 3.0 / (365.0 / 12.0 + 3.0)
    assert down.area / 36_500.0 == pytest.approx(expected, rel=0.08)
    assert policy.shared_care_plan == policy.record_up


# -------------------------------------------------------------------- the random streams
def test_stream_draws_have_the_right_distributions():
    s = Stream(np.random.default_rng(11))
    u = np.array([s.uniform() for _ in range(N)])
    e = np.array([s.exponential(3.0) for _ in range(N)])
    z = np.array([s.normal(1.0, 2.0) for _ in range(N)])
    ln = np.array([s.lognormal(4.0, 0.5) for _ in range(N)])
    g = np.array([s.gamma(2.0, 0.5) for _ in range(N)])
    assert stats.kstest(u, "uniform").pvalue > P_FLOOR
    assert stats.kstest(e, stats.expon(scale=3.0).cdf).pvalue > P_FLOOR
    assert stats.kstest(z, stats.norm(1.0, 2.0).cdf).pvalue > P_FLOOR
    assert stats.kstest(ln, stats.lognorm(0.5, scale=4.0).cdf).pvalue > P_FLOOR
    assert stats.kstest(g, stats.gamma(4.0, scale=0.5).cdf).pvalue > P_FLOOR
    assert e.mean() == pytest.approx(3.0, rel=0.03)
    assert g.mean() == pytest.approx(2.0, rel=0.02) and g.std() / g.mean() == pytest.approx(
        0.5, rel=0.03)
    counts = np.bincount([s.choice([1.0, 2.0, 7.0]) for _ in range(N)], minlength=3) / N
    assert counts == pytest.approx([0.1, 0.2, 0.7], abs=0.01)


def test_stream_values_depend_only_on_the_order_blocks_are_refilled():
    """Uniforms and exponentials have their own buffers: once both have been filled in the
    same order, interleaving the kinds of draw does not change the values within the block
    (it can change which later block goes to which kind)."""
    a, b = Stream(np.random.default_rng(3), block=64), Stream(np.random.default_rng(3), block=64)
    a.uniform(), a.exponential()
    b.uniform(), b.exponential()
    plain = [a.uniform() for _ in range(60)]
    mixed = []
    for _ in range(60):
        b.exponential()
        mixed.append(b.uniform())
    assert plain == mixed
    # Refilled in the other order, the same generator gives the uniforms other values.
    c = Stream(np.random.default_rng(3), block=64)
    c.exponential()
    assert c.uniform() != Stream(np.random.default_rng(3), block=64).uniform()


def test_streams_are_reproducible_and_distinct():
    one, two = Streams(replication_seed(7, 0)), Streams(replication_seed(7, 0))
    other = Streams(replication_seed(7, 1))
    assert [one.arrivals.uniform() for _ in range(5)] == [two.arrivals.uniform() for _ in range(5)]
    assert one.entrants.uniform() != one.outage.uniform()
    assert Streams(replication_seed(7, 0)).levers.uniform() != other.levers.uniform()
    with pytest.raises(AttributeError):
        one.nonexistent  # noqa: B018


# ----------------------------------------------------------------------- per-person draws
def _people(draws: PersonDraws, n: int):
    return [SimpleNamespace(rkey=draws.person_key(pid), draws=[0, 0, 0, 0]) for pid in range(n)]


def test_person_draws_have_the_right_distributions():
    d = PersonDraws(replication_seed(13, 0))
    people = _people(d, N)
    u = np.array([d.uniform(q, COMMUNITY) for q in people])
    e = np.array([d.exponential(q, HOSPITAL, 2.5) for q in people])
    z = np.array([d.normal(q, DISCHARGE) for q in people])
    ln = np.array([d.lognormal(q, HOSPITAL, 1.7, 1.4) for q in people])
    g = np.array([d.gamma(q, SERVICES, 10.0, 0.8) for q in people])
    assert 0.0 < u.min() and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > P_FLOOR
    assert stats.kstest(e, stats.expon(scale=2.5).cdf).pvalue > P_FLOOR
    assert stats.kstest(z, "norm").pvalue > P_FLOOR
    assert stats.kstest(ln, stats.lognorm(1.4, scale=1.7).cdf).pvalue > P_FLOOR
    shape = 1 / 0.8 ** 2
    assert stats.kstest(g, stats.gamma(shape, scale=10.0 / shape).cdf).pvalue > P_FLOOR
    assert u.mean() == pytest.approx(0.5, abs=0.005) and u.var() == pytest.approx(1 / 12, rel=0.03)
    assert e.mean() == pytest.approx(2.5, rel=0.03)
    assert np.median(ln) == pytest.approx(1.7, rel=0.04)
    # Consecutive draws of one person are independent too.
    q = people[0]
    seq = np.array([d.uniform(q, COMMUNITY) for _ in range(N)])
    assert stats.kstest(seq, "uniform").pvalue > P_FLOOR
    assert abs(np.corrcoef(seq[:-1], seq[1:])[0, 1]) < 0.03


def test_person_draws_depend_only_on_person_purpose_and_count():
    """Common random numbers: a person's k-th draw for a purpose is fixed, whatever else
    was drawn before, for them or anybody else."""
    d = PersonDraws(replication_seed(13, 0))
    a, b = _people(d, 2)
    first = [d.uniform(a, HOSPITAL) for _ in range(3)]
    fresh = _people(PersonDraws(replication_seed(13, 0)), 2)[0]
    d.uniform(b, HOSPITAL)
    for _ in range(5):
        d.uniform(fresh, COMMUNITY)  # another purpose does not move the hospital counter
    assert [d.uniform(fresh, HOSPITAL) for _ in range(3)] == first
    assert fresh.draws == [5, 3, 0, 0] and a.draws == [0, 3, 0, 0]
    # The vectorised form gives the same numbers without moving any counter.
    keys = d.person_keys(50)
    assert keys.tolist() == [d.person_key(pid) for pid in range(50)]
    people = _people(d, 50)
    vector = PersonDraws.uniforms(keys, DISCHARGE, 0)
    assert vector.tolist() == [d.uniform(q, DISCHARGE) for q in people]
    # Another replication is another sequence.
    other = _people(PersonDraws(replication_seed(13, 1)), 1)[0]
    assert d.uniform(other, HOSPITAL) not in first
    assert math.isfinite(first[0])
