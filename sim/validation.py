"""Calibration and held-out targets, and the comparison of a run with them.

The targets, their sources and their bands live in ``evidence/calibration_targets.csv`` (data,
not code), each with a ``role``: ``calibration`` targets may be fitted to, ``held_out`` targets
never are. The bands were fixed from published variation before any fitting; a band changed
later carries a dated note in the file's ``changes`` column.

The calibration command reads its targets through :func:`load_targets` with
``role="calibration"``, which looks at nothing but the role of a held-out row, so a held-out
figure cannot leak into a fit. The validation report reads both lists.

Model-side measures are derived here from the tables a run already returns (``kpis``,
``daily``, ``delays_by_reason``), scaled to the modelled population. A target whose measure the
model does not produce yet is reported as such, with the issue expected to add it.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from .metrics import reason_key
from .recorder import DELAY_REASONS
from .stats import t_interval

REPO = Path(__file__).resolve().parent.parent
TARGETS_FILE = REPO / "evidence" / "calibration_targets.csv"
STATUS_FILE = REPO / "docs" / "validation" / "status.json"
SHARE_65_PLUS = 0.186  # England and Wales, Census 2021 (evidence: population_share_65plus)
ROLES = ("calibration", "held_out")
NUMERIC = ("published", "low", "high", "fix_issue")

# The three delay reasons that wait for a service's capacity, as the published shares are
# taken among the same three (see the targets file).
CAPACITY_REASONS = {"home_care": "reablement / home care",
                    "intermediate_care": "intermediate care", "care_home": "care home"}
# Hospital-internal reasons plus equipment and housing, as the published share groups them.
INTERNAL_EQUIPMENT_REASONS = ("medical or therapy review", "medicines to take home", "transport",
                              "housing", "equipment")
PATHWAYS = {"p0": "pathway_P0", "p1": "pathway_P1", "p2": "pathway_P2",
            "p3_new": "pathway_P3", "p3_back": "pathway_P3_back"}
# Compared as the national data count them: a care-home resident going back to their own
# bed with no new needs is pathway 0 ("discharges home or to a usual place of residence with
# no new or additional needs", Hospital discharge and community support guidance, Annex B;
# "returning care home residents will count towards ... Pathway 0", Policy and Operating
# Model 2021). The SitRep's "back to an existing care home" is then a return with new needs,
# which the model does not have (its residents always go back to their own bed), so that
# share is not modelled yet. For the same reason a home care client whose package restarts
# with the same hours (the model keeps the hours) is pathway 0 in the comparison: no new or
# additional support. Local practice varies (some discharge hubs log any restart as pathway
# 1), so the model's pathway 1 count keeps restarts and `pathway_P1_restart` shows them.
COMPARED_PATHWAYS = ("p0", "p1", "p2", "p3_new")
# The targets the model produces today (model_quantities); any other target is reported as
# "not modelled yet" with the issue the targets file names.
MODELLED = frozenset({
    "admissions_per_1000", "ae_attendances_per_1000", "los_mean", "los_over_21d_share",
    "los_over_21d_bed_day_share", "readmission_share", "deaths_per_1000",
    "in_hospital_death_share", "nctr_per_100k", "care_home_admissions_per_100k",
    "nctr_mean_wait", "acute_occupancy", "ascof_2b1", "ascof_2b2", "ascof_2d",
    "council_spend_gross_per_head", "care_home_occupancy", "dta_over_12h_share",
    "dta_over_4h_share", "home_care_undelivered_share",
    "delay_share_internal_equipment",
    *(f"pathway_{k}_share" for k in COMPARED_PATHWAYS),
    *(f"delay_share_{k}" for k in CAPACITY_REASONS),
})


# ------------------------------------------------------------------------------ targets
def _target_rows(path: Path = TARGETS_FILE) -> Iterator[dict[str, str]]:
    """The targets file, one raw row at a time (the single place the file is read)."""
    with open(path, newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def _frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    for col in NUMERIC:
        if col in frame:
            frame[col] = pd.to_numeric(frame[col].replace("", np.nan))
    return frame.set_index("id")


def load_targets(role: str) -> pd.DataFrame:
    """The targets of one role, indexed by id.

    Only the ``role`` field of a row of the other role is looked at: that is what keeps the
    held-out figures out of calibration.
    """
    if role not in ROLES:
        raise ValueError(f"role={role!r} is not allowed; use one of {', '.join(ROLES)}")
    kept = []
    for row in _target_rows():
        if row["role"] not in ROLES:
            raise ValueError(f"calibration_targets.csv: role={row['role']!r} is not allowed; "
                             f"use one of {', '.join(ROLES)}")
        if row["role"] == role:
            kept.append(dict(row))
    return _frame(kept)


def all_targets() -> pd.DataFrame:
    """Both lists, calibration first (for the validation report only, never for fitting)."""
    return pd.concat([load_targets("calibration"), load_targets("held_out")])


# ------------------------------------------------------------------------------ model side
def _long_stay_delays(res) -> pd.DataFrame:
    """Delayed days after the stay's 14th day, one column per reason: the published split
    counts patients in hospital 14 days or more, whose waits lean to beds and care homes."""
    k = res.kpis.set_index("replication")
    cols = {r: f"delayed_days_14d_{reason_key(r)}" for r in DELAY_REASONS}
    have = {r: c for r, c in cols.items() if c in k}
    return pd.DataFrame({r: k[c] for r, c in have.items()}, index=k.index)


def _reason_shares(res) -> pd.DataFrame:
    d = _long_stay_delays(res)
    cap = d.reindex(columns=list(CAPACITY_REASONS.values()), fill_value=0.0)
    return cap.div(cap.sum(axis=1).replace(0.0, np.nan), axis=0)


def model_quantities(res) -> pd.DataFrame:
    """One row per replication, one column per target the model can produce today."""
    k = res.kpis.set_index("replication")
    p = res.params
    per_year = 365.0 / p.run.days
    pop = k["population_mean"]
    pathways = k[list(PATHWAYS.values())]
    discharges = pathways.sum(axis=1).replace(0.0, np.nan)
    shares = _reason_shares(res)
    out = pd.DataFrame({
        "admissions_per_1000": k["emergency_admissions"] / pop * 1000 * per_year,
        "ae_attendances_per_1000": k["ae_attendances"] / pop * 1000 * per_year,
        "los_mean": k["acute_mean_los_days"],
        "los_over_21d_share": k["long_stay_share"],
        "los_over_21d_bed_day_share": k["long_stay_bed_day_share"],
        "readmission_share": k["readmissions_30d"] / k["emergency_admissions"],
        "deaths_per_1000": k["deaths"] / pop * 1000 * per_year,
        "in_hospital_death_share": k["deaths_in_hospital_share"],
        "nctr_per_100k": k["mean_delayed_patients"] / (pop / SHARE_65_PLUS) * 1e5,
        "care_home_admissions_per_100k": (k["care_home_admissions"]
                                          * p.care_home.council_funded_share / pop * 1e5
                                          * per_year),
        "nctr_mean_wait": k["mean_delay_days"],
        "acute_occupancy": k["acute_occupancy"],
        "ascof_2b1": k["reablement_at_home_91d"],
        "ascof_2b2": k["reablement_starts"] / discharges,
        "ascof_2d": k["reablement_no_or_lower_support"],
        "council_spend_gross_per_head": k["cost_local_authority"] / pop * per_year,
    })
    for key in COMPARED_PATHWAYS:
        out[f"pathway_{key}_share"] = k[PATHWAYS[key]] / discharges
    restarts = k.get("pathway_P1_restart", 0.0)
    out["pathway_p0_share"] += (k[PATHWAYS["p3_back"]] + restarts) / discharges
    out["pathway_p1_share"] -= restarts / discharges
    for key, reason in CAPACITY_REASONS.items():
        out[f"delay_share_{key}"] = shares.get(reason)
    out["dta_over_12h_share"] = k["dta_12h_waits"] / k["emergency_admissions"]
    out["dta_over_4h_share"] = k["dta_4h_waits"] / k["emergency_admissions"]
    by_reason = _long_stay_delays(res)
    internal = by_reason.reindex(columns=list(INTERNAL_EQUIPMENT_REASONS), fill_value=0.0)
    out["delay_share_internal_equipment"] = (
        internal.sum(axis=1) / by_reason.sum(axis=1).replace(0.0, np.nan))
    if not res.daily.empty and "care_home_occupancy" in res.daily:
        out["care_home_occupancy"] = res.daily.groupby("replication")["care_home_occupancy"].mean()
    if not res.daily.empty and "home_care_waiting_hours" in res.daily:
        # Hours on the waiting list (at home or in hospital), and the hours of people leaving
        # hospital while brokerage looks for a provider with a carer free nearby (at the mean
        # package), as a share of hours wanted: the ADASS count of commissioned hours that
        # could not be delivered for lack of care workers.
        cols = ["home_care_waiting_hours", "home_care_hours_in_use"]
        hc = res.daily.groupby("replication")[
            cols + (["home_care_brokering"] if "home_care_brokering" in res.daily else [])].mean()
        undelivered = (hc["home_care_waiting_hours"]
                       + hc.get("home_care_brokering", 0.0) * p.home_care.package_hours_mean)
        wanted = (undelivered + hc["home_care_hours_in_use"]).replace(0.0, np.nan)
        out["home_care_undelivered_share"] = undelivered / wanted
    return out


# ------------------------------------------------------------------------------ comparison
def compare(res, targets: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Each target: published value, band, model mean and CI, and a plain status.

    ``status`` is ``inside``, ``outside``, ``not modelled yet (issue N)`` (or ``(no issue
    yet)``) or ``no published figure``; ``within`` is True or False only where a comparison
    was made.
    """
    values = model_quantities(res)
    rows = []
    for tid, t in targets.iterrows():
        have = tid in values and values[tid].notna().any()
        ci = (t_interval(values[tid].dropna().tolist(), level) if have else
              {"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 0})
        published = not math.isnan(t["published"])
        fix = "" if math.isnan(t["fix_issue"]) else f"issue {int(t['fix_issue'])}"
        if not published:
            status, within = "no published figure", None
        elif not have:
            status, within = f"not modelled yet ({fix or 'no issue yet'})", None
        else:
            within = bool(t["low"] <= ci["mean"] <= t["high"])
            status = "inside" if within else "outside"
        rows.append({
            "target": tid, "role": t["role"], "description": t["description"],
            "published": t["published"], "unit": t["unit"], "low": t["low"], "high": t["high"],
            "year": t["year"], "model_mean": ci["mean"], "ci_low": ci["ci_low"],
            "ci_high": ci["ci_high"], "n": ci["n"], "within": within, "status": status,
            "fixed_by": fix, "source": t["source"], "tolerance": t["band_reason"],
            "era_note": t["era_note"],
        })
    return pd.DataFrame(rows).set_index("target")


def calibration_table(res, level: float = 0.95) -> pd.DataFrame:
    return compare(res, load_targets("calibration"), level)


def validation_table(res, level: float = 0.95) -> pd.DataFrame:
    """Both lists against one run: the validation report's table."""
    return compare(res, all_targets(), level)


def distance(res, targets: pd.DataFrame | None = None) -> float:
    """Calibration distance: sum of squared misses, each scaled by its band's half-width.

    Only calibration targets with a published figure and a model value count: a target inside
    its band contributes nothing, so the optimiser spends its effort on the ones that are out.
    """
    targets = load_targets("calibration") if targets is None else targets
    if (targets["role"] != "calibration").any():
        raise ValueError("the calibration distance accepts calibration targets only")
    total = 0.0
    for _, row in compare(res, targets).iterrows():
        if row["within"] is None:
            continue
        half = (row["high"] - row["low"]) / 2.0 or 1.0
        x = row["model_mean"]
        miss = max(row["low"] - x, 0.0, x - row["high"])
        total += (miss / half) ** 2
    return total


# ------------------------------------------------------------------------------ status line
def summarise(table: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Counts per role: inside, compared, not modelled yet, without a published figure."""
    out = {}
    for role in ROLES:
        part = table[table["role"] == role]
        status = part["status"].astype(str)
        out[role] = {"inside": int((status == "inside").sum()), "targets": len(part),
                     "outside": int((status == "outside").sum()),
                     "not_modelled": int(status.str.startswith("not modelled").sum()),
                     "no_figure": int((status == "no published figure").sum())}
    return out


def _phrase(name: str, c: dict[str, int]) -> str:
    extra = []
    if c["not_modelled"]:
        extra.append(f"{c['not_modelled']} not modelled yet")
    if c["no_figure"]:
        extra.append(f"{c['no_figure']} without a published figure")
    tail = f" ({', '.join(extra)})" if extra else ""
    return f"{name}: {c['inside']} of {c['targets']} inside{tail}"


def status_text(counts: dict[str, dict[str, int]], date: str) -> str:
    return (f"{_phrase('Calibration', counts['calibration'])}; "
            f"{_phrase('held-out', counts['held_out'])} ({date})")


def status_from_table(table: pd.DataFrame, date: str) -> str | None:
    """The status line from a validation table or ``validation.csv`` with a role column."""
    if "role" not in table.columns or "status" not in table.columns:
        return None
    return status_text(summarise(table), date)


def backcast_text(path: Path) -> str:
    """The back-cast count from ``backcast.json`` (experiments/backcast.py); "" if absent."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        c = data["counts"]
        total = int(c["inside"]) + int(c["near"]) + int(c["outside"])
        return (f"back-casts of real programmes: {c['inside']} of {total} inside the published "
                f"range, {c['near']} near ({data['date']})")
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def status_line(path: Path = STATUS_FILE) -> str:
    """One line for the README, the app and the board report, from the committed summary.

    The back-cast count is added when ``backcast.json`` sits beside the summary.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        line = status_text(data["counts"], data["date"])
    except (OSError, ValueError, KeyError, TypeError):
        return "Validation: no current validation summary (run python -m experiments.validate)"
    back = backcast_text(Path(path).parent / "backcast.json")
    return f"{line}; {back}" if back else line
