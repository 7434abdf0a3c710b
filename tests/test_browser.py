"""The app in a real browser: `streamlit run app.py` on a free localhost port, driven by
Playwright in Debian's Chromium (`apt-get install chromium`; .ci/run installs it).

The comparison is the default one (fragmented against integrated) at a small population so
the test stays quick; the planner's full-size default is timed by hand, see README.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="Playwright is not installed (pip install -e '.[test]')")
if not Path(CHROMIUM).is_file():
    pytest.skip(f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium` "
                "(or set CHROMIUM to its path) to run the browser test",
                allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    port = _free_port()
    # The server's output goes to a file: a pipe nobody reads fills at 64 kB and then blocks
    # every thread of the server that logs (runs hung for minutes once enough was logged).
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    url = f"http://localhost:{port}/"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"streamlit did not start on {url}:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        # The server and the worker processes it started share one process group.
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def page(app_url):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app_url)
        yield page
        browser.close()


def _set_number(page, label: str, value) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Enter")
    page.wait_for_timeout(500)


def test_default_comparison_shows_headline_numbers_in_the_browser(page):
    run = page.get_by_role("button", name="Run", exact=True)
    run.wait_for(timeout=90_000)
    assert page.get_by_text("Today's fragmented system").first.is_visible()
    _set_number(page, "People aged 65+", 3000)
    _set_number(page, "Years simulated", 0.5)
    _set_number(page, "Replications", 4)
    # The estimate beside Run counts the runs of the settings the app has received.
    page.get_by_text(re.compile(r"^8 simulation runs")).first.wait_for(timeout=30_000)
    run.click()
    page.get_by_text("ran in").wait_for(timeout=180_000)
    cards = page.locator('[data-testid="stMetric"]')
    assert cards.count() == 6
    for i in range(cards.count()):
        value = cards.nth(i).locator('[data-testid="stMetricValue"]').inner_text()
        assert re.search(r"\d", value), f"card {i} shows no number: {value!r}"
        delta = cards.nth(i).locator('[data-testid="stMetricDelta"]').inner_text()
        assert "vs baseline" in delta
    assert page.get_by_role("heading",
                            name="Integrated care compared with Today's system (fragmented)"
                            ).is_visible()
    summary = page.get_by_text("ran in").inner_text()
    assert "3,000 people aged 65+" in summary and "4 replications" in summary
    # No exception anywhere on the page, and no error box other than the gridlock warning: a
    # system of 3,000 people (18 beds) can tip into winter gridlock, and must then say so.
    assert page.locator('[data-testid="stException"]').count() == 0
    errors = page.locator('[data-testid="stAlertContentError"]')
    for i in range(errors.count()):
        assert "Gridlock in " in errors.nth(i).inner_text(), errors.nth(i).inner_text()


def test_other_pages_render_in_the_browser(page):
    page.get_by_role("link", name="About the model").click()
    page.get_by_text("What the model does").wait_for(timeout=30_000)
    page.get_by_role("link", name="Report").click()
    page.get_by_role("button", name="Download all metrics (CSV)").wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0


SESSIONS = (2000, 2200, 2400, 2600)  # each person sets up a different population


def _expected_delayed_days_a_year(population: int) -> float:
    """What the app's card must show, computed straight from the library."""
    import sim

    days = round(0.25 * 365)
    params = {name: sim.load_scenario(name, [f"population.size={population}",
                                             f"run.days={days}", "run.warmup_days=120"])
              for name in ("fragmented", "integrated")}
    cmp = sim.compare(params, replications=2, seed=2026)
    return cmp.results["integrated"].kpis["delayed_discharge_days"].mean() * 365 / days


def test_four_concurrent_users_each_get_their_own_correct_results(app_url, page):
    """Four browser sessions on one server run different comparisons at the same time.

    Each must see its own population in the run summary and the headline number the library
    gives for its own configuration (no shared mutable state between sessions), and the
    server must keep answering while the runs are in flight."""
    # One Playwright per process: reuse the browser the module's page runs in, with a
    # separate context (cookies, session) for each user.
    browser = page.context.browser
    contexts = []
    try:
        pages = []
        for population in SESSIONS:
            contexts.append(browser.new_context(viewport={"width": 1400, "height": 1000}))
            user = contexts[-1].new_page()
            user.goto(app_url)
            user.get_by_role("button", name="Run", exact=True).wait_for(timeout=90_000)
            _set_number(user, "People aged 65+", population)
            _set_number(user, "Years simulated", 0.25)
            _set_number(user, "Replications", 2)
            pages.append(user)
        for user in pages:  # start all four before waiting for any
            user.get_by_role("button", name="Run", exact=True).click()
        t0 = time.perf_counter()
        with urllib.request.urlopen(app_url + "_stcore/health", timeout=10) as r:
            assert r.status == 200
        assert time.perf_counter() - t0 < 10, "server unresponsive while runs are in flight"
        for user, population in zip(pages, SESSIONS):
            user.get_by_text("ran in").wait_for(timeout=300_000)
            summary = user.get_by_text("ran in").inner_text()
            assert f"{population:,} people aged 65+" in summary, summary
            card = user.locator('[data-testid="stMetric"]').filter(
                has_text="Delayed days in hospital a year")
            shown = float(card.locator('[data-testid="stMetricValue"]').inner_text()
                          .replace(",", ""))
            assert shown == pytest.approx(_expected_delayed_days_a_year(population), abs=1)
            assert user.locator('[data-testid="stException"]').count() == 0
    finally:
        for context in contexts:
            context.close()
