"""The parameter schema: every setting the model accepts, with unit, range, default and source.

This is the single source of truth for defaults. The Hydra config tree, the app's widgets and
the documentation's parameter table are all generated from these classes, so they cannot drift.

Conventions
-----------
* Time is in days unless a name says otherwise (``_per_year``, ``_per_week``, ``_hours``).
* Rates are per person per year unless stated.
* ``evidence`` grades the source: ``strong`` (national statistics or a systematic review),
  ``moderate`` (a single good study or official estimate), ``weak`` (an assumption or a local
  figure; treat the result as a what-if, not a forecast).
* Effects whose published evidence is weak or contradictory are :class:`UncertainEffect`:
  one value is drawn per replication from Normal(mean, sd) truncated to the range, so the
  uncertainty about the effect is carried into the confidence intervals.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

Evidence = Literal["strong", "moderate", "weak"]


def param(
    default: Any,
    *,
    unit: str,
    description: str,
    source: str,
    ge: float | None = None,
    le: float | None = None,
    evidence: Evidence = "moderate",
    mechanism: str | None = None,
    group: str | None = None,
) -> Any:
    """A documented field: the schema, the app and the docs read unit, source and range here."""
    extra: dict[str, Any] = {"unit": unit, "source": source, "evidence": evidence}
    if mechanism:
        extra["mechanism"] = mechanism
    if group:
        extra["group"] = group
    return Field(default, ge=ge, le=le, description=description, json_schema_extra=extra)


class Block(BaseModel):
    """Base for every config block: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic reads true as 1: a switch typed into a number field must be an error.
        if isinstance(value, bool) and info.field_name:
            ann = cls.model_fields[info.field_name].annotation
            if bool not in getattr(ann, "__args__", (ann,)):
                raise ValueError("must be a number, not true or false")
        return value


class UncertainEffect(Block):
    """A relative effect with its uncertainty, drawn once per replication.

    ``mean`` and ``sd`` are relative changes (-0.10 means 10% fewer). The draw is truncated to
    [low, high] so a replication never uses an effect outside the plausible range.
    """

    mean: float = Field(0.0, ge=-0.9, le=1.0, description="central relative effect")
    sd: float = Field(0.0, ge=0.0, le=1.0, description="standard deviation of the relative effect")
    low: float = Field(-0.9, ge=-0.9, le=1.0, description="lowest plausible relative effect")
    high: float = Field(1.0, ge=-0.9, le=1.0, description="highest plausible relative effect")

    @model_validator(mode="after")
    def _ordered(self) -> UncertainEffect:
        if not self.low <= self.mean <= self.high:
            raise ValueError(
                f"mean {self.mean} must lie between low {self.low} and high {self.high}"
            )
        return self


def effect(
    mean: float,
    sd: float,
    low: float,
    high: float,
    *,
    description: str,
    source: str,
    evidence: Evidence,
    mechanism: str,
    group: str | None = None,
) -> Any:
    extra: dict[str, Any] = {
        "unit": "relative change",
        "source": source,
        "evidence": evidence,
        "mechanism": mechanism,
        "uncertain": True,
    }
    if group:
        extra["group"] = group
    return Field(
        default_factory=lambda: UncertainEffect(mean=mean, sd=sd, low=low, high=high),
        description=description,
        json_schema_extra=extra,
    )


CSV = "evidence/uk_figures.csv"


# --------------------------------------------------------------------------------------------
# Run settings
# --------------------------------------------------------------------------------------------
class RunSettings(Block):
    days: float = param(
        365, unit="days", ge=1, le=3650,
        description="Length of the results period, after warm-up.",
        source="choice of the user", evidence="strong",
    )
    warmup_days: float = param(
        120, unit="days", ge=0, le=3650,
        description="Warm-up before results are recorded. The model starts with a census of "
        "care-home residents and home-care clients but an empty hospital and empty short-term "
        "services; 120 days lets the acute ward, reablement and intermediate care fill.",
        source="judgement from the daily series; see experiments/warmup", evidence="moderate",
    )
    start_weekday: int = param(
        0, unit="day of week (0 = Monday)", ge=0, le=6,
        description="Weekday of simulated day 0.", source="convention", evidence="strong",
    )
    start_day_of_year: int = param(
        0, unit="day of year (0 = 1 April)", ge=0, le=364,
        description="Day of the financial year of simulated day 0; sets where winter falls.",
        source="convention (NHS financial year starts 1 April)", evidence="strong",
    )
    max_boarding_queue: int = param(
        100_000, unit="people", ge=1, le=10_000_000,
        description="Memory safety cap only: if more people than this wait in A&E for a bed "
        "the run stops there and is reported partial (and unstable). Gridlock itself is "
        "judged by the gridlock settings below, and such runs go to their end.",
        source="engineering safeguard", evidence="strong",
    )
    gridlock_window_days: int = param(
        28, unit="days", ge=1, le=365,
        description="Rolling window over which gridlock is judged (a run is flagged unstable "
        "from the first window in which the A&E queue or the decision-to-admit wait is too "
        "large).",
        source="judgement: four weeks smooths the weekly cycle and single bad days "
        "(docs/model.md, Gridlock)", evidence="moderate",
    )
    gridlock_queue_share: float = param(
        0.10, unit="share of core acute beds", ge=0.001, le=10,
        description="Gridlock when the mean number of people waiting in A&E for a bed over "
        "the window exceeds this share of the core acute beds.",
        source="judgement: at 10% of beds the queue alone means waits near a day for the "
        "typical admission (Little's law; docs/model.md, Gridlock)", evidence="moderate",
    )
    gridlock_dta_hours: float = param(
        24.0, unit="hours", ge=1, le=10_000,
        description="Gridlock when the mean decision-to-admit wait of the admissions that "
        "reached a bed in the window exceeds this.",
        source="judgement: twice the 12-hour trolley-wait standard, a mean no English "
        "system has sustained for a month (evidence/front_door.csv)", evidence="moderate",
    )


# --------------------------------------------------------------------------------------------
# Population
# --------------------------------------------------------------------------------------------
class FrailtyMix(Block):
    fit: float = param(0.50, unit="share", ge=0, le=1, description="Share fit (eFI).",
                       source="Clegg et al. 2016 Age and Ageing (eFI validation cohort)",
                       evidence="strong")
    mild: float = param(0.35, unit="share", ge=0, le=1, description="Share mildly frail (eFI).",
                        source="Clegg et al. 2016", evidence="strong")
    moderate: float = param(0.12, unit="share", ge=0, le=1,
                            description="Share moderately frail (eFI).",
                            source="Clegg et al. 2016", evidence="strong")
    severe: float = param(0.03, unit="share", ge=0, le=1,
                          description="Share severely frail (eFI).",
                          source="Clegg et al. 2016", evidence="strong")

    @model_validator(mode="after")
    def _sums_to_one(self) -> FrailtyMix:
        total = self.fit + self.mild + self.moderate + self.severe
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"frailty shares must add up to 1, they add up to {total:.4f}")
        return self


class AgeMix(Block):
    age_65_74: float = param(0.53, unit="share", ge=0, le=1, description="Share aged 65-74.",
                             source="ONS mid-year estimates 2021, England", evidence="strong")
    age_75_84: float = param(0.33, unit="share", ge=0, le=1, description="Share aged 75-84.",
                             source="ONS mid-year estimates 2021, England", evidence="strong")
    age_85_plus: float = param(0.14, unit="share", ge=0, le=1, description="Share aged 85+.",
                               source="ONS mid-year estimates 2021, England", evidence="strong")

    @model_validator(mode="after")
    def _sums_to_one(self) -> AgeMix:
        total = self.age_65_74 + self.age_75_84 + self.age_85_plus
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"age shares must add up to 1, they add up to {total:.4f}")
        return self


class Population(Block):
    size: int = param(
        50_000, unit="people aged 65+", ge=1, le=5_000_000,
        description="People aged 65+ at the start of the run (a place of about 270,000 "
        "people of all ages at the England share of 18.6%).",
        source=f"{CSV}: population_share_65plus", evidence="strong", group="demand",
    )
    growth_per_year: float = param(
        0.018, unit="share per year", ge=-0.05, le=0.10,
        description="Net growth of the 65+ population per year. Zero holds today's size and "
        "today's age mix; otherwise each age band grows at this rate times its growth ratio.",
        source=f"{CSV}: population_growth_65plus (20% per decade)", evidence="moderate",
        group="demand",
    )
    growth_ratio_65_74: float = param(
        0.87, unit="ratio", ge=0, le=5,
        description="Growth rate of the 65-74 band relative to the 65+ as a whole (the three "
        "ratios are rescaled so that the 65+ grow at growth_per_year).",
        source="evidence/population_by_age.csv: ons_projection_england_2010_2030 (65-84 "
        "+43% against 65+ +51% over 20 years; the 65-84 split is not published there)",
        evidence="moderate", group="demand",
    )
    growth_ratio_75_84: float = param(
        0.87, unit="ratio", ge=0, le=5,
        description="Growth rate of the 75-84 band relative to the 65+ as a whole.",
        source="evidence/population_by_age.csv: ons_projection_england_2010_2030",
        evidence="moderate", group="demand",
    )
    growth_ratio_85_plus: float = param(
        1.69, unit="ratio", ge=0, le=5,
        description="Growth rate of the 85+ band relative to the 65+ as a whole (the oldest "
        "grow fastest).",
        source="evidence/population_by_age.csv: ons_projection_england_2010_2030 (85+ "
        "+101% against 65+ +51% over 20 years)", evidence="moderate", group="demand",
    )
    projection_years: float = param(
        0, unit="years", ge=0, le=30,
        description="Run the population this many years ahead: its size grows by "
        "growth_per_year for each year, while capacities left blank stay at today's level "
        "(sized for population.size).",
        source="scenario setting", evidence="strong", group="demand",
    )
    frailty_mix: FrailtyMix = Field(default_factory=FrailtyMix)
    age_mix: AgeMix = Field(default_factory=AgeMix)
    lives_alone_share: float = param(
        0.33, unit="share", ge=0, le=1, description="Share of people 65+ who live alone.",
        source="ONS Families and households 2021 (about 3.3 million of 10 million 65+)",
        evidence="moderate",
    )
    informal_carer_share: float = param(
        0.55, unit="share", ge=0, le=1,
        description="Share of people not living alone who have an informal carer able to help "
        "after discharge.", source="assumption", evidence="weak",
    )
    home_care_share: float = param(
        0.035, unit="share", ge=0, le=0.5,
        description="Share of people 65+ receiving a long-term home care package at the start.",
        source="NHS Digital Adult Social Care Activity and Finance 2022/23 (about 0.5 million "
        "people 65+, 4.5%, with long-term community support, of whom about four in five have "
        "home care rather than direct payments or other support: about 3.6%); 3.5% is where "
        "the model's own flows hold the caseload over ten zero-growth years",
        evidence="moderate",
    )
    care_home_share: float = param(
        0.035, unit="share", ge=0, le=0.5,
        description="Share of people 65+ living in a care home at the start.",
        source="ONS Census 2021 care home residents 65+ (about 0.37 million)",
        evidence="strong",
    )
    nursing_share_of_care_home: float = param(
        0.45, unit="share", ge=0, le=1,
        description="Share of care-home residents in nursing (rather than residential) beds.",
        source="LaingBuisson care homes market report (approximate)", evidence="moderate",
    )
    @property
    def band_growth_per_year(self) -> tuple[float, float, float]:
        """Growth per year of each age band (65-74, 75-84, 85+), averaging growth_per_year."""
        mix = self.age_mix
        shares = (mix.age_65_74, mix.age_75_84, mix.age_85_plus)
        ratios = (self.growth_ratio_65_74, self.growth_ratio_75_84, self.growth_ratio_85_plus)
        mean = sum(s * r for s, r in zip(shares, ratios))
        if mean <= 0:
            return (self.growth_per_year,) * 3
        return tuple(self.growth_per_year * r / mean for r in ratios)

    def _projected_bands(self) -> list[float]:
        mix = self.age_mix
        shares = (mix.age_65_74, mix.age_75_84, mix.age_85_plus)
        return [self.size * s * (1.0 + g) ** self.projection_years
                for s, g in zip(shares, self.band_growth_per_year)]

    @property
    def projected_size(self) -> int:
        """People aged 65+ simulated: today's size with each band grown over projection_years."""
        return max(1, round(sum(self._projected_bands())))

    @property
    def projected_age_mix(self) -> AgeMix:
        """The age mix after projection_years (the 85+ share rises when they grow faster)."""
        bands = self._projected_bands()
        total = sum(bands)
        if total <= 0:
            return self.age_mix
        return AgeMix(age_65_74=bands[0] / total, age_75_84=bands[1] / total,
                      age_85_plus=max(0.0, 1.0 - bands[0] / total - bands[1] / total))

    @model_validator(mode="after")
    def _projected_within_limit(self) -> Population:
        from .limits import MAX_PROJECTED_POPULATION

        if self.projected_size > MAX_PROJECTED_POPULATION:
            raise ValueError(
                f"size {self.size:,} grown by {self.growth_per_year:g} a year for "
                f"{self.projection_years:g} years is {self.projected_size:,} people; the limit "
                f"after projection is {MAX_PROJECTED_POPULATION:,}")
        return self

    mean_long_term_conditions: float = param(
        2.0, unit="conditions", ge=0, le=10,
        description="Mean number of long-term conditions of a fit person; frailty adds one per "
        "level.", source="Kingston et al. 2018 Age and Ageing (multimorbidity 65+)",
        evidence="moderate",
    )


