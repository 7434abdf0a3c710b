"""Capacity calendars as a planner writes them: "from 1 Dec to 31 Mar, 110% of the core beds".

The model's calendar (``sim.params.CapacityPeriod``) counts days of the financial year, 0 being
1 April, in a year of 365 days, and each row gives a multiple of the block's capacity (scale)
or a number (value). This module turns those rows into a table of dates and amounts for
``st.data_editor`` and back, and says which row and which column is wrong when a row cannot
be used. No Streamlit here, so the conversion is tested on its own.

Rows that hold for one stretch of the results period only (``every_year: false``, set in a
scenario file) have no date: they are kept as they are, after the rows of the table.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sim

# The financial year in the model: 365 days from 1 April (there is no 29 February).
MONTHS = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")
LENGTHS = (30, 31, 30, 31, 31, 30, 31, 30, 31, 31, 28, 31)
_STARTS = tuple(sum(LENGTHS[:i]) for i in range(12))
_CALENDAR_MONTH = {m: (i + 3) % 12 + 1 for i, m in enumerate(MONTHS)}  # "Apr" -> 4
_MONTH_OF = {name: i for i, name in enumerate(MONTHS)}
for _i, _full in enumerate(("april", "may", "june", "july", "august", "september", "october",
                            "november", "december", "january", "february", "march")):
    _MONTH_OF[_full] = _i
    _MONTH_OF[_full[:3]] = _i
    _MONTH_OF[_full[:4]] = _i  # "sept"

# Columns of the editable table (the labels shown are set per block by the page).
FROM, TO, PERCENT, NUMBER = "from", "to", "percent", "number"
COLUMNS = (FROM, TO, PERCENT, NUMBER)


@dataclass(frozen=True)
class Block:
    """A capacity with a calendar the app lets planners edit."""

    path: str  # the calendar's parameter, e.g. "acute.calendar"
    title: str  # "Acute beds"
    usual: str  # what a percentage is of: "core beds"
    unit: str  # "beds"


BLOCKS = {
    "acute.calendar": Block("acute.calendar", "Acute beds", "core beds", "beds"),
    "escalation.calendar": Block("escalation.calendar", "Escalation beds",
                                 "escalation beds", "beds"),
}


def labels(block: Block) -> dict[str, str]:
    return {FROM: "From (first day)", TO: "To (last day)",
            PERCENT: f"% of the {block.usual}", NUMBER: f"Number of {block.unit}"}


# --------------------------------------------------------------------------------------------
# Dates and days of the financial year
# --------------------------------------------------------------------------------------------
def day_of_year(day: int, month: int) -> int:
    """Day of the financial year (0 = 1 April) of ``day`` of ``month`` (1-12)."""
    i = (month - 4) % 12
    if not 1 <= day <= LENGTHS[i]:
        extra = " (the model's year has 365 days)" if (month, day) == (2, 29) else ""
        raise ValueError(f"{MONTHS[i]} has no day {day}{extra}")
    return _STARTS[i] + day - 1


def date_text(fy_day: int) -> str:
    """'1 Dec' for day 244 of the financial year."""
    fy_day = int(fy_day) % 365
    i = max(k for k in range(12) if _STARTS[k] <= fy_day)
    return f"{fy_day - _STARTS[i] + 1} {MONTHS[i]}"


def parse_date(text: Any) -> int:
    """Day of the financial year of a date as a planner types it: '1 Dec', '1 December',
    'Dec 1', '1/12' (day/month) or a full date such as 2026-12-01 (its year is ignored: the
    calendar repeats every year). Raises ValueError saying what is accepted."""
    if isinstance(text, (date, datetime)):
        return day_of_year(text.day, text.month)
    s = " ".join(str(text).strip().lower().replace(",", " ").replace(".", " ").split())
    m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? (?:of )?([a-z]+)", s) or \
        re.fullmatch(r"([a-z]+) (\d{1,2})(?:st|nd|rd|th)?", s)
    if m:
        day, month = (m.group(1), m.group(2)) if m.group(1).isdigit() else (m.group(2),
                                                                              m.group(1))
        if month in _MONTH_OF:
            return day_of_year(int(day), _CALENDAR_MONTH[MONTHS[_MONTH_OF[month]]])
    m = re.fullmatch(r"(\d{1,2})[/-](\d{1,2})", s)
    if m and 1 <= int(m.group(2)) <= 12:
        return day_of_year(int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?: 00:00:00)?", s)
    if m and 1 <= int(m.group(2)) <= 12:
        return day_of_year(int(m.group(3)), int(m.group(2)))
    raise ValueError(f"'{text}' is not a date; write it as a day and a month, e.g. 1 Dec")


# --------------------------------------------------------------------------------------------
# Model rows <-> table rows
# --------------------------------------------------------------------------------------------
def _blank(x: Any) -> bool:
    if x is None:
        return True
    if isinstance(x, float) and math.isnan(x):
        return True
    return isinstance(x, str) and not x.strip()


def _clean(x: float) -> float | int:
    x = round(float(x), 6)
    return int(x) if x.is_integer() else x


def to_table(calendar: list[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(table rows, one-off rows) of a model calendar. A yearly period is shown by its first
    and last dates; a scale as a percentage."""
    rows, once = [], []
    for period in calendar:
        p = period if isinstance(period, dict) else period.model_dump(mode="json")
        if not p.get("every_year", True):
            once.append(dict(p))
            continue
        scale, value = p.get("scale"), p.get("value")
        rows.append({FROM: date_text(p["start_day"]),
                     TO: date_text(math.ceil(p["end_day"]) - 1),
                     PERCENT: None if scale is None else _clean(scale * 100),
                     NUMBER: None if value is None else _clean(value)})
    return rows, once


