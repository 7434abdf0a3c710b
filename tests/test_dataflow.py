"""One-way data flow: pure KPIs, blank capacities resolved once, no import circles or
shadowed names."""

from __future__ import annotations

import ast
import importlib
import math
import pkgutil
from pathlib import Path

import pytest

import sim
from sim.engine import Model
from sim.metrics import compute_kpis, replication_costs
from sim.rng import Streams, replication_seed

SIM = Path(sim.__file__).resolve().parent


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        (isinstance(a[k], float) and math.isnan(a[k]) and math.isnan(b[k])) or a[k] == b[k]
        for k in a)


def test_kpis_are_a_pure_function_of_the_records():
    p = sim.load_scenario("integrated", ["population.size=4000", "run.days=60",
                                         "run.warmup_days=10"])
    m = Model(p, Streams(replication_seed(3, 0)))
    m.run()
    m.check_invariants()
    booked = dict(m.rec.costs)
    first, costs = compute_kpis(m), replication_costs(m)
    second, again = compute_kpis(m), replication_costs(m)
    assert _same(first, second) and costs == again
    assert dict(m.rec.costs) == booked  # nothing written back into the recorder
    assert first["cost_total"] == pytest.approx(sum(costs.values()))
    assert first["cost_total"] > 0


def test_blank_capacities_stay_blank_and_resolve_in_one_place():
    p = sim.load_scenario("fragmented", ["population.size=10000"])
    assert p.acute.beds is None and p.care_home.beds is None
    r = p.resolved()
    assert r.acute.beds == 67 and r.blank_capacities() == frozenset()  # square-root rule
    assert p.acute.beds is None  # resolving does not touch the scenario
    # A written config keeps the blank, so a bigger population still scales it.
    dumped = p.model_dump(mode="json")
    assert dumped["acute"]["beds"] is None
    bigger = sim.load_scenario(dumped, ["population.size=20000"])
    assert bigger.resolved().acute.beds == 126  # square-root rule, sim.params.default_capacity
    # The engine is the only library module that fills blanks (the report and app ask
    # Params.resolved for display).
    fillers = [f.name for f in SIM.rglob("*.py")
               if "CAPACITY_PER_50K" in f.read_text() and f.name not in ("params.py", "docs.py")]
    assert fillers == [], fillers


def test_runner_and_executors_do_not_import_each_other():
    tree = ast.parse((SIM / "executors.py").read_text())
    names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any("runner" in n for n in names), names


def test_no_import_replaces_the_function_sim_compare():
    names = [info.name for info in pkgutil.walk_packages(sim.__path__, "sim.")]
    for name in names:
        if not name.endswith("__main__"):
            importlib.import_module(name)
    assert callable(sim.compare) and sim.compare is sim.runner.compare
    assert "sim.compare" not in names and not (SIM / "compare").exists()