# --------------------------------------------------------------------------------------------
# Arrivals (verification mode)
# --------------------------------------------------------------------------------------------
class Arrivals(Block):
    mode: Literal["population", "poisson"] = param(
        "population", unit="choice",
        description="'population': admissions come from the synthetic population's crises "
        "(the real model). 'poisson': Poisson arrivals of people with no history, admitted "
        "by the same A&E and ward code, who leave as soon as they are medically fit: no "
        "deaths, no discharge process, no readmissions (the textbook M/M/c queue, for "
        "verification).",
        source="model design", evidence="strong",
    )
    rate_per_day: float = param(
        30.0, unit="arrivals per day", ge=0, le=100_000,
        description="Arrival rate in 'poisson' mode.", source="verification setting",
        evidence="strong",
    )


# --------------------------------------------------------------------------------------------
# Community
# --------------------------------------------------------------------------------------------
class Community(Block):
    crisis_rate_per_year: float = param(
        0.173, unit="A&E crises per person per year", ge=0, le=20,
        description="Rate of crises bringing a fit person aged 65-74 with the mean number of "
        "conditions to A&E. Age, frailty, conditions and care status multiply it.",
        source=f"calibrated to {CSV}: emergency_admissions_65plus_england (about 250 "
        "admissions per 1,000 per year)", evidence="moderate", group="community",
    )
    age_crisis_ratio_75_84: float = param(
        1.7, unit="ratio", ge=0.1, le=10,
        description="Crisis rate of 75-84 relative to 65-74.",
        source="Hospital Episode Statistics admissions by age (approximate)",
        evidence="moderate",
    )
    age_crisis_ratio_85_plus: float = param(
        2.8, unit="ratio", ge=0.1, le=20,
        description="Crisis rate of 85+ relative to 65-74.",
        source="Hospital Episode Statistics admissions by age (approximate)",
        evidence="moderate",
    )
    frailty_crisis_ratio_mild: float = param(
        1.93, unit="hazard ratio", ge=0.1, le=20,
        description="Hospitalisation hazard ratio, mild frailty vs fit.",
        source=f"{CSV}: efi_hazard_ratios (Clegg et al. 2016)", evidence="strong",
    )
    frailty_crisis_ratio_moderate: float = param(
        3.04, unit="hazard ratio", ge=0.1, le=20,
        description="Hospitalisation hazard ratio, moderate frailty vs fit.",
        source=f"{CSV}: efi_hazard_ratios (Clegg et al. 2016)", evidence="strong",
    )
    frailty_crisis_ratio_severe: float = param(
        4.73, unit="hazard ratio", ge=0.1, le=20,
        description="Hospitalisation hazard ratio, severe frailty vs fit.",
        source=f"{CSV}: efi_hazard_ratios (Clegg et al. 2016)", evidence="strong",
    )
    crisis_ratio_per_condition: float = param(
        1.08, unit="ratio per condition", ge=0.5, le=3,
        description="Multiplier of the crisis rate per long-term condition above the mean.",
        source="assumption (multimorbidity raises admissions; size not separated from frailty)",
        evidence="weak",
    )
    care_home_admissions_per_resident_year: float = param(
        0.70, unit="admissions per resident-year", ge=0, le=10,
        description="Emergency admission rate of care-home residents (replaces the "
        "community crisis rate for them).",
        source=f"{CSV}: care_home_resident_admissions", evidence="moderate",
    )
    admission_probability: float = param(
        0.37, unit="probability", ge=0, le=1,
        description="Probability that a crisis attending A&E leads to an emergency admission, "
        "fit person aged 65-74. Age and frailty raise it (odds ratios below); the default "
        "gives about half of all attendances by people 65+ admitted.",
        source="evidence/front_door.csv: ae_admitted_share_65plus (47% of A&E attendances "
        "by people 65+ admitted, HES 2015)", evidence="moderate",
    )
    admission_odds_ratio_75_84: float = param(
        1.3, unit="odds ratio", ge=0.1, le=10,
        description="Odds of admission after an A&E attendance, 75-84 against 65-74, same "
        "frailty.",
        source="evidence/front_door.csv: ae_admission_odds_by_age (admission rises "
        "steadily with age; 95+ against 75-80 odds ratio 1.26 after adjustment)",
        evidence="weak",
    )
    admission_odds_ratio_85_plus: float = param(
        1.6, unit="odds ratio", ge=0.1, le=10,
        description="Odds of admission after an A&E attendance, 85+ against 65-74, same "
        "frailty.", source="evidence/front_door.csv: ae_admission_odds_by_age",
        evidence="weak",
    )
    admission_odds_ratio_per_frailty_level: float = param(
        1.1, unit="odds ratio per eFI level", ge=0.1, le=10,
        description="Odds of admission after an A&E attendance per frailty level above fit, "
        "same age.",
        source="evidence/front_door.csv: ae_admission_odds_by_frailty (frailty scores "
        "predict admission and fewer discharges from A&E)", evidence="weak",
    )
    winter_peak: float = param(
        0.10, unit="relative amplitude", ge=0, le=0.9,
        description="Amplitude of the seasonal cycle of crises (peak in early January).",
        source="NHS England A&E and admissions monthly statistics (emergency admissions about 10% above the mean in winter)",
        evidence="moderate",
    )
    winter_peak_day_of_year: int = param(
        280, unit="day of financial year", ge=0, le=364,
        description="Day of the year on which crises peak (280 = early January).",
        source="NHS England monthly statistics", evidence="moderate",
    )
    monday_excess: float = param(
        0.10, unit="relative excess", ge=0, le=1,
        description="Extra crises on Mondays relative to other weekdays; weekend days have "
        "the same amount fewer, so the weekly mean is unchanged.",
        source="NHS England A&E attendances by weekday (approximate)", evidence="moderate",
    )
    mortality_per_year_65_74: float = param(
        0.00307, unit="deaths per person per year", ge=0, le=1,
        description="Community death rate of a fit person aged 65-74.",
        source="ONS deaths registered 2022 by age (scaled to fit; hospital deaths separate)",
        evidence="moderate",
    )
    mortality_ratio_75_84: float = param(
        2.8, unit="ratio", ge=0.1, le=20, description="Death rate ratio 75-84 vs 65-74.",
        source="ONS life tables", evidence="strong",
    )
    mortality_ratio_85_plus: float = param(
        8.0, unit="ratio", ge=0.1, le=50, description="Death rate ratio 85+ vs 65-74.",
        source="ONS life tables", evidence="strong",
    )
    frailty_mortality_ratio_mild: float = param(
        1.92, unit="hazard ratio", ge=0.1, le=20,
        description="One-year mortality hazard ratio, mild frailty vs fit.",
        source=f"{CSV}: efi_hazard_ratios (Clegg et al. 2016)", evidence="strong",
    )
    frailty_mortality_ratio_moderate: float = param(
        3.10, unit="hazard ratio", ge=0.1, le=20,
        description="One-year mortality hazard ratio, moderate frailty vs fit.",
        source=f"{CSV}: efi_hazard_ratios (Clegg et al. 2016)", evidence="strong",
    )
    frailty_mortality_ratio_severe: float = param(
        4.52, unit="hazard ratio", ge=0.1, le=20,
        description="One-year mortality hazard ratio, severe frailty vs fit.",
        source=f"{CSV}: efi_hazard_ratios (Clegg et al. 2016)", evidence="strong",
    )
    care_home_mortality_per_year: float = param(
        0.25, unit="deaths per resident per year", ge=0, le=5,
        description="Death rate of care-home residents (mean stay about 3 years).",
        source="Forder & Fernandez 2011 length of stay in care homes (PSSRU)",
        evidence="moderate",
    )
    frailty_progression_per_year_65_74: float = param(
        0.130, unit="transitions per person per year", ge=0, le=5,
        description="Rate of moving up one eFI frailty level, age 65-74.",
        source=f"{CSV}: frailty_transition (fit to frail 130 per 1,000 person-years)",
        evidence="strong",
    )
    frailty_progression_per_year_75_84: float = param(
        0.214, unit="transitions per person per year", ge=0, le=5,
        description="Rate of moving up one eFI frailty level, age 75-84.",
        source=f"{CSV}: frailty_transition", evidence="strong",
    )
    frailty_progression_per_year_85_plus: float = param(
        0.380, unit="transitions per person per year", ge=0, le=5,
        description="Rate of moving up one eFI frailty level, age 85+.",
        source=f"{CSV}: frailty_transition", evidence="strong",
    )
    frailty_progression_scale: float = param(
        0.26, unit="ratio", ge=0, le=5,
        description="Multiplier of the published fit-to-frail transition rates. Applied in "
        "full with no movement back, they would halve the fit share within five years; the "
        "default keeps the frailty mix close to the cross-sectional prevalence the run starts "
        "from.",
        source="calibration: steady frailty mix over 10 years of fragmented with zero growth "
        "(docs/model.md, Population accounts)", evidence="weak",
    )
    frailty_progression_ratio_frail: float = param(
        1.4, unit="ratio", ge=0, le=5,
        description="Rate of moving from mild to moderate, or moderate to severe frailty, "
        "relative to the rate of moving from fit to mild at the same age.",
        source="assumption chosen so the frailty mix of the population stays steady over "
        "years (the published rates are for fit to frail)", evidence="weak",
    )
    home_care_referral_per_year_mild: float = param(
        0.0023, unit="referrals per person per year", ge=0, le=5,
        description="Community referrals for a home care package, mildly frail person.",
        source="assumption scaled to keep home care use steady (raised 15% when fewer "
        "people left hospital on pathway 1)", evidence="weak",
    )
    home_care_referral_per_year_moderate: float = param(
        0.0115, unit="referrals per person per year", ge=0, le=5,
        description="Community referrals for a home care package, moderately frail person.",
        source="assumption scaled to keep home care use steady (raised 15% when fewer "
        "people left hospital on pathway 1)", evidence="weak",
    )
    home_care_referral_per_year_severe: float = param(
        0.029, unit="referrals per person per year", ge=0, le=5,
        description="Community referrals for a home care package, severely frail person.",
        source="assumption scaled to keep home care use steady (raised 15% when fewer "
        "people left hospital on pathway 1)", evidence="weak",
    )
    care_home_direct_per_year_severe: float = param(
        0.16, unit="admissions per person per year", ge=0, le=5,
        description="Permanent care-home admissions straight from the community, severely "
        "frail person living at home (moderate frailty: a quarter of this).",
        source="assumption: about half of care-home admissions come from hospital (41% at the "
        "default); set so that with zero growth the care-home residents of the start "
        "(population.care_home_share) are replaced as they die (-2% over ten years). It was "
        "0.12 with more placements from hospital; with the hospital's placements refitted to "
        "the national pathway split, 0.12 let the residents fall 5% in ten years",
        evidence="weak",
    )
    function_recovery_half_life_days: float = param(
        60, unit="days", ge=1, le=3650,
        description="Half-life of the recovery of function lost in an illness once home.",
        source="assumption", evidence="weak",
    )


