"""What a local area file holds: every cell with its unit, allowed range and note.

The workbook, the YAML file and the error messages are all generated from the tables here,
so a cell cannot be documented one way and checked another. Sheets come in two shapes:

* settings sheets: one row per setting (key, value, unit, allowed, note);
* table sheets: one row per month (Beds calendar, Monthly), one column per figure.

Values are in the units the NHS and councils plan in (all-age bed counts as trusts report
them, P1 hours per week, P2/P3 beds); :mod:`sim.area.convert` turns them into model settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..params import CENSUS_DAY_BINS


@dataclass(frozen=True)
class Cell:
    """One setting of a settings sheet, or one column of a table sheet."""

    key: str
    unit: str
    note: str
    lo: float | None = None
    hi: float | None = None
    kind: str = "float"  # float, int, text, date, month
    required: bool = True

    def allowed(self) -> str:
        if self.kind == "text":
            return "text (at most 500 characters)"
        if self.kind == "date":
            return "a date, YYYY-MM-DD"
        if self.kind == "month":
            return "a month, YYYY-MM"
        what = "a whole number" if self.kind == "int" else "a number"
        blank = " or blank" if not self.required else ""
        if self.lo is not None and self.hi is not None:
            return f"{what} from {_num(self.lo)} to {_num(self.hi)}{blank}"
        if self.lo is not None:
            return f"{what} of at least {_num(self.lo)}{blank}"
        return what + blank


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


# ----------------------------------------------------------------------------------- sheets
ABOUT = (
    Cell("name", "name", "Short name of the area: letters, digits, _ . - (used for result "
         "folders).", kind="text"),
    Cell("description", "text", "One line a planner can read: which place, which year.",
         kind="text"),
    Cell("sources", "text", "Where the figures come from (publications, local returns).",
         kind="text"),
)

POPULATION = (
    Cell("age_65_74", "people", "Residents aged 65-74 (ONS mid-year estimate for the place).",
         0, 5_000_000, "int"),
    Cell("age_75_84", "people", "Residents aged 75-84.", 0, 5_000_000, "int"),
    Cell("age_85_plus", "people", "Residents aged 85 and over.", 0, 5_000_000, "int"),
    Cell("growth_per_year", "share per year", "Net growth of the 65+ population per year (ONS "
         "subnational projections); 0.018 is England's.", -0.05, 0.10),
)

BEDS = (
    Cell("share_under_65", "share of occupied G&A bed days", "Share of general and acute bed "
         "days used by people under 65 (Hospital Episode Statistics for the trust).", 0, 0.95),
    Cell("share_elective_65plus", "share of 65+ bed days", "Share of the 65+ bed days that are "
         "elective (planned) care, not emergency admissions.", 0, 0.95),
)

# The Beds calendar sheet: one row per month of the financial year, April first.
MONTHS = ("April", "May", "June", "July", "August", "September", "October", "November",
          "December", "January", "February", "March")
MONTH_START_DAY = (0, 30, 61, 91, 122, 153, 183, 214, 244, 275, 306, 334, 365)
BEDS_CALENDAR = (
    Cell("month", "month of the financial year", "April to March, in this order.", kind="text"),
    Cell("core_beds", "beds, all ages", "General and acute beds available, all ages, as the "
         "trust reports them (KH03), average over the month.", 0, 100_000, "int"),
    Cell("escalation_beds", "beds, all ages", "Escalation beds the winter plan can open in the "
         "month, all ages (0 when none).", 0, 20_000, "int"),
)

CAPACITY = (
    Cell("p1_reablement_hours_per_week", "hours per week", "Reablement hours the service can "
         "deliver each week (pathway 1). Leave blank and fill the visits row if you plan in "
         "visits.", 0, 1_000_000, required=False),
    Cell("p1_reablement_visits_per_week", "visits per week", "Reablement visits per week; used "
         "only when the hours row is blank.", 0, 1_000_000, required=False),
    Cell("visit_minutes", "minutes per visit", "Mean length of a reablement visit, to turn "
         "visits into hours.", 5, 240),
    Cell("reablement_hours_per_person_week", "hours per person per week", "Mean reablement "
         "hours one person receives each week; hours / this = people supported at once.",
         0.5, 40),
    Cell("p1_home_care_hours_per_week", "hours per week", "Home care hours the market delivers "
         "each week to people 65+ (long-term packages and pathway 1 starts together).",
         0, 10_000_000),
    Cell("p2_beds", "beds", "Pathway 2 beds: bed-based intermediate care and rehabilitation "
         "(discharge to assess) beds.", 0, 100_000, "int"),
    Cell("p3_beds", "beds", "Pathway 3 interim (discharge to assess) care-home beds, kept "
         "apart from the care-home places below (NHS-funded, paid whether used or not).",
         0, 100_000, "int"),
    Cell("care_home_places", "places", "Care-home places (residential and nursing) used by "
         "people 65+ of the area, CQC directory.", 0, 1_000_000, "int"),
    Cell("social_workers", "whole-time staff", "Hospital social workers doing discharge "
         "assessments.", 0, 10_000, "int"),
)

COSTS = (
    Cell("price_year", "financial year", "Price year of every cost on this sheet, e.g. "
         "2023/24; costs are uplifted to the model's price year (2024/25) with the HM "
         "Treasury GDP deflator (evidence/price_index.csv).", kind="text"),
    Cell("acute_bed_day", "GBP per bed day", "Ward (hotel) cost of a staffed acute bed for a "
         "day (NHS). Blank: national default.", 0, 1e6, required=False),
    Cell("admission_episode", "GBP per admission", "Treatment cost of a non-elective spell "
         "(NHS). Blank: national default.", 0, 1e6, required=False),
    Cell("intermediate_care_bed_day", "GBP per bed day", "Staffed pathway 2 bed per day (NHS). "
         "Blank: national default.", 0, 1e6, required=False),
    Cell("reablement_place_year", "GBP per place per year", "Reablement team cost per person "
         "supported at once (council). Blank: national default.", 0, 1e7, required=False),
    Cell("social_worker_year", "GBP per whole-time social worker per year", "Hospital social "
         "worker, salary and on-costs (council). Blank: national default.", 0, 1e7,
         required=False),
    Cell("home_care_hour", "GBP per hour", "Home care hour at the council's rate. Blank: "
         "national default.", 0, 10_000, required=False),
    Cell("residential_week", "GBP per week", "Residential care-home week at the council's "
         "rate. Blank: national default.", 0, 1e5, required=False),
    Cell("nursing_week", "GBP per week", "Nursing home week at the council's rate, excluding "
         "NHS-funded nursing care. Blank: national default.", 0, 1e5, required=False),
    Cell("chc_week", "GBP per week", "Care-home week funded by NHS Continuing Healthcare. "
         "Blank: national default.", 0, 1e5, required=False),
)

# The Monthly sheet: last year's figures, one row per month; every figure may be blank.
MONTHLY = (
    Cell("month", "YYYY-MM", "Calendar month the row counts.", kind="month"),
    Cell("emergency_admissions", "admissions per month", "Emergency admissions of people "
         "65+ (SUS / HES, admission method 21-2B).", 0, 1_000_000, "int", required=False),
    Cell("discharges_p0", "discharges per month", "Discharges of people 65+ home with no new "
         "support (discharge sitrep, pathway 0).", 0, 1_000_000, "int", required=False),
    Cell("discharges_p1", "discharges per month", "Discharges home with support "
         "(pathway 1).", 0, 1_000_000, "int", required=False),
    Cell("discharges_p2", "discharges per month", "Discharges to a rehabilitation bed "
         "(pathway 2).", 0, 1_000_000, "int", required=False),
    Cell("discharges_p3", "discharges per month", "Discharges to a care home (pathway 3).",
         0, 1_000_000, "int", required=False),
    Cell("ready_to_leave_p1", "patients (daily mean)", "Patients 65+ ready to leave but still "
         "in an acute bed, waiting for pathway 1 (discharge sitrep, mean of the month's days).",
         0, 100_000, required=False),
    Cell("ready_to_leave_p2", "patients (daily mean)", "The same, waiting for pathway 2.",
         0, 100_000, required=False),
    Cell("ready_to_leave_p3", "patients (daily mean)", "The same, waiting for pathway 3.",
         0, 100_000, required=False),
    Cell("bed_occupancy", "share of beds", "Mean share of adult general and acute beds "
         "occupied in the month (discharge sitrep or KH03), taken as the occupancy of the beds "
         "for the emergency care of people 65+.", 0.3, 1.1, required=False),
)
MAX_MONTHS = 36

# The Census sheet: who is where on the start date (maps to sim.params.Census).
BIN_LABELS = tuple(
    f"{lo}_{hi - 1}" if hi is not None else f"{lo}_plus"
    for lo, hi in zip(CENSUS_DAY_BINS, (*CENSUS_DAY_BINS[1:], None))
)
CENSUS_GROUPS = (
    ("in_treatment", "in_treatment_by_days", "People 65+ in acute beds not yet ready to leave, "
     "by days since admission"),
    ("ready_p0", "ready_to_leave_p0", "Ready to leave home with no new support (P0), by days "
     "waiting"),
    ("ready_p1", "ready_to_leave_p1", "Ready to leave waiting for pathway 1, by days waiting"),
    ("ready_p2", "ready_to_leave_p2", "Ready to leave waiting for pathway 2, by days waiting"),
    ("ready_p3", "ready_to_leave_p3", "Ready to leave waiting for pathway 3, by days waiting"),
)
CENSUS = (
    Cell("start_date", "YYYY-MM-DD", "Date of the census and of the first simulated day. "
         "Blank: no census; the run warms up from an empty hospital.", kind="date",
         required=False),
    *(Cell(f"{prefix}_days_{label}", "people", f"{note}: {label.replace('_', ' to ')} days."
           .replace("to plus", "or more"), 0, 1_000_000, "int", required=False)
      for prefix, _, note in CENSUS_GROUPS for label in BIN_LABELS),
    Cell("in_reablement", "people", "People receiving reablement at home today.",
         0, 1_000_000, "int", required=False),
    Cell("in_intermediate_care", "people", "People in pathway 2 beds today.", 0, 1_000_000,
         "int", required=False),
    Cell("in_interim_beds", "people", "People in pathway 3 interim beds today.", 0, 1_000_000,
         "int", required=False),
    Cell("home_care_waiting", "people", "People in the community waiting for a home care "
         "package to start.", 0, 1_000_000, "int", required=False),
    Cell("care_home_residents", "people", "Care-home residents 65+ today. Blank: the national "
         "share of the population.", 0, 10_000_000, "int", required=False),
    Cell("waiting_in_ae", "people", "People in A&E with a decision to admit, waiting for a "
         "bed.", 0, 1_000_000, "int", required=False),
)

# The Rates sheet: multipliers of the national rates, set by ``python -m sim.area fit`` (1 is
# the national default). The keys are the names in sim.area.fit.FITTED.
RATES = (
    Cell("admission_rate_scale", "multiplier", "Multiplier of the national crisis rate that "
         "brings people 65+ to A&E (and so of emergency admissions). 1 = national default; "
         "set by the fit.", 0.3, 3.0, required=False),
    Cell("pathway_split_scale", "multiplier", "Multiplier of the function lines below which "
         "a person needs support to leave hospital (P1, P2, P3): above 1, more discharges "
         "need support. 1 = national default; set by the fit.", 0.5, 1.8, required=False),
    Cell("residual_wait_scale", "multiplier", "Multiplier of the waits no capacity explains "
         "(finding a home care provider, a care-home vacancy, the provider's visit). "
         "1 = national default; set by the fit.", 0.1, 10.0, required=False),
    Cell("treatment_stay_scale", "multiplier", "Multiplier of the national treatment length "
         "of stay (until medically fit, before any wait to leave). 1 = national default; set "
         "by the fit.", 0.3, 3.0, required=False),
)

# Sheet name -> (YAML key, shape, cells). The order is the workbook's.
SHEETS = {
    "About": ("area", "settings", ABOUT),
    "Population": ("population", "settings", POPULATION),
    "Beds": ("beds", "settings", BEDS),
    "Beds calendar": ("beds_calendar", "table", BEDS_CALENDAR),
    "Capacity": ("capacity", "settings", CAPACITY),
    "Costs": ("costs", "settings", COSTS),
    "Monthly": ("monthly", "table", MONTHLY),
    "Census": ("census", "settings", CENSUS),
    "Rates": ("rates", "settings", RATES),
}
YAML_KEYS = {key: sheet for sheet, (key, _, _) in SHEETS.items()}
