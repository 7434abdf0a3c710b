"""Integration levers as they act in one replication.

Uncertain effects are drawn once per replication from the ``levers`` stream, so every
scenario run with the same seed gets the same draw (the comparison isolates the lever, not
luck), while the spread across replications carries the evidence's uncertainty into the CI.
The shared-record outage turns the record-dependent levers off while it lasts.
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
        return self.levers.discharge_to_assess_share if self.record_up else 0.0

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