# --------------------------------------------------------------------------------------------
# Capacity calendars
# --------------------------------------------------------------------------------------------
class CapacityPeriod(Block):
    """One row of a capacity calendar: from start_day up to (not including) end_day the
    capacity is ``value``, or the block's own capacity times ``scale``. Later rows win where
    rows overlap; outside every row the block's own capacity applies."""

    start_day: float = Field(ge=0, le=3650, description="first day of the period")
    end_day: float = Field(gt=0, le=3650, description="day after the last day of the period")
    every_year: bool = Field(
        True, description="true: days of the financial year (0 = 1 April, 244 = 1 December), "
        "repeated every year; false: days of the results period, once")
    scale: float | None = Field(None, ge=0, le=100,
                                description="capacity as a multiple of the block's own")
    value: float | None = Field(None, ge=0, le=10_000_000,
                                description="capacity in the block's own unit")

    @model_validator(mode="after")
    def _one_value(self) -> CapacityPeriod:
        if (self.scale is None) == (self.value is None):
            raise ValueError("give exactly one of scale or value")
        if self.end_day <= self.start_day:
            raise ValueError(f"end_day {self.end_day} must be after start_day {self.start_day}")
        if self.every_year and self.end_day > 365:
            raise ValueError(f"end_day {self.end_day} is past the end of the year (365); "
                             "split a period that crosses 1 April into two rows")
        return self


def calendar_field(what: str, default: list | None = None) -> Any:
    rows = list(default or [])
    return Field(
        default_factory=lambda: [CapacityPeriod(**r) for r in rows],
        description=f"Calendar of {what}: a table of periods (start_day, end_day, every_year, "
        "scale or value), e.g. a winter plan, a ward closure or a new service. Empty: the "
        "same capacity all year.",
        # No widget group: a table is edited by its own control, not a number box.
        json_schema_extra={"unit": "table of periods", "source": "scenario setting",
                           "evidence": "strong"},
    )


# --------------------------------------------------------------------------------------------
# Acute hospital
# --------------------------------------------------------------------------------------------
class Acute(Block):
    beds: int | None = param(
        None, unit="beds", ge=0, le=1_000_000,
        description="Core general and acute beds available to people aged 65+ (escalation "
        "beds are separate). Blank: 295 at 50,000 people aged 65+; for other sizes the beds "
        "the population fills plus a margin that grows with its square root (67 at 10,000, "
        "1,114 at 200,000), so every size has the same chance of a wait for a bed.",
        source="NHS England KH03 bed availability, 65+ share of occupied bed days (about 2 in "
        "3), scaled to the population", evidence="moderate", group="capacity",
    )
    when_full: Literal["queue", "reject"] = param(
        "queue", unit="choice",
        description="What happens when every bed is full: 'queue' waits in A&E (boarding); "
        "'reject' diverts the arrival elsewhere (used to verify against Erlang B).",
        source="model design", evidence="strong",
    )
    los_distribution: Literal["lognormal", "exponential"] = param(
        "lognormal", unit="choice",
        description="Shape of the treatment length of stay, in every arrivals mode. "
        "'lognormal': median by frailty and los_sigma (the real model). 'exponential': mean "
        "los_mean_days whatever the frailty (for verification).",
        source="model design", evidence="strong",
    )
    los_mean_days: float = param(
        8.0, unit="days", ge=0.01, le=365,
        description="Mean treatment length of stay (until medically fit) when "
        "los_distribution is 'exponential'.", source="verification setting",
        evidence="strong",
    )
    los_median_days_fit: float = param(
        3.1, unit="days", ge=0.1, le=100,
        description="Median treatment length of stay (until medically fit), fit person. "
        "Frailty multiplies it.",
        source="calibrated to evidence/calibration_targets.csv: dta_over_4h_share, los_mean "
        "and the long-stay shares, with the pressure response below switched on (without it "
        "the model's winters tipped into gridlock at 89% mean occupancy, so the stay had been "
        "held short)",
        evidence="moderate",
    )
    los_frailty_ratio_per_level: float = param(
        1.25, unit="ratio per eFI level", ge=0.5, le=3,
        description="Multiplier of the treatment length of stay per frailty level above fit.",
        source="Hospital Episode Statistics by frailty (approximate)", evidence="moderate",
    )
    los_sigma: float = param(
        1.1, unit="log-scale standard deviation", ge=0.05, le=3,
        description="Spread of the lognormal treatment length of stay (the long right tail).",
        source=f"calibrated to {CSV}: los_long_stay_share (5% over 21 days use 40% of days)",
        evidence="moderate",
    )
    death_probability_fit: float = param(
        0.0398, unit="probability per admission", ge=0, le=1,
        description="Probability of dying during an emergency admission, fit person; frailty "
        "multiplies it by the mortality hazard ratios.",
        source=f"calibrated to {CSV}: in_hospital_deaths_75plus", evidence="moderate",
    )
    illness_function_loss: float = param(
        0.10, unit="function (0-1 scale)", ge=0, le=1,
        description="Mean loss of function from the illness that caused the admission.",
        source="assumption (functional decline during acute illness in older people)",
        evidence="weak",
    )
    ready_hour: float | None = param(
        14.0, unit="hour of the day (0-24)", ge=0, le=23.99,
        description="Hour of the day at which a patient whose treatment is over is ready to "
        "leave: decisions are made on the morning ward round and the paperwork takes the "
        "morning, so beds are freed in the afternoon while A&E admits around the clock. Blank: "
        "ready the moment treatment ends (no daily cycle).",
        source="HSJ freedom-of-information survey of 88 acute trusts: 17.6% of discharges "
        "before midday in 2014/15 (NHS England's aim 35%); evidence/front_door.csv: "
        "discharges_before_noon", evidence="moderate",
    )
    pressure_odds_ratio_95: float = param(
        0.88, unit="odds ratio", ge=0.1, le=1,
        description="Odds of admission after an A&E attendance when the acute beds are "
        "95-100% full (beds in use plus people waiting in A&E for one, over the beds in "
        "service), against below 95%: under pressure the A&E admits fewer of the people at "
        "the margin (sent home, same-day care). 1 switches the response off.",
        source="Blom et al. 2014, Int J Emerg Med 7:8 (118,668 A&E visits, adjusted odds "
        "ratio 0.88, CI 0.84-0.93); an English study of 13 trusts (Wyatt et al. 2022, Emerg "
        "Med J) found a 3.3% lower chance of admission when the A&E was most crowded",
        evidence="weak",
    )
    pressure_odds_ratio_100: float = param(
        0.82, unit="odds ratio", ge=0.1, le=1,
        description="Odds of admission when the acute beds are 100-105% full (as above).",
        source="Blom et al. 2014 (adjusted odds ratio 0.82, CI 0.78-0.87)", evidence="weak",
    )
    pressure_odds_ratio_105: float = param(
        0.74, unit="odds ratio", ge=0.1, le=1,
        description="Odds of admission when the acute beds are 105% full or more (as above).",
        source="Blom et al. 2014 (adjusted odds ratio 0.74, CI 0.67-0.81)", evidence="weak",
    )
    calendar: list[CapacityPeriod] = calendar_field("acute beds (the core G&A beds for people 65+)")

    @model_validator(mode="after")
    def _pressure_falls_with_load(self) -> Acute:
        ratios = (self.pressure_odds_ratio_95, self.pressure_odds_ratio_100,
                  self.pressure_odds_ratio_105)
        if not ratios[0] >= ratios[1] >= ratios[2]:
            raise ValueError(
                "pressure_odds_ratio_95, _100 and _105 must not rise with the load (got "
                f"{ratios[0]}, {ratios[1]}, {ratios[2]}): a fuller hospital does not admit more")
        return self

class Escalation(Block):
    beds: int | None = param(
        None, unit="beds", ge=0, le=100_000,
        description="Escalation beds the winter plan can open on top of the core acute beds "
        "(temporary or repurposed wards). Blank: 12 per 50,000 people aged 65+ (about 4% of "
        "the acute beds), scaled to population.size.",
        source="evidence/front_door.csv: escalation_beds_winter (about 3,700 escalation beds "
        "open a day in early winter 2019/20 against about 97,000 G&A beds, 3.8%)",
        evidence="moderate", group="capacity",
    )
    open_occupancy: float = param(
        0.95, unit="share of core beds", ge=0.5, le=2,
        description="Escalation beds open when the beds in use plus the people waiting in A&E "
        "for one reach this share of the core acute beds (checked daily).",
        source="judgement: English escalation frameworks act at occupancy around 95% (OPEL)",
        evidence="weak",
    )
    close_occupancy: float = param(
        0.90, unit="share of core beds", ge=0.3, le=2,
        description="Open escalation beds close when the beds in use fall below this share of "
        "the core acute beds (patients already in them stay until they leave).",
        source="judgement: a gap below the opening level stops beds opening and closing "
        "day by day", evidence="weak",
    )
    calendar: list[CapacityPeriod] = calendar_field(
        "escalation beds (the default winter plan has them only from 1 December to 31 "
        "March)", default=[{"start_day": 0, "end_day": 244, "every_year": True, "scale": 0.0}])

    @model_validator(mode="after")
    def _close_below_open(self) -> Escalation:
        if self.close_occupancy > self.open_occupancy:
            raise ValueError(f"close_occupancy {self.close_occupancy} must not exceed "
                             f"open_occupancy {self.open_occupancy}")
        return self



