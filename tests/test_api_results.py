"""The public API's tables, result folders and the command line's outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.errors import ConfigError, ReplicationError
from sim.results_io import atomic_write_text, read_results, safe_folder

ROOT = Path(__file__).resolve().parent.parent


def test_summary_interval_contains_mean_and_uses_t(small_run):
    s = small_run.summary()
    # unstable_day is NaN in a replication that never tipped into gridlock.
    assert (s.drop(index="unstable_day")["n"] == 3).all()
    ok = s.dropna()
    assert ((ok["ci_low"] <= ok["mean"]) & (ok["mean"] <= ok["ci_high"])).all()
    # t with 2 degrees of freedom: half-width = 4.303 * sd / sqrt(3)
    row = s.loc["emergency_admissions"]
    assert (row["ci_high"] - row["mean"]) == pytest.approx(4.3027 * row["std"] / 3 ** 0.5,
                                                           rel=1e-3)


def test_tables_have_the_documented_columns(small_run):
    assert {"replication", "day", "acute_occupied", "delayed_patients", "boarding"} <= set(
        small_run.daily.columns)
    assert list(small_run.delays_by_reason.columns) == ["replication", "reason", "delayed_days"]
    assert list(small_run.outcomes_by_group.columns) == [
        "replication", "group_kind", "group", "metric", "value", "person_years"]
    assert set(small_run.outcomes_by_group["group_kind"]) == {"age_band", "frailty"}
    assert {"service", "payer", "cost"} <= set(small_run.costs.columns)
    payers = small_run.cost_by_payer()
    assert set(payers.columns) <= {"nhs", "local_authority", "pooled"}


def test_comparison_differences_are_paired(small_fragmented):
    alt = sim.load_scenario("trusted_assessor",
                            overrides=["population.size=6000", "run.days=180",
                                       "run.warmup_days=60"])
    cmp = sim.compare({"fragmented": small_fragmented, "trusted_assessor": alt},
                      replications=3, seed=11)
    d = cmp.differences()
    a = cmp.results["fragmented"].kpis["delayed_discharge_days"]
    b = cmp.results["trusted_assessor"].kpis["delayed_discharge_days"]
    assert d.loc[("trusted_assessor", "delayed_discharge_days"), "difference"] == \
        pytest.approx((b - a).mean())
    assert list(cmp.summary().columns) == ["fragmented", "trusted_assessor"]
    with pytest.raises(ConfigError):
        cmp.differences(baseline="nope")


def test_write_and_read_back(tmp_path, small_run):
    folder = sim.write_results(small_run, root=tmp_path)
    assert folder.parent.parent == tmp_path.resolve()
    back = read_results(folder)
    pd.testing.assert_frame_equal(back["kpis"], small_run.kpis, check_dtype=False)
    m = back["manifest"]
    assert m["seed"] == 11 and m["replications"] == 3 and len(m["config_hash"]) == 16
    assert back["config"]["population"]["size"] == 6000


def test_incomplete_folder_is_refused(tmp_path):
    (tmp_path / "kpis.csv").write_text("a\n1\n")
    with pytest.raises(ConfigError, match="manifest"):
        read_results(tmp_path)


def test_names_cannot_escape_results(tmp_path):
    for bad in ("../x", "..", "a/b", "/etc", ""):
        with pytest.raises(ConfigError):
            safe_folder(tmp_path, bad)
    with pytest.raises(ConfigError):
        sim.load_scenario("fragmented", overrides=["name=../../etc"])


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "x.csv"
    atomic_write_text(target, "old")

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_failed_replication_is_reported_and_others_kept(small_fragmented, monkeypatch):
    import sim.runner as runner

    real = runner.run_replication

    def flaky(params, seed, replication):
        if replication == 1:
            raise RuntimeError("injected failure")
        return real(params, seed, replication)

    monkeypatch.setattr(runner, "run_replication", flaky)
    with pytest.raises(ReplicationError) as exc:
        sim.run(small_fragmented, replications=3, seed=11)
    err = exc.value
    assert err.replication == 1 and err.seed == 11 and "injected" in str(err)
    assert list(err.partial.kpis["replication"]) == [0, 2]
    kept = sim.run(small_fragmented, replications=3, seed=11, on_error="keep")
    assert kept.replications == 2 and kept.failures[0].replication == 1


def test_cli_run_writes_results_folder(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "sim", "scenario=mmc", "replications=2", "run.days=30",
         f"output_dir={tmp_path}"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        check=False)
    assert out.returncode == 0, out.stderr
    assert "acute_occupancy" in out.stdout
    folders = [p for p in (tmp_path / "mmc").iterdir()]
    assert len(folders) == 1
    manifest = json.loads((folders[0] / "manifest.json").read_text())
    assert manifest["replications"] == 2 and manifest["scenario"] == "mmc"
    assert "run.days=30" in manifest["overrides"]


def test_cli_compare_writes_paired_differences(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "sim", "compare", "scenarios=[fragmented,trusted_assessor]",
         "replications=2", "population.size=3000", "run.days=60", "run.warmup_days=30",
         f"output_dir={tmp_path}"], cwd=ROOT, capture_output=True, text=True, timeout=180,
        check=False)
    assert out.returncode == 0, out.stderr
    folder = next(tmp_path.glob("compare_*/*"))
    diff = pd.read_csv(folder / "differences.csv")
    assert set(diff["scenario"]) == {"trusted_assessor"}
    cfg = read_results(folder / "fragmented")["config"]
    assert cfg["population"]["size"] == 3000


def test_cli_multirun_sweep(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "sim", "-m", "scenario=mmc", "acute.beds=85,95",
         "replications=1", "run.days=20", f"output_dir={tmp_path}"],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert out.returncode == 0, out.stderr
    configs = sorted(read_results(p)["config"]["acute"]["beds"]
                     for p in (tmp_path / "mmc").iterdir())
    assert configs == [85, 95]
