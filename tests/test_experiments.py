"""Executors, resumable sweeps, the results store and the experiment scripts, on tiny problems."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.engine import ReplicationOutput
from sim.executors import (
    DaskExecutor,
    ProcessExecutor,
    ProgressBar,
    SerialExecutor,
    resolve_executor,
    shutdown,
)
from sim.results_io import collect_sweep, read_experiment
from sim.runner import Failure, run_tasks
from sim.stats import replications_needed

ROOT = Path(__file__).resolve().parent.parent
TINY = ["population.size=3000", "run.days=60", "run.warmup_days=30"]


def _py(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="module")
def tiny() -> sim.Params:
    return sim.load_scenario("fragmented", overrides=TINY)


@pytest.fixture(scope="module")
def dask_client():
    """A threaded LocalCluster with two workers, handed to sim as a Client."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=":0")
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()
    shutdown()


# ------------------------------------------------------------------------------------------
# Executors
# ------------------------------------------------------------------------------------------
def test_every_executor_gives_identical_results(tiny, dask_client):
    serial = sim.run(tiny, replications=4, seed=7, executor="serial")
    others = {
        "workers=2": sim.run(tiny, replications=4, seed=7, workers=2),
        "processes": sim.run(tiny, replications=4, seed=7, executor="processes", workers=2),
        "dask local cluster": sim.run(tiny, replications=4, seed=7, executor="dask", workers=2),
        "dask client": sim.run(tiny, replications=4, seed=7, executor=dask_client),
    }
    # Four different replications (at this size two can share an admissions count by chance).
    assert len(serial.kpis[["emergency_admissions", "acute_bed_days", "cost_total"]]
               .drop_duplicates()) == 4
    for name, res in others.items():
        pd.testing.assert_frame_equal(serial.kpis, res.kpis, obj=name)
        pd.testing.assert_frame_equal(serial.daily, res.daily, obj=name)
        pd.testing.assert_frame_equal(serial.costs, res.costs, obj=name)


def test_compare_on_dask_equals_serial(tiny, dask_client):
    alt = sim.load_scenario("trusted_assessor", overrides=TINY)
    a = sim.compare({"fragmented": tiny, "trusted_assessor": alt}, replications=3, seed=4)
    b = sim.compare({"fragmented": tiny, "trusted_assessor": alt}, replications=3, seed=4,
                    executor=dask_client)
    pd.testing.assert_frame_equal(a.differences(), b.differences())


def test_workers_alone_still_choose_local_processes():
    assert isinstance(resolve_executor(None, 1), SerialExecutor)
    ex = resolve_executor(None, 3)
    assert isinstance(ex, ProcessExecutor) and ex.workers == 3
    assert resolve_executor("processes", 2).describe() == "processes(2)"


def test_dask_executor_reports_its_cluster(dask_client):
    ex = resolve_executor(dask_client)
    assert isinstance(ex, DaskExecutor) and "2 worker threads" in ex.describe()


@pytest.mark.parametrize("bad", ["dsak", "Processes", "tcp:/host", 42, ["serial"]])
def test_bad_executor_is_a_config_error_naming_field_value_and_choices(tiny, bad):
    with pytest.raises(sim.ConfigError) as err:
        sim.run(tiny, replications=1, executor=bad)
    field, value, allowed = err.value.problems[0]
    assert field == "executor" and value == bad
    assert "serial" in allowed and "processes" in allowed and "dask" in allowed
    assert repr(bad) in str(err.value)


def test_workers_conflicting_with_executor_is_refused(tiny):
    with pytest.raises(sim.ConfigError, match="workers = 4"):
        sim.run(tiny, replications=1, workers=4, executor="serial")
    with pytest.raises(sim.ConfigError, match="cluster decides"):
        sim.run(tiny, replications=1, workers=2, executor="tcp://10.0.0.1:8786")


def test_cli_bad_executor_exits_2_with_clear_message(tmp_path):
    out = _py("-m", "sim", "scenario=mmc", "run.days=10", "executor=nope",
              f"output_dir={tmp_path}")
    assert out.returncode == 2
    assert "executor = 'nope'" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("executor", ["serial", "processes", "dask"])
def test_a_failing_replication_is_isolated_in_every_executor(tiny, executor, dask_client):
    # A negative seed makes SeedSequence raise inside the replication, wherever it runs.
    spec = dask_client if executor == "dask" else executor
    out = run_tasks([(tiny, 1, 0), (tiny, -1, 1), (tiny, 1, 2)], executor=spec,
                    workers=2 if executor == "processes" else 1)
    assert isinstance(out[0], ReplicationOutput) and isinstance(out[2], ReplicationOutput)
    assert isinstance(out[1], Failure)
    assert out[1].replication == 1 and out[1].seed == -1 and "ValueError" in out[1].error