# --------------------------------------------------------------------------------------------
# Discharge process
# --------------------------------------------------------------------------------------------
class Discharge(Block):
    p3_function_below: float = param(
        0.14, unit="function (0-1 scale)", ge=0, le=1,
        description="Below this function a person needs a care home (pathway 3).",
        source=f"calibrated with the other two lines to {CSV}: pathway_split_observed (new "
        "care-home placements 1.7% of discharges)",
        evidence="moderate",
    )
    p2_function_below: float = param(
        0.27, unit="function (0-1 scale)", ge=0, le=1,
        description="Below this function (and above the pathway 3 line) a person needs an "
        "intermediate care bed (pathway 2).",
        source=f"calibrated to {CSV}: pathway_split_observed (4.0% of discharges)",
        evidence="moderate",
    )
    p1_function_below: float = param(
        0.43, unit="function (0-1 scale)", ge=0, le=1,
        description="Below this function a person needs support at home (pathway 1). A home "
        "care client goes home on pathway 1 whatever their function, restarting the same "
        "package.",
        source=f"calibrated to {CSV}: pathway_split_observed, counting a restart of the same "
        "package as pathway 0 as the national count does (no new or additional support): "
        "pathway 0 84.6%, pathway 1 9.8%", evidence="moderate",
    )
    living_alone_shift: float = param(
        0.06, unit="function (0-1 scale)", ge=0, le=0.5,
        description="People living alone without a carer need support at this much higher "
        "function.", source="assumption", evidence="weak",
    )
    p1_reablement_share: float = param(
        0.6, unit="share", ge=0, le=1,
        description="Share of new pathway 1 needs met by reablement first (the rest need a "
        "home care package straight away). People with a package before admission restart it.",
        source="assumption", evidence="weak",
    )
    assessment_days: float = param(
        0.2, unit="working days", ge=0.01, le=30,
        description="Social worker time per discharge assessment.",
        source=f"calibrated, with the receiving service's own assessment wait, so waits for "
        f"assessment are near their share in {CSV}: dtoc_reason_split_2018_19 (awaiting "
        "assessment 11.3%)",
        evidence="weak",
    )
    provider_assessment_wait_days: float = param(
        0.15, unit="working days", ge=0, le=60,
        description="Mean wait for the receiving service (reablement team, home care agency, "
        "intermediate care, care home) to come and re-assess, in the fragmented process.",
        source=f"{CSV}: trusted_assessor_lincs (2.4 bed days saved by trusted assessors)",
        evidence="moderate",
    )
    funding_panel_weekday: int = param(
        2, unit="day of week (0 = Monday)", ge=0, le=6,
        description="Day of the weekly funding panel that signs off packages and placements.",
        source="common council practice", evidence="weak",
    )
    funding_panel_share: float = param(
        0.05, unit="share", ge=0, le=1,
        description="Share of new packages and placements that need the weekly funding panel "
        "(the rest are within a manager's delegated budget).",
        source=f"assumption (common council schemes of delegation), set so funding waits are "
        f"near their share in {CSV}: dtoc_reason_split_2018_19 (public funding 3.0%)",
        evidence="weak",
    )
    chc_share_p3: float = param(
        0.15, unit="share", ge=0, le=1,
        description="Share of pathway 2 and 3 discharges screened for NHS Continuing Healthcare.",
        source="NHS England CHC statistics (checklists per discharge, approximate)",
        evidence="weak",
    )
    chc_wait_mean_days: float = param(
        5.0, unit="days", ge=0, le=120,
        description="Mean wait for a CHC decision when it is made in hospital.",
        source="NHS England CHC quarterly statistics (28-day standard often missed)",
        evidence="moderate",
    )
    chc_eligible_share: float = param(
        0.25, unit="share", ge=0, le=1,
        description="Share of those screened found eligible for CHC (NHS pays their care).",
        source="NHS England CHC statistics (approximate)", evidence="moderate",
    )
    deconditioning_per_day: float = param(
        0.004, unit="function per delayed day", ge=0, le=0.1,
        description="Function lost for each day in an acute bed after being medically fit.",
        source=f"{CSV}: deconditioning_muscle (5% muscle over 13 days); size of the "
        "functional effect is an assumption", evidence="weak",
    )
    readmission_30d_base: float = param(
        0.155, unit="probability", ge=0, le=1,
        description="Excess probability of a new crisis within 30 days of discharge home "
        "(on top of the usual crisis rate).",
        source=f"calibrated to {CSV}: readmission_28d_65plus", evidence="moderate",
    )
    readmission_ratio_per_10_delay_days: float = param(
        1.3, unit="ratio per 10 delayed days", ge=1, le=5,
        description="Multiplier of that excess risk per 10 days of delay (deconditioning).",
        source="assumption consistent with observational studies of delayed discharge",
        evidence="weak",
    )
    readmission_ratio_after_reablement: float = param(
        1.0, unit="ratio", ge=0.1, le=2,
        description="Multiplier of the excess risk for people discharged into reablement.",
        source="assumption (reablement follow-up)", evidence="weak",
    )
    review_share: float = param(
        0.08, unit="share of discharges", ge=0, le=1,
        description="Share of people medically fit who then wait for a medical decision "
        "(including the discharge summary) or a therapy decision to discharge.",
        source="NHS England discharge delays SitRep, reasons 'awaiting a medical decision' "
        "and 'awaiting therapy decision' (evidence/uk_figures.csv: nctr_reasons_june_2023); "
        "share calibrated to discharge_delayed_share_dec_2024", evidence="weak",
    )
    review_days: float = param(
        1.0, unit="days", ge=0, le=30,
        description="Mean wait for that medical or therapy decision.",
        source="assumption (next ward round)", evidence="weak",
    )
    medicines_share: float = param(
        0.05, unit="share of discharges", ge=0, le=1,
        description="Share of people whose medicines to take home are not ready when "
        "everything else is.", source="NHS England discharge delays SitRep reason 'awaiting "
        "medicines to take home' (small; nctr_reasons_june_2023)", evidence="weak",
    )
    medicines_days: float = param(
        0.3, unit="days", ge=0, le=10,
        description="Mean wait for medicines to take home.",
        source="assumption (pharmacy turnaround of hours)", evidence="weak",
    )
    transport_share: float = param(
        0.05, unit="share of discharges", ge=0, le=1,
        description="Share of people waiting for patient transport once ready to go.",
        source="NHS England discharge delays SitRep reason 'awaiting transport' "
        "(nctr_reasons_june_2023)", evidence="weak",
    )
    transport_days: float = param(
        0.5, unit="days", ge=0, le=10,
        description="Mean wait for patient transport.", source="assumption", evidence="weak",
    )
    choice_share: float = param(
        0.4, unit="share of pathway 3 discharges", ge=0, le=1,
        description="Share of people going to a care home whose discharge waits on their or "
        "their family's choice of home (or disagreement with the plan).",
        source=f"calibrated to {CSV}: dtoc_reason_split_2018_19 (patient or family choice "
        "12.4% of delayed days)", evidence="weak",
    )
    choice_days: float = param(
        14.0, unit="days", ge=0, le=180,
        description="Mean time taken by that choice while the person waits in hospital.",
        source=f"calibrated to {CSV}: dtoc_reason_split_2018_19", evidence="weak",
    )
    housing_share: float = param(
        0.02, unit="share of home discharges of people living alone", ge=0, le=1,
        description="Share of people living alone going home whose home is unfit or who have "
        "none (adaptations, homelessness) when medically fit.",
        source=f"calibrated to {CSV}: dtoc_reason_split_2018_19 (housing 4.2%)",
        evidence="weak",
    )
    housing_days: float = param(
        14.0, unit="days", ge=0, le=365,
        description="Mean wait for housing to be resolved.",
        source=f"calibrated to {CSV}: dtoc_reason_split_2018_19", evidence="weak",
    )
    equipment_share: float = param(
        0.15, unit="share of pathway 1 discharges", ge=0, le=1,
        description="Share of people going home with support who need community equipment "
        "or an adaptation in place first.",
        source=f"calibrated to {CSV}: dtoc_reason_split_2018_19 (equipment 2.9%)",
        evidence="weak",
    )
    equipment_days: float = param(
        3.0, unit="days", ge=0, le=90,
        description="Mean wait for community equipment or adaptations.",
        source="assumption (community equipment services deliver in 1 to 7 days)",
        evidence="weak",
    )
    @model_validator(mode="after")
    def _pathway_lines_ordered(self) -> Discharge:
        # Checked on the block so the error names discharge.*, not the whole scenario.
        if not self.p3_function_below <= self.p2_function_below <= self.p1_function_below:
            raise ValueError(
                "p3_function_below <= p2_function_below <= p1_function_below is required; "
                f"got {self.p3_function_below}, {self.p2_function_below}, "
                f"{self.p1_function_below}"
            )
        return self


# --------------------------------------------------------------------------------------------
# Services after hospital
# --------------------------------------------------------------------------------------------
class Reablement(Block):
    slots: int | None = param(
        None, unit="people at once", ge=0, le=100_000,
        description="Reablement places (people who can be supported at the same time). Blank: 48 per 50,000 people aged 65+, scaled to population.size.",
        source="Health Foundation intermediate care analysis, scaled (assumption)",
        evidence="weak", group="capacity",
    )
    duration_mean_days: float = param(
        21, unit="days", ge=1, le=42,
        description="Mean reablement episode (capped at 6 weeks).",
        source=f"{CSV}: reablement_duration", evidence="strong",
    )
    function_recovery_share: float = param(
        0.5, unit="share of lost function", ge=0, le=1,
        description="Share of lost function regained in reablement.",
        source=f"{CSV}: reablement_outcomes and ascof_2d", evidence="weak",
    )
    independent_function_above: float = param(
        0.585, unit="function (0-1 scale)", ge=0, le=1,
        description="At the end of reablement, people at or above this function need no "
        "further support.",
        source=f"calibrated to {CSV}: ascof_2d and reablement_outcomes", evidence="weak",
    )
    reduced_package_function_above: float = param(
        0.435, unit="function (0-1 scale)", ge=0, le=1,
        description="At the end of reablement, people between this function and the line "
        "above need a reduced package; below it, long-term home care.",
        source=f"calibrated to {CSV}: ascof_2d (about 80% end with no or lower support) at "
        "0.47, just above the line below which people leave hospital with support (then "
        "0.465); moved with that line to 0.435 when it was refitted, so that ending "
        "reablement above it still means needing less support",
        evidence="weak",
    )
    calendar: list[CapacityPeriod] = calendar_field("reablement places")


