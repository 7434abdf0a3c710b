"""Calibration and held-out targets: the file, the separation of the lists, and the model
against both at fixed seeds.

Targets, published values, bands and why each band is that wide are data, in
evidence/calibration_targets.csv. The checks use the mean over replications, as the
validation report does; a fixed seed makes them deterministic. Where the model misses a target
today the check is an expected failure naming the issue that should fix it, so progress shows
as XPASS without anyone moving a band.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import sim
import sim.validation as V
from sim.validation import (all_targets, compare, distance, load_targets, model_quantities,
                            status_line)

# What may be fitted (volumes, and the split of long-stay waits by reason, which each delay
# reason is calibrated to) and what is held out (other shapes, money).
CALIBRATION = {
    "admissions_per_1000", "ae_attendances_per_1000", "los_mean", "los_over_7d_share",
    "los_over_7d_bed_day_share", "los_over_21d_share", "los_over_21d_bed_day_share",
    "readmission_share", "deaths_per_1000", "in_hospital_death_share", "care_home_death_share",
    "nctr_per_100k", "pathway_p0_share", "pathway_p1_share", "pathway_p2_share",
    "pathway_p3_new_share", "pathway_p3_back_share", "care_home_admissions_per_100k",
    "dta_over_4h_share", "delay_share_home_care", "delay_share_intermediate_care",
    "delay_share_care_home",
}
HELD_OUT = {
    "delay_share_internal_equipment", "delay_share_assessment_funding",
    "discharges_delayed_share", "nctr_mean_wait", "weekend_discharge_share",
    "dta_over_12h_share", "acute_occupancy", "care_home_occupancy",
    "home_care_undelivered_share", "ascof_2b1", "ascof_2b2", "ascof_2d", "chc_conversion",
    "council_spend_gross_per_head", "council_spend_net_per_head", "nhs_spend_per_head",
}
# Targets the model misses today at the size and seed below (see docs/validation/).
MISSES_TODAY = {
    "los_mean", "los_over_21d_share", "in_hospital_death_share", "pathway_p3_new_share",
    "care_home_admissions_per_100k", "acute_occupancy", "ascof_2b1", "ascof_2b2",
    "dta_over_12h_share",
    # 17% of admissions wait over 4 hours from the decision to admit (published 25%): the
    # model's waits are few and long (12-hour waits are inside their band).
    "dta_over_4h_share",
    # 12 delayed patients per 100,000 people (published 22.6, band from 15.8): the model's wait
    # per discharge is inside its band (1.1 days), but it holds people 65+ only.
    "nctr_per_100k",
    # GBP 902 per person 65+ at 50,000 people, at the band's lower edge (900); 899 at the size
    # of these tests. Fewer people leave hospital with a council-funded package or placement
    # since the pathway split was fitted to the national one.
    "council_spend_gross_per_head",
}
SIZE = ["population.size=20000"]
SEED = 2026


def _cases(role: str) -> list:
    targets = load_targets(role)
    cases = []
    for tid, t in targets.iterrows():
        fix = "" if t["fix_issue"] != t["fix_issue"] else f"issue {int(t['fix_issue'])}"
        fixed_by = f"fixed by {fix}" if fix else "a recalibration candidate, no issue yet"
        if t["published"] != t["published"]:
            marks = pytest.mark.skip(reason=f"no published figure found: {t['era_note']}")
        elif tid in MISSES_TODAY:
            marks = pytest.mark.xfail(strict=False, reason=f"model misses today; {fixed_by}")
        elif tid not in V.MODELLED:
            marks = pytest.mark.xfail(strict=False, reason=f"not modelled yet; {fixed_by}")
        else:
            marks = ()
        cases.append(pytest.param(tid, marks=marks, id=tid))
    return cases


@pytest.fixture(scope="module")
def small_res():
    cfg = sim.load_scenario("fragmented", overrides=[
        "population.size=5000", "run.days=200", "run.warmup_days=60"])
    return sim.run(cfg, replications=2, seed=1, workers=1)


@pytest.fixture(scope="module")
def seeded_res():
    return sim.run(sim.load_scenario("fragmented", overrides=SIZE), replications=3, seed=SEED,
                   workers=2)


# ------------------------------------------------------------------------------ the file
def test_targets_file_is_complete_and_consistent():
    cal, held = load_targets("calibration"), load_targets("held_out")
    assert set(cal.index) == CALIBRATION
    assert set(held.index) == HELD_OUT
    both = all_targets()
    assert {"published", "low", "high", "year", "era_note", "band_reason", "source",
            "fix_issue", "changes"} <= set(both.columns)
    found = both[both["published"].notna()]
    assert (found["low"] <= found["published"]).all()
    assert (found["published"] <= found["high"]).all()
    assert found["low"].notna().all() and found["year"].str.len().gt(0).all()
    missing = both[both["published"].isna()]
    assert missing["low"].isna().all() and missing["high"].isna().all()
    # Every row says why its band is that wide (or why it has none) and where it came from.
    assert both["band_reason"].str.len().gt(10).all()
    assert both["source"].str.len().gt(5).all()
    assert both["era_note"].str.len().gt(5).all()


def test_loader_refuses_an_unknown_role():
    with pytest.raises(ValueError, match="role='all'"):
        load_targets("all")


def test_distance_refuses_held_out_targets(small_res):
    with pytest.raises(ValueError, match="calibration targets only"):
        distance(small_res, load_targets("held_out"))


# ------------------------------------------------------------------------------ separation
class _Sealed(dict):
    """A held-out row: its role may be looked at, nothing else."""

    def __getitem__(self, key):
        if key != "role":
            raise AssertionError(f"held-out target {dict.get(self, 'id')!r} was read ({key})")
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def _refuse(self, *a, **k):
        raise AssertionError(f"held-out target {dict.get(self, 'id')!r} was read")

    values = items = copy = __iter__ = _refuse


@pytest.fixture
def sealed_held_out(monkeypatch):
    real = V._target_rows

    def rows(path=V.TARGETS_FILE):
        for row in real(path):
            yield _Sealed(row) if row["role"] == "held_out" else row
    monkeypatch.setattr(V, "_target_rows", rows)


def test_the_seal_works(sealed_held_out):
    """The guard itself: reading the held-out list through it fails loudly."""
    with pytest.raises(AssertionError, match="was read"):
        load_targets("held_out")


def test_calibration_command_never_reads_a_held_out_target(sealed_held_out, small_res,
                                                           monkeypatch, tmp_path, capsys):
    from experiments import calibrate

    monkeypatch.setattr(calibrate.sim, "run", lambda *a, **k: small_res)
    monkeypatch.setattr(calibrate, "RESULTS_ROOT", tmp_path)
    assert calibrate.main(["--evaluations", "3", "--replications", "1"]) == 0
    out = capsys.readouterr().out
    assert "calibration targets inside their band" in out
    for tid in HELD_OUT:
        assert tid not in out


# ------------------------------------------------------------------------------ the model
def test_quantities_are_scaled_to_the_population():
    """Doubling the population doubles counts but not rates: targets are per head."""
    small = sim.run(sim.load_scenario("fragmented", overrides=[
        "population.size=10000", "run.days=200", "run.warmup_days=60"]), replications=2, seed=1)
    big = sim.run(sim.load_scenario("fragmented", overrides=[
        "population.size=20000", "run.days=200", "run.warmup_days=60"]), replications=2, seed=1)
    a = model_quantities(small).mean()
    b = model_quantities(big).mean()
    for name in ("admissions_per_1000", "ae_attendances_per_1000", "deaths_per_1000"):
        assert b[name] == pytest.approx(a[name], rel=0.1), name
    assert big.kpis["emergency_admissions"].mean() == pytest.approx(
        2 * small.kpis["emergency_admissions"].mean(), rel=0.1)


@pytest.fixture(scope="module")
def held_out_table(seeded_res):
    return compare(seeded_res, load_targets("held_out"))


@pytest.fixture(scope="module")
def calibration_table(seeded_res):
    return compare(seeded_res, load_targets("calibration"))


@pytest.mark.parametrize("target", _cases("held_out"))
def test_held_out_target_inside_its_band(held_out_table, target):
    row = held_out_table.loc[target]
    assert row["status"] == "inside", row[["model_mean", "low", "high", "status"]].to_dict()


@pytest.mark.parametrize("target", _cases("calibration"))
def test_calibration_target_inside_its_band(calibration_table, target):
    row = calibration_table.loc[target]
    assert row["status"] == "inside", row[["model_mean", "low", "high", "status"]].to_dict()


def test_every_target_has_a_status(seeded_res):
    assert set(model_quantities(seeded_res).columns) == V.MODELLED
    table = compare(seeded_res, all_targets())
    assert set(table.index) == CALIBRATION | HELD_OUT
    allowed = ("inside", "outside", "not modelled yet (", "no published figure")
    assert all(s.startswith(allowed) for s in table["status"])
    # A comparison is made exactly where there is a figure and a model value.
    assert (table["within"].notna() == table["status"].isin(["inside", "outside"])).all()


def test_pathways_are_compared_as_the_national_data_count_them(seeded_res):
    """A care-home resident going back to their own bed counts as pathway 0 (DHSC Annex B),
    and so does a home care client whose package restarts with the same hours (no new or
    additional support); the model's returns are all at the same level of care, so the
    SitRep's "back to an existing care home" (a return with new needs) is not modelled, not
    compared."""
    k = seeded_res.kpis.set_index("replication")
    q = model_quantities(seeded_res)
    paths = k[["pathway_P0", "pathway_P1", "pathway_P2", "pathway_P3", "pathway_P3_back"]]
    assert (k["pathway_P3_back"] > 0).all()
    assert (k["pathway_P1_restart"] > 0).all() and (k["pathway_P1_restart"] < k["pathway_P1"]).all()
    expected = ((paths["pathway_P0"] + paths["pathway_P3_back"] + k["pathway_P1_restart"])
                / paths.sum(axis=1))
    np.testing.assert_allclose(q["pathway_p0_share"], expected)
    np.testing.assert_allclose(q["pathway_p1_share"],
                               (paths["pathway_P1"] - k["pathway_P1_restart"]) / paths.sum(axis=1))
    shares = q[[f"pathway_{x}_share" for x in ("p0", "p1", "p2", "p3_new")]].sum(axis=1)
    np.testing.assert_allclose(shares, 1.0)
    table = compare(seeded_res, all_targets())
    assert table.loc["pathway_p3_back_share", "status"].startswith("not modelled yet")


# ------------------------------------------------------------------------------ the status line
def test_status_line_reads_the_summary(tmp_path):
    path = tmp_path / "status.json"
    counts = {"calibration": {"inside": 3, "targets": 5, "outside": 1, "not_modelled": 1,
                              "no_figure": 0},
              "held_out": {"inside": 1, "targets": 4, "outside": 3, "not_modelled": 0,
                           "no_figure": 0}}
    path.write_text(json.dumps({"date": "2026-01-02", "counts": counts}))
    assert status_line(path) == ("Calibration: 3 of 5 inside (1 not modelled yet); "
                                 "held-out: 1 of 4 inside (2026-01-02)")
    assert "no current validation summary" in status_line(tmp_path / "absent.json")


def test_readme_shows_the_committed_status():
    readme = (V.REPO / "README.md").read_text(encoding="utf-8")
    assert status_line() + "." in readme


def test_status_line_adds_the_backcast_count_beside_it(tmp_path):
    counts = {"calibration": {"inside": 3, "targets": 5, "outside": 2, "not_modelled": 0,
                              "no_figure": 0},
              "held_out": {"inside": 1, "targets": 4, "outside": 3, "not_modelled": 0,
                           "no_figure": 0}}
    (tmp_path / "status.json").write_text(json.dumps({"date": "2026-01-02", "counts": counts}))
    (tmp_path / "backcast.json").write_text(json.dumps(
        {"date": "2026-01-03", "counts": {"inside": 3, "near": 4, "outside": 3}}))
    assert status_line(tmp_path / "status.json").endswith(
        "; back-casts of real programmes: 3 of 10 inside the published range, 4 near "
        "(2026-01-03)")
