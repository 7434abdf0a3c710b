"""Start a run from today's census instead of an empty hospital and a warm-up.

``seed_census(model, start, crisis_rates)`` places the people of ``params.census`` after the
starting population is drawn: people in acute beds, patients ready to leave by pathway,
people in reablement, intermediate care and interim beds, and the home-care waiting list.
Care-home occupancy is set earlier, through :func:`population_params`. The results window
then starts at day 0 (no warm-up) and day 0 is ``census.start_date``.

What each person still has to go through is drawn from the right conditional distribution:

* in treatment for ``d`` days: the remaining stay is ``LOS - d`` with ``LOS`` drawn from the
  stay distribution conditional on ``LOS > d`` (by inverting the lognormal's distribution
  function on ``[F(d), 1)``; the exponential is memoryless). Within a bin, ``d`` follows the
  stationary age of stays in progress (density proportional to the survival ``1 - F(d)``).
* ready to leave for ``w`` days: the person re-enters the discharge process with the clock of
  delay started ``w`` days before day 0 (so deconditioning and the completed delay count the
  days already waited; only days from day 0 count in the results). Those who have waited less
  than the expected time of the assessments are still being assessed; the others are waiting
  for their pathway's service.
* in reablement or intermediate care: the remaining time is drawn from the stationary residual
  of the service's stay (a length-biased stay times a uniform share still to run).

People are chosen from the synthetic population, the more likely the higher their crisis
rate (and for pathways 2 and 3 the frailer), so the rest of the model (deaths, readmissions,
care status) treats them as anybody else.

:class:`CensusWatch` does the reverse: it reads a running model's state into a ``Census``,
which is how the tests check that a run started from a census agrees with one warmed up to
the same state.
"""

from __future__ import annotations

import difflib
import math
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import ndtr, ndtri

from .errors import ConfigError
from .params import CENSUS_DAY_BINS, Census, Params
from .pathways.discharge import P0, P2, P3, DelayClock
from .population import ACUTE, ED, HOME, INDEPENDENT
from .rng import DISCHARGE, HOSPITAL

if TYPE_CHECKING:
    from .engine import Model
    from .population import Person, StartingPopulation

READY_FIELDS = ("ready_to_leave_p0", "ready_to_leave_p1", "ready_to_leave_p2",
                "ready_to_leave_p3")
# Mean days spent in the last (open) bin beyond its lower edge, for the days waiting of
# patients ready to leave: long delays have a long tail (NHS discharge sitrep, 21+ day waits).
OPEN_BIN_MEAN_EXTRA_DAYS = 14.0
# How far past the last bin's lower edge a stay in progress is looked for (days).
OPEN_BIN_SPAN_DAYS = 120.0


CENSUS_FILE_HINT = ("a YAML file of the census fields (start_date, in_treatment_by_days, "
                    "ready_to_leave_p0 to ready_to_leave_p3, in_reablement, "
                    "in_intermediate_care, in_interim_beds, home_care_waiting, "
                    "care_home_residents, waiting_in_ae; see docs/parameters.md)")


def read_census_file(path: str | Path) -> dict[str, Any]:
    """The census block held in a YAML file, for ``census=path/to/census.yaml`` on the
    command line or in ``load_scenario`` overrides. The file holds the census fields, or one
    ``census:`` mapping of them (a scenario file's block copied as it is). Every mistake is a
    ConfigError naming ``census``, the file and what is allowed."""
    from .config import _read_yaml, refuse_interpolation

    text = str(path)
    file = Path(text).expanduser()
    if file.suffix.lower() not in (".yaml", ".yml"):
        raise ConfigError(f"census = {text!r}: give {CENSUS_FILE_HINT}; the name must end in "
                          ".yaml or .yml", [("census", text, "a .yaml census file")])
    if not file.is_file():
        raise ConfigError(f"census = {text!r}: no such file; give {CENSUS_FILE_HINT}",
                          [("census", text, "an existing .yaml census file")])
    try:
        data = _read_yaml(file)
    except ConfigError as exc:
        raise ConfigError(f"census file {text!r}: {exc}",
                          [("census", text, "a readable YAML census file")]) from None
    if set(data) == {"census"}:
        data = data["census"]
    if not isinstance(data, dict) or not data:
        raise ConfigError(f"census file {text!r} holds no census fields; give {CENSUS_FILE_HINT}",
                          [("census", text, "a mapping of census fields")])
    refuse_interpolation(data, f"census file {text!r}", "census")
    fields = list(Census.model_fields)
    unknown = sorted(str(k) for k in data if k not in fields)
    if unknown:
        close = ([f for f in fields if f.startswith(unknown[0])]
                 or difflib.get_close_matches(unknown[0], fields, n=1))
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(
            f"census file {text!r}: unknown field {unknown[0]!r}{hint}; the fields are "
            f"{', '.join(fields)}",
            [(f"census.{unknown[0]}", data[unknown[0]], "one of " + ", ".join(fields))])
    return data


