"""Starting a run from today's census (issue 17, point 3)."""

from __future__ import annotations


import numpy as np
import pytest

import sim
from sim.census import CensusWatch, bin_of, residual_lognormal, start_note
from sim.engine import Model, run_replication
from sim.errors import ConfigError
from sim.params import CENSUS_DAY_BINS, Census
from sim.rng import Streams, replication_seed
from sim.stats import t_interval

SMALL = ["population.size=10000", "run.days=60"]


def _params(*extra):
    return sim.load_scenario("fragmented", overrides=[*SMALL, *extra])


def test_start_date_sets_weekday_and_day_of_financial_year():
    p = _params().model_copy(update={"census": None})
    p = sim.Params.model_validate({**p.model_dump(mode="json"),
                                   "census": {"start_date": "2026-11-27"}})
    assert p.run.start_weekday == 4  # a Friday
    assert p.run.start_day_of_year == (np.datetime64("2026-11-27") - np.datetime64("2026-04-01")
                                       ).astype(int)
    jan = sim.Params(census={"start_date": "2027-01-15"})
    assert jan.run.start_day_of_year == 289  # 1 April 2026 + 289 days


def test_bad_census_counts_are_named():
    with pytest.raises(ConfigError, match="census.in_treatment_by_days"):
        sim.load_scenario({"name": "x", "census": {"in_treatment_by_days": [1, 2]}})
    with pytest.raises(ConfigError, match="census.waiting_in_ae"):
        sim.load_scenario({"name": "x", "census": {"waiting_in_ae": -1}})
    p = _params().resolved()
    too_many = p.model_copy(update={"census": Census(in_treatment_by_days=[p.acute.beds, 1, 0, 0,
                                                                          0, 0])})
    with pytest.raises(ConfigError, match="acute.beds"):
        run_replication(too_many, 1, 0)


def test_bins_and_conditional_remaining_stay():
    assert [bin_of(d) for d in (0, 1.9, 2, 7.9, 8, 21.9, 22, 400)] == [0, 0, 1, 2, 3, 4, 5, 5]
    assert len(CENSUS_DAY_BINS) == 6
    gen = np.random.default_rng(3)
    median, sigma, elapsed = 2.1, 1.4, 9.0
    remaining = np.array([residual_lognormal(u, elapsed, median, sigma)
                          for u in gen.random(20000)])
    assert remaining.min() > 0
    # The same conditional distribution by rejection: stays longer than the days so far.
    los = median * np.exp(sigma * gen.standard_normal(2_000_000))
    kept = los[los > elapsed] - elapsed
    assert np.median(remaining) == pytest.approx(np.median(kept), rel=0.05)
    # Without conditioning the remaining stay would be far shorter.
    assert np.median(remaining) > 2 * median


def test_census_start_places_everybody_on_day_zero_without_warm_up():
    census = Census(start_date="2026-11-27", in_treatment_by_days=[8, 6, 5, 4, 2, 3],
                    ready_to_leave_p1=[0, 1, 2, 2, 1, 0], ready_to_leave_p3=[0, 0, 1, 1, 1, 2],
                    in_reablement=6, in_intermediate_care=5, in_interim_beds=2,
                    home_care_waiting=7, care_home_residents=300, waiting_in_ae=2)
    # Home care hours already taken by today's clients: the waiting list has to wait.
    # The fragmented defaults have no interim beds (no discharge to assess): this place has 5.
    p = _params("run.warmup_days=120", "home_care.hours_per_week=300",
                "intermediate_care.interim_beds=5").model_copy(
        update={"census": census})
    model = Model(p, Streams(replication_seed(5, 0)))
    assert model.start == 0.0
    model.run()
    model.check_invariants()
    day0 = model.rec.daily[0]
    # Beds are free, so the two waiting in A&E are admitted at once.
    assert census.in_acute() + 2 < p.resolved().acute.beds
    assert day0["acute_occupied"] == census.in_acute() + 2
    assert day0["delayed_patients"] == 11
    # Patients ready to leave who waited past their assessments take their place at once
    # (held while they wait for the transfer day).
    assert 6 <= day0["reablement_in_use"] <= 6 + 6
    assert day0["intermediate_care_in_use"] == 5
    assert day0["interim_beds_in_use"] >= 2
    assert day0["care_home_occupied"] == 300
    assert day0["home_care_waiting"] >= 7
    assert "no warm-up" in start_note(p) and "27 November 2026" in start_note(p)


