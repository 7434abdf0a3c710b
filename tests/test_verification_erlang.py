"""The model reduced to one queue must match Erlang B and Erlang C, through the real patient path.

``scenario=mmc`` sends Poisson arrivals of textbook people through ``Hospital.episode``, the
code every admission uses (queue in A&E, or diversion at the door when
``acute.when_full=reject``; the length of stay from ``acute.los_distribution``), so these
checks verify the admission code itself, not a copy of it.

Tolerances come from the replications themselves: the formula must lie inside the 99.9%
Student-t confidence interval of the replication mean (a fixed seed makes the check
deterministic; the wide level keeps it from being tuned to one lucky draw). The interval is
also required to be narrow relative to the value tested, so a test cannot pass merely by
being imprecise.
"""

from __future__ import annotations

import pytest

import sim
from sim.engine import Model
from sim.pathways.hospital import Hospital
from sim.rng import Streams, replication_seed
from sim.stats import t_interval
from sim.verification import erlang_b, erlang_c, mmc_expectations

LEVEL = 0.999
BEDS = 20
STAY = 2.0  # mean length of stay, days
DAYS = 1000
REPLICATIONS = 20

# Largest relative half-width of the CI that still makes the comparison a test. Waiting is
# rare at low load and heavy-tailed at high load, so its mean is the noisiest measure.
MAX_REL_HALF = {"acute_occupancy": 0.02, "acute_waited_share": 0.15,
                "acute_mean_wait_days": 0.35, "acute_diverted_share": 0.15}


def _ci(results, metric):
    return t_interval(results.kpis[metric].tolist(), LEVEL)


def _mmc(rate: float, when_full: str = "queue", days: float = DAYS, beds: int = BEDS,
         stay: float = STAY, extra: tuple[str, ...] = ()):
    return sim.load_scenario("mmc", overrides=[
        f"arrivals.rate_per_day={rate!r}", f"acute.beds={beds}", f"acute.los_mean_days={stay!r}",
        f"acute.when_full={when_full}", f"run.days={days:g}", *extra])


def _check(res, exp, pairs):
    for metric, key in pairs:
        ci = _ci(res, metric)
        half = (ci["ci_high"] - ci["ci_low"]) / 2
        assert half < MAX_REL_HALF[metric] * exp[key], f"{metric}: CI too wide to test ({ci})"
        assert ci["ci_low"] <= exp[key] <= ci["ci_high"], (metric, exp[key], ci)


def test_erlang_formulas_known_values():
    # Textbook values: B(1, 1) = 1/2; B(2, 1) = 1/5; C(2, 1) = 1/3.
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)


@pytest.fixture(scope="module", params=[0.7, 0.85, 0.95], ids=lambda r: f"rho={r}")
def queue_run(request):
    rate = request.param * BEDS / STAY
    cfg = _mmc(rate)
    return cfg, sim.run(cfg, replications=REPLICATIONS, seed=20260)


def test_erlang_c_queue(queue_run):
    cfg, res = queue_run
    exp = mmc_expectations(cfg.arrivals.rate_per_day, cfg.acute.los_mean_days, cfg.acute.beds)
    _check(res, exp, [("acute_occupancy", "queue_occupancy"),
                      ("acute_waited_share", "queue_wait_probability"),
                      ("acute_mean_wait_days", "queue_mean_wait")])
    # A textbook queue: nobody dies, nobody comes back.
    assert res.kpis["deaths"].max() == 0.0 and res.kpis["readmissions_30d"].max() == 0.0


@pytest.mark.parametrize("offered_load", [16.0, 20.0])
def test_erlang_b_loss(offered_load):
    cfg = _mmc(offered_load / STAY, when_full="reject")
    res = sim.run(cfg, replications=REPLICATIONS, seed=20261)
    exp = mmc_expectations(cfg.arrivals.rate_per_day, cfg.acute.los_mean_days, cfg.acute.beds)
    _check(res, exp, [("acute_occupancy", "loss_occupancy"),
                      ("acute_diverted_share", "loss_blocking")])
    # Nobody waits when arrivals are diverted instead.
    assert res.kpis["acute_waited_share"].max() == 0.0
    assert res.kpis["ed_boarding_hours"].max() == 0.0


