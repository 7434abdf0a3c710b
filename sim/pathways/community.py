"""Life in the community: crises, deaths, frailty progression, referrals and new 65-year-olds.

No person is "ticked" daily. Each person at home (or in a care home) has one pending event:
the earliest of competing exponential clocks (crisis, death, frailty progression, home care
referral, care-home admission) and any excess crisis risk after a discharge. Age enters
through the person's age band, which the population accounts move up (see
:mod:`sim.pathways.demography`). Because exponential clocks are memoryless, all clocks
are redrawn after any event, and a change of state simply bumps ``person.version`` so that a
stale pending event is ignored when it fires. Seasonal and weekly variation of crises uses
thinning: candidates are drawn at the peak rate and kept with probability rate(t)/peak.
"""

from __future__ import annotations

import math
from heapq import heapify, heappush
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
from simpy.events import NORMAL

from ..population import (
    CARE_HOME,
    HOME,
    INDEPENDENT,
    Person,
    StartingPopulation,
    new_person,
)
from ..rng import COMMUNITY, DISCHARGE, PersonDraws

# Index of the fixed per-person draw behind a later key-worker offer (far above any counter).
KEY_WORKER_DRAW = 1 << 40
_STANDARD_NORMAL = NormalDist()

if TYPE_CHECKING:
    from ..engine import Model

BUCKET_DAYS = 7.0

# The first six are competing clocks, in this order in ``schedule``.
CRISIS, DEATH, FRAILTY, HOME_CARE_REFERRAL, CARE_HOME_DIRECT, PACKAGE_END, EXCESS_CRISIS = \
    range(7)


class _Pending:
    """A pending community event: only what ``simpy.Environment.step`` reads of an event."""

    __slots__ = ("callbacks", "person", "version", "kind")
    _ok = True

    def __init__(self, callbacks: list, person: Person, version: int, kind: int):
        self.callbacks = callbacks
        self.person = person
        self.version = version
        self.kind = kind


