"""Shared fixtures: small, fast configurations of the real model."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

import sim

# The app learns this machine's speed from its runs; the tests' tiny runs (mostly start-up)
# must not teach a developer's own app a speed many times too slow.
os.environ.setdefault("CARESIM_SPEED_FILE",
                      str(Path(tempfile.mkdtemp(prefix="caresim-tests-")) / "speed.json"))

SMALL = ["population.size=6000", "run.days=180", "run.warmup_days=60"]


@pytest.fixture(autouse=True)
def _keep_main_module():
    """Streamlit's AppTest runs a script as ``__main__`` and leaves it there; a process pool
    started later in the same test worker would then re-run that temporary script in every
    child it spawns and the children die. Put the real ``__main__`` back after each test."""
    import sys

    main = sys.modules.get("__main__")
    yield
    if main is not None and sys.modules.get("__main__") is not main:
        sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def small_fragmented() -> sim.Params:
    return sim.load_scenario("fragmented", overrides=SMALL)


@pytest.fixture(scope="session")
def small_run(small_fragmented) -> sim.Results:
    return sim.run(small_fragmented, replications=3, seed=11)