def _die_on_three(x: int) -> int:
    if x == 3:
        os._exit(3)  # a worker process crashing, not an exception
    return x * 10


def test_a_dead_worker_process_becomes_failures_and_finished_work_is_kept():
    ex = ProcessExecutor(workers=2, batch_size=1)
    out = ex.map(_die_on_three, list(range(6)), on_error=lambda item, exc: ("failed", item))
    assert out[3] == ("failed", 3)
    assert all(r == i * 10 or r == ("failed", i) for i, r in enumerate(out))


def _pid(_: int) -> int:
    return os.getpid()


def _no_error(item, exc):
    raise exc


def test_a_pool_started_by_a_thread_outlives_the_thread():
    """The app starts its pool from threads that end (the warm-up, each run's reader); the
    next run must find the same workers, not pay for starting new ones."""
    import threading

    from sim import executors

    shutdown()
    first: list[int] = []
    starter = threading.Thread(
        target=lambda: first.extend(ProcessExecutor(workers=2).map(_pid, [0, 1], _no_error)))
    starter.start()
    starter.join()
    time.sleep(1.5)  # longer than a worker takes to notice that it should leave
    pool = executors._pools[2]
    assert pool.alive
    again = ProcessExecutor(workers=2).map(_pid, [0, 1, 2, 3], _no_error)
    assert executors._pools[2] is pool
    assert set(again) == {w.process.pid for w in pool.workers}
    assert set(first) <= set(again)


def test_progress_bar_shows_done_total_and_rate(capsys):
    with ProgressBar(desc="reps", disable=False) as bar:
        for k in range(1, 6):
            bar(k, 5)
    err = capsys.readouterr().err
    assert "5/5" in err and "rep/s" in err


# ------------------------------------------------------------------------------------------
# Sweeps: resume and one tidy table
# ------------------------------------------------------------------------------------------
SWEEP = ["--scenario", "mmc", "--grid", "acute.beds=84:96:4", "--grid", "arrivals.rate_per_day=18,20",
         "-r", "2", "--no-progress", "--no-plot", "run.days=30"]


def _table(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "table.csv")


def test_interrupted_sweep_resumes_to_the_uninterrupted_table(tmp_path):
    from experiments import capacity_sweep

    whole, broken = tmp_path / "whole", tmp_path / "broken"
    assert capacity_sweep.main([*SWEEP, "--out", str(whole)]) == 0
    reference = _table(whole)
    assert len(reference) == 4 * 2 * 2  # points x replications
    assert not reference.duplicated(["acute.beds", "arrivals.rate_per_day", "replication"]).any()

    assert capacity_sweep.main([*SWEEP, "--out", str(broken)]) == 0
    points = sorted((broken / "points").iterdir())
    import shutil

    shutil.rmtree(points[0])                                 # never written
    (points[1] / "manifest.json").unlink()                   # killed before its manifest
    (points[2] / "manifest.json").write_text("{not json")   # corrupted
    (broken / "manifest.json").unlink()                      # the experiment did not finish

    assert capacity_sweep.main([*SWEEP, "--out", str(broken)]) == 0
    manifest = json.loads((broken / "manifest.json").read_text())
    assert manifest["points_run"] == 3 and manifest["points_reused"] == 5
    pd.testing.assert_frame_equal(_table(broken), reference)
    assert manifest["executor"] == "serial" and len(manifest["spec_hash"]) == 12
    assert manifest["seed"] == 2026 and manifest["runtime_seconds"] >= 0
    assert "git_commit" in manifest and "package_version" in manifest

    back = read_experiment(broken)
    pd.testing.assert_frame_equal(back["table"], reference)
    summary = back["summary"]
    ok = summary.dropna()
    assert ((ok["ci_low"] <= ok["mean"]) & (ok["mean"] <= ok["ci_high"])).all()
    gathered = collect_sweep(broken / "points")
    assert len(gathered) == len(reference)
    assert list(gathered.columns[:3]) == ["acute.beds", "arrivals.rate_per_day", "scenario"]


