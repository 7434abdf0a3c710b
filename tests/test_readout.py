"""The readout is the one summary stage: the app's tables and the report's sentences show the
same numbers, per year, with one vocabulary; gridlock is named on every surface."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import readout as ro
from sim import report as board
from sim.readout import fmt as F
from sim.report.model import Table, nums

ROOT = Path(__file__).resolve().parents[1]
# 120 days, not a year: totals must still read per year on every surface. A system this small
# tips into gridlock on the default 18 beds (a few long decision-to-admit waits are enough):
# the bed headroom keeps both scenarios working, so the flagged fixture below is the only one.
SMALL = ["population.size=3000", "run.days=120", "run.warmup_days=60", "acute.beds=48"]


@pytest.fixture(scope="module")
def cmp() -> sim.Comparison:
    return sim.compare({n: sim.load_scenario(n, overrides=SMALL)
                        for n in ("fragmented", "integrated")}, replications=2, seed=2026)


@pytest.fixture(scope="module")
def app():
    pytest.importorskip("streamlit")
    from app_pages import results

    return results


@pytest.fixture(scope="module")
def gridlocked(cmp) -> sim.Comparison:
    """The same comparison with one replication of the alternative flagged as gridlocked."""
    res = cmp.results["integrated"]
    k = res.kpis.copy()
    k["unstable"] = [0.0, 1.0]
    k["unstable_day"] = [math.nan, 42.0]
    results = {**cmp.results, "integrated": dataclasses.replace(res, kpis=k)}
    return sim.Comparison(results, cmp.seed, cmp.baseline)


def number(text: str) -> tuple[float, float]:
    """(value, rounding tolerance) of a number as a surface prints it."""
    t = text.replace("\u2212", "-").replace(",", "").replace(" points", "").strip()
    m = re.fullmatch(r"([+-]?)£?(\d+(?:\.\d+)?)([mk%]?)", t)
    assert m, text
    digits = m.group(2)
    dp = len(digits.split(".")[1]) if "." in digits else 0
    scale = {"m": 1e6, "k": 1e3, "%": 0.01, "": 1.0}[m.group(3)]
    value = float(digits) * scale * (-1 if m.group(1) == "-" else 1)
    return value, 0.5 * 10 ** -dp * scale * (1 + 1e-9)


# ------------------------------------------------------------------------------------------
def test_app_tables_and_report_sentences_show_the_same_numbers(cmp, app):
    shown = app.metrics_frame(cmp).set_index("Metric")
    report = board.build_report(cmp)
    page1 = [n for b in report.sections[0].blocks for t in getattr(b, "items", None) or
             ([b.text] if hasattr(b, "text") and not isinstance(b.text, str) else [])
             for n in nums(t)]
    checked = 0
    for n in page1:
        kind, *rest = n.source.split(":")
        if kind != "diff":
            continue
        scenario, metric, field = rest
        row = shown.loc[ro.metric(metric).label]
        # The report's number is the readout's number: exactly.
        want = ro.differences(cmp).loc[(scenario, metric), field]
        assert n.value == pytest.approx(want, rel=1e-12, abs=1e-9), n
        # And the app prints the same quantity, within its own rounding.
        cell = {"baseline_mean": row["fragmented (baseline)"], "scenario_mean": row["integrated"],
                "difference": row["Change"]}.get(field)
        if cell is None or cell == "n/a":
            continue
        got, tol = number(cell)
        assert got == pytest.approx(n.value, abs=tol), (metric, field, cell, n)
        checked += 1
    assert checked >= 10
    # The payer table: the report's cells are the app's cells, string for string.
    app_payers = app.payer_frame(cmp)
    table = next(b for b in report.sections[1].blocks
                 if isinstance(b, Table) and b.caption.startswith("Cost by payer"))
    for row in table.rows:
        key = "Total" if row[0] == "Total" else next(p.short for p in ro.PAYERS
                                                      if p.name == row[0])
        assert row[1:3] == list(app_payers.loc[key, ["fragmented", "integrated"]]), row


def test_totals_are_per_year_whatever_the_run_length(cmp, app):
    res = cmp.results["fragmented"]
    per_year = res.kpis["delayed_discharge_days"].mean() * 365 / 120
    row = ro.summary_table(cmp).set_index(["scenario", "metric"]).loc[
        ("fragmented", "delayed_discharge_days")]
    assert row["mean"] == pytest.approx(per_year)
    got, tol = number(app.metrics_frame(cmp).set_index("Metric").loc[
        "Delayed discharge days", "fragmented (baseline)"])
    assert got == pytest.approx(per_year, abs=tol)
    # Rates are not scaled.
    occ = ro.summary_table(cmp).set_index(["scenario", "metric"]).loc[
        ("fragmented", "acute_occupancy"), "mean"]
    assert occ == pytest.approx(res.kpis["acute_occupancy"].mean())
    # Comparison.differences keeps its meaning (over the results period) and agrees.
    raw = cmp.differences().loc[("integrated", "cost_total"), "difference"]
    assert ro.differences(cmp).loc[("integrated", "cost_total"), "difference"] == \
        pytest.approx(raw * 365 / 120)
    assert "120 days" in ro.run_length(120) and "per year" in ro.run_length(120)


def test_heavy_tailed_measures_carry_median_and_percentiles(cmp):
    assert {"ed_boarding_hours", "dta_wait_hours_mean"} <= set(ro.HEAVY_TAILED)
    row = ro.summary_table(cmp, ["ed_boarding_hours"]).iloc[0]
    vals = ro.stats.kpis(cmp.results[row["scenario"]])["ed_boarding_hours"]
    assert row["median"] == pytest.approx(vals.median())
    assert row["p10"] <= row["median"] <= row["p90"]
    html = board.render_html(cmp)
    assert "Waits and queues: median of replications" in html


# ------------------------------------------------------------------------------------------
def test_gridlock_is_named_and_never_called_better(gridlocked, app, capsys):
    warnings = ro.warnings(gridlocked)
    assert [w.scenario for w in warnings] == ["integrated"]
    assert "1 of 2 replications" in warnings[0].text and "day 42" in warnings[0].text
    table = ro.difference_table(gridlocked)
    assert not set(table["verdict"]) & {"better", "worse"}
    assert "gridlock" in set(table["verdict"]) or set(table["verdict"]) <= {"unclear", "same"}
    assert not app.metrics_frame(gridlocked)["Verdict"].str.startswith("Better").any()
    report = board.build_report(gridlocked)
    assert all(r["verdict"] != "better" for r in report.data["headline"])
    html = board.render_html(report)
    assert "Warning: gridlock" in html and 'data-verdict="better"' not in html
    sweep = ro.sweep_table(gridlocked, {"fragmented": 1.0, "integrated": 2.0})
    assert list(sweep["unstable_replications"]) == [0, 1]
    assert sweep.loc[1, "warning"].startswith("Gridlock in integrated")
    from sim.cli import _print_readout

    _print_readout(gridlocked)
    assert "WARNING: Gridlock in integrated" in capsys.readouterr().out


def test_verdicts_have_one_vocabulary():
    assert set(ro.VERDICTS) == {"better", "worse", "unclear", "same", "changed", "gridlock"}
    v = ro.verdict_of
    assert v("delayed_discharge_days", -5, -8, -2) == "better"
    assert v("days_at_home", -1, -2, -0.5) == "worse"
    assert v("delayed_discharge_days", -5, -8, 2) == "unclear"
    assert v("cost_pooled", 5, 2, 8) == "changed"
    assert v("delayed_discharge_days", -5, -8, -2, gridlock=True) == "gridlock"


def test_every_metric_is_catalogued_with_a_definition_and_source():
    for name in (*sim.METRICS, "unstable", "unstable_day", "dta_wait_hours_mean",
                 "dta_12h_waits"):
        m = ro.metric(name)
        assert m.definition.endswith(".") and m.source, name
        assert m.aggregate in ("total", "rate") and m.kind in (
            "count", "money", "share", "amount", "flag"), name
        if name in sim.METRIC_INFO:
            assert (m.label, m.unit) == sim.METRIC_INFO[name][:2]
    assert ro.metric("cost_pooled").better is None  # a transfer, never a saving
    assert {c.column for c in ro.catalogue.COST_SPLITS} >= {"payer", "service", "kind"}


def test_one_number_format():
    assert F.money(6.7) == "£7" and F.money(1_234_567) == "£1.2m"
    assert ro.estimate("cost_total", 6.7) == "about £7 more a year in total"
    assert ro.format_value("cost_total", 2824.337) == "£2,824"
    assert ro.format_value("acute_occupancy", -0.123) == "\u221212.3%"
    assert ro.format_difference("deaths", 1e-9) == "0.0"  # rounds to nothing: no sign
    assert ro.format_value("delayed_discharge_days", 12_345.6) == "12,346"
    # Never pounds with decimals in a sentence or a table.
    for x in (0.4, 6.7, 99.5, 1234.56, 25_001.2, 9.87e6):
        for text in (F.money(x), ro.format_value("cost_total", x)):
            assert not re.search(r"£[\d,]+\.\d+(?![mk\d])", text), text


# ------------------------------------------------------------------------------------------
def _source(folder: str) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in (ROOT / folder).rglob("*.py")}


def test_one_headline_type_one_payer_table_and_no_statistics_on_the_surfaces():
    everything = {**_source("sim"), **_source("app_pages"), **_source("experiments")}
    headline_classes = [p for p, text in everything.items()
                        if re.search(r"^class Headline\b", text, re.M)]
    assert [p.relative_to(ROOT).as_posix() for p in headline_classes] == [
        "sim/readout/words.py"]
    payer_tables = [p for p, text in everything.items()
                    if re.search(r"^def (payer_table|who_pays|cost_by_payer_table)\b", text,
                                 re.M)]
    assert [p.relative_to(ROOT).as_posix() for p in payer_tables] == ["sim/readout/tables.py"]
    surfaces = {**_source("sim/readout"), **_source("sim/report"), **_source("app_pages"),
                **_source("experiments")}
    payer_names = [p for p, text in surfaces.items()
                   if re.search(r"^PAYER(S|_NAMES?|_SUBJECTS?|_METRICS?)? = (\{|\()", text, re.M)]
    assert {p.relative_to(ROOT).as_posix() for p in payer_names} <= {
        "sim/readout/catalogue.py", "sim/report/data.py"}
    stats = re.compile(r"t_interval|\.ppf\(|from scipy|import scipy|np\.sqrt|math\.sqrt|ddof|\.std\(|"
                       r"def paired\b|def daily_band\b")
    for folder in ("app_pages", "sim/report"):
        for path, text in _source(folder).items():
            assert not stats.search(text), (path, stats.search(text).group(0))
    assert not (ROOT / "sim" / "presentation.py").exists()
    assert not (ROOT / "sim" / "report" / "fmt.py").exists()


# ------------------------------------------------------------------------------------------
def _who_pays_script(path: str) -> None:
    """The app's Who pays tab alone, for one pickled comparison."""
    import pickle

    from app_pages import results

    with open(path, "rb") as f:
        results.render_who_pays(pickle.load(f))


