"""Care homes: residential and nursing care, placements from hospital and the community.

Residential and nursing beds are separate places with their own queues (a nursing home
vacancy does not help someone waiting for a residential one). Homes run at the occupancy
England shows (about 88% at the start), so a placement usually waits for the search and the
choice, not for a bed. A resident keeps their bed while in hospital and goes back to it
("P3 back"). Residents have
their own crisis and death rates (see community). Fees are paid by the council for its funded
share, by the NHS for residents found eligible for Continuing Healthcare, and the NHS pays
funded nursing care for every nursing-home resident.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from ..population import CARE_HOME, HOME, NURSING, RESIDENTIAL, Person
from ..rng import SERVICES

if TYPE_CHECKING:
    from ..engine import Model


class CareHomes:
    def __init__(self, m: Model):
        self.m = m
        self.c = m.p.care_home
        nursing = round(self.c.beds * self.c.nursing_bed_share)
        self.residential = m.pool("care_home_residential", self.c.beds - nursing)
        self.nursing = m.pool("care_home_nursing", nursing)
        # Which pool each resident's bed belongs to: at the start a resident may have been
        # placed in the other kind of bed when their own kind was full.
        self.bed_of: dict[int, object] = {}

    @property
    def capacity(self) -> float:
        return self.residential.capacity + self.nursing.capacity

    @property
    def occupied(self) -> float:
        return self.residential.in_use + self.nursing.in_use

    def pool(self, kind: str):
        return self.nursing if kind == "nursing" else self.residential

    def kind_for(self, person: Person, now: float, extra_deficit: float = 0.0) -> str:
        f = person.function(now, self.m.community.half_life) - extra_deficit
        return "nursing" if f < self.c.nursing_function_below else "residential"

    def _resident_tracker(self, person: Person):
        kind = "nursing" if person.care == NURSING else "residential"
        funder = "chc" if person.chc_funded else "other"
        return self.m.rec.tracker(f"residents_{kind}_{funder}")

    def start_census(self, person: Person) -> None:
        pool = self.pool("nursing" if person.care == NURSING else "residential")
        if not pool.can_take():
            pool = self.residential if pool is self.nursing else self.nursing
        pool.take_now()
        self.bed_of[person.pid] = pool
        self._resident_tracker(person).add(self.m.env.now, 1)

    def from_hospital(self, person: Person) -> None:
        """A discharge into a care home may bring infection in (epidemic what-if only)."""
        risk = self.c.untested_discharge_death_risk
        if risk <= 0:
            return
        m = self.m
        u, pick = m.draw.uniform(person, SERVICES), m.draw.uniform(person, SERVICES)
        if u >= risk or not self.bed_of:
            return
        residents = list(self.bed_of)
        victim = m.people[residents[min(int(pick * len(residents)), len(residents) - 1)]]
        if victim is not person and victim.location == CARE_HOME:
            m.rec.count("care_home_infection_deaths", m.env.now)
            m.die(victim, "care_home")

    def admit(self, person: Person, kind: str) -> None:
        """Permanent admission; the bed is already held."""
        m = self.m
        now = m.env.now
        if person.location != HOME:
            self.from_hospital(person)
        m.home_care.stop_package(person)
        self.bed_of[person.pid] = self.pool(kind)
        person.care = NURSING if kind == "nursing" else RESIDENTIAL
        m.move(person, CARE_HOME)
        self._resident_tracker(person).add(now, 1)
        m.rec.count("care_home_admissions", now, person=person)
        m.community.schedule(person)

    def return_resident(self, person: Person) -> None:
        self.from_hospital(person)
        self.m.move(person, CARE_HOME)
        self.m.community.schedule(person)

    def release(self, person: Person) -> None:
        """A resident has died: the bed is free."""
        self.bed_of.pop(person.pid).release()
        self._resident_tracker(person).add(self.m.env.now, -1)

    def refer_from_community(self, person: Person) -> None:
        m = self.m
        kind = self.kind_for(person, m.env.now)
        m.rec.count("care_home_referrals_community", m.env.now)
        request = self.pool(kind).acquire()
        person.waiting_request = (self.pool(kind), request, 1.0)
        request.callbacks.append(partial(self._granted, person, request, kind))

    def _granted(self, person: Person, request, kind: str, _event) -> None:
        if person.waiting_request is None or person.waiting_request[1] is not request:
            return
        person.waiting_request = None
        if person.location != HOME:
            self.pool(kind).release()
            return
        self.m.rec.count("care_home_admissions_from_community", self.m.env.now)
        self.admit(person, kind)