class IntermediateCare(Block):
    beds: int | None = param(
        None, unit="beds", ge=0, le=100_000,
        description="Bed-based intermediate care (pathway 2 rehabilitation beds). Blank: 30 "
        "per 50,000 people aged 65+, short of the 32.5 the pathway 2 discharges would fill "
        "if nobody waited, scaled to population.size.",
        source="calibrated to the delay split among patients in hospital 14 days or more "
        "(evidence/calibration_targets.csv: delay_share_intermediate_care, 31% of those "
        "waiting for a service wait for a rehabilitation bed; the model gives about 32%, and "
        "under 1% with beds for the whole load). Cross-check: the National Audit of "
        "Intermediate Care 2017 found about 20 bed-based places per 100,000 weighted "
        "population, all ages, about 55 for the 270,000 people this population stands for; "
        "those places also take people under 65 and step-up admissions from home, which the "
        "model does not send there",
        evidence="moderate", group="capacity",
    )
    stay_mean_days: float = param(
        24, unit="days", ge=1, le=180,
        description="Mean stay in bed-based intermediate care.",
        source="National Audit of Intermediate Care 2017 (bed-based mean about 24 days)",
        evidence="moderate",
    )
    function_recovery_share: float = param(
        0.5, unit="share of lost function", ge=0, le=1,
        description="Share of lost function regained in intermediate care.",
        source="assumption", evidence="weak",
    )
    calendar: list[CapacityPeriod] = calendar_field("intermediate care beds")


    crisis_per_year: float = param(
        1.5, unit="crises per person-year in a bed", ge=0, le=50,
        description="Rate of crises needing readmission to the acute hospital from a "
        "bed-based intermediate care or interim bed (about 1 stay in 12 of 24 days).",
        source="National Audit of Intermediate Care 2017 (about 8-10% of bed-based episodes "
        "end in an acute admission)", evidence="moderate",
    )
    death_per_year: float = param(
        0.3, unit="deaths per person-year in a bed", ge=0, le=20,
        description="Death rate in a bed-based intermediate care or interim bed.",
        source="National Audit of Intermediate Care 2017 (about 2% of bed-based episodes end "
        "in death)", evidence="moderate",
    )
    interim_beds: int | None = param(
        None, unit="beds", ge=0, le=100_000,
        description="NHS-funded interim care-home beds for pathway 3 discharge to assess, "
        "where the person is assessed, screened for Continuing Healthcare and chooses a home "
        "after leaving hospital. Blank: 20 per 50,000 people aged 65+ when half of supported "
        "discharges go through discharge to assess, scaled to population.size and in "
        "proportion to levers.discharge_to_assess_share (none without it: a system that does "
        "not assess at home neither buys nor pays for these beds). They are beds in the "
        "same care homes: a blank care_home.beds gives them up.",
        source="Hospital discharge service guidance 2020 (pathway 3 D2A beds); size an "
        "assumption", evidence="weak", group="capacity",
    )
    interim_stay_days: float = param(
        28, unit="days", ge=1, le=180,
        description="Mean assessment period in an interim bed before the decision on "
        "long-term care (the national scheme funded up to four weeks).",
        source="Hospital discharge service guidance 2020-22 (up to 4 weeks NHS-funded)",
        evidence="moderate",
    )
    interim_function_recovery_share: float = param(
        0.15, unit="share of lost function", ge=0, le=1,
        description="Share of lost function regained during the interim stay (some people "
        "recover enough to go home, which is the point of assessing outside hospital).",
        source=f"assumption, set so about a quarter of interim stays end at home ({CSV}: "
        "d2a_los_wilson_2023 found no rise in care-home discharges under D2A)",
        evidence="weak",
    )


class Bridging(Block):
    places: int | None = param(
        None, unit="people at once", ge=0, le=100_000,
        description="Bridging care at home for pathway 1 discharge to assess: carers who "
        "look after the person from discharge until the assessed reablement or home care "
        "starts. Drawn from the same home-care workforce: when home_care.hours_per_week is "
        "blank, each place takes hours_per_place out of it, so discharge to assess moves "
        "carers rather than adding them. Blank: 10 per 50,000 people aged 65+ when half of "
        "supported discharges go through discharge to assess, scaled to population.size and "
        "in proportion to levers.discharge_to_assess_share (none without it).",
        source="Hospital discharge service guidance 2020 (bridging / 'discharge to assess' "
        "care); size an assumption", evidence="weak", group="capacity",
    )
    hours_per_place: float = param(
        17.5, unit="hours per week", ge=0, le=168,
        description="Home-care hours a week one bridging place takes from the home-care "
        "workforce (up to four calls a day while the assessed service is arranged).",
        source="assumption: about 2.5 hours of care a day, as costs.bridging_care_day; "
        "Hospital discharge service guidance 2020 (bridging care up to four calls a day)",
        evidence="weak",
    )


class HomeCare(Block):
    hours_per_week: float | None = param(
        None, unit="hours per week", ge=0, le=1e8,
        description="Home care hours the market can deliver each week. Blank: 14,900 per "
        "50,000 people aged 65+, scaled to population.size, less the hours of the bridging "
        "places (bridging.hours_per_place each).",
        source=f"sized to run about 96% busy with a short list (at 14,600 hours, 98% busy, "
        "home_first tipped into gridlock in 4 of 10 years), as {CSV}: "
        "adass_undelivered_home_care_2022 (1-6% of hours wanted cannot be delivered) and "
        "home_care_supply_delays", evidence="weak",
        group="capacity",
    )
    package_hours_mean: float = param(
        10, unit="hours per week", ge=0.5, le=100,
        description="Mean hours per week of a long-term home care package.",
        source="NHS Digital ASC-FR (about 10 hours per week per client)", evidence="moderate",
    )
    package_end_per_year: float = param(
        0.42, unit="endings per package per year", ge=0, le=12,
        description="Rate at which a long-term package ends for reasons other than death, "
        "hospital or care home (needs fall, family takes over, moves away).",
        source="assumption chosen so the number of home care clients and their hours hold at "
        "their start over ten zero-growth years (a mean package of about two and a half "
        "years when nothing else ends it), with the community referral rates", evidence="weak",
    )
    start_reduced_share: float = param(
        0.3, unit="share of starting clients", ge=0, le=1,
        description="Share of the starting home care clients on the reduced package that "
        "follows reablement (reduced_package_share of a full one).",
        source="the model's steady state: about 8.5 hours a week per client against 10 for a "
        "new full package", evidence="weak",
    )
    brokerage_days: float = param(
        2.0, unit="days", ge=0, le=365,
        description="Mean time for brokerage to find a provider with a carer free in the "
        "person's area, even when the market has hours in aggregate.",
        source=f"calibrated to {CSV}: dtoc_reason_split_2018_19 (care package at home 21%)",
        evidence="weak",
    )
    waiting_give_up_days: float = param(
        90.0, unit="days", ge=0, le=3650,
        description="Mean time a person waiting at home for a home care package stays on the "
        "list before making other arrangements (family, care bought privately, or going "
        "without); 0 means nobody leaves the list. People waiting in hospital never leave it.",
        source="assumption: ADASS spring surveys 2022-23 report lists of people waiting for "
        "home care that stay roughly level while hours go undelivered, with many waiting "
        "over three months", evidence="weak",
    )
    hospital_first: bool = param(
        True, unit="yes/no",
        description="People whose wait for a package holds a bed or a place (in hospital, an "
        "intermediate care bed, reablement or bridging care) go ahead of people referred from "
        "home, who wait behind them; no: one first-come-first-served list.",
        source="ADASS annual survey 2024 (reported by the Guardian, June 2024): councils "
        "allocate care to people discharged from hospital first, and people referred from the "
        "community are 'at risk of missing out'", evidence="moderate",
    )
    reduced_package_share: float = param(
        0.5, unit="share of hours", ge=0, le=1,
        description="A reduced package after reablement is this share of a full one.",
        source="assumption", evidence="weak",
    )
    calendar: list[CapacityPeriod] = calendar_field("home care hours per week")


class CareHome(Block):
    beds: int | None = param(
        None, unit="beds", ge=0, le=1_000_000,
        description="Care-home beds (residential and nursing; see nursing_bed_share) "
        "available to the population. Blank: 1990 per 50,000 people aged 65+, scaled to "
        "population.size, so the starting residents (population.care_home_share) fill about "
        "88% of them, less the interim beds of discharge to assess "
        "(intermediate_care.interim_beds), which the NHS books in the same homes.",
        source="LaingBuisson / CQC care directory (care homes for older people about 85-90% "
        "occupied); 1750 residents / 0.88", evidence="moderate", group="capacity",
    )
    placement_search_days: float = param(
        2.0, unit="days", ge=0, le=365,
        description="Mean time to find a home with a suitable vacancy that accepts the person, "
        "after funding is agreed (choice, location, assessment by the home), even when beds "
        "are free somewhere.",
        source="calibrated with self_funder_search_days and intermediate_care.beds to the "
        "current delay codes among patients in hospital 14 days or more (evidence/"
        "calibration_targets.csv: delay_share_care_home, 32%; the model gives 29%); it was 5 "
        "days when fitted to the retired 2018/19 categories, which gave care homes 69% of "
        "long-stay waits",
        evidence="weak",
    )
    nursing_function_below: float = param(
        0.23, unit="function (0-1 scale)", ge=0, le=1,
        description="Below this function a care-home placement needs nursing care.",
        source="assumption, set so that new placements keep the nursing share of residents "
        "(population.nursing_share_of_care_home) steady over years: at 0.20 the residential "
        "beds filled and the nursing beds fell to about 75% within two zero-growth years",
        evidence="weak",
    )
    nursing_bed_share: float = param(
        0.45, unit="share of care-home beds", ge=0, le=1,
        description="Share of the care-home beds that are registered for nursing; residential "
        "and nursing residents wait for their own kind of bed.",
        source="CQC care directory / LaingBuisson (about 45% of beds for older people with "
        "nursing)", evidence="moderate",
    )
    self_funder_search_days: float = param(
        5.0, unit="days", ge=0, le=365,
        description="Mean time a self-funder (or family) takes to choose a home and agree "
        "fees; no council panel is involved.",
        source="CMA care homes market study 2017 (self-funders arrange their own care); time "
        "calibrated with placement_search_days (evidence/calibration_targets.csv: "
        "delay_share_care_home)", evidence="weak",
    )
    untested_discharge_death_risk: float = param(
        0.0, unit="resident deaths per discharge into a care home", ge=0, le=1,
        description="Excess deaths of other residents per person discharged from hospital "
        "into a care home without testing during an epidemic (infection brought in). 0 "
        "outside an epidemic.",
        source="evidence/uk_figures.csv: care_home_discharges_spring_2020 and "
        "phe_outbreaks_seeded_by_discharge (about 1.6% of outbreaks, a few deaths each, over "
        "about 25,000 discharges: about 0.02); contested, use as a what-if",
        evidence="weak",
    )
    council_funded_share: float = param(
        0.55, unit="share", ge=0, le=1,
        description="Share of residents whose fees the council pays (the rest pay for "
        "themselves and do not count as public cost).",
        source="CMA care homes market study 2017 (about 50-60% publicly funded)",
        evidence="moderate",
    )
    calendar: list[CapacityPeriod] = calendar_field("care-home beds")


class SocialWork(Block):
    staff: int | None = param(
        None, unit="whole-time social workers", ge=0, le=10_000,
        description="Hospital social workers doing discharge assessments. Blank: 14 per 50,000 people aged 65+, scaled to population.size.",
        source="assumption scaled to discharges needing support", evidence="weak",
        group="capacity",
    )
    calendar: list[CapacityPeriod] = calendar_field("hospital social workers")


class CapacityPlan(Block):
    """Changes to capacity relative to what the population would otherwise have."""

    reablement_slots_change: float = param(
        0.0, unit="relative change", ge=-1, le=5,
        description="Change in reablement places relative to reablement.slots.",
        source="scenario setting", evidence="strong", group="capacity",
    )
    intermediate_care_beds_change: float = param(
        0.0, unit="relative change", ge=-1, le=5,
        description="Change in intermediate care beds relative to intermediate_care.beds.",
        source="scenario setting", evidence="strong", group="capacity",
    )
    home_care_hours_change: float = param(
        0.0, unit="relative change", ge=-1, le=5,
        description="Change in home care hours relative to home_care.hours_per_week.",
        source="scenario setting", evidence="strong", group="capacity",
    )
    care_home_beds_change: float = param(
        0.0, unit="relative change", ge=-1, le=5,
        description="Change in care-home beds (both kinds) relative to care_home.beds; a cut "
        "closes beds only as residents leave them.",
        source="scenario setting", evidence="strong", group="capacity",
    )
    interim_beds_change: float = param(
        0.0, unit="relative change", ge=-1, le=20,
        description="Change in interim (pathway 3 discharge to assess) beds relative to "
        "intermediate_care.interim_beds.",
        source="scenario setting", evidence="strong", group="capacity",
    )
    bridging_places_change: float = param(
        0.0, unit="relative change", ge=-1, le=20,
        description="Change in bridging-care places relative to bridging.places.",
        source="scenario setting", evidence="strong", group="capacity",
    )
    years: float = param(
        0.0, unit="years", ge=0, le=30,
        description="The changes grow in monthly steps to their full size this many years "
        "after the start of the results period; 0 puts them in place from the start.",
        source="scenario setting", evidence="strong", group="capacity",
    )