class Community:
    def __init__(self, m: Model):
        self.m = m
        self.key_worker_bar: tuple[float, float] | None = None
        c = m.p.community
        self.half_life = c.function_recovery_half_life_days
        peak = m.cal.max_multiplier
        day = 1.0 / 365.0  # parameters are per year; the clock runs in days
        age_crisis = (1.0, c.age_crisis_ratio_75_84, c.age_crisis_ratio_85_plus)
        frail_crisis = (1.0, c.frailty_crisis_ratio_mild, c.frailty_crisis_ratio_moderate,
                        c.frailty_crisis_ratio_severe)
        # Peak crisis rate per day by [age band][frailty], before conditions and levers.
        self.crisis_peak = [[c.crisis_rate_per_year * day * a * f * peak for f in frail_crisis]
                            for a in age_crisis]
        # Residents' admissions are published; their attendances follow from the share of
        # attendances admitted for the oldest, most frail band.
        self.care_home_crisis_peak = (c.care_home_admissions_per_resident_year * day * peak
                                      / max(m.hospital.p_admit_care_home, 1e-9))
        age_mort = (1.0, c.mortality_ratio_75_84, c.mortality_ratio_85_plus)
        frail_mort = (1.0, c.frailty_mortality_ratio_mild, c.frailty_mortality_ratio_moderate,
                      c.frailty_mortality_ratio_severe)
        self.death = [[c.mortality_per_year_65_74 * day * a * f for f in frail_mort]
                      for a in age_mort]
        self.care_home_death = c.care_home_mortality_per_year * day
        scale = c.frailty_progression_scale * day
        self.progression = (c.frailty_progression_per_year_65_74 * scale,
                            c.frailty_progression_per_year_75_84 * scale,
                            c.frailty_progression_per_year_85_plus * scale)
        k = c.frailty_progression_ratio_frail
        self.progression_ratio = (1.0, k, k, 0.0)  # by current level; severe is the top
        self.referral = (0.0, c.home_care_referral_per_year_mild * day,
                         c.home_care_referral_per_year_moderate * day,
                         c.home_care_referral_per_year_severe * day)
        self.care_home_direct = (0.0, 0.0, c.care_home_direct_per_year_severe * day / 4.0,
                                 c.care_home_direct_per_year_severe * day)
        self.package_end = m.p.home_care.package_end_per_year * day
        self.condition_ratio = c.crisis_ratio_per_condition
        self.mean_conditions = m.p.population.mean_long_term_conditions
        self.peak = peak
        self.care_home_rates = (self.care_home_crisis_peak, self.care_home_death,
                                0.0, 0.0, 0.0, 0.0)
        # SimPy's step() swaps an event's callbacks for None and only iterates the old list,
        # so one list can serve every pending event.
        self._pending_callbacks = [self._fire]
        self._buckets: dict[int, list] = {}
        self._open_week = 0  # pending events due before the end of this week are on the heap

    # ----------------------------------------------------------------------------------
    def crisis_rate_peak(self, person: Person, levers: bool = True) -> float:
        """Peak-season crisis rate per day of a person (with or without the levers)."""
        if person.location == CARE_HOME:
            return self.care_home_crisis_peak
        rate = self.crisis_peak[person.band][person.frailty]
        extra = person.conditions - (self.mean_conditions + person.frailty)
        if extra:
            rate *= self.condition_ratio ** extra
        if levers and (person.key_worker or person.self_managed):
            rate *= self.m.policy.crisis_multiplier(person.key_worker, person.self_managed)
        return rate

    def schedule(self, person: Person) -> None:
        """Cancel any pending community event of this person and draw the next one."""
        person.version += 1
        m = self.m
        now = m.env.now
        location = person.location
        if location == HOME:
            band = person.band
            f = person.frailty
            # crisis_rate_peak, inlined: this runs once per community event of every person.
            crisis = self.crisis_peak[band][f]
            extra = person.conditions - (self.mean_conditions + f)
            if extra:
                crisis *= self.condition_ratio ** extra
            if person.key_worker or person.self_managed:
                crisis *= m.policy.crisis_multiplier(person.key_worker, person.self_managed)
            waiting = person.waiting_request is not None
            rates = (
                crisis,
                self.death[band][f],
                self.progression[band] * self.progression_ratio[f],
                self.referral[f] if person.care == INDEPENDENT and not waiting else 0.0,
                self.care_home_direct[f] if not waiting else 0.0,
                self.package_end if person.holds_package else 0.0,
            )
        elif location == CARE_HOME:
            rates = self.care_home_rates
        else:
            return
        total = rates[0] + rates[1] + rates[2] + rates[3] + rates[4] + rates[5]
        draw = m.draw
        t = now + draw.exponential(person, COMMUNITY, 1.0 / total) if total > 0 else math.inf
        kind = -1
        excess = person.excess_crisis_at
        if t < excess:
            u = draw.uniform(person, COMMUNITY) * total
            acc = 0.0
            for k, r in enumerate(rates):
                acc += r
                if u < acc:
                    kind = k
                    break
            else:
                kind = CRISIS
        else:
            t, kind = excess, EXCESS_CRISIS
        if t >= m.end:
            return
        # A bare pending event instead of a Timeout plus a callback closure: a person at home
        # costs one small object and one heap entry until the event fires.
        self._pend(_Pending(self._pending_callbacks, person, person.version, kind), now, t)

    def _pend(self, event: _Pending, now: float, t: float) -> None:
        """Put a pending event on SimPy's heap, or in the bucket of its week until then.

        Most pending events are months away. Keeping them out of the heap until the week
        before they fire keeps the heap small, so each event's heap operations stay cheap
        however large the population. An event goes on the heap with exactly the time and
        priority ``env.schedule`` would give it; only its tie-break number comes later."""
        when = now + (t - now)
        week = int(when // BUCKET_DAYS)
        if week <= self._open_week:
            self.m.env.schedule(event, NORMAL, t - now)
        else:
            bucket = self._buckets.get(week)
            if bucket is None:
                bucket = self._buckets[week] = []
            bucket.append((when, event))

    def open_weeks(self):
        """A SimPy process: a week ahead of each week, move its pending events to the heap."""
        env = self.m.env
        queue = env._queue  # SimPy's heap and event counter; entries as env.schedule makes
        eid = env._eid
        while True:
            self._open_week += 1
            entries = [(when, NORMAL, next(eid), event)
                       for when, event in self._buckets.pop(self._open_week, ())]
            if len(entries) * 4 > len(queue):
                # Many at once: rebuilding the heap is cheaper than pushing one by one. The
                # order events leave the heap is the same (every entry's key is unique).
                queue.extend(entries)
                heapify(queue)
            else:
                for entry in entries:
                    heappush(queue, entry)
            yield env.timeout((self._open_week - 1) * BUCKET_DAYS - env.now)

    def schedule_start(self, start: StartingPopulation, crisis_rates: np.ndarray) -> None:
        """``schedule`` for every starting person, in pid order, with identical results.

        Most people start at home, independent, with no lever and no draw yet: their clocks
        are drawn here with array arithmetic (the same operations in the same order as
        ``schedule``, and ``math.log``) and only the pending events are created one by one.
        Everybody else goes through ``schedule`` itself."""
        m = self.m
        people = start.people
        n = len(people)
        if n == 0:
            return
        now = m.env.now
        plain = np.fromiter(
            (q.location == HOME and q.care == INDEPENDENT and q.waiting_request is None
             and not (q.holds_package or q.key_worker or q.self_managed)
             and q.draws[COMMUNITY] == 0 for q in people), dtype=bool, count=n)
        f = start.frailty
        band = start.bands
        progression = [[p * r for r in self.progression_ratio] for p in self.progression]
        rates = (crisis_rates, np.array(self.death)[band, f], np.array(progression)[band, f],
                 np.array(self.referral)[f], np.array(self.care_home_direct)[f],
                 np.zeros(n))
        total = rates[0] + rates[1] + rates[2] + rates[3] + rates[4] + rates[5]
        positive = total > 0
        safe_total = np.where(positive, total, 1.0)
        u0 = PersonDraws.uniforms(start.keys, COMMUNITY, 0)
        log_u0 = np.array([math.log(u) for u in u0.tolist()])
        t = np.where(positive, now + -log_u0 * (1.0 / safe_total), math.inf)
        chosen = positive  # excess_crisis_at is inf for everybody at the start
        u = PersonDraws.uniforms(start.keys, COMMUNITY, 1) * total
        kind = np.full(n, CRISIS)
        acc = np.zeros(n)
        undecided = np.ones(n, dtype=bool)
        for k, r in enumerate(rates):
            acc = acc + r
            hit = undecided & (u < acc)
            kind[hit] = k
            undecided &= ~hit
        used = positive.astype(np.int64) + chosen
        due = t < m.end
        pend = self._pend
        callbacks = self._pending_callbacks
        for person, is_plain, k_used, is_due, k, when in zip(
                people, plain.tolist(), used.tolist(), due.tolist(), kind.tolist(),
                t.tolist()):
            if not is_plain:
                self.schedule(person)
                continue
            person.version += 1
            person.draws[COMMUNITY] = k_used
            if is_due:
                pend(_Pending(callbacks, person, person.version, k), now, when)

    def _fire(self, event: _Pending) -> None:
        person = event.person
        if person.version != event.version:
            return
        kind = event.kind
        m = self.m
        now = m.env.now
        if kind == CRISIS:
            if m.draw.uniform(person, COMMUNITY) * self.peak < m.cal.crisis_multiplier(now):
                m.hospital.crisis(person, at_once=True)
                return
        elif kind == EXCESS_CRISIS:
            person.excess_crisis_at = math.inf
            m.rec.count("excess_crises", now)
            m.hospital.crisis(person, certain_admission=True, at_once=True)
            return
        elif kind == DEATH:
            m.die(person, "care_home" if person.location == CARE_HOME else "community")
            return
        elif kind == FRAILTY:
            person.settle_deficit(now, self.half_life)
            m.demography.frailer(person)
            m.rec.count("frailty_progressions", now)
            self.offer_key_worker(person)
        elif kind == HOME_CARE_REFERRAL:
            m.home_care.refer_from_community(person)
        elif kind == CARE_HOME_DIRECT:
            m.care_home.refer_from_community(person)
        elif kind == PACKAGE_END:
            m.home_care.end_package(person)
        self.schedule(person)

    # ----------------------------------------------------------------------------------
    def starting_crisis_rates(self, start: StartingPopulation) -> np.ndarray:
        """``crisis_rate_peak`` of every starting person at time 0, before any lever.

        The rate depends only on place, age band, frailty and conditions, so it is computed
        once per combination (with the same scalar arithmetic, hence identical values) and
        spread to everybody."""
        band = start.bands
        combo = ((start.in_care_home * 3 + band) * 4 + start.frailty) * 1000 + start.conditions
        _, first, inverse = np.unique(combo, return_index=True, return_inverse=True)
        people = start.people
        rates = [self.crisis_rate_peak(people[i], levers=False) for i in first.tolist()]
        return np.array(rates)[inverse.reshape(-1)]

    def enrol(self, people: list[Person], crisis_rates: np.ndarray,
              conditions: np.ndarray) -> None:
        """Key workers for the people risk stratification picks; self-management support.

        ``crisis_rates`` and ``conditions`` are by person, as at the start of the run."""
        lv = self.m.p.levers
        gen = self.m.rs.generator("levers")
        n = len(people)
        # Always draw both noise vectors so common random numbers hold across scenarios.
        noise = gen.standard_normal(n)
        sm_draw = gen.random(n)
        if n == 0:
            return
        if lv.key_worker_coverage > 0:
            # math.log per distinct rate rather than np.log: the ranking must not depend on
            # how NumPy rounds logarithms on this CPU.
            distinct, inverse = np.unique(crisis_rates, return_inverse=True)
            risk = np.array([math.log(r + 1e-12) for r in distinct.tolist()])[inverse.reshape(-1)]
            acc = lv.risk_stratification_accuracy
            # Noise scaled to the spread of true risk: accuracy 1 ranks perfectly, 0 at random.
            spread = float(risk.std()) or 1.0
            score = risk + noise * spread * (1.0 - acc) / max(acc, 1e-6)
            k = int(round(lv.key_worker_coverage * n))
            if k > 0:
                chosen = np.argpartition(-score, k - 1)[:k] if k < n else np.arange(n)
                for i in chosen.tolist():
                    people[i].key_worker = True
                # People who reach this score later (turning 65, becoming frailer) are
                # offered a key worker too, as a risk register refreshed each month would.
                self.key_worker_bar = (float(score[chosen].min()),
                                       spread * (1.0 - acc) / max(acc, 1e-6))
        if lv.self_management_coverage > 0:
            # Only the cohort the evidence covers (COPD), a share of people with 2+ conditions.
            cohort = lv.self_management_cohort_share
            chosen = np.flatnonzero(
                (conditions >= 2) & (sm_draw < lv.self_management_coverage * cohort))
            for i in chosen.tolist():
                people[i].self_managed = True

    def offer_key_worker(self, person: Person) -> None:
        """Enrol a person who now scores above the bar risk stratification set at the start."""
        bar = self.key_worker_bar
        if bar is None or person.key_worker:
            return
        threshold, noise_scale = bar
        # A fixed draw per person (not a counter), so enrolment never shifts other draws.
        u = PersonDraws.fixed_uniform(person.rkey, DISCHARGE, KEY_WORKER_DRAW)
        score = (math.log(self.crisis_rate_peak(person, levers=False) + 1e-12)
                 + _STANDARD_NORMAL.inv_cdf(u) * noise_scale)
        if score >= threshold:
            person.key_worker = True
            self.m.key_workers.add(self.m.env.now, 1)
            self.m.rec.count("key_workers_added", self.m.env.now)

    def expected_deaths_by_band(self, start: StartingPopulation,
                                crisis_rates: np.ndarray) -> list[float]:
        """Deaths per day the starting population implies in each age band (community plus
        hospital, levers left out)."""
        n = len(start.people)
        if n == 0:
            return [0.0, 0.0, 0.0]
        frailty = start.frailty
        band = start.bands
        hospital = self.m.hospital
        death_p = np.array([hospital.death_probability_of(f) for f in range(4)])[frailty]
        p_adm_home = hospital.admission_probabilities(band, frailty)
        at_home = np.array(self.death)[band, frailty]
        care_home = (self.care_home_death
                     + self.care_home_crisis_peak / self.peak * hospital.p_admit_care_home
                     * death_p)
        per_person = np.where(start.in_care_home, care_home,
                              at_home + crisis_rates / self.peak * p_adm_home * death_p)
        return [float(per_person[band == b].sum()) for b in range(3)]