def test_killed_sweep_finishes_on_rerun_with_no_missing_or_duplicated_rows(tmp_path):
    args = ["-m", "experiments.capacity_sweep", "--scenario", "mmc",
            "--grid", "acute.beds=80:110:2", "-r", "2", "--no-progress", "--no-plot",
            "run.days=365", "--out", str(tmp_path / "sweep")]
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    points = tmp_path / "sweep" / "points"
    deadline = time.time() + 60
    while time.time() < deadline and len(list(points.glob("*/manifest.json"))) < 3:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stored = len(list(points.glob("*/manifest.json")))
    assert 3 <= stored < 16, "the sweep should have been killed part way"
    assert not (tmp_path / "sweep" / "manifest.json").exists()

    out = _py(*args)
    assert out.returncode == 0, out.stderr
    assert f"{16 - stored} points run, {stored} read back" in out.stdout
    table = _table(tmp_path / "sweep")
    assert sorted(table["acute.beds"].unique()) == list(range(80, 111, 2))
    assert len(table) == 32 and not table.duplicated(["acute.beds", "replication"]).any()
    # the same as an uninterrupted run, point for point
    for beds in (80, 110):
        cfg = sim.load_scenario("mmc", ["run.days=365", f"acute.beds={beds}"])
        direct = sim.run(cfg, replications=2, seed=2026).kpis
        got = table[table["acute.beds"] == beds].reset_index(drop=True)
        np.testing.assert_allclose(got["acute_occupancy"], direct["acute_occupancy"], rtol=1e-12)


def test_hydra_multirun_with_joblib_launcher_collects_and_resumes(tmp_path):
    base = ["-m", "sim", "-m", "scenario=mmc", "replications=2", "run.days=20",
            f"output_dir={tmp_path}", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]
    first = _py(*base, "acute.beds=85,95")
    assert first.returncode == 0, first.stderr
    second = _py(*base, "acute.beds=85,95,105")
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("already finished") == 2
    # A point read back prints its summary as the readout states it: pounds as £42.3m.
    import re

    costs = [line for line in second.stdout.splitlines() if line.startswith("cost_total")]
    assert costs and all(re.search(r"£\d+(\.\d)?m", line) for line in costs), costs
    assert not re.search(r"\d{5,}\.\d", second.stdout), second.stdout
    table = collect_sweep(tmp_path)
    assert len(table) == 3 * 2
    assert sorted(table["acute.beds"].unique()) == [85, 95, 105]
    assert not table.duplicated(["acute.beds", "replication"]).any()
    assert {"scenario", "seed", "replication", "acute_occupancy", "run.days"} <= set(table.columns)
    assert "output_dir" not in table.columns and "replications" not in table.columns
    manifest = json.loads(next((tmp_path / "mmc").glob("*/manifest.json")).read_text())
    assert manifest["executor"] == "serial" and "job_num" in manifest


# ------------------------------------------------------------------------------------------
# The scripts
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["compare", "capacity_sweep", "sensitivity", "replications",
                                  "warmup", "levers"])
def test_every_script_has_help_with_examples(name, capsys):
    import importlib

    module = importlib.import_module(f"experiments.{name}")
    with pytest.raises(SystemExit) as done:
        module.main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "Examples" in text and f"python -m experiments.{name}" in text
    assert "--executor" in text and "--replications" in text


def test_compare_script_pairs_scenarios_and_reads_them_back(tmp_path):
    args = ["-m", "experiments.compare", "--scenarios", "fragmented", "trusted_assessor",
            "-r", "3", "--no-progress", "--out", str(tmp_path), *TINY]
    out = _py(*args)
    assert out.returncode == 0, out.stderr
    assert "Paired differences from fragmented" in out.stdout
    diff = pd.read_csv(tmp_path / "differences.csv").set_index(["scenario", "metric"])
    table = pd.read_csv(tmp_path / "table.csv")
    wide = table.pivot(index="replication", columns="scenario", values="delayed_discharge_days")
    # differences.csv holds totals per year, as every surface; table.csv each run as it ran.
    expected = (wide["trusted_assessor"] - wide["fragmented"]).mean() * 365 / 60
    row = diff.loc[("trusted_assessor", "delayed_discharge_days")]
    assert row["difference"] == pytest.approx(expected)
    assert row["ci_low"] <= row["difference"] <= row["ci_high"]
    again = _py(*args)
    assert "0 scenario(s) run, 2 read back" in again.stdout
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "differences.csv").set_index(
        ["scenario", "metric"]), diff)


