"""Key outcomes by age band and frailty: conserved against the replication's own totals,
saved and loaded with the other tables, read out with intervals, shown in the report."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import sim
from sim import readout as ro
from sim import report as board
from sim.engine import run_replication
from sim.groups import AGE_BAND_NAMES, COUNTED, GROUP_COLUMNS, GROUP_METRICS, GroupBook
from sim.params import Census
from sim.population import FRAILTY_NAMES, HOME, Person
from sim.results_io import read_results, write_results

SMALL = ["population.size=6000", "run.days=240", "run.warmup_days=60", "acute.beds=96"]
SMALL_DAYS = 240.0
REL = 1e-9  # float sums in another order: equal to rounding, not bit for bit


@pytest.fixture(scope="module")
def cmp() -> sim.Comparison:
    return sim.compare({n: sim.load_scenario(n, overrides=SMALL)
                        for n in ("fragmented", "integrated")}, replications=3, seed=11)


def _check_conserved(kpis: dict, rows: pd.DataFrame, days: float) -> None:
    """Over the age bands, and again over the frailty levels, every outcome adds up to the
    replication's own total."""
    person_years = kpis["population_mean"] * days / 365.0
    for kind, names in (("age_band", AGE_BAND_NAMES), ("frailty", FRAILTY_NAMES)):
        part = rows[rows["group_kind"] == kind]
        assert sorted(part["group"].unique()) == sorted(names)
        total = part.groupby("metric")["value"].sum()
        for m in COUNTED:
            assert total[m] == kpis[m], (kind, m)  # counts: exactly
        assert total["delayed_discharge_days"] == pytest.approx(
            kpis["delayed_discharge_days"], rel=REL)
        # Days at home: person-days at home, the KPI's numerator.
        assert total["days_at_home"] == pytest.approx(
            kpis["days_at_home"] * person_years, rel=REL)
        years = part.drop_duplicates("group").set_index("group")["person_years"]
        assert (years > 0).all()
        assert years.sum() == pytest.approx(person_years, rel=REL)


def test_group_totals_equal_the_replication_totals(cmp):
    for res in cmp.results.values():
        table = res.outcomes_by_group
        assert list(table.columns) == GROUP_COLUMNS
        assert len(table) == res.replications * len(GROUP_METRICS) * (3 + 4)
        for r, k in res.kpis.set_index("replication").iterrows():
            assert k["emergency_admissions"] > 0 and k["delayed_discharge_days"] > 0
            _check_conserved(k.to_dict(), table[table["replication"] == r],
                             res.params.run.days)


def test_groups_differ_as_age_and_frailty_say(cmp):
    """The split is not a share-out: the oldest and frailest die and are admitted more."""
    rates = ro.group_rates(cmp.results["fragmented"])
    mean = rates.groupby(["group", "metric"])["rate"].mean()
    for m in ("deaths", "emergency_admissions"):
        assert mean[("85+", m)] > 2 * mean[("65-74", m)], m
        assert mean[("severe", m)] > 2 * mean[("fit", m)], m
    assert mean[("severe", "days_at_home")] < mean[("fit", "days_at_home")]


def test_conserved_from_a_census_start():
    """A census start books its ready-to-leave patients' delays (and starts at day 0)."""
    census = Census(start_date="2026-11-27", in_treatment_by_days=[8, 6, 5, 4, 2, 3],
                    ready_to_leave_p1=[0, 1, 2, 2, 1, 0], ready_to_leave_p3=[0, 0, 1, 1, 1, 2],
                    in_reablement=6, in_intermediate_care=4, care_home_residents=300)
    p = sim.load_scenario("fragmented", overrides=["population.size=8000", "run.days=60"]
                          ).model_copy(update={"census": census})
    out = run_replication(p, 3, 0)
    rows = pd.DataFrame([(0, *r) for r in out.outcomes_by_group], columns=GROUP_COLUMNS)
    _check_conserved(out.kpis, rows, p.run.days)


def test_verification_queue_has_no_groups():
    p = sim.load_scenario("mmc", overrides=["run.days=30"])
    res = sim.run(p, replications=1, seed=1)
    assert res.kpis["emergency_admissions"].iloc[0] > 0
    assert res.outcomes_by_group.empty
    assert ro.outcomes_by_group_table(sim.Comparison({"mmc": res}, 1, "mmc")).empty


def test_a_person_moving_up_a_band_takes_their_days_with_them():
    book = GroupBook(0.0, 10.0)
    person = Person(0, 0.0, 0, 2, 1, False, False, 0.0)
    book.joined(person, 0.0)
    person.band = 1
    book.regrouped(person, 4.0, 0, 2)   # moved up at day 4, at home
    person.location = 2                  # admitted at day 6
    book.at_home(person, 6.0, -1.0)
    book.close(10.0)
    rows = {(k, g, m): (v, y) for k, g, m, v, y in book.rows()}
    assert rows[("age_band", "65-74", "days_at_home")] == (4.0, 4.0 / 365.0)
    assert rows[("age_band", "75-84", "days_at_home")] == (2.0, 6.0 / 365.0)
    assert rows[("frailty", "moderate", "days_at_home")] == (6.0, 10.0 / 365.0)
    assert person.location != HOME