# --------------------------------------------------------------------------------------------
# Integration levers
# --------------------------------------------------------------------------------------------
class RecordOutage(Block):
    outages_per_year: float = param(
        0.0, unit="outages per year", ge=0, le=365,
        description="How often the shared care record goes down.",
        source="assumption for stress-testing", evidence="weak", group="integration",
    )
    mean_duration_days: float = param(
        1.0, unit="days", ge=0.01, le=60,
        description="Mean length of an outage of the shared record.",
        source="assumption", evidence="weak", group="integration",
    )


class Levers(Block):
    shared_care_plan: bool = param(
        False, unit="on/off",
        description="One shared assessment and care plan: receiving services do not "
        "re-assess (counted in assessments_per_discharge).",
        mechanism="Removes the provider re-assessment step and its wait for every "
        "supported discharge while the shared record is up.",
        source="Health Foundation / King's Fund evaluations of integrated care records",
        evidence="moderate", group="discharge process",
    )
    trusted_assessor: bool = param(
        False, unit="on/off",
        description="Receiving services (care homes, reablement, home care) accept the "
        "hospital's trusted assessor.",
        mechanism="The provider's own assessment visit is replaced by a same-day trusted "
        "assessment.",
        source=f"{CSV}: trusted_assessor_lincs (2.4 bed days saved per discharge)",
        evidence="moderate", group="discharge process",
    )
    trusted_assessor_care_home_days_saved: float = param(
        1.2, unit="days per placement", ge=0, le=60,
        description="With trusted assessors, care homes accept without their own visit: the "
        "placement search is shorter by this many days.",
        mechanism="Subtracted from the mean care-home placement search.",
        source=f"{CSV}: trusted_assessor_lincs (735 bed days over 304 discharges, 2.4 a "
        "discharge, over the whole placement wait including choice; the model's search is "
        "about half of that wait, so half the saving)",
        evidence="moderate", group="discharge process",
    )
    discharge_to_assess_share: float = param(
        0.0, unit="share of supported discharges", ge=0, le=1,
        description="Share of people needing support who go home (or to an intermediate "
        "care bed) as soon as they are medically fit and are assessed there (Home First).",
        mechanism="The wait for assessment, funding and CHC moves out of the acute bed.",
        source="Hospital discharge service guidance 2020; Bolton D2A model", evidence="moderate",
        group="discharge process",
    )
    seven_day_assessment: bool = param(
        False, unit="on/off",
        description="Assessment and transfers happen seven days a week.",
        mechanism="Removes the weekend gap in assessments and in transfers home; care homes "
        "(long-term and interim beds) still admit on weekdays only.",
        source="NHS Services, Seven Days a Week Forum 2013", evidence="moderate",
        group="discharge process",
    )
    key_worker_coverage: float = param(
        0.0, unit="share of people 65+", ge=0, le=1,
        description="Share of the population given a key worker / case manager, chosen by "
        "risk stratification at the start; people who later reach the same risk score "
        "(turning 65, becoming frailer) are enrolled too.",
        mechanism="Enrolled people's crisis rate is multiplied by (1 + key_worker_effect).",
        source="Integrated care pilot practice (top 2-5% risk)", evidence="moderate",
        group="community",
    )
    key_worker_effect: UncertainEffect = effect(
        0.0, 0.10, -0.30, 0.20,
        description="Relative change in crisis rate for people with a key worker.",
        source=f"{CSV}: integration_case_mgmt_meta (no significant difference across 36 "
        "studies) and integration_case_mgmt_admissions (+9% in the integrated care pilots)",
        evidence="weak",
        mechanism="Centred on no effect, with wide uncertainty drawn per replication.",
        group="community",
    )
    key_worker_cost_per_person_year: float = param(
        1290, unit="GBP per enrolled person per year (2024/25 prices)", ge=0, le=100_000,
        description="Staff cost of case management per enrolled person (NHS).",
        source="NHS Agenda for Change 2024/25 band 7 mid-point (about 49,500 GBP) plus employer "
        "on-costs (about 30%), over a caseload of 50 (the caseload is an assumption)",
        evidence="weak", group="money",
    )
    risk_stratification_accuracy: float = param(
        0.5, unit="0 = random pick, 1 = perfect", ge=0, le=1,
        description="How well risk stratification picks the people at highest risk of crisis.",
        mechanism="Enrolment ranks people by true crisis rate plus noise; less noise is more "
        "accurate.",
        source="Predictive risk models (e.g. PARR, Combined Model) have c-statistics about 0.7-0.8",
        evidence="moderate", group="community",
    )
    self_management_coverage: float = param(
        0.0, unit="share of the COPD cohort", ge=0, le=1,
        description="Share of the cohort with COPD (see self_management_cohort_share) given "
        "self-management support.",
        mechanism="Their crisis rate is multiplied by (1 + self_management_effect).",
        source="assumption", evidence="weak", group="community",
    )
    self_management_cohort_share: float = param(
        0.09, unit="share of people with 2+ conditions", ge=0, le=1,
        description="Share of people with two or more long-term conditions who are in the "
        "cohort the self-management evidence covers (people with COPD); coverage applies to "
        "this cohort only. Set 1 to generalise to every long-term condition, a what-if the "
        "evidence does not support.",
        source="QOF COPD register (about 2% of all ages, about 6% of people 65+, so about 9% "
        "of people 65+ with two or more conditions)", evidence="moderate", group="community",
    )
    self_management_effect: UncertainEffect = effect(
        -0.05, 0.05, -0.25, 0.10,
        description="Relative change in crisis rate with self-management support.",
        source="Cochrane reviews of COPD self-management (fewer respiratory admissions); "
        "small and uncertain across conditions", evidence="weak",
        mechanism="Drawn per replication.", group="community",
    )
    neighbourhood_team: bool = param(
        False, unit="on/off",
        description="Integrated neighbourhood teams: urgent community response and follow-up "
        "after discharge from one team.",
        mechanism="A share of crises are managed at home instead of admission; the excess "
        "readmission risk after discharge falls.",
        source=f"{CSV}: torbay_beds; integration_pioneers_admissions", evidence="weak",
        group="community",
    )
    neighbourhood_team_avoided_admissions: UncertainEffect = effect(
        -0.04, 0.04, -0.20, 0.05,
        description="Relative change in admissions from crises when a neighbourhood team is "
        "in place.",
        source=f"{CSV}: integration_pioneers_admissions (slower growth, not fewer admissions)",
        evidence="weak", mechanism="Drawn per replication.", group="community",
    )
    neighbourhood_team_readmission_effect: UncertainEffect = effect(
        -0.10, 0.08, -0.40, 0.10,
        description="Relative change in excess readmission risk with neighbourhood team "
        "follow-up.", source="assumption (follow-up within 72 hours of discharge)",
        evidence="weak", mechanism="Drawn per replication.", group="community",
    )
    neighbourhood_team_cost_per_1000_per_year: float = param(
        12_800, unit="GBP per 1,000 people 65+ per year (2024/25 prices)", ge=0, le=1e7,
        description="Running cost of neighbourhood teams (staff beyond today's services; NHS).",
        source="assumption of about 12 staff per 50,000 people 65+, each at the Agenda for "
        "Change 2024/25 band 6 mid-point (about 41,000 GBP) plus 30% on-costs", evidence="weak",
        group="money",
    )
    pooled_budget_share: float = param(
        0.0, unit="share", ge=0, le=1,
        description="Share of reablement, intermediate care and home care spending held in a "
        "pooled NHS and council budget (Better Care Fund, section 75).",
        mechanism="That share of those costs is booked to the pooled budget, and the same "
        "share of funding-panel waits disappear (no dispute over who pays).",
        source=f"{CSV}: integration_bcf_admissions", evidence="moderate", group="money",
    )
    pooled_budget_nhs_contribution: float = param(
        0.55, unit="share of the pool", ge=0, le=1,
        description="Share of the pooled budget the NHS pays in; the council pays the rest. "
        "The pool is where money moved, not a saving: each partner's net cost is its own "
        "cost plus its contribution to the pool.",
        source="Better Care Fund policy framework 2023-25: NHS minimum contribution about "
        "4.8bn of about 8.7bn GBP pooled in 2023/24 (the rest council grants and additional "
        "contributions); evidence/unit_costs.csv: bcf_nhs_share", evidence="moderate",
        group="money",
    )
    record_outage: RecordOutage = Field(default_factory=RecordOutage)


# --------------------------------------------------------------------------------------------
# Costs (GBP), all in one price year. Each money default is its source's figure uplifted by the
# HM Treasury GDP deflator; evidence/unit_costs.csv gives the figure, its year and the uplift
# (tests/test_costs.py checks the two agree).
# --------------------------------------------------------------------------------------------
UC = "evidence/unit_costs.csv"


def money(default: float, unit: str, description: str, source: str, evidence: Evidence,
          le: float = 1e6) -> Any:
    return param(default, unit=f"{unit} (2024/25 prices)", ge=0, le=le,
                 description=description, source=source, evidence=evidence, group="money")


