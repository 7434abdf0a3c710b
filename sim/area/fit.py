"""Fit an area's own rates to its monthly figures.

The fitted parameters are the table below: each is one multiplier of national defaults,
moved to bring one published local figure within its tolerance. Update the table (and
``schema.RATES``, whose keys are its names) when parameters are renamed.

Method: scipy.optimize.least_squares on the logarithms of the multipliers whose target the
area gives, with relative errors in units of each target's tolerance as residuals. Every
evaluation runs the same replications with the same seed (common random numbers), so two
nearby multipliers meet the same people and the finite differences measure the multiplier,
not chance. To keep it quick the area is run at a fraction of its size (``population``):
people, every capacity and every count target are scaled by the same fraction, and the
census is replaced by a warm-up (rates are fitted in the steady state). Queues in a smaller
system are a little more variable (and a much smaller copy gridlocks more often: the fit
says so), so the report gives the model's figures scaled back to the whole area.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Fitted:
    name: str               # key on the Rates sheet
    paths: tuple[str, ...]  # parameters multiplied together
    target: str             # the local figure it is fitted to (TARGETS)
    bounds: tuple[float, float]


# ------------------------------------------------------------------ the fitted parameters
FITTED = (
    Fitted("admission_rate_scale", ("community.crisis_rate_per_year",),
           "emergency_admissions_per_year", (0.3, 3.0)),
    Fitted("pathway_split_scale", ("discharge.p1_function_below", "discharge.p2_function_below",
                                   "discharge.p3_function_below"),
           "supported_discharge_share", (0.5, 1.8)),
    Fitted("residual_wait_scale", ("home_care.brokerage_days", "care_home.placement_search_days",
                                   "discharge.provider_assessment_wait_days"),
           "ready_to_leave_mean", (0.1, 10.0)),
    # With the area's waits fitted, its beds hold only if its treatment stays are its own: an
    # area with England's delays in England's beds needs shorter stays than the national
    # defaults give, or it fills every bed.
    Fitted("treatment_stay_scale", ("acute.los_median_days_fit",), "acute_occupancy",
           (0.3, 3.0)),
)


@dataclass(frozen=True)
class Target:
    label: str
    unit: str
    tolerance: float  # relative: within when |model - local| <= tolerance x local
    count: bool       # scales with the population (a count, not a share)


TARGETS = {
    "emergency_admissions_per_year": Target("Emergency admissions of people 65+", "per year",
                                            0.05, True),
    "supported_discharge_share": Target("Discharges needing support (P1-P3)", "share", 0.10,
                                        False),
    "ready_to_leave_mean": Target("Ready to leave, waiting for P1-P3", "patients (daily mean)",
                                  0.15, True),
    "ready_to_leave_p1": Target("Ready to leave, waiting for P1", "patients (daily mean)", 0.25,
                                True),
    "ready_to_leave_p2": Target("Ready to leave, waiting for P2", "patients (daily mean)", 0.25,
                                True),
    "ready_to_leave_p3": Target("Ready to leave, waiting for P3", "patients (daily mean)", 0.25,
                                True),
    "acute_occupancy": Target("Acute beds occupied", "share", 0.02, False),
}
FD_STEP = 0.1  # finite-difference step of the log multipliers
DAYS_IN_MONTH = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30,
                 12: 31}


# ------------------------------------------------------------------------------ applying
_DEFAULTS: dict[str, Any] | None = None


def _default(path: str) -> float:
    global _DEFAULTS
    if _DEFAULTS is None:
        from ..params import Params

        _DEFAULTS = Params().model_dump()
    node: Any = _DEFAULTS
    for part in path.split("."):
        node = node[part]
    return float(node)


def _bounds_of(path: str) -> tuple[float, float]:
    from ..config import field_info

    info = field_info(path)
    lo, hi = -math.inf, math.inf
    for meta in getattr(info, "metadata", ()):
        lo = getattr(meta, "ge", None) if getattr(meta, "ge", None) is not None else lo
        hi = getattr(meta, "le", None) if getattr(meta, "le", None) is not None else hi
    return lo, hi


def apply_rates(settings: dict[str, Any], rates: dict[str, Any]) -> None:
    """Multiply the national defaults of the fitted parameters by the area's rates (in
    place); each result is kept inside its parameter's allowed range."""
    for f in FITTED:
        scale = rates.get(f.name)
        if scale is None or scale == 1.0:
            continue
        for path in f.paths:
            block, name = path.split(".")
            base = settings.get(block, {}).get(name)
            base = _default(path) if base is None else float(base)
            lo, hi = _bounds_of(path)
            settings.setdefault(block, {})[name] = min(hi, max(lo, base * float(scale)))


