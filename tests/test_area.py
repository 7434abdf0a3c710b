"""Local area files: template round trip, cell-by-cell errors, safe reading, scenarios on an
area, fitting, and the monthly planning readout."""

from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml

import sim
import sim.area as area
from sim.area.files import MAX_FILE_BYTES, read_area
from sim.area.fit import FITTED, TARGETS, fit_area, scaled
from sim.area.schema import RATES
from sim.config import field_info
from sim.params import CAPACITY_PER_50K
import sim.readout as ro
from sim.readout import planning


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("area")
    return area.write_template(d / "my_area.xlsx"), area.write_template(d / "my_area.yaml")


def _cell(path, sheet: str, key: str) -> str:
    ws = openpyxl.load_workbook(path)[sheet]
    for row in ws.iter_rows(min_row=5):
        if row[0].value == key:
            return row[1].coordinate
    raise KeyError(key)


def _edit(src, dst, sheet: str, coordinate: str, value) -> None:
    wb = openpyxl.load_workbook(src)
    wb[sheet][coordinate] = value
    wb.save(dst)


# ------------------------------------------------------------------------------ round trip
def test_template_round_trip_xlsx_and_yaml_give_the_same_config(files):
    xlsx, yml = files
    a, b = read_area(xlsx), read_area(yml)
    assert a.data == b.data == read_area(area.EXAMPLE).data
    cfg = area.load_area(xlsx)
    assert cfg.model_dump() == area.load_area(yml).model_dump()
    assert cfg.model_dump() == area.load_area(area.EXAMPLE).model_dump()


def test_example_area_maps_planning_units_to_the_model(files):
    cfg = area.load_area(files[0])
    assert cfg.name == "example_area"
    assert cfg.population.size == 100_000
    assert cfg.population.age_mix.age_85_plus == pytest.approx(0.14)
    assert cfg.acute.beds == round(960 * 0.65 * 0.94)        # all-age G&A -> 65+ emergency
    assert cfg.reablement.slots == 768 // 8                    # hours / hours per person
    assert cfg.care_home.beds == 3380 and cfg.intermediate_care.interim_beds == 20
    assert cfg.intermediate_care.beds == 60 and cfg.home_care.hours_per_week == 29_800
    assert cfg.census is not None and cfg.census.start_date.isoformat() == "2025-04-01"
    assert cfg.census.in_treatment_by_days == [110, 80, 95, 70, 30, 33]
    assert cfg.census.ready_to_leave_p3 == [5, 5, 6, 7, 4, 5]


def test_overrides_apply_after_the_area(files):
    cfg = area.load_area(files[1], overrides=["acute.beds=500", "run.days=90"])
    assert (cfg.acute.beds, cfg.run.days) == (500, 90)


def test_local_costs_are_uplifted_to_the_model_price_year(tmp_path):
    from sim.costs import uplift

    data = yaml.safe_load(area.EXAMPLE.read_text())
    data["costs"].update(price_year="2022/23", home_care_hour=20.0, chc_week=None)
    path = tmp_path / "costs.yaml"
    path.write_text(yaml.safe_dump(data))
    cfg = area.load_area(path)
    assert cfg.costs.home_care_hour == pytest.approx(uplift(20.0, "2022/23"), abs=0.01)
    assert cfg.costs.chc_week == sim.Params().costs.chc_week  # blank: national default
    data["costs"]["price_year"] = "1999/00"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(sim.ConfigError, match="costs.price_year"):
        read_area(path)


def test_reablement_visits_are_used_when_hours_are_blank(tmp_path):
    data = yaml.safe_load(area.EXAMPLE.read_text())
    data["capacity"].update(p1_reablement_hours_per_week=None,
                            p1_reablement_visits_per_week=1200, visit_minutes=40)
    path = tmp_path / "visits.yaml"
    path.write_text(yaml.safe_dump(data))
    assert area.load_area(path).reablement.slots == round(1200 * 40 / 60 / 8)


