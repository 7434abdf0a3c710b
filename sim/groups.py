"""Key outcomes by person group: age band (65-74, 75-84, 85+) and frailty level.

A replication's outcomes are otherwise counted by service; planners also ask who gains and who
loses under a scenario. This book keeps, for each age band and each frailty level:

- counts of the events that make the key outcomes (emergency admissions, readmissions within
  30 days, permanent care-home admissions, deaths), each in the group the person was in at
  the event;
- delayed discharge days, each delay in the group the person was in when they became ready
  to leave (so a delay is never split because the person moved up a band while waiting);
- person-days alive and person-days at home, time-weighted like every other level, which
  give person-years (the denominator of rates per 1,000) and days at home per person per year.

Each event costs two dict increments (one per kind of group); levels move only when someone
joins, dies, leaves or returns home, or changes band or frailty. Over the age bands (and,
separately, over the frailty levels) every metric adds up to the replication's own total.
"""

from __future__ import annotations

from collections import defaultdict

from .population import FRAILTY_NAMES, HOME
from .recorder import Tracker

AGE_BAND_NAMES = ("65-74", "75-84", "85+")
GROUP_KINDS = ("age_band", "frailty")
GROUPS = {"age_band": AGE_BAND_NAMES, "frailty": FRAILTY_NAMES}
# Event counts, then the time-weighted measures. ``days_at_home`` is person-days at home in
# the results period, not yet divided by person-years.
COUNTED = ("emergency_admissions", "readmissions_30d", "care_home_admissions", "deaths")
GROUP_METRICS = (*COUNTED, "delayed_discharge_days", "days_at_home")
GROUP_COLUMNS = ["replication", "group_kind", "group", "metric", "value", "person_years"]


class GroupBook:
    """Counts and levels by age band and frailty for one replication's results window."""

    __slots__ = ("start", "end", "counts", "alive", "home", "_keys")

    def __init__(self, start: float, end: float):
        self.start = start
        self.end = end
        # (kind, group, metric) -> value over the results window.
        self.counts: defaultdict[tuple[str, str, str], float] = defaultdict(float)
        # Levels by [band] and [frailty]: people alive, people at home.
        self.alive = ([Tracker(f"alive {g}", start, end) for g in AGE_BAND_NAMES],
                      [Tracker(f"alive {g}", start, end) for g in FRAILTY_NAMES])
        self.home = ([Tracker(f"at home {g}", start, end) for g in AGE_BAND_NAMES],
                     [Tracker(f"at home {g}", start, end) for g in FRAILTY_NAMES])
        # Keys built once, so an event does not build tuples.
        self._keys = {m: ([("age_band", g, m) for g in AGE_BAND_NAMES],
                          [("frailty", g, m) for g in FRAILTY_NAMES])
                      for m in GROUP_METRICS}

    # ------------------------------------------------------------------ events
    def count(self, metric: str, band: int, frailty: int, k: float = 1.0) -> None:
        """An event already inside the results window (the recorder checks the window)."""
        by_band, by_frailty = self._keys[metric]
        counts = self.counts
        counts[by_band[band]] += k
        counts[by_frailty[frailty]] += k

    # ------------------------------------------------------------------ levels
    def start_population(self, now: float, bands, frailty, at_home) -> None:
        """The starting population in one step per group (arrays, one entry per person)."""
        for b, _ in enumerate(AGE_BAND_NAMES):
            mask = bands == b
            self.alive[0][b].add(now, float(mask.sum()))
            self.home[0][b].add(now, float((mask & at_home).sum()))
        for f, _ in enumerate(FRAILTY_NAMES):
            mask = frailty == f
            self.alive[1][f].add(now, float(mask.sum()))
            self.home[1][f].add(now, float((mask & at_home).sum()))

    def _level(self, person, now: float, delta: float, band: int, frailty: int) -> None:
        self.alive[0][band].add(now, delta)
        self.alive[1][frailty].add(now, delta)
        if person.location == HOME:
            self.home[0][band].add(now, delta)
            self.home[1][frailty].add(now, delta)

    def joined(self, person, now: float) -> None:
        self._level(person, now, 1.0, person.band, person.frailty)

    def left(self, person, now: float) -> None:
        """Death (called once the person is no longer at home)."""
        self._level(person, now, -1.0, person.band, person.frailty)

    def regrouped(self, person, now: float, band: int, frailty: int) -> None:
        """The person moved from (band, frailty) to their current band and frailty."""
        self._level(person, now, -1.0, band, frailty)
        self._level(person, now, 1.0, person.band, person.frailty)

    def at_home(self, person, now: float, delta: float) -> None:
        self.home[0][person.band].add(now, delta)
        self.home[1][person.frailty].add(now, delta)

    def close(self, now: float) -> None:
        for kind in (*self.alive, *self.home):
            for t in kind:
                t.close(now)

    # ------------------------------------------------------------------ the record
    def rows(self) -> list[tuple[str, str, str, float, float]]:
        """(kind, group, metric, value, person-years) for every group and metric, zeros
        included, so a group with no events still shows."""
        out = []
        for i, kind in enumerate(GROUP_KINDS):
            for j, group in enumerate(GROUPS[kind]):
                years = self.alive[i][j].area / 365.0
                for metric in GROUP_METRICS:
                    value = (self.home[i][j].area if metric == "days_at_home"
                             else self.counts.get((kind, group, metric), 0.0))
                    out.append((kind, group, metric, value, years))
        return out