def test_cash_capacity_and_partner_net_agree_on_app_report_and_command_line(
        cmp, app, tmp_path, capsys):
    import pickle

    from streamlit.testing.v1 import AppTest

    from sim.cli import _print_readout

    split = ro.money.split_table(cmp).set_index(["scenario", "row_key"]).loc["integrated"]
    # The accounting holds before anything is drawn: a partner's net is its own spending plus
    # what it pays into the pool, the pool nets to zero, and the partners' nets add up to the
    # total change in public cost (no beds released here, so all of it is cash).
    for key in ("nhs", "local_authority"):
        assert split.at[key, "net"] == pytest.approx(split.at[key, "own"]
                                                     + split.at[key, "into_pool"])
    assert split.at["pooled", "net"] == 0
    assert split.at["nhs", "net"] + split.at["local_authority", "net"] == pytest.approx(
        split.at["total", "net"])
    diffs = ro.differences(cmp).loc["integrated"]
    assert split.at["total", "net"] == pytest.approx(diffs.loc["cost_total", "difference"])
    # The council's own spending falls by what moved into the pool; its net is not that.
    assert split.at["local_authority", "own"] == pytest.approx(
        diffs.loc["cost_local_authority", "difference"])
    assert split.at["local_authority", "into_pool"] > 0
    assert split.at["local_authority", "net"] > split.at["local_authority", "own"]

    frame = ro.money.split_frame(cmp, "integrated")
    lines = [line.text for line in ro.money.money_sentences(cmp, "integrated")]
    note = ro.money.money_note(cmp)
    assert "2024/25 prices" in note and "120 days" in note

    # App: the Who pays tab, drawn headless.
    path = tmp_path / "cmp.pkl"
    path.write_bytes(pickle.dumps(cmp))
    at = AppTest.from_function(_who_pays_script, args=(str(path),), default_timeout=120).run()
    assert not at.exception, at.exception
    shown = next(d.value for d in at.table if "Net cash change" in d.value.columns)
    pd.testing.assert_frame_equal(shown.astype(str), frame.astype(str), check_names=False)
    said = "\n".join(m.value for m in at.markdown)
    assert all(line in said for line in lines)
    assert all("2024/25 prices" in c.value for c in at.caption)
    for key, label in (("nhs", "NHS"), ("local_authority", "Council"), ("total", "Total")):
        for col, head in (("net", "Net cash change"),
                          ("capacity", "Capacity released (valued, not cash)")):
            got, tol = number(shown.at[label, head].split(" (")[0])
            assert got == pytest.approx(split.at[key, col], abs=tol), (key, col)

    # Report: the same table, string for string, and sentences whose marked numbers are the
    # readout's numbers exactly.
    report = board.build_report(cmp)
    who = next(s for s in report.sections if s.id == "who-pays")
    table = next(b for b in who.blocks if isinstance(b, Table)
                 and b.caption.startswith("Cash and capacity released"))
    assert [r[0] for r in table.rows] == list(frame.index)
    assert [r[1:] for r in table.rows] == frame.astype(str).values.tolist()
    marked = [n for b in [*report.sections[0].blocks, *who.blocks]
              for t in (getattr(b, "items", None) or
                        ([b.text] if isinstance(getattr(b, "text", None), tuple) else []))
              for n in nums(t) if n.source.startswith("money:integrated:")]
    fields = {n.source.split(":", 2)[2] for n in marked}
    for row in ("nhs", "local_authority", "total"):
        assert fields & {f"{row}:net", f"{row}:net_low"}, row  # its net cash change, stated
    assert fields & {"nhs:capacity", "nhs:capacity_low"}
    for n in marked:
        row, field = n.source.split(":")[2:]
        if field in ("freed_bed_days", "beds"):
            continue
        assert n.value == pytest.approx(split.at[row, field], rel=1e-12, abs=1e-9), n
    assert "in the price years of their sources" not in board.render_html(report)

    # Command line: the same sentences and the same cells.
    _print_readout(cmp)
    out = capsys.readouterr().out
    assert note in out
    assert all(line in out for line in lines)
    for label in ("NHS", "Council", "Total"):
        row = next(r for r in out.splitlines() if r.startswith(label + " ")
                   and frame.at[label, "Net cash change"] in r)
        assert frame.at[label, "Capacity released (valued, not cash)"] in row