def warmup_days_used(p: Params) -> float:
    """Days of warm-up the run will simulate before its results window."""
    return 0.0 if p.census is not None else float(p.run.warmup_days)


def start_note(p: Params) -> str:
    """One sentence saying how the run starts, for every surface that shows results."""
    c = p.census
    if c is None:
        return (f"Started from an empty hospital with a warm-up of {p.run.warmup_days:g} days "
                "before results are recorded.")
    when = f" of {c.start_date:%-d %B %Y}" if c.start_date else ""
    ignored = (f" (run.warmup_days = {p.run.warmup_days:g} is not used)"
               if p.run.warmup_days else "")
    return (f"Started from the census{when} with no warm-up{ignored}: "
            f"{c.in_acute():,} people in acute beds, results dated from day 0.")


def result_dates(p: Params, days: int) -> list[date] | None:
    """Calendar dates of results days 0..days-1 when the census gives a start date."""
    if p.census is None or p.census.start_date is None:
        return None
    return [p.census.start_date + timedelta(days=k) for k in range(days)]


def population_params(p: Params) -> Params:
    """Params for drawing the starting population: care-home occupancy from the census."""
    c = p.census
    if c is None or c.care_home_residents is None:
        return p
    n = p.population.projected_size
    beds = p.resolved().care_home.beds  # a blank capacity counts at the size it runs with
    if c.care_home_residents > beds:
        raise ConfigError(
            f"census.care_home_residents = {c.care_home_residents}: more than the "
            f"{beds} care-home beds (care_home.beds)",
            [("census.care_home_residents", c.care_home_residents,
              f"at most care_home.beds = {beds}")])
    population = p.population.model_copy(
        update={"care_home_share": min(1.0, c.care_home_residents / n)})
    return p.model_copy(update={"population": population})


def check_fits(p: Params) -> None:
    """A census must fit in the capacities it is run with: name the field that does not."""
    p = p.resolved()  # blank capacities are checked at the size they will run with
    c = p.census
    if c is None:
        return
    if p.arrivals.mode == "poisson":
        raise ConfigError("census: a census start needs arrivals.mode = population",
                          [("census", "set", "blank when arrivals.mode = poisson")])
    checks = (
        ("census.in_treatment_by_days + ready_to_leave_*", c.in_acute(), "acute.beds",
         p.acute.beds),
        ("census.in_reablement", c.in_reablement, "reablement.slots", p.reablement.slots),
        ("census.in_intermediate_care", c.in_intermediate_care, "intermediate_care.beds",
         p.intermediate_care.beds),
        ("census.in_interim_beds", c.in_interim_beds, "intermediate_care.interim_beds",
         p.intermediate_care.interim_beds),
    )
    for field, value, cap_name, cap in checks:
        if value > cap:
            hint = (" (left blank, interim beds follow levers.discharge_to_assess_share and are "
                    "none without it: give the beds the area has)"
                    if cap_name == "intermediate_care.interim_beds" and cap == 0 else "")
            raise ConfigError(f"{field} = {value}: more people than {cap_name} = {cap}{hint}",
                              [(field, value, f"at most {cap_name} = {cap}")])
    people = (c.in_acute() + c.in_reablement + c.in_intermediate_care + c.in_interim_beds
              + c.home_care_waiting + c.waiting_in_ae)
    if people > p.population.projected_size // 2:
        raise ConfigError(
            f"census: {people:,} people placed but only {p.population.projected_size:,} people "
            "aged 65+ are simulated (population.size)",
            [("census", people, "at most half of the simulated population")])


# ------------------------------------------------------------------------------------------
def _bin_edges(k: int) -> tuple[float, float | None]:
    lo = float(CENSUS_DAY_BINS[k])
    hi = float(CENSUS_DAY_BINS[k + 1]) if k + 1 < len(CENSUS_DAY_BINS) else None
    return lo, hi


def bin_of(days: float) -> int:
    """Index of the census bin a number of days falls in."""
    k = 0
    for i, edge in enumerate(CENSUS_DAY_BINS):
        if days >= edge:
            k = i
    return k


