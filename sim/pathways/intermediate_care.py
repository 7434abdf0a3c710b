"""Bed-based intermediate care (pathway 2) and interim beds (pathway 3 discharge to assess).

A stay rehabilitates (part of the lost function comes back), then the person goes home, home
with a package, or to a care home, waiting in the bed for that place: blocked intermediate
care beds are part of the system's congestion. Under discharge to assess the social work
assessment happens here instead of on the acute ward.

Interim beds are NHS-funded care-home beds for pathway 3 discharge to assess. The person is
assessed there, screened for Continuing Healthcare, chooses a home and may recover enough to
go home instead; the bed is held until they leave. In either kind of bed a person can have a
crisis (back to hospital) or die.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..population import INTERMEDIATE_CARE, Person
from ..rng import SERVICES

if TYPE_CHECKING:
    from ..engine import Model


class IntermediateCare:
    def __init__(self, m: Model):
        self.m = m
        self.ic = m.p.intermediate_care
        self.beds = m.pool("intermediate_care", self.ic.beds)
        self.interim = m.pool("interim_beds", self.ic.interim_beds)

    def start(self, person: Person, need: int, d2a: bool) -> None:
        """The bed is already held."""
        m = self.m
        m.move(person, INTERMEDIATE_CARE)
        m.rec.count("intermediate_care_admissions", m.env.now)
        m.schedule_at_home_check(person)
        m.env.process(self._stay(person, need, d2a))

    def start_interim(self, person: Person) -> None:
        """Pathway 3 discharge to assess; the interim bed is already held."""
        m = self.m
        m.move(person, INTERMEDIATE_CARE)
        m.rec.count("interim_bed_admissions", m.env.now)
        m.env.process(self._interim(person))

    # ----------------------------------------------------------------------------------
    def _rehabilitate(self, person: Person, pool, mean_days: float, recovery: float,
                      stay: float | None = None):
        """The stay itself (``stay`` days if given: a census start resumes a stay); returns
        False if a crisis or death ended it (bed released)."""
        m = self.m
        draw = m.draw
        if stay is None:
            stay = draw.gamma(person, SERVICES, mean_days, 0.5)
        day = 1.0 / 365.0
        t_crisis = (draw.exponential(person, SERVICES, 1.0 / (self.ic.crisis_per_year * day))
                    if self.ic.crisis_per_year > 0 else float("inf"))
        t_death = (draw.exponential(person, SERVICES, 1.0 / (self.ic.death_per_year * day))
                   if self.ic.death_per_year > 0 else float("inf"))
        first = min(t_crisis, t_death)
        if first < stay:
            yield m.env.timeout(first)
            pool.release()
            if t_death < t_crisis:
                m.rec.count("deaths_in_short_term_beds", m.env.now)
                m.die(person, "intermediate_care")
            else:
                m.rec.count("short_term_bed_readmissions", m.env.now)
                m.hospital.crisis(person, certain_admission=True)
            return False
        yield m.env.timeout(stay)
        person.settle_deficit(m.env.now, m.community.half_life)
        person.deficit *= 1.0 - recovery
        return True

    def resume(self, person: Person, remaining: float) -> None:
        """A census start: the bed is held and ``remaining`` days of the stay are left."""
        self.m.move(person, INTERMEDIATE_CARE)
        self.m.env.process(self._stay(person, 0, d2a=False, stay=remaining))

    def resume_interim(self, person: Person, remaining: float) -> None:
        """A census start: the interim bed is held and ``remaining`` days of the assessment
        period are left."""
        self.m.move(person, INTERMEDIATE_CARE)
        self.m.env.process(self._interim(person, stay=remaining))

    def _stay(self, person: Person, need: int, d2a: bool, stay: float | None = None):
        from .discharge import P1, P3

        del need  # every stay rehabilitates; the exit need is assessed at the end

        m = self.m
        dis = m.discharge
        if d2a:
            yield from dis.social_work_assessment(person)
        done = yield from self._rehabilitate(person, self.beds, self.ic.stay_mean_days,
                                             self.ic.function_recovery_share, stay)
        if not done:
            return
        now = m.env.now
        exit_need = dis.need(person, now)
        if exit_need >= P3:
            service = m.care_home.kind_for(person, now)
        elif exit_need == P1:
            service = "home_care"
        else:
            service = None
        yield from self._leave(person, self.beds, exit_need, service)

    def _interim(self, person: Person, stay: float | None = None):
        """Assess, screen for CHC and choose while in the interim bed; some go home."""
        from .discharge import P1, P3

        m = self.m
        dis = m.discharge
        yield from dis.social_work_assessment(person)
        done = yield from self._rehabilitate(person, self.interim, self.ic.interim_stay_days,
                                             self.ic.interim_function_recovery_share, stay)
        if not done:
            return
        now = m.env.now
        exit_need = dis.need(person, now)
        if exit_need >= P3:
            service = m.care_home.kind_for(person, now)
            yield from dis.choice(person, None)
            m.rec.count("interim_to_care_home", m.env.now)
        elif exit_need >= P1:
            service = "home_care"
            m.rec.count("interim_to_home", m.env.now)
        else:
            service = None
            m.rec.count("interim_to_home", m.env.now)
        yield from self._leave(person, self.interim, max(exit_need, P3), service)

    def _leave(self, person: Person, pool, exit_need: int, service: str | None):
        """Fund and find the next place while holding this bed, then move on."""
        m = self.m
        dis = m.discharge
        if service is not None:
            yield from dis.funding(person, exit_need, service)
            yield from dis.find_provider(person, service)
            place, amount = dis.place_request(person, service)
            yield place.acquire(amount, first=dis.first_for(service))
        pool.release()
        if service is None:
            m.arrive_home(person, delay_days=0.0)
        elif service == "home_care":
            m.home_care.start_package(person)
            m.arrive_home(person, delay_days=0.0)
        else:
            m.care_home.admit(person, service)
