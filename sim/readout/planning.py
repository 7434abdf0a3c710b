"""Month by month in planning units: demand and queues by pathway, beds occupied, patients
ready to leave, with 80% and 95% bands across replications.

The bands are the spread of the replications (10th-90th and 2.5th-97.5th percentiles of the
month's value), not a confidence interval of the mean: they say how different a month could
turn out, which is what a winter plan needs. With few replications the outer band is rough;
``n`` says how many replications it rests on.

Reads the planning columns of ``Results.daily`` (:mod:`sim.snapshot`). Key outcomes by age band
and frailty are in :mod:`sim.readout.groups`; :func:`to_xlsx` adds them as a sheet when given.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .tables import nominal_date


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str
    column: str
    kind: str  # "count": events in the month (from running totals); "level": daily mean
    total: str | None = None  # KPI holding the run's final total (closes the last month)


MEASURES = (
    Measure("emergency_admissions", "Emergency admissions", "admissions in the month",
            "cum_emergency_admissions", "count", "emergency_admissions"),
    Measure("new_p1", "Demand for pathway 1 (ready to leave needing home support)",
            "people in the month", "cum_pathway_P1", "count", "pathway_P1"),
    Measure("new_p2", "Demand for pathway 2 (rehabilitation bed)", "people in the month",
            "cum_pathway_P2", "count", "pathway_P2"),
    Measure("new_p3", "Demand for pathway 3 (care home, new placements)",
            "people in the month", "cum_pathway_P3", "count", "pathway_P3"),
    Measure("ready_to_leave", "Patients ready to leave still in an acute bed",
            "patients (daily mean)", "delayed_patients", "level"),
    Measure("ready_to_leave_assessment", "  of whom awaiting assessment or funding",
            "patients (daily mean)", "ready_to_leave_assessment", "level"),
    Measure("ready_to_leave_p1", "  of whom waiting for pathway 1", "patients (daily mean)",
            "ready_to_leave_P1", "level"),
    Measure("ready_to_leave_p2", "  of whom waiting for pathway 2", "patients (daily mean)",
            "ready_to_leave_P2", "level"),
    Measure("ready_to_leave_p3", "  of whom waiting for pathway 3", "patients (daily mean)",
            "ready_to_leave_P3", "level"),
    Measure("acute_occupied", "Acute beds occupied", "beds (daily mean)", "acute_occupied",
            "level"),
    Measure("ae_waiting", "Waiting in A&E for a bed", "people (daily mean)", "boarding",
            "level"),
    Measure("reablement_in_use", "Reablement (P1) in use", "people (daily mean)",
            "reablement_in_use", "level"),
    Measure("reablement_queue", "Waiting for reablement", "people (daily mean)",
            "reablement_queue", "level"),
    Measure("home_care_hours_in_use", "Home care in use", "hours per week (daily mean)",
            "home_care_hours_in_use", "level"),
    Measure("home_care_waiting", "Waiting for home care (hospital and community)",
            "people (daily mean)", "home_care_waiting", "level"),
    Measure("p2_beds_occupied", "Pathway 2 beds occupied", "beds (daily mean)",
            "intermediate_care_in_use", "level"),
    Measure("p2_queue", "Waiting for a pathway 2 bed", "people (daily mean)",
            "intermediate_care_queue", "level"),
    Measure("care_home_occupied", "Care-home beds occupied", "beds (daily mean)",
            "care_home_occupied", "level"),
    Measure("care_home_queue", "Waiting for a care-home bed", "people (daily mean)",
            "care_home_queue", "level"),
)

COLUMNS = ["scenario", "month", "month_start", "days", "measure", "label", "unit", "mean",
           "low_80", "high_80", "low_95", "high_95", "n"]


def start_date(res) -> tuple[date, bool]:
    """The date of day 0 of the results period and whether it is a real date (a census
    start date) or nominal (:func:`sim.readout.tables.nominal_date`)."""
    census = getattr(res.params, "census", None)
    return nominal_date(res, 0), census is not None and census.start_date is not None


def _month_edges(first: date, days: int) -> list[tuple[int, int, date]]:
    """(first day, day after the last, month start) of each calendar month in the period."""
    edges = []
    d = 0
    while d < days:
        today = first + timedelta(days=d)
        nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        end = min(days, d + (nxt - today).days)
        edges.append((d, end, date(today.year, today.month, 1)))
        d = end
    return edges


def monthly(res, scenario: str | None = None) -> pd.DataFrame:
    """The tidy monthly planning table of one scenario's results (columns :data:`COLUMNS`)."""
    d = res.daily
    name = scenario or res.scenario
    if d is None or d.empty:
        return pd.DataFrame(columns=COLUMNS)
    first, real = start_date(res)
    days = int(d["day"].max()) + 1
    edges = _month_edges(first, days)
    kpis = res.kpis.set_index("replication")
    rows = []
    for m in MEASURES:
        if m.column not in d.columns:
            continue
        wide = d.pivot_table(index="day", columns="replication", values=m.column)
        for a, b, month in edges:
            if m.kind == "level":
                values = wide.loc[a:b - 1].mean(axis=0)
            else:
                # Running totals count from the start of the results period, so the first
                # month starts from zero: what happens at time 0 (a census's A&E patients
                # admitted at once) is already in the day-0 row and would otherwise be lost.
                start = wide.loc[a] if a > 0 else wide.loc[a] * 0.0
                if b in wide.index:
                    end = wide.loc[b]
                elif m.total in kpis.columns:
                    end = kpis[m.total].reindex(wide.columns)
                else:
                    continue
                values = end - start
            v = values.dropna().to_numpy(dtype=float)
            if not len(v):
                continue
            q = np.percentile(v, [2.5, 10, 90, 97.5])
            label = f"{month:%b %Y}" if real else f"{month:%b}, year {1 + (month.year - 2001)}"
            rows.append({"scenario": name, "month": label, "month_start": month,
                         "days": b - a, "measure": m.key, "label": m.label.strip(),
                         "unit": m.unit, "mean": float(v.mean()), "low_80": q[1],
                         "high_80": q[2], "low_95": q[0], "high_95": q[3], "n": len(v)})
    return pd.DataFrame(rows, columns=COLUMNS)


