"""Reablement: up to six weeks of short-term support at home to regain function.

A place is held from the day the person leaves hospital. At the end the person has regained
part of the function they lost and ends with no further need, a reduced package or long-term
home care, by their function then. If a package is needed the reablement place stays taken
until home care hours are free (reablement capacity blocked by home care, as seen in
practice). ASCOF 2B is measured 91 days after discharge from hospital into reablement.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from simpy import Interrupt

from ..population import HOME, Person

if TYPE_CHECKING:
    from ..engine import Model


class Reablement:
    def __init__(self, m: Model):
        self.m = m
        self.r = m.p.reablement
        self.slots = m.pool("reablement", self.r.slots)
        self.stream = m.rs.reablement

    def start(self, person: Person, from_hospital: bool) -> None:
        m = self.m
        now = m.env.now
        m.rec.count("reablement_starts", now)
        m.book_pooled_cost("reablement", "local_authority", m.p.costs.reablement_episode, now)
        if from_hospital and m.rec.in_window(now) and now + 91.0 <= m.end:
            check = m.env.timeout(91.0)
            check.callbacks.append(partial(self._ascof_check, person))
        person.service_proc = m.env.process(self._run(person))

    def _ascof_check(self, person: Person, _event) -> None:
        self.m.rec.ascof_outcomes.append(person.location == HOME)

    def _run(self, person: Person):
        m = self.m
        d = m.p.discharge
        duration = min(42.0, self.stream.gamma(self.r.duration_mean_days, 0.5))
        pending = None
        try:
            yield m.env.timeout(duration)
            now = m.env.now
            person.settle_deficit(now, m.community.half_life)
            person.deficit *= 1.0 - self.r.function_recovery_share
            f = person.function(now, m.community.half_life)
            if f >= d.p1_function_below:
                outcome, hours = "no_further_need", 0.0
            elif f >= (d.p1_function_below + d.p2_function_below) / 2.0:
                outcome = "reduced_package"
                hours = m.home_care.new_package_hours() * m.p.home_care.reduced_package_share
            else:
                outcome, hours = "long_term_home_care", m.home_care.new_package_hours()
            m.rec.count(f"reablement_{outcome}", now)
            if hours > 0:
                person.package_hours = hours
                pending = m.home_care.hours.acquire(hours)
                yield pending
                pending = None
                m.home_care.start_package(person)
        except Interrupt:
            if pending is not None:
                m.home_care.hours.cancel(pending, person.package_hours)
        finally:
            self.slots.release()
            person.service_proc = None
