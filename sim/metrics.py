"""Key performance indicators of one replication, with the names fixed in the design.

All values cover the results period only. Costs are split by payer (NHS, local authority,
pooled budget) and by service.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

from .costs import book_costs
from .gridlock import judge
from .population import ACUTE, CARE_HOME, ED, INTERMEDIATE_CARE

if TYPE_CHECKING:
    from .engine import Model

# The contract: the API, CLI, app and reports use exactly these names, in this order.
METRICS = (
    "emergency_admissions",
    "readmissions_30d",
    "acute_bed_days",
    "delayed_discharge_days",
    "mean_delayed_patients",
    "mean_delay_days",
    "ed_boarding_hours",
    "acute_occupancy",
    "care_home_admissions",
    "reablement_at_home_91d",
    "assessments_per_discharge",
    "days_at_home",
    "deaths",
    "cost_total",
    "cost_nhs",
    "cost_local_authority",
    "cost_pooled",
)

METRIC_INFO = {
    "emergency_admissions": ("Emergency admissions", "count", "lower"),
    "readmissions_30d": ("Readmissions within 30 days", "count", "lower"),
    "acute_bed_days": ("Acute bed days", "days", "lower"),
    "delayed_discharge_days": ("Delayed discharge days", "days", "lower"),
    "mean_delayed_patients": ("People medically fit but still in hospital (daily mean)",
                              "people", "lower"),
    "mean_delay_days": ("Mean delay per discharge", "days", "lower"),
    "ed_boarding_hours": ("Hours waiting in A&E for a bed", "hours", "lower"),
    "acute_occupancy": ("Acute bed occupancy", "share", "lower"),
    "care_home_admissions": ("Permanent care home admissions", "count", "lower"),
    "reablement_at_home_91d": ("At home 91 days after discharge into reablement or "
                               "rehabilitation (ASCOF 2B)", "share", "higher"),
    "assessments_per_discharge": ("Assessments per supported discharge", "count", "lower"),
    "days_at_home": ("Days at home per person per year", "days", "higher"),
    "deaths": ("Deaths", "count", "lower"),
    "cost_total": ("Total cost", "GBP", "lower"),
    "cost_nhs": ("Cost to the NHS", "GBP", "lower"),
    "cost_local_authority": ("Cost to the council", "GBP", "lower"),
    "cost_pooled": ("Cost to the pooled budget", "GBP", "lower"),
}


# Who pays for each service (Department of Health and Social Care funding rules): the NHS
# for health care, the council for social care, and a pooled budget for the services a
# Better Care Fund-style agreement pools. Care homes: the council's share of fees, the NHS's
# nursing contribution and continuing healthcare. Every booking is checked against this.
FUNDED_BY = {
    "a_and_e": {"nhs"},
    "acute": {"nhs"},
    "escalation_beds": {"nhs"},
    "shared_record": {"nhs"},
    "discharge_to_assess": {"nhs"},
    "seven_day_working": {"nhs", "local_authority"},
    "trusted_assessor": {"local_authority"},
    "bridging_care": {"nhs"},
    "interim_beds": {"nhs"},
    "key_worker": {"nhs"},
    "neighbourhood_team": {"nhs"},
    "intermediate_care": {"nhs", "pooled"},
    "reablement": {"local_authority", "pooled"},
    "home_care": {"local_authority", "pooled"},
    "social_work": {"local_authority"},
    "care_home": {"local_authority", "nhs"},
}


def check_payers(costs: dict[tuple, float]) -> None:
    """Raise InvariantError for a cost booked to a payer that does not fund the service."""
    from .errors import InvariantError

    for (service, payer, *_), amount in costs.items():
        allowed = FUNDED_BY.get(service)
        if amount and (allowed is None or payer not in allowed):
            raise InvariantError(
                f"cost of {service!r} booked to {payer!r}; it is paid by "
                f"{', '.join(sorted(allowed)) if allowed else 'no known payer'}")


def _merge_costs(*books: dict) -> dict[tuple[str, str, str, int], float]:
    out: dict[tuple[str, str, str, int], float] = defaultdict(float)
    for book in books:
        for key, amount in book.items():
            out[key] += amount
    return dict(out)


def continuous_costs(m: Model) -> dict[tuple[str, str, str, int], float]:
    """Costs that accrue with time or capacity (beds staffed, bed days, care hours, residents'
    weeks, lever staff), by (service, payer, kind, year), from sim/costs.py.

    Read from the time integrals of a finished replication; nothing is written back, so this
    and :func:`compute_kpis` may be called any number of times with the same result.
    """
    return book_costs(m)[0]


def replication_costs(m: Model) -> dict[tuple[str, str, str, int], float]:
    """Every cost of the results period by (service, payer, kind, year): events booked during
    the run plus the costs that accrue with time."""
    return _merge_costs(m.rec.costs, continuous_costs(m))


def compute_kpis(m: Model) -> dict[str, float]:
    """The KPIs of a finished replication: a pure function of its records."""
    rec = m.rec
    p = m.p
    span = max(m.stopped_at - m.start, 0.0)
    c = rec.counts
    nan = math.nan

    acute_days = m.hospital.beds.tracker.area
    delayed_days = m.delayed.area
    boarding_days = m.loc[ED].area

    # Capacity and time-based costs, fixed and variable, year by year (sim/costs.py).
    time_costs, use = book_costs(m)
    by_payer = {"nhs": 0.0, "local_authority": 0.0, "pooled": 0.0}
    for (_, payer, _, _), amount in _merge_costs(m.rec.costs, time_costs).items():
        by_payer[payer] += amount

    alive_days = m.alive.area
    away_days = (m.loc[ED].area + m.loc[ACUTE].area + m.loc[INTERMEDIATE_CARE].area
                 + m.loc[CARE_HOME].area)
    supported = c.get("supported_discharges", 0.0)
    delays = rec.delays_completed
    ascof = rec.ascof_outcomes

    kpis = {
        "emergency_admissions": c.get("emergency_admissions", 0.0),
        "readmissions_30d": c.get("readmissions_30d", 0.0),
        "acute_bed_days": acute_days,
        "delayed_discharge_days": delayed_days,
        "mean_delayed_patients": delayed_days / span if span else nan,
        "mean_delay_days": sum(delays) / len(delays) if delays else nan,
        "ed_boarding_hours": boarding_days * 24.0,
        "acute_occupancy": _occupancy(m, acute_days, span),
        "care_home_admissions": c.get("care_home_admissions", 0.0),
        "reablement_at_home_91d": sum(ascof) / len(ascof) if ascof else nan,
        "assessments_per_discharge": c.get("assessments", 0.0) / supported if supported else nan,
        "days_at_home": 365.0 * (alive_days - away_days) / alive_days if alive_days else nan,
        "deaths": c.get("deaths", 0.0),
        "cost_total": sum(by_payer.values()),
        "cost_nhs": by_payer["nhs"],
        "cost_local_authority": by_payer["local_authority"],
        "cost_pooled": by_payer["pooled"],
    }
    # Diagnostics beyond the contract (verification, calibration, the app's flow chart).
    admitted = c.get("acute_arrivals", 0.0)
    kpis.update({
        "population_mean": alive_days / span if span else nan,
        "ae_attendances": c.get("ae_attendances", 0.0),
        "acute_arrivals": admitted,
        "acute_waited_share": c.get("acute_waited", 0.0) / admitted if admitted else nan,
        "acute_diverted_share": (c.get("acute_diverted", 0.0) / admitted) if admitted else nan,
        "acute_mean_wait_days": c.get("acute_wait_days", 0.0) / admitted if admitted else nan,
        "acute_mean_los_days": (c.get("acute_los_days", 0.0) / c["acute_discharges"]
                                if c.get("acute_discharges") else nan),
        "supported_discharges": supported,
        "pathway_escalations": c.get("pathway_escalations", 0.0),
        "reablement_starts": c.get("reablement_starts", 0.0),
        "intermediate_care_admissions": c.get("intermediate_care_admissions", 0.0),
        "deaths_hospital": c.get("deaths_hospital", 0.0),
        "home_care_referrals_community": c.get("home_care_referrals_community", 0.0),
        "home_care_referrals_lapsed": c.get("home_care_referrals_lapsed", 0.0),
        **use,
    })
    kpis.update(front_door_kpis(m))
    stays = rec.completed_stays
    stay_days = sum(stays)
    long_stays = [x for x in stays if x > 21.0]
    kpis["long_stay_share"] = len(long_stays) / len(stays) if stays else nan
    kpis["long_stay_bed_day_share"] = sum(long_stays) / stay_days if stay_days else nan
    ended = sum(c.get(f"reablement_{o}", 0.0)
                for o in ("no_further_need", "reduced_package", "long_term_home_care"))
    kpis["reablement_no_or_lower_support"] = (
        (c.get("reablement_no_further_need", 0.0) + c.get("reablement_reduced_package", 0.0))
        / ended if ended else nan)
    kpis["deaths_in_hospital_share"] = (c.get("deaths_hospital", 0.0) / c["deaths"]
                                        if c.get("deaths") else nan)
    for name in ("P0", "P1", "P1_restart", "P2", "P3", "P3_back"):
        kpis[f"pathway_{name}"] = c.get(f"pathway_{name}", 0.0)
    # Delayed days after a stay's 14th day, by reason: the population of England's published
    # split of delays by reason (validation compares like with like).
    for reason, days in rec.delay_days_long.items():
        kpis[f"delayed_days_14d_{reason_key(reason)}"] = days
    return kpis


def _occupancy(m: Model, bed_days: float, span: float) -> float:
    """Bed days used over bed days in service (core and open escalation beds, and beds
    closed while still occupied until their patient leaves), so never above 1."""
    tracker = m.hospital.beds.capacity_tracker
    available = tracker.area if tracker is not None else span * m.p.acute.beds
    # min(): the two integrals are summed in different orders, so a full ward can round
    # to a hair above 1.
    return min(bed_days / available, 1.0) if available > 0 else math.nan


def front_door_kpis(m: Model) -> dict[str, float]:
    """Decision-to-admit waits, deaths while waiting, escalation, and the gridlock flags."""
    c = m.rec.counts
    waits = c.get("dta_waits", 0.0)
    unstable, day = judge(m)
    return {
        "dta_wait_hours_mean": c.get("dta_wait_hours", 0.0) / waits if waits else math.nan,
        "dta_4h_waits": c.get("dta_4h_waits", 0.0),
        "dta_12h_waits": c.get("dta_12h_waits", 0.0),
        "deaths_waiting_ae": c.get("deaths_waiting_ae", 0.0),
        "admissions_forgone_full": c.get("admissions_forgone_full", 0.0),
        "unstable": 1.0 if unstable else 0.0,
        "unstable_day": day,
        "partial": 1.0 if m.partial else 0.0,
        "escalation_bed_days": m.escalation.open_beds.area if m.escalation else 0.0,
    }


def reason_key(reason: str) -> str:
    """A delay reason as a column-name fragment ("reablement / home care" ->
    "reablement_home_care")."""
    return "_".join(w for w in reason.replace("/", " ").split() if w)
