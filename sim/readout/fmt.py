"""The one number format: thousands separators, money as £1.2m, £350k or £2,824 (never
pence), shares as percentages and their changes in percentage points.

Two precisions, one rule each:

* tables and cards show a value at a precision set by its size (``dp_for``: no decimals from
  100, one from 1, two below), and a range at one precision, so "6.1% (95% CI 2.3% to 9.9%)"
  never turns into "6.1% (2.3% to 10%)";
* sentences round an estimate to two significant figures ("about 1,900 fewer delayed days",
  "about £1.2m less"), with more figures only when two would print both ends of a range alike.

Magnitudes in sentences are shown without a sign: the words around them ("fall", "rise",
"less", "more") carry the direction, which reads better than a minus sign.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

MINUS = "\u2212"
DASH = "\u2013"
NA = "n/a"


def _finite(values: Iterable[float]) -> list[float]:
    return [abs(v) for v in values if v is not None and math.isfinite(v)]


def missing(x: float | None) -> bool:
    return x is None or not math.isfinite(x)


def dp_for(values: Iterable[float]) -> int:
    """Decimal places for plain numbers: none from 100 up, one from 1, two below."""
    top = max(_finite(values), default=0.0)
    if top >= 100:
        return 0
    if top >= 1:
        return 1
    return 2


def number(x: float | None, dp: int | None = None, signed: bool = False) -> str:
    if missing(x):
        return NA
    dp = dp_for([x]) if dp is None else dp
    text = f"{abs(x):,.{dp}f}"
    if signed and round(x, dp) != 0:
        return ("+" if x > 0 else MINUS) + text
    return text


def integer(x: float | int | None) -> str:
    if missing(x):
        return NA
    return f"{round(x):,}"


def money_scale(values: Iterable[float]) -> tuple[float, str, int]:
    """Divisor, suffix and decimals shared by the amounts of one range (estimate and CI).

    A range in millions below £10m keeps two decimals when one of its amounts is under £1m,
    so a bound near zero still says something ("£0.04m" rather than "£0.0m").
    """
    sizes = _finite(values)
    top = max(sizes, default=0.0)
    if top >= 100e6:
        return 1e6, "m", 0
    if top >= 10e6:
        return 1e6, "m", 1
    if top >= 1e6:
        return 1e6, "m", 1 if min(sizes) >= 1e6 else 2
    if top >= 10e3:
        return 1e3, "k", 0
    return 1.0, "", 0


def single_scale(x: float) -> tuple[float, str, int]:
    """Scale of one amount on its own: £1.2m, £350k or £2,824."""
    a = abs(x)
    if a >= 100e6:
        return 1e6, "m", 0
    if a >= 1e6:
        return 1e6, "m", 1
    if a >= 10e3:
        return 1e3, "k", 0
    return 1.0, "", 0


def gbp(x: float | None, scale: tuple[float, str, int] | None = None,
        signed: bool = False) -> str:
    """£1.2m, £350k or £2,824; the scale of a range comes from ``money_scale``."""
    if missing(x):
        return NA
    div, suffix, dp = scale or single_scale(x)
    text = f"£{abs(x) / div:,.{dp}f}{suffix}"
    if signed and round(x / div, dp) != 0:
        return ("+" if x > 0 else MINUS) + text
    return text


def gbp_axis(x: float, signed: bool = False) -> str:
    """A tick label: '£20m' rather than '£20.0m'."""
    return re.sub(r"\.0([mk])$", r"\1", gbp(x, signed=signed))


def gbp_range(estimate: float, low: float, high: float) -> tuple[str, str, str]:
    """A signed change and its CI bounds at one scale."""
    scale = money_scale([estimate, low, high])
    return (gbp(estimate, scale, signed=True), gbp(low, scale, signed=True),
            gbp(high, scale, signed=True))


def pct_dp(values: Iterable[float]) -> int:
    """Decimals for relative changes (given as fractions): none from 10%, one below."""
    top = max(_finite(values), default=0.0) * 100
    return 0 if top >= 9.95 else 1


def pct(x: float | None, dp: int | None = None, signed: bool = False) -> str:
    """A fraction as a percentage: 0.301 -> '30%'."""
    if missing(x):
        return NA
    dp = pct_dp([x]) if dp is None else dp
    text = f"{abs(x) * 100:,.{dp}f}%"
    if signed and round(x * 100, dp) != 0:
        return ("+" if x > 0 else MINUS) + text
    return text


def points(x: float | None, dp: int = 1, signed: bool = False) -> str:
    """A difference of two shares in percentage points: 0.157 -> '15.7'."""
    if missing(x):
        return NA
    text = f"{abs(x) * 100:,.{dp}f}"
    if signed and round(x * 100, dp) != 0:
        return ("+" if x > 0 else MINUS) + text
    return text


def plain_value(value, unit: str = "") -> str:
    """A parameter value as a planner would write it, with its unit folded in where natural."""
    if value is None:
        return "blank (follows population)"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float):
        u = unit.lower()
        if u.startswith("share") or u == "relative change":
            return pct(value, dp=0 if abs(value * 100 - round(value * 100)) < 1e-9 else 1)
        if u.startswith("gbp"):
            return f"£{value:,.0f}" if float(value).is_integer() else f"£{value:,.2f}"
        if isinstance(value, int) or float(value).is_integer():
            return f"{int(value):,}"
        return f"{value:,.6g}"
    return str(value)


# --------------------------------------------------------------------------------------------
# Sentences: significant figures
# --------------------------------------------------------------------------------------------
def round_sig(x: float, sig: int = 2) -> float:
    """``x`` rounded to ``sig`` significant figures (1,874 -> 1,900; 0.0734 -> 0.073)."""
    if x == 0 or not math.isfinite(x):
        return x
    digits = sig - int(math.floor(math.log10(abs(x)))) - 1
    return round(x, digits)


def plain(x: float, sig: int = 2) -> str:
    """A magnitude with thousands separators and no more decimals than it needs."""
    if missing(x):
        return NA
    r = abs(round_sig(x, sig))
    if r >= 10 ** (sig - 1) or r == int(r):
        return f"{r:,.0f}"
    decimals = sig - int(math.floor(math.log10(r))) - 1
    return f"{r:,.{decimals}f}".rstrip("0").rstrip(".")


def money(x: float, sig: int = 2) -> str:
    """An amount in a sentence, without a sign: £9.9m, £250,000, £60 (whole pounds: a
    simulated cost is never known to the penny)."""
    a = abs(x)
    if not math.isfinite(a):
        return NA
    if round_sig(a, sig) >= 1e6:
        return f"£{plain(a / 1e6, sig)}m"
    return f"£{round(round_sig(a, sig)):,}"
