"""A&E and the acute ward: admission, boarding when the ward is full, treatment, death.

A crisis brings a person to A&E; a share are admitted, more with age and frailty. The
decision to admit is the emergency admission, whether or not a bed is free: from then the
person waits in A&E (the decision-to-admit, or trolley, wait) until a bed is free (first come,
first served), and may die while waiting, at the hazard of dying in hospital. Then they stay
for a treatment length of stay with a long right tail (lognormal, longer with frailty). At the end of treatment they are medically
fit at the next ``acute.ready_hour`` of the day (decided on the morning ward round, ready in the
early afternoon) and the discharge module takes over while they still occupy the bed.

In ``arrivals.mode = poisson`` the same ``episode`` serves a textbook M/M/c queue (verification
against Erlang B and C): Poisson arrivals of people with no history, the configured length of
stay, and departure as soon as they are medically fit. Every branch that only a textbook
customer takes is marked by ``m.textbook`` so it stays visible next to the real path.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..population import ACUTE, CARE_HOME, ED, Person
from ..processes import ImmediateProcess
from ..rng import HOSPITAL

if TYPE_CHECKING:
    from ..engine import Model


class Hospital:
    def __init__(self, m: Model):
        self.m = m
        a = m.p.acute
        c = m.p.community
        self.beds = m.pool("acute", a.beds)
        # Share of attendances admitted by [age band][frailty]: logistic in age and frailty.
        self.p_admit = [[self._admit(c, band, f) for f in range(4)] for band in range(3)]
        self.p_admit_care_home = self.p_admit[2][3]
        self.death_ratio = (1.0, c.frailty_mortality_ratio_mild, c.frailty_mortality_ratio_moderate,
                            c.frailty_mortality_ratio_severe)
        self.los_median = [a.los_median_days_fit * a.los_frailty_ratio_per_level ** f
                           for f in range(4)]
        self.stay_start: dict[int, float] = {}
        # The textbook M/M/c queue used for verification: nobody dies while waiting and
        # capacity never changes, so the Erlang formulas apply.
        self.textbook = m.textbook
        # Hazard per day of dying while waiting for a bed: the in-hospital death probability
        # spread over the mean treatment stay, by frailty.
        mean_los = [med * math.exp(a.los_sigma ** 2 / 2.0) for med in self.los_median]
        self.waiting_death_hazard = [
            -math.log(1.0 - self.death_probability_of(f)) / mean_los[f] for f in range(4)]
        # Expected treatment stay by frailty, as the stay is drawn (a census start weights
        # who is in a bed by it).
        self.mean_los = ([a.los_mean_days] * 4 if a.los_distribution == "exponential"
                         else mean_los)
        self.waiting_since: dict[int, float] = {}  # pid -> time of the decision to admit
        # Fixed for the run, read on every attendance and admission.
        self.death_probabilities = [self.death_probability_of(f) for f in range(4)]
        self.reject_when_full = a.when_full == "reject"
        self.ready_hour = a.ready_hour
        self.lognormal_los = a.los_distribution != "exponential"
        self.ae_cost = m.p.costs.ae_attendance
        self.admission_cost = m.p.costs.admission_episode
        # Decision-to-admit waits completed, by results day of the bed (hours, count).
        self.dta_by_day: dict[int, list[float]] = {}
        self.pressure_odds = (a.pressure_odds_ratio_95, a.pressure_odds_ratio_100,
                              a.pressure_odds_ratio_105)
        self.pressure_response = any(r != 1.0 for r in self.pressure_odds)

    @staticmethod
    def _admit(c, band: int, frailty: int) -> float:
        p0 = c.admission_probability
        if p0 <= 0.0 or p0 >= 1.0:
            return p0
        odds = p0 / (1.0 - p0) * (1.0, c.admission_odds_ratio_75_84,
                                  c.admission_odds_ratio_85_plus)[band]
        odds *= c.admission_odds_ratio_per_frailty_level ** frailty
        return odds / (1.0 + odds)

    def admission_probability(self, person: Person) -> float:
        if person.location == CARE_HOME:
            return self.p_admit_care_home
        return self.p_admit[person.band][person.frailty]

    def admission_probabilities(self, bands, frailty):
        """``admission_probability`` of people at home, by arrays of band and frailty."""
        return np.array(self.p_admit)[bands, frailty]

    def death_probability(self, person: Person) -> float:
        return self.death_probabilities[person.frailty]

    def death_probability_of(self, frailty: int) -> float:
        return min(0.95, self.m.p.acute.death_probability_fit * self.death_ratio[frailty])

    # ----------------------------------------------------------------------------------
    def poisson_arrivals(self):
        """Verification mode: Poisson arrivals of textbook people, each through ``episode``."""
        m = self.m
        env = m.env
        rate = m.p.arrivals.rate_per_day
        if rate <= 0:
            return
        gap = m.rs.arrivals.exponential
        mean_gap = 1.0 / rate
        while True:
            yield env.timeout(gap(mean_gap))
            person = m.textbook_person()
            env.process(self.episode(person))

    # ----------------------------------------------------------------------------------
    def crisis(self, person: Person, certain_admission: bool = False,
               at_once: bool = False) -> None:
        """A crisis reaches A&E (called by the community at the time of the crisis).

        ``at_once``: the caller is an event callback that does nothing after this call, so an
        admission's first step may run now rather than through an ``Initialize`` event (see
        :mod:`sim.processes`); a caller inside a process step must leave it False."""
        m = self.m
        env = m.env
        now = env.now
        rec = m.rec
        rec.count("ae_attendances", now)
        rec.cost("a_and_e", "nhs", self.ae_cost, now)
        if certain_admission:
            p = 1.0
        else:
            p = (self.p_admit_care_home if person.location == CARE_HOME
                 else self.p_admit[person.band][person.frailty])
            p = min(1.0, p * m.policy.admission_multiplier())
        quiet_day = p
        if self.pressure_response and not certain_admission and p < 1.0:
            p = self.under_pressure(p)
        u = m.draw.uniform(person, HOSPITAL)
        if u < p:
            if at_once:
                ImmediateProcess(env, self.episode(person))
            else:
                env.process(self.episode(person))
        else:
            if u < quiet_day:
                # Sent home because the beds were full: a cost of pressure, so counted.
                rec.count("admissions_forgone_full", now)
            m.community.schedule(person)

    def under_pressure(self, p: float) -> float:
        """The chance of admission once the A&E sees how full the beds are. Full hospitals
        admit fewer of the people at the margin, which is how English hospitals get through
        winters at 94% mean occupancy without their A&E queue running away; without it the
        model's only winter flex is the escalation beds."""
        beds = self.beds
        if beds.capacity <= 0:
            return p
        load = (beds.in_use + len(beds.waiting)) / beds.capacity
        if load < 0.95:
            return p
        ratio = self.pressure_odds[2 if load >= 1.05 else 1 if load >= 1.0 else 0]
        odds = p / (1.0 - p) * ratio
        return odds / (1.0 + odds)

    def episode(self, person: Person):
        m = self.m
        env = m.env
        came_from = person.location
        m.leave_community(person)
        m.move(person, ED)
        if self.reject_when_full and not self.beds.can_take():
            m.rec.count("acute_diverted", env.now)
            m.rec.count("acute_arrivals", env.now)
            m.move(person, came_from)
            if m.textbook:
                m.depart(person)
            else:
                m.community.schedule(person)
            return
        arrived = env.now
        if arrived - person.last_discharge <= 30.0:
            m.rec.count("readmissions_30d", arrived, person=person)
        # The decision to admit is the emergency admission, bed or no bed.
        m.rec.count("emergency_admissions", arrived, person=person)
        m.rec.cost("acute", "nhs", self.admission_cost, arrived)
        beds = self.beds
        # A free bed is taken without an event: nobody waits for it, and SimPy orders every
        # other event by time, priority and order of scheduling, so leaving it out moves none
        # of them (a heap push and pop saved on most admissions).
        request = None if not self.textbook and beds.try_take() else beds.acquire()
        if request is not None and not request.triggered:
            m.check_boarding_queue(len(beds.waiting))
        draw = m.draw
        if self.textbook:
            yield request
        else:
            # Drawn whether or not a bed is free, so scenarios compared keep the same luck.
            death_in = draw.exponential(person, HOSPITAL,
                                        1.0 / self.waiting_death_hazard[person.frailty])
            if request is not None:
                self.waiting_since[person.pid] = arrived
                yield request | env.timeout(death_in)
                del self.waiting_since[person.pid]
                if not request.triggered:
                    self.beds.cancel(request)
                    self.record_wait(arrived)
                    m.rec.count("deaths_waiting_ae", env.now)
                    m.die(person, "hospital")
                    return
        self.record_wait(arrived)
        m.rec.count("acute_waited", arrived, 1.0 if env.now > arrived else 0.0)
        m.move(person, ACUTE)
        self.start_stay(person, arrived)
        person.excess_crisis_at = math.inf

        los = self.length_of_stay(person)
        if m.textbook:
            # A textbook M/M/c customer: no illness, no death, no discharge process.
            yield env.timeout(los)
            self.end_stay(person)
            m.depart(person)
            return
        person.settle_deficit(env.now, m.community.half_life)
        person.deficit += draw.exponential(person, HOSPITAL, m.p.acute.illness_function_loss)
        dies = draw.uniform(person, HOSPITAL) < self.death_probabilities[person.frailty]
        when = draw.uniform(person, HOSPITAL)
        if dies:
            yield env.timeout(when * los)
            self.end_stay(person)
            m.die(person, "hospital")
            return
        yield env.timeout(los)
        yield from self.until_ready_hour()
        yield from m.discharge.medically_fit(person)

    def until_ready_hour(self):
        """Treatment is over: wait for the hour of the day at which patients are ready to
        leave (``acute.ready_hour``). Beds then free in the afternoon while A&E admits around
        the clock, which is where most decision-to-admit waits come from."""
        hour = self.ready_hour
        if hour is None:
            return
        now = self.m.env.now
        ready = math.floor(now) + hour / 24.0
        if ready < now:
            ready += 1.0
        if ready > now:
            yield self.m.env.timeout(ready - now)

    def length_of_stay(self, person: Person) -> float:
        """Treatment length of stay (until medically fit), by ``acute.los_distribution``."""
        a = self.m.p.acute
        if self.lognormal_los:
            return self.m.draw.lognormal(person, HOSPITAL, self.los_median[person.frailty],
                                         a.los_sigma)
        return self.m.draw.exponential(person, HOSPITAL, a.los_mean_days)

    def record_wait(self, decided: float) -> None:
        """A decision-to-admit wait has ended (a bed, or death): book it by the decision."""
        m = self.m
        now = m.env.now
        hours = (now - decided) * 24.0
        rec = m.rec
        self._count_wait(decided, hours)
        if rec.in_window(now):
            day = int(now - rec.start)
            cell = self.dta_by_day.get(day)
            if cell is None:
                cell = self.dta_by_day[day] = [0.0, 0.0]
            cell[0] += hours
            cell[1] += 1.0

    def _count_wait(self, decided: float, hours: float) -> None:
        rec = self.m.rec
        rec.count("dta_waits", decided)
        rec.count("dta_wait_hours", decided, hours)
        if hours > 4.0:
            rec.count("dta_4h_waits", decided)
        if hours > 12.0:
            rec.count("dta_12h_waits", decided)

    def start_stay(self, person: Person, arrived: float) -> None:
        """A bed is taken (the admission itself was counted and costed at the decision)."""
        m = self.m
        now = m.env.now
        self.stay_start[person.pid] = now
        m.rec.count("acute_arrivals", arrived)
        m.rec.count("acute_wait_days", arrived, now - arrived)

    def end_stay(self, person: Person) -> None:
        """Free the bed and record the stay (for Little's law); the caller moves the person."""
        m = self.m
        start = self.stay_start.pop(person.pid)
        now = m.env.now
        rec = m.rec
        rec.acute_stay_days_in_window += rec.overlap(start, now)
        if rec.in_window(start):
            rec.acute_stays_started += 1
            rec.acute_stay_days_started += min(now, rec.end) - start
        rec.count("acute_discharges", now)
        if rec.in_window(now):
            rec.completed_stays.append(now - start)
        rec.count("acute_los_days", now, now - start)
        self.beds.release()

    def close(self, now: float) -> None:
        """Count the part of stays still open when the run stops, and the waits so far of
        people still waiting for a bed (censored, but never left out)."""
        rec = self.m.rec
        for decided in self.waiting_since.values():
            self._count_wait(decided, (now - decided) * 24.0)
        for start in self.stay_start.values():
            rec.acute_stay_days_in_window += rec.overlap(start, now)
            if rec.in_window(start):
                rec.acute_stays_started += 1
                rec.acute_stay_days_started += min(now, rec.end) - start