def _mean_series(daily, keys):
    return [float(np.mean([d[k] for d in daily])) for k in keys]


CENSUS_KEYS = ("acute_occupied", "delayed_patients")
# Largest CI half-width allowed, as a share of the warmed-up mean: the check's power.
CENSUS_HALF_WIDTH = {"acute_occupied": 0.05, "delayed_patients": 0.25}


@pytest.fixture(scope="module")
def census_vs_warm():
    """Warm a model up for W days, read its census at day W, start a fresh run from that
    census on the same calendar day, and compare the next 45 days replication by replication
    (the census run reuses the warmed-up run's seed index); also a cold start (empty
    hospital, no warm-up) on the same days, to show the comparison can fail. Twelve
    replications: six could neither tell the delayed census's gap from zero nor narrow it to
    the check's power."""
    warm_up = 150
    p = sim.load_scenario("fragmented", overrides=["population.size=20000", "run.days=45",
                                                   f"run.warmup_days={warm_up}"])
    same_day = p.run.model_copy(update={"start_day_of_year": warm_up,
                                        "start_weekday": warm_up % 7})
    warm, started, cold = [], [], []
    for r in range(12):
        model = Model(p, Streams(replication_seed(11, r)))
        watch = CensusWatch(model)
        model.env.process(watch.at(warm_up))
        model.run()
        warm.append(_mean_series(model.rec.daily, CENSUS_KEYS))
        census = watch.census
        assert census.in_acute() > 0.6 * p.resolved().acute.beds  # a full ward to start from
        from_census = p.model_copy(update={"census": census, "run": same_day})
        started.append(_mean_series(run_replication(from_census, 23, r).daily, CENSUS_KEYS))
        empty = p.model_copy(update={"run": same_day.model_copy(update={"warmup_days": 0})})
        cold.append(_mean_series(run_replication(empty, 23, r).daily, CENSUS_KEYS))
    return tuple(np.array(x) for x in (warm, started, cold))


def _census_check(census_vs_warm, key: str):
    warm, started, _ = census_vs_warm
    j = CENSUS_KEYS.index(key)
    ci = t_interval((started[:, j] - warm[:, j]).tolist())
    mean = warm[:, j].mean()
    assert ci["ci_low"] <= 0.0 <= ci["ci_high"], (key, mean, ci)
    assert ci["ci_high"] - ci["ci_low"] <= 2 * CENSUS_HALF_WIDTH[key] * mean, (key, mean, ci)
    return ci, mean


def test_census_start_fills_the_ward_as_a_run_warmed_up_to_the_same_state(census_vs_warm):
    """The paired difference in acute beds in use over the 45 days: its 95% CI contains zero
    and is narrow. The people discharged home in the 30 days before the census are still at
    raised risk of readmission (sim.census._recent_discharges); without them the census run's
    ward was 4.7% emptier (95% CI 1.5% to 7.9%). Patients in treatment are drawn by admission
    rate times expected stay; drawn by a fixed frailty factor the census ward was frailer than
    the warmed-up one and 4.1% fuller (CI 0.9% to 7.3%)."""
    ci, mean = _census_check(census_vs_warm, "acute_occupied")
    # The check has power: a cold start is far outside that interval.
    cold = census_vs_warm[2][:, 0].mean()
    assert cold - mean < ci["ci_low"] - (ci["ci_high"] - ci["ci_low"]), cold


def test_census_start_holds_the_delayed_patients_of_a_warmed_up_run(census_vs_warm):
    """The same check for delayed patients. The census run has about 3% fewer over the 45
    days (-0.5 of 15.5, CI -2.7 to +1.7): a census gives the days each patient has waited,
    not the step they are at, so some restart their funding decision or rehabilitation-bed
    wait short. With care-home searches of 5 and 14 days the gap was 13% and its CI excluded
    zero; before the re-entry used the run's own discharge steps, 17%."""
    _census_check(census_vs_warm, "delayed_patients")


# ------------------------------------------------------------------------------------------
# A census file given on the command line or as an override: census=path/to/census.yaml
# ------------------------------------------------------------------------------------------
CENSUS_YAML = """\
start_date: 2026-11-27
in_treatment_by_days: [8, 6, 5, 4, 2, 3]
ready_to_leave_p1: [0, 1, 2, 2, 1, 0]
home_care_waiting: 7
waiting_in_ae: 2
"""