def monthly_comparison(cmp) -> pd.DataFrame:
    """:func:`monthly` for every scenario of a comparison, one tidy table."""
    return pd.concat([monthly(res, name) for name, res in cmp.results.items()],
                     ignore_index=True)


def wide(table: pd.DataFrame, decimals: int = 0) -> pd.DataFrame:
    """One row per scenario and measure, one column per month: 'mean (80%: low-high)', the
    shape a planner pastes into a winter plan."""
    if table.empty:
        return pd.DataFrame()
    fmt = f"{{:,.{decimals}f}}"

    def cell(r) -> str:
        return (f"{fmt.format(r['mean'])} ({fmt.format(r['low_80'])}-"
                f"{fmt.format(r['high_80'])})")

    t = table.assign(value=table.apply(cell, axis=1))
    order = list(dict.fromkeys(t["month"]))
    out = t.pivot_table(index=["scenario", "label", "unit"], columns="month", values="value",
                        aggfunc="first", sort=False)
    return out[order].reset_index()


def to_csv(table: pd.DataFrame) -> bytes:
    return table.to_csv(index=False).encode("utf-8")


def to_xlsx(table: pd.DataFrame, groups: pd.DataFrame | None = None) -> bytes:
    """A workbook with the paste-ready wide table and the tidy one; with ``groups`` (the
    display table of :func:`sim.readout.outcomes_by_group_display`), a sheet of the key
    outcomes by age band and frailty too."""
    import openpyxl  # noqa: F401  (the engine pandas uses)

    notes = [__doc__.strip().splitlines()[0],
             "mean (low-high): mean of the replications with the 10th-90th percentile range "
             "(80% band); the Tidy sheet also has the 95% band."]
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as xl:
        wide(table).to_excel(xl, sheet_name="Winter plan (80% bands)", index=False)
        table.to_excel(xl, sheet_name="Tidy", index=False)
        if groups is not None and not groups.empty:
            groups.to_excel(xl, sheet_name="By age and frailty", index=False)
            notes.append("By age and frailty: rates per 1,000 person-years over the whole "
                         "run, each event counted in the person's group at the time; changes "
                         "are paired against the baseline with their 95% confidence interval.")
        pd.DataFrame({"note": notes}).to_excel(xl, sheet_name="Notes", index=False)
    return out.getvalue()


__all__ = ["COLUMNS", "MEASURES", "Measure", "monthly", "monthly_comparison", "start_date",
           "to_csv", "to_xlsx", "wide"]
