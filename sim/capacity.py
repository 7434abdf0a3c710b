"""Capacity that follows a calendar, and escalation beds that open under pressure.

A calendar is a table of periods (``sim.params.CapacityPeriod``): a winter plan, a ward
closure, a new service. The pool's capacity changes at the exact start and end of each period
(before anything else that happens at that moment), so the daily series shows the calendar.

Escalation beds sit on top of the core acute beds. Checked once a day, they open when the
beds in use plus the people waiting in A&E for a bed reach ``escalation.open_occupancy`` of
the core beds, and close when the beds in use fall below ``escalation.close_occupancy``,
whatever the calendar makes available that day. Their premium is costed per open bed day.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simpy.events import URGENT, Event

if TYPE_CHECKING:
    from .engine import Model
    from .resources import Pool

YEAR = 365.0
CHECK_HOUR = 8.0 / 24.0  # the daily bed meeting


def capacity_at(base: float, calendar, t: float, warmup: float, start_doy: int) -> float:
    """Capacity at simulated time t: the last period covering t, else the base."""
    value = base
    doy = (start_doy + t) % YEAR
    day = t - warmup
    for row in calendar:
        x = doy if row.every_year else day
        if row.start_day <= x < row.end_day:
            value = row.value if row.value is not None else base * row.scale
    return value


def boundaries(calendar, end: float, warmup: float, start_doy: int) -> list[float]:
    """Simulated times in (0, end) at which some period starts or ends."""
    times: set[float] = set()
    for row in calendar:
        for edge in (row.start_day, row.end_day):
            if row.every_year:
                t = (edge - start_doy) % YEAR
                while t < end:
                    if t > 0:
                        times.add(t)
                    t += YEAR
            else:
                t = warmup + edge
                if 0 < t < end:
                    times.add(t)
    return sorted(times)


def at(env, when: float, callback) -> None:
    """Call ``callback()`` at ``when``, before the normal events of that moment."""
    event = Event(env)
    event._ok = True
    event._value = None
    event.callbacks.append(lambda _e: callback())
    env.schedule(event, URGENT, when - env.now)


def follow(m: Model, pool: Pool, base: float, calendar) -> None:
    """Make ``pool`` follow ``calendar`` around ``base`` for the whole run."""
    p = m.p
    warmup, doy = p.run.warmup_days, p.run.start_day_of_year
    track(m, pool)
    pool.set_capacity(capacity_at(base, calendar, 0.0, warmup, doy))
    for t in boundaries(calendar, m.end, warmup, doy):
        at(m.env, t, lambda t=t: pool.set_capacity(capacity_at(base, calendar, t, warmup, doy)))


def track(m: Model, pool: Pool) -> None:
    if pool.capacity_tracker is None:
        pool.capacity_tracker = m.rec.tracker(f"{pool.name}_capacity")
        pool.capacity_tracker.add(m.env.now, pool.capacity)


class Escalation:
    """Core acute beds on their calendar plus escalation beds opened and closed daily."""

    def __init__(self, m: Model):
        self.m = m
        p = m.p
        self.e = p.escalation
        self.warmup, self.doy = p.run.warmup_days, p.run.start_day_of_year
        self.beds = m.hospital.beds
        self.open = False
        self.open_beds = m.rec.tracker("escalation_open_beds")
        track(m, self.beds)
        self.apply()
        times = set(boundaries(p.acute.calendar, m.end, self.warmup, self.doy))
        times |= set(boundaries(self.e.calendar, m.end, self.warmup, self.doy))
        self.changes = sorted(times)
        for t in self.changes:
            at(m.env, t, self.apply)
        m.env.process(self.daily())

    def core(self, t: float) -> float:
        return capacity_at(self.m.p.acute.beds, self.m.p.acute.calendar, t, self.warmup,
                           self.doy)

    def available(self, t: float) -> float:
        return capacity_at(self.e.beds, self.e.calendar, t, self.warmup, self.doy)

    def apply(self) -> None:
        now = self.m.env.now
        extra = self.available(now) if self.open else 0.0
        if self.open and extra <= 0:
            self.open = False
        self.open_beds.add(now, extra - self.open_beds.level)
        self.beds.set_capacity(self.core(now) + extra)

    def daily(self):
        env = self.m.env
        yield env.timeout(CHECK_HOUR)
        while True:
            now = env.now
            if not self.open and self.available(now) <= 0:
                # Nothing to open until the calendar next changes: no daily check till then.
                later = [t for t in self.changes if t > now]
                if not later:
                    return
                days = math.ceil(later[0] - now)
                yield env.timeout(max(days, 1))
                continue
            core = self.core(now)
            in_use = self.beds.in_use
            demand = in_use + len(self.beds.waiting)
            if not self.open and self.available(now) > 0 and core > 0 \
                    and demand >= self.e.open_occupancy * core:
                self.open = True
                self.m.rec.count("escalation_openings", now)
                self.apply()
            elif self.open and (core <= 0 or in_use < self.e.close_occupancy * core):
                self.open = False
                self.apply()
            yield env.timeout(1.0)
