"""A planner edits the beds through the year in a real browser (Chromium through Playwright).

The table is typed into cell by cell as a planner would, on a laptop screen: half the core
beds from 1 Dec to 31 Mar reaches the scenario the app runs (its saved YAML holds the
model's calendar row), and a period crossing 1 April is refused with a message naming the
row and the column while the results of the last run stay in view.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from test_browser import BROWSER_ARGS, CHROMIUM, _set_number, app_url, sync_api  # noqa: F401

LAPTOP = {"width": 1280, "height": 720}
# Where the columns of a calendar table sit, as a share of its width (From, To, %, number).
COLUMN_AT = {"from": 0.15, "to": 0.38, "percent": 0.63, "number": 0.88}
ROW_HEIGHT = 35


@pytest.fixture(scope="module")
def page(app_url):  # noqa: F811
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        context = browser.new_context(viewport=LAPTOP, accept_downloads=True)
        page = context.new_page()
        page.goto(app_url)
        page.get_by_role("button", name="Run", exact=True).wait_for(timeout=90_000)
        yield page
        browser.close()


def _cell(grid, row: int, column: str):
    """The cell as the grid lists it for screen readers (the grid itself is a canvas)."""
    return grid.locator(f'[data-testid="glide-cell-{list(COLUMN_AT).index(column) + 1}-{row}"]')


def _show(page, grid) -> None:
    # In the middle of the screen, clear of the page's fixed header.
    grid.evaluate("e => e.scrollIntoView({block: 'center', behavior: 'instant'})")
    page.wait_for_timeout(300)


def _add_row(page, grid) -> None:
    """Add an empty row by clicking the blank row under the last one, as a planner does."""
    _show(page, grid)
    rows = grid.locator('[role="row"]').count()  # the header and the rows of data
    box = grid.bounding_box()
    page.mouse.click(box["x"] + COLUMN_AT["from"] * box["width"],
                     box["y"] + ROW_HEIGHT * rows + ROW_HEIGHT / 2)
    _settle(page)
    page.keyboard.press("Escape")  # leave the new row without typing into it
    _settle(page)
    assert grid.locator('[role="row"]').count() == rows + 1


def _type_into(page, grid, row: int, column: str, text: str) -> None:
    """Type ``text`` into a cell of a data editor, as a planner does: click the cell, press
    Enter to edit it, type, Enter. Row 0 is the first row under the header."""
    _show(page, grid)
    box = grid.bounding_box()
    x = box["x"] + COLUMN_AT[column] * box["width"]
    y = box["y"] + ROW_HEIGHT * (row + 1) + ROW_HEIGHT / 2
    # The first click on a grid that is not focused may only focus it: click until the
    # cell is selected (its screen-reader twin says so).
    editor = page.locator("#portal .gdg-input")
    for _ in range(3):
        page.mouse.click(x, y)
        _settle(page)
        if editor.is_visible() or \
                _cell(grid, row, column).get_attribute("aria-selected") == "true":
            break
    # A click on a cell already selected opens it for editing; otherwise Enter does.
    if not editor.is_visible():
        page.keyboard.press("Enter")
    editor.wait_for(timeout=10_000)
    editor.fill(text)
    page.wait_for_timeout(200)
    page.keyboard.press("Enter")
    _settle(page)
    shown = _cell(grid, row, column).inner_text()
    assert shown.replace(" %", "") == text, f"typed {text!r}, the grid shows {shown!r}"


def _settle(page) -> None:
    """Wait until the app has finished the rerun that each edit of a table starts."""
    page.wait_for_timeout(1000)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=30_000)
    page.wait_for_timeout(1000)


def _open(page, inside, label: str) -> None:
    """Open the expander called ``label`` until ``inside`` shows (a click that lands while
    the page reruns can be lost)."""
    for _ in range(3):
        if inside.is_visible():
            return
        page.get_by_text(label).first.click()
        _settle(page)
    inside.wait_for(timeout=30_000)


def _saved_yaml(page) -> dict:
    with page.expect_download() as download:
        page.locator('[data-testid="stDownloadButton"] >> visible=true').filter(
            has_text="Save this scenario as YAML").first.click()
    return yaml.safe_load(Path(download.value.path()).read_text())


def test_a_planner_halves_the_winter_beds_and_a_bad_row_is_named(page):
    _set_number(page, "People aged 65+", 3000)
    _set_number(page, "Years simulated", 0.25)
    _set_number(page, "Replications", 2)
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text(re.compile("ran in|read back from")).first.wait_for(timeout=240_000)
    page.wait_for_timeout(1000)
    cards = page.locator('[data-testid="stMetric"]')
    assert cards.count() == 6

    # The baseline's tab comes first: its acute table, then its escalation table, which
    # holds the usual winter plan.
    grids = page.locator('[data-testid="stDataFrame"]')
    _open(page, page.get_by_text("Baseline (what you have today)").first,
          "Scenarios and settings of the comparison")
    _open(page, grids.nth(1), "Beds through the year (winter plan, ward closures)")
    acute = grids.first
    acute.scroll_into_view_if_needed()
    assert [_cell(grids.nth(1), 0, c).inner_text() for c in COLUMN_AT] == \
        ["1 Apr", "30 Nov", "0", ""], "the usual winter plan is not shown"
    _add_row(page, acute)
    for column, text in (("from", "1 Dec"), ("to", "31 Mar"), ("percent", "50")):
        _type_into(page, acute, 0, column, text)
    saved = _saved_yaml(page)
    assert saved["acute"]["calendar"] == [
        {"start_day": 244.0, "end_day": 365.0, "every_year": True, "scale": 0.5, "value": None}]
    assert saved.get("escalation", {}).get("calendar") is None, "the winter plan changed"
    assert page.get_by_text("settings have changed since these results").first.is_visible()

    # From 1 Dec to 30 Apr crosses 1 April: refused, by row and column, and Run waits.
    _type_into(page, acute, 0, "to", "30 Apr")
    message = page.locator('[data-testid="stExpander"] [data-testid="stAlertContentError"]'
                           ).filter(has_text="Acute beds through the year, row 1, 'To (last day)'"
                                    ).first
    message.wait_for(timeout=30_000)
    assert "cross 1 April" in message.inner_text()
    assert page.get_by_role("button", name="Run", exact=True).is_disabled()
    # Said under the table being typed into, where the planner is looking.
    box, grid = message.bounding_box(), acute.bounding_box()
    assert grid["y"] + grid["height"] <= box["y"] < grid["y"] + grid["height"] + 100
    assert page.locator('[data-testid="stException"]').count() == 0
    assert cards.count() == 6, "the results of the last run are gone"
    run = page.get_by_role("button", name="Run", exact=True)
    run.evaluate("e => e.scrollIntoView({block: 'center', behavior: 'instant'})")
    page.wait_for_timeout(500)
    bar = page.locator('[data-testid="stAlertContentError"]').filter(
        has_text="Some settings cannot be used").first
    assert "row 1" in bar.inner_text() and bar.is_visible()
