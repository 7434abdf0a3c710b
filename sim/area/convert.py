"""From the planner's units to the model's settings.

Each conversion is one small function so the mapping can be read (and changed) in one place:

* population bands -> ``population.size`` and ``population.age_mix``;
* all-age G&A beds by month -> beds for emergency care of people 65+
  (``beds x (1 - share under 65) x (1 - elective share of 65+ bed days)``);
* P1 reablement hours (or visits) per week -> reablement places (people at once);
* P2 beds -> intermediate care beds; P3 interim beds + care-home places -> care-home beds;
* local unit costs -> ``costs``;
* today's census -> ``census`` (:class:`sim.params.Census`).

``notes`` say in words what each conversion did, for the fit report and the app.
"""

from __future__ import annotations

from typing import Any

from ..params import Params
from .schema import CENSUS_GROUPS, BIN_LABELS, MONTH_START_DAY, MONTHS


def to_scenario(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(scenario settings, notes) for an area checked by :func:`sim.area.files.check`."""
    notes: list[str] = []
    about = data["area"]
    out: dict[str, Any] = {"name": about["name"], "description": about["description"]}
    # Carried to the results so a report can name the area and the source of its figures.
    out["place"] = {"name": about["name"], "description": about.get("description") or "",
                    "sources": about.get("sources") or ""}
    out["population"] = population_block(data["population"], notes)
    out.update(beds_blocks(data["beds"], data["beds_calendar"], notes))
    out.update(capacity_blocks(data["capacity"], notes))
    out["costs"] = costs_block(data["costs"], notes)
    from .fit import apply_rates

    rates = data.get("rates") or {}
    apply_rates(out, rates)
    moved = [f"{k} {v:g}" for k, v in rates.items() if v is not None and v != 1.0]
    notes.append("Rates: " + (", ".join(moved) if moved else "national defaults (not fitted)")
                 + ".")
    census = census_block(data.get("census") or {})
    if census is not None:
        out["census"] = census
        notes.append(f"Starts from the census of {census['start_date']}.")
    else:
        notes.append("No census date: the run warms up from an empty hospital.")
    return out, notes


def population_block(pop: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    bands = [pop["age_65_74"], pop["age_75_84"], pop["age_85_plus"]]
    size = sum(bands)
    a, b = bands[0] / size, bands[1] / size
    # The last share takes the rounding so the three add up to 1 exactly.
    mix = {"age_65_74": a, "age_75_84": b, "age_85_plus": max(0.0, 1.0 - a - b)}
    notes.append(f"{size:,} people aged 65+ ({a:.0%} 65-74, {b:.0%} 75-84, "
                 f"{mix['age_85_plus']:.0%} 85+).")
    return {"size": size, "growth_per_year": pop["growth_per_year"], "age_mix": mix}


def beds_for_65_emergency(beds_all_ages: float, beds: dict[str, Any]) -> int:
    return round(beds_all_ages * (1.0 - beds["share_under_65"])
                 * (1.0 - beds["share_elective_65plus"]))


def beds_blocks(beds: dict[str, Any], calendar: list[dict[str, Any]], notes: list[str]
                ) -> dict[str, Any]:
    """Core and escalation beds for 65+ emergency care, with a month-by-month calendar where
    this version of the model has capacity calendars (``acute.calendar``)."""
    core = [beds_for_65_emergency(row["core_beds"], beds) for row in calendar]
    escalation = [beds_for_65_emergency(row["escalation_beds"], beds) for row in calendar]
    base = max(set(core), key=core.count)  # the most common month is the base
    out: dict[str, Any] = {"acute": {"beds": base}}
    fields = Params.model_fields
    has_calendar = "calendar" in _block_fields("acute")
    if has_calendar:
        out["acute"]["calendar"] = [
            {"start_day": MONTH_START_DAY[i], "end_day": MONTH_START_DAY[i + 1],
             "every_year": True, "value": core[i]}
            for i in range(12) if core[i] != base]
    elif len(set(core)) > 1:
        notes.append(f"Core beds vary by month ({min(core)}-{max(core)} for 65+ emergency care);"
                     f" this model version has no capacity calendar, so {base} is used all "
                     "year.")
    peak = max(escalation)
    if "escalation" in fields and peak > 0:
        out["escalation"] = {"beds": peak, "calendar": [
            {"start_day": MONTH_START_DAY[i], "end_day": MONTH_START_DAY[i + 1],
             "every_year": True, "value": escalation[i]}
            for i in range(12) if escalation[i] != peak]}
        open_months = [MONTHS[i] for i in range(12) if escalation[i] > 0]
        notes.append(f"Up to {peak} escalation beds for 65+ in {', '.join(open_months)}.")
    elif "escalation" in fields:
        out["escalation"] = {"beds": 0}
    elif peak > 0:
        notes.append(f"{peak} escalation beds for 65+ are on the Beds calendar, but this model "
                     "version has no escalation beds; they are not used.")
    notes.append(f"{base} acute beds for emergency care of people 65+ "
                 f"({(1 - beds['share_under_65']):.0%} of G&A bed days are 65+, "
                 f"{(1 - beds['share_elective_65plus']):.0%} of those emergency).")
    return out


def _block_fields(block: str) -> set[str]:
    ann = Params.model_fields[block].annotation
    return set(getattr(ann, "model_fields", {}))


def reablement_places(cap: dict[str, Any]) -> int:
    hours = cap["p1_reablement_hours_per_week"]
    if hours is None:
        hours = cap["p1_reablement_visits_per_week"] * cap["visit_minutes"] / 60.0
    return max(0, round(hours / cap["reablement_hours_per_person_week"]))


def capacity_blocks(cap: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    places = reablement_places(cap)
    notes.append(f"Pathway 1 reablement: {places} people at once "
                 f"({cap['reablement_hours_per_person_week']:g} hours per person per week).")
    care_home = cap["care_home_places"] + cap["p3_beds"]
    notes.append(f"Care homes: {care_home:,} beds ({cap['care_home_places']:,} places + "
                 f"{cap['p3_beds']} pathway 3 interim beds in one pool).")
    return {
        "reablement": {"slots": places},
        "home_care": {"hours_per_week": cap["p1_home_care_hours_per_week"]},
        "intermediate_care": {"beds": cap["p2_beds"]},
        "care_home": {"beds": care_home},
        "social_work": {"staff": cap["social_workers"]},
    }


def costs_block(costs: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """Local unit costs uplifted from the area's price year to the model's (GDP deflator);
    blank costs keep the national default."""
    from ..costs import uplift

    year = costs["price_year"]
    given = {k: v for k, v in costs.items() if k != "price_year" and v is not None}
    out = {k: round(uplift(v, year), 2) for k, v in given.items()}
    if given:
        moved = "" if year == "2024/25" else ", uplifted to 2024/25 (GDP deflator)"
        notes.append(f"{len(given)} local unit costs in {year} prices{moved}; any others are "
                     "national defaults.")
    else:
        notes.append("Unit costs: national defaults (2024/25 prices).")
    return out


def census_block(census: dict[str, Any]) -> dict[str, Any] | None:
    """The Census sheet as :class:`sim.params.Census` settings (None: no census date)."""
    if not census.get("start_date"):
        return None
    out: dict[str, Any] = {"start_date": census["start_date"]}
    for prefix, field, _ in CENSUS_GROUPS:
        out[field] = [int(census.get(f"{prefix}_days_{label}") or 0) for label in BIN_LABELS]
    for key in ("in_reablement", "in_intermediate_care", "in_interim_beds", "home_care_waiting",
                "waiting_in_ae"):
        out[key] = int(census.get(key) or 0)
    out["care_home_residents"] = census.get("care_home_residents")
    return out


# ----------------------------------------------------------------------- scenarios on areas
def _default_place_capacities() -> dict[tuple[str, str], float]:
    """Capacities of the model's default place (50,000 people 65+), from the schema."""
    default = Params(population={"size": 50_000})
    resolved = default.resolved()
    out = {}
    for path in default.blank_capacities():
        block, field = path.split(".")
        out[(block, field)] = float(getattr(getattr(resolved, block), field))
    return out


def scenario_on_area(area_settings: dict[str, Any], scenario: dict[str, Any]) -> dict[str, Any]:
    """A named scenario applied to an area: the area's settings, then the scenario's.

    A capacity a scenario sets is written for the model's default place (per 50,000 people
    65+), so on an area it acts as a ratio: a scenario giving reablement 60 places where the
    default is 48 gives the area a quarter more places than its own. The scenario's name is
    joined to the area's.
    """
    import copy

    out = copy.deepcopy(area_settings)
    capacities = _default_place_capacities()
    for block, value in scenario.items():
        if block in ("name", "description"):
            continue
        if isinstance(value, dict) and isinstance(out.get(block), dict):
            for field, v in value.items():
                per_50k = capacities.get((block, field))
                own = out[block].get(field)
                if per_50k and v is not None and own is not None:
                    whole = isinstance(own, int)
                    scaled = own * float(v) / per_50k
                    out[block][field] = round(scaled) if whole else round(scaled, 1)
                elif isinstance(v, dict) and isinstance(out[block].get(field), dict):
                    out[block][field] = {**out[block][field], **v}
                else:
                    out[block][field] = copy.deepcopy(v)
        else:
            out[block] = copy.deepcopy(value)
    name = scenario.get("name")
    if name and name != area_settings.get("name"):
        out["name"] = f"{area_settings['name']}.{name}"[:64]
        desc = scenario.get("description") or name
        out["description"] = f"{desc} (on {area_settings['name']})"
    return out