def _write(tmp_path, text, name="census.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_census_file_sets_the_census_block(tmp_path):
    plain = _write(tmp_path, CENSUS_YAML)
    wrapped = _write(tmp_path, "census:\n" + "".join(f"  {line}\n" for line in
                                                     CENSUS_YAML.splitlines()), "block.yml")
    want = Census(start_date="2026-11-27", in_treatment_by_days=[8, 6, 5, 4, 2, 3],
                  ready_to_leave_p1=[0, 1, 2, 2, 1, 0], home_care_waiting=7, waiting_in_ae=2)
    for path in (plain, wrapped):
        p = _params(f"census={path}")
        assert p.census == want
        # The start date dates the run, as a census written into a scenario does.
        assert p.run.start_weekday == 4
        assert p == _params().model_copy(update={"census": want}).model_validate(
            {**_params().model_dump(mode="json"), "census": want.model_dump(mode="json")})
    # census=null still removes it.
    assert _params(f"census={plain}", "census=null").census is None


@pytest.mark.parametrize("text, name, field, words", [
    (None, "missing.yaml", "census", "no such file"),
    (CENSUS_YAML, "census.txt", "census", ".yaml or .yml"),
    ("in_treatment: [1, 2]\n", "c.yaml", "census.in_treatment", "did you mean 'in_treatment_by_days'"),
    ("waiting_in_ae: -4\n", "c.yaml", "census.waiting_in_ae", "greater than or equal to 0"),
    ("in_treatment_by_days: [1, 2]\n", "c.yaml", "census.in_treatment_by_days", "6 items"),
    ("waiting_in_ae: [1\n", "c.yaml", "census", "not valid YAML"),
    ("- 1\n- 2\n", "c.yaml", "census", "mapping"),
    ("", "c.yaml", "census", "holds no census fields"),
    ("start_date: ${oc.env:HOME}\n", "c.yaml", "census", "interpolation"),
])
def test_bad_census_file_is_a_clear_error(tmp_path, text, name, field, words):
    path = tmp_path / name if text is None else _write(tmp_path, text, name)
    with pytest.raises(ConfigError) as exc:
        _params(f"census={path}")
    message = str(exc.value)
    assert words in message, message
    assert str(path) in message or path.name in message, message
    assert any(p[0] == field or p[0].startswith(field + ".") for p in exc.value.problems), \
        exc.value.problems


def test_command_line_takes_a_census_file(tmp_path):
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    path = _write(tmp_path, CENSUS_YAML)

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "sim", "scenario=fragmented",
                               "population.size=3000", "run.days=10", "replications=1",
                               f"output_dir={tmp_path / 'out'}", *args], cwd=root,
                              capture_output=True, text=True, timeout=180, check=False)

    # 34 people in acute beds do not fit the beds scaled to 3,000 people: refused before any
    # run starts, naming the census and the beds.
    small = cli(f"census={path}")
    assert small.returncode == 2 and "Traceback" not in small.stderr
    assert "census.in_treatment_by_days" in small.stderr
    assert re.search(r"more people than acute.beds = \d+", small.stderr), small.stderr
    ok = cli(f"census={path}", "acute.beds=60")
    assert ok.returncode == 0, ok.stderr
    assert "Started from the census of 27 November 2026 with no warm-up" in ok.stdout
    assert "results over 10 days;" in ok.stdout  # no warm-up is claimed
    bad = cli(f"census={tmp_path / 'nope.yaml'}")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "census" in bad.stderr and "no such file" in bad.stderr


def test_results_are_dated_from_the_census_not_after_a_warm_up():
    """A census start has no warm-up: its first results day is the census date on every
    surface (charts, monthly tables), not 1 April plus run.warmup_days."""
    from datetime import date, timedelta
    from types import SimpleNamespace

    import sim.readout as ro
    from sim.readout import planning

    dated = SimpleNamespace(params=sim.Params(census={"start_date": "2025-04-01"}))
    assert ro.nominal_date(dated, 0) == date(2025, 4, 1)
    assert ro.nominal_date(dated, 30) == date(2025, 5, 1)
    assert planning.start_date(dated) == (date(2025, 4, 1), True)
    warm = SimpleNamespace(params=sim.Params())
    assert ro.nominal_date(warm, 0) == date(2001, 4, 1) + timedelta(
        days=warm.params.run.start_day_of_year + warm.params.run.warmup_days)
    assert planning.start_date(warm)[1] is False
