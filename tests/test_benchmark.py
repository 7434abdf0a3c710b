"""The benchmark's table, its M/M/c baselines, and what the model's cost grows with.

No wall-clock assertions: speed is measured by ``python -m experiments.benchmark``; these
tests check what the benchmark measures and the properties behind the performance targets.
"""

from __future__ import annotations

import math

import pytest

import sim
from experiments import benchmark
from sim.engine import Model, run_replication
from sim.pathways.community import Community
from sim.rng import Streams, replication_seed

# Nobody at home ever has a crisis, dies, gets frailer, is referred or ends a package, and
# everybody is 85+ (no birthday into a new age band): a population with nothing pending.
IDLE = [
    "population.age_mix.age_65_74=0", "population.age_mix.age_75_84=0",
    "population.age_mix.age_85_plus=1", "population.growth_per_year=0",
    "community.crisis_rate_per_year=0", "community.mortality_per_year_65_74=0",
    "community.care_home_mortality_per_year=0",
    "community.care_home_admissions_per_resident_year=0",
    "community.frailty_progression_per_year_65_74=0",
    "community.frailty_progression_per_year_75_84=0",
    "community.frailty_progression_per_year_85_plus=0",
    "community.home_care_referral_per_year_mild=0",
    "community.home_care_referral_per_year_moderate=0",
    "community.home_care_referral_per_year_severe=0",
    "community.care_home_direct_per_year_severe=0", "home_care.package_end_per_year=0",
    # A starting client who finds no hours waits, and a wait has a give-up time pending.
    "home_care.waiting_give_up_days=0",
]


def _events(overrides: list[str]) -> int:
    return run_replication(sim.load_scenario("fragmented", overrides=overrides), 1, 0).events


def test_quick_benchmark_writes_the_expected_table(tmp_path):
    # This checkout doubles as the baseline version: the table must pair the two timings.
    rows = benchmark.main(["--quick", "--sizes", "3000", "--parallel-size", "3000",
                           "--parallel-replications", "2", "--out", str(tmp_path),
                           "--baseline", str(benchmark.ROOT)])
    assert all(set(r) == set(benchmark.COLUMNS) for r in rows)
    keys = {(r["part"], r["case"], r["metric"]) for r in rows}
    for case in ("model", "simpy"):
        assert ("mmc", case, "customers_per_s") in keys
    assert ("mmc", "model/simpy", "throughput_ratio") in keys
    for metric in ("warmup_days", "seconds_median", "admissions_per_s", "events_per_s",
                   "events_per_person_year", "peak_rss_mb"):
        assert ("model", "fragmented n=3000", metric) in keys
    assert ("parallel", "2 replications, n=3000", "speed_up") in keys
    assert ("model/baseline", "fragmented n=3000", "time_ratio") in keys
    by_key = {(r["part"], r["case"], r["metric"]): r["value"] for r in rows}
    # Same code, same seed: the baseline run must simulate exactly the same admissions.
    assert (by_key[("baseline", "fragmented n=3000", "admissions")]
            == by_key[("model", "fragmented n=3000", "admissions")])
    assert all(r["value"] > 0 for r in rows if r["metric"] != "admissions")
    header = (tmp_path / "table.csv").read_text().splitlines()[0]
    assert header == ",".join(benchmark.COLUMNS)
    assert (tmp_path / "table.txt").exists() and (tmp_path / "manifest.json").exists()


def test_simpy_skeleton_and_model_serve_the_same_queue():
    """Same arrivals, stays and beds: customers served agree within Poisson noise. The model's
    customers are people admitted by ``Hospital.episode``, so the throughput ratio in the
    table is that of the real admission path."""
    p = benchmark.mmc_params(365)
    rate, stay, beds, horizon = benchmark._mmc_shape(p)
    assert (rate, stay, beds) == (20.0, 4.0, 90)
    model = benchmark.run_model_mmc(p, seed=3)
    bare = benchmark.run_simpy_mmc(rate, stay, beds, horizon, seed=4)
    expected = rate * horizon - rate * stay  # arrivals less those still inside at the end
    for served in (model, bare):
        assert abs(served - expected) < 5 * math.sqrt(expected)
    assert abs(model - bare) < 5 * math.sqrt(model + bare)


def test_ciw_serves_the_same_queue():
    pytest.importorskip("ciw")
    p = benchmark.mmc_params(365)
    rate, stay, beds, horizon = benchmark._mmc_shape(p)
    model = benchmark.run_model_mmc(p, seed=3)
    ciw_served = benchmark.run_ciw_mmc(rate, stay, beds, horizon, seed=5)
    assert abs(model - ciw_served) < 5 * math.sqrt(model + ciw_served)


def test_people_with_nothing_pending_cost_no_events():
    """Ten times the people or twice the days: only the daily census adds events."""
    base = _events(IDLE + ["population.size=2000", "run.days=100"])
    assert _events(IDLE + ["population.size=20000", "run.days=100"]) == base
    longer = _events(IDLE + ["population.size=20000", "run.days=200"])
    # One census and one bed-meeting check a day, one weekly hand-over of pending events
    # and one weekly step of the population accounts; nothing per person.
    assert longer - base <= 2 * 100 + 2 * 100 / 7 + 5


def test_events_grow_with_person_years_not_faster():
    """The live model's events per simulated person-year do not depend on its size."""
    per_person_year = []
    for size in (3000, 12000):
        # Beds with headroom at both sizes: a small system queues more in A&E (more events
        # per person for queueing reasons, not for the cost of the population).
        p = sim.load_scenario("fragmented", overrides=[f"population.size={size}",
                                                      "run.days=180",
                                                      f"acute.beds={size // 100}"])
        years = p.population.projected_size * (p.run.warmup_days + p.run.days) / 365.0
        per_person_year.append(run_replication(p, 2, 0).events / years)
    assert per_person_year[1] == pytest.approx(per_person_year[0], rel=0.1)


@pytest.mark.parametrize("scenario", ["fragmented", "integrated"])
def test_array_start_up_matches_scheduling_one_person_at_a_time(monkeypatch, scenario):
    """schedule_start is an optimisation of calling schedule for everybody: same results."""
    p = sim.load_scenario(scenario, overrides=["population.size=3000", "run.days=120"])

    def outcome():
        model = Model(p, Streams(replication_seed(5, 1)))
        model.run()
        return model.rec.counts, model.env.scheduled, [q.draws for q in model.people]

    fast = outcome()
    monkeypatch.setattr(Community, "schedule_start", lambda self, start, rates: [
        self.schedule(q) for q in start.people])
    assert outcome() == fast
