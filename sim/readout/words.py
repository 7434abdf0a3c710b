"""Sentences: a paired difference and its interval in plain words.

    >>> headline("delayed_discharge_days", -1874, -2210, -1590).text
    'about 1,900 fewer delayed days a year, between 1,600 and 2,200'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import fmt as F
from .catalogue import metric
from .verdict import verdict


@dataclass(frozen=True)
class Headline:
    """The one headline type: a metric's change in words, with its verdict code."""

    metric: str
    text: str
    verdict: str


def _words(kind: str, up: bool) -> str:
    return {"count": ("fewer", "more"), "money": ("less", "more"), "share": ("lower", "higher"),
            "amount": ("less", "more"), "flag": ("fewer", "more")}[kind][int(bool(up))]


def magnitude(kind: str, x: float, sig: int = 2) -> str:
    if kind == "money":
        return F.money(x, sig)
    if kind == "share":
        return F.plain(x * 100, sig)
    return F.plain(x, sig)


def _points(kind: str, x: float, sig: int) -> str:
    if kind != "share":
        return ""
    return " percentage point" if F.plain(x * 100, sig) == "1" else " percentage points"


def _sig_for(kind: str, low: float, high: float) -> int:
    """Two significant figures, or more when two would print both ends of a range alike."""
    for sig in (2, 3, 4):
        if magnitude(kind, low, sig) != magnitude(kind, high, sig):
            return sig
    return 4


def _sentence(kind: str, noun: str, year: str, diff: float, sig: int = 2,
              countable: bool = True) -> str:
    m = magnitude(kind, abs(diff), sig)
    w = _words(kind, diff > 0)
    if kind == "money":
        return f"about {m} {w}{year} {noun}"
    if kind == "share":
        return f"{noun} about {m}{_points(kind, abs(diff), sig)} {w}"
    if kind == "count" and countable and abs(diff) < 1:
        # Half an admission is not a thing a planner can count: say it is under one. An
        # average (days at home per person, people delayed on a day) is a number like any
        # other: 0.3 more days at home each, over 50,000 people, is 15,000 days.
        return f"less than one {w}{year} ({noun})"
    return f"about {m} {w} {noun}{year}"


def headline(name: str, diff: float, low: float, high: float, per_year: bool = True,
             gridlock: bool = False) -> Headline:
    """One sentence for a paired difference (already per year for totals) and its 95%
    interval, with the verdict code (see :mod:`sim.readout.verdict`)."""
    m = metric(name)
    kind = m.kind if m.kind != "flag" else "count"
    if diff is None or not math.isfinite(diff):
        return Headline(name, f"{m.topic} could not be measured in this run (nothing to "
                        "measure, e.g. no one finished reablement)", "unclear")
    year = " a year" if per_year and m.is_total else ""
    v = verdict(name, diff, low, high, gridlock)
    if v == "same":
        return Headline(name, f"no difference in {m.topic}", v)
    if not (math.isfinite(low) and math.isfinite(high)):
        text = _sentence(kind, m.noun, year, diff, countable=m.is_total)
        return Headline(name, text + " (too few replications for a range)", v)
    if v == "unclear":
        lo, hi = sorted((low, high))
        sig = _sig_for(kind, abs(lo), abs(hi))
        text = (f"no clear change in {m.topic}: somewhere between "
                f"{magnitude(kind, lo, sig)}{_points(kind, lo, sig)} {_words(kind, False)} and "
                f"{magnitude(kind, hi, sig)}{_points(kind, hi, sig)} {_words(kind, True)}{year}")
        return Headline(name, text, v)
    a, b = sorted((abs(low), abs(high)))
    sig = _sig_for(kind, a, b)
    text = (f"{_sentence(kind, m.noun, year, diff, sig, countable=m.is_total)}, between "
            f"{magnitude(kind, a, sig)} "
            f"and {magnitude(kind, b, sig)}")
    return Headline(name, text, v)


def estimate(name: str, diff: float, per_year: bool = True) -> str:
    """The difference alone, without a range ("about 1,900 fewer delayed days a year"), for
    an early look before enough replications have run to give one."""
    m = metric(name)
    if diff is None or not math.isfinite(diff):
        return f"{m.topic} could not be measured yet"
    if diff == 0:
        return f"no difference in {m.topic} so far"
    year = " a year" if per_year and m.is_total else ""
    return _sentence(m.kind if m.kind != "flag" else "count", m.noun, year, diff,
                     countable=m.is_total)


def format_value(name: str, value: float) -> str:
    """A metric's value for a card or table cell, at the table precision."""
    if value is None or not math.isfinite(value):
        return F.NA
    m = metric(name)
    if value == 0:
        return "£0" if m.kind == "money" else ("0%" if m.kind == "share" else "0")
    sign = F.MINUS if value < 0 else ""
    if m.kind == "money":
        return sign + F.gbp(abs(value))
    if m.kind == "share":
        return sign + F.pct(abs(value), 1)
    dp = F.dp_for([value])
    if name == "days_at_home":
        dp = 1
    elif m.is_total:
        dp = min(dp, 0 if abs(value) >= 10 else 1)
    return sign + F.number(abs(value), dp)


def format_difference(name: str, diff: float) -> str:
    """A signed difference in the metric's own terms (percentage points for shares); a
    difference that rounds to nothing carries no sign."""
    if diff is None or not math.isfinite(diff):
        return F.NA
    if metric(name).kind == "share":
        text = f"{F.points(abs(diff))} points"
    else:
        text = format_value(name, abs(diff))
    if not any(c in "123456789" for c in text):
        return text
    return ("+" if diff > 0 else F.MINUS) + text


def run_length(days: float, warmup: float | None = None) -> str:
    """How long a run's results period was, stated beside every per-year total."""
    years = days / 365.0
    if abs(years - round(years)) < 1e-9 and round(years) >= 1:
        period = "1 year" if round(years) == 1 else f"{round(years)} years"
    else:
        period = f"{days:,.0f} days"
    text = f"results over {period}"
    if warmup is not None:
        text += f" after a {warmup:,.0f}-day warm-up"
    return text + "; totals shown per year"


def simulated_population(params) -> int:
    """People aged 65+ a run simulates: today's size grown over the projection years. The one
    figure every surface states (a growth scenario simulates more people than it starts with)."""
    return int(params.population.projected_size)


def simulated_people(cmp) -> str:
    """People aged 65+ each scenario of a comparison simulates, after its population growth."""
    results = cmp.results if hasattr(cmp, "results") else cmp
    sizes = {n: simulated_population(r.params) for n, r in results.items()}
    start = next(iter(results.values())).params.population.size
    if len(set(sizes.values())) == 1:
        size = next(iter(sizes.values()))
        grown = f" (grown from {start:,})" if size != start else ""
        return f"{size:,} people aged 65+{grown}"
    return "people aged 65+: " + ", ".join(f"{n} {s:,}" for n, s in sizes.items()) + (
        f" (from {start:,} today)")


def place_text(params) -> str:
    """Whose system a scenario shows: the local area and the source of its figures, or the
    national defaults scaled to its population."""
    place = getattr(params, "place", None)
    if place is None:
        return (f"national defaults scaled to {params.population.size:,} people aged 65+")
    text = f"the local area {place.name}"
    if place.description:
        text += f" ({place.description.rstrip('.')})"
    if place.sources:
        text += f", with figures from {place.sources.rstrip('.')}"
    return text


__all__ = ["Headline", "estimate", "format_difference", "format_value", "headline",
           "magnitude", "place_text", "run_length", "simulated_people", "simulated_population"]
