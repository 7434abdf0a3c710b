"""The "Plan capacity" page, driven headless with Streamlit's AppTest (small runs)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SMALL = {"c|population": 5000, "c|years": 0.3, "c|warmup": 60}


def _plan_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    for key, value in SMALL.items():
        at.number_input(key=key).set_value(value)
    at.run()
    at.switch_page("app_pages/plan.py").run()
    assert not at.exception, at.exception
    at.number_input(key="x|plan_reps").set_value(3).run()
    return at


def _number(at: AppTest, label: str):
    return next(n for n in at.number_input if n.label.startswith(label))


def test_plan_page_gives_the_capacity_in_words_with_curve_and_rule():
    at = _plan_page()
    assert any("met in at least 90% of the replications" in m.value for m in at.markdown)
    _number(at, "Look from").set_value(1.0)
    _number(at, "up to").set_value(24.0).run()
    at.button(key="plan_run_button").click().run()
    assert not at.exception, at.exception
    result = at.session_state["plan_result"]
    assert result.reachable
    (answer,) = at.success
    assert answer.value.startswith(f"At least {result.capacity:,.0f} P2 intermediate care beds")
    assert "replications" in answer.value and "£" in answer.value
    assert len(at.get("vega_lite_chart")) == 2
    table = at.dataframe[0].value
    assert set(table["Holds"]) == {"yes", "no"}


def test_plan_page_says_out_of_reach_and_names_the_remaining_delay():
    at = _plan_page()
    at.selectbox(key="x|plan_measure").set_value("mean_delay_days").run()
    at.number_input(key="x|plan_threshold").set_value(0.0)
    _number(at, "Look from").set_value(2.0)
    _number(at, "up to").set_value(4.0).run()
    at.button(key="plan_run_button").click().run()
    assert not at.exception, at.exception
    (message,) = at.error
    assert message.value.startswith("Out of reach") and "delay that remains" in message.value


def _grid(at: AppTest, service: str):
    return next(t for t in at.text_input if t.label.startswith(service))


def test_plan_page_finds_the_cheapest_mix_or_says_the_budget_is_too_small():
    at = _plan_page()
    _grid(at, "P2").set_value("4, 10")
    _grid(at, "Reablement").set_value("6, 12").run()
    at.button(key="mix_run_button").click().run()
    assert not at.exception, at.exception
    mix = at.session_state["mix_result"]
    assert len(mix.points) == 4
    assert any(s.value.startswith("The cheapest mix") for s in at.success) or any(
        e.value.startswith("Out of reach") for e in at.error)
    # A new budget is solved on the mixes already run, before any new run.
    at.number_input(key="x|mix_budget").set_value(0.5).run()
    assert not at.exception, at.exception
    assert any(e.value.startswith("Out of reach within") for e in at.error)
    assert any("mixes already run" in c.value for c in at.caption)
    assert at.session_state["mix_result"] is mix
    at.button(key="mix_run_button").click().run()
    assert not at.exception, at.exception
    assert any(e.value.startswith("Out of reach") for e in at.error)
    # A grid that is not numbers is named, and the search is not offered.
    _grid(at, "P2").set_value("four").run()
    assert any("'four'" in e.value for e in at.error)
    assert at.button(key="mix_run_button").disabled
