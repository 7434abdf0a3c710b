"""Invariants that catch planted faults (experiments/mutation.py): people conserved across
each transfer, costs booked to the payer that funds the service, and each lever tested on
the step it acts on."""

from __future__ import annotations

import pytest

import sim
from sim.engine import Model
from sim.errors import InvariantError
from sim.metrics import FUNDED_BY, check_payers
from sim.pathways.care_home import CareHomes
from sim.pathways.discharge import Discharge
from sim.population import INTERMEDIATE_CARE
from sim.rng import Streams, replication_seed

SMALL = ["population.size=8000", "run.days=365", "run.warmup_days=30"]
# Reaches the intermediate care -> care home exit, which no shipped scenario reaches:
# everyone goes through discharge to assess, nobody recovers in intermediate care and the
# days waited cost function, so many leave intermediate care for a care home.
IC_TO_CARE_HOME = ["levers.discharge_to_assess_share=1",
                   "intermediate_care.function_recovery_share=0",
                   "discharge.deconditioning_per_day=0.1"]


def _model(name: str, overrides: list[str], seed: int = 1) -> Model:
    p = sim.load_scenario(name, [*SMALL, *overrides])
    return Model(p, Streams(replication_seed(seed, 0)))


def test_intermediate_care_to_care_home_exit_is_reached_and_conserves_people(monkeypatch):
    exits = []
    real = CareHomes.admit

    def admit(self, person, service):
        if person.location == INTERMEDIATE_CARE:
            exits.append(person.pid)
        return real(self, person, service)

    monkeypatch.setattr(CareHomes, "admit", admit)
    m = _model("fragmented", IC_TO_CARE_HOME)
    m.run()
    m.check_invariants()  # includes conservation across intermediate care transfers
    assert len(exits) >= 5, "the exit to a care home should be exercised"


def test_a_person_lost_in_a_transfer_breaks_the_invariant():
    m = _model("fragmented", IC_TO_CARE_HOME)
    m.run()
    m.check_invariants()
    # Beds given back while their holders never moved on: what a dropped transfer leaves.
    m.intermediate_care.beds.in_use = m.loc[INTERMEDIATE_CARE].level - 1
    with pytest.raises(InvariantError, match="transfer"):
        m.check_invariants()


@pytest.mark.parametrize("name", ["fragmented", "integrated", "home_first"])
def test_every_cost_is_booked_to_a_payer_that_funds_the_service(name):
    res = sim.run(sim.load_scenario(name, ["population.size=4000", "run.days=120",
                                           "run.warmup_days=20"]), replications=1, seed=2)
    by = res.costs.groupby(["service", "payer"])["cost"].sum()
    check_payers(dict(by.items()))
    paid = {s: set(g.index.get_level_values("payer")) for s, g in by.groupby(level="service")}
    # The services every run uses are paid by their own payer.
    assert paid["acute"] == {"nhs"} and paid["a_and_e"] == {"nhs"}
    assert "local_authority" in paid["home_care"] and "nhs" not in paid["home_care"]
    assert "nhs" in paid["intermediate_care"] and "local_authority" not in paid["intermediate_care"]
    assert paid["social_work"] == {"local_authority"}
    with pytest.raises(InvariantError, match="home_care"):
        check_payers({("home_care", "nhs"): 1.0})
    assert set(paid) <= set(FUNDED_BY)


@pytest.mark.parametrize("seven_day", [False, True])
def test_seven_day_working_acts_on_the_transfer_step(seven_day):
    m = _model("fragmented", [f"levers.seven_day_assessment={str(seven_day).lower()}"])
    weekend = next(t + 0.5 for t in range(7) if m.cal.next_working_time(t + 0.5) > t + 0.5)
    m.env.run(until=weekend)
    done = m.env.process(m.discharge.transfer_day())
    m.env.run(until=done)
    if seven_day:
        assert m.env.now == weekend  # transfers happen at weekends too
    else:
        assert m.env.now == m.cal.next_working_time(weekend) > weekend


def test_a_discharge_home_passes_the_delay_the_person_had(monkeypatch):
    """The readmission risk must see the real delay, including under Home First."""
    left: dict[tuple[int, float], float] = {}
    seen: list[tuple[float, float]] = []
    real_leave, real_home = Discharge.leave_acute, Model.arrive_home

    def leave_acute(self, person, clock, fit_time):
        left[(person.pid, self.m.env.now)] = self.m.env.now - fit_time
        return real_leave(self, person, clock, fit_time)

    def arrive_home(self, person, delay_days, reablement=False):
        key = (person.pid, self.env.now)
        if key in left:
            seen.append((left[key], delay_days))
        return real_home(self, person, delay_days, reablement)

    monkeypatch.setattr(Discharge, "leave_acute", leave_acute)
    monkeypatch.setattr(Model, "arrive_home", arrive_home)
    m = _model("home_first", ["levers.discharge_to_assess_share=1"])
    m.run()
    assert sum(1 for had, _ in seen if had > 0) >= 5
    assert all(passed == pytest.approx(had) for had, passed in seen), \
        [(h, p) for h, p in seen if p != pytest.approx(h)][:5]


def test_every_planted_fault_still_matches_the_code():
    """experiments/mutation.py runs on demand; this keeps its faults in step with the code."""
    from pathlib import Path

    from experiments.mutation import FAULTS, REPO

    for fault in FAULTS:
        text = (Path(REPO) / fault.path).read_text()
        for old, _ in ((fault.old, fault.new), *fault.also):
            assert text.count(old) == 1, (fault.name, old)
        for test in fault.tests:
            assert (Path(REPO) / test.split("::")[0]).is_file(), (fault.name, test)