def test_levers_plan_names_each_lever_the_scenario_sets():
    from experiments import levers

    base = sim.load_scenario("fragmented", overrides=TINY)
    full = levers.plan(base, sim.load_scenario("integrated", overrides=TINY))
    assert full.levers == list(levers.LEVERS) and full.kept == []
    # Taking a lever out puts its settings back as the baseline has them, and only those.
    out = full.without["key workers"].levers
    assert out.key_worker_coverage == 0 and out.risk_stratification_accuracy == \
        base.levers.risk_stratification_accuracy and out.trusted_assessor
    outage = levers.plan(base, sim.load_scenario("record_outage", overrides=TINY))
    assert outage.kept == ["record_outage"] and outage.other == []
    # Torbay also moves capacity; that shows as its own list, not as a lever.
    torbay = levers.plan(base, sim.load_scenario("torbay", overrides=TINY))
    assert torbay.other and all(not k.startswith("levers.") for k in torbay.other)
    with pytest.raises(sim.ConfigError, match="sets no lever differently"):
        levers.plan(base, base)


def test_levers_decomposition_is_paired_and_adds_up(tmp_path):
    """A one-lever scenario: taking its lever out gives the baseline's results to the last
    digit (same streams), so alone = last in = total and nothing is left for "together".
    In integrated, a shared care plan adds nothing to delays once trusted assessors do the
    receiving service's assessment (its only delay mechanism), but its record still costs."""
    from experiments import levers

    code = levers.main(["trusted_assessor", "-r", "2", "--no-progress", "--out",
                        str(tmp_path / "one"), *TINY])
    assert code == 0
    one = pd.read_csv(tmp_path / "one" / "levers.csv").set_index(["metric", "effect", "lever"])
    for metric in levers.METRICS:
        total = one.loc[(metric, "total", "all levers"), "mean"]
        assert one.loc[(metric, "last in", "trusted assessors"), "mean"] == total
        assert one.loc[(metric, "alone", "trusted assessors"), "mean"] == total
        assert one.loc[(metric, "together", "beyond the sum of last-in effects"), "mean"] == 0
    assert one.loc[("delayed_discharge_days", "total", "all levers"), "mean"] < 0

    code = levers.main(["integrated", "-r", "2", "--no-progress", "--out",
                        str(tmp_path / "all"), *TINY])
    assert code == 0
    full = pd.read_csv(tmp_path / "all" / "levers.csv").set_index(["metric", "effect", "lever"])
    assert full.loc[("delayed_discharge_days", "last in", "shared care plan"), "mean"] == 0
    assert full.loc[("cost_total", "last in", "shared care plan"), "mean"] > 0
    for metric in levers.METRICS:
        rows = full.loc[metric]
        summed = rows.loc["last in", "mean"].sum() + rows.loc[
            ("together", "beyond the sum of last-in effects"), "mean"]
        assert summed == pytest.approx(rows.loc[("total", "all levers"), "mean"])


def test_capacity_sweep_rejects_an_unknown_setting(tmp_path):
    from experiments import capacity_sweep

    with pytest.raises(sim.ConfigError, match="acute.bedz"):
        capacity_sweep.main(["--grid", "acute.bedz=1,2", "--out", str(tmp_path)])


def test_sensitivity_finds_the_input_that_matters_and_zero_for_one_that_cannot(tmp_path):
    from experiments import sensitivity

    # In the M/M/c verification model the trusted-assessor lever has nothing to act on, and
    # with common random numbers its indices must be exactly zero; the bed count drives
    # occupancy.
    code = sensitivity.main([
        "--scenario", "mmc", "--factors", "acute.beds", "levers.trusted_assessor",
        "--range", "acute.beds=80:100", "--metrics", "acute_occupancy",
        "--trajectories", "4", "--sobol-n", "8", "--no-progress", "--no-plot",
        "--out", str(tmp_path), "run.days=30"])
    assert code == 0
    sobol = pd.read_csv(tmp_path / "sobol.csv").set_index("factor")
    morris = pd.read_csv(tmp_path / "morris.csv").set_index("factor")
    assert sobol.loc["acute.beds", "ST"] > 0.5 and sobol.loc["acute.beds", "rank"] == 1
    assert sobol.loc["levers.trusted_assessor", "ST"] == 0.0
    assert morris.loc["levers.trusted_assessor", "mu_star"] == 0.0
    assert morris.loc["acute.beds", "mu_star"] > 0
    factors = pd.read_csv(tmp_path / "factors.csv").set_index("name")
    assert factors.loc["acute.beds", ["low", "high"]].tolist() == [80.0, 100.0]
    samples = pd.read_csv(tmp_path / "samples_sobol.csv")
    assert len(samples) == 8 * (2 + 2)
    assert samples["acute.beds"].between(80, 100).all()


