"""How every measure, payer, service, delay reason and flow is named and spoken of.

One entry per thing a surface shows: its label, unit, which direction is better, whether it
adds up over time (a *total*, shown per year) or is a *rate* (a mean, share or per-person
figure, shown as it is), a one-sentence definition and where that definition comes from (for
tooltips and the report's appendix). The app, the board report, the command line and the
experiment summaries all read names from here, so a new measure is described once.

Labels, units and directions of the contract metrics come from ``sim.metrics.METRIC_INFO``
(the design's contract); this module adds everything else about how they are spoken of.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..metrics import METRIC_INFO, METRICS

DESIGN = "DESIGN.md §4 (metric contract); computed in sim/metrics.py"


@dataclass(frozen=True)
class Metric:
    """How one measure is named and read.

    ``aggregate``: "total" adds up over the results period and is always shown per year;
    "rate" (mean, share, per person) is shown as it is. ``kind`` chooses the words of a
    change: "count" (fewer / more), "money" (less / more), "share" (percentage points lower /
    higher), "amount" (less / more of a measured quantity), "flag" (a 0/1 warning).
    ``heavy_tailed``: replications differ by multiples (queues near gridlock), so summaries
    give the median and the 10th and 90th percentiles of replications beside the mean.
    """

    name: str
    label: str
    unit: str
    better: str | None  # "lower", "higher" or None (neither: a transfer or a flag)
    aggregate: str  # "total" or "rate"
    kind: str
    noun: str  # follows an amount: "1,900 fewer <noun>"
    topic: str  # follows "no clear change in"
    title: str  # a card heading
    subject: str  # the subject of a report sentence: "<subject> fall by 12%"
    plural: bool
    definition: str
    source: str = DESIGN
    heavy_tailed: bool = False
    headline_mode: str = "relative"  # how the report states a change: relative|absolute|money

    @property
    def is_total(self) -> bool:
        return self.aggregate == "total"

    @property
    def unit_label(self) -> str:
        """The unit as a reader sees it, with "a year" for totals."""
        special = {"mean_delayed_patients": "people a day",
                   "days_at_home": "days per person per year"}
        if self.name in special:
            return special[self.name]
        words = {"count": "number", "GBP": "£", "share": "%", "0/1": "replications"}.get(
            self.unit, self.unit)
        return f"{words} a year" if self.is_total else words


def _m(name: str, kind: str, noun: str, topic: str | None = None, *, title: str | None = None,
       subject: str | None = None, plural: bool = True, total: bool, definition: str,
       source: str = DESIGN, heavy: bool = False, mode: str = "relative",
       better: str | None = "from-contract", label: str = "", unit: str = "") -> Metric:
    label, unit, contract_better = METRIC_INFO.get(name, (label, unit, "lower"))
    return Metric(
        name=name, label=label, unit=unit,
        better=contract_better if better == "from-contract" else better,
        aggregate="total" if total else "rate", kind=kind, noun=noun, topic=topic or noun,
        title=title or (label + (" a year" if total else "")), subject=subject or label,
        plural=plural, definition=definition, source=source, heavy_tailed=heavy,
        headline_mode=mode)


_NCTR = ("NHS England, Discharge delays (acute) data set: patients with no criteria to "
         "reside (NCTR)")
_COSTS = "docs/model.md §3 Costs and payers; unit costs in evidence/uk_figures.csv"

_ENTRIES = (
    _m("emergency_admissions", "count", "emergency admissions", total=True,
       title="Emergency admissions a year",
       definition="Emergency admissions of people aged 65+ (readmissions included), counted "
                  "at the decision to admit.",
       source="NHS England Hospital Episode Statistics (emergency admissions); " + DESIGN),
    _m("readmissions_30d", "count", "readmissions within 30 days", total=True,
       definition="Emergency admissions within 30 days of an acute discharge.",
       source="NHS Outcomes Framework 3b (emergency readmissions within 30 days)"),
    _m("acute_bed_days", "count", "acute bed days", total=True,
       definition="Days spent in acute beds by people aged 65+, delays included."),
    _m("delayed_discharge_days", "count", "delayed days", total=True,
       title="Delayed days in hospital a year",
       subject="Delayed discharge days (days in hospital after being medically fit)",
       definition="Days spent in an acute bed after being medically fit to leave.",
       source=_NCTR),
    _m("mean_delayed_patients", "count",
       "people medically fit but still in hospital on an average day",
       "the number of people medically fit but still in hospital", total=False,
       title="Fit to leave, still in hospital (per day)",
       definition="People medically fit but still in an acute bed, averaged over the days of "
                  "the results period.", source=_NCTR),
    _m("mean_delay_days", "count", "days of delay per discharge", "the delay per discharge",
       total=False, heavy=True, mode="absolute",
       definition="Mean days of delay per discharge of a person who became medically fit."),
    _m("ed_boarding_hours", "count", "hours waiting in A&E for a bed", total=True, heavy=True,
       definition="Hours people admitted from A&E spent there waiting for an acute bed.",
       source="NHS England A&E attendances and emergency admissions (decision-to-admit "
              "waits); " + DESIGN),
    _m("acute_occupancy", "share", "acute bed occupancy", total=False, mode="absolute",
       definition="Time-average share of acute beds occupied.",
       source="NHS England KH03 bed availability and occupancy"),
    _m("care_home_admissions", "count", "permanent care home admissions", total=True,
       title="Permanent care home admissions a year",
       definition="Permanent admissions to residential or nursing care homes.",
       source="ASCOF 2A (long-term support needs met by admission to care homes)"),
    _m("reablement_at_home_91d", "share", "share at home 91 days after reablement",
       "the share at home 91 days after reablement", total=False, mode="absolute",
       subject="The share at home 91 days after reablement", plural=False,
       definition="Share of people leaving hospital into reablement who are at home 91 days "
                  "later.",
       source="ASCOF 2B (older people at home 91 days after discharge into reablement)"),
    _m("assessments_per_discharge", "count", "assessments per supported discharge",
       total=False, mode="absolute",
       definition="Assessments a person goes through per discharge needing support (how often "
                  "they tell their story)."),
    _m("days_at_home", "count", "days at home per person per year", "days at home",
       total=False, title="Days at home per person per year",
       subject="Days at home per person", mode="absolute",
       definition="Days alive and not in hospital or a care home, per person per year.",
       source="Nuffield Trust / Health Foundation 'days at home' measure; " + DESIGN),
    _m("deaths", "count", "deaths", total=True,
       definition="Deaths of people aged 65+ in all settings."),
    _m("cost_total", "money", "in total", "total cost", total=True,
       title="Public cost a year", subject="The total cost to public payers", plural=False,
       mode="money",
       definition="Public cost of the care modelled (NHS, council and pooled budget); "
                  "self-funded care is not counted.", source=_COSTS),
    # A partner's booked cost is before its contribution to the pooled budget: a fall may be
    # spending moved into the pool, so it is not judged alone; its net cash change after the
    # pool (sim.readout.money) is what a finance director reads.
    _m("cost_nhs", "money", "for the NHS", "cost to the NHS", total=True, plural=False,
       mode="money", better=None,
       definition="Cost booked to the NHS, before its contribution to the pooled budget.",
       source=_COSTS),
    _m("cost_local_authority", "money", "for the council", "cost to the council", total=True,
       plural=False, mode="money", better=None,
       definition="Cost booked to the council (local authority), before its contribution to "
                  "the pooled budget.", source=_COSTS),
    # Money moving into the pooled budget is neither good nor bad in itself (the total and
    # each partner's share tell that): it has no better direction.
    _m("cost_pooled", "money", "from the pooled budget", "cost to the pooled budget",
       total=True, plural=False, mode="money", better=None,
       definition="Cost paid from the budget the NHS and the council pool (Better Care Fund, "
                  "section 75): a transfer between partners, never a saving.", source=_COSTS),
    # Gridlock: not a measure of care but a warning about the run (see sim.readout.verdict).
    _m("unstable", "flag", "replications in gridlock", "gridlock", total=False, better=None,
       label="Replication in gridlock", unit="0/1",
       definition="1 if the replication's A&E queue or decision-to-admit waits passed the "
                  "gridlock threshold; its totals then describe a hospital that could not "
                  "cope.", source="DESIGN.md §4; run.max_boarding_queue"),
    _m("unstable_day", "amount", "day gridlock began", "the day gridlock began", total=False,
       better=None, label="Day gridlock began", unit="day", definition="The day of the results period on which the run tipped into "
                               "gridlock (empty if it never did).", source="DESIGN.md §4"),
    # Newer front-door measures: described here so they read well wherever they appear.
    _m("dta_wait_hours_mean", "count", "hours from decision to admit to a bed",
       "the wait from decision to admit to a bed", total=False, heavy=True, mode="absolute",
       better="lower", label="Mean wait from decision to admit to a bed", unit="hours",
       definition="Mean wait from the decision to admit to an acute bed.",
       source="NHS England A&E waiting times (decision to admit to admission)"),
    _m("dta_4h_waits", "count", "4-hour waits from decision to admit", total=True,
       heavy=True, better="lower", label="Waits over 4 hours from decision to admit",
       title="4-hour waits from decision to admit a year",
       unit="count",
       definition="Admissions waiting over 4 hours from the decision to admit to a bed.",
       source="NHS England A&E waiting times (decision to admit to admission over 4 hours)"),
    _m("dta_12h_waits", "count", "12-hour waits from decision to admit", total=True,
       heavy=True, better="lower", label="Waits over 12 hours from decision to admit",
       title="12-hour waits from decision to admit a year",
       unit="count",
       definition="Admissions waiting over 12 hours from the decision to admit to a bed.",
       source="NHS England A&E waiting times ('trolley waits' over 12 hours)"),
    # Not heavy-tailed: the count grows with the excess of demand over beds, not by multiples
    # as a queue does near gridlock (10th-90th percentile 481 to 640 a year at the default).
    _m("admissions_forgone_full", "count", "people sent home because the beds were full",
       total=True, better="lower",
       label="Sent home from A&E because the beds were full",
       title="People sent home from A&E because the beds were full, a year", unit="count",
       definition="A&E attendances that would have been admitted on a day with beds to "
                  "spare, but were sent home because the acute beds were 95% full or more "
                  "(acute.pressure_odds_ratio_95, _100, _105). A hidden cost of a full "
                  "hospital: these people are not counted as waits.",
       source="Blom et al. 2014, Int J Emerg Med 7:8 (admission odds by hospital occupancy)"),
)

CATALOGUE: dict[str, Metric] = {m.name: m for m in _ENTRIES}

# Extra per-replication counts (not in the contract) that tables show with these words.
EXTRA_LABELS = {
    "ae_attendances": ("A&E attendances", "count"),
    "acute_mean_los_days": ("Mean length of stay (days, including delays)", "days"),
    "supported_discharges": ("Discharges needing support (pathways 1 to 3)", "count"),
    "pathway_P0": ("Home with no new support (pathway 0)", "count"),
    "pathway_P1": ("Home with support: reablement or home care (pathway 1)", "count"),
    "pathway_P1_restart": ("Of pathway 1: the same home care package restarted", "count"),
    "pathway_P2": ("Intermediate care bed (pathway 2)", "count"),
    "pathway_P3": ("New care home placement (pathway 3)", "count"),
    "pathway_P3_back": ("Back to their own care home", "count"),
    "reablement_starts": ("Reablement episodes started", "count"),
    "intermediate_care_admissions": ("Intermediate care admissions", "count"),
}
# Extra columns that add up over the results period (everything else is a mean or share).
EXTRA_TOTALS = frozenset({"ae_attendances", "supported_discharges", "pathway_P0", "pathway_P1",
                          "pathway_P1_restart",
                          "pathway_P2", "pathway_P3", "pathway_P3_back", "reablement_starts",
                          "intermediate_care_admissions", "deaths_hospital", "acute_arrivals",
                          "pathway_escalations"})


def metric(name: str) -> Metric:
    """The catalogue entry of ``name``; an unknown column gets a plain generic entry."""
    if name in CATALOGUE:
        return CATALOGUE[name]
    label, unit = EXTRA_LABELS.get(name, METRIC_INFO.get(name, (name.replace("_", " ")
                                                                .capitalize(), ""))[:2])
    total = name in EXTRA_TOTALS
    return Metric(name=name, label=label, unit=unit, better="lower", aggregate=(
        "total" if total else "rate"), kind="amount", noun=label.lower(), topic=label.lower(),
        title=label + (" a year" if total else ""), subject=label, plural=True,
        definition=label + ".", source="sim/metrics.py (diagnostic)")


def is_total(name: str) -> bool:
    return metric(name).is_total


# The measures a planner is shown first (app cards), and the six a board reads first: the
# same six in every report, so reports about different scenarios can be read side by side.
KEY_METRICS = ("delayed_discharge_days", "mean_delayed_patients", "emergency_admissions",
               "care_home_admissions", "days_at_home", "cost_total")
BOARD_HEADLINES = ("emergency_admissions", "delayed_discharge_days", "acute_bed_days",
                   "care_home_admissions", "days_at_home", "cost_total")
# Measures whose mean misleads: shown with the median and 10th-90th percentile range.
HEAVY_TAILED = tuple(m.name for m in _ENTRIES if m.heavy_tailed)
GRIDLOCK_METRICS = ("unstable", "unstable_day")


# --------------------------------------------------------------------------------------------
# Payers
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Payer:
    key: str
    metric: str
    short: str  # a table row: "Council"
    name: str  # a full name: "Council (local authority)"
    subject: str  # in a sentence: "the council"
    transfer: bool = False  # money moved between partners, never a saving in itself


PAYERS: tuple[Payer, ...] = (
    Payer("nhs", "cost_nhs", "NHS", "NHS", "the NHS"),
    Payer("local_authority", "cost_local_authority", "Council", "Council (local authority)",
          "the council"),
    Payer("pooled", "cost_pooled", "Pooled budget", "Pooled budget", "the pooled budget",
          transfer=True),
)
PAYER = {p.key: p for p in PAYERS}
TOTAL_ROW = "Total"


# --------------------------------------------------------------------------------------------
# Services, delay reasons, flows, daily census
# --------------------------------------------------------------------------------------------
SERVICES = {
    "a_and_e": "A&E attendances",
    "acute": "Acute admissions and bed days",
    "delayed_discharge": "Delayed discharge bed days",
    "bridging_care": "Bridging care at home",
    "intermediate_care": "Intermediate care beds",
    "reablement": "Reablement",
    "home_care": "Home care",
    "care_home": "Care homes",
    "social_work": "Social work assessments",
    "key_worker": "Key workers",
    "neighbourhood_team": "Neighbourhood teams",
}


def service_name(key: str) -> str:
    return SERVICES.get(key, key.replace("_", " ").capitalize())


# The step of the discharge process a delayed day is booked to (sim/pathways/discharge.py),
# with the NHS England discharge delay category it maps to.
DELAY_REASONS = {
    "awaiting assessment": "Awaiting assessment (NHS England: awaiting assessment)",
    "funding decision": "Funding decision, incl. NHS Continuing Healthcare",
    "reablement / home care": "Reablement or home care (pathway 1 capacity)",
    "intermediate care": "Intermediate care bed (pathway 2 capacity)",
    "care home": "Care home place (pathway 3 capacity)",
}


def delay_reason_name(reason: str) -> str:
    return reason[:1].upper() + reason[1:]


# Person groups of Results.outcomes_by_group (sim/groups.py): how each kind and group is named.
GROUP_KIND_NAMES = {"age_band": "Age band", "frailty": "Frailty"}
GROUP_NAMES = {
    ("age_band", "65-74"): "Aged 65-74",
    ("age_band", "75-84"): "Aged 75-84",
    ("age_band", "85+"): "Aged 85 and over",
    ("frailty", "fit"): "Fit",
    ("frailty", "mild"): "Mild frailty",
    ("frailty", "moderate"): "Moderate frailty",
    ("frailty", "severe"): "Severe frailty",
}
# The outcomes shown by group, each as a rate in the group's own person-years so groups of
# different sizes read alike: (metric, unit as a reader sees it, per how many person-years).
GROUP_OUTCOMES = (
    ("emergency_admissions", "per 1,000 person-years", 1000.0),
    ("readmissions_30d", "per 1,000 person-years", 1000.0),
    ("delayed_discharge_days", "per 1,000 person-years", 1000.0),
    ("care_home_admissions", "per 1,000 person-years", 1000.0),
    ("deaths", "per 1,000 person-years", 1000.0),
    ("days_at_home", "days per person per year", 1.0),
)


# Flow through the discharge pathways and services (Results.kpis columns), in reading order.
FLOW = ("pathway_P0", "pathway_P1", "pathway_P2", "pathway_P3", "pathway_P3_back",
        "reablement_starts", "intermediate_care_admissions", "care_home_admissions", "deaths")
# The report's longer flows table: demand, flow and outcomes.
FLOW_TABLE = ("ae_attendances", "emergency_admissions", "admissions_forgone_full",
              "readmissions_30d", "ed_boarding_hours",
              "acute_mean_los_days", "supported_discharges", "pathway_P0", "pathway_P1",
              "pathway_P2", "pathway_P3", "reablement_starts", "intermediate_care_admissions",
              "care_home_admissions", "mean_delay_days", "deaths")


@dataclass(frozen=True)
class Census:
    column: str  # daily census column
    capacity: str  # capacity parameter
    label: str
    unit: str


CENSUS = (
    Census("acute_occupied", "acute.beds", "Acute beds", "beds"),
    Census("intermediate_care_in_use", "intermediate_care.beds", "Intermediate care beds",
           "beds"),
    Census("reablement_in_use", "reablement.slots", "Reablement places", "places"),
    Census("home_care_hours_in_use", "home_care.hours_per_week", "Home care hours",
           "hours a week"),
    Census("care_home_occupied", "care_home.beds", "Care home beds", "beds"),
)


# --------------------------------------------------------------------------------------------
# Cost splits (the place for fixed/variable and cash/capacity released)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CostSplit:
    """A way of splitting a cost: by the ``costs`` table column ``column`` into ``parts``.

    ``kind`` (fixed: capacity paid for whether used or not; variable: per use) comes from the
    engine's cost table when present. The cash / capacity-released split of a change is a
    property of a difference, not of a cost, and is computed in ``sim.readout.money``.
    """

    column: str
    parts: dict[str, str] = field(default_factory=dict)


COST_SPLITS = (
    CostSplit("payer", {p.key: p.name for p in PAYERS}),
    CostSplit("service", dict(SERVICES)),
    CostSplit("kind", {"fixed": "Fixed (capacity paid for whether used or not)",
                       "variable": "Variable (per use)"}),
)
CHANGE_SPLIT = {"cash": "Cash (money that actually moves)",
                "capacity": "Capacity released (valued, not cash unless capacity is cut)"}


__all__ = [
    "BOARD_HEADLINES", "CATALOGUE", "CENSUS", "CHANGE_SPLIT", "COST_SPLITS", "Census",
    "CostSplit", "DELAY_REASONS", "FLOW", "FLOW_TABLE", "GRIDLOCK_METRICS", "GROUP_KIND_NAMES",
    "GROUP_NAMES", "GROUP_OUTCOMES", "HEAVY_TAILED", "KEY_METRICS", "METRICS", "Metric", "PAYER",
    "PAYERS", "Payer", "SERVICES", "TOTAL_ROW",
    "delay_reason_name", "is_total", "metric", "service_name",
]


# ------------------------------------------------------------------------------------------
# Scenarios, as a planner names them (the file names stay the identifiers for the command
# line and the API; a scenario not listed here is shown by its own name).
SCENARIO_TITLES = {
    "fragmented": "Today's system (fragmented)",
    "integrated": "Integrated care",
    "better_care_fund": "Better Care Fund",
    "demand_growth_10y": "Demand in ten years",
    "home_first": "Home First",
    "key_worker": "Key workers",
    "north_tyneside_copd": "North Tyneside COPD programme",
    "record_outage": "Integrated, with record outages",
    "shared_care_plan": "Shared care plan",
    "torbay": "Torbay model",
    "trusted_assessor": "Trusted assessors",
    "mmc": "Verification queue (M/M/c)",
}


def scenario_title(name: str) -> str:
    """The planner's name of a scenario. A named scenario applied to a local area
    (``area.scenario``, as sim.load_scenario names it) reads "Integrated care, my_area"."""
    if name in SCENARIO_TITLES:
        return SCENARIO_TITLES[name]
    area, dot, scenario = name.rpartition(".")
    if dot and area and scenario in SCENARIO_TITLES:
        return f"{SCENARIO_TITLES[scenario]}, {area}"
    return name
