"""The verification queue: kept from planners, and its CLI run shows the Erlang reference."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import sim
from sim.verification import erlang_comparison, mmc_expectations

ROOT = Path(__file__).resolve().parent.parent


def test_cli_prints_erlang_c_beside_the_simulated_values(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "sim", "scenario=mmc", "replications=2", "run.days=120",
         "run.warmup_days=20", f"output_dir={tmp_path}"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Erlang C" in text
    exp = mmc_expectations(20.0, 4.0, 90)
    for label, key in (("Bed occupancy", "queue_occupancy"),
                       ("Probability of waiting for a bed", "queue_wait_probability")):
        line = next(line for line in text.splitlines() if line.startswith(label))
        assert line.rstrip().endswith(f"{exp[key]:.1%}"), line
    wait = next(line for line in text.splitlines() if line.startswith("Mean wait for a bed"))
    assert re.search(rf"{exp['queue_mean_wait']:.3f}\s*$", wait), wait


def test_erlang_b_for_the_loss_system_and_nothing_for_the_real_model():
    res = sim.run(sim.load_scenario("mmc", ["acute.when_full=reject", "run.days=60",
                                            "run.warmup_days=10"]), replications=2)
    table = erlang_comparison(res)
    assert list(table.columns)[-1] == "Erlang B"
    assert "Probability of being diverted" in table.index
    small = sim.run(sim.load_scenario("fragmented", ["population.size=1000", "run.days=30",
                                                     "run.warmup_days=0"]), replications=1)
    assert erlang_comparison(small) is None


def test_the_app_does_not_offer_the_verification_queue():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    for options in (at.selectbox(key="sel|baseline").options,
                    at.multiselect(key="sel|alternatives").options):
        assert "Integrated care" in options  # offered by the planner's names
        assert not any("mmc" in o or "M/M/c" in o for o in options), options
