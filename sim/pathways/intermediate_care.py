"""Bed-based intermediate care: step-down rehabilitation (pathway 2).

A stay rehabilitates (part of the lost function comes back), then the person goes home, home
with a package, or to a care home, waiting in the intermediate care bed for that place:
blocked intermediate care beds are part of the system's congestion. Under discharge to assess
the social work assessment happens here instead of on the acute ward.
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

    def start(self, person: Person, need: int, d2a: bool) -> None:
        """The bed is already held."""
        m = self.m
        m.move(person, INTERMEDIATE_CARE)
        m.rec.count("intermediate_care_admissions", m.env.now)
        m.schedule_at_home_check(person)
        m.env.process(self._stay(person, need, d2a))

    def resume(self, person: Person, remaining: float) -> None:
        """A census start: the bed is held and ``remaining`` days of the stay are left."""
        self.m.move(person, INTERMEDIATE_CARE)
        self.m.env.process(self._stay(person, 0, d2a=False, stay=remaining))

    def _stay(self, person: Person, need: int, d2a: bool, stay: float | None = None):
        from .discharge import P1, P3

        del need  # every stay rehabilitates; the exit need is assessed at the end

        m = self.m
        dis = m.discharge
        now = m.env.now
        if stay is None:
            stay = m.draw.gamma(person, SERVICES, self.ic.stay_mean_days, 0.5)
        if d2a:
            yield from dis.social_work_assessment(person)
        yield m.env.timeout(stay)
        person.settle_deficit(m.env.now, m.community.half_life)
        person.deficit *= 1.0 - self.ic.function_recovery_share
        now = m.env.now
        exit_need = dis.need(person, now)
        if exit_need >= P3:
            service = m.care_home.kind_for(person, now)
        elif exit_need == P1:
            service = "home_care"
        else:
            service = None
        if service is not None:
            yield from dis.funding(person, exit_need, service)
            yield from dis.find_provider(person, service)
            pool, amount = dis.place_request(person, service)
            yield pool.acquire(amount)
        self.beds.release()
        if service is None:
            m.arrive_home(person, delay_days=0.0)
        elif service == "home_care":
            m.arrive_home(person, delay_days=0.0)
            m.home_care.start_package(person)
        else:
            m.care_home.admit(person, service)
