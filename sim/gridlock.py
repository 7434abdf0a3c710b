"""Gridlock judged, not capped: is the front door of this run still working?

A run is ``unstable`` when, over a rolling window of ``run.gridlock_window_days``, either the
mean number of people waiting in A&E for a bed exceeds ``run.gridlock_queue_share`` of the
core acute beds, or the mean decision-to-admit wait of the admissions that got a bed in the
window exceeds ``run.gridlock_dta_hours``. ``unstable_day`` is the results-period day that
closes the first such window (NaN if none). A judged window rather than a single day gives
the tipping point one meaning whatever the day-to-day noise. See docs/model.md.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Model


def judge(m: Model) -> tuple[bool, float]:
    """``(unstable, unstable_day)`` from the daily series of one replication."""
    r = m.p.run
    daily = m.rec.daily
    tipped = _first_window(m, daily, max(1, int(r.gridlock_window_days)), r)
    if m.partial and math.isnan(tipped):
        # Stopped at the memory cap before a full window: gridlocked on its last day.
        return True, float(max(len(daily) - 1, 0))
    return not math.isnan(tipped), tipped


def _first_window(m: Model, daily: list[dict], window: int, r) -> float:
    n = len(daily)
    if n == 0:
        return math.nan
    queue_limit = r.gridlock_queue_share * max(m.p.acute.beds or 0, 1)
    dta = m.hospital.dta_by_day
    q_sum = 0.0
    h_sum = 0.0
    c_sum = 0.0
    for d in range(n):
        q_sum += daily[d]["boarding"]
        cell = dta.get(d)
        if cell:
            h_sum += cell[0]
            c_sum += cell[1]
        if d >= window:
            q_sum -= daily[d - window]["boarding"]
            old = dta.get(d - window)
            if old:
                h_sum -= old[0]
                c_sum -= old[1]
        if d >= window - 1:
            if q_sum / window > queue_limit or (c_sum > 0 and h_sum / c_sum > r.gridlock_dta_hours):
                return float(d)
    return math.nan
