"""What a replication records: time-weighted levels, counts, delays by reason and costs.

Everything is clipped to the results window [start, end): events before the end of warm-up
or after the end of the run do not count, and durations that straddle the window edges count
only their part inside it.
"""

from __future__ import annotations

import math

from collections import defaultdict

from .errors import InvariantError

# The first five are the waits integration levers act on; the rest are hospital-internal
# steps, choice, housing and equipment (see sim.pathways.discharge.REASONS).
DELAY_REASONS = (
    "awaiting assessment",
    "funding decision",
    "reablement / home care",
    "intermediate care",
    "care home",
    "medical or therapy review",
    "medicines to take home",
    "transport",
    "patient or family choice",
    "housing",
    "equipment",
)

PAYERS = ("nhs", "local_authority", "pooled")


class Tracker:
    """A level (people in a place, hours in use) and its integral over the results window."""

    __slots__ = ("name", "level", "last", "area", "start", "end", "capacity", "peak")

    def __init__(self, name: str, start: float, end: float, capacity: float = float("inf")):
        self.name = name
        self.level = 0.0
        self.last = 0.0
        self.area = 0.0
        self.start = start
        self.end = end
        self.capacity = capacity
        self.peak = 0.0

    def add(self, now: float, delta: float) -> None:
        a = self.last if self.last > self.start else self.start
        b = now if now < self.end else self.end
        if b > a:
            self.area += self.level * (b - a)
        self.last = now
        self.level += delta
        if self.level > self.peak:
            self.peak = self.level
        if self.level < -1e-9 or self.level > self.capacity + 1e-6:
            raise InvariantError(
                f"{self.name}: level {self.level:g} outside 0..{self.capacity:g} at t={now:g}"
            )

    def close(self, now: float) -> None:
        self.add(now, 0.0)


class Recorder:
    def __init__(self, start: float, end: float):
        self.start = start
        self.end = end
        self.trackers: dict[str, Tracker] = {}
        self.counts: defaultdict[str, float] = defaultdict(float)
        self.delay_days: dict[str, float] = {r: 0.0 for r in DELAY_REASONS}
        # The same days, counting only time after a stay's 14th day: England's published split
        # of delays by reason is for patients in hospital 14 days or more.
        self.delay_days_long: dict[str, float] = {r: 0.0 for r in DELAY_REASONS}
        # (service, payer, kind, year of the results period) -> GBP; kind is "fixed" (capacity
        # paid for whether used or not) or "variable" (per use).
        self.costs: defaultdict[tuple[str, str, str, int], float] = defaultdict(float)
        # Cumulative tracker areas at each year boundary of a multi-year results period.
        self.year_areas: list[dict[str, float]] = []
        self.daily: list[dict[str, float]] = []
        self.delays_completed: list[float] = []
        self.acute_stays_started = 0
        self.acute_stay_days_started = 0.0
        self.acute_stay_days_in_window = 0.0
        self.completed_stays: list[float] = []  # lengths of stays ending in the window
        self.ascof_outcomes: list[bool] = []
        # Outcomes by age band and frailty (a sim.groups.GroupBook); None where people have no
        # band or frailty (the verification queue).
        self.groups = None

    def tracker(self, name: str, capacity: float = float("inf")) -> Tracker:
        t = self.trackers.get(name)
        if t is None:
            t = self.trackers[name] = Tracker(name, self.start, self.end, capacity)
        return t

    def in_window(self, t: float) -> bool:
        return self.start <= t < self.end

    def count(self, name: str, now: float, k: float = 1.0, person=None) -> None:
        """Count an event; with ``person`` also in that person's age band and frailty."""
        if self.start <= now < self.end:
            self.counts[name] += k
            if person is not None and self.groups is not None:
                self.groups.count(name, person.band, person.frailty, k)

    def delay(self, reason: str, t0: float, t1: float,
              group: tuple[int, int] | None = None, long_from: float = math.inf) -> None:
        """Book delayed days to a reason; ``group`` is the (age band, frailty) they go to;
        the part after ``long_from`` (the stay's 14th day) is booked again as a long stay's."""
        a = t0 if t0 > self.start else self.start
        b = t1 if t1 < self.end else self.end
        if b > a:
            self.delay_days[reason] += b - a
            if b > long_from:
                self.delay_days_long[reason] += b - (a if a > long_from else long_from)
            if group is not None and self.groups is not None:
                self.groups.count("delayed_discharge_days", group[0], group[1], b - a)

    def overlap(self, t0: float, t1: float) -> float:
        a = t0 if t0 > self.start else self.start
        b = t1 if t1 < self.end else self.end
        return b - a if b > a else 0.0

    def cost(self, service: str, payer: str, amount: float, now: float,
             kind: str = "variable") -> None:
        if self.start <= now < self.end and amount:
            self.costs[(service, payer, kind, int((now - self.start) // 365.0))] += amount

    def mark_year(self, now: float) -> None:
        """Snapshot every tracker's area so costs over time can be split by year."""
        for t in self.trackers.values():
            t.close(now)
        self.year_areas.append({name: t.area for name, t in self.trackers.items()})

    def close(self, now: float) -> None:
        for t in self.trackers.values():
            t.close(now)
        if self.groups is not None:
            self.groups.close(now)
