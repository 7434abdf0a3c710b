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
joins, dies, leaves or returns home, or changes band or frailty, and are checked against the
model's own levels at the end of the run. Over the age bands (and,
separately, over the frailty levels) every metric adds up to the replication's own total.
"""

from __future__ import annotations

from collections import defaultdict

from .population import FRAILTY_NAMES, HOME
from .errors import InvariantError

AGE_BAND_NAMES = ("65-74", "75-84", "85+")
GROUP_KINDS = ("age_band", "frailty")
GROUPS = {"age_band": AGE_BAND_NAMES, "frailty": FRAILTY_NAMES}
# Event counts, then the time-weighted measures. ``days_at_home`` is person-days at home in
# the results period, not yet divided by person-years.
COUNTED = ("emergency_admissions", "readmissions_30d", "care_home_admissions", "deaths")
GROUP_METRICS = (*COUNTED, "delayed_discharge_days", "days_at_home")
GROUP_COLUMNS = ["replication", "group_kind", "group", "metric", "value", "person_years"]


# Slots of the level lists: people alive by band, by frailty; people at home by band, by frailty.
_ALIVE_BAND, _ALIVE_FRAILTY, _HOME_BAND, _HOME_FRAILTY = 0, 3, 7, 10
_SLOTS = 14


class GroupBook:
    """Counts and levels by age band and frailty for one replication's results window.

    Levels are kept in flat lists and integrated inline (the arithmetic of
    :class:`sim.recorder.Tracker` without its per-step checks): a person's band and frailty
    move two levels at once, and this runs at every trip out of or back home. Their sums are
    checked against the model's own levels once, at the end (:meth:`check`).
    """

    __slots__ = ("start", "end", "counts", "level", "last", "area", "_keys")

    def __init__(self, start: float, end: float):
        self.start = start
        self.end = end
        # (kind, group, metric) -> value over the results window.
        self.counts: defaultdict[tuple[str, str, str], float] = defaultdict(float)
        self.level = [0.0] * _SLOTS
        self.last = [0.0] * _SLOTS
        self.area = [0.0] * _SLOTS
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
    def _step(self, i: int, j: int, now: float, delta: float) -> None:
        """Levels i and j change by delta at ``now``; the area so far is added first."""
        level, last, area = self.level, self.last, self.area
        b = now if now < self.end else self.end
        a = last[i] if last[i] > self.start else self.start
        if b > a:
            area[i] += level[i] * (b - a)
        a = last[j] if last[j] > self.start else self.start
        if b > a:
            area[j] += level[j] * (b - a)
        last[i] = last[j] = now
        level[i] += delta
        level[j] += delta

    def start_population(self, now: float, bands, frailty, at_home) -> None:
        """The starting population in one step per group (arrays, one entry per person)."""
        for b, _ in enumerate(AGE_BAND_NAMES):
            mask = bands == b
            self._step(_ALIVE_BAND + b, _HOME_BAND + b, now, 0.0)
            self.level[_ALIVE_BAND + b] += float(mask.sum())
            self.level[_HOME_BAND + b] += float((mask & at_home).sum())
        for f, _ in enumerate(FRAILTY_NAMES):
            mask = frailty == f
            self._step(_ALIVE_FRAILTY + f, _HOME_FRAILTY + f, now, 0.0)
            self.level[_ALIVE_FRAILTY + f] += float(mask.sum())
            self.level[_HOME_FRAILTY + f] += float((mask & at_home).sum())

    def _level(self, person, now: float, delta: float, band: int, frailty: int) -> None:
        self._step(_ALIVE_BAND + band, _ALIVE_FRAILTY + frailty, now, delta)
        if person.location == HOME:
            self._step(_HOME_BAND + band, _HOME_FRAILTY + frailty, now, delta)

    def joined(self, person, now: float) -> None:
        self._level(person, now, 1.0, person.band, person.frailty)

    def left(self, person, now: float) -> None:
        """Death (called once the person is no longer at home)."""
        self._level(person, now, -1.0, person.band, person.frailty)

    def regrouped(self, person, now: float, band: int, frailty: int) -> None:
        """The person moved from (band, frailty) to their current band and frailty; only the
        kind of group that changed moves (one of the two, in the model)."""
        home = person.location == HOME
        for alive_at, home_at, old, new in ((_ALIVE_BAND, _HOME_BAND, band, person.band),
                                            (_ALIVE_FRAILTY, _HOME_FRAILTY, frailty,
                                             person.frailty)):
            if old != new:
                self._step(alive_at + old, alive_at + new, now, 0.0)
                self.level[alive_at + old] -= 1.0
                self.level[alive_at + new] += 1.0
                if home:
                    self._step(home_at + old, home_at + new, now, 0.0)
                    self.level[home_at + old] -= 1.0
                    self.level[home_at + new] += 1.0

    def at_home(self, person, now: float, delta: float) -> None:
        self._step(_HOME_BAND + person.band, _HOME_FRAILTY + person.frailty, now, delta)

    def close(self, now: float) -> None:
        for i in range(0, _SLOTS - 1, 2):
            self._step(i, i + 1, now, 0.0)

    def check(self, alive: float, at_home: float) -> None:
        """The levels by group add up to the model's own, over bands and over frailty."""
        lv = self.level
        for name, total, parts in (
                ("alive", alive, (lv[_ALIVE_BAND:_ALIVE_FRAILTY], lv[_ALIVE_FRAILTY:_HOME_BAND])),
                ("at home", at_home, (lv[_HOME_BAND:_HOME_FRAILTY], lv[_HOME_FRAILTY:]))):
            for kind, part in zip(GROUP_KINDS, parts):
                if min(part) < -1e-9 or abs(sum(part) - total) > 1e-6:
                    raise InvariantError(
                        f"people {name} by {kind.replace('_', ' ')} {part} do not add up to "
                        f"the {total:g} {name}")

    # ------------------------------------------------------------------ the record
    def rows(self) -> list[tuple[str, str, str, float, float]]:
        """(kind, group, metric, value, person-years) for every group and metric, zeros
        included, so a group with no events still shows."""
        out = []
        for kind in GROUP_KINDS:
            for j, group in enumerate(GROUPS[kind]):
                alive_at, home_at = ((_ALIVE_BAND, _HOME_BAND) if kind == "age_band"
                                     else (_ALIVE_FRAILTY, _HOME_FRAILTY))
                years = self.area[alive_at + j] / 365.0
                for metric in GROUP_METRICS:
                    value = (self.area[home_at + j] if metric == "days_at_home"
                             else self.counts.get((kind, group, metric), 0.0))
                    out.append((kind, group, metric, value, years))
        return out
