"""Calendar arithmetic: weekdays, working days and the seasonal pattern of crises.

Simulated time is in days from day 0. Day 0 is a ``start_weekday`` (0 = Monday) and falls on
``start_day_of_year`` of the financial year (0 = 1 April).
"""

from __future__ import annotations

import math


class Calendar:
    def __init__(self, start_weekday: int = 0, start_day_of_year: int = 0,
                 winter_peak: float = 0.0, winter_peak_day: int = 280,
                 monday_excess: float = 0.0):
        self.start_weekday = start_weekday
        self.start_day_of_year = start_day_of_year
        self.winter_peak = winter_peak
        self.winter_peak_day = winter_peak_day
        self.monday_excess = monday_excess
        # Thinning needs an upper bound of the crisis multiplier.
        self.max_multiplier = (1.0 + winter_peak) * (1.0 + monday_excess)

    def weekday(self, t: float) -> int:
        return (int(math.floor(t)) + self.start_weekday) % 7

    def is_working_day(self, t: float) -> bool:
        return self.weekday(t) < 5

    def next_working_time(self, t: float) -> float:
        """t itself on a weekday, otherwise the start of the next Monday."""
        wd = self.weekday(t)
        if wd < 5:
            return t
        return math.floor(t) + (7 - wd)

    def add_working_days(self, t: float, days: float, seven_day: bool) -> float:
        """The time at which ``days`` of working time, started at t, are done."""
        if seven_day:
            return t + days
        t = self.next_working_time(t)
        while days > 0:
            day_end = math.floor(t) + 1.0
            chunk = min(days, day_end - t)
            t += chunk
            days -= chunk
            if days > 1e-12:
                t = self.next_working_time(t)
        return t

    def next_weekday_time(self, t: float, weekday: int, hour_fraction: float = 0.5) -> float:
        """The next time (>= t) that falls on ``weekday`` at ``hour_fraction`` of the day."""
        day = math.floor(t)
        ahead = (weekday - self.weekday(day)) % 7
        candidate = day + ahead + hour_fraction
        if candidate < t:
            candidate += 7
        return candidate

    def crisis_multiplier(self, t: float) -> float:
        """Relative crisis rate at time t: winter peak times the weekly pattern (mean 1)."""
        doy = (self.start_day_of_year + t) % 365.0
        season = 1.0 + self.winter_peak * math.cos(2.0 * math.pi * (doy - self.winter_peak_day) / 365.0)
        wd = self.weekday(t)
        if wd == 0:
            week = 1.0 + self.monday_excess
        elif wd >= 5:
            week = 1.0 - self.monday_excess / 2.0
        else:
            week = 1.0
        return season * week
