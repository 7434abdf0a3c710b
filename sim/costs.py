"""Costs as a finance director reads them: fixed and variable, by payer, year by year.

A **fixed** cost is capacity paid for whether it is used or not (a staffed bed, a reablement
place, a social worker, block-contracted home-care hours, a lever's staff); a **variable**
cost is paid per use (an admission's treatment, an occupied bed's meals, a care-home week the
council buys). So an idle place still costs money, and a freed bed day saves only its
variable part unless the bed is closed.

Booking happens once per replication, from the time integrals of the recorder, year by year
of the results period (a multi-year run snapshots the integrals at each year boundary).
Event costs (A&E attendances, admissions) are booked where they happen, with their year.

Reading finished results (the cash versus capacity-released split of a change, each partner's
net cost after its contribution to the pooled budget, costs by year with Green Book
discounting, cost per person 65+) is the readout's: ``sim.readout.money``.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .population import ED

if TYPE_CHECKING:
    from .engine import Model
    from .params import Params
    
FIXED, VARIABLE = "fixed", "variable"
# What each service line of ``res.costs`` pays for, in a reader's words.
SERVICES = {
    "a_and_e": "A&E attendances",
    "acute": "Acute beds (ward, fixed) and admissions (treatment, variable)",
    "escalation_beds": "Escalation beds while open",
    "bridging_care": "Bridging care at home",
    "intermediate_care": "Intermediate care beds",
    "reablement": "Reablement places",
    "home_care": "Home care (block hours fixed, hours bought variable)",
    "care_home": "Care homes (council places, CHC, funded nursing care)",
    "social_work": "Hospital social workers",
    "key_worker": "Key workers",
    "neighbourhood_team": "Neighbourhood teams",
    "shared_record": "Shared care record",
    "seven_day_working": "Seven-day working",
    "trusted_assessor": "Trusted assessors",
    "discharge_to_assess": "Discharge to assess team",
}
YEAR = 365.0


EVIDENCE = Path(__file__).resolve().parent.parent / "evidence"


@cache
def price_index() -> dict[str, float]:
    """GDP deflator by financial year ("2023/24": 100.0), from evidence/price_index.csv."""
    with open(EVIDENCE / "price_index.csv", newline="") as f:
        return {row["year"]: float(row["gdp_deflator"]) for row in csv.DictReader(f)}


def uplift(value: float, from_year: str, to_year: str = "2024/25") -> float:
    """A price in ``from_year`` money expressed in ``to_year`` money (GDP deflator)."""
    index = price_index()
    for year in (from_year, to_year):
        if year not in index:
            raise ValueError(f"price year {year!r} has no deflator; known: {', '.join(index)}")
    return value * index[to_year] / index[from_year]


# ------------------------------------------------------------------------------ during a run
def year_marks(m: Model):
    """SimPy process: snapshot the recorder's integrals at each year boundary."""
    t = m.start + YEAR
    while t < m.end:
        yield m.env.timeout(t - m.env.now)
        m.rec.mark_year(m.env.now)
        t += YEAR


def year_spans(start: float, stop: float) -> list[tuple[float, float]]:
    """[start, stop) cut into years of the results period; the last may be short."""
    spans = []
    a = start
    while a < stop - 1e-9:
        b = min(a + YEAR, stop)
        spans.append((a, b))
        a = b
    return spans


def capacity_days(p: Params, service: str, t0: float, t1: float) -> float:
    """Unit-days of a capacity over [t0, t1): what the fixed cost is paid on.

    Capacity is constant over the run today. A capacity calendar (beds opened and closed on
    dates) replaces the constant here, and every fixed cost follows it.
    """
    level = {
        "acute": p.acute.beds,
        "intermediate_care": p.intermediate_care.beds,
        "reablement": p.reablement.slots,
        "home_care_hours_per_week": p.home_care.hours_per_week,
        "care_home": p.care_home.beds,
        "social_work": p.social_work.staff,
        "bridging": p.bridging.places,
        "interim_beds": p.intermediate_care.interim_beds,
    }[service]
    return float(level or 0.0) * max(t1 - t0, 0.0)