def _lognormal_survival(x: np.ndarray, median: float, sigma: float) -> np.ndarray:
    safe = np.maximum(x, 1e-12)
    return 1.0 - ndtr((np.log(safe) - math.log(median)) / sigma)


def draw_days_in_treatment(gen: np.random.Generator, k: int, n: int, median: float,
                           sigma: float, lognormal: bool) -> np.ndarray:
    """Days since admission of n stays in progress in bin k (stationary age of stays)."""
    lo, hi = _bin_edges(k)
    hi = lo + OPEN_BIN_SPAN_DAYS if hi is None else hi
    grid = np.linspace(lo, hi, 400, endpoint=False) + (hi - lo) / 800.0
    weight = _lognormal_survival(grid, median, sigma) if lognormal else np.ones_like(grid)
    total = weight.sum()
    if not total > 0:
        weight, total = np.ones_like(grid), float(len(grid))
    step = (hi - lo) / 400.0
    return gen.choice(grid, size=n, p=weight / total) + gen.uniform(-step / 2, step / 2, n)


def residual_lognormal(u: float, elapsed: float, median: float, sigma: float) -> float:
    """Remaining stay of a lognormal stay known to exceed ``elapsed`` days (u in (0, 1))."""
    f = float(ndtr((math.log(max(elapsed, 1e-12)) - math.log(median)) / sigma))
    q = min(f + u * (1.0 - f), 1.0 - 1e-12)
    total = median * math.exp(sigma * float(ndtri(q)))
    return max(total - elapsed, 1e-6)


def draw_days_waiting(gen: np.random.Generator, k: int, n: int) -> np.ndarray:
    lo, hi = _bin_edges(k)
    if hi is None:
        return lo + gen.exponential(OPEN_BIN_MEAN_EXTRA_DAYS, n)
    return gen.uniform(lo, hi, n)


def stationary_residual(gen: np.random.Generator, mean: float, cv: float) -> float:
    """Remaining time of a gamma(mean, cv) stay seen at a random moment: a length-biased stay
    (gamma with shape + 1) times a uniform share still to run."""
    shape = 1.0 / (cv * cv)
    return float(gen.gamma(shape + 1.0, mean / shape) * gen.random())


# ------------------------------------------------------------------------------------------
class _Chooser:
    """Draws people from the starting population without replacement, by weight.

    A person's chance of being in hospital on census day is their admission rate (crisis
    rate times the chance a crisis admits) times their expected stay (Little's law, person
    by person), so ``stay=True`` weights by both; a fixed frailty factor instead made the
    census ward frailer than a warmed-up ward (under half the fit patients, about 40% more
    severely frail ones) and, with longer stays, 4% fuller over the next 45 days.
    ``frail=True`` is for patients ready for pathway 2 or 3, whose need comes from lost
    function and so rises with frailty beyond the stay."""

    def __init__(self, m: Model, start: StartingPopulation, crisis_rates: np.ndarray,
                 gen: np.random.Generator):
        self.people = start.people
        self.gen = gen
        eligible = (~start.in_care_home).astype(float)
        admit = m.hospital.admission_probabilities(start.bands, start.frailty)
        self.base = crisis_rates * admit * eligible
        self.stay = np.array(m.hospital.mean_los)[start.frailty]
        self.frail = np.array([0.2, 0.6, 1.5, 3.0])[start.frailty]
        self.taken = np.zeros(len(self.people), dtype=bool)

    def take(self, n: int, frail: bool = False, independent: bool = False,
             stay: bool = False) -> list[Person]:
        if n <= 0:
            return []
        w = self.base * (self.frail if frail else 1.0) * (self.stay if stay else 1.0)
        w = np.where(self.taken, 0.0, w)
        if independent:
            care = np.fromiter((q.care == INDEPENDENT for q in self.people), bool,
                               len(self.people))
            w = np.where(care, w, 0.0)
        positive = np.flatnonzero(w > 0)
        if len(positive) < n:
            raise ConfigError(f"census: {n:,} people asked for but only {len(positive):,} "
                              "people in the simulated population can be placed",
                              [("census", n, "fewer people than population.size allows")])
        keys = np.log(self.gen.random(len(positive))) / w[positive]
        chosen = positive[np.argpartition(-keys, n - 1)[:n]]
        self.taken[chosen] = True
        return [self.people[i] for i in np.sort(chosen).tolist()]


