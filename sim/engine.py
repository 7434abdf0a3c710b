"""One replication of the whole system: build the places, run SimPy, check the invariants.

``run_replication(params, seed, replication)`` is the only entry point the runner needs; it
returns plain data (a :class:`ReplicationOutput`) that pickles, so replications can run in
other processes or on a cluster.
"""

from __future__ import annotations

import gc
import itertools
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from heapq import heappop

import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import PENDING, URGENT, EventPriority

from .calendar import Calendar
from .capacity import Escalation, follow
from .costs import year_marks
from .census import check_fits, population_params, seed_census, warmup_days_used
from .errors import InvariantError
from .groups import GroupBook
from .params import Params
from .pathways.care_home import CareHomes
from .pathways.community import Community
from .pathways.demography import Demography
from .pathways.discharge import Discharge
from .pathways.home_care import HomeCare
from .pathways.hospital import Hospital
from .pathways.intermediate_care import IntermediateCare
from .pathways.reablement import Reablement
from .policies import Policy, capacity_plan_process, outage_process
from .population import (
    ACUTE,
    CARE_HOME,
    DEAD,
    ED,
    FIT,
    HOME,
    INTERMEDIATE_CARE,
    LOCATION_NAMES,
    NURSING,
    RESIDENTIAL,
    Person,
    draw_starting_population,
)
from .recorder import Recorder
from .resources import Pool
from .rng import DISCHARGE, PersonDraws, Streams, replication_seed
from .snapshot import planning_row


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that can say how many events it has scheduled (for the benchmarks).

    SimPy numbers every scheduled event from one counter (``_eid``, the heap's tie-breaker), so
    reading that counter costs nothing per event, unlike overriding ``schedule``.
    """

    def __init__(self, initial_time: float = 0):
        super().__init__(initial_time)
        # SimPy binds env.timeout, env.event, env.process... to the instance only for the
        # names in the instance's own class; a subclass would otherwise build a bound method
        # on every call (a few percent of a run).
        for name, obj in vars(simpy.Environment).items():
            if type(obj) is simpy.core.BoundClass:
                setattr(self, name, getattr(self, name))
        self.now = self._now
        # Processes that may still be running, so a finished run can close them (dispose).
        self.processes: list[simpy.Process] = []
        self._prune_at = 1024
        start = self.process

        def process(generator) -> simpy.Process:
            proc = start(generator)
            self.remember(proc)
            return proc

        self.process = process

    def remember(self, proc: simpy.Process) -> None:
        processes = self.processes
        processes.append(proc)
        if len(processes) >= self._prune_at:
            processes[:] = [p for p in processes if p._value is PENDING]
            self._prune_at = 2 * len(processes) + 1024

    # The clock as a plain attribute rather than SimPy's property: it is read millions of
    # times a run. Every step below sets it together with SimPy's own ``_now``.
    now: float = 0.0

    def step(self) -> None:
        try:
            super().step()
        finally:  # the step that stops a run raises
            self.now = self._now

    def run(self, until=None):
        """SimPy's ``run(until=time)`` with ``step()`` written into the loop: the same events
        in the same order, one Python call fewer for each of the millions of events."""
        if until is None or isinstance(until, simpy.Event):
            return super().run(until)
        at = until if isinstance(until, int) else float(until)
        if at <= self._now:
            raise ValueError(f"until ({at}) must be greater than the current simulation time")
        stop = simpy.Event(self)
        stop._ok = True
        stop._value = None
        self.schedule(stop, URGENT, at - self._now)
        stop.callbacks.append(StopSimulation.callback)
        queue = self._queue
        try:
            while True:
                try:
                    now, _, _, event = heappop(queue)
                except IndexError:
                    raise EmptySchedule from None
                self._now = self.now = now
                callbacks, event.callbacks = event.callbacks, None
                try:
                    for callback in callbacks:
                        callback(event)
                except StopSimulation:
                    event.callbacks = callbacks[callbacks.index(callback) + 1:]
                    self.schedule(event, EventPriority(-1))
                    raise
                if not event._ok and not hasattr(event, "_defused"):
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    raise exc
        except StopSimulation as exc:
            return exc.args[0]
        except EmptySchedule:
            raise RuntimeError(f'No scheduled events left but "until" event was not '
                               f"triggered: {stop}") from None

    @property
    def scheduled(self) -> int:
        n = next(self._eid)
        # Put back the id just taken, so reading never changes the order of later events.
        self._eid = itertools.count(n)
        return n


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def _collection_paused():
    """Pause the cyclic garbage collector; the last of overlapping pauses (replications in
    threads of one process) puts it back as it was before the first."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


_model_left_behind = False  # a finished model may be waiting for the cyclic collector


class _OrderedSet(dict):
    """A set that iterates in insertion order (the ``add``/``discard`` of a set)."""

    def add(self, item) -> None:
        self[item] = None

    def discard(self, item) -> None:
        self.pop(item, None)


class _Unstable(Exception):
    """Raised inside the run when the A&E queue passes the memory safety cap: the run stops
    there and is reported as partial."""


@dataclass
class ReplicationOutput:
    replication: int
    kpis: dict[str, float]
    daily: list[dict[str, float]]
    delays_by_reason: dict[str, float]
    costs: dict[tuple[str, str, str, int], float]
    counts: dict[str, float]
    runtime_seconds: float
    events: int
    extra: dict[str, float] = field(default_factory=dict)
    # (kind, group, metric, value, person-years): outcomes by age band and frailty
    # (sim.groups); empty in verification mode, whose people have neither.
    outcomes_by_group: list[tuple[str, str, str, float, float]] = field(default_factory=list)


class Model:
    def __init__(self, p: Params, streams: Streams):
        # Blank capacities become numbers here, once, for this replication only.
        p = p.resolved()
        self.p = p
        self.rs = streams
        self.env = CountingEnvironment()
        # A census start has no warm-up: day 0 is the census date (see sim.census).
        self.start = warmup_days_used(p)
        self.end = self.start + p.run.days
        self.rec = Recorder(self.start, self.end)
        c = p.community
        self.cal = Calendar(p.run.start_weekday, p.run.start_day_of_year, c.winter_peak,
                            c.winter_peak_day_of_year, c.monday_excess)
        self.policy = Policy(p, streams.levers)
        self.draw = PersonDraws(streams.seed_sequence)
        self.unstable = False  # stopped at the safety cap (gridlock is judged in sim.gridlock)
        self.partial = False
        self.stopped_at = self.end
        self.people: list[Person] = []
        self.initial_people = 0
        self.entrants = 0
        self.deaths = 0
        self.loc = [self.rec.tracker(f"location_{name}") for name in LOCATION_NAMES]
        self.alive = self.rec.tracker("alive")
        self.delayed = self.rec.tracker("delayed")
        self.bridging = self.rec.tracker("bridging")
        self.key_workers = self.rec.tracker("key_worker_caseload")
        # Delays still running, in the order they started: the run closes them in that
        # order, so the days each reason adds up to do not depend on where in memory the
        # clocks happen to live (a set's order would, and so would the last digit).
        self.open_delay_clocks = _OrderedSet()
        # Verification mode: people are textbook M/M/c customers who leave when medically fit.
        self.textbook = p.arrivals.mode == "poisson"
        self.departures = 0  # textbook people who have left (population mode: always 0)
        if not self.textbook:
            self.rec.groups = GroupBook(self.start, self.end)

        self.hospital = Hospital(self)
        self.community = Community(self)
        self.demography = Demography(self)
        self.discharge = Discharge(self)
        self.reablement = Reablement(self)
        self.intermediate_care = IntermediateCare(self)
        self.home_care = HomeCare(self)
        self.care_home = CareHomes(self)

    # ---------------------------------------------------------------- building blocks
    def pool(self, name: str, capacity: float) -> Pool:
        return Pool(self.env, name, capacity, self.rec.tracker(f"{name}_in_use"),
                    self.rec.tracker(f"{name}_queue"))

    def next_pid(self) -> int:
        return len(self.people)

    def add_person(self, person: Person) -> None:
        person.rkey = self.draw.person_key(person.pid)
        self.people.append(person)
        self.entrants += 1
        self.alive.add(self.env.now, 1)
        self.loc[person.location].add(self.env.now, 1)
        if self.rec.groups is not None:
            self.rec.groups.joined(person, self.env.now)

    def textbook_person(self) -> Person:
        """A person with no history who arrives from outside (verification mode only)."""
        now = self.env.now
        person = Person(self.entrants, now, 65.0, FIT, 0, False, False, 0.0)
        person.rkey = self.draw.person_key(person.pid)
        self.entrants += 1
        self.alive.add(now, 1)
        self.loc[HOME].add(now, 1)
        return person

    def depart(self, person: Person) -> None:
        """A textbook person leaves the system (not a death: nothing is recorded)."""
        now = self.env.now
        self.loc[person.location].add(now, -1)
        self.alive.add(now, -1)
        self.departures += 1

    def move(self, person: Person, location: int) -> None:
        now = self.env.now
        if person.location == HOME or location == HOME:
            person.settle_deficit(now, self.community.half_life)
            groups = self.rec.groups
            if groups is not None and person.location != location:
                groups.at_home(person, now, 1.0 if location == HOME else -1.0)
        self.loc[person.location].add(now, -1)
        self.loc[location].add(now, 1)
        person.location = location

    def regrouped(self, person: Person, band: int, frailty: int) -> None:
        """The person has moved on from this age band and frailty level (by ageing or
        growing frailer): their time counts in the new group from now on."""
        if self.rec.groups is not None:
            self.rec.groups.regrouped(person, self.env.now, band, frailty)

    def leave_community(self, person: Person) -> None:
        """A crisis takes the person out of home life: stop what ran there."""
        person.version += 1
        proc = person.service_proc
        if proc is not None and proc.is_alive and proc is not self.env.active_process:
            proc.interrupt("crisis")
        person.service_proc = None
        if person.waiting_request is not None:
            pool, request, amount = person.waiting_request
            person.waiting_request = None
            pool.cancel(request, amount)
        self.home_care.stop_package(person)

    def arrive_home(self, person: Person, delay_days: float, reablement: bool = False) -> None:
        """Discharge home: set the excess crisis risk of the next 30 days, restart clocks."""
        self.move(person, HOME)
        draw = self.draw.exponential(person, DISCHARGE)
        hazard = self.readmission_hazard(delay_days, reablement)
        person.excess_crisis_at = (self.env.now + draw / hazard
                                   if hazard > 0 and draw / hazard < 30.0 else math.inf)
        self.community.schedule(person)

    def readmission_hazard(self, delay_days: float, reablement: bool = False) -> float:
        """Excess crisis hazard (per day) over the 30 days after a discharge home: the
        readmission risk grows with the delay before it and falls after reablement."""
        d = self.p.discharge
        risk = d.readmission_30d_base * d.readmission_ratio_per_10_delay_days ** (delay_days / 10.0)
        if reablement:
            risk *= d.readmission_ratio_after_reablement
        risk = min(0.95, risk * self.policy.readmission_multiplier())
        return -math.log(1.0 - risk) / 30.0 if risk > 0 else 0.0

    def schedule_at_home_check(self, person: Person) -> None:
        """ASCOF 2B: is a person discharged from hospital into reablement or rehabilitation
        (intermediate care) at home 91 days later? Only discharges whose check falls inside
        the results period count."""
        now = self.env.now
        if self.rec.in_window(now) and now + 91.0 <= self.end:
            check = self.env.timeout(91.0)
            check.callbacks.append(
                lambda _e, person=person: self.rec.ascof_outcomes.append(person.location == HOME))

    def die(self, person: Person, where: str) -> None:
        now = self.env.now
        self.leave_community(person)
        if person.location == CARE_HOME or (person.care in (RESIDENTIAL, NURSING) and where == "hospital"):
            self.care_home.release(person)
        self.move(person, DEAD)
        if person.band_slot >= 0:
            self.demography.died(person)
        self.alive.add(now, -1)
        if self.rec.groups is not None:
            self.rec.groups.left(person, now)
        if person.key_worker:
            self.key_workers.add(now, -1)
        self.deaths += 1
        self.rec.count("deaths", now, person=person)
        self.rec.count(f"deaths_{where}", now)

    def book_pooled_cost(self, service: str, payer: str, amount: float, now: float,
                         kind: str = "variable") -> None:
        share = self.p.levers.pooled_budget_share
        self.rec.cost(service, payer, amount * (1.0 - share), now, kind)
        self.rec.cost(service, "pooled", amount * share, now, kind)

    def check_boarding_queue(self, waiting: int) -> None:
        """Stop only to bound memory: a run that hits the cap is partial (and gridlocked)."""
        if waiting > self.p.run.max_boarding_queue and not self.partial:
            self.unstable = True
            self.partial = True
            self.stopped_at = self.env.now
            raise _Unstable()

    # ---------------------------------------------------------------- the run
    def follow_calendars(self) -> None:
        """Capacities on their calendars; core acute beds plus escalation beds."""
        p = self.p
        self.escalation = Escalation(self)
        for pool, base, calendar in (
                (self.reablement.slots, p.reablement.slots, p.reablement.calendar),
                (self.intermediate_care.beds, p.intermediate_care.beds,
                 p.intermediate_care.calendar),
                (self.home_care.hours, p.home_care.hours_per_week, p.home_care.calendar),
                (self.discharge.social_workers, p.social_work.staff, p.social_work.calendar)):
            if calendar:
                follow(self, pool, base, calendar)
        ch = self.care_home
        if p.care_home.calendar and ch.capacity:
            # Residential and nursing beds are two pools: a calendar's bed counts are shared
            # between them in today's proportions; a scale applies to each alike.
            total = ch.capacity
            for pool in (ch.residential, ch.nursing):
                share = pool.capacity / total
                calendar = [row if row.value is None else
                            row.model_copy(update={"value": row.value * share})
                            for row in p.care_home.calendar]
                follow(self, pool, pool.capacity, calendar)

    def _daily(self):
        env = self.env
        rec = self.rec
        first = math.ceil(self.start)
        if first > 0:
            yield env.timeout(first)
        day = first
        while day < self.end:
            hc = self.home_care.hours
            rec.daily.append({
                "day": float(day - self.start),
                "acute_occupied": self.hospital.beds.in_use,
                "delayed_patients": self.delayed.level,
                "boarding": self.loc[ED].level,
                "reablement_in_use": self.reablement.slots.in_use,
                "intermediate_care_in_use": self.intermediate_care.beds.in_use,
                "home_care_hours_in_use": hc.in_use,
                "home_care_waiting": float(len(hc.waiting)),
                "home_care_waiting_hours": float(sum(a for _, a in hc.waiting)),
                "home_care_brokering": float(self.home_care.brokering),
                "care_home_occupied": self.care_home.occupied,
                "care_home_occupancy": (self.care_home.occupied / self.care_home.capacity
                                        if self.care_home.capacity else math.nan),
                "interim_beds_in_use": self.intermediate_care.interim.in_use,
                "bridging_waiting": float(len(self.discharge.bridging_places.waiting)),
                "social_workers_busy": self.discharge.social_workers.in_use,
                "bridging_at_home": self.bridging.level,
                "record_up": 1.0 if self.policy.record_up else 0.0,
                "acute_capacity": self.hospital.beds.capacity,
                "escalation_open_beds": (self.escalation.open_beds.level
                                         if self.escalation else 0.0),
                "reablement_capacity": self.reablement.slots.capacity,
                "intermediate_care_capacity": self.intermediate_care.beds.capacity,
                "home_care_hours_capacity": hc.capacity,
                "care_home_capacity": self.care_home.capacity,
                "social_workers_capacity": self.discharge.social_workers.capacity,
                # Queues for each discharge service (hospital and community requests), read
                # by capacity sizing (sim/sizing.py).
                "reablement_waiting": float(len(self.reablement.slots.waiting)),
                "intermediate_care_waiting": float(len(self.intermediate_care.beds.waiting)),
                "care_home_waiting": float(len(self.care_home.residential.waiting)
                                           + len(self.care_home.nursing.waiting)),
            })
            rec.daily[-1].update(planning_row(self))
            yield env.timeout(1.0)
            day += 1

    def run(self) -> None:
        # A run makes hundreds of thousands of objects that live as long as the model (the
        # people, their pending events) and no garbage with cycles in it. The cyclic
        # collector would only rescan them, again and again (a tenth of a 200,000-person
        # run): it is paused for the run, and what the run made is handed to its oldest
        # generation at the end, so it is not sifted through as young when collection resumes.
        global _model_left_behind
        if _model_left_behind:
            # The model run before this one: its parts refer to one another, so only a full
            # collection frees it, and with collection paused during runs that may never
            # come on its own: a worker's memory would grow run after run. A process that
            # runs one model never pays for this.
            _model_left_behind = False
            gc.collect()
        with _collection_paused():
            try:
                self._build()
                self._simulate()
            finally:
                gc.freeze()
                gc.unfreeze()
                _model_left_behind = True

    def dispose(self) -> None:
        """Take a finished model apart, so that reference counting frees it at once.

        Its parts refer to one another, so otherwise only a full run of the cyclic collector
        frees it: that sifts through every person and pending event, about half a second of
        a 200,000-person replication, paid again by every replication a worker runs. The
        processes still waiting are closed first, while the model is whole, because their
        ``finally`` blocks (giving back places) run when they are freed."""
        env = self.env
        for proc in env.processes:
            if proc._value is PENDING:
                try:
                    proc._generator.close()
                except Exception:  # as the collector would, ignore what a dying step raises
                    pass
        env._queue.clear()
        parts = [v for v in vars(self).values() if getattr(v, "m", None) is self]
        for part in parts:
            vars(part).clear()
        vars(env).clear()
        vars(self).clear()

    def _build(self) -> None:
        env = self.env
        p = self.p
        if self.textbook:
            env.process(self.hospital.poisson_arrivals())
        else:
            env.process(self.community.open_weeks())
            check_fits(p)
            start = draw_starting_population(population_params(p),
                                             self.rs.generator("population"))
            start.keys = self.draw.person_keys(len(start.people))
            for person, key in zip(start.people, start.keys.tolist()):
                person.rkey = key
            self.people.extend(start.people)
            # Levels before the results window add no area, so one step per place is exact.
            n = len(self.people)
            n_care_home = len(start.residents)
            self.alive.add(0.0, n)
            self.loc[HOME].add(0.0, n - n_care_home)
            self.loc[CARE_HOME].add(0.0, n_care_home)
            if self.rec.groups is not None:
                self.rec.groups.start_population(0.0, start.bands, start.frailty,
                                                 ~start.in_care_home)
            self.initial_people = n
            for person in start.residents:
                self.care_home.start_census(person)
            # A census gives today's home-care waiting list; clients drawn beyond the hours
            # would add a second, invented list that no warm-up has cleared.
            for person in start.home_care_clients:
                self.home_care.start_census(person, overflow_waits=p.census is None)
            crisis_rates = self.community.starting_crisis_rates(start)
            self.community.enrol(self.people, crisis_rates, start.conditions)
            self.key_workers.add(0.0, sum(1 for q in self.people if q.key_worker))
            self.community.schedule_start(start, crisis_rates)
            seed_census(self, start, crisis_rates)
            self.demography.start(
                start, self.community.expected_deaths_by_band(start, crisis_rates))
            env.process(self.demography.run())
        self.escalation = None
        if not self.hospital.textbook:
            self.follow_calendars()
        env.process(outage_process(env, self.policy, p, self.rs.outage))
        env.process(capacity_plan_process(self))
        env.process(self._daily())
        if p.run.days > 365.0:
            env.process(year_marks(self))

    def _simulate(self) -> None:
        env = self.env
        # run(until=end) stops before any other event due at exactly `end` (SimPy gives the
        # stop urgent priority), so no bed is granted whose holder has not yet moved in.
        try:
            env.run(until=self.end)
        except _Unstable:
            pass
        for clock in list(self.open_delay_clocks):
            clock.switch(None, env.now)
        self.hospital.close(env.now)
        self.rec.close(env.now)

    # ---------------------------------------------------------------- invariants
    def check_invariants(self) -> dict[str, float]:
        rec = self.rec
        alive = self.initial_people + self.entrants - self.deaths - self.departures
        if not self.textbook and len(self.people) != self.initial_people + self.entrants:
            raise InvariantError("people are not conserved: the register misses entrants")
        by_place = sum(t.level for t in self.loc[:DEAD])
        if abs(by_place - alive) > 1e-6 or abs(self.alive.level - alive) > 1e-6:
            raise InvariantError(
                f"people are not conserved: in != out + inside ({by_place:g} in places, "
                f"{alive} expected)")
        # A partial run stops mid-step, where a bed may be granted to someone who has
        # not yet moved in; a complete run has no such gap.
        if not self.partial and abs(self.loc[ACUTE].level - self.hospital.beds.in_use) > 1e-6:
            raise InvariantError("people in acute beds differ from beds in use")
        if self.textbook and not self.partial and (
                abs(self.loc[ED].level - len(self.hospital.beds.waiting)) > 1e-6):
            raise InvariantError("verification queue: people in A&E differ from the bed queue")
        self._check_transfers()
        if self.rec.groups is not None:
            self.rec.groups.check(self.alive.level, self.loc[HOME].level)
        total_delay = sum(rec.delay_days.values())
        area = self.delayed.area
        if abs(total_delay - area) > 1e-6 * max(1.0, area):
            raise InvariantError(
                f"delayed days by reason ({total_delay:.6f}) differ from the census ({area:.6f})")
        # Little's law on the acute ward, in its exact finite-window form: the integral of
        # beds in use (from the bed pool) equals the sum over stays of their time inside the
        # window (from each person's own record). Two independent books must agree.
        area = self.hospital.beds.tracker.area
        stays = rec.acute_stay_days_in_window
        if abs(area - stays) > 1e-6 * max(1.0, area):
            raise InvariantError(
                f"Little's law fails on the acute ward: {area:.3f} bed days in use but "
                f"{stays:.3f} days summed over stays")
        # The steady-state form L = lambda * W is reported, not enforced: over a finite
        # window it differs by the stays already in progress at the start.
        span = self.stopped_at - self.start
        little = {}
        n = rec.acute_stays_started
        if span > 0 and n > 0:
            lam = n / span
            w = rec.acute_stay_days_started / n
            occupancy = area / span
            little = {"little_L": occupancy, "little_lambda_W": lam * w,
                      "little_rel_error": abs(occupancy - lam * w) / max(occupancy, 1e-9)}
        return little


    def _check_transfers(self) -> None:
        """Conservation across transfers: everyone placed in a bed-based service holds one of
        its beds. Beds may be held a little ahead of a transfer (booked, not yet moved in),
        never the other way round: more people there than beds held means a transfer lost
        someone (the bed was given back but the person never moved on)."""
        if self.partial:
            return
        # Intermediate care holds two pools: rehabilitation beds and interim (P3 D2A) beds.
        ic = self.intermediate_care
        held = ic.beds.in_use + ic.interim.in_use
        if self.loc[INTERMEDIATE_CARE].level > held + 1e-6:
            raise InvariantError(
                f"{self.loc[INTERMEDIATE_CARE].level:g} people in intermediate care but "
                f"{held:g} beds held: a transfer out of it lost someone")

def run_replication(p: Params, seed: int, replication: int) -> ReplicationOutput:
    from .metrics import check_payers, compute_kpis, replication_costs

    t0 = time.perf_counter()
    model = Model(p, Streams(replication_seed(seed, replication)))
    model.run()
    little = model.check_invariants()
    costs = replication_costs(model)
    check_payers(costs)
    kpis = compute_kpis(model)
    runtime = time.perf_counter() - t0
    output = ReplicationOutput(
        replication=replication,
        kpis=kpis,
        daily=model.rec.daily,
        delays_by_reason=dict(model.rec.delay_days),
        costs=costs,
        counts=dict(model.rec.counts),
        runtime_seconds=runtime,
        events=model.env.scheduled,
        extra=little,
        outcomes_by_group=model.rec.groups.rows() if model.rec.groups is not None else [],
    )
    model.dispose()
    return output
