"""Property-based tests over the parameter schema (Hypothesis).

Any generated configuration is either rejected up front with a ConfigError that names the
offending field, or accepted and run to completion with every invariant holding (the run
checks conservation of people, capacities, delay bookkeeping and Little's law itself).
Examples are tiny (a few hundred people, a few weeks) so 150 run in CI in about half a minute.
"""

from __future__ import annotations

import math
import typing

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.config import load_scenario
from sim.engine import run_replication
from sim.errors import ConfigError
from sim.params import iter_fields

TINY = {"population.size": (20, 300), "run.days": (1, 30), "run.warmup_days": (0, 10)}
SKIP = {"name", "description", "place", "run.max_boarding_queue", "census", *TINY}


def _bounds(info):
    lo = hi = None
    for meta in info.metadata:
        lo = getattr(meta, "ge", lo)
        hi = getattr(meta, "le", hi)
    return lo, hi


def _leaves():
    out = []
    for path, info, ann in iter_fields():
        if path in SKIP or path.endswith(("_effect", "avoided_admissions", "calendar")):
            continue
        out.append((path, info, ann))
    return out


LEAVES = _leaves()


@st.composite
def override(draw):
    path, info, ann = draw(st.sampled_from(LEAVES))
    args = typing.get_args(ann)
    if ann is bool:
        return path, draw(st.booleans()), True
    if typing.get_origin(ann) is typing.Literal:
        if draw(st.integers(0, 9)) == 0:
            return path, "nonsense", False
        return path, draw(st.sampled_from(args)), True
    lo, hi = _bounds(info)
    is_int = ann is int or int in args
    lo = -1e6 if lo is None else lo
    hi = 1e6 if hi is None else hi
    if draw(st.integers(0, 4)) == 0:  # one in five values is outside the allowed range
        value = draw(st.sampled_from([lo - 1, hi + 1]))
        return path, (int(value) if is_int else float(value)), False
    if is_int:
        return path, draw(st.integers(int(math.ceil(lo)), int(min(hi, lo + 500)))), True
    return path, draw(st.floats(lo, min(hi, lo + 500), allow_nan=False)), True


@st.composite
def scenario(draw):
    chosen = draw(st.lists(override(), min_size=1, max_size=4, unique_by=lambda o: o[0]))
    tiny = [f"{k}={draw(st.integers(a, b))}" for k, (a, b) in TINY.items()]
    return draw(st.sampled_from(["fragmented", "integrated", "home_first"])), chosen, tiny


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_any_config_is_rejected_clearly_or_runs_with_invariants(case):
    name, chosen, tiny = case
    overrides = tiny + [f"{path}={value!r}" if isinstance(value, str) else f"{path}={value}"
                        for path, value, _ in chosen]
    invalid = {path for path, _, valid in chosen if not valid}
    try:
        cfg = load_scenario(name, overrides=overrides)
    except ConfigError as exc:
        named = {p[0] for p in exc.problems}
        # The error names a field the example set (or the block holding a cross-field rule).
        assert any(any(n == path or path.startswith(n + ".") or n.startswith(path)
                       for n in named) for path, _, _ in chosen), (str(exc), chosen)
        return
    assert not invalid, f"accepted out-of-range values {invalid}"
    out = run_replication(cfg, 1, 0)  # raises InvariantError if any invariant breaks
    k = out.kpis
    assert k["emergency_admissions"] >= 0 and k["deaths"] >= 0
    assert k["cost_total"] >= 0
    if not math.isnan(k["acute_occupancy"]):
        assert 0 <= k["acute_occupancy"] <= 1 + 1e-9


SMALL = ["population.size=400", "run.days=60", "run.warmup_days=20"]


@pytest.mark.parametrize("capacity, reason, count", [
    # Admissions are decided at the door with or without beds; nobody reaches a bed.
    ("acute.beds", None, "acute_arrivals"),
    ("social_work.staff", "awaiting assessment", None),
    ("reablement.slots", "reablement / home care", "reablement_starts"),
    ("intermediate_care.beds", "intermediate care", "intermediate_care_admissions"),
    ("home_care.hours_per_week", "reablement / home care", None),
    ("care_home.beds", "care home", "care_home_admissions"),
])
def test_zero_capacity_of_a_service_runs_and_shows_the_queue(capacity, reason, count):
    # Large enough that every pathway is used in the window.
    size = ["population.size=4000", "run.days=120", "run.warmup_days=30"]
    base = run_replication(load_scenario("fragmented", size), 1, 0)
    out = run_replication(load_scenario("fragmented", [*size, f"{capacity}=0"]), 1, 0)
    if count is not None:
        assert out.kpis[count] == 0  # nobody gets the service ...
    if reason is not None:          # ... and people wait in hospital for it instead
        assert out.delays_by_reason[reason] > base.delays_by_reason[reason]
    else:
        assert out.kpis["ed_boarding_hours"] > 0 and math.isnan(out.kpis["acute_occupancy"])
        assert out.kpis["emergency_admissions"] > 0 and out.kpis["unstable"] == 1


def test_every_lever_on():
    overrides = [*SMALL, "levers.shared_care_plan=true", "levers.trusted_assessor=true",
                 "levers.discharge_to_assess_share=1", "levers.seven_day_assessment=true",
                 "levers.key_worker_coverage=1", "levers.self_management_coverage=1",
                 "levers.neighbourhood_team=true", "levers.pooled_budget_share=1",
                 "levers.record_outage.outages_per_year=50"]
    out = run_replication(load_scenario("fragmented", overrides), 1, 0).kpis
    assert out["cost_pooled"] > 0
    assert out["cost_local_authority"] >= 0


def test_population_of_one():
    out = run_replication(load_scenario("fragmented", [
        "population.size=1", "run.days=365", "run.warmup_days=0"]), 1, 0)
    assert out.kpis["population_mean"] <= 30  # one person plus the few who turn 65


def test_horizon_of_one_day():
    out = run_replication(load_scenario("fragmented", [
        "population.size=2000", "run.days=1", "run.warmup_days=0"]), 1, 0)
    assert len(out.daily) == 1
    assert out.kpis["deaths"] >= 0


def test_ten_year_horizon():
    cfg = load_scenario("fragmented", ["population.size=300", "run.days=3650",
                                       "run.warmup_days=0"])
    out = run_replication(cfg, 1, 0)
    assert len(out.daily) == 3650
    assert out.kpis["population_mean"] > 250  # the population renews itself


def test_saturation_is_flagged_and_the_run_stops():
    """Demand far beyond capacity: the A&E queue is capped and the run says it is unstable."""
    cfg = load_scenario("fragmented", ["population.size=3000", "run.days=365",
                                       "run.warmup_days=0", "acute.beds=2",
                                       "run.max_boarding_queue=50"])
    out = run_replication(cfg, 1, 0)
    assert out.kpis["unstable"] == 1.0
    assert len(out.daily) < 365  # stopped early instead of growing without bound


def test_unstable_flag_is_clear_in_results():
    res = sim.run(load_scenario("fragmented", ["population.size=3000", "run.days=200",
                                               "run.warmup_days=0", "acute.beds=2",
                                               "run.max_boarding_queue=50"]), replications=2)
    assert (res.kpis["unstable"] == 1.0).all()