def test_little_law_on_verification_queue(queue_run):
    """L = lambda W for beds plus A&E queue, replication by replication, from observed data."""
    cfg, res = queue_run
    k = res.kpis
    days = cfg.run.days
    in_system = k["acute_occupancy"] * cfg.acute.beds + k["ed_boarding_hours"] / 24.0 / days
    lam = k["acute_arrivals"] / days
    w = k["acute_mean_los_days"] + k["acute_mean_wait_days"]
    rel = ((in_system - lam * w) / in_system).tolist()
    ci = t_interval(rel, LEVEL)
    # Edge effects of a finite window are O(W / T); the mean must be inside that bound.
    bound = 3 * cfg.acute.los_mean_days / days
    assert abs(ci["mean"]) < bound, ci
    assert ci["ci_low"] - bound <= 0.0 <= ci["ci_high"] + bound


def test_mmc_with_a_different_load():
    """Another operating point: light load, few servers (the formulas are not special-cased)."""
    cfg = _mmc(3.0, beds=4, stay=1.0, days=1500)
    res = sim.run(cfg, replications=10, seed=7)
    exp = mmc_expectations(3.0, 1.0, 4)
    ci = _ci(res, "acute_waited_share")
    assert ci["ci_low"] <= exp["queue_wait_probability"] <= ci["ci_high"]
    ci = _ci(res, "acute_occupancy")
    assert ci["ci_low"] <= exp["queue_occupancy"] <= ci["ci_high"]


# ------------------------------------------------------------------ the path under test
def _counted(monkeypatch, cls, name):
    calls = []
    real = getattr(cls, name)

    def wrapper(self, person, *args, **kwargs):
        calls.append(person)
        return real(self, person, *args, **kwargs)

    monkeypatch.setattr(cls, name, wrapper)
    return calls


@pytest.mark.parametrize("when_full", ["queue", "reject"])
def test_every_verification_arrival_goes_through_episode(monkeypatch, when_full):
    episodes = _counted(monkeypatch, Hospital, "episode")
    stays = _counted(monkeypatch, Hospital, "length_of_stay")
    p = _mmc(9.5, when_full=when_full, days=200, extra=("run.warmup_days=0",))
    model = Model(p, Streams(replication_seed(11, 0)))
    model.run()
    model.check_invariants()
    n = model.entrants
    assert n > 1500
    assert len(episodes) == n and len({q.pid for q in episodes}) == n
    # Everyone given a bed drew their stay from the one sampler; nobody else did.
    diverted = model.rec.counts.get("acute_diverted", 0.0)
    assert len(stays) == n - diverted - len(model.hospital.beds.waiting)
    assert (diverted > 0) == (when_full == "reject")
    assert model.departures == n - model.hospital.beds.in_use - len(model.hospital.beds.waiting)


def test_the_length_of_stay_setting_applies_to_the_real_model(monkeypatch):
    """acute.los_distribution is not a verification-only switch: population runs use it."""
    stays = _counted(monkeypatch, Hospital, "length_of_stay")
    p = sim.load_scenario("fragmented", overrides=[
        "population.size=3000", "run.days=60", "run.warmup_days=0",
        "acute.los_distribution=exponential", "acute.los_mean_days=3"])
    model = Model(p, Streams(replication_seed(3, 0)))
    model.run()
    model.check_invariants()
    assert len(stays) == model.rec.counts["emergency_admissions"] > 20
    # Every admitted person's stay came from the exponential with the configured mean.
    admitted = list(stays)
    monkeypatch.undo()
    lengths = [model.hospital.length_of_stay(q) for q in admitted for _ in range(20)]
    assert sum(lengths) / len(lengths) == pytest.approx(3.0, rel=0.1)


def test_conservation_is_checked_in_the_verification_queue(monkeypatch):
    """In mmc, arrivals = departures + people inside, by place; a lost departure is caught."""
    from sim.errors import InvariantError

    p = _mmc(9.0, days=60)
    model = Model(p, Streams(replication_seed(2, 0)))
    model.run()
    model.check_invariants()
    assert model.deaths == 0 and not model.people  # textbook people keep no register
    real_depart = Model.depart

    def uncounted(self, person):  # leaves its place but is never counted out
        real_depart(self, person)
        self.departures -= 1

    monkeypatch.setattr(Model, "depart", uncounted)
    broken = Model(p, Streams(replication_seed(2, 0)))
    broken.run()
    with pytest.raises(InvariantError, match="not conserved"):
        broken.check_invariants()
    # Someone who never leaves their bed in the books is caught by the bed check.
    monkeypatch.setattr(Model, "depart", lambda self, person: None)
    stuck = Model(p, Streams(replication_seed(2, 0)))
    stuck.run()
    with pytest.raises(InvariantError, match="acute beds"):
        stuck.check_invariants()