def test_simulated_population_and_place_are_stated_once():
    start = sim.load_scenario("fragmented", ["population.size=10000"])
    grown = sim.load_scenario("demand_growth_10y", ["population.size=10000"])
    assert ro.simulated_population(start) == 10_000
    # Ten years of growth: the growth scenario simulates about a fifth more people.
    assert 11_500 < ro.simulated_population(grown) < 12_500
    assert ro.place_text(start) == "national defaults scaled to 10,000 people aged 65+"
    area = sim.load_area(sim.area.EXAMPLE)
    text = ro.place_text(area)
    assert text.startswith("the local area example_area (Example place")
    assert "with figures from ONS Census 2021" in text


def test_scenarios_are_titled_as_a_planner_names_them_on_an_area_too():
    from sim.readout.catalogue import scenario_title

    assert scenario_title("integrated") == "Integrated care"
    assert scenario_title("example_area.integrated") == "Integrated care, example_area"
    assert scenario_title("example_area") == "example_area"        # the area's own baseline
    assert scenario_title("plan.v2") == "plan.v2"                  # not a named scenario


def test_charts_over_time_name_each_month_once_and_scenarios_in_full(cmp, app):
    """Vega-Lite's own ticks fall every two weeks, so a month's name showed two or three
    times along the axis; and its legend cut scenario names at 160 pixels."""
    spec = app._band_chart(cmp, "acute_occupied", "Beds", "beds").to_dict()
    for layer in spec["layer"]:
        enc = layer["encoding"]
        assert enc["x"]["axis"]["tickCount"] == {"interval": "month", "step": 1}
        assert enc["color"]["legend"]["labelLimit"] >= 400
