"""A planner's questions in a real browser (Chromium through Playwright), on a laptop screen.

Each test is one point of the planner's checklist: the answer above the fold, variants of the
baseline side by side, replications streaming in with a time estimate, a capacity target
answered in words, and no verification queue among the scenarios. Small populations keep
them quick; the server is the one `streamlit run app.py` a planner starts.
"""

from __future__ import annotations

import re

import pytest
from test_browser import BROWSER_ARGS, CHROMIUM, _set_number, app_url, sync_api  # noqa: F401

LAPTOP = {"width": 1280, "height": 720}


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url):  # noqa: F811
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(app_url)
    page.get_by_role("button", name="Run", exact=True).wait_for(timeout=90_000)
    yield page
    context.close()


def _small(page, population=3000, years=0.5, replications=3):
    _set_number(page, "People aged 65+", population)
    _set_number(page, "Years simulated", years)
    _set_number(page, "Replications", replications)


def _run(page, timeout=240_000):
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text(re.compile("ran in|read back from")).first.wait_for(timeout=timeout)
    page.wait_for_timeout(1000)


def _no_errors(page):
    assert page.locator('[data-testid="stException"]').count() == 0


def test_headline_cards_are_in_view_after_run_and_tables_fit_at_1280x720(page):
    _small(page)
    _run(page)
    assert page.evaluate("window.scrollY") == 0
    cards = page.locator('[data-testid="stMetric"]')
    assert cards.count() == 6
    # A gridlock warning is part of the answer and sits above the cards; nothing else may.
    warnings = page.locator('[data-testid="stAlert"]').filter(has_text="Gridlock in")
    pushed = sum(warnings.nth(i).bounding_box()["height"] + 16 for i in range(warnings.count()))
    for i in range(6):
        box = cards.nth(i).locator('[data-testid="stMetricValue"]').bounding_box()
        assert box and box["y"] + box["height"] <= LAPTOP["height"] + pushed, \
            f"card {i} below the fold"
    # The settings are folded away once there are results.
    assert not page.get_by_text("Baseline (what you have today)").is_visible()
    page.get_by_role("tab", name="All metrics").click()
    page.locator('[data-testid="stTable"]').filter(has_text="95% range").first.wait_for(
        timeout=30_000)
    tables = page.locator('[data-testid="stTable"]')
    assert tables.count() >= 1
    for i in range(tables.count()):
        t = tables.nth(i)
        if not t.is_visible():
            continue
        fits = t.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
        assert fits, f"table {i} is wider than the page"
        box = t.bounding_box()
        assert box["x"] + box["width"] <= LAPTOP["width"]
    page.locator('[data-testid="stTable"]').filter(has_text="95% range").first.wait_for(
        timeout=30_000)
    _no_errors(page)


def _open_setup(page):
    header = page.get_by_text(re.compile("^(Set up the comparison|Scenarios and settings)"))
    if not page.get_by_text("Baseline (what you have today)").is_visible():
        header.first.click()
        page.wait_for_timeout(500)


def _add_variant(page, places: int, name: str | None = None):
    if not page.get_by_label(re.compile("^Reablement places: change")).is_visible():
        page.get_by_text("Add a variant: the baseline with a few changes").click()
        page.wait_for_timeout(500)
    _set_number(page, re.compile("^Reablement places: change"), places)
    if name:
        box = page.get_by_label("Name of the variant")
        box.fill(name)
        box.press("Enter")
        page.wait_for_timeout(400)
    page.get_by_role("button", name="Add this variant").click()
    page.wait_for_timeout(1500)


