"""How fast this machine simulates, learnt from past runs, for the time shown before Run.

One run on a loaded machine once taught the app a speed 24 times too slow, and every
estimate after it said "about 24 min" for a run that took under one. So the learnt speed is
read robustly: the last few measurements are kept, measurements far from a built-in
reference are discarded as implausible, the median of the rest is taken, and the result is
held within a plausible band around the reference. The time is then stated as "about" with a
range, never as one exact figure.

No Streamlit here, so the estimator can be tested on its own.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

# Person-years one worker process simulates per second. The model runs about 25,000 on one
# core (sim/limits.py; measured again on the 2-core development machine under a load
# average of 4.8: 26,000 for fragmented and 31,000 for integrated, 10,000 people, 485 days).
REFERENCE_SPEED = 25_000.0
# A learnt speed is held within this factor of the reference either way: a shared or slow
# machine can be a few times slower than the reference, not twenty times.
PLAUSIBLE_FACTOR = 4.0
# Measurements further than this from the reference say more about the machine's load at
# that moment (or a run cut short) than about its speed, and are not used at all.
IMPLAUSIBLE_FACTOR = 20.0
# Measurements kept in the file, and the most recent of them that are averaged.
KEEP = 9
RECENT = 5
# Measurements further than this factor from their median are outliers.
OUTLIER_FACTOR = 3.0
# The narrowest range stated around an estimate, and the range with nothing learnt yet.
MIN_SPREAD = 1.3
UNLEARNT_SPREAD = 2.0


@dataclass(frozen=True)
class Speed:
    """Person-years per second per worker: the central figure and the fast and slow ends."""

    central: float
    fast: float
    slow: float
    learnt: int  # measurements the figure rests on (0: the built-in reference)


def _clamp(x: float, reference: float) -> float:
    return min(max(x, reference / PLAUSIBLE_FACTOR), reference * PLAUSIBLE_FACTOR)


def learnt_speed(samples: list[float], reference: float = REFERENCE_SPEED) -> Speed:
    """The speed to plan with, from past measurements (oldest first)."""
    recent = [float(s) for s in samples if isinstance(s, int | float) and math.isfinite(s)
              and s > 0][-KEEP:]
    plausible = [s for s in recent
                 if reference / IMPLAUSIBLE_FACTOR <= s <= reference * IMPLAUSIBLE_FACTOR]
    plausible = plausible[-RECENT:]
    if not plausible:
        return Speed(reference, reference * UNLEARNT_SPREAD, reference / UNLEARNT_SPREAD, 0)
    middle = statistics.median(plausible)
    kept = [s for s in plausible if middle / OUTLIER_FACTOR <= s <= middle * OUTLIER_FACTOR]
    central = _clamp(statistics.median(kept), reference)
    fast = max(_clamp(max(kept), reference), central * MIN_SPREAD)
    slow = min(_clamp(min(kept), reference), central / MIN_SPREAD)
    return Speed(central, fast, slow, len(kept))


def read_samples(path: Path) -> list[float]:
    """Measurements in the speed file, oldest first; an older file holding one smoothed
    figure counts as one measurement, and an unreadable one as none."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict):
        return []
    runs = data.get("runs")
    if isinstance(runs, list):
        out = []
        for r in runs:
            value = r.get("person_years_per_second") if isinstance(r, dict) else r
            if isinstance(value, int | float) and not isinstance(value, bool):
                out.append(float(value))
        return out
    value = data.get("person_years_per_second")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [float(value)]
    return []


def measure(work: float, seconds: float, parallel: int) -> float:
    """Person-years per second per worker of a finished run."""
    return work / (seconds * max(1, parallel))


def write_samples(path: Path, samples: list[float]) -> None:
    """Keep the last few measurements (a read-only home only loses them)."""
    kept = [float(s) for s in samples[-KEEP:]]
    # The figure an older version of the app reads, and the measurements this one reads.
    body = {"person_years_per_second": learnt_speed(kept).central, "runs": kept,
            "measured": time.strftime("%Y-%m-%d %H:%M")}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body))
    except OSError:
        pass


@dataclass(frozen=True)
class TimeRange:
    about: float
    low: float
    high: float


def time_range(person_years: float, speed: Speed, parallel: int = 1) -> TimeRange:
    """Seconds for ``person_years`` of work spread over ``parallel`` workers."""
    work = person_years / max(1, parallel)
    return TimeRange(work / speed.central, work / speed.fast, work / speed.slow)