# ------------------------------------------------------------------------------- targets
def area_targets(data: dict[str, Any]) -> dict[str, tuple[float, int] | None]:
    """Each target's local figure from the Monthly sheet and the months it rests on (None
    where the area gives no figure)."""
    rows = data.get("monthly") or []
    out: dict[str, tuple[float, int] | None] = dict.fromkeys(TARGETS)

    adm = [(r["emergency_admissions"], DAYS_IN_MONTH[int(r["month"][5:])]) for r in rows
           if r.get("emergency_admissions") is not None and r.get("month")]
    if adm:
        out["emergency_admissions_per_year"] = (
            sum(a for a, _ in adm) * 365.0 / sum(d for _, d in adm), len(adm))
    full = [r for r in rows if all(r.get(f"discharges_p{k}") is not None for k in range(4))]
    total = sum(r[f"discharges_p{k}"] for r in full for k in range(4))
    if full and total > 0:
        supported = sum(r[f"discharges_p{k}"] for r in full for k in (1, 2, 3))
        out["supported_discharge_share"] = (supported / total, len(full))
    ready = [r for r in rows if all(r.get(f"ready_to_leave_p{k}") is not None for k in (1, 2, 3))]
    if ready:
        out["ready_to_leave_mean"] = (
            sum(r[f"ready_to_leave_p{k}"] for r in ready for k in (1, 2, 3)) / len(ready),
            len(ready))
    for k in (1, 2, 3):
        vals = [r[f"ready_to_leave_p{k}"] for r in rows
                if r.get(f"ready_to_leave_p{k}") is not None]
        if vals:
            out[f"ready_to_leave_p{k}"] = (sum(vals) / len(vals), len(vals))
    occ = [(r["bed_occupancy"], DAYS_IN_MONTH[int(r["month"][5:])]) for r in rows
           if r.get("bed_occupancy") is not None and r.get("month")]
    if occ:
        out["acute_occupancy"] = (sum(o * d for o, d in occ) / sum(d for _, d in occ), len(occ))
    return out


def model_measures(res, fraction: float = 1.0) -> dict[str, float]:
    """The model's value of every target, from a run, scaled back to the whole area."""
    k = res.kpis
    days = res.params.run.days
    out = {"emergency_admissions_per_year":
           float(k["emergency_admissions"].mean()) * 365.0 / days / fraction}
    p = {n: float(k[f"pathway_{n}"].sum()) for n in ("P0", "P1", "P2", "P3", "P3_back")}
    total = sum(p.values())
    out["supported_discharge_share"] = ((p["P1"] + p["P2"] + p["P3"]) / total
                                        if total else math.nan)
    d = res.daily
    waiting = ["ready_to_leave_assessment", "ready_to_leave_P1", "ready_to_leave_P2",
               "ready_to_leave_P3"]
    if d is not None and not d.empty and all(c in d.columns for c in waiting):
        out["ready_to_leave_mean"] = float(d[waiting].sum(axis=1).mean()) / fraction
        for n in (1, 2, 3):
            out[f"ready_to_leave_p{n}"] = float(d[f"ready_to_leave_P{n}"].mean()) / fraction
    else:
        out["ready_to_leave_mean"] = float(k["mean_delayed_patients"].mean()) / fraction
    out["acute_occupancy"] = float(k["acute_occupancy"].mean())
    out["gridlocked_share"] = float(k["unstable"].mean())
    return out