# ----------------------------------------------------------------------------- bad cells
def test_a_bad_cell_is_named_with_sheet_cell_value_and_what_is_allowed(files, tmp_path):
    xlsx, _ = files
    where = _cell(xlsx, "Capacity", "p2_beds")
    bad = tmp_path / "bad.xlsx"
    _edit(xlsx, bad, "Capacity", where, "lots")
    with pytest.raises(sim.ConfigError) as err:
        area.load_area(bad)
    (field, value, allowed), = err.value.problems
    assert field == f"Capacity!{where}" and value == "lots"
    assert "whole number from 0 to 100,000" in allowed and "beds" in allowed
    assert f"Capacity!{where}" in str(err.value)


def test_every_bad_cell_is_reported_not_only_the_first(files, tmp_path):
    xlsx, _ = files
    wb = openpyxl.load_workbook(xlsx)
    wb["Population"][_cell(xlsx, "Population", "growth_per_year")] = 0.5
    wb["Beds"][_cell(xlsx, "Beds", "share_under_65")] = -0.1
    wb["Monthly"]["B8"] = 2.5  # admissions must be whole
    bad = tmp_path / "bad2.xlsx"
    wb.save(bad)
    with pytest.raises(sim.ConfigError) as err:
        read_area(bad)
    fields = {p[0] for p in err.value.problems}
    assert {f"Population!{_cell(xlsx, 'Population', 'growth_per_year')}",
            f"Beds!{_cell(xlsx, 'Beds', 'share_under_65')}", "Monthly!B8"} <= fields


def test_yaml_errors_name_the_section_and_key(tmp_path):
    data = yaml.safe_load(area.EXAMPLE.read_text())
    data["capacity"]["p2_beds"] = -3
    data["capacity"]["p9_beds"] = 1
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(sim.ConfigError) as err:
        read_area(path)
    fields = {p[0]: p for p in err.value.problems}
    assert fields["capacity.p2_beds"][1] == -3
    assert "capacity.p9_beds" in fields


def test_unknown_and_missing_sheets_are_named(files, tmp_path):
    wb = openpyxl.load_workbook(files[0])
    wb["Capacity"].title = "Capcity"
    path = tmp_path / "renamed.xlsx"
    wb.save(path)
    with pytest.raises(sim.ConfigError, match="Capcity"):
        read_area(path)


def test_beds_calendar_needs_twelve_months_in_order(tmp_path):
    data = yaml.safe_load(area.EXAMPLE.read_text())
    data["beds_calendar"] = data["beds_calendar"][:11]
    path = tmp_path / "short.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(sim.ConfigError, match="April to March"):
        read_area(path)


# ---------------------------------------------------------------------------- safe files
def test_a_formula_is_refused_not_evaluated(files, tmp_path):
    xlsx, _ = files
    where = _cell(xlsx, "Capacity", "p2_beds")
    bad = tmp_path / "formula.xlsx"
    _edit(xlsx, bad, "Capacity", where, "=40+56")
    with pytest.raises(sim.ConfigError) as err:
        read_area(bad)
    (field, value, allowed), = err.value.problems
    assert field == f"Capacity!{where}" and value == "=40+56" and "formula" in allowed


def test_a_formula_and_a_bad_value_are_both_reported(files, tmp_path):
    xlsx, _ = files
    wb = openpyxl.load_workbook(xlsx)
    formula = _cell(xlsx, "Capacity", "care_home_places")
    wb["Capacity"][formula] = "=3000+380"
    wb["Capacity"][_cell(xlsx, "Capacity", "p2_beds")] = "lots"
    bad = tmp_path / "two.xlsx"
    wb.save(bad)
    with pytest.raises(sim.ConfigError) as err:
        read_area(bad)
    fields = [p[0] for p in err.value.problems]
    assert sorted(fields) == sorted([f"Capacity!{formula}",
                                     f"Capacity!{_cell(xlsx, 'Capacity', 'p2_beds')}"])


def test_external_links_are_refused_before_parsing(files, tmp_path):
    src = files[0].read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("xl/externalLinks/externalLink1.xml", "<externalLink/>")
    path = tmp_path / "linked.xlsx"
    path.write_bytes(out.getvalue())
    with pytest.raises(sim.ConfigError, match="links to other workbooks"):
        read_area(path)


