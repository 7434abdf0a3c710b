"""Reablement: up to six weeks of short-term support at home to regain function.

A place is held from the day the person leaves hospital. At the end the person has regained
part of the function they lost and ends with no further need, a reduced package or long-term
home care, by their function then. If a package is needed the reablement place stays taken
until home care hours are free (reablement capacity blocked by home care, as seen in
practice).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simpy import Interrupt

from ..population import Person
from ..rng import SERVICES

if TYPE_CHECKING:
    from ..engine import Model


class Reablement:
    def __init__(self, m: Model):
        self.m = m
        self.r = m.p.reablement
        self.slots = m.pool("reablement", self.r.slots)

    def start(self, person: Person, from_hospital: bool) -> None:
        m = self.m
        now = m.env.now
        m.rec.count("reablement_starts", now)
        m.book_pooled_cost("reablement", "local_authority", m.p.costs.reablement_episode, now)
        if from_hospital:
            m.schedule_at_home_check(person)
        person.service_proc = m.env.process(self._run(person))

    def resume(self, person: Person, remaining: float) -> None:
        """A census start: the place is held and ``remaining`` days of support are left."""
        person.service_proc = self.m.env.process(self._run(person, remaining))

    def _run(self, person: Person, duration: float | None = None):
        m = self.m
        if duration is None:
            duration = min(42.0, m.draw.gamma(person, SERVICES, self.r.duration_mean_days, 0.5))
        pending = None
        try:
            yield m.env.timeout(duration)
            now = m.env.now
            person.settle_deficit(now, m.community.half_life)
            person.deficit *= 1.0 - self.r.function_recovery_share
            f = person.function(now, m.community.half_life)
            if f >= self.r.independent_function_above:
                outcome, hours = "no_further_need", 0.0
            elif f >= self.r.reduced_package_function_above:
                outcome = "reduced_package"
                hours = (m.home_care.new_package_hours(person)
                         * m.p.home_care.reduced_package_share)
            else:
                outcome, hours = "long_term_home_care", m.home_care.new_package_hours(person)
            m.rec.count(f"reablement_{outcome}", now)
            if hours > 0:
                person.package_hours = hours
                pending = m.home_care.hours.acquire(
                    hours, first=m.discharge.first_for("home_care"))
                yield pending
                pending = None
                m.home_care.start_package(person)
        except Interrupt:
            if pending is not None:
                m.home_care.hours.cancel(pending, person.package_hours)
        finally:
            self.slots.release()
            person.service_proc = None