# ------------------------------------------------------------------------------- running
CAPACITY_PATHS = ("acute.beds", "escalation.beds", "reablement.slots", "intermediate_care.beds",
                  "home_care.hours_per_week", "care_home.beds", "social_work.staff")


def scaled(settings: dict[str, Any], fraction: float) -> dict[str, Any]:
    """The area at ``fraction`` of its size: people and every capacity scaled together,
    census replaced by a warm-up."""
    out = copy.deepcopy(settings)
    out.pop("census", None)
    if fraction >= 1.0:
        return out
    out["population"]["size"] = max(1, round(out["population"]["size"] * fraction))
    for path in CAPACITY_PATHS:
        block, name = path.split(".")
        value = out.get(block, {}).get(name)
        if value is not None:
            v = value * fraction
            out[block][name] = max(1, round(v)) if isinstance(value, int) else round(v, 1)
        for period in out.get(block, {}).get("calendar", []) or []:
            if period.get("value") is not None:
                period["value"] = round(period["value"] * fraction)
    return out


@dataclass
class FitResult:
    rates: dict[str, float]
    report: pd.DataFrame
    data: dict[str, Any]          # the area with the fitted rates
    fraction: float
    replications: int
    evaluations: int
    runtime_seconds: float
    notes: list[str] = field(default_factory=list)


def fit_area(area, population: int = 20_000, replications: int = 3, days: float = 365,
             warmup_days: float = 120, seed: int = 2026, max_evaluations: int = 20,
             progress: Callable[[int, str], None] | None = None) -> FitResult:
    """Fit the area's rates to its monthly figures (see the module note)."""
    from scipy.optimize import least_squares

    from ..config import load_scenario
    from ..runner import run
    from . import as_area
    from .convert import to_scenario

    t0 = time.perf_counter()
    area = as_area(area)
    data = copy.deepcopy(area.data)
    base_rates = {f.name: float((data.get("rates") or {}).get(f.name) or 1.0) for f in FITTED}
    size = sum(data["population"][k] for k in ("age_65_74", "age_75_84", "age_85_plus"))
    fraction = min(1.0, population / size)
    targets = area_targets(data)
    active = [f for f in FITTED if targets.get(f.target) is not None]
    cache: dict[tuple, dict[str, float]] = {}

    def measure(rates: dict[str, float]) -> dict[str, float]:
        key = tuple(round(rates[f.name], 6) for f in FITTED)
        if key not in cache:
            trial = copy.deepcopy(data)
            trial["rates"] = rates
            settings = scaled(to_scenario(trial)[0], fraction)
            params = load_scenario(settings, overrides=[f"run.days={days}",
                                                        f"run.warmup_days={warmup_days}"])
            cache[key] = model_measures(run(params, replications=replications, seed=seed),
                                        fraction)
            if progress:
                progress(len(cache), ", ".join(f"{k} {v:.3g}" for k, v in rates.items()))
        return cache[key]

    def rates_of(x) -> dict[str, float]:
        rates = dict(base_rates)
        for f, v in zip(active, x):
            rates[f.name] = float(math.exp(v))
        return rates

    start = measure(base_rates)
    rates = dict(base_rates)
    if active:
        def residuals(x):
            # Relative errors in units of each target's tolerance, so that a point of bed
            # occupancy (tolerance 2%) weighs as much as it matters near a full hospital.
            got = measure(rates_of(x))
            return [(got[f.target] - targets[f.target][0])
                    / max(targets[f.target][0], 1e-9) / TARGETS[f.target].tolerance
                    for f in active]

        x0 = [math.log(base_rates[f.name]) for f in active]
        lo = [math.log(f.bounds[0]) for f in active]
        hi = [math.log(f.bounds[1]) for f in active]
        x0 = [min(h, max(l, v)) for v, l, h in zip(x0, lo, hi)]
        def jacobian(x):
            # Forward differences of a fixed step in log space (10%): wide enough to see
            # through the noise left by common random numbers; scipy's relative default
            # would step by 1e-8 at a multiplier of exactly 1.
            here = residuals(x)
            cols = []
            for i in range(len(x)):
                step = list(x)
                h = FD_STEP if x[i] + FD_STEP <= hi[i] else -FD_STEP
                step[i] += h
                cols.append([(a - b) / h for a, b in zip(residuals(step), here)])
            return [list(row) for row in zip(*cols)]

        sol = least_squares(residuals, x0, jac=jacobian, bounds=(lo, hi),
                            max_nfev=max_evaluations, xtol=1e-3, ftol=1e-3)
        rates = {k: round(v, 4) for k, v in rates_of(sol.x).items()}
    final = measure(rates)
    data["rates"] = rates
    report = fit_report(targets, start, final, rates)
    return FitResult(rates, report, data, fraction, replications, len(cache),
                     time.perf_counter() - t0,
                     gridlock_notes(start, final, replications, fraction, size))


