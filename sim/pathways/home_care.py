"""Home care: a market of hours per week shared by hospital discharges and the community.

Packages are held as hours per week. Community referrals and hospital discharges join one
first-come-first-served waiting list for the same hours, so hospital demand and community
demand compete. A package stops when the person is admitted (and must be restarted on
discharge, the most common cause of delay in the national data), moves to a care home or dies.

People waiting at home do not wait for ever: after a while (``waiting_give_up_days``) they make
other arrangements (family, care they buy themselves, or going without) and leave the list.
That is what keeps England's lists finite while hours bind (ADASS counts people waiting and
hours not delivered, not a list growing without end); without it a market that binds at all
runs away. People in hospital stay on the list: they cannot leave without the package.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from ..population import HOME, HOME_CARE, INDEPENDENT, Person
from ..rng import SERVICES

if TYPE_CHECKING:
    from ..engine import Model


class HomeCare:
    def __init__(self, m: Model):
        self.m = m
        self.h = m.p.home_care
        self.hours = m.pool("home_care_hours", self.h.hours_per_week)
        # People leaving hospital whose package is agreed while brokerage looks for a provider
        # with a carer free nearby: hours commissioned but not delivered for want of a carer.
        self.brokering = 0

    def new_package_hours(self, person: Person) -> float:
        return max(1.0, self.m.draw.gamma(person, SERVICES, self.h.package_hours_mean, 0.6))

    def start_package(self, person: Person) -> None:
        """The hours are already granted from ``self.hours``. A package has its own ending
        clock (``package_end_per_year``), so a person already at home has their community
        clocks redrawn; one still in a bed gets them when they arrive home."""
        person.care = HOME_CARE
        person.holds_package = True
        if person.location == HOME:
            self.m.community.schedule(person)

    def stop_package(self, person: Person) -> None:
        if person.holds_package:
            self.hours.release(person.package_hours)
            person.holds_package = False

    def end_package(self, person: Person) -> None:
        """The long-term need ended for reasons other than death or a move."""
        self.stop_package(person)
        person.care = INDEPENDENT
        person.package_hours = 0.0
        self.m.rec.count("home_care_packages_ended", self.m.env.now)

    def start_census(self, person: Person, overflow_waits: bool = True) -> None:
        """A starting client takes their hours; with none free they wait, unless the run
        starts from a census (``overflow_waits=False``), whose own waiting list is the
        only one: the drawn client then has no package yet."""
        person.package_hours = self.new_package_hours(person)
        # Some of today's clients are on the smaller package that follows reablement.
        if self.m.draw.uniform(person, SERVICES) < self.h.start_reduced_share:
            person.package_hours *= self.h.reduced_package_share
        if self.hours.can_take(person.package_hours):
            self.hours.take_now(person.package_hours)
            person.holds_package = True
        elif overflow_waits:
            self.refer_from_community(person, hours=person.package_hours)
        else:
            person.care = INDEPENDENT

    def refer_from_community(self, person: Person, hours: float | None = None,
                             counted: bool = True) -> None:
        """Join the waiting list; ``counted=False`` for a census start's existing list."""
        m = self.m
        if counted:
            m.rec.count("home_care_referrals_community", m.env.now)
        if hours is None:
            hours = self.new_package_hours(person)
        person.package_hours = hours
        request = self.hours.acquire(hours)
        person.waiting_request = (self.hours, request, hours)
        request.callbacks.append(partial(self._granted, person, request))
        give_up = self.h.waiting_give_up_days
        if not request.triggered and give_up > 0:
            timer = m.env.timeout(m.draw.exponential(person, SERVICES, give_up))
            timer.callbacks.append(partial(self._give_up, person, request))

    def _give_up(self, person: Person, request, _event) -> None:
        """Still waiting at home: other arrangements are made and the referral lapses."""
        if person.waiting_request is None or person.waiting_request[1] is not request:
            return
        person.waiting_request = None
        self.hours.cancel(request, person.package_hours)
        person.package_hours = 0.0
        m = self.m
        m.rec.count("home_care_referrals_lapsed", m.env.now)
        m.community.schedule(person)

    def _granted(self, person: Person, request, _event) -> None:
        if person.waiting_request is None or person.waiting_request[1] is not request:
            return
        person.waiting_request = None
        if person.location != HOME:
            self.hours.release(person.package_hours)
            return
        self.start_package(person)