def test_variants_of_the_baseline_run_side_by_side_and_files_keep_their_names(page, tmp_path):
    _open_setup(page)
    _add_variant(page, 20)
    _add_variant(page, 40)
    _add_variant(page, 40)  # the same name again: a visible suffix and a message
    assert page.get_by_text("exists already, so the new variant is called").is_visible()
    # Two files with the same name: the second is not silently put in place of the first.
    plan = tmp_path / "plan.yaml"
    plan.write_text("name: fragmented\nreablement:\n  slots: 80\n")
    page.get_by_text("Load a saved scenario file (YAML)").click()
    page.wait_for_timeout(500)
    page.locator('input[type="file"]').set_input_files(str(plan))
    page.get_by_text("Loaded plan.yaml as plan.").wait_for(timeout=30_000)
    other = tmp_path / "other" / "plan.yaml"  # same file name, another folder
    other.parent.mkdir()
    other.write_text("name: fragmented\nreablement:\n  slots: 120\n")
    page.locator('input[type="file"]').set_input_files(str(other))
    page.get_by_text("was already loaded, so this one is called").wait_for(timeout=30_000)
    assert page.get_by_text("plan (2)").first.is_visible()
    _small(page, replications=2)
    _run(page)
    for name in ("+20 reablement places", "+40 reablement places",
                 "+40 reablement places (2)"):
        page.get_by_role("heading", name=f"{name} compared with Today's system (fragmented)").wait_for(
            timeout=10_000)
    assert page.locator('[data-testid="stMetric"]').count() == 6 * 4  # integrated + 3 variants
    _no_errors(page)


def test_replications_stream_in_with_an_estimate_and_nothing_runs_twice(page):
    _small(page, population=20_000, years=1.0, replications=4)
    page.get_by_text(re.compile(r"^8 simulation runs")).first.wait_for(timeout=20_000)
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text(re.compile(r"Provisional: \d of 4 replications")).first.wait_for(
        timeout=120_000)
    page.get_by_text("ran in").first.wait_for(timeout=240_000)
    assert page.locator('[data-testid="stMetric"]').count() == 6
    # The speed of this machine was measured, so the next estimate gives a time.
    _open_setup(page)
    _set_number(page, "Replications", 5)
    page.get_by_text(re.compile(r"2 simulation runs: about .* on this machine")).first.wait_for(
        timeout=20_000)
    _set_number(page, "Replications", 4)
    page.get_by_text("Already run with these settings").first.wait_for(timeout=20_000)
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("read back from an earlier run").first.wait_for(timeout=30_000)
    assert page.get_by_text("under 1 s").count() == 0
    _no_errors(page)


def test_capacity_target_out_of_reach_is_said_in_words_with_the_delay_that_remains(page):
    _set_number(page, "People aged 65+", 5000)
    _set_number(page, "Years simulated", 0.5)
    page.get_by_role("link", name="Capacity explorer").click()
    page.get_by_role("button", name="Run the sweep").wait_for(timeout=30_000)
    # Exact steps of one place, close to today's capacity: halving delays is out of reach.
    current = page.get_by_text(re.compile(r"Current reablement places: ")).first.inner_text()
    today = int(re.search(r"places: ([\d,]+)", current).group(1).replace(",", ""))
    _set_number(page, re.compile(r"^First value"), today + 1)
    _set_number(page, re.compile(r"^Added at each step"), 1)
    _set_number(page, "Number of steps", 2)
    _set_number(page, "Replications per step", 2)
    assert page.get_by_text(f"Steps: {today:,}, {today + 1:,}, {today + 2:,}").first.is_visible()
    page.get_by_role("button", name="Run the sweep").click()
    page.get_by_text("Can this capacity alone reach a target?").wait_for(timeout=240_000)
    message = page.get_by_text(re.compile("^Not reachable with reablement places alone"))
    message.wait_for(timeout=60_000)  # the sweep's words render after its chart on a busy machine
    text = message.inner_text()
    assert "people still wait mainly for" in text and "of the delayed days" in text
    assert not re.search(r"about 0 fewer|£0 more", page.inner_text("body"))
    _no_errors(page)


def test_the_verification_queue_is_not_offered(page):
    _open_setup(page)
    page.get_by_role("combobox", name="Baseline (what you have today)").click()
    page.wait_for_timeout(500)
    options = page.get_by_role("option").all_inner_texts()
    assert "Today's system (fragmented)" in options
    assert not any("mmc" in o or "M/M/c" in o or "Verification" in o for o in options)
    page.keyboard.press("Escape")