def seed_census(m: Model, start: StartingPopulation, crisis_rates: np.ndarray) -> None:
    """Place the census's people at time 0 (called by ``Model.run`` after the start-up)."""
    c = m.p.census
    if c is None:
        return
    gen = m.rs.generator("census")
    pick = _Chooser(m, start, crisis_rates, gen)
    a = m.p.acute
    lognormal = a.los_distribution == "lognormal"

    for k, n in enumerate(c.in_treatment_by_days):
        for person in pick.take(n, stay=True):
            median = m.hospital.los_median[person.frailty]
            d = float(draw_days_in_treatment(gen, k, 1, median, a.los_sigma, lognormal)[0])
            _to_bed(m, person, admitted=-d)
            m.env.process(_in_treatment(m, person, d, median))

    for need, field in enumerate(READY_FIELDS):
        for k, n in enumerate(getattr(c, field)):
            for person in pick.take(n, frail=need >= P2):
                waited = float(draw_days_waiting(gen, k, 1)[0])
                stay = waited + float(gen.exponential(a.los_mean_days))
                _to_bed(m, person, admitted=-stay)
                person.deficit += m.draw.exponential(person, HOSPITAL, a.illness_function_loss)
                person.deficit += m.p.discharge.deconditioning_per_day * waited
                m.env.process(_ready_to_leave(m, person, need, fit_time=-waited))

    r = m.p.reablement
    for person in pick.take(c.in_reablement):
        m.leave_community(person)
        m.reablement.slots.take_now()
        remaining = min(42.0, stationary_residual(gen, r.duration_mean_days, 0.5))
        m.reablement.resume(person, remaining)
        m.community.schedule(person)

    ic = m.p.intermediate_care
    for person in pick.take(c.in_intermediate_care, frail=True):
        m.leave_community(person)
        m.intermediate_care.beds.take_now()
        remaining = stationary_residual(gen, ic.stay_mean_days, 0.5)
        m.intermediate_care.resume(person, remaining)

    # Interim beds are their own pool (pathway 3 discharge to assess), so a census of them
    # fills that pool, not the rehabilitation beds.
    for person in pick.take(c.in_interim_beds, frail=True):
        m.leave_community(person)
        m.intermediate_care.interim.take_now()
        remaining = stationary_residual(gen, ic.interim_stay_days, 0.5)
        m.intermediate_care.resume_interim(person, remaining)

    for person in pick.take(c.home_care_waiting, independent=True):
        m.leave_community(person)
        m.home_care.refer_from_community(person, counted=False)
        m.community.schedule(person)

    for person in pick.take(c.waiting_in_ae):
        m.env.process(m.hospital.episode(person))

    _recent_discharges(m, pick, gen, c.in_acute())


# Mean acute stay (treatment and waiting) and share of stays ending at home at the defaults
# (docs/validation: los_mean 8.7 days; pathways 0 and 1 about 81% of discharges).
RECENT_STAY_DAYS = 8.7
RECENT_HOME_SHARE = 0.81


def _recent_discharges(m: Model, pick: _Chooser, gen: np.random.Generator,
                       in_acute: int) -> None:
    """People sent home in the 30 days before the census are still at raised risk of
    readmission. A census does not list them, so a ward of ``in_acute`` people is taken to
    have discharged home ``in_acute / RECENT_STAY_DAYS * RECENT_HOME_SHARE`` a day (Little's
    law), each at a uniform time in the last 30 days and with the readmission risk of a
    discharge without delay still to come. Without them a census start admits fewer people
    in its first month than a warmed-up run in the same state."""
    n = int(round(30.0 * in_acute / RECENT_STAY_DAYS * RECENT_HOME_SHARE))
    hazard = m.readmission_hazard(0.0)
    if n <= 0 or hazard <= 0:
        return
    for person in pick.take(n, frail=True):
        since = float(gen.uniform(0.0, 30.0))
        # Memoryless: the excess crisis still to come in the rest of the 30 days.
        wait = float(gen.exponential(1.0 / hazard))
        if since + wait < 30.0:
            person.excess_crisis_at = wait
            m.community.schedule(person)


def _to_bed(m: Model, person: Person, admitted: float) -> None:
    m.leave_community(person)
    m.move(person, ACUTE)
    m.hospital.beds.take_now()
    m.hospital.stay_start[person.pid] = admitted
    person.excess_crisis_at = math.inf


