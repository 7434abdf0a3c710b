"""Shared fixtures: small, fast configurations of the real model."""

from __future__ import annotations

import pytest

import sim

SMALL = ["population.size=6000", "run.days=180", "run.warmup_days=60"]


@pytest.fixture(scope="session")
def small_fragmented() -> sim.Params:
    return sim.load_scenario("fragmented", overrides=SMALL)


@pytest.fixture(scope="session")
def small_run(small_fragmented) -> sim.Results:
    return sim.run(small_fragmented, replications=3, seed=11)
