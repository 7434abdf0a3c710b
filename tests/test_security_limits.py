"""Issue findings: hostile files and overrides, limits before a run, no finished work lost.

Every test here failed before its fix."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import sim
from sim import limits
from sim.config import parse_yaml_text
from sim.executors import ProcessExecutor, resolve_executor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers_workers  # noqa: E402

TINY = ["population.size=2000", "run.days=30", "run.warmup_days=0"]


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


# ---------------------------------------------------------------- (1) no interpolation
@pytest.mark.parametrize("text", ["${oc.env:HOME}", "${oc.decode:'1'}", "${nope}",
                                  "x ${oc.env:PATH} y"])
def test_file_interpolation_is_refused_with_the_field(text, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(f'description: "{text}"\n')
    with pytest.raises(sim.ConfigError) as exc:
        sim.load_scenario(path)
    assert "description" in str(exc.value) and os.environ.get("HOME", "/") not in str(exc.value)
    with pytest.raises(sim.ConfigError, match="description"):
        sim.load_scenario({"description": text})
    with pytest.raises(sim.ConfigError, match="description"):
        sim.load_scenario("fragmented", [f"description={text}"])


def test_cli_interpolation_is_one_line(tmp_path):
    out = _cli("scenario=mmc", "description=${oc.env:HOME}", f"output_dir={tmp_path}")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "description" in out.stderr and os.environ["HOME"] not in out.stderr + out.stdout


# ---------------------------------------------------------------- (2) limits and input
def test_projected_population_is_bounded():
    with pytest.raises(sim.ConfigError, match="after projection"):
        sim.load_scenario("fragmented", ["population.size=1000000",
                                         "population.projection_years=30",
                                         "population.growth_per_year=0.1"])


def test_work_replications_workers_seed_are_bounded(small_fragmented):
    with pytest.raises(sim.ConfigError, match="replications"):
        sim.run(small_fragmented, replications=10**9)
    with pytest.raises(sim.ConfigError, match="workers"):
        sim.run(small_fragmented, replications=2, workers=1000)
    big = sim.load_scenario("fragmented", ["population.size=5000000", "run.days=3650"])
    with pytest.raises(sim.ConfigError, match="person-years"):
        sim.run(big, replications=100)
    for seed in (-1, 1.5, "abc", True):
        with pytest.raises(sim.ConfigError, match="seed"):
            sim.run(small_fragmented, replications=1, seed=seed)


def test_alias_bomb_is_refused_fast():
    bomb = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
            'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n'
            'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n'
            'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n')
    assert len(bomb) <= 320
    t0 = time.perf_counter()
    with pytest.raises(sim.ConfigError, match="expands|anchors"):
        parse_yaml_text(bomb, "bomb")
    assert time.perf_counter() - t0 < 1.0


def test_duplicate_keys_deep_nesting_and_non_utf8_are_one_line(tmp_path):
    with pytest.raises(sim.ConfigError, match="appears twice"):
        parse_yaml_text("acute:\n  beds: 3\nacute:\n  beds: 4\n")
    with pytest.raises(sim.ConfigError, match="appears twice"):
        parse_yaml_text("acute:\n  beds: 3\n  beds: 4\n")
    deep = "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 3000))
    with pytest.raises(sim.ConfigError, match="nested"):
        parse_yaml_text(deep)
    path = tmp_path / "latin1.yaml"
    path.write_bytes("description: caf\xe9\n".encode("latin-1"))
    with pytest.raises(sim.ConfigError, match="UTF-8"):
        sim.load_scenario(path)


def test_defaults_in_a_users_file_are_honoured_or_refused(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("defaults: [integrated]\nname: mine\n")
    mine = sim.load_scenario(path)
    integrated = sim.load_scenario("integrated")
    assert mine.levers == integrated.levers and mine.name == "mine"
    path.write_text("defaults: [no_such_scenario]\n")
    with pytest.raises(sim.ConfigError, match="defaults"):
        sim.load_scenario(path)


def test_true_is_not_a_number():
    with pytest.raises(sim.ConfigError, match="population.size"):
        sim.load_scenario("fragmented", ["population.size=true"])


@pytest.mark.parametrize("bad", ["seed=1.5", "seed=-1", "seed=abc", "replications=abc",
                                 "workers=0"])
def test_cli_run_settings_are_one_line_errors(bad, tmp_path):
    out = _cli("scenario=mmc", "run.days=10", bad, f"output_dir={tmp_path}")
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and bad.split("=")[0] in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_experiment_workers_zero_is_refused():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "experiments.capacity_sweep", "--scenario",
                          "mmc", "--grid", "acute.beds=84", "--workers", "0"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 2 and "workers" in out.stderr and "Traceback" not in out.stderr


# ---------------------------------------------------------------- (3) no finished work lost
def test_a_dead_worker_costs_only_its_item_which_is_retried(tmp_path):
    marker = str(tmp_path / "died")
    ex = ProcessExecutor(workers=2)
    items = [(i, marker) for i in range(8)]
    out = ex.map(helpers_workers.die_once, items, on_error=lambda item, exc: ("failed", item))
    assert Path(marker).exists()  # a worker really died
    assert out == [i * 10 for i in range(8)]


def test_an_item_that_always_kills_its_worker_fails_alone():
    ex = ProcessExecutor(workers=2)
    items = [(i, "") for i in range(6)]
    out = ex.map(helpers_workers.always_die, items,
                 on_error=lambda item, exc: ("failed", type(exc).__name__))
    assert out[3] == ("failed", "WorkerDied")
    assert [r for i, r in enumerate(out) if i != 3] == [i * 10 for i in range(6) if i != 3]


def test_workers_die_with_their_parent(tmp_path):
    code = (
        "import sys; sys.path.insert(0, %r); sys.path.insert(0, %r)\n"
        "import helpers_workers\nfrom sim.executors import ProcessExecutor\n"
        "ProcessExecutor(workers=2).map(helpers_workers.report_pid_and_sleep,"
        " [(k, %r) for k in range(4)], lambda a, b: None)\n"
    ) % (str(ROOT), str(Path(__file__).parent), str(tmp_path))
    parent = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.time() + 60
    while time.time() < deadline and len(list(tmp_path.iterdir())) < 2:
        time.sleep(0.2)
    pids = {int(p.name) for p in tmp_path.iterdir()}
    assert len(pids) == 2
    parent.kill()
    parent.wait(timeout=10)
    deadline = time.time() + 10
    while time.time() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.2)
    assert not any(_alive(p) for p in pids)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_a_non_dask_service_fails_clearly_within_a_timeout():
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        t0 = time.perf_counter()
        with pytest.raises(sim.ConfigError, match="executor"):
            resolve_executor(f"tcp://127.0.0.1:{server.server_address[1]}")
        assert time.perf_counter() - t0 < 30
    finally:
        server.shutdown()


def test_a_real_scheduler_still_connects():
    import logging

    from distributed import LocalCluster

    from sim.executors import _probe_scheduler

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://",
                      host="127.0.0.1", dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster:
        _probe_scheduler(cluster.scheduler_address)  # greets first: accepted


def _unwritable(tmp_path: Path) -> Path:
    """A results folder that cannot be written, even by root: its parent is a file."""
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    return blocker / "results"


def test_an_unwritable_results_folder_is_refused_before_the_run(tmp_path):
    t0 = time.perf_counter()
    out = _cli("scenario=mmc", "run.days=10", f"output_dir={_unwritable(tmp_path)}")
    assert out.returncode == 2 and "output_dir" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and "mmc" not in out.stdout  # nothing ran
    out = _cli("compare", "scenarios=[mmc]", "run.days=10",
               f"output_dir={_unwritable(tmp_path)}")
    assert out.returncode == 2 and "output_dir" in out.stderr, out.stderr
    assert time.perf_counter() - t0 < 60


def test_a_write_failure_after_the_run_keeps_the_tables_and_says_where(tmp_path, capsys):
    from sim import cli

    def refuse():
        raise OSError(28, "No space left on device", str(tmp_path / "kpis.csv"))

    with pytest.raises(SystemExit) as exc:
        cli._write_or_keep(refuse, tmp_path)
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "No space left" in err and str(tmp_path) in err and "tables above" in err


def test_cli_compare_writes_what_finished_and_marks_what_failed(tmp_path):
    # Replication 1 raises inside the model (planted in this subprocess only).
    code = (
        "import json, sys\n"
        "import sim.runner as r\n"
        "real = r.run_replication\n"
        "def planted(p, s, i):\n"
        "    if i == 1: raise RuntimeError('planted failure')\n"
        "    return real(p, s, i)\n"
        "r.run_replication = planted\n"
        "sys.argv = ['sim', 'scenarios=[fragmented,trusted_assessor]', 'replications=3',"
        " 'population.size=2000', 'run.days=30', 'run.warmup_days=0', 'output_dir=%s']\n"
        "from sim.cli import main_compare\n"
        "main_compare()\n"
    ) % tmp_path
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, check=False,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 1, out.stderr[-2000:]
    assert "planted failure" in out.stderr and "Traceback" not in out.stderr
    folder = next(tmp_path.glob("compare_*/*"))
    for name in ("fragmented", "trusted_assessor"):
        data = sim.read_results(folder / name)
        assert sorted(data["kpis"]["replication"]) == [0, 2]
        assert [f["replication"] for f in data["manifest"]["failures"]] == [1]
    assert (folder / "differences.csv").is_file()


def test_capacity_sweep_with_one_replication_finishes(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "experiments.capacity_sweep", "--scenario",
                          "mmc", "--grid", "acute.beds=84,88", "-r", "1", "--no-progress",
                          "--no-plot", "--out", str(tmp_path), "run.days=30"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-2000:]


# ---------------------------------------------------------------- (4) model version
def test_stored_points_know_their_model(tmp_path, small_fragmented, monkeypatch):
    from sim import results_io

    res = sim.run(sim.load_scenario("mmc", ["run.days=10"]), replications=1, seed=1)
    key = results_io.point_key(res.params, 1, [0])
    assert f"-m{results_io.model_version()[:8]}-" in key
    folder = results_io.write_point(res, tmp_path / key)
    assert results_io.point_is_complete(folder, res.params, 1, [0])
    assert len(results_io.collect_sweep(tmp_path)) == 1
    monkeypatch.setattr(results_io, "_model_version", "another-model")
    assert not results_io.point_is_complete(folder, res.params, 1, [0])
    assert results_io.collect_sweep(tmp_path).empty
    assert len(results_io.collect_sweep(tmp_path, any_model=True)) == 1


def test_a_huge_multirun_is_refused_before_hydra_enumerates_it(tmp_path):
    grid = ",".join(str(b) for b in range(80, 230))
    rates = ",".join(str(r) for r in range(1, 101))
    t0 = time.perf_counter()
    out = _cli("-m", "scenario=mmc", f"acute.beds={grid}", f"arrivals.rate_per_day={rates}",
               f"output_dir={tmp_path}")
    assert out.returncode == 2 and "15,000 points" in out.stderr, out.stderr[-500:]
    assert time.perf_counter() - t0 < 30 and not (tmp_path / "mmc").exists()


def test_an_experiment_that_cannot_write_says_so_in_one_line(capsys):
    from experiments.common import main_guard

    def main(argv):
        raise OSError(28, "No space left on device", "/results/points/x/kpis.csv")

    with pytest.raises(SystemExit) as exc:
        main_guard(main)
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "No space left" in err and "resume" in err and len(err.strip().splitlines()) == 1