def test_interpolation_is_refused_in_yaml_and_in_workbooks(files, tmp_path):
    data = yaml.safe_load(area.EXAMPLE.read_text())
    data["area"]["description"] = "${oc.env:HOME}"
    path = tmp_path / "interp.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(sim.ConfigError, match="interpolation"):
        read_area(path)
    bad = tmp_path / "interp.xlsx"
    _edit(files[0], bad, "About", _cell(files[0], "About", "sources"), "${now:%Y}")
    with pytest.raises(sim.ConfigError) as err:
        read_area(bad)
    assert err.value.problems[0][0].startswith("About!B")


def test_size_sheet_and_row_limits(files, tmp_path):
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"0" * (MAX_FILE_BYTES + 1))
    with pytest.raises(sim.ConfigError, match="limit"):
        read_area(big)
    with pytest.raises(sim.ConfigError, match="limit"):
        read_area("upload.xlsx", content=b"0" * (MAX_FILE_BYTES + 1))
    wb = openpyxl.load_workbook(files[0])
    for i in range(5):
        wb.create_sheet(f"Extra{i}")
    many = tmp_path / "many.xlsx"
    wb.save(many)
    with pytest.raises(sim.ConfigError, match="sheets; the limit"):
        read_area(many)
    wb = openpyxl.load_workbook(files[0])
    wb["Monthly"].cell(400, 1, "2025-04")
    rows = tmp_path / "rows.xlsx"
    wb.save(rows)
    with pytest.raises(sim.ConfigError, match="200 rows"):
        read_area(rows)


