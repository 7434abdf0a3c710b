"""How much capacity is needed: the smallest capacity of one service, or the cheapest mix of
several, that meets a service level.

A *service level* is a measure, a threshold and how often it must hold:

* a daily measure (``p1_waiting``, ``p2_waiting``, ``p3_waiting``, ``delayed_patients``,
  ``waiting_in_ae``) is met in a replication when it is at most the threshold on at least
  ``share_of_days`` of the days (e.g. "people waiting for P1 at most 10 on 95% of days");
* a KPI (``mean_delay_days``, ``mean_delayed_patients``, ``ed_boarding_hours``, ...) is met in a
  replication when its value is at most the threshold (e.g. "mean delay under 1 day").

The level *holds* at a capacity when it is met in at least ``REPLICATIONS_MET`` (90%) of the
replications. Every candidate capacity is run with the same seed, so replication i meets the
same people and the same luck at every capacity (common random numbers): the comparison
between neighbouring capacities is sharp even with few replications.

:func:`size_service` brackets and bisects over whole steps of one capacity, assuming (as the
model is built) that more capacity never makes the measure worse; every capacity it ran is kept
for the curve. :func:`cheapest_mix` runs a grid of capacities of several services and picks the
mix with the lowest total public cost that holds, within a budget, with
``scipy.optimize.milp``. Costs are the run's ``cost_nhs + cost_local_authority + cost_pooled``
per year, so fixed capacity costs count once the engine books them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .errors import ConfigError
from .params import Params
from .readout import catalogue as CAT
from .readout.stats import per_year_factor, t_interval
from .runner import Results, run

REPLICATIONS_MET = 0.9  # a service level holds when met in at least this share of replications
COST_METRICS = ("cost_nhs", "cost_local_authority", "cost_pooled")


@dataclass(frozen=True)
class Service:
    key: str
    label: str  # as a planner says it
    path: str  # the capacity parameter
    unit: str
    step: float = 1.0  # the smallest change worth planning (whole beds; 10 hours a week)

    def get(self, p: Params) -> float:
        block, name = self.path.split(".")
        # A blank capacity follows the population size: read it as the run would fill it.
        return float(getattr(getattr(p.resolved(), block), name))

    def set(self, p: Params, value: float) -> Params:
        block, name = self.path.split(".")
        whole = self.step == int(self.step)
        new = getattr(p, block).model_copy(update={name: int(round(value)) if whole
                                                   else float(value)})
        return p.model_copy(update={block: new})


SERVICES: dict[str, Service] = {s.key: s for s in (
    Service("p1_home_care_hours", "P1 home-care hours", "home_care.hours_per_week",
            "hours a week", step=10.0),
    Service("reablement_places", "reablement places", "reablement.slots", "places"),
    Service("p2_beds", "P2 intermediate care beds", "intermediate_care.beds", "beds"),
    Service("p3_beds", "P3 care-home beds", "care_home.beds", "beds"),
    Service("acute_beds", "acute beds", "acute.beds", "beds"),
)}

# Daily measures: columns of Results.daily summed, and how a sentence names them.
DAILY_MEASURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "p1_waiting": ("people waiting for P1 (reablement or home care)",
                   ("reablement_waiting", "home_care_waiting")),
    "p2_waiting": ("people waiting for an intermediate care bed", ("intermediate_care_waiting",)),
    "p3_waiting": ("people waiting for a care-home bed", ("care_home_waiting",)),
    "delayed_patients": ("patients fit to leave but still in hospital", ("delayed_patients",)),
    "waiting_in_ae": ("people waiting in A&E for a bed", ("boarding",)),
}
KPI_MEASURES = ("mean_delay_days", "mean_delayed_patients", "ed_boarding_hours",
                "delayed_discharge_days", "acute_occupancy")


@dataclass(frozen=True)
class ServiceLevel:
    """``measure`` at most ``threshold`` (on ``share_of_days`` of days for a daily measure),
    in at least ``replications_met`` of the replications."""

    measure: str
    threshold: float
    share_of_days: float = 0.95
    replications_met: float = REPLICATIONS_MET

    def __post_init__(self):
        if self.measure not in DAILY_MEASURES and self.measure not in KPI_MEASURES:
            allowed = ", ".join([*DAILY_MEASURES, *KPI_MEASURES])
            raise ConfigError(f"service level measure {self.measure!r} is not known",
                              [("measure", self.measure, f"one of {allowed}")])
        if not (math.isfinite(self.threshold) and self.threshold >= 0):
            raise ConfigError(f"service level threshold = {self.threshold!r}: must be >= 0",
                              [("threshold", self.threshold, "a number >= 0")])
        for name in ("share_of_days", "replications_met"):
            v = getattr(self, name)
            if not 0 < v <= 1:
                raise ConfigError(f"{name} = {v!r}: must be a share above 0 and at most 1",
                                  [(name, v, "between 0 (excluded) and 1")])

    @property
    def daily(self) -> bool:
        return self.measure in DAILY_MEASURES

    @property
    def noun(self) -> str:
        if self.daily:
            return DAILY_MEASURES[self.measure][0]
        return CAT.metric(self.measure).label.lower()

    def describe(self) -> str:
        if self.daily:
            return (f"{self.noun} at most {self.threshold:g} on "
                    f"{self.share_of_days:.0%} of days")
        return f"{self.noun} at most {self.threshold:g}"

    def per_replication(self, res: Results) -> pd.DataFrame:
        """Per replication: the value compared with the threshold, and whether it was met.

        For a daily measure the value is the ``share_of_days`` quantile of the daily series
        (met when it is at most the threshold, i.e. on that share of days)."""
        if self.daily:
            cols = DAILY_MEASURES[self.measure][1]
            d = res.daily
            series = d[list(cols)].sum(axis=1).groupby(d["replication"])
            value = series.quantile(self.share_of_days, interpolation="lower")
            share = series.apply(lambda s: float((s <= self.threshold + 1e-9).mean()))
            met = share >= self.share_of_days - 1e-12
        else:
            value = res.kpis.set_index("replication")[self.measure]
            met = value <= self.threshold + 1e-12
        return pd.DataFrame({"value": value.astype(float), "met": met.astype(bool)})


def annual_public_cost(res: Results) -> pd.Series:
    """Total public cost per year of each replication (NHS + council + pooled budget)."""
    k = res.kpis.set_index("replication")
    return k[list(COST_METRICS)].sum(axis=1) * per_year_factor(res.params.run.days)


@dataclass
class Point:
    """One capacity (or mix) run: whether the level held, its value and its cost."""

    capacity: dict[str, float]
    met_share: float
    holds: bool
    value_mean: float
    value_low: float  # 10th percentile of replications
    value_high: float  # 90th percentile of replications
    cost_mean: float
    cost_low: float  # 95% interval of the mean annual cost
    cost_high: float
    main_delay_reason: str | None
    replications: int


def evaluate(base: Params, capacity: dict[str, float], level: ServiceLevel,
             replications: int, seed: int, workers: int = 1) -> Point:
    p = base
    for key, value in capacity.items():
        p = SERVICES[key].set(p, value)
    res = run(p, replications=replications, seed=seed, workers=workers)
    per = level.per_replication(res)
    cost = t_interval(annual_public_cost(res).tolist())
    delays = res.delays_by_reason
    reason = None
    if not delays.empty and delays["delayed_days"].sum() > 0:
        reason = str(delays.groupby("reason")["delayed_days"].sum().idxmax())
    share = float(per["met"].mean())
    return Point(
        capacity=dict(capacity), met_share=share,
        holds=share >= level.replications_met - 1e-12,
        value_mean=float(per["value"].mean()),
        value_low=float(per["value"].quantile(0.1)), value_high=float(per["value"].quantile(0.9)),
        cost_mean=cost["mean"], cost_low=cost["ci_low"], cost_high=cost["ci_high"],
        main_delay_reason=reason, replications=len(per))


@dataclass
class SizingResult:
    service: Service
    level: ServiceLevel
    low: float
    high: float
    replications: int
    seed: int
    points: list[Point] = field(default_factory=list)
    answer: Point | None = None  # the smallest capacity at which the level holds
    below: Point | None = None  # one step below it, where the level does not hold
    runtime_seconds: float = 0.0
    census_floor: float = 0.0  # people in the service on the census day (the search's floor)

    @property
    def reachable(self) -> bool:
        return self.answer is not None

    @property
    def capacity(self) -> float | None:
        return None if self.answer is None else self.answer.capacity[self.service.key]

    def curve(self) -> pd.DataFrame:
        """Every capacity run, in order, for the chart."""
        rows = [{"capacity": pt.capacity[self.service.key], "met_share": pt.met_share,
                 "holds": pt.holds, "value": pt.value_mean, "value_low": pt.value_low,
                 "value_high": pt.value_high, "cost": pt.cost_mean, "cost_low": pt.cost_low,
                 "cost_high": pt.cost_high} for pt in self.points]
        return pd.DataFrame(rows).sort_values("capacity").reset_index(drop=True)

    def rule(self) -> str:
        share = self.level.replications_met
        return (f"A service level holds when it is met in at least {share:.0%} of replications"
                f" ({_of(share, self.replications)}); "
                "every capacity was run with the same seed (common random numbers).")

    def sentence(self) -> str:
        from .readout import fmt as F

        s = self.service
        if self.answer is None:
            top = max(self.points, key=lambda pt: pt.capacity[s.key])
            reason = (f" The delay that remains is mostly {top.main_delay_reason!s}"
                      f" ({CAT.DELAY_REASONS.get(top.main_delay_reason, '')})."
                      if top.main_delay_reason else "")
            return (f"Out of reach: even {_cap(self.high, s)} {s.label} do not keep "
                    f"{self.level.describe()} (met in {_met(top)} replications).{reason}")
        a = self.answer
        scale = F.money_scale([a.cost_mean, a.cost_low, a.cost_high])
        cost = (f"total public cost {F.gbp(a.cost_mean, scale)} a year "
                f"({F.gbp(a.cost_low, scale)} to {F.gbp(a.cost_high, scale)})")
        at_least = "at least " if self.below is not None else ""
        below = ""
        if self.below is not None:
            below = (f" One step below ({_cap(self.below.capacity[s.key], s)}) it is met in "
                     f"{_met(self.below)} replications.")
        elif a.capacity[s.key] <= self.low:
            below = " The lowest capacity looked at already meets it."
            if self.census_floor and self.low <= math.ceil(self.census_floor / s.step) * s.step:
                below = (f" The lowest capacity looked at, the {self.census_floor:,.0f} people "
                         "in them on the census day, already meets it.")
        return (f"{at_least.capitalize() or ''}{_cap(a.capacity[s.key], s)} {s.label} keep "
                f"{self.level.describe()} in {_met(a)} replications; {cost}.{below}")


def census_floor(base: Params, service: str) -> int:
    """People in ``service`` on the census day: a run cannot start with fewer beds or places
    than people in them (sim.census.check_fits), so no search goes below it."""
    c = base.census
    if c is None:
        return 0
    return {"reablement_places": c.in_reablement, "p2_beds": c.in_intermediate_care,
            "acute_beds": c.in_acute()}.get(service, 0)


def _of(share: float, n: int) -> str:
    return f"{math.ceil(share * n - 1e-9)} of {n}"


def _met(pt: Point) -> str:
    return f"{round(pt.met_share * pt.replications)} of {pt.replications}"


def _cap(value: float, s: Service) -> str:
    return f"{value:,.0f}" if s.step >= 1 else f"{value:,.1f}"


def size_service(base: Params, service: str, level: ServiceLevel, low: float | None = None,
                 high: float | None = None, replications: int = 10, seed: int = 2026,
                 workers: int = 1, progress: Callable[[str], None] | None = None
                 ) -> SizingResult:
    """The smallest capacity of ``service`` in [low, high] at which ``level`` holds.

    Defaults: from a quarter of today's capacity to three times it. Checks ``high`` first
    (if the level does not hold there it is out of reach), then ``low``, then bisects over
    whole steps, so about log2((high - low) / step) + 2 capacities are run."""
    import time

    if service not in SERVICES:
        raise ConfigError(f"service {service!r} is not one that can be sized",
                          [("service", service, "one of " + ", ".join(SERVICES))])
    s = SERVICES[service]
    today = s.get(base)
    step = s.step
    low = max(0.0, math.floor((today / 4 if low is None else low) / step) * step)
    high = math.ceil((today * 3 if high is None else high) / step) * step
    floor = census_floor(base, service)
    low = max(low, math.ceil(floor / step) * step)
    if high <= low:
        why = f" (the {floor:,} people in them on the census day)" if floor >= low else ""
        raise ConfigError(f"capacity range {low:g}{why} to {high:g}: high must exceed low",
                          [("high", high, f"more than low = {low:g}{why}")])
    t0 = time.perf_counter()
    out = SizingResult(s, level, low, high, replications, seed, census_floor=floor)
    seen: dict[float, Point] = {}

    def at(k: int) -> Point:
        value = low + k * step
        if value not in seen:
            if progress:
                progress(f"running {_cap(value, s)} {s.label}")
            seen[value] = evaluate(base, {service: value}, level, replications, seed, workers)
            out.points.append(seen[value])
        return seen[value]

    n = int(round((high - low) / step))
    if not at(n).holds:
        out.runtime_seconds = time.perf_counter() - t0
        return out
    if at(0).holds:
        out.answer = at(0)
    else:
        lo, hi = 0, n  # lo fails, hi holds
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if at(mid).holds:
                hi = mid
            else:
                lo = mid
        out.answer, out.below = at(hi), at(lo)
    out.runtime_seconds = time.perf_counter() - t0
    return out


# ------------------------------------------------------------------------------------------
@dataclass
class MixResult:
    services: list[Service]
    level: ServiceLevel
    budget: float | None
    points: list[Point]
    choice: Point | None  # cheapest mix that holds within the budget
    cheapest_holding: Point | None  # cheapest mix that holds, whatever the budget
    replications: int

    @property
    def reachable(self) -> bool:
        return self.choice is not None

    def within(self, budget: float | None) -> MixResult:
        """The same mixes under another budget: re-solved on the points already simulated,
        so a planner trying budgets does not run the grid again."""
        return replace(self, budget=budget, choice=_cheapest(self.points, budget))

    def table(self) -> pd.DataFrame:
        rows = [{**{s.label: pt.capacity[s.key] for s in self.services},
                 "met_share": pt.met_share, "holds": pt.holds, "cost": pt.cost_mean,
                 "cost_low": pt.cost_low, "cost_high": pt.cost_high} for pt in self.points]
        return pd.DataFrame(rows)

    def sentence(self) -> str:
        from .readout import fmt as F

        def mix(pt: Point) -> str:
            return ", ".join(f"{_cap(pt.capacity[s.key], s)} {s.label}" for s in self.services)

        if self.choice is None:
            budget = f" within {F.gbp(self.budget)} a year" if self.budget is not None else ""
            if self.cheapest_holding is not None:
                c = self.cheapest_holding
                return (f"Out of reach{budget}: the cheapest mix that keeps "
                        f"{self.level.describe()} is {mix(c)}, at {F.gbp(c.cost_mean)} a year.")
            top = max(self.points, key=lambda pt: sum(pt.capacity.values()))
            reason = (f" The delay that remains is mostly {top.main_delay_reason}."
                      if top.main_delay_reason else "")
            return (f"Out of reach: no mix looked at keeps {self.level.describe()}.{reason}")
        c = self.choice
        scale = F.money_scale([c.cost_mean, c.cost_low, c.cost_high])
        return (f"The cheapest mix that keeps {self.level.describe()} in {_met(c)} replications"
                f" is {mix(c)}: total public cost {F.gbp(c.cost_mean, scale)} a year "
                f"({F.gbp(c.cost_low, scale)} to {F.gbp(c.cost_high, scale)}).")


MAX_MIXES = 64


def cheapest_mix(base: Params, grid: dict[str, list[float]], level: ServiceLevel,
                 budget: float | None = None, replications: int = 10, seed: int = 2026,
                 workers: int = 1, progress: Callable[[str], None] | None = None) -> MixResult:
    """The mix of capacities (one value per service from ``grid``) with the lowest total public
    cost a year at which ``level`` holds, with that cost at most ``budget``.

    Every mix of the grid is simulated with the same seed (common random numbers). The choice
    is a mixed-integer linear programme solved by ``scipy.optimize.milp`` (HiGHS): one binary
    per simulated mix, exactly one chosen, mixes that miss the level fixed at zero, the budget
    a linear constraint on cost. HiGHS is a maintained solver in SciPy (already a dependency),
    and the programme takes further linear constraints as rows (a budget per payer, a ceiling
    on a service) without a hand-written search; the simulated grid keeps the answer to mixes
    the model actually ran rather than an interpolation of them.
    """
    unknown = [k for k in grid if k not in SERVICES]
    if unknown or len(grid) < 1:
        raise ConfigError(f"services {unknown or list(grid)}: not ones that can be sized",
                          [("grid", unknown, "keys among " + ", ".join(SERVICES))])
    keys = list(grid)
    for k in keys:
        floor = census_floor(base, k)
        if any(v < floor for v in grid[k]):
            raise ConfigError(
                f"{SERVICES[k].label}: {min(grid[k]):g} is fewer than the {floor:,} people in "
                "them on the census day", [(k, min(grid[k]), f"at least {floor:,}")])
    mixes = list(itertools.product(*(sorted(set(grid[k])) for k in keys)))
    if len(mixes) > MAX_MIXES:
        raise ConfigError(f"{len(mixes)} mixes to simulate: at most {MAX_MIXES}",
                          [("grid", len(mixes), f"at most {MAX_MIXES} combinations")])
    points = []
    for mix in mixes:
        if progress:
            progress("running " + ", ".join(f"{v:g} {SERVICES[k].label}"
                                            for k, v in zip(keys, mix)))
        points.append(evaluate(base, dict(zip(keys, mix)), level, replications, seed, workers))
    return MixResult([SERVICES[k] for k in keys], level, budget, points,
                     _cheapest(points, budget), _cheapest(points, None), replications)


def _cheapest(points: list[Point], limit: float | None) -> Point | None:
    """The mixed-integer programme of :func:`cheapest_mix` over simulated points."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    cost = np.array([pt.cost_mean for pt in points])
    holds = np.array([pt.holds for pt in points], dtype=float)
    n = len(points)
    rows = [LinearConstraint(np.ones((1, n)), 1, 1)]
    if limit is not None:
        rows.append(LinearConstraint(cost.reshape(1, -1), -np.inf, limit))
    sol = milp(cost, constraints=rows, integrality=np.ones(n),
               bounds=Bounds(np.zeros(n), holds))
    if sol.status != 0 or sol.x is None:
        return None
    return points[int(np.argmax(sol.x))]


__all__ = ["SERVICES", "DAILY_MEASURES", "KPI_MEASURES", "REPLICATIONS_MET", "Service",
           "ServiceLevel", "SizingResult", "MixResult", "Point", "size_service",
           "cheapest_mix", "census_floor", "evaluate", "annual_public_cost"]