def gridlock_notes(start: dict[str, float], final: dict[str, float], replications: int,
                   fraction: float = 1.0, size: int = 0) -> list[str]:
    """A fit that lands on a hospital flagged as gridlocked is no fit a planner can compare
    against: say so, with the figures that usually cause it."""
    notes = []
    small = ""
    if fraction < 1.0:
        small = (f" The fit ran a copy at {fraction:.0%} of the area's size "
                 f"({round(size * fraction):,} people): a small copy's bed pool queues more "
                 "than the whole area's, so fit at a larger size before reading this as the "
                 "area's own.")
    for label, got in (("national rates", start), ("the fitted rates", final)):
        share = got.get("gridlocked_share", 0.0)
        if share > 0:
            notes.append(
                f"With {label} the hospital is flagged as gridlocked in "
                f"{round(share * replications)} of {replications} runs (every bed full and "
                "the A&E queue growing): its figures then describe a queue that runs away, "
                "not the area. Check that the beds, the patients ready to leave and the "
                "admissions describe the same people, and give the months' bed occupancy so "
                "the fit can set the treatment stays." + small)
    return notes


def fit_report(targets: dict[str, tuple[float, int] | None], start: dict[str, float],
               final: dict[str, float], rates: dict[str, float]) -> pd.DataFrame:
    """One row per target: the local figure, the model before and after, and the verdict."""
    by_target = {f.target: f for f in FITTED}
    rows = []
    for name, t in TARGETS.items():
        local = targets.get(name)
        f = by_target.get(name)
        model = final.get(name, math.nan)
        if local is None:
            within = None
            note = ("no local figure: national default used"
                    + (f" ({f.name} stays {rates[f.name]:g})" if f else ""))
        else:
            within = bool(abs(model - local[0]) <= t.tolerance * abs(local[0]))
            how = f"fitted by {f.name} = {rates[f.name]:g}" if f else "reported, not fitted"
            note = f"{how}; {local[1]} month(s) of local figures"
        rows.append({"target": name, "label": t.label, "unit": t.unit,
                     "local": None if local is None else local[0],
                     "model_national": start.get(name, math.nan), "model_fitted": model,
                     "tolerance": f"±{t.tolerance:.0%}",
                     "within": {None: "no figure", True: "inside", False: "outside"}[within],
                     "note": note})
    return pd.DataFrame(rows)


def formatted_report(report: pd.DataFrame) -> pd.DataFrame:
    """The fit report with its numbers as text (blank where the area gives no figure), for
    the command line and the app."""
    def num(v, unit: str) -> str:
        if v is None or v != v:
            return ""
        if unit == "share":
            return f"{v:.1%}"
        # Counts a year read as whole numbers; daily means keep one decimal.
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.1f}"

    out = report.copy()
    for col in ("local", "model_national", "model_fitted"):
        out[col] = [num(v, u) for v, u in zip(out[col], out["unit"])]
    return out
