"""Integration levers as they act in one replication.

Uncertain effects are drawn once per replication from the ``levers`` stream, so every
scenario run with the same seed gets the same draw (the comparison isolates the lever, not
luck), while the spread across replications carries the evidence's uncertainty into the CI.
The shared-record outage turns the record-dependent levers off while it lasts: the shared
care plan and trusted assessment read the record; discharge to assess does not (it is a
way of working, and assessments at home are written up when the record returns).
"""

from __future__ import annotations

import simpy

from .params import Params, UncertainEffect
from .rng import Stream


def draw_effect(effect: UncertainEffect, stream: Stream) -> float:
    """One draw of a relative effect, truncated to its plausible range."""
    z = stream.normal()  # always consume one draw so streams stay aligned across scenarios
    value = effect.mean + effect.sd * z
    return min(max(value, effect.low), effect.high)


class Policy:
    def __init__(self, p: Params, stream: Stream):
        lv = p.levers
        # Draw every uncertain effect whether or not its lever is on (common random numbers).
        self.key_worker_effect = draw_effect(lv.key_worker_effect, stream)
        self.self_management_effect = draw_effect(lv.self_management_effect, stream)
        self.team_admission_effect = draw_effect(lv.neighbourhood_team_avoided_admissions, stream)
        self.team_readmission_effect = draw_effect(lv.neighbourhood_team_readmission_effect, stream)
        self.levers = lv
        self.record_up = True
        self.outage_days = 0.0

    # Levers that rely on the shared record fall back to the fragmented step during an outage.
    @property
    def shared_care_plan(self) -> bool:
        return self.levers.shared_care_plan and self.record_up

    @property
    def trusted_assessor(self) -> bool:
        return self.levers.trusted_assessor and self.record_up

    @property
    def seven_day(self) -> bool:
        return self.levers.seven_day_assessment

    @property
    def discharge_to_assess_share(self) -> float:
        return self.levers.discharge_to_assess_share

    def crisis_multiplier(self, key_worker: bool, self_managed: bool) -> float:
        m = 1.0
        if key_worker:
            m *= 1.0 + self.key_worker_effect
        if self_managed:
            m *= 1.0 + self.self_management_effect
        return m

    def admission_multiplier(self) -> float:
        if self.levers.neighbourhood_team:
            return 1.0 + self.team_admission_effect
        return 1.0

    def readmission_multiplier(self) -> float:
        if self.levers.neighbourhood_team:
            return 1.0 + self.team_readmission_effect
        return 1.0


def outage_process(env: simpy.Environment, policy: Policy, p: Params, stream: Stream,
                   on_change=None):
    """Alternate up and down periods of the shared record (exponential times)."""
    rate = p.levers.record_outage.outages_per_year
    if rate <= 0:
        return
    mean_up = 365.0 / rate
    mean_down = p.levers.record_outage.mean_duration_days
    while True:
        yield env.timeout(stream.exponential(mean_up))
        policy.record_up = False
        if on_change:
            on_change(False)
        down = stream.exponential(mean_down)
        yield env.timeout(down)
        policy.record_up = True
        if on_change:
            on_change(True)


def capacity_plan_process(m):
    """Move capacities toward the plan in monthly steps (a SimPy generator).

    ``m`` is the model; pools are resized from their built size, so the plan is relative
    to whatever the population's default (or the user's setting) was."""
    plan = m.p.capacity_plan
    pools = [(m.reablement.slots, plan.reablement_slots_change),
             (m.intermediate_care.beds, plan.intermediate_care_beds_change),
             (m.home_care.hours, plan.home_care_hours_change),
             (m.care_home.residential, plan.care_home_beds_change),
             (m.care_home.nursing, plan.care_home_beds_change),
             (m.intermediate_care.interim, plan.interim_beds_change),
             (m.discharge.bridging_places, plan.bridging_places_change)]
    pools = [(pool, pool.capacity, change) for pool, change in pools if change]
    if not pools:
        return
    if plan.years <= 0:
        steps = [(0.0, 1.0)]
    else:
        months = max(1, round(plan.years * 12))
        steps = [(m.start + k * 365.0 / 12.0, k / months) for k in range(1, months + 1)]
    for when, fraction in steps:
        if when > m.env.now:
            yield m.env.timeout(when - m.env.now)
        for pool, base, change in pools:
            size = base * (1.0 + change * fraction)
            pool.set_capacity(size if pool is m.home_care.hours else max(0, round(size)))