class Costs(Block):
    price_year: Literal["2024/25"] = param(
        "2024/25", unit="financial year",
        description="The price year of every cost: sources from other years are uplifted with "
        "the HM Treasury GDP deflator (evidence/price_index.csv).",
        source="HM Treasury GDP deflators at market prices", evidence="strong", group="money")
    ae_attendance: float = money(
        194, "GBP per attendance", "A&E attendance (NHS, variable).",
        f"{UC}: ae_attendance (148 GBP in 2016/17, NHS Reference Costs)", "strong")
    acute_bed_day: float = money(
        401, "GBP per bed day", "Ward (hotel) cost of a staffed acute bed for a day, occupied "
        "or not (NHS). Split into fixed and variable by acute_occupied_share.",
        f"{UC}: standard_bed_day (345 GBP in 2020/21, National Cost Collection)", "moderate")
    acute_occupied_share: float = param(
        0.10, unit="share of the ward cost", ge=0, le=1,
        description="Share of the ward cost that is spent only when the bed is occupied "
        "(meals, laundry, ward consumables). The rest is a fixed cost per staffed bed paid "
        "whether used or not; a freed bed day releases only this share as cash.",
        source="assumption (catering, linen and consumables are about a tenth of ward costs)",
        evidence="weak", group="money")
    admission_episode: float = money(
        1283, "GBP per admission", "Treatment cost of a non-elective spell (NHS, variable): "
        "the episode cost less its ward share, which the fixed cost per staffed bed already "
        "covers, so no bed day is paid twice.",
        f"{UC}: nel_treatment (1590 GBP non-elective episode in 2016/17 x 62% treatment "
        "share: 901 GBP per non-elective day of which 345 ward, National Cost Collection "
        "2020/21)", "moderate")
    ae_trolley_hour: float = money(
        16.7, "GBP per hour", "Each hour an admitted person waits in A&E for a bed (trolley "
        "time: staff and space beyond the attendance), NHS, variable.",
        f"{UC}: ae_trolley_hour (14.4 GBP in 2020/21: the standard bed day of 345 GBP over 24 "
        "hours; an hour on a trolley costs at least an hour of a ward bed)", "weak", le=1e4)
    escalation_bed_day: float = money(
        501, "GBP per bed day open", "Escalation (surge) bed for each day it is open, used or "
        "not (NHS, fixed): the ward cost with a premium for agency and bank staff.",
        "assumption: acute_bed_day plus 25% for temporary staffing", "weak")
    intermediate_care_bed_day: float = money(
        282, "GBP per bed day", "Staffed bed-based intermediate care, per bed per day, "
        "occupied or not (NHS, fixed).",
        f"{UC}: intermediate_care_bed_day (220 GBP in 2017/18, National Audit of "
        "Intermediate Care)", "weak")
    reablement_place_year: float = money(
        31_150, "GBP per place per year", "Reablement team cost per place (people supported "
        "at once), paid whether the place is used or not (council, fixed).",
        f"{UC}: reablement_place_year (1901 GBP per ST-Max episode in 2022/23 x 17.4 "
        "episodes of 21 days a place could run in a year x 85% planned use)", "moderate",
        le=1e7)
    reablement_episode: float = money(
        0, "GBP per episode", "Cost per reablement episode beyond the team (council, "
        "variable), e.g. episodes bought from a provider per case. 0: an in-house team whose "
        "cost is all in reablement_place_year.", "model design", "moderate")
    social_worker_year: float = money(
        64_300, "GBP per whole-time social worker per year", "Hospital social worker: salary, "
        "on-costs, overheads and capital (council, fixed).",
        f"{UC}: social_worker_year (62,000 GBP in 2023/24, PSSRU Unit Costs 2023)", "moderate",
        le=1e7)
    assessment: float = money(
        0, "GBP per assessment", "Cost of a discharge assessment beyond the social workers' "
        "own time, e.g. an assessment bought from an agency (council, variable). 0: "
        "assessments are done by the employed social workers (social_worker_year).",
        "model design", "moderate")
    home_care_hour: float = money(
        23.44, "GBP per hour", "Home care hour at the rate councils pay (council).",
        f"{UC}: home_care_hour_council (24.10 GBP in 2025/26, Homecare Association)",
        "moderate", le=1e4)
    home_care_block_share: float = param(
        0.20, unit="share of home care capacity", ge=0, le=1,
        description="Share of home care hours the council contracts on block or guaranteed-"
        "hours terms, paid whether used or not (fixed); hours beyond the block are bought per "
        "hour delivered (variable).",
        source="assumption: most council home care is bought per hour delivered (spot or "
        "framework); a minority of councils use block or guaranteed-hours contracts",
        evidence="weak", group="money")
    home_care_council_funded_share: float = param(
        0.75, unit="share of hours", ge=0, le=1,
        description="Share of home care hours delivered that the council funds; the rest "
        "are self-funded (counted in activity, not in public cost).",
        source=f"{UC}: home_care_public_share (about three quarters of home care hours are "
        "publicly funded)", evidence="moderate", group="money")
    home_care_client_contribution: float = param(
        0.10, unit="share of the council's home care cost", ge=0, le=1,
        description="Charges clients pay towards council-funded home care after a financial "
        "assessment, netted off the council's cost.",
        source=f"{UC}: client_contribution_community (ASC-FR client contributions as a share "
        "of gross spend on community support)", evidence="weak", group="money")
    bridging_care_day: float = money(
        60, "GBP per place per day", "A bridging-care place at home for discharge-to-assess "
        "patients waiting for the service (NHS, fixed: the bridging team is paid whether its "
        "places are filled or not).",
        "assumption: about 2.5 hours of care a day at home_care_hour", "weak", le=1e4)
    interim_bed_day: float = money(
        145, "GBP per bed per day", "NHS-funded interim care-home bed for pathway 3 discharge "
        "to assess, block-booked by the NHS and paid whether filled or not (NHS, fixed).",
        f"{UC}: interim_bed_day (140 GBP in 2023/24: a nursing-home week of 1267 GBP less "
        "the nursing element, LaingBuisson)", "weak", le=1e5)
    residential_week: float = money(
        881, "GBP per week", "Residential care home week at the rate councils pay "
        "(council-funded residents, council).",
        f"{UC}: residential_week_council (850 GBP in 2023/24, ASC-FR unit costs)", "moderate",
        le=1e5)
    nursing_week: float = money(
        985, "GBP per week", "Nursing home week at the rate councils pay, excluding NHS-funded "
        "nursing care (council-funded residents, council).",
        f"{UC}: nursing_week_council (950 GBP in 2023/24, ASC-FR unit costs)", "moderate",
        le=1e5)
    chc_week: float = money(
        1314, "GBP per week", "Care-home week of a resident funded by NHS Continuing "
        "Healthcare (NHS pays the whole fee).",
        f"{UC}: nursing_week_market (1267 GBP in 2023/24, LaingBuisson)", "moderate", le=1e5)
    care_home_client_contribution: float = param(
        0.30, unit="share of the council's care-home cost", ge=0, le=1,
        description="Contributions council-funded residents pay from their income and assets, "
        "netted off the council's cost.",
        source=f"{UC}: client_contribution_residential (ASC-FR client contributions as a "
        "share of gross spend on long-term residential and nursing care, 65+)",
        evidence="weak", group="money")
    care_home_block_share: float = param(
        0.05, unit="share of care-home beds", ge=0, le=1,
        description="Share of care-home beds the council block-books, paid at the residential "
        "rate whether filled or not (fixed); the other council places are bought per "
        "resident week (variable). Extra market beds cost the public purse nothing until "
        "someone the council funds is placed in them.",
        source="assumption: councils buy most older people's places spot, a few on block "
        "contracts", evidence="weak", group="money")
    nursing_care_contribution_week: float = money(
        235.88, "GBP per week",
        "NHS-funded nursing care paid by the NHS for each nursing-home resident not on "
        "Continuing Healthcare, self-funders included.",
        "DHSC NHS-funded nursing care rate 2024/25", "strong", le=1e4)
    seven_day_extra_staff_share: float = param(
        0.20, unit="share of social work staff", ge=0, le=2,
        description="Seven-day assessment needs this many more social workers (council) to "
        "cover weekends at a lower level than weekdays.",
        source="assumption: weekend cover at half the weekday level adds 2 x 0.5 / 5 = 20%",
        evidence="weak", group="money")
    seven_day_nhs_per_1000_per_year: float = money(
        2_200, "GBP per 1,000 people 65+ per year", "NHS weekend therapy, pharmacy and "
        "discharge staff that seven-day assessment needs.",
        "assumption: 2 whole-time band 6 posts (about 53,500 GBP with on-costs) per 50,000 "
        "people 65+", "weak", le=1e7)
    trusted_assessor_post_year: float = money(
        53_500, "GBP per post per year", "Trusted assessor post (council, through the Better "
        "Care Fund as in Lincolnshire).",
        "NHS Agenda for Change 2024/25 band 6 mid-point (about 41,000 GBP) plus 30% on-costs",
        "moderate", le=1e7)
    trusted_assessor_posts_per_50k: float = param(
        2.0, unit="posts per 50,000 people 65+", ge=0, le=100,
        description="Trusted assessor posts the lever needs.",
        source=f"{CSV}: trusted_assessor_lincs (a county scheme of a few posts; scaled, "
        "assumption)", evidence="weak", group="money")
    discharge_to_assess_team_per_1000_per_year: float = money(
        4_800, "GBP per 1,000 people 65+ per year at full discharge to assess",
        "Discharge to assess coordination team (NHS), scaled by discharge_to_assess_share.",
        "assumption: 4 whole-time band 6-7 coordinators (about 60,000 GBP with on-costs) per "
        "50,000 people 65+ when every supported discharge goes home first", "weak", le=1e7)
    shared_record_per_1000_per_year: float = money(
        5_000, "GBP per 1,000 people 65+ per year", "Shared care record licence, hosting and "
        "support while the shared care plan lever is on (NHS).",
        "assumption: about 1 GBP per head of the whole population a year, people 65+ about "
        "a fifth of it", "weak", le=1e7)
    shared_record_setup_per_1000: float = money(
        15_000, "GBP per 1,000 people 65+, first year only", "Setting up the shared record "
        "(integration, training) in the first year of the run (NHS).",
        "assumption: three years of running cost", "weak", le=1e7)
    neighbourhood_team_setup_per_1000: float = money(
        6_400, "GBP per 1,000 people 65+, first year only", "Recruiting and setting up "
        "neighbourhood teams in the first year of the run (NHS).",
        "assumption: half a year of running cost", "weak", le=1e7)
    discount_rate: float = param(
        0.035, unit="per year", ge=0, le=0.2,
        description="Discount rate for totals over several years (year 1 undiscounted).",
        source="HM Treasury Green Book 2022 (3.5% for the first 30 years)", evidence="strong",
        group="money")
    release_acute_beds: int = param(
        0, unit="beds", ge=0, le=100_000,
        description="Acute beds this scenario closes when compared with its baseline: the "
        "capacity released by fewer bed days becomes cash up to this many beds a year. The "
        "run itself keeps acute.beds; to simulate the closure, lower acute.beds too.",
        source="choice of the user", evidence="strong", group="money")


# Capacities left blank are scaled from these figures for 50,000 people aged 65+.
CAPACITY_PER_50K = (
    ("acute", "beds", 295, True),
    ("escalation", "beds", 12, True),
    ("reablement", "slots", 48, True),
    ("intermediate_care", "beds", 30, True),
    ("home_care", "hours_per_week", 14_900, False),
    ("care_home", "beds", 1990, True),
    ("social_work", "staff", 14, True),
    ("bridging", "places", 10, True),
    ("intermediate_care", "interim_beds", 20, True),
)

# Blank acute beds follow the square-root rule of queueing theory: beds = L + BETA * sqrt(L),
# with L = ACUTE_LOAD_PER_50K per 50,000 people, so a small place keeps about the same waits
# for a bed as the 50,000-people default rather than the same occupancy. With beds scaled in
# proportion, a place of 10,000 to 15,000 people ran at the occupancy of the default and
# tipped into winter gridlock most years, because a small pool absorbs surges worse. L was
# the beds in use before the pressure response (acute.pressure_odds_ratio_*); the default's
# offered load is now about 296, admitted within its 295 beds by admitting fewer at the margin
# when full. Re-measured with the curve unchanged (12 replications, fragmented): 12-hour waits
# 4.1% of admissions at 20,000 people (126 beds), 4.9% at 50,000, 3.6% at 100,000 (571), and
# 8.3% at 10,000 (67), the one size that still waits longer.
ACUTE_LOAD_PER_50K = 262.0
ACUTE_SAFETY_BETA = (295 - ACUTE_LOAD_PER_50K) / ACUTE_LOAD_PER_50K ** 0.5
# Intermediate-care (pathway 2) beds are short of what is asked of them, as England's are (a
# rehabilitation bed was the wait of about three in ten long-stay patients waiting for a
# service in 2023): 30 beds at 50,000 people against the 32.5 that would be filled if nobody
# waited. The queue stays bounded because people who wait long grow frailer and are re-routed
# (pathway_escalations). They scale in proportion to people: by the square-root rule with its
# margin below zero, 20,000 people got 11 beds and half their long-stay waits were for one
# (49%); in proportion, 12 beds and 36%, as at 50,000 (32%).
SQRT_RULE = {
    ("acute", "beds"): (ACUTE_LOAD_PER_50K, ACUTE_SAFETY_BETA),
}


