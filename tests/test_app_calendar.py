"""Capacity calendars in the planner's app: tables of dates for the acute and escalation beds.

The conversion between dates and days of the financial year is checked on its own; the
Compare page is driven headless with AppTest (which cannot type into a data editor, so the
tests store the table exactly as the editor stores it) and the run must follow the table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from app_pages import calendars, common  # noqa: E402
from sim import readout as ro  # noqa: E402

APP = str(ROOT / "app.py")
FRAG = ro.catalogue.scenario_title("fragmented")
ACUTE, ESCALATION = calendars.BLOCKS["acute.calendar"], calendars.BLOCKS["escalation.calendar"]


def table(*rows) -> dict:
    """A calendar table as the editor stores it: from, to, percent, number."""
    return {"rows": [dict(zip(calendars.COLUMNS, r)) for r in rows], "once": []}


# ------------------------------------------------------------------------ dates and days
@pytest.mark.parametrize("text, day", [
    ("1 Apr", 0), ("30 Nov", 243), ("1 Dec", 244), ("1 December", 244), ("Dec 1", 244),
    ("1/12", 244), ("2026-12-01", 244), ("1 Jan", 275), ("28 Feb", 333), ("31 Mar", 364)])
def test_dates_are_days_of_the_financial_year(text, day):
    assert calendars.parse_date(text) == day
    assert calendars.parse_date(calendars.date_text(day)) == day


def test_the_default_winter_plan_reads_as_dates_and_converts_back_exactly():
    default = sim.Params().escalation.calendar
    rows, once = calendars.to_table(default)
    assert rows == [{"from": "1 Apr", "to": "30 Nov", "percent": 0, "number": None}]
    assert once == []
    back = calendars.from_table(ESCALATION, rows)
    assert [sim.params.CapacityPeriod(**r) for r in back] == list(default)
    # 1 Dec to 31 Mar is the rest of the year: days 244 up to (not including) 365.
    assert calendars.from_table(ACUTE, table(("1 Dec", "31 Mar", 110, None))["rows"]) == [
        {"start_day": 244, "end_day": 365, "every_year": True, "scale": 1.1}]
    assert calendars.from_table(ACUTE, table(("1 Jan", "31 Jan", None, 300))["rows"]) == [
        {"start_day": 275, "end_day": 306, "every_year": True, "value": 300}]


@pytest.mark.parametrize("row, column, words", [
    (("1 Mar", "30 Apr", 50, None), "To (last day)", "cross 1 April"),
    (("1 Dec", "1 Nov", 50, None), "To (last day)", "Split it into two rows"),
    (("1 Dec", "31 Mar", None, None), "% of the core beds", "fill in either"),
    (("1 Dec", "31 Mar", 50, 300), "Number of beds", "not both"),
    (("1 Dec", "", 50, None), "To (last day)", "date is missing"),
    (("31 Feb", "31 Mar", 50, None), "From (first day)", "Feb has no day 31"),
    (("soon", "31 Mar", 50, None), "From (first day)", "not a date"),
    (("1 Dec", "31 Mar", -5, None), "% of the core beds", "0 or more"),
])
def test_a_bad_row_is_named_by_row_and_column(row, column, words):
    rows = table(("1 Jan", "2 Jan", None, 3), row)["rows"]
    with pytest.raises(calendars.CalendarError) as exc:
        calendars.from_table(ACUTE, rows)
    message = str(exc.value)
    assert message.startswith(f"Acute beds through the year, row 2, '{column}'")
    assert words in message
    assert isinstance(exc.value, sim.ConfigError)


def test_empty_rows_are_skipped_and_one_off_periods_are_kept():
    once = [{"start_day": 10, "end_day": 20, "every_year": False, "value": 5}]
    rows, kept = calendars.to_table([{"start_day": 244, "end_day": 365, "scale": 0.5}, *once])
    assert kept == once
    out = calendars.from_table(ACUTE, [*rows, dict.fromkeys(calendars.COLUMNS)], kept)
    assert out == [{"start_day": 244, "end_day": 365, "every_year": True, "scale": 0.5}, *once]


# ------------------------------------------------------------------------ the Compare page
def _start(**state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=240).run()
    assert not at.exception, at.exception
    small = {"c|population": 2000, "c|years": 1.0, "c|replications": 2, "c|warmup": 20}
    for key, value in small.items():
        at.number_input(key=key).set_value(value)
    at.multiselect(key="sel|alternatives").set_value([])
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _fy_day(res, daily):
    p = res.params
    return (p.run.start_day_of_year + p.run.warmup_days + daily["day"].to_numpy()) % 365


def test_the_run_follows_an_edited_acute_calendar_and_a_bad_row_keeps_the_results():
    # Half the core beds from 1 Dec to 31 Mar; no escalation beds, so the daily capacity is
    # the core beds alone.
    at = _start(**{common.wkey("fragmented", "acute.beds"): 40,
                   common.wkey("fragmented", "escalation.beds"): 0})
    assert at.session_state[common.calendar_key("fragmented", "escalation.calendar")]["rows"] \
        == table(("1 Apr", "30 Nov", 0, None))["rows"], "the default winter plan is not shown"
    at.session_state[common.calendar_key("fragmented", "acute.calendar")] = table(
        ("1 Dec", "31 Mar", 50.0, None))
    at.run()
    cfg = json.loads(at.session_state["current_config_json"])[FRAG]
    assert cfg["acute"]["calendar"] == [
        {"start_day": 244.0, "end_day": 365.0, "every_year": True, "scale": 0.5, "value": None}]
    at.button(key="run_button").click().run()
    assert not at.exception, at.exception
    res = at.session_state["comparison"].results[FRAG]
    daily = res.daily
    doy = _fy_day(res, daily)
    capacity = daily["acute_capacity"].to_numpy()
    winter = doy >= 244
    assert winter.any() and (~winter).any()
    assert np.all(capacity[winter] == 20) and np.all(capacity[~winter] == 40)

    # A row crossing 1 April: a clear message naming the row and column, no run, and the
    # results already computed stay on the page.
    at.session_state[common.calendar_key("fragmented", "acute.calendar")] = table(
        ("1 Dec", "31 Mar", 50.0, None), ("1 Mar", "30 Apr", None, 10.0))
    at.run()
    assert not at.exception, at.exception
    assert at.button(key="run_button").disabled
    messages = [e.value for e in at.error]
    assert any("Acute beds through the year, row 2, 'To (last day)'" in m
               and "cross 1 April" in m for m in messages), messages
    assert at.session_state["comparison"].results[FRAG] is res
    assert len(at.metric) == 6, "the cards of the last run are gone"
    assert any("settings have changed" in w.value for w in at.warning)

    # The table survives a visit to another page, as typed; that page says what to fix.
    at.switch_page("app_pages/explorer.py").run()
    assert not at.exception, at.exception
    assert any("cross 1 April" in e.value for e in at.error)
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception, at.exception
    rows = at.session_state[common.calendar_key("fragmented", "acute.calendar")]["rows"]
    assert [r["to"] for r in rows] == ["31 Mar", "30 Apr"]
    assert at.button(key="run_button").disabled


def test_a_variant_carries_its_own_calendar_and_the_baseline_keeps_its_own():
    at = _start()
    at.toggle(key="var|calendars").set_value(True).run()
    assert not at.exception, at.exception
    key = "var|cal|escalation.calendar"
    assert at.session_state[key]["rows"] == table(("1 Apr", "30 Nov", 0, None))["rows"]
    # Escalation beds open all year: no closed period.
    at.session_state[key] = table()
    at.run()
    at.button(key="var|add").click().run()
    assert not at.exception, at.exception
    names = list(at.session_state["variants"])
    assert len(names) == 1
    cfg = json.loads(at.session_state["current_config_json"])
    assert cfg[names[0]]["escalation"]["calendar"] == []
    assert cfg[FRAG]["escalation"]["calendar"] != []
    assert "escalation beds unchanged all year" in names[0]
    # What the variant changes is said in dates, not as a list of day numbers.
    changes = next(t.value for t in at.table if t.value.index.name == "Setting")
    row = changes.loc["Escalation beds through the year"]
    assert list(row) == ["from 1 Apr to 30 Nov: 0% of the escalation beds",
                         "unchanged all year"]

    # A bad row in the variant's table: not added, and the message names the row.
    at.toggle(key="var|calendars").set_value(True).run()
    at.session_state["var|cal|acute.calendar"] = table(("1 Dec", "31 Mar", None, None))
    at.run()
    at.button(key="var|add").click().run()
    assert not at.exception, at.exception
    assert len(at.session_state["variants"]) == 1
    assert any("not added" in e.value and "row 1" in e.value for e in at.error)
