"""Widgets generated from the parameter schema (sim/params.py).

Each parameter the schema puts in a planner's ``group`` gets one widget whose label, unit,
range and help text (description, mechanism, source and evidence grade) come from the
schema, so the app cannot drift from the model. Shares are shown as percentages and
uncertain effects as their central value; :class:`Spec` converts both ways.
"""

from __future__ import annotations

import math
import re
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any

import streamlit as st

from sim.params import CAPACITY_PER_50K, Params, UncertainEffect, iter_fields

# Planner's order of the schema's groups, with the headings shown.
GROUPS = {
    "capacity": "Capacity",
    "discharge process": "Discharge process",
    "community": "Community",
    "money": "Money",
    "demand": "Demand",
    "integration": "Shared record",
}

# Set once for the whole comparison on the run settings, not per scenario.
COMMON_FIELDS = frozenset({"population.size"})

CAPACITIES = {f"{block}.{field}": (per_50k, whole)
              for block, field, per_50k, whole in CAPACITY_PER_50K}

# Where a name read mechanically would be unclear.
_LABELS = {
    "population.growth_per_year": "Growth of the 65+ population",
    "population.projection_years": "Years ahead",
    "levers.record_outage.outages_per_year": "Shared record outages",
    "levers.record_outage.mean_duration_days": "Length of an outage",
    "levers.discharge_to_assess_share": "Discharge to assess (Home First)",
    "levers.seven_day_assessment": "Seven-day assessment and transfers",
    "levers.key_worker_coverage": "Key worker coverage",
    "levers.key_worker_effect": "Key worker effect on crises",
    "levers.self_management_coverage": "Self-management support coverage",
    "levers.self_management_effect": "Self-management effect on crises",
    "levers.neighbourhood_team": "Integrated neighbourhood teams",
    "levers.neighbourhood_team_avoided_admissions": "Neighbourhood team effect on admissions",
    "levers.neighbourhood_team_readmission_effect": "Neighbourhood team effect on readmissions",
    "levers.pooled_budget_share": "Spending in a pooled budget",
    "social_work.staff": "Hospital social workers",
    "reablement.slots": "Reablement places",
    "home_care.hours_per_week": "Home care hours",
    "community.crisis_rate_per_year": "Crisis rate",
    "costs.ae_attendance": "A&E attendance",
    "costs.nursing_care_contribution_week": "NHS-funded nursing care",
    "costs.residential_week": "Residential care home fee",
    "costs.nursing_week": "Nursing home fee",
    "costs.assessment": "Discharge assessment",
    "costs.admission_episode": "Emergency admission (treatment)",
}
_WORDS = {"ae": "A&E", "chc": "CHC", "nhs": "NHS"}


@dataclass(frozen=True)
class Spec:
    """How one parameter is shown: ``kind`` is toggle, percent, slider, number, capacity,
    effect or choice. Widget values are in the units shown (percent for shares)."""

    path: str
    group: str
    kind: str
    label: str
    help: str
    unit: str
    min: float | None = None
    max: float | None = None
    step: float | None = None
    fmt: str | None = None
    whole: bool = False
    options: tuple[str, ...] = ()

    def to_widget(self, value: Any) -> Any:
        if value is None:
            return None
        if self.kind == "percent":
            return round(float(value) * 100.0, 6)
        if self.kind == "effect":
            mean = value["mean"] if isinstance(value, dict) else value.mean
            return round(float(mean) * 100.0, 6)
        if self.kind in ("number", "capacity", "slider"):
            return int(value) if self.whole else float(value)
        return value

    def from_widget(self, value: Any, current: Any = None) -> Any:
        """Model value from the widget's; ``current`` is the model value it replaces (an
        uncertain effect keeps its spread and range, only its centre moves)."""
        if value is None:
            return None
        if self.kind == "percent":
            return round(float(value) / 100.0, 10)
        if self.kind == "effect":
            effect = dict(current) if isinstance(current, dict) else current.model_dump()
            effect["mean"] = round(float(value) / 100.0, 10)
            return effect
        if self.kind in ("number", "capacity", "slider"):
            return int(round(value)) if self.whole else float(value)
        return value


def _bounds(info) -> tuple[float | None, float | None]:
    lo = hi = None
    for meta in info.metadata:
        lo = getattr(meta, "ge", lo)
        hi = getattr(meta, "le", hi)
    return lo, hi


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,g}"