# Capacities that exist only for discharge to assess: their per-50,000 default is sized for
# half of supported discharges assessed at home and follows levers.discharge_to_assess_share,
# so a system without discharge to assess neither has nor pays for them (an idle bridging team
# charged to the baseline would make the integrated scenario's use of it look free).
D2A_CAPACITIES = frozenset({("bridging", "places"), ("intermediate_care", "interim_beds")})
D2A_REFERENCE_SHARE = 0.5


def default_capacity(block: str, field: str, size: float,
                     d2a_share: float = D2A_REFERENCE_SHARE) -> float:
    """The default of a blank capacity for ``size`` people aged 65+ (unrounded)."""
    if (block, field) in SQRT_RULE:
        per_50k, beta = SQRT_RULE[(block, field)]
        load = per_50k * size / 50_000
        return load + beta * load ** 0.5
    per_50k = next(v for b, f, v, _ in CAPACITY_PER_50K if (b, f) == (block, field))
    value = per_50k * size / 50_000
    if (block, field) in D2A_CAPACITIES:
        value *= d2a_share / D2A_REFERENCE_SHARE
    return value


# --------------------------------------------------------------------------------------------
# Today's census: start the run from a known state instead of a warm-up
# --------------------------------------------------------------------------------------------
# Bins of the census counts by days, as hospitals report them: 0-1, 2-3, 4-7, 8-14, 15-21 and
# 22 or more days (the last bin is open-ended; 21+ days is the NHS "super-stranded" mark).
CENSUS_DAY_BINS: tuple[int, ...] = (0, 2, 4, 8, 15, 22)


def _census_counts(description: str, source: str) -> Any:
    extra = {"unit": "people by days (bins 0-1, 2-3, 4-7, 8-14, 15-21, 22+)", "source": source,
             "evidence": "strong"}
    return Field(default_factory=lambda: [0] * len(CENSUS_DAY_BINS), description=description,
                 min_length=len(CENSUS_DAY_BINS), max_length=len(CENSUS_DAY_BINS),
                 json_schema_extra=extra)


_SITREP = "the area's own daily census (NHS acute discharge situation report; ward systems)"


class Census(Block):
    """Who is where on the start date. Counts are of people aged 65+ in the modelled area.

    When a census is given the run starts from it with no warm-up: each person is placed with
    a remaining stay drawn from the stay distribution conditional on the days already spent.
    """

    start_date: date | None = param(
        None, unit="ISO date (YYYY-MM-DD)",
        description="Date of the census and of simulated day 0; sets run.start_weekday and "
        "run.start_day_of_year. Blank keeps those two settings as given.",
        source="the area's census", evidence="strong",
    )
    in_treatment_by_days: list[int] = _census_counts(
        "People in acute beds not yet ready to leave, by days since admission.", _SITREP)
    ready_to_leave_p0: list[int] = _census_counts(
        "People ready to leave hospital for home with no new support (pathway 0), by days "
        "waiting since they were ready.", _SITREP)
    ready_to_leave_p1: list[int] = _census_counts(
        "People ready to leave for home with support (pathway 1: reablement or home care), by "
        "days waiting since they were ready.", _SITREP)
    ready_to_leave_p2: list[int] = _census_counts(
        "People ready to leave for a rehabilitation bed (pathway 2: intermediate care), by "
        "days waiting since they were ready.", _SITREP)
    ready_to_leave_p3: list[int] = _census_counts(
        "People ready to leave for a care home (pathway 3), by days waiting since they were "
        "ready.", _SITREP)
    in_reablement: int = param(
        0, unit="people", ge=0, le=1_000_000,
        description="People receiving reablement at home on the start date.",
        source="the area's reablement service caseload", evidence="strong",
    )
    in_intermediate_care: int = param(
        0, unit="people", ge=0, le=1_000_000,
        description="People in intermediate care (step-down rehabilitation) beds.",
        source="the area's intermediate care bed census", evidence="strong",
    )
    in_interim_beds: int = param(
        0, unit="people", ge=0, le=1_000_000,
        description="People in interim (discharge-to-assess) care-home beds awaiting a "
        "long-term placement; they fill the interim bed pool (intermediate_care.interim_beds).",
        source="the area's brokerage records", evidence="strong",
    )
    home_care_waiting: int = param(
        0, unit="people", ge=0, le=1_000_000,
        description="People in the community waiting for a home care package to start. "
        "They join the queue for home care hours; where the model has hours free they start "
        "at once.",
        source="the council's unmet-need list (ADASS snapshot survey)", evidence="strong",
    )
    care_home_residents: int | None = param(
        None, unit="people", ge=0, le=10_000_000,
        description="Care-home residents aged 65+ (placed up to care_home.beds). Blank uses "
        "population.care_home_share of the population.",
        source="the area's care-home capacity tracker", evidence="strong",
    )
    waiting_in_ae: int = param(
        0, unit="people", ge=0, le=1_000_000,
        description="People in A&E waiting for an acute bed (decision to admit made).",
        source="the trust's A&E census", evidence="strong",
    )

    @model_validator(mode="after")
    def _counts_not_negative(self) -> Census:
        for name in ("in_treatment_by_days", "ready_to_leave_p0", "ready_to_leave_p1",
                     "ready_to_leave_p2", "ready_to_leave_p3"):
            counts = getattr(self, name)
            bad = [c for c in counts if c < 0 or c > 1_000_000]
            if bad:
                raise ValueError(f"{name} has count {bad[0]}: each count must be between 0 "
                                 "and 1,000,000 people")
        return self

    def in_acute(self) -> int:
        """People in acute beds on the start date (treatment plus ready to leave)."""
        return sum(self.in_treatment_by_days) + sum(
            sum(getattr(self, f"ready_to_leave_p{k}")) for k in range(4))


# --------------------------------------------------------------------------------------------
# Which place a scenario describes: set by a local area file, blank for the national defaults
# --------------------------------------------------------------------------------------------
class Place(Block):
    """A local area's name and where its figures come from, carried so that every surface
    (the board report first) can say whose system it shows. It changes no result."""

    name: str = Field(..., min_length=1, max_length=64, description="Short name of the area.")
    description: str = Field("", max_length=500, description="Which place, which year.")
    sources: str = Field("", max_length=500, description="Where the area's figures come from.")


class Params(Block):
    """A complete scenario: every parameter of the model."""

    name: str = Field("custom", description="Scenario name, used for result folders.",
                      pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
    description: str = Field("", description="One line a planner can read.")
    run: RunSettings = Field(default_factory=RunSettings)
    population: Population = Field(default_factory=Population)
    arrivals: Arrivals = Field(default_factory=Arrivals)
    community: Community = Field(default_factory=Community)
    acute: Acute = Field(default_factory=Acute)
    escalation: Escalation = Field(default_factory=Escalation)
    discharge: Discharge = Field(default_factory=Discharge)
    social_work: SocialWork = Field(default_factory=SocialWork)
    reablement: Reablement = Field(default_factory=Reablement)
    intermediate_care: IntermediateCare = Field(default_factory=IntermediateCare)
    home_care: HomeCare = Field(default_factory=HomeCare)
    bridging: Bridging = Field(default_factory=Bridging)
    capacity_plan: CapacityPlan = Field(default_factory=CapacityPlan)
    care_home: CareHome = Field(default_factory=CareHome)
    levers: Levers = Field(default_factory=Levers)
    costs: Costs = Field(default_factory=Costs)
    census: Census | None = Field(
        None, description="Today's census: who is in hospital, waiting to leave, in each "
        "short-term service and on the home-care waiting list. Blank starts from an empty "
        "hospital with a warm-up (run.warmup_days); given, the run starts from it with no "
        "warm-up and results are dated from census.start_date.",
        json_schema_extra={"unit": "census block (fields in sim.params.Census)",
                           "source": "the area's own daily census", "evidence": "strong"})

    place: Place | None = Field(
        None, description="The local area this scenario describes (its name, description and "
        "the sources of its figures), set when it is loaded from an area file (sim.area). "
        "Blank: the model's national defaults scaled to population.size. Changes no result.",
        json_schema_extra={"unit": "area label (name, description, sources)",
                           "source": "the area file (docs/area.md)", "evidence": "strong"})

    def blank_capacities(self) -> frozenset[str]:
        """Capacities left blank (``block.field``): they follow ``population.size``."""
        return frozenset(f"{block}.{field}" for block, field, _, _ in CAPACITY_PER_50K
                         if getattr(getattr(self, block), field) is None)

    def resolved(self) -> Params:
        """A copy with every blank capacity filled in: the default per 50,000 people 65+,
        scaled to ``population.size`` (acute beds by the square-root rule, see
        ``default_capacity``). The one place a blank capacity becomes a number; the
        scenario itself keeps it blank, so it still follows the population when the size
        changes later. Filled values are unchanged."""
        if not self.blank_capacities():
            return self
        out = self.model_copy(deep=True)
        for block, field, _, whole in CAPACITY_PER_50K:
            target = getattr(out, block)
            if getattr(target, field) is None:
                value = default_capacity(block, field, self.population.size,
                                         self.levers.discharge_to_assess_share)
                if whole:
                    value = max(1, round(value)) if value > 0 else 0
                setattr(target, field, value if whole else round(value, 1))
        # Discharge to assess moves capacity, it does not create it: bridging carers are
        # home-care workers and interim beds are beds in the same care homes, so a blank
        # (population-scaled) workforce or bed stock gives up what they take. Without this,
        # switching discharge to assess on added staff and beds no English system got.
        blank = self.blank_capacities()
        if "home_care.hours_per_week" in blank:
            taken = out.bridging.places * out.bridging.hours_per_place
            out.home_care.hours_per_week = round(max(0.0, out.home_care.hours_per_week - taken), 1)
        if "care_home.beds" in blank:
            out.care_home.beds = max(0, out.care_home.beds - out.intermediate_care.interim_beds)
        return out

    @model_validator(mode="after")
    def _census_dates_the_run(self) -> Params:
        """A census date fixes the weekday and the day of the financial year of day 0."""
        if self.census is not None and self.census.start_date is not None:
            d = self.census.start_date
            april = date(d.year if d.month >= 4 else d.year - 1, 4, 1)
            day_of_year = min((d - april).days, 364)
            if (self.run.start_weekday, self.run.start_day_of_year) != (d.weekday(), day_of_year):
                # A new run block (the given one may be shared with other Params), set
                # through the dict so that assignment does not run this validator again.
                self.__dict__["run"] = self.run.model_copy(
                    update={"start_weekday": d.weekday(), "start_day_of_year": day_of_year})
        return self



def iter_fields(model: type[BaseModel] = Params, prefix: str = ""):
    """Yield (dotted name, FieldInfo, annotation) for every leaf parameter, in schema order."""
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            extra = info.json_schema_extra or {}
            if ann is UncertainEffect:
                yield path, info, ann
            elif isinstance(extra, dict) and extra:
                yield path, info, ann
            else:
                yield from iter_fields(ann, path + ".")
        else:
            yield path, info, ann
