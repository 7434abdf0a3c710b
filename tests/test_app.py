"""The planner's app (app.py and app_pages/), driven headless with Streamlit's AppTest.

Runs use a small population, a short period and two to four replications so that each takes
a second or two; the page logic is the same as at full size.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# The app's pages live next to app.py, not in the installed package.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from app_pages import common, widgets  # noqa: E402
from sim import readout as ro  # noqa: E402
from sim.params import default_capacity, iter_fields  # noqa: E402

APP = str(ROOT / "app.py")
FRAG, INTEG = ro.catalogue.scenario_title("fragmented"), ro.catalogue.scenario_title("integrated")
SMALL = {"c|population": 2000, "c|years": 0.25, "c|replications": 2, "c|warmup": 20}


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception, at.exception
    return at


def make_small(at: AppTest, **extra) -> AppTest:
    for key, value in {**SMALL, **extra}.items():
        at.number_input(key=key).set_value(value)
    return at.run()


def run(at: AppTest) -> AppTest:
    at.button(key="run_button").click().run()
    assert not at.exception, at.exception
    return at


def config(at: AppTest) -> dict:
    """The configuration run, by scenario identifier (the app names them by title)."""
    ident = {t: n for n, t in ro.catalogue.SCENARIO_TITLES.items()}
    return {ident.get(k, k): v
            for k, v in json.loads(at.session_state["current_config_json"]).items()}


def number(text: str) -> float:
    return float(text.replace("£", "").replace(",", "").replace("%", "").rstrip("mk"))


@pytest.fixture(scope="module")
def ran() -> AppTest:
    """The default comparison (fragmented vs integrated) at a small size, run once."""
    # 2,000 people get 12 acute beds by default and tip into gridlock; the bed headroom keeps
    # both scenarios working so that the cards carry real verdicts.
    beds = {common.wkey(n, "acute.beds"): 32 for n in ("fragmented", "integrated")}
    at = make_small(start(), **{"c|replications": 4, **beds})
    return run(at)


# ------------------------------------------------------------------------ compare page
def test_compare_page_offers_named_scenarios_and_schema_widgets():
    at = start()
    assert at.selectbox(key="sel|baseline").value == "fragmented"
    assert at.multiselect(key="sel|alternatives").value == ["integrated"]
    # Offered by the planner's names; the verification queue is not offered.
    offered = set(at.selectbox(key="sel|baseline").options)
    assert {ro.catalogue.scenario_title(n) for n in sim.available_scenarios()
            if n not in common.HIDDEN} <= offered
    assert not any("M/M/c" in o or o == "mmc" for o in offered)
    # Every grouped parameter of the schema has a widget for each scenario shown.
    grouped = [s for s in widgets.specs()]
    assert len(grouped) >= 20
    for name in ("fragmented", "integrated"):
        for spec in grouped:
            assert at.session_state[common.wkey(name, spec.path)] is not None or \
                spec.kind == "capacity"
    # Help text cites the source and the evidence grade.
    beds = at.number_input(key=common.wkey("fragmented", "acute.beds"))
    assert "Source:" in beds.help and "Evidence:" in beds.help
    # Starting values come from the scenario: the integrated scenario has its levers on.
    assert at.toggle(key=common.wkey("integrated", "levers.shared_care_plan")).value is True
    assert at.toggle(key=common.wkey("fragmented", "levers.shared_care_plan")).value is False
    assert at.slider(key=common.wkey("integrated", "levers.discharge_to_assess_share")).value \
        == pytest.approx(50.0)


def test_widgets_change_the_configuration_that_is_run():
    at = make_small(start(), **{"c|population": 3000, "c|years": 0.5})
    at.toggle(key=common.wkey("fragmented", "levers.trusted_assessor")).set_value(True)
    at.number_input(key=common.wkey("integrated", "reablement.slots")).set_value(99)
    at.slider(key=common.wkey("integrated", "levers.pooled_budget_share")).set_value(20.0)
    at.run()
    assert not at.exception
    cfg = config(at)
    assert cfg["fragmented"]["levers"]["trusted_assessor"] is True
    assert cfg["integrated"]["reablement"]["slots"] == 99
    assert cfg["integrated"]["levers"]["pooled_budget_share"] == pytest.approx(0.2)
    assert cfg["fragmented"]["population"]["size"] == 3000
    assert cfg["integrated"]["run"]["days"] == round(0.5 * 365)
    # Capacities left empty follow the population (acute beds by the square-root rule).
    # They stay blank in the configuration and are resolved for the run.
    per_50k = widgets.CAPACITIES["acute.beds"][0]
    assert cfg["fragmented"]["acute"]["beds"] is None
    resolved = sim.Params.model_validate(cfg["fragmented"]).resolved()
    assert resolved.acute.beds == max(1, round(default_capacity("acute", "beds", 3000)))
    assert per_50k == 295
    # The summary of what the alternative changes lists the edited capacity.
    # by the planner's name of the setting, not the parameter's identifier.
    changes = [t.value for t in at.table if t.value.index.name == "Setting"]
    assert any(widgets.setting_label("reablement.slots") in list(t.index) for t in changes)
    assert not any("reablement.slots" in list(t.index) for t in changes)
    # An invalid advanced setting is reported and the Run button is disabled.
    at.text_area(key=common.advanced_key("integrated")).set_value("acute.beds=-5").run()
    assert any("acute.beds" in e.value for e in at.error)
    assert at.button(key="run_button").disabled
    # An interpolation is refused by name, never resolved and never a traceback.
    at.text_area(key=common.advanced_key("integrated")).set_value(
        "description=${oc.env:HOME}").run()
    assert not at.exception
    assert any("description" in e.value and "${" in e.value for e in at.error)
    assert at.button(key="run_button").disabled
    assert at.session_state["current_config_json"] is None


def test_a_run_shows_headline_cards_with_numbers_and_plain_words(ran):
    at = ran
    cards = at.metric
    # AppTest lists the cards column by column; the set is what matters here.
    assert sorted(c.label for c in cards) == sorted(ro.metric(m).title for m in ro.KEY_METRICS)
    for card in cards:
        assert math.isfinite(number(card.value)), card.value
        assert "vs baseline" in card.delta
    sentences = [m.value for m in at.markdown if m.value.startswith(":")]
    assert len(sentences) == len(ro.KEY_METRICS)
    cmp = at.session_state["comparison"]
    # A system this small (a dozen beds) can tip into gridlock in winter: then every card
    # must say so instead of "better" or "worse".
    gridlocked = any(r.kpis["unstable"].gt(0).any() for r in cmp.results.values())
    words = ("Gridlock",) if gridlocked else ("Better", "Worse", "Unclear", "No change")
    assert all(any(w in s for w in words) for s in sentences), sentences
    # Results are named as a planner names the scenarios.
    assert set(cmp.results) == {FRAG, INTEG}
    assert all(r.replications == 4 for r in cmp.results.values())
    # Four replications, streamed: the first estimate came after the first round, and each
    # replication was simulated once.
    meta = at.session_state["comparison_meta"]
    assert meta["first_s"] is not None and meta["total_s"] >= meta["first_s"]
    assert meta["simulated"] == 8
    # The card's value is the scenario's mean, per year.
    res = cmp.results[INTEG]
    expected = res.kpis["delayed_discharge_days"].mean() * 365 / res.params.run.days
    card = next(c for c in cards if c.label == ro.metric("delayed_discharge_days").title)
    assert number(card.value) == pytest.approx(expected, abs=1)


def test_rerender_and_repeat_runs_use_the_stored_and_cached_results(ran):
    at = ran
    before = at.session_state["comparison"]
    at.run()
    assert at.session_state["comparison"] is before  # a re-render does not re-run
    run(at)  # the same configuration again: read back, nothing simulated
    meta = at.session_state["comparison_meta"]
    assert meta["simulated"] == 0 and meta["first_s"] is None
    assert meta["total_s"] < 2.0
    assert any("read back from an earlier run" in c.value for c in at.caption)
    assert not any("under 1 s" in c.value for c in at.caption)
    # Two more replications: only those are simulated.
    at.number_input(key="c|replications").set_value(6).run()
    run(at)
    assert at.session_state["comparison_meta"]["simulated"] == 4
    assert at.session_state["comparison"].results[INTEG].replications == 6
    at.number_input(key="c|replications").set_value(4).run()
    run(at)
    after = at.session_state["comparison"]
    pd.testing.assert_frame_equal(after.results[INTEG].kpis,
                                  before.results[INTEG].kpis)


def test_details_tabs_show_charts_tables_and_csv(ran):
    at = ran
    labels = [t.label for t in at.tabs]
    assert labels[:2] == [FRAG, INTEG]  # one tab per scenario to adjust
    assert labels[2:] == ["Over time", "Why people wait", "Who pays", "Flow through services",
                          "All metrics"]
    charts = at.get("vega_lite_chart")
    assert len(charts) >= 5  # two over time, delays, who pays, flow
    assert at.get("download_button")
    table = ro.difference_table(at.session_state["comparison"])
    assert len(table) == len(sim.METRICS)
    assert {"difference", "ci_low", "ci_high", "in_words"} <= set(table.columns)
    who = [m.value for m in at.markdown if "The NHS" in m.value and "The council" in m.value]
    assert who, "the who-pays sentences name each partner"
    assert who[0].count("\n- ") == 2  # NHS, council (each net of the pool), all payers
    assert "pooled budget" in who[0] and "in cash" in who[0]
    # Who gains and who loses: the key outcomes by age band and frailty, under an expander.
    groups = next(e for e in at.expander if e.label == "By age band and frailty")
    shown = groups.dataframe[0].value
    assert len(shown) == 7 * 6
    assert {"Aged 85 and over", "Severe frailty"} <= set(shown["Group"])
    assert f"Change, {INTEG}" in shown.columns


def test_a_failed_run_shows_a_message_and_keeps_the_earlier_results(monkeypatch):
    at = run(make_small(start()))
    earlier = at.session_state["comparison"]

    def broken(*args, **kwargs):
        raise sim.ReplicationError("the engine fell over", scenario="integrated",
                                   replication=1, seed=2026)

    from app_pages import runs

    monkeypatch.setattr(runs, "iter_replications", broken)
    at.number_input(key="c|population").set_value(2100).run()  # a new config: not cached
    run(at)
    assert any("did not finish" in e.value and "replication 1" in e.value for e in at.error)
    assert at.session_state["comparison"] is earlier
    assert len(at.metric) == len(ro.KEY_METRICS)  # earlier cards still shown
    assert any("settings have changed" in w.value for w in at.warning)


def test_choosing_another_baseline_and_no_alternative_still_works():
    at = make_small(start())
    at.selectbox(key="sel|baseline").set_value("integrated").run()
    # integrated cannot be its own alternative: it is removed from the alternatives.
    assert at.multiselect(key="sel|alternatives").value == []
    run(at)
    assert len(at.metric) == len(ro.KEY_METRICS)
    assert any("Only a baseline was run" in i.value for i in at.info)


# ------------------------------------------------------------------------ scenario files
def test_bad_yaml_upload_shows_a_clear_error_not_a_traceback():
    at = start()
    at.file_uploader(key="scenario_upload").upload("plan.yaml", b"acute:\n  beds: -5\n",
                                                  "application/x-yaml").run()
    assert not at.exception
    messages = [e.value for e in at.error]
    assert any("acute.beds" in m and "between 0 and" in m for m in messages), messages
    assert "plan" not in at.selectbox(key="sel|baseline").options


def test_good_yaml_upload_becomes_a_scenario_to_choose():
    text = b"name: my_plan\ndescription: More reablement\nreablement:\n  slots: 80\n"
    at = start()
    at.file_uploader(key="scenario_upload").upload("my_plan.yaml", text,
                                                  "application/x-yaml").run()
    assert not at.exception and not at.error
    assert "my_plan" in at.selectbox(key="sel|baseline").options
    at.multiselect(key="sel|alternatives").set_value(["integrated", "my_plan"]).run()
    assert at.number_input(key=common.wkey("my_plan", "reablement.slots")).value == 80
    assert config(at)["my_plan"]["reablement"]["slots"] == 80


@pytest.mark.parametrize("content, says", [
    (b"a: [1, 2\n", "not valid YAML"),
    (b"- 1\n- 2\n", "mapping"),
    (b"acute:\n  bedz: 3\n", "Did you mean 'acute.beds'"),
    (b"x:\n  _target_: os.system\n", "_target_"),
    (b"\xff\xfe\x00\x01", "not a text file"),
    (b'description: "${oc.env:HOME}"\n', "interpolations"),
    (b"acute:\n  beds: 3\nacute:\n  beds: 4\n", "appears twice"),
    (b"a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
     b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
     b"e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n", "expands"),
    (b"#" * (common.MAX_UPLOAD_BYTES + 1), "at most 256 KB"),
])
def test_read_scenario_upload_turns_every_problem_into_a_message(content, says):
    with pytest.raises(common.UploadProblem) as info:
        common.read_scenario_upload("plan.yaml", content)
    assert says in str(info.value)


def test_saved_yaml_loads_back_to_the_same_scenario(tmp_path):
    params = sim.load_scenario("better_care_fund",
                               ["population.size=20000", "levers.shared_care_plan=true"])
    _, blank = common._named_base("better_care_fund")
    text = common.scenario_yaml(params, blank)
    # only what differs is written (better_care_fund changes reablement relative to the default)
    assert "reablement_slots_change: 0.33" in text and "acute" not in text
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    assert sim.load_scenario(path) == params
    # Capacities left empty still follow the population when it changes.
    bigger = sim.load_scenario(path, ["population.size=40000"])
    assert bigger.resolved().acute.beds == round(default_capacity("acute", "beds", 2 * params.population.size))
    assert bigger.resolved().reablement.slots == 2 * params.resolved().reablement.slots


# ------------------------------------------------------------------------ other pages
def test_capacity_explorer_sweeps_a_capacity_and_shows_the_knee():
    at = make_small(start())
    at.switch_page("app_pages/explorer.py").run()
    assert not at.exception
    at.selectbox(key="x|capacity").set_value("intermediate_care.beds").run()
    today = at.session_state["sweep"]["current"] if "sweep" in at.session_state else None
    # Exact steps in whole beds: 1, 3, 5 (today's capacity is added as a step of its own).
    at.number_input(key="x|first").set_value(1)
    at.number_input(key="x|step").set_value(2)
    at.number_input(key="x|points").set_value(3)
    at.number_input(key="x|replications").set_value(2)
    at.run()
    assert today is None
    at.button(key="sweep_run_button").click().run()
    assert not at.exception, at.exception
    sweep = at.session_state["sweep"]
    assert sweep["capacity"] == "intermediate_care.beds"
    values = list(sweep["values"].values())
    assert {1, 3, 5} <= set(values) and values == sorted(values)
    assert sweep["current"] in values and len(values) <= 4
    for name, value in sweep["values"].items():
        assert sweep["cmp"].results[name].params.intermediate_care.beds == value
    assert len(at.get("vega_lite_chart")) == 2
    shown = at.table[0].value
    assert len(shown) == len(values)
    # The target is answered in words, either way (or refused if today's capacity gridlocks).
    assert any("Reached." in m.value for m in at.success) or any(
        "Not reachable" in m.value for m in at.warning) or any(
        "No target can be measured here" in m.value for m in at.error)
    assert any("What each step up buys" in m.value for m in at.markdown)
    # A point where a replication gridlocked is named and marked, never read as a saving.
    lowest = next(iter(sweep["values"]))
    res = sweep["cmp"].results[lowest]
    res.kpis = res.kpis.assign(unstable=[1.0] + [0.0] * (len(res.kpis) - 1))
    at.run()
    assert not at.exception, at.exception
    n = len(res.kpis)
    assert any(e.value.startswith(f"**Gridlock at {lowest} bed")
               and f"{lowest} bed{'s' if lowest != '1' else ''} (1 of {n} replications)"
               in e.value for e in at.error), [e.value for e in at.error]
    first = at.table[0].value.index[0]
    assert first.endswith(f"(gridlock in 1 of {n} replications)")
    assert any(f"not comparable, gridlock at {lowest} bed" in m.value for m in at.markdown)


def test_report_page_offers_the_report_after_a_run(ran):
    at = ran
    at.switch_page("app_pages/report.py").run()
    assert not at.exception
    try:
        import sim.report  # noqa: F401
    except ImportError:
        assert any("sim.report" in w.value for w in at.warning)
    else:
        html = at.session_state["report_html"]
        assert "<html" in html.lower() and "integrated" in html
        labels = [b.label for b in at.get("download_button")]
        assert "Download the report (HTML)" in labels
        at.button(key="make_report_pdf").click().run()
        assert not at.exception and not at.error
        assert at.session_state["report_pdf"][:5] == b"%PDF-"
        assert "Download the report (PDF)" in [b.label for b in at.get("download_button")]
    assert "Download all metrics (CSV)" in [b.label for b in at.get("download_button")]


def test_report_page_without_a_run_says_what_to_do():
    at = start()
    at.switch_page("app_pages/report.py").run()
    assert any("run a comparison" in i.value for i in at.info)


def test_about_page_reads_the_model_docs_evidence_and_schema():
    at = start()
    at.switch_page("app_pages/about.py").run()
    assert not at.exception
    headings = [h.value for h in at.subheader]
    assert "What the model does" in headings
    assert any("does not do" in h for h in headings)
    assert any(m.value.startswith("Calibration: ") and "held-out: " in m.value
               for m in at.markdown)
    evidence = pd.read_csv(ROOT / "evidence" / "uk_figures.csv")
    tables = [d.value for d in at.dataframe]
    assert len(tables[0]) == len(evidence)
    assert list(tables[0]["id"]) == list(evidence["id"])
    n_params = sum(1 for p, _, _ in iter_fields() if p not in ("name", "description"))
    assert len(tables[1]) == n_params
    # Every measure, with its definition, from the readout's catalogue.
    measures = tables[-1]
    assert set(sim.METRICS) <= set(measures["name"]) and measures["definition"].all()
    at.text_input(key="about_parameter_search").set_value("reablement").run()
    assert 0 < len(at.dataframe[1].value) < n_params


def test_settings_survive_a_page_switch():
    at = start()
    key = common.wkey("fragmented", "levers.seven_day_assessment")
    at.toggle(key=key).set_value(True)
    at.number_input(key="c|population").set_value(12_345)
    at.run()
    at.switch_page("app_pages/about.py").run()
    at.switch_page("app_pages/compare.py").run()
    assert at.toggle(key=key).value is True
    assert at.number_input(key="c|population").value == 12_345


# ------------------------------------------------------------------------ plain words
def test_headline_sentences_read_as_a_planner_would_say_them():
    h = ro.headline("delayed_discharge_days", -1874, -2210, -1590)
    assert h.text == "about 1,900 fewer delayed days a year, between 1,600 and 2,200"
    assert h.verdict == "better"
    h = ro.headline("cost_total", -9.9e6, -12.6e6, -7.2e6)
    assert h.text.startswith("about £9.9m less a year in total")
    h = ro.headline("emergency_admissions", -770, -1250, 290)
    assert h.verdict == "unclear" and "no clear change" in h.text
    assert ro.headline("days_at_home", 0.7, 0.5, 0.9).verdict == "better"
    assert ro.headline("deaths", 30, 10, 50).verdict == "worse"
    # Money moving into the pooled budget is a shift between payers, not a loss.
    pooled = ro.headline("cost_pooled", 1.4e6, 1.2e6, 1.6e6)
    assert pooled.verdict == "changed"
    assert pooled.text == "about £1.4m more a year from the pooled budget, between " \
        "£1.2m and £1.6m"


def test_early_estimates_give_the_average_change_without_a_range():
    assert ro.estimate("delayed_discharge_days", -14_664) == \
        "about 15,000 fewer delayed days a year"
    assert ro.estimate("cost_total", 6.6e6) == "about £6.6m more a year in total"
    # Whole pounds: a simulated cost is never known to the penny.
    assert ro.estimate("cost_total", 6.7) == "about £7 more a year in total"
    assert "between" not in ro.estimate("emergency_admissions", -491)
    # Nobody counts half an admission.
    assert ro.estimate("emergency_admissions", 0.5) == \
        "less than one more a year (emergency admissions)"
    # An average is not counted in whole things: a third of a day at home each is a number.
    assert ro.estimate("days_at_home_per_person", 0.3) == "about 0.3 more days at home per person"


def test_totals_are_scaled_to_a_year_and_rates_are_not():
    assert ro.stats.annualise(100, "delayed_discharge_days", 182.5) == pytest.approx(200)
    assert ro.stats.annualise(0.8, "acute_occupancy", 182.5) == pytest.approx(0.8)
    assert ro.stats.annualise(12.0, "mean_delayed_patients", 91) == pytest.approx(12.0)


def test_a_variant_is_the_baseline_plus_exact_changes_and_names_never_collide():
    at = make_small(start())
    for _ in range(2):
        at.number_input(key="var|reablement.slots").set_value(20).run()
        at.button(key="var|add").click().run()
    assert not at.exception, at.exception
    assert at.multiselect(key="sel|alternatives").value == [
        "integrated", "+20 reablement places", "+20 reablement places (2)"]
    assert any("exists already" in w.value for w in at.warning)
    cfg = config(at)
    # Blank in the baseline: the variant adds 20 to the capacity the run would use.
    base = sim.load_scenario("fragmented", [f"population.size={SMALL['c|population']}"])
    assert cfg["+20 reablement places"]["reablement"]["slots"] == \
        base.resolved().reablement.slots + 20
    assert cfg["+20 reablement places"]["levers"] == cfg["fragmented"]["levers"]


def test_capacity_hints_follow_the_scenario_and_what_discharge_to_assess_takes():
    """The "Empty: follows the population (N)" hint is what the scenario's blank capacity
    resolves to: integrated has bridging places and interim beds, taken out of home-care
    hours and care-home beds; fragmented has none."""
    from app_pages.common import _blank_defaults

    def hints(name):
        data = sim.load_scenario(name, overrides=["population.size=50000"]).model_dump(mode="json")
        return _blank_defaults(json.dumps(data, sort_keys=True))

    frag, integ = hints("fragmented"), hints("integrated")
    assert frag["bridging.places"] == 0 and integ["bridging.places"] > 0
    p = sim.load_scenario("integrated", overrides=["population.size=50000"]).resolved()
    assert integ["home_care.hours_per_week"] == p.home_care.hours_per_week
    assert integ["home_care.hours_per_week"] == pytest.approx(
        frag["home_care.hours_per_week"] - p.bridging.places * p.bridging.hours_per_place)
    assert integ["care_home.beds"] == frag["care_home.beds"] - p.intermediate_care.interim_beds