class CalendarError(sim.ConfigError):
    """A row of a calendar table that cannot be used; the message is in the table's words."""


def _problem(block: Block, row: int, column: str, value: Any, message: str) -> CalendarError:
    label = labels(block)[column]
    shown = "empty" if _blank(value) else repr(value)
    return CalendarError(
        f"{block.title} through the year, row {row}, '{label}': {message}.",
        [(f"{block.path}[{row - 1}].{column}", shown, message)])


def _number(block: Block, row: int, column: str, value: Any) -> float | None:
    if _blank(value):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise _problem(block, row, column, value, f"'{value}' is not a number") from None
    if not math.isfinite(x) or x < 0:
        raise _problem(block, row, column, value, f"{value} must be 0 or more")
    return x


def from_table(block: Block, rows: list[dict[str, Any]], once: list[dict[str, Any]] = ()
               ) -> list[dict[str, Any]]:
    """The model calendar of a table; rows left wholly empty are skipped. Raises
    sim.ConfigError naming the row (counted from 1, as shown) and the column of the first
    problem, in the planner's words."""
    out = []
    for n, row in enumerate(rows, start=1):
        if all(_blank(row.get(c)) for c in COLUMNS):
            continue
        days = {}
        for column in (FROM, TO):
            value = row.get(column)
            if _blank(value):
                raise _problem(block, n, column, value,
                               "the date is missing; write a day and a month, e.g. 1 Dec")
            try:
                days[column] = parse_date(value)
            except ValueError as exc:
                raise _problem(block, n, column, value, str(exc)) from None
        start, last = days[FROM], days[TO]
        if last < start:
            raise _problem(
                block, n, TO, row.get(TO),
                f"{date_text(last)} comes before {date_text(start)} in the financial year "
                f"(1 April to 31 March), so this period would cross 1 April. Split it into "
                f"two rows: {date_text(start)} to 31 Mar, and 1 Apr to {date_text(last)}")
        percent = _number(block, n, PERCENT, row.get(PERCENT))
        number = _number(block, n, NUMBER, row.get(NUMBER))
        if percent is None and number is None:
            raise _problem(block, n, PERCENT, None,
                           f"fill in either '{labels(block)[PERCENT]}' (e.g. 110) or "
                           f"'{labels(block)[NUMBER]}' (e.g. 300)")
        if percent is not None and number is not None:
            raise _problem(block, n, NUMBER, row.get(NUMBER),
                           f"fill in only one of '{labels(block)[PERCENT]}' and "
                           f"'{labels(block)[NUMBER]}', not both")
        if percent is not None and percent > 10_000:
            raise _problem(block, n, PERCENT, row.get(PERCENT),
                           f"{percent:g}% is more than allowed (at most 10,000%)")
        if number is not None and number > 10_000_000:
            raise _problem(block, n, NUMBER, row.get(NUMBER),
                           f"{number:g} is more than allowed (at most 10,000,000)")
        period = {"start_day": start, "end_day": last + 1, "every_year": True}
        if percent is not None:
            period["scale"] = round(percent / 100.0, 10)
        else:
            period["value"] = _clean(number)
        out.append(period)
    return out + [dict(p) for p in once]


def describe(block: Block, calendar: list[Any]) -> str:
    """'from 1 Dec to 31 Mar: 50% of the core beds' for each row, joined by semicolons."""
    rows, once = to_table(calendar)
    parts = []
    for r in rows:
        amount = (f"{r[PERCENT]:g}% of the {block.usual}" if r[PERCENT] is not None
                  else f"{r[NUMBER]:,g} {block.unit}")
        parts.append(f"from {r[FROM]} to {r[TO]}: {amount}")
    if once:
        parts.append(f"{len(once)} one-off period{'s' if len(once) > 1 else ''} from the "
                     "scenario file")
    return "; ".join(parts) or "unchanged all year"
