"""Discharge from the acute ward: pathway need, assessments, funding and the wait for a place.

When treatment ends the person is medically fit but still in the bed. Their pathway need comes
from function, frailty, living situation and prior care status:

* P0 home with no new support (leaves once the hospital's own steps are done);
* P1 home with reablement, or a home care package (restart or new);
* P2 a bed in intermediate care;
* P3 a care home (residential or nursing); residents return to their own home ("P3 back").

Fragmented process (all levers off): a social work assessment (weekdays only), then the
receiving service re-assesses, then funding (NHS Continuing Healthcare screening for P2/P3, a
weekly council panel for packages and placements), then the wait for capacity, then a weekday
transfer. Every day medically fit in the bed costs function (deconditioning); if function has
fallen below the next pathway's line by the time a place is offered, the pathway escalates and
the new service assesses again. Integrated levers remove or move these steps (see policies).

Hospital-internal steps delay every pathway: a medical or therapy decision, medicines to take
home and transport. People going home may wait for housing or equipment; people going to a care
home may wait on their own or their family's choice. Self-funders choose their home themselves
(their own search time, no council panel).

Discharge to assess moves assessment out of hospital only where there is somewhere to go:
pathway 1 waits in hospital for a bridging-care place (a small team drawn from the home-care
workforce) and holds it at home until the assessed service starts; pathway 3 waits for an
NHS-funded interim care-home bed, where the assessment, the Continuing Healthcare decision and
the choice of a permanent home happen (see intermediate_care).

Every delayed day is booked to one reason in ``REASONS``, which maps it to the category of
NHS England's discharge delays collection and names the levers that can act on it: a lever
cannot remove a delay it does not touch.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simpy import Interrupt

from ..population import HOME_CARE, NURSING, RESIDENTIAL, Person
from ..rng import DISCHARGE

if TYPE_CHECKING:
    from ..engine import Model

P0, P1, P2, P3, P3_BACK = range(5)
PATHWAY_NAMES = ("P0", "P1", "P2", "P3", "P3_back")

# Model reason -> (NHS England discharge delay category, levers that can act on it).
REASONS = {
    "medical or therapy review": (
        "Awaiting a medical decision or intervention (incl. discharge summary) / awaiting "
        "therapy decision to discharge", ()),
    "medicines to take home": ("Awaiting medicines to take home", ()),
    "transport": ("Awaiting transport", ()),
    "awaiting assessment": (
        "Awaiting referral to / confirmation from the community single point of access "
        "(assessment)",
        ("shared_care_plan", "trusted_assessor", "discharge_to_assess_share",
         "seven_day_assessment")),
    "funding decision": (
        "Awaiting a decision on funding: council panel or NHS Continuing Healthcare",
        ("pooled_budget_share", "discharge_to_assess_share")),
    "reablement / home care": (
        "Pathway 1: awaiting availability of resource for assessment and start of care at home",
        ("bridging.places (discharge_to_assess_share uses it)", "capacity")),
    "intermediate care": (
        "Pathway 2: awaiting a rehabilitation bed in a community hospital or other bedded "
        "setting", ("capacity",)),
    "care home": (
        "Pathway 3: awaiting a bed in a residential or nursing home likely to be permanent",
        ("trusted_assessor", "discharge_to_assess_share (interim beds)", "capacity")),
    "patient or family choice": (
        "Individual, family or carer not in agreement with discharge plans (choice)",
        ("discharge_to_assess_share (choice made from the interim bed)",)),
    "housing": ("Housing: homelessness, no place to discharge to, housing adaptations", ()),
    "equipment": ("Awaiting community equipment and adaptations", ()),
}

# Delays of stays past this many days are also counted apart (Recorder.delay_days_long).
LONG_STAY_DAYS = 14.0

REASON_FOR_SERVICE = {
    "reablement": "reablement / home care",
    "home_care": "reablement / home care",
    "intermediate_care": "intermediate care",
    "residential": "care home",
    "nursing": "care home",
}


class DelayClock:
    """Books the time between switches to the reason that was current, and to the age band
    and frailty the person had when they became ready to leave."""

    __slots__ = ("rec", "reason", "since", "open", "group", "long_from")

    def __init__(self, rec, now: float, open_clocks: set, person: Person | None = None,
                 admitted: float | None = None):
        self.rec = rec
        self.reason: str | None = None
        self.since = now
        self.open = open_clocks
        self.group = (person.band, person.frailty) if person is not None else None
        self.long_from = admitted + LONG_STAY_DAYS if admitted is not None else math.inf
        open_clocks.add(self)

    def switch(self, reason: str | None, now: float) -> None:
        if self.reason is not None:
            self.rec.delay(self.reason, self.since, now, self.group, self.long_from)
        self.reason = reason
        self.since = now
        if reason is None:
            self.open.discard(self)


class Discharge:
    def __init__(self, m: Model):
        self.m = m
        self.d = m.p.discharge
        self.hospital_first = m.p.home_care.hospital_first
        self.social_workers = m.pool("social_workers", m.p.social_work.staff)
        self.bridging_places = m.pool("bridging", m.p.bridging.places)
        self.self_funded: dict[int, bool] = {}

    def self_funder(self, person: Person) -> bool:
        """Does this person pay for their own care home (decided once, at first need)?"""
        known = self.self_funded.get(person.pid)
        if known is None:
            u = self.m.draw.uniform(person, DISCHARGE)
            known = (not person.chc_funded
                     and u >= self.m.p.care_home.council_funded_share)
            self.self_funded[person.pid] = known
        return known

    # ----------------------------------------------------------------------------------
    def need(self, person: Person, now: float, extra_deficit: float = 0.0) -> int:
        if person.care in (RESIDENTIAL, NURSING):
            return P3_BACK
        d = self.d
        f = person.function(now, self.m.community.half_life) - extra_deficit
        shift = d.living_alone_shift if (person.lives_alone and not person.has_carer) else 0.0
        if f < d.p3_function_below + shift:
            return P3
        if f < d.p2_function_below + shift:
            return P2
        if f < d.p1_function_below + shift or person.care == HOME_CARE:
            return P1
        return P0

    def service_for(self, person: Person, need: int, now: float, extra_deficit: float = 0.0) -> str:
        u = self.m.draw.uniform(person, DISCHARGE)
        if need == P1:
            if person.care == HOME_CARE or u >= self.d.p1_reablement_share:
                return "home_care"
            return "reablement"
        if need == P2:
            return "intermediate_care"
        return self.m.care_home.kind_for(person, now, extra_deficit)

    def place_request(self, person: Person, service: str):
        """(pool, amount) a service needs for this person."""
        m = self.m
        if service == "reablement":
            return m.reablement.slots, 1.0
        if service == "home_care":
            if person.package_hours <= 0:
                person.package_hours = m.home_care.new_package_hours(person)
            return m.home_care.hours, person.package_hours
        if service == "intermediate_care":
            return m.intermediate_care.beds, 1.0
        return m.care_home.pool(service), 1.0

    def first_for(self, service: str) -> bool:
        """Whether this request for a place goes ahead of people referred from home."""
        return service == "home_care" and self.hospital_first

    # ----------------------------------------------------------------------------------
    def medically_fit(self, person: Person):
        """The discharge process of a person in an acute bed (a SimPy generator)."""
        m = self.m
        now = m.env.now
        fit_time = now
        need = self.need(person, now)
        m.rec.count(f"pathway_{PATHWAY_NAMES[need]}", now)
        if need == P1 and person.care == HOME_CARE:
            # The same package restarts (its hours are kept): no new or additional support,
            # which England's discharge count records as pathway 0.
            m.rec.count("pathway_P1_restart", now)
        m.delayed.add(now, 1)
        clock = DelayClock(m.rec, now, m.open_delay_clocks, person,
                           m.hospital.stay_start.get(person.pid))
        policy = m.policy
        wait = self.wait_for(person, clock, "medical or therapy review", self.d.review_share,
                             self.d.review_days)
        if wait:
            yield m.env.timeout(wait)

        if need == P0:
            yield from self.home_without_support(person, clock, fit_time)
            return
        if need == P3_BACK:
            clock.switch("care home", m.env.now)
            yield from self.provider_assessment(person)
            yield from self.transfer_day(care_home=True)
            yield from self.going_out(person, clock)
            self.leave_acute(person, clock, fit_time)
            m.care_home.return_resident(person)
            return

        m.rec.count("supported_discharges", now)
        d2a = m.draw.uniform(person, DISCHARGE) < policy.discharge_to_assess_share
        service = self.service_for(person, need, now)
        if d2a:
            m.rec.count("discharge_to_assess", now)
            yield from self.discharge_to_assess(person, need, service, clock, fit_time)
            return

        clock.switch("awaiting assessment", m.env.now)
        yield from self.assess(person, need, service, clock)
        yield from self.place_and_leave(person, need, service, clock, fit_time)

    def home_without_support(self, person: Person, clock: DelayClock, fit_time: float):
        """Pathway 0: only the hospital's own steps stand between the patient and home."""
        yield from self.home_ready(person, clock, equipment=False)
        yield from self.going_out(person, clock)
        self.leave_acute(person, clock, fit_time)
        self.m.arrive_home(person, delay_days=self.m.env.now - fit_time)

    def assess(self, person: Person, need: int, service: str, clock: DelayClock):
        """Assessments, the funding decision and, for a care home, the family's choice."""
        yield from self.social_work_assessment(person)
        yield from self.provider_assessment(person)
        clock.switch("funding decision", self.m.env.now)
        yield from self.funding(person, need, service)
        if need == P3:
            yield from self.choice(person, clock)

    def place_and_leave(self, person: Person, need: int, service: str, clock: DelayClock,
                        fit_time: float):
        """Wait for the service's place, re-assessed if the wait has made the person frailer,
        then the last steps out of hospital. Shared by the census start, so a patient placed
        from a census goes through the same steps as one who became ready in the run."""
        m = self.m
        while True:
            clock.switch(REASON_FOR_SERVICE[service], m.env.now)
            yield from self.find_provider(person, service)
            pool, amount = self.place_request(person, service)
            request = pool.acquire(amount, first=self.first_for(service))
            yield request
            delay_so_far = m.env.now - fit_time
            new_need = self.need(person, m.env.now, self.d.deconditioning_per_day * delay_so_far)
            if new_need > need and new_need != P3_BACK:
                # Deconditioned while waiting: the place offered no longer fits.
                pool.cancel(request, amount)
                m.rec.count("pathway_escalations", m.env.now)
                need = new_need
                service = self.service_for(person, need, m.env.now,
                                           self.d.deconditioning_per_day * delay_so_far)
                clock.switch("awaiting assessment", m.env.now)
                yield from self.provider_assessment(person, repeat=True)
                clock.switch("funding decision", m.env.now)
                yield from self.funding(person, need, service)
                if need == P3:
                    yield from self.choice(person, clock)
                continue
            break
        if service in ("reablement", "home_care"):
            yield from self.home_ready(person, clock, equipment=True)
        yield from self.transfer_day(care_home=service in ("residential", "nursing"))
        yield from self.going_out(person, clock)
        delay = m.env.now - fit_time
        self.leave_acute(person, clock, fit_time)
        self.start_service(person, service, delay)

    # ----------------------------------------------------------------------------------
    def wait_for(self, person: Person, clock: DelayClock, reason: str, share: float,
                 mean_days: float) -> float:
        """A share of people wait (exponential, this mean) for a reason no lever touches: the
        wait, with the delay clock switched to the reason, or 0. A plain call rather than a
        generator: it runs five times per discharge, mostly with no wait."""
        m = self.m
        u = m.draw.uniform(person, DISCHARGE)
        wait = m.draw.exponential(person, DISCHARGE, mean_days)
        if u < share and wait > 0:
            clock.switch(reason, m.env.now)
            return wait
        return 0.0

    def going_out(self, person: Person, clock: DelayClock):
        """The last hospital steps: medicines to take home, then transport."""
        d = self.d
        timeout = self.m.env.timeout
        wait = self.wait_for(person, clock, "medicines to take home", d.medicines_share,
                             d.medicines_days)
        if wait:
            yield timeout(wait)
        wait = self.wait_for(person, clock, "transport", d.transport_share, d.transport_days)
        if wait:
            yield timeout(wait)

    def home_ready(self, person: Person, clock: DelayClock, equipment: bool):
        """Going home needs a home fit to go to (and for pathway 1, equipment in place)."""
        d = self.d
        timeout = self.m.env.timeout
        share = d.housing_share if (person.lives_alone and not person.has_carer) else 0.0
        wait = self.wait_for(person, clock, "housing", share, d.housing_days)
        if wait:
            yield timeout(wait)
        if equipment:
            wait = self.wait_for(person, clock, "equipment", d.equipment_share, d.equipment_days)
            if wait:
                yield timeout(wait)

    def choice(self, person: Person, clock: DelayClock | None):
        """Choosing a care home (or disagreeing with the plan) takes time for some people."""
        m = self.m
        d = self.d
        u = m.draw.uniform(person, DISCHARGE)
        wait = m.draw.exponential(person, DISCHARGE, d.choice_days)
        if u < d.choice_share and wait > 0:
            if clock is not None:
                clock.switch("patient or family choice", m.env.now)
            m.rec.count("choice_waits", m.env.now)
            yield m.env.timeout(wait)

    # ----------------------------------------------------------------------------------
    def discharge_to_assess(self, person: Person, need: int, service: str, clock: DelayClock,
                            fit_time: float):
        """Home First: leave once there is somewhere to go; assess and fund outside hospital.

        The wait for assessment and funding leaves the bed; the wait for capacity does not:
        pathway 1 needs a bridging place, pathway 3 an interim bed, pathway 2 a bed. When no
        bridging place or interim bed is free the ward does not queue for one: the patient
        takes the usual route, assessed in hospital and waiting for the service itself, as
        English systems run discharge to assess as far as its capacity goes. (Queued for
        bridging, patients whose packages were late held every place and up to 83 people
        waited for one at 50,000 people; `home_first` tipped into gridlock in 7 of 20 years.)"""
        m = self.m
        full = ((need == P1 and not self.bridging_places.can_take())
                or (need == P3 and not m.intermediate_care.interim.can_take()))
        if full:
            m.rec.count("discharge_to_assess_full", m.env.now)
            clock.switch("awaiting assessment", m.env.now)
            yield from self.assess(person, need, service, clock)
            yield from self.place_and_leave(person, need, service, clock, fit_time)
            return
        if need == P1:
            yield from self.home_ready(person, clock, equipment=True)
            clock.switch("reablement / home care", m.env.now)
            yield self.bridging_places.acquire()
            yield from self.transfer_day()
            yield from self.going_out(person, clock)
            delay = m.env.now - fit_time
            self.leave_acute(person, clock, fit_time)
            m.arrive_home(person, delay_days=delay)
            person.service_proc = m.env.process(self.home_first(person, service))
            return
        if need == P3:
            clock.switch("care home", m.env.now)
            yield m.intermediate_care.interim.acquire()
            yield from self.transfer_day(care_home=True)
            yield from self.going_out(person, clock)
            self.leave_acute(person, clock, fit_time)
            m.intermediate_care.start_interim(person)
            return
        clock.switch("intermediate care", m.env.now)
        yield m.intermediate_care.beds.acquire()
        yield from self.transfer_day()
        yield from self.going_out(person, clock)
        self.leave_acute(person, clock, fit_time)
        m.intermediate_care.start(person, need, d2a=True)

    def home_first(self, person: Person, service: str):
        """At home with bridging care until the assessed service starts (interruptible)."""
        m = self.m
        held = []
        m.bridging.add(m.env.now, 1)
        try:
            yield from self.social_work_assessment(person, held)
            yield from self.funding(person, P1, service, at_home=True)
            yield from self.find_provider(person, service)
            pool, amount = self.place_request(person, service)
            request = pool.acquire(amount, first=self.first_for(service))
            held.append((pool, request, amount))
            yield request
            held.clear()
        except Interrupt:
            for pool, request, amount in held:
                pool.cancel(request, amount)
            return
        finally:
            m.bridging.add(m.env.now, -1)
            self.bridging_places.release()
            person.service_proc = None
        self.start_service(person, service, delay=0.0, at_home=True)

    # ----------------------------------------------------------------------------------
    def social_work_assessment(self, person: Person, held: list | None = None):
        m = self.m
        cal = m.cal
        seven = m.policy.seven_day
        start = m.env.now if seven else cal.next_working_time(m.env.now)
        if start > m.env.now:
            yield m.env.timeout(start - m.env.now)
        request = self.social_workers.acquire()
        if held is not None:
            held.append((self.social_workers, request, 1.0))
        yield request
        end = cal.add_working_days(m.env.now, self.d.assessment_days, seven)
        yield m.env.timeout(end - m.env.now)
        if held is not None:
            held.pop()
        self.social_workers.release()
        m.rec.count("assessments", m.env.now)
        m.rec.cost("social_work", "local_authority", m.p.costs.assessment, m.env.now)

    def provider_assessment(self, person: Person, repeat: bool = False):
        """The receiving service's own assessment, unless a trusted assessor did it."""
        m = self.m
        policy = m.policy
        mean = self.d.provider_assessment_wait_days
        draw = m.draw.exponential(person, DISCHARGE, mean)
        if policy.trusted_assessor:
            return
        if not policy.shared_care_plan:
            m.rec.count("assessments", m.env.now)
        else:
            draw *= 0.5  # reads the shared plan; a shorter confirming visit
        end = m.cal.add_working_days(m.env.now, draw, policy.seven_day)
        if end > m.env.now:
            yield m.env.timeout(end - m.env.now)

    def funding(self, person: Person, need: int, service: str, at_home: bool = False):
        m = self.m
        d = self.d
        draw = m.draw
        u_chc, u_eligible, u_pool = (draw.uniform(person, DISCHARGE),
                                     draw.uniform(person, DISCHARGE),
                                     draw.uniform(person, DISCHARGE))
        chc_wait = draw.exponential(person, DISCHARGE, d.chc_wait_mean_days)
        if need in (P2, P3) and u_chc < d.chc_share_p3:
            m.rec.count("chc_screenings", m.env.now)
            yield m.env.timeout(chc_wait)
            person.chc_funded = u_eligible < d.chc_eligible_share
        # The pooled budget removes the panel for its share; u_pool decides both so a pooled
        # share of s removes exactly s of the panels the fragmented system would hold.
        self_funder = service in ("residential", "nursing") and self.self_funder(person)
        if (service in ("home_care", "residential", "nursing") and not person.chc_funded
                and not self_funder):
            if u_pool < d.funding_panel_share * (1.0 - m.p.levers.pooled_budget_share):
                panel = m.cal.next_weekday_time(m.env.now, d.funding_panel_weekday)
                yield m.env.timeout(panel - m.env.now)

    def find_provider(self, person: Person, service: str):
        """Market friction: finding a home or a care provider that will take the person."""
        m = self.m
        draw = m.draw.exponential(person, DISCHARGE)
        if service in ("residential", "nursing"):
            mean = (m.p.care_home.self_funder_search_days if self.self_funder(person)
                    else m.p.care_home.placement_search_days)
            if m.policy.trusted_assessor:
                mean = max(0.0, mean - m.p.levers.trusted_assessor_care_home_days_saved)
        elif service == "home_care":
            mean = m.p.home_care.brokerage_days
        else:
            return
        if draw * mean <= 0:
            return
        brokering = service == "home_care"
        m.home_care.brokering += brokering
        try:
            yield m.env.timeout(draw * mean)
        finally:
            # A death or crisis in hospital ends the search too.
            m.home_care.brokering -= brokering

    def transfer_day(self, care_home: bool = False):
        """Wait for a working day to move; care homes admit on weekdays even when the
        hospital's assessors work seven days."""
        m = self.m
        if m.policy.seven_day and not care_home:
            return
        t = m.cal.next_working_time(m.env.now)
        if t > m.env.now:
            yield m.env.timeout(t - m.env.now)

    # ----------------------------------------------------------------------------------
    def leave_acute(self, person: Person, clock: DelayClock, fit_time: float) -> None:
        m = self.m
        now = m.env.now
        clock.switch(None, now)
        m.delayed.add(now, -1)
        delay = now - fit_time
        if m.rec.in_window(now):
            m.rec.delays_completed.append(delay)
        person.settle_deficit(now, m.community.half_life)
        person.deficit += self.d.deconditioning_per_day * delay
        m.hospital.end_stay(person)
        person.last_discharge = now

    def start_service(self, person: Person, service: str, delay: float, at_home: bool = False):
        """Hand over to the service whose place is already held."""
        m = self.m
        if service == "reablement":
            if not at_home:
                m.arrive_home(person, delay_days=delay, reablement=True)
            m.reablement.start(person, from_hospital=True)
        elif service == "home_care":
            m.home_care.start_package(person)
            if not at_home:
                m.arrive_home(person, delay_days=delay)
        elif service == "intermediate_care":
            m.intermediate_care.start(person, P2, d2a=False)
        else:
            m.care_home.admit(person, service)

