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


@pytest.fixture(scope="session")
def small_fragmented() -> sim.Params:
    return sim.load_scenario("fragmented", overrides=SMALL)


@pytest.fixture(scope="session")
def small_run(small_fragmented) -> sim.Results:
    return sim.run(small_fragmented, replications=3, seed=11)