def test_not_a_workbook_and_wrong_suffix_get_clear_errors(tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    with pytest.raises(sim.ConfigError, match="not an Excel workbook"):
        read_area(junk)
    with pytest.raises(sim.ConfigError, match=".xlsx"):
        read_area(tmp_path / "area.csv")


# --------------------------------------------------------------------- scenarios on areas
def test_every_named_scenario_applies_to_an_area(files):
    xlsx, _ = files
    base = area.load_area(xlsx)
    for name in sim.available_scenarios():
        cfg = sim.load_scenario(name, area=xlsx)
        assert cfg.population.size == base.population.size, name
    integrated = sim.load_scenario("integrated", area=xlsx)
    assert integrated.levers.shared_care_plan and integrated.name == "example_area.integrated"
    assert integrated.acute.beds == base.acute.beds
    # A relative capacity plan acts on the area's own capacity.
    bcf = sim.load_scenario("better_care_fund", area=xlsx)
    assert bcf.reablement.slots == base.reablement.slots
    assert bcf.capacity_plan.reablement_slots_change > 0
    # An absolute capacity a scenario sets is read as a ratio to the default place's.
    mmc = sim.load_scenario("mmc", area=xlsx)
    per_50k = dict(((b, f), v) for b, f, v, _ in CAPACITY_PER_50K)[("acute", "beds")]
    assert mmc.acute.beds == round(base.acute.beds * 90 / per_50k)
    assert sim.load_scenario("fragmented", area=xlsx).acute.beds == base.acute.beds


def test_area_is_a_run_control_key_of_the_command_line():
    from sim.config import RUN_CONTROL_KEYS, check_override_keys

    assert "area" in RUN_CONTROL_KEYS
    check_override_keys(["area=my_area.xlsx", "scenario=integrated"])


# ----------------------------------------------------------------------------------- fit
def test_fitted_table_matches_the_rates_sheet_and_the_schema():
    assert [f.name for f in FITTED] == [c.key for c in RATES]
    for f in FITTED:
        assert f.target in TARGETS
        for path in f.paths:
            assert field_info(path) is not None, f"{f.name}: {path} is not a parameter"


def test_rates_multiply_the_national_defaults(tmp_path):
    data = yaml.safe_load(area.EXAMPLE.read_text())
    data["rates"]["admission_rate_scale"] = 1.5
    data["rates"]["residual_wait_scale"] = 2.0
    data["rates"]["treatment_stay_scale"] = 0.8
    path = tmp_path / "rates.yaml"
    path.write_text(yaml.safe_dump(data))
    cfg, default = area.load_area(path), sim.Params()
    assert cfg.community.crisis_rate_per_year == pytest.approx(
        1.5 * default.community.crisis_rate_per_year)
    assert cfg.care_home.placement_search_days == pytest.approx(
        2.0 * default.care_home.placement_search_days)
    assert cfg.acute.los_median_days_fit == pytest.approx(0.8 * default.acute.los_median_days_fit)


def test_bed_occupancy_is_a_target_weighted_by_the_days_of_its_months():
    from sim.area.fit import area_targets

    rows = [{"month": "2025-01", "bed_occupancy": 0.96},   # 31 days
            {"month": "2025-02", "bed_occupancy": 0.92},   # 28 days
            {"month": "2025-03"}]                           # no figure: not counted
    value, months = area_targets({"monthly": rows})["acute_occupancy"]
    assert months == 2 and value == pytest.approx((0.96 * 31 + 0.92 * 28) / 59)
    assert area_targets({"monthly": [{"month": "2025-01"}]})["acute_occupancy"] is None


def test_a_fit_that_gridlocks_says_so():
    from sim.area.fit import gridlock_notes

    assert gridlock_notes({"gridlocked_share": 0.0}, {"gridlocked_share": 0.0}, 3) == []
    (note,) = gridlock_notes({"gridlocked_share": 0.0}, {"gridlocked_share": 2 / 3}, 3)
    assert note.startswith("With the fitted rates") and "2 of 3 runs" in note
    assert "bed occupancy" in note  # and what to do about it
    (small,) = gridlock_notes({}, {"gridlocked_share": 0.5}, 2, fraction=0.1, size=100_000)
    assert "at 10% of the area's size (10,000 people)" in small


def test_a_small_fit_runs_and_reports_every_target(tmp_path):
    data = yaml.safe_load(area.EXAMPLE.read_text())
    # One month of pathway figures so every fitted target has a local figure but P2 has none.
    data["monthly"][0].update(discharges_p0=1400, discharges_p1=400, discharges_p2=120,
                              discharges_p3=60)
    for row in data["monthly"]:
        row.pop("ready_to_leave_p2")
    path = tmp_path / "fit_me.yaml"
    path.write_text(yaml.safe_dump(data))
    res = fit_area(path, population=3000, replications=2, days=90, warmup_days=30,
                   max_evaluations=2)
    report = res.report.set_index("target")
    assert list(report.index) == list(TARGETS)
    assert report.loc["ready_to_leave_p2", "within"] == "no figure"
    assert "national default" in report.loc["ready_to_leave_p2", "note"]
    assert report.loc["ready_to_leave_mean", "within"] == "no figure"  # needs P1-P3 together
    assert report.loc["emergency_admissions_per_year", "local"] == pytest.approx(
        sum(r["emergency_admissions"] for r in data["monthly"]) * 365 / 365)
    assert set(report["within"]) <= {"inside", "outside", "no figure"}
    assert all(f.bounds[0] <= res.rates[f.name] <= f.bounds[1] for f in FITTED)
    out = tmp_path / "fitted.xlsx"
    area.write_template(out, area.Area(res.data, {}, str(out)))
    assert read_area(out).data["rates"] == pytest.approx(res.rates)


def test_scaling_an_area_keeps_people_per_capacity():
    settings = area.area_settings(area.EXAMPLE)
    small = scaled(settings, 0.1)
    assert small["population"]["size"] == 10_000 and "census" not in small
    assert small["acute"]["beds"] == round(settings["acute"]["beds"] * 0.1)
    assert small["home_care"]["hours_per_week"] == pytest.approx(2980)


# --------------------------------------------------------------------- monthly planning
@pytest.fixture(scope="module")
def area_run():
    settings = scaled(area.area_settings(area.EXAMPLE), 0.05)
    # Today's census at the same 5 % as the beds it must fit in; its date dates the months.
    census = copy.deepcopy(area.area_settings(area.EXAMPLE)["census"])
    for key, value in census.items():
        if isinstance(value, list):
            census[key] = [round(v * 0.05) for v in value]
        elif isinstance(value, int):
            census[key] = round(value * 0.05)
    settings["census"] = census
    cfg = sim.load_scenario(settings, overrides=["run.days=75", "run.warmup_days=30"])
    return sim.run(cfg, replications=3, seed=5)


def test_monthly_counts_add_up_to_the_run_totals(area_run):
    table = planning.monthly(area_run)
    adm = table[table.measure == "emergency_admissions"]
    assert list(adm["month"])[:3] == ["Apr 2025", "May 2025", "Jun 2025"]
    assert adm["days"].sum() == 75
    assert adm["mean"].sum() == pytest.approx(area_run.kpis["emergency_admissions"].mean())
    p1 = table[table.measure == "new_p1"]["mean"].sum()
    assert p1 == pytest.approx(area_run.kpis["pathway_P1"].mean())


def test_monthly_bands_are_ordered_and_ready_to_leave_splits_add_up(area_run):
    table = planning.monthly(area_run)
    assert (table["low_95"] <= table["low_80"] + 1e-9).all()
    assert (table["low_80"] <= table["high_80"] + 1e-9).all()
    assert (table["high_80"] <= table["high_95"] + 1e-9).all()
    d = area_run.daily
    parts = d[["ready_to_leave_assessment", "ready_to_leave_P1", "ready_to_leave_P2",
               "ready_to_leave_P3", "ready_to_leave_other"]].sum(axis=1)
    assert (parts == d["delayed_patients"]).all()


def test_monthly_downloads(area_run):
    table = planning.monthly(area_run)
    assert planning.to_csv(table).startswith(b"scenario,month,")
    wb = openpyxl.load_workbook(io.BytesIO(planning.to_xlsx(table)))
    assert wb.sheetnames == ["Winter plan (80% bands)", "Tidy", "Notes"]
    # With the key outcomes by age band and frailty, a sheet of them, row for row.
    cmp = sim.Comparison({"area": area_run}, seed=0, baseline="area")
    groups = ro.outcomes_by_group_display(ro.outcomes_by_group_table(cmp))
    assert not groups.empty
    wb = openpyxl.load_workbook(io.BytesIO(planning.to_xlsx(table, groups)))
    assert wb.sheetnames == ["Winter plan (80% bands)", "Tidy", "By age and frailty", "Notes"]
    sheet = wb["By age and frailty"]
    assert sheet.max_row == len(groups) + 1
    assert [c.value for c in sheet[1]] == list(groups.columns)


# ----------------------------------------------------------------------------------- app
def test_area_page_sets_the_example_area_as_the_compare_baseline():
    from streamlit.testing.v1 import AppTest

    app = Path(__file__).resolve().parent.parent / "app.py"
    at = AppTest.from_file(str(app), default_timeout=120).run()
    at.switch_page("app_pages/area.py").run()
    assert not at.exception
    at.button(key="area_use_example").click().run()
    assert not at.exception and at.session_state["area_name"] == "example_area"
    assert sim.load_area(at.session_state["area_path"]).population.size == 100_000
    at.button(key="area_baseline").click().run()
    assert not at.exception
    assert at.session_state["sel|baseline"] == "example_area"
    assert at.session_state["x|plan_base"] == "example_area"  # Plan capacity starts there
    assert at.session_state["sel|alternatives"] == ["example_area.integrated"]
    assert at.session_state["c|population"] == 100_000
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception and not at.error
    assert at.selectbox(key="sel|baseline").value == "example_area"


def test_fit_report_numbers_read_as_a_planner_writes_them():
    import pandas as pd

    from sim.area.fit import formatted_report

    report = pd.DataFrame({
        "unit": ["per year", "share", "patients (daily mean)"],
        "local": [25000.0, float("nan"), 122.0],
        "model_national": [24665.4, 0.2531, 87.43],
        "model_fitted": [24995.2, 0.249, 121.46]})
    out = formatted_report(report)
    assert out["local"].tolist() == ["25,000", "", "122.0"]
    assert out["model_national"].tolist() == ["24,665", "25.3%", "87.4"]