def test_sensitivity_ranges_stay_within_the_schema(tmp_path):
    from experiments import sensitivity

    with pytest.raises(sim.ConfigError, match="schema"):
        sensitivity.main(["--scenario", "mmc", "--factors", "levers.pooled_budget_share",
                          "--range", "levers.pooled_budget_share=0:2", "--out", str(tmp_path)])


def test_replications_script_reaches_its_targets(tmp_path):
    from experiments import replications

    code = replications.main(["--scenario", "mmc", "--pilot", "3", "--target",
                              "acute_occupancy=2%", "--target", "emergency_admissions=15",
                              "--no-progress", "--out", str(tmp_path), "run.days=30"])
    assert code == 0
    report = pd.read_csv(tmp_path / "replications.csv").set_index("metric")
    table = pd.read_csv(tmp_path / "table.csv")
    n = int(report["replications"].iloc[0])
    assert len(table) == n and sorted(table["replication"]) == list(range(n))
    assert report["met"].all()
    assert (report["half_width"] <= report["target_half_width"]).all()
    pilot = table[table["replication"] < 3]
    assert report.loc["emergency_admissions", "needed_from_pilot"] == replications_needed(
        pilot["emergency_admissions"].tolist(), 15)


def test_warmup_methods_on_a_known_transient():
    from experiments.warmup import mser_truncation, welch_truncation

    rng = np.random.default_rng(1)
    y = np.concatenate([np.linspace(0, 100, 60), np.full(300, 100.0)]) + rng.normal(0, 2, 360)
    assert 45 <= mser_truncation(y) <= 75
    day, level = welch_truncation(y, w=5, tolerance=0.02)
    assert 45 <= day <= 70 and level == pytest.approx(100, abs=1)


def test_warmup_script_on_the_mmc_queue(tmp_path):
    from experiments import warmup

    code = warmup.main(["--scenario", "mmc", "-r", "4", "--horizon", "200", "--window", "5",
                        "--series", "acute_occupied", "--no-progress", "--no-plot",
                        "--out", str(tmp_path)])
    assert code == 0
    row = pd.read_csv(tmp_path / "warmup.csv").set_index("series").loc["acute_occupied"]
    # 20 arrivals a day staying 4 days on average: about 80 beds occupied, reached in weeks
    assert 70 <= row["level"] <= 90
    assert 0 < row["welch_days"] <= 40
    assert 0 < row["mser5_days_median_of_replications"] <= 40
    assert row["warmup_days"] == max(row["welch_days"], row["mser5_days"])
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["recommended_warmup_days"] == row["warmup_days"]
    assert "run.warmup_days=0" in manifest["spec"]["overrides"]


# ------------------------------------------------------------------------------------------
# Pounds as people read them: whole pounds, £k or £m, never floats or an axis offset
# ------------------------------------------------------------------------------------------
def test_sweep_prints_pounds_in_the_readout_format(tmp_path, capsys):
    import re

    from experiments import capacity_sweep

    args = ["--scenario", "fragmented", "--grid", "acute.beds=30,40", "-r", "2",
            "--no-progress", "--no-plot", "--out", str(tmp_path), "population.size=2000",
            "run.days=30", "run.warmup_days=10", "--metrics", "cost_total",
            "delayed_discharge_days"]
    assert capacity_sweep.main(args) == 0
    out = capsys.readouterr().out
    table = out.split("totals per year", 1)[1].split("results in", 1)[0]
    assert re.search(r"£\d[\d,.]*[km]? \(£\d[\d,.]*[km]? to £\d[\d,.]*[km]?\)", table), table
    assert not re.search(r"\d\.\d{3}\b", table), table  # no float with three decimals
    assert not re.search(r"\d{7,}", table.replace(",", "")), table  # no unformatted pounds


@pytest.mark.parametrize("low, high", [(1.116e8, 1.121e8), (9.2e6, 9.25e6), (4.0e5, 9.0e5),
                                       (11_200, 11_900)])
def test_sweep_money_axis_has_pound_ticks_and_no_offset(low, high):
    import re

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from experiments.capacity_sweep import format_axis

    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [low, (low + high) / 2, high])
    format_axis(ax, "cost_total")
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    plt.close(fig)
    assert ax.yaxis.get_offset_text().get_text() == ""
    assert labels and all(re.fullmatch(r"−?£\d[\d,]*(\.\d{1,2})?[km]?", t) for t in labels), labels
    assert len(set(labels)) == len(labels), labels  # one scale that tells the ticks apart