def _in_treatment(m: Model, person: Person, elapsed: float, median: float):
    """The rest of an episode begun ``elapsed`` days before day 0 (see Hospital.episode)."""
    a = m.p.acute
    draw = m.draw
    person.deficit += draw.exponential(person, HOSPITAL, a.illness_function_loss)
    if a.los_distribution == "exponential":
        remaining = draw.exponential(person, HOSPITAL, a.los_mean_days)
    else:
        remaining = residual_lognormal(draw.uniform(person, HOSPITAL), elapsed, median,
                                       a.los_sigma)
    dies = draw.uniform(person, HOSPITAL) < m.hospital.death_probability(person)
    when = draw.uniform(person, HOSPITAL)
    if dies:
        yield m.env.timeout(when * remaining)
        m.hospital.end_stay(person)
        m.die(person, "hospital")
        return
    yield m.env.timeout(remaining)
    yield from m.hospital.until_ready_hour()
    yield from m.discharge.medically_fit(person)


def _assessment_days(m: Model) -> float:
    """Expected calendar days of the assessments before a place is sought."""
    d = m.p.discharge
    working = d.assessment_days + d.provider_assessment_wait_days
    return working if m.policy.seven_day else working * 7.0 / 5.0


def _ready_to_leave(m: Model, person: Person, need: int, fit_time: float):
    """The discharge process of a patient already ready to leave for ``-fit_time`` days.

    Follows ``Discharge.medically_fit`` from the step the days waited imply, with the
    pathway the census gives rather than one derived from the person's function."""
    dis = m.discharge
    now = m.env.now
    m.delayed.add(now, 1)
    clock = DelayClock(m.rec, fit_time, m.open_delay_clocks, person,
                       m.hospital.stay_start.get(person.pid))
    if need == P0:
        yield from dis.home_without_support(person, clock, fit_time)
        return
    service = dis.service_for(person, need, now)
    if m.draw.uniform(person, DISCHARGE) < m.policy.discharge_to_assess_share:
        yield from dis.discharge_to_assess(person, need, service, clock, fit_time)
        return
    if now - fit_time < _assessment_days(m):
        clock.switch("awaiting assessment", now)
        yield from dis.assess(person, need, service, clock)
    elif need == P3:
        # Past the assessments, a family may still be choosing a home.
        yield from dis.choice(person, clock)
    yield from dis.place_and_leave(person, need, service, clock, fit_time)


# ------------------------------------------------------------------------------------------
class CensusWatch:
    """Reads a running model's state as a :class:`Census` (what a ward census would count).

    Attach before ``model.run()``; it records when each patient became ready to leave and
    their pathway, which the model itself does not keep."""

    def __init__(self, m: Model):
        self.m = m
        self.fit: dict[int, tuple[float, int]] = {}
        self.census: Census | None = None
        original = m.discharge.medically_fit

        def medically_fit(person):
            now = m.env.now
            need = m.discharge.need(person, now)
            # A care-home resident goes back to their own bed after a short check, as a
            # pathway 0 patient leaves at the next transfer day.
            self.fit[person.pid] = (now, need if need <= P3 else P0)
            return original(person)

        m.discharge.medically_fit = medically_fit

    def at(self, t: float):
        """A SimPy process that takes the census at time ``t``."""
        yield self.m.env.timeout(t)
        self.census = self.read()

    def read(self) -> Census:
        m = self.m
        now = m.env.now
        treatment = [0] * len(CENSUS_DAY_BINS)
        ready = [[0] * len(CENSUS_DAY_BINS) for _ in READY_FIELDS]
        by_pid = {q.pid: q for q in m.people if q.location == ACUTE}
        for pid, admitted in m.hospital.stay_start.items():
            if pid not in by_pid:
                continue
            fit = self.fit.get(pid)
            if fit is not None and fit[0] >= admitted:
                ready[fit[1]][bin_of(now - fit[0])] += 1
            else:
                treatment[bin_of(now - admitted)] += 1
        hours = m.home_care.hours
        waiting_hc = sum(1 for q in m.people if q.location == HOME and q.waiting_request
                         is not None and q.waiting_request[0] is hours)
        return Census(
            in_treatment_by_days=treatment,
            **{f: ready[k] for k, f in enumerate(READY_FIELDS)},
            in_reablement=int(round(m.reablement.slots.in_use)),
            in_intermediate_care=int(round(m.intermediate_care.beds.in_use)),
            in_interim_beds=int(round(m.intermediate_care.interim.in_use)),
            home_care_waiting=waiting_hc,
            care_home_residents=int(round(m.care_home.occupied)),
            waiting_in_ae=int(round(m.loc[ED].level)),
        )


__all__ = ["CensusWatch", "seed_census", "start_note", "warmup_days_used", "result_dates",
           "population_params", "check_fits", "bin_of", "residual_lognormal"]