def _humanise(name: str) -> str:
    words = [_WORDS.get(w, w) for w in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def make_label(path: str, unit: str) -> str:
    if path in _LABELS:
        return _LABELS[path]
    parts = path.split(".")
    name = parts[-1]
    # The unit already says "per year", "per week": keep the label short.
    if "_per_" in name and "per" in unit:
        name = name.split("_per_")[0]
    if len(parts) >= 3:
        return _humanise(f"{parts[-2]}_{name}")
    if parts[0] in ("levers", "costs", "population", "community") or len(parts) == 1:
        return _humanise(name)
    return _humanise(f"{parts[-2]}_{name}")


def _unit_text(kind: str, unit: str) -> str:
    if kind == "percent":
        return "%" + unit[len("share"):] if unit.startswith("share") else "%"
    if kind == "effect":
        return "% change, central estimate"
    return unit


def _decimals(x: float | None) -> int:
    """Decimal places needed to show ``x`` (at most two)."""
    if x is None:
        return 0
    for d in (0, 1, 2):
        if abs(round(float(x), d) - float(x)) < 1e-9:
            return d
    return 2


def _step(default: float, whole: bool) -> float:
    if whole:
        return 1
    if not default:
        return 0.1
    return 10.0 ** math.floor(math.log10(abs(default))) / 10.0


@cache
def specs() -> tuple[Spec, ...]:
    """Every grouped parameter of the schema as a widget spec, in schema order."""
    defaults = Params()
    out = []
    for path, info, ann in iter_fields():
        extra = info.json_schema_extra or {}
        group = extra.get("group") if isinstance(extra, dict) else None
        if not group or path in COMMON_FIELDS:
            continue
        unit = str(extra.get("unit", ""))
        lo, hi = _bounds(info)
        default = defaults
        for part in path.split("."):
            default = getattr(default, part)
        args = typing.get_args(ann)
        base_type = next((a for a in args if a is not type(None)), ann) if args else ann
        if ann is UncertainEffect:
            kind = "effect"
            lo, hi = default.low * 100, default.high * 100
            step, whole = 1.0, False
        elif path in CAPACITIES:
            kind, whole = "capacity", CAPACITIES[path][1]
            step = 1 if whole else 100.0
        elif base_type is bool:
            kind, step, whole = "toggle", None, False
        elif typing.get_origin(ann) is typing.Literal:
            kind, step, whole = "choice", None, False
        elif unit.startswith("share") and lo is not None and hi is not None and hi <= 1:
            kind, whole = "percent", False
            lo, hi = lo * 100, hi * 100
            step = 0.1 if hi - lo <= 20 else 0.5
        elif lo is not None and hi is not None and lo >= 0 and hi <= 1:
            kind, step, whole = "slider", 0.05, False
        else:
            whole = base_type is int
            kind, step = "number", _step(float(default), whole)
        fmt = None
        if kind in ("number", "capacity"):
            fmt = "%d" if whole else f"%.{max(_decimals(step), _decimals(default))}f"
        shown_unit = _unit_text(kind, unit)
        help_text = _help(info, extra, kind, lo, hi, shown_unit, path)
        out.append(Spec(path=path, group=str(group), kind=kind, label=make_label(path, unit),
                        help=help_text, unit=shown_unit, min=lo, max=hi, step=step, fmt=fmt,
                        whole=whole,
                        options=tuple(typing.get_args(ann)) if kind == "choice" else ()))
    return tuple(out)


def _help(info, extra: dict, kind: str, lo, hi, unit: str, path: str) -> str:
    description = info.description or ""
    if kind == "capacity":
        # Said below in the app's own words ("leave it empty ...").
        description = re.sub(r"\s*Blank:.*$", "", description)
    parts = [description]
    if extra.get("mechanism"):
        parts.append(f"How the model uses it: {extra['mechanism']}")
    if kind == "effect":
        parts.append("This effect is uncertain: each replication draws its own value around "
                     "this centre, so the uncertainty shows in the confidence intervals.")
    elif kind == "capacity":
        per_50k = CAPACITIES[path][0]
        rule = (" at 50,000 people aged 65+; other sizes get the beds they fill plus a margin "
                "that grows with the square root" if path == "acute.beds"
                else " per 50,000 people aged 65+")
        parts.append(f"Leave it empty to follow the population size ({_num(per_50k)}{rule}).")
    if lo is not None and hi is not None and kind not in ("toggle", "choice"):
        parts.append(f"Allowed: {_num(lo)} to {_num(hi)} ({unit}).")
    parts.append(f"Source: {extra.get('source', 'not given')}. "
                 f"Evidence: **{extra.get('evidence', 'not graded')}**.")
    return "\n\n".join(p for p in parts if p)


def by_group() -> dict[str, list[Spec]]:
    groups: dict[str, list[Spec]] = {g: [] for g in GROUPS}
    for spec in specs():
        groups.setdefault(spec.group, []).append(spec)
    return {g: s for g, s in groups.items() if s}


def spec(path: str) -> Spec:
    for s in specs():
        if s.path == path:
            return s
    raise KeyError(path)


def setting_label(path: str) -> str:
    """The widget label of a parameter, or a label made from its name if it has no widget."""
    for s in specs():
        if s.path == path:
            return label_with_unit(s)
    return make_label(path, "")


def label_with_unit(spec: Spec) -> str:
    if spec.kind in ("toggle", "choice") or not spec.unit:
        return spec.label
    return f"{spec.label} ({spec.unit})"


def render(spec: Spec, key: str, placeholder: str | None = None) -> Any:
    """Draw the widget for ``spec``; its value lives in ``st.session_state[key]``, which the
    caller initialises (widgets here never pass ``value=`` so that state is the only truth).
    """
    label = label_with_unit(spec)
    if spec.kind == "toggle":
        return st.toggle(label, key=key, help=spec.help)
    if spec.kind == "choice":
        return st.selectbox(label, spec.options, key=key, help=spec.help)
    if spec.kind in ("percent", "effect", "slider"):
        fmt = "%.1f%%" if spec.kind == "percent" and spec.step and spec.step < 0.5 else (
            "%.0f%%" if spec.kind in ("percent", "effect") else "%.2f")
        if spec.kind == "effect":
            fmt = "%+.0f%%"
        return st.slider(label, min_value=float(spec.min), max_value=float(spec.max),
                         step=float(spec.step), format=fmt, key=key, help=spec.help)
    lo = spec.min if spec.min is not None else None
    hi = spec.max if spec.max is not None else None
    if spec.whole:
        lo = int(lo) if lo is not None else None
        hi = int(hi) if hi is not None else None
        step = int(spec.step or 1)
    else:
        lo = float(lo) if lo is not None else None
        hi = float(hi) if hi is not None else None
        step = float(spec.step or 1.0)
    return st.number_input(label, min_value=lo, max_value=hi, step=step, format=spec.fmt,
                           key=key, help=spec.help, placeholder=placeholder)


def calendar_editor(block, state_key: str, caption: str = "") -> None:
    """An editable table of the capacity calendar kept in ``st.session_state[state_key]``
    (``{"rows": table rows, "once": one-off model rows}``, see app_pages/calendars.py).

    The editor is drawn from a fixed starting table (``base``) and reports the planner's
    edits on top of it, so the starting table must not move while the editor lives: the rows
    as edited are kept in ``rows``, and only when the editor's own state is gone (another
    page was opened, or the rows were replaced from outside) does it start again from them.
    """
    import hashlib
    import json

    import pandas as pd

    from app_pages import calendars as cal

    table = st.session_state[state_key]

    def editor_key(rows) -> str:
        digest = hashlib.md5(json.dumps(rows, default=str).encode()).hexdigest()[:10]
        return f"caled|{state_key}|{digest}"

    if "base" not in table or editor_key(table["base"]) not in st.session_state:
        table = {**table, "base": [dict(r) for r in table["rows"]]}
    names = cal.labels(block)
    frame = pd.DataFrame(table["base"], columns=list(cal.COLUMNS))
    frame = frame.astype({cal.FROM: "object", cal.TO: "object",
                          cal.PERCENT: "float64", cal.NUMBER: "float64"})
    frame[[cal.FROM, cal.TO]] = frame[[cal.FROM, cal.TO]].fillna("")
    st.markdown(f"**{block.title}**")
    if caption:
        st.caption(caption)
    edited = st.data_editor(
        frame, key=editor_key(table["base"]), num_rows="dynamic", hide_index=True,
        width="stretch",
        column_config={
            cal.FROM: st.column_config.TextColumn(
                names[cal.FROM], default="", help="First day of the period, e.g. 1 Dec. The period "
                "repeats every year."),
            cal.TO: st.column_config.TextColumn(
                names[cal.TO], default="", help="Last day of the period, included, e.g. 31 "
                "Mar. A period cannot cross 1 April (the start of the financial year): split it "
                "in two."),
            cal.PERCENT: st.column_config.NumberColumn(
                names[cal.PERCENT], min_value=0, max_value=10_000, format="%g %%",
                help=f"Capacity in the period as a percentage of the {block.usual} set above "
                     f"(100 = unchanged, 0 = closed). Fill in this or the number of "
                     f"{block.unit}, not both."),
            cal.NUMBER: st.column_config.NumberColumn(
                names[cal.NUMBER], min_value=0, max_value=10_000_000, format="%g",
                help=f"Capacity in the period as a number of {block.unit}, whatever is set "
                     "above. Fill in this or the percentage, not both."),
        })
    rows = [{c: (None if cal._blank(v) else v) for c, v in r.items()}
            for r in edited.to_dict("records")]
    st.session_state[state_key] = {**table, "rows": rows}
    # Said here, under the table the planner is typing into; the Run bar repeats it.
    try:
        cal.from_table(block, rows, table["once"])
    except cal.CalendarError as exc:
        st.error(str(exc), icon=":material/error:")
    if table["once"]:
        st.caption(f"The scenario file also sets {len(table['once'])} one-off period(s) "
                   "counted in days of the results period; they are kept and apply after "
                   "the rows above.")
