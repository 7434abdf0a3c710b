"""The capacity explorer on a real acute-beds sweep that gridlocks at its lower steps.

With too few beds people wait for a bed in A&E instead of being admitted, so fewer of them
can be delayed on the way out: the gridlocked steps show fewer delayed days than the steps
that work. The explorer must mark every such step in the chart, the table and the words, so
"fewer beds" never reads as fewer delays at lower cost.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
pa = pytest.importorskip("pyarrow")
from streamlit.testing.v1 import AppTest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

APP = str(ROOT / "app.py")


def _chart_data(chart) -> tuple[dict, "object"]:
    """The Vega-Lite spec of an Altair chart as drawn, and its data as a DataFrame."""
    spec = json.loads(chart.proto.spec)
    (dataset,) = chart.proto.datasets
    frame = pa.ipc.open_stream(io.BytesIO(dataset.data.data)).read_all().to_pandas()
    return spec, frame


@pytest.fixture(scope="module")
def swept() -> AppTest:
    # 3,000 people aged 65+ (18 acute beds by default), a year, two replications per step:
    # 6 beds gridlock for certain, 42 beds do not.
    at = AppTest.from_file(APP, default_timeout=600).run()
    for key, value in {"c|population": 3000, "c|years": 1.0, "c|warmup": 60}.items():
        at.number_input(key=key).set_value(value)
    at.run()
    at.switch_page("app_pages/explorer.py").run()
    at.selectbox(key="x|capacity").set_value("acute.beds").run()
    for key, value in {"x|first": 6, "x|step": 18, "x|points": 3, "x|replications": 2}.items():
        at.number_input(key=key).set_value(value)
    at.run()
    at.button(key="sweep_run_button").click().run()
    assert not at.exception, at.exception
    return at


def test_every_gridlocked_step_is_marked_in_the_chart_the_table_and_the_words(swept):
    at = swept
    sweep = at.session_state["sweep"]
    unstable = {value: int((sweep["cmp"].results[name].kpis["unstable"] > 0).sum())
                for name, value in sweep["values"].items()}
    locked = {v for v, n in unstable.items() if n}
    assert locked and set(unstable) - locked, f"the sweep must have both kinds: {unstable}"
    assert min(unstable) in locked and max(unstable) not in locked

    # The charts: a red cross on each gridlocked step, and only there.
    for chart in at.get("vega_lite_chart"):
        spec, data = _chart_data(chart)
        crosses = [layer for layer in spec["layer"] if layer["mark"].get("shape") == "cross"]
        assert len(crosses) == 1
        assert crosses[0]["transform"] == [{"filter": "datum.gridlock"}]
        marked = {float(x) for x in data.loc[data["gridlock"], "x"]}
        assert marked == {float(v) for v in locked}

    # The table names each gridlocked step with its count of replications.
    rows = list(at.table[0].value.index)
    for value, row in zip(sorted(unstable), rows):
        if value in locked:
            assert f"(gridlock in {unstable[value]} of 2 replications)" in row, row
        else:
            assert "gridlock" not in row, row

    # One message names every gridlocked step.
    (message,) = [e.value for e in at.error if e.value.startswith("**Gridlock at ")]
    for value in locked:
        assert f"{value:,.0f} beds ({unstable[value]} of 2 replications)" in message

    # Words: a step to or from a gridlocked one is never read as a saving or a loss, even
    # where the gridlocked step shows fewer delayed days for fewer beds.
    words = next(m.value for m in at.markdown if "What each step up buys" in m.value)
    lines = [line for line in words.splitlines() if line.startswith("- From ")]
    values = sorted(unstable)
    assert len(lines) == len(values) - 1
    for low, high, line in zip(values, values[1:], lines):
        if low in locked or high in locked:
            assert "not comparable, gridlock at" in line, line
            assert "fewer" not in line and "less" not in line, line
        else:
            assert "not comparable" not in line, line
    delayed = {v: sweep["cmp"].results[n].kpis["delayed_discharge_days"].mean()
               for n, v in sweep["values"].items()}
    # The reason for all this: the gridlocked fewest beds show the fewest delayed days.
    assert delayed[min(values)] < delayed[max(values)]


def test_a_target_is_not_measured_from_a_gridlocked_step(swept):
    at = swept
    sweep = at.session_state["sweep"]
    today = sweep["current"]
    name = next(n for n, v in sweep["values"].items() if v == today)
    if (sweep["cmp"].results[name].kpis["unstable"] > 0).any():
        assert any("No target can be measured here" in e.value for e in at.error)
        assert not at.success
    else:
        assert any("Reached." in m.value for m in at.success) or any(
            "Not reachable" in m.value for m in at.warning)
