"""Life in the community: crises, deaths, frailty progression, referrals and new 65-year-olds.

No person is "ticked" daily. Each person at home (or in a care home) has one pending event:
the earliest of competing exponential clocks (crisis, death, frailty progression, home care
referral, care-home admission), a deterministic birthday into the next age band, and any
excess crisis risk after a discharge. Because exponential clocks are memoryless, all clocks
are redrawn after any event, and a change of state simply bumps ``person.version`` so that a
stale pending event is ignored when it fires. Seasonal and weekly variation of crises uses
thinning: candidates are drawn at the peak rate and kept with probability rate(t)/peak.
"""

from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from ..population import (
    AGE_BANDS,
    CARE_HOME,
    HOME,
    INDEPENDENT,
    Person,
    age_band,
    new_person,
)
from ..rng import COMMUNITY

if TYPE_CHECKING:
    from ..engine import Model

CRISIS, DEATH, FRAILTY, HOME_CARE_REFERRAL, CARE_HOME_DIRECT, PACKAGE_END, AGE_BAND, EXCESS_CRISIS = \
    range(8)


class Community:
    def __init__(self, m: Model):
        self.m = m
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
        self.care_home_crisis_peak = (c.care_home_admissions_per_resident_year * day * peak
                                      / max(c.admission_probability, 1e-9))
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

    # ----------------------------------------------------------------------------------
    def crisis_rate_peak(self, person: Person, levers: bool = True) -> float:
        """Peak-season crisis rate per day of a person (with or without the levers)."""
        if person.location == CARE_HOME:
            return self.care_home_crisis_peak
        band = age_band(person.age(self.m.env.now))
        rate = self.crisis_peak[band][person.frailty]
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
        if person.location == CARE_HOME:
            rates = (self.care_home_crisis_peak, self.care_home_death, 0.0, 0.0, 0.0, 0.0)
            next_band = math.inf
        elif person.location == HOME:
            age = person.age(now)
            band = 0 if age < 75.0 else (1 if age < 85.0 else 2)
            f = person.frailty
            waiting = person.waiting_request is not None
            rates = (
                self.crisis_rate_peak(person),
                self.death[band][f],
                self.progression[band] * self.progression_ratio[f],
                self.referral[f] if person.care == INDEPENDENT and not waiting else 0.0,
                self.care_home_direct[f] if not waiting else 0.0,
                self.package_end if person.holds_package else 0.0,
            )
            next_band = (person.entry_time + (AGE_BANDS[band + 1] - person.entry_age) * 365.0
                         if band < 2 else math.inf)
        else:
            return
        total = sum(rates)
        draw = m.draw
        t = now + draw.exponential(person, COMMUNITY, 1.0 / total) if total > 0 else math.inf
        kind = -1
        if t < next_band and t < person.excess_crisis_at:
            u = draw.uniform(person, COMMUNITY) * total
            acc = 0.0
            for k, r in enumerate(rates):
                acc += r
                if u < acc:
                    kind = k
                    break
            else:
                kind = CRISIS
        elif next_band <= person.excess_crisis_at:
            t, kind = next_band, AGE_BAND
        else:
            t, kind = person.excess_crisis_at, EXCESS_CRISIS
        if t >= m.end:
            return
        ev = m.env.timeout(t - now)
        ev.callbacks.append(partial(self._fire, person, person.version, kind))

    def _fire(self, person: Person, version: int, kind: int, _event) -> None:
        if person.version != version:
            return
        m = self.m
        now = m.env.now
        if kind == CRISIS:
            if m.draw.uniform(person, COMMUNITY) * self.peak < m.cal.crisis_multiplier(now):
                m.hospital.crisis(person)
                return
        elif kind == EXCESS_CRISIS:
            person.excess_crisis_at = math.inf
            m.rec.count("excess_crises", now)
            m.hospital.crisis(person, certain_admission=True)
            return
        elif kind == DEATH:
            m.die(person, "care_home" if person.location == CARE_HOME else "community")
            return
        elif kind == FRAILTY:
            person.settle_deficit(now, self.half_life)
            person.frailty += 1
            m.rec.count("frailty_progressions", now)
        elif kind == HOME_CARE_REFERRAL:
            m.home_care.refer_from_community(person)
        elif kind == CARE_HOME_DIRECT:
            m.care_home.refer_from_community(person)
        elif kind == PACKAGE_END:
            m.home_care.end_package(person)
        self.schedule(person)

    # ----------------------------------------------------------------------------------
    def enrol(self, people: list[Person]) -> None:
        """Key workers for the people risk stratification picks; self-management support."""
        lv = self.m.p.levers
        gen = self.m.rs.generator("levers")
        n = len(people)
        # Always draw both noise vectors so common random numbers hold across scenarios.
        noise = gen.standard_normal(n)
        sm_draw = gen.random(n)
        if n == 0:
            return
        if lv.key_worker_coverage > 0:
            risk = np.array([math.log(self.crisis_rate_peak(q) + 1e-12) for q in people])
            acc = lv.risk_stratification_accuracy
            # Noise scaled to the spread of true risk: accuracy 1 ranks perfectly, 0 at random.
            spread = float(risk.std()) or 1.0
            score = risk + noise * spread * (1.0 - acc) / max(acc, 1e-6)
            k = int(round(lv.key_worker_coverage * n))
            if k > 0:
                chosen = np.argpartition(-score, k - 1)[:k] if k < n else np.arange(n)
                for i in chosen.tolist():
                    people[i].key_worker = True
        if lv.self_management_coverage > 0:
            for q, u in zip(people, sm_draw.tolist()):
                if q.conditions >= 2 and u < lv.self_management_coverage:
                    q.self_managed = True

    def entrants(self, expected_deaths_per_day: float):
        """People turning 65 join at the rate that replaces deaths plus growth."""
        m = self.m
        rate = (expected_deaths_per_day
                + m.p.population.projected_size * m.p.population.growth_per_year / 365.0)
        if rate <= 0:
            return
        gen = m.rs.generator("entrants")
        stream = m.rs.entrants
        mix = m.p.population.frailty_mix
        young = [mix.fit + 0.15, mix.mild, max(mix.moderate - 0.10, 0.0), max(mix.severe - 0.05, 0.0)]
        while True:
            yield m.env.timeout(stream.exponential(1.0 / rate))
            frailty = stream.choice(young)
            person = new_person(m.next_pid(), m.env.now, 65.0, frailty, gen, m.p)
            m.add_person(person)
            self.schedule(person)

    def expected_deaths_per_day(self, people: list[Person]) -> float:
        """Deaths per day the starting population implies (community plus hospital).

        Levers are left out so that every scenario compared gets the same entrants."""
        total = 0.0
        p_adm = self.m.p.community.admission_probability
        for q in people:
            if q.location == CARE_HOME:
                total += self.care_home_death + self.care_home_crisis_peak / self.peak * p_adm \
                    * self.m.hospital.death_probability(q)
            else:
                band = age_band(q.age(0.0))
                total += self.death[band][q.frailty]
                total += (self.crisis_rate_peak(q, levers=False) / self.peak * p_adm
                          * self.m.hospital.death_probability(q))
        return total


