"""Costs as a finance director reads them: fixed and variable, by payer, year by year.

A **fixed** cost is capacity paid for whether it is used or not (a staffed bed, a reablement
place, a social worker, block-contracted home-care hours, a lever's staff); a **variable**
cost is paid per use (an admission's treatment, an occupied bed's meals, a care-home week the
council buys). So an idle place still costs money, and a freed bed day saves only its
variable part unless the bed is closed.

Booking happens once per replication, from the time integrals of the recorder, year by year
of the results period (a multi-year run snapshots the integrals at each year boundary).
Event costs (A&E attendances, admissions) are booked where they happen, with their year.

The functions after ``book_costs`` read finished results: the cash versus capacity-released
split of a change between two scenarios, each partner's net cost after its contribution to
the pooled budget, costs by year with Green Book discounting, and cost per person 65+.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .population import ED


if TYPE_CHECKING:
    from .engine import Model
    from .params import Params
    from .runner import Results

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
PARTNERS = ("nhs", "local_authority")


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


# ------------------------------------------------------------------------------ after a run
def _payer_totals(res: Results) -> pd.DataFrame:
    """Cost per replication (rows) by payer (columns), every payer present."""
    idx = pd.Index(res.kpis["replication"].tolist(), name="replication")
    if res.costs.empty:
        return pd.DataFrame(0.0, index=idx, columns=["nhs", "local_authority", "pooled"])
    t = res.costs.pivot_table(index="replication", columns="payer", values="cost",
                              aggfunc="sum", fill_value=0.0)
    return t.reindex(index=idx, columns=["nhs", "local_authority", "pooled"], fill_value=0.0)


def _years(res: Results) -> float:
    return res.params.run.days / YEAR


def _interval_row(label: dict[str, Any], values: list[float], prefix: str,
                  level: float) -> dict[str, Any]:
    # Imported here: the readout reads the metrics, which book costs through this module.
    from .readout.stats import t_interval

    ci = t_interval(values, level)
    label.update({prefix: ci["mean"], f"{prefix}_ci_low": ci["ci_low"],
                  f"{prefix}_ci_high": ci["ci_high"]})
    return label


def freed_capacity_value(base: Results, alt: Results) -> pd.DataFrame:
    """Per replication and payer: fixed-capacity use freed in ``alt`` (valued at the fixed
    cost per unit-day, GBP per year) and the part of it turned into cash by released beds."""
    pa = alt.params
    c = pa.costs
    share = pa.levers.pooled_budget_share
    kb = base.kpis.set_index("replication")
    ka = alt.kpis.set_index("replication")
    common = kb.index.intersection(ka.index)
    years = _years(alt)
    ward_fixed = c.acute_bed_day * (1 - c.acute_occupied_share)
    rows = []
    for r in common:
        acute = (kb.at[r, "acute_bed_days"] - ka.at[r, "acute_bed_days"])
        ic = (kb.at[r, "intermediate_care_bed_days"] - ka.at[r, "intermediate_care_bed_days"])
        reab = kb.at[r, "reablement_place_days"] - ka.at[r, "reablement_place_days"]
        freed_acute = acute * ward_fixed
        # Closing beds turns freed bed days into cash, never more than were freed.
        released_days = min(c.release_acute_beds * pa.run.days, max(acute, 0.0))
        cash_release = released_days * ward_fixed
        ic_value = ic * c.intermediate_care_bed_day
        reab_value = reab * c.reablement_place_year / YEAR
        rows.append({
            "replication": r,
            "nhs": (freed_acute + ic_value * (1 - share)) / years,
            "local_authority": reab_value * (1 - share) / years,
            "pooled": (ic_value + reab_value) * share / years,
            "released_cash_nhs": cash_release / years,
            "freed_acute_bed_days": acute / years,
            "released_acute_bed_days": released_days / years,
        })
    return pd.DataFrame(rows).set_index("replication")


def cash_and_capacity(base: Results, alt: Results, level: float = 0.95) -> pd.DataFrame:
    """Split the cost change from ``base`` to ``alt`` (paired, per year) by payer into cash
    and capacity released.

    *cash*: money that moves: the change in booked costs (packages and placements bought,
    variable costs, capacity added or decommissioned, lever running costs), less the ward
    cost of beds the scenario releases (``costs.release_acute_beds``).
    *capacity released*: fixed-capacity use freed (acute and intermediate care bed days,
    reablement place days) valued at its fixed cost, still paid for: not cash unless the
    capacity is cut. Positive means freed.
    """
    years = _years(alt)
    tb, ta = _payer_totals(base), _payer_totals(alt)
    common = tb.index.intersection(ta.index)
    delta = (ta.loc[common] - tb.loc[common]) / years
    freed = freed_capacity_value(base, alt).reindex(common)
    rows = []
    for payer in ("nhs", "local_authority", "pooled", "total"):
        if payer == "total":
            cash = delta.sum(axis=1) - freed["released_cash_nhs"]
            cap = freed[["nhs", "local_authority", "pooled"]].sum(axis=1) - freed[
                "released_cash_nhs"]
        else:
            release = freed["released_cash_nhs"] if payer == "nhs" else 0.0
            cash = delta[payer] - release
            cap = freed[payer] - release
        row = _interval_row({"payer": payer}, cash.tolist(), "cash_change", level)
        row = _interval_row(row, cap.tolist(), "capacity_released", level)
        rows.append(row)
    out = pd.DataFrame(rows).set_index("payer")
    out.attrs.update(price_year=alt.params.costs.price_year, per="year",
                     freed_acute_bed_days=float(freed["freed_acute_bed_days"].mean()),
                     released_acute_bed_days=float(freed["released_acute_bed_days"].mean()))
    return out


def partner_costs(res: Results) -> pd.DataFrame:
    """Per replication and partner (NHS, council): own cost, contribution to the pooled
    budget and net cost after it, per year. The pool is where money moved, not a saving."""
    share = res.params.levers.pooled_budget_nhs_contribution
    t = _payer_totals(res) / _years(res)
    rows = []
    for r, row in t.iterrows():
        for partner, part in (("nhs", share), ("local_authority", 1.0 - share)):
            contribution = row["pooled"] * part
            rows.append({"replication": r, "partner": partner, "own_cost": row[partner],
                         "contribution_to_pool": contribution,
                         "net_cost": row[partner] + contribution})
    return pd.DataFrame(rows)


def partner_changes(base: Results, alt: Results, level: float = 0.95) -> pd.DataFrame:
    """Paired change per partner in own cost, pool contribution and net cost, per year."""
    pb = partner_costs(base).set_index(["replication", "partner"])
    pa = partner_costs(alt).set_index(["replication", "partner"])
    common = pb.index.intersection(pa.index)
    d = pa.loc[common] - pb.loc[common]
    rows = []
    for partner in PARTNERS:
        sub = d.xs(partner, level="partner")
        row: dict[str, Any] = {"partner": partner}
        for col in ("own_cost", "contribution_to_pool", "net_cost"):
            row = _interval_row(row, sub[col].tolist(), col, level)
        rows.append(row)
    return pd.DataFrame(rows).set_index("partner")


def costs_by_year(res: Results, rate: float | None = None) -> pd.DataFrame:
    """Mean cost per year of the run by payer and kind, undiscounted and discounted at the
    Green Book rate (year 1 undiscounted), with a total row for each payer."""
    rate = res.params.costs.discount_rate if rate is None else rate
    if res.costs.empty:
        return pd.DataFrame(columns=["year", "payer", "kind", "cost", "discounted"])
    n = max(res.replications, 1)
    t = res.costs.groupby(["year", "payer", "kind"])["cost"].sum().div(n).reset_index()
    t["discounted"] = t["cost"] / (1.0 + rate) ** t["year"]
    total = t.groupby(["payer", "kind"])[["cost", "discounted"]].sum().reset_index()
    total["year"] = "total"
    t["year"] = t["year"].astype(int) + 1
    out = pd.concat([t, total], ignore_index=True)[["year", "payer", "kind", "cost",
                                                    "discounted"]]
    out.attrs.update(price_year=res.params.costs.price_year, discount_rate=rate)
    return out


# Published English spend per person aged 65+ a year (2024/25 prices), for the validation
# report: where the fragmented default's per-head costs should fall. evidence/unit_costs.csv
# gives the derivation of each band.
PER_HEAD_BANDS = {
    "nhs_emergency": (900.0, 1350.0, "NHS non-elective admissions and A&E for people 65+, "
                      "National Cost Collection 2023/24 and HES 2023/24 (evidence/"
                      "unit_costs.csv: per_head_nhs_emergency_65)"),
    "council_net": (750.0, 1050.0, "Council adult social care net spend on people 65+, "
                    "NHS England ASC-FR 2023-24 (evidence/unit_costs.csv: "
                    "per_head_council_net_65)"),
    "council_gross": (1100.0, 1450.0, "Council adult social care gross spend on people 65+, "
                      "NHS England ASC-FR 2023-24 (evidence/unit_costs.csv: "
                      "per_head_council_gross_65)"),
}
EMERGENCY_SERVICES = ("a_and_e", "acute", "escalation_beds")


def per_head(res: Results, level: float = 0.95) -> pd.DataFrame:
    """Cost per person 65+ per year: NHS (all, and emergency care alone), council net of
    client contributions, and the council's net cost after its pool contribution, each with
    its published band where one exists."""
    k = res.kpis.set_index("replication")
    person_years = k["population_mean"] * res.params.run.days / YEAR
    share = res.params.levers.pooled_budget_nhs_contribution
    tot = _payer_totals(res)
    emergency = (res.costs[res.costs["service"].isin(EMERGENCY_SERVICES)
                           & (res.costs["payer"] == "nhs")]
                 .groupby("replication")["cost"].sum().reindex(tot.index, fill_value=0.0)
                 if not res.costs.empty else tot["nhs"] * 0.0)
    series = {
        "nhs": tot["nhs"] + tot["pooled"] * share,
        "nhs_emergency": emergency,
        "council_net": tot["local_authority"] + tot["pooled"] * (1 - share),
    }
    rows = []
    for name, values in series.items():
        per = (values / person_years.reindex(values.index)).tolist()
        low, high, source = PER_HEAD_BANDS.get(name, (math.nan, math.nan, ""))
        row = _interval_row({"measure": name}, per, "per_head", level)
        row.update(band_low=low, band_high=high, source=source,
                   inside=bool(low <= row["per_head"] <= high) if source else None)
        rows.append(row)
    out = pd.DataFrame(rows).set_index("measure")
    out.attrs.update(price_year=res.params.costs.price_year)
    return out
