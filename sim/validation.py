"""Calibration targets and the comparison of a run with them.

The targets, their sources and their tolerances live in ``evidence/calibration_targets.csv``
(data, not code). This module turns a run's replications into the same quantities, scaled to
the modelled population, and says whether each lies inside its tolerance.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .stats import t_interval

TARGETS_FILE = Path(__file__).resolve().parent.parent / "evidence" / "calibration_targets.csv"
SHARE_65_PLUS = 0.186  # England and Wales, Census 2021 (evidence: population_share_65plus)


def load_targets() -> pd.DataFrame:
    return pd.read_csv(TARGETS_FILE).set_index("id")


def _reason_shares(res) -> pd.DataFrame:
    d = res.delays_by_reason.pivot_table(index="replication", columns="reason",
                                         values="delayed_days", aggfunc="sum")
    return d.div(d.sum(axis=1), axis=0)


def model_quantities(res) -> pd.DataFrame:
    """One row per replication, one column per calibration target id."""
    k = res.kpis.set_index("replication")
    p = res.params
    per_year = 365.0 / p.run.days
    pop = k["population_mean"]
    fit_discharges = k[["pathway_P0", "pathway_P1", "pathway_P2", "pathway_P3",
                        "pathway_P3_back"]].sum(axis=1)
    supported = fit_discharges - k["pathway_P0"]
    shares = _reason_shares(res)
    out = pd.DataFrame({
        "admissions_per_1000": k["emergency_admissions"] / pop * 1000 * per_year,
        "los_mean": k["acute_mean_los_days"],
        "long_stay_share": k["long_stay_share"],
        "long_stay_bed_day_share": k["long_stay_bed_day_share"],
        "readmission_share": k["readmissions_30d"] / k["emergency_admissions"],
        "supported_discharge_share": supported / fit_discharges,
        "p3_new_share": k["pathway_P3"] / fit_discharges,
        "nctr_per_100k": k["mean_delayed_patients"] / (pop / SHARE_65_PLUS) * 1e5,
        "nctr_mean_wait": k["mean_delay_days"],
        "delay_share_home_support": shares.get("reablement / home care"),
        "delay_share_intermediate_care": shares.get("intermediate care"),
        "delay_share_care_home": shares.get("care home"),
        "delay_share_assessment": shares.get("awaiting assessment"),
        "delay_share_funding": shares.get("funding decision"),
        "ascof_2b": k["reablement_at_home_91d"],
        "ascof_2d": k["reablement_no_or_lower_support"],
        "care_home_admissions_per_100k": (k["care_home_admissions"]
                                          * p.care_home.council_funded_share / pop * 1e5
                                          * per_year),
        "deaths_per_1000": k["deaths"] / pop * 1000 * per_year,
        "in_hospital_death_share": k["deaths_in_hospital_share"],
        "acute_occupancy": k["acute_occupancy"],
    })
    return out


def validation_table(res, level: float = 0.95) -> pd.DataFrame:
    """Each target: published value, tolerance, model mean and CI, and whether it is inside."""
    targets = load_targets()
    values = model_quantities(res)
    rows = []
    for tid, t in targets.iterrows():
        ci = t_interval(values[tid].tolist(), level) if tid in values else {
            "mean": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 0}
        inside = bool(t["low"] <= ci["mean"] <= t["high"]) if not math.isnan(ci["mean"]) else False
        rows.append({
            "target": tid, "description": t["description"], "published": t["published"],
            "unit": t["unit"], "low": t["low"], "high": t["high"],
            "model_mean": ci["mean"], "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
            "n": ci["n"], "within": inside, "source": t["source"],
            "tolerance": t["tolerance_reason"],
        })
    return pd.DataFrame(rows).set_index("target")


def distance(res) -> float:
    """Calibration distance: sum of squared misses, each scaled by its tolerance half-width.

    A target inside its tolerance band contributes nothing, so the optimiser spends its effort
    on the targets that are out.
    """
    table = validation_table(res)
    total = 0.0
    for _, row in table.iterrows():
        half = (row["high"] - row["low"]) / 2.0 or 1.0
        x = row["model_mean"]
        if math.isnan(x):
            total += 4.0
            continue
        miss = max(row["low"] - x, 0.0, x - row["high"])
        total += (miss / half) ** 2
    return total
