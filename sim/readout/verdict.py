"""The one verdict vocabulary, and the gridlock warning that overrides it.

A verdict says whether a paired difference is an improvement we can be confident of (its 95%
interval excludes zero). Every surface shows the same words for the same code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .catalogue import metric

if TYPE_CHECKING:
    from ..runner import Comparison, Results

# code -> the word a reader sees (card badge, report tag, table column). Sentences spell the
# "unclear" case out as "no clear change".
VERDICTS = {
    "better": "Better",
    "worse": "Worse",
    "unclear": "Unclear",  # the 95% interval includes zero
    "same": "No change",  # identical in every replication
    "changed": "Changed",  # a clear change with no better direction (money moving payer)
    "gridlock": "Gridlock",  # not judged: either scenario could not cope in a replication
}


def verdict(metric_name: str, diff: float, low: float, high: float,
            gridlock: bool = False) -> str:
    """The verdict code of a difference and its 95% interval.

    With ``gridlock`` (either scenario had replications in gridlock) a clear change is never
    called better or worse: the totals of a hospital that could not cope are not comparable.
    """
    if diff is None or not all(map(math.isfinite, (diff, low, high))):
        return "same" if diff == 0 else "unclear"
    if diff == 0 and low == 0 and high == 0:
        return "same"
    if low <= 0 <= high:
        return "unclear"
    if gridlock:
        return "gridlock"
    better = metric(metric_name).better
    if better is None:
        return "changed"
    return "better" if (diff > 0) == (better == "higher") else "worse"


def word(code: str) -> str:
    return VERDICTS[code]


# --------------------------------------------------------------------------------------------
# Gridlock
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Warning:
    """A named warning about a scenario's run that every surface must show."""

    code: str  # "gridlock"
    scenario: str
    replications: int  # how many replications it concerns
    of: int  # of how many
    first_day: float | None  # the earliest day it began (``unstable_day``), if recorded
    text: str


def gridlock(res: Results) -> Warning | None:
    """The gridlock warning of one scenario, or None if no replication was unstable.

    ``unstable`` is 0/1 per replication; ``unstable_day`` (when the engine records it) is the
    day of the results period on which the run tipped over.
    """
    k = res.kpis
    if k is None or k.empty or "unstable" not in k.columns:
        return None
    flags = k["unstable"].fillna(0).astype(float)
    n = int((flags > 0).sum())
    if not n:
        return None
    first = None
    if "unstable_day" in k.columns:
        days = k.loc[flags > 0, "unstable_day"].astype(float).dropna()
        first = float(days.min()) if len(days) else None
    when = f", first on day {first:,.0f} of the results period" if first is not None else ""
    partial = int((k["partial"] > 0).sum()) if "partial" in k.columns else 0
    cut = (f" {partial} of them stopped early at the memory cap and cover only the days "
           "before it." if partial else "")
    text = (f"Gridlock in {res.scenario}: in {n} of {len(k)} replications the hospital could "
            f"not cope (over 28 days the A&E queue for beds, or the wait from the decision to "
            f"admit to a bed, passed the gridlock threshold{when}). Its totals describe a "
            f"system that has broken down, so no change involving it is called better or "
            f"worse.{cut}")
    return Warning("gridlock", res.scenario, n, len(k), first, text)


def warnings(cmp: Comparison) -> list[Warning]:
    """Every warning of a comparison, baseline first."""
    order = [cmp.baseline, *[n for n in cmp.results if n != cmp.baseline]]
    return [w for w in (gridlock(cmp.results[n]) for n in order) if w is not None]


def gridlocked(cmp: Comparison, *names: str) -> bool:
    return any(gridlock(cmp.results[n]) is not None for n in names)


__all__ = ["VERDICTS", "Warning", "gridlock", "gridlocked", "verdict", "warnings", "word"]