# ------------------------------------------------------------------------------------------
def test_results_round_trip_keeps_the_table(cmp, tmp_path):
    res = cmp.results["integrated"]
    folder = write_results(res, root=tmp_path)
    back = read_results(folder)["outcomes_by_group"]
    pd.testing.assert_frame_equal(back, res.outcomes_by_group, check_dtype=False)
    saved = sim.write_comparison(cmp, root=tmp_path / "cmp")
    loaded, _meta = board.load_comparison(saved)
    pd.testing.assert_frame_equal(ro.outcomes_by_group_table(loaded),
                                  ro.outcomes_by_group_table(cmp), check_dtype=False)


def test_a_folder_saved_before_groups_still_loads(cmp, tmp_path):
    saved = sim.write_comparison(cmp, root=tmp_path)
    for name in cmp.results:
        (saved / name / "outcomes_by_group.csv").unlink()
    assert "outcomes_by_group" not in read_results(saved / "fragmented")
    loaded, _meta = board.load_comparison(saved)
    for res in loaded.results.values():
        assert res.outcomes_by_group.empty and list(res.outcomes_by_group.columns) == GROUP_COLUMNS
    assert ro.outcomes_by_group_table(loaded).empty
    assert ro.outcomes_by_group_display(ro.outcomes_by_group_table(loaded)).empty
    html = board.render_html(loaded)
    assert "Flows and capacity" in html and "Who gains and who loses" not in html


# ------------------------------------------------------------------------------------------
def test_readout_table_has_intervals_and_planner_names(cmp):
    table = ro.outcomes_by_group_table(cmp)
    assert {"mean", "ci_low", "ci_high", "difference", "diff_ci_low", "diff_ci_high",
            "verdict", "people"} <= set(table.columns)
    assert set(table["group_label"]) == {"Aged 65-74", "Aged 75-84", "Aged 85 and over", "Fit",
                                         "Mild frailty", "Moderate frailty", "Severe frailty"}
    assert "Emergency admissions" in set(table["label"])
    assert set(table["unit"]) == {"per 1,000 person-years", "days per person per year"}
    # One cell by hand: deaths per 1,000 person-years among the 85+ under integrated care.
    rows = {n: r.outcomes_by_group.query("group == '85+' and metric == 'deaths'")
            .set_index("replication") for n, r in cmp.results.items()}
    rate = {n: 1000.0 * r["value"] / r["person_years"] for n, r in rows.items()}
    cell = table.query("scenario == 'integrated' and group == '85+' and metric == 'deaths'"
                       ).iloc[0]
    assert cell["mean"] == pytest.approx(rate["integrated"].mean(), rel=1e-12)
    diff = rate["integrated"] - rate["fragmented"]
    assert cell["difference"] == pytest.approx(diff.mean(), rel=1e-12)
    assert cell["diff_ci_low"] < cell["difference"] < cell["diff_ci_high"]
    assert cell["ci_low"] < cell["mean"] < cell["ci_high"]
    # Baseline rows carry no change.
    base = table[table["is_baseline"]]
    assert base["difference"].isna().all() and len(base) == len(table) / 2
    # Mean people in the group: the person-years spread over the results period.
    people = table.query("scenario == 'fragmented' and group == '85+'")["people"].iloc[0]
    years = cmp.results["fragmented"].outcomes_by_group.query("group == '85+'")
    assert people == pytest.approx(years.groupby("replication")["person_years"].first().mean()
                                   * 365.0 / SMALL_DAYS, rel=1e-12)
    shown = ro.outcomes_by_group_display(table)
    assert len(shown) == 7 * 6
    assert {"Group", "Outcome", "fragmented", "integrated", "Change, integrated",
            "Verdict, integrated"} <= set(shown.columns)
    assert all(" to " in c for c in shown["Change, integrated"])


def test_report_shows_the_table(cmp):
    html = board.render_html(cmp)
    flows = html[html.index('id="flows"'):]
    flows = flows[:flows.index("</section>")]
    assert "Who gains and who loses: outcomes by age band and frailty" in flows
    for label in ("Aged 85 and over", "Severe frailty", "per 1,000"):
        assert label in flows, label
    # The 85+ baseline rate of emergency admissions, as the readout gives it.
    table = ro.outcomes_by_group_table(cmp)
    cell = table.query("scenario == 'fragmented' and group == '85+' and "
                       "metric == 'emergency_admissions'")["mean"].iloc[0]
    assert f"{cell:,.0f}" in flows
    assert not math.isnan(cell)
    summary = html[html.index('id="summary"'):html.index('id="who-pays"')]
    assert "age band" not in summary.lower()


def test_group_levels_that_do_not_add_up_are_an_error():
    from sim.errors import InvariantError

    book = GroupBook(0.0, 10.0)
    person = Person(0, 0.0, 2, 3, 1, False, False, 0.0)
    book.joined(person, 1.0)
    book.check(alive=1.0, at_home=1.0)
    with pytest.raises(InvariantError, match="people alive by age band"):
        book.check(alive=2.0, at_home=1.0)
    book.left(person, 2.0)
    book.left(person, 3.0)  # a second death of the same person
    with pytest.raises(InvariantError):
        book.check(alive=-1.0, at_home=-1.0)