def _areas_by_year(m: Model, tracker: Any, n_years: int) -> list[float]:
    if tracker is None:
        return [0.0] * n_years
    marks = [snap.get(tracker.name, 0.0) for snap in m.rec.year_areas][: n_years - 1]
    cumulative = [*marks, tracker.area]
    out = [b - a for a, b in zip([0.0, *cumulative[:-1]], cumulative)]
    return out + [0.0] * (n_years - len(out))


def book_costs(m: Model) -> tuple[dict[tuple[str, str, str, int], float], dict[str, float]]:
    """Every capacity and time-based cost of a finished replication, by (service, payer,
    kind, year), and use diagnostics. Nothing is written back to the recorder, so the KPIs
    stay a pure function of the records."""
    p = m.p
    c = p.costs
    rec = m.rec
    lv = p.levers
    spans = year_spans(m.start, m.stopped_at)
    n = len(spans)
    pool_share = lv.pooled_budget_share
    pop = p.population.projected_size
    tr = rec.trackers

    out: dict[tuple[str, str, str, int], float] = defaultdict(float)

    def add(key: tuple[str, str, str, int], amount: float) -> None:
        if amount:
            out[key] += amount

    def book(service: str, payer: str, kind: str, year: int, amount: float,
             pooled: bool = False) -> None:
        if pooled:
            add((service, payer, kind, year), amount * (1.0 - pool_share))
            add((service, "pooled", kind, year), amount * pool_share)
        else:
            add((service, payer, kind, year), amount)

    acute = _areas_by_year(m, m.hospital.beds.tracker, n)
    ic = _areas_by_year(m, m.intermediate_care.beds.tracker, n)
    reab = _areas_by_year(m, m.reablement.slots.tracker, n)
    hc = _areas_by_year(m, m.home_care.hours.tracker, n)
    escalation = (_areas_by_year(m, m.escalation.open_beds, n) if m.escalation
                  else [0.0] * n)
    trolley = _areas_by_year(m, m.loc[ED], n)
    keyw = _areas_by_year(m, m.key_workers, n)
    res = {(k, f): _areas_by_year(m, tr.get(f"residents_{k}_{f}"), n)
           for k in ("residential", "nursing") for f in ("other", "chc")}
    council_share = p.care_home.council_funded_share

    for y, (a, b) in enumerate(spans):
        years = (b - a) / YEAR
        # Acute: the ward is paid per staffed bed; an occupied day adds only its consumables;
        # each admission adds its treatment (booked at admission), so no day is paid twice.
        book("acute", "nhs", FIXED, y,
             capacity_days(p, "acute", a, b) * c.acute_bed_day * (1 - c.acute_occupied_share))
        book("acute", "nhs", VARIABLE, y, acute[y] * c.acute_bed_day * c.acute_occupied_share)
        # Escalation beds are paid for each day they are open, used or not.
        book("escalation_beds", "nhs", FIXED, y, escalation[y] * c.escalation_bed_day)
        # Time on a trolley after the decision to admit costs staff and space in A&E.
        book("a_and_e", "nhs", VARIABLE, y, trolley[y] * 24.0 * c.ae_trolley_hour)
        book("intermediate_care", "nhs", FIXED, y,
             capacity_days(p, "intermediate_care", a, b) * c.intermediate_care_bed_day,
             pooled=True)
        book("reablement", "local_authority", FIXED, y,
             capacity_days(p, "reablement", a, b) * c.reablement_place_year / YEAR, pooled=True)
        book("social_work", "local_authority", FIXED, y,
             capacity_days(p, "social_work", a, b) * c.social_worker_year / YEAR)

        # Home care: block hours are paid whether used; council-funded hours beyond them are
        # bought per hour; self-funded hours are activity, not public cost.
        block_hours = (c.home_care_block_share
                       * capacity_days(p, "home_care_hours_per_week", a, b) / 7.0)
        council_hours = hc[y] / 7.0 * c.home_care_council_funded_share
        book("home_care", "local_authority", FIXED, y, block_hours * c.home_care_hour,
             pooled=True)
        book("home_care", "local_authority", VARIABLE, y,
             (max(council_hours - block_hours, 0.0)
              - council_hours * c.home_care_client_contribution) * c.home_care_hour,
             pooled=True)
        # Bridging places and interim beds are teams and block-booked beds: paid whether used.
        book("bridging_care", "nhs", FIXED, y,
             capacity_days(p, "bridging", a, b) * c.bridging_care_day)
        book("interim_beds", "nhs", FIXED, y,
             capacity_days(p, "interim_beds", a, b) * c.interim_bed_day)

        # Care homes: the council pays its own rate for the residents it funds, less their
        # contributions; the NHS pays CHC in full and funded nursing care for the rest.
        weeks = {k: res[(k, "other")][y] / 7.0 for k in ("residential", "nursing")}
        council_weeks = {k: w * council_share for k, w in weeks.items()}
        gross = (council_weeks["residential"] * c.residential_week
                 + council_weeks["nursing"] * c.nursing_week)
        total_weeks = sum(council_weeks.values())
        block_weeks = c.care_home_block_share * capacity_days(p, "care_home", a, b) / 7.0
        beyond = max(total_weeks - block_weeks, 0.0) / total_weeks if total_weeks else 0.0
        book("care_home", "local_authority", FIXED, y, block_weeks * c.residential_week)
        book("care_home", "local_authority", VARIABLE, y,
             gross * (beyond - c.care_home_client_contribution))
        book("care_home", "nhs", VARIABLE, y,
             weeks["nursing"] * c.nursing_care_contribution_week
             + sum(res[(k, "chc")][y] for k in ("residential", "nursing")) / 7.0 * c.chc_week)

        # Levers carry their staff and licences; set-up falls in the first year.
        book("key_worker", "nhs", FIXED, y, keyw[y] * lv.key_worker_cost_per_person_year / YEAR)
        per_1000 = pop / 1000.0 * years
        if lv.neighbourhood_team:
            book("neighbourhood_team", "nhs", FIXED, y,
                 lv.neighbourhood_team_cost_per_1000_per_year * per_1000
                 + (c.neighbourhood_team_setup_per_1000 * pop / 1000.0 if y == 0 else 0.0))
        if lv.shared_care_plan:
            book("shared_record", "nhs", FIXED, y,
                 c.shared_record_per_1000_per_year * per_1000
                 + (c.shared_record_setup_per_1000 * pop / 1000.0 if y == 0 else 0.0))
        if lv.seven_day_assessment:
            book("seven_day_working", "local_authority", FIXED, y,
                 c.seven_day_extra_staff_share * capacity_days(p, "social_work", a, b)
                 * c.social_worker_year / YEAR)
            book("seven_day_working", "nhs", FIXED, y,
                 c.seven_day_nhs_per_1000_per_year * per_1000)
        if lv.trusted_assessor:
            book("trusted_assessor", "local_authority", FIXED, y,
                 c.trusted_assessor_posts_per_50k * pop / 50_000 * c.trusted_assessor_post_year
                 * years)
        if lv.discharge_to_assess_share:
            book("discharge_to_assess", "nhs", FIXED, y,
                 lv.discharge_to_assess_share * c.discharge_to_assess_team_per_1000_per_year
                 * per_1000)
    return dict(out), {
        "intermediate_care_bed_days": sum(ic),
        "reablement_place_days": sum(reab),
        "home_care_hours_delivered": sum(hc) / 7.0,
    }
