"""About the model: what it does and does not do, its assumptions, evidence and parameters.

Everything here is read from the files the library itself uses (docs/model.md,
evidence/uk_figures.csv and the parameter schema), so the page cannot drift from the model.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from app_pages import common, widgets
from sim import readout
from sim.params import CAPACITY_PER_50K, Params, UncertainEffect, iter_fields
from sim.validation import status_line

MODEL_DOC = common.ROOT / "docs" / "model.md"
EVIDENCE_CSV = common.ROOT / "evidence" / "uk_figures.csv"

st.title("About the model")


@st.cache_data(show_spinner=False)
def model_sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) for each "## " section of docs/model.md."""
    # Links between the docs files mean nothing inside the app: keep their text only.
    text = re.sub(r"\[([^\]]+)\]\((?!https?:)[^)]+\)", r"\1", text)
    parts = re.split(r"^## +", text, flags=re.MULTILINE)
    intro = parts[0].split("\n", 1)[1] if "\n" in parts[0] else ""
    out = [("", intro.strip())]
    for part in parts[1:]:
        heading, _, body = part.partition("\n")
        out.append((heading.strip(), body.strip()))
    return out


def _find(sections: list[tuple[str, str]], word: str) -> tuple[str, str] | None:
    return next((s for s in sections if word.lower() in s[0].lower()), None)


try:
    sections = model_sections(MODEL_DOC.read_text(encoding="utf-8"))
except OSError:
    sections = []
    st.warning(f"The model description ({MODEL_DOC.name}) was not found in this installation.")

shown: set[str] = set()
objective = _find(sections, "objective")
if objective:
    st.subheader("What the model does")
    st.markdown(objective[1])
    shown.add(objective[0])
limits = _find(sections, "simplification")
if limits:
    st.subheader("What it does not do: known simplifications")
    st.markdown(limits[1])
    shown.add(limits[0])

st.subheader("How it works and what it assumes")
for heading, body in sections:
    if heading and heading not in shown:
        with st.expander(re.sub(r"^\d+\.\s*", "", heading)):
            st.markdown(body)

# ------------------------------------------------------------------------ validation
st.subheader("How well it reproduces England today")
st.markdown(f"{status_line()}. Targets fitted to (calibration) and targets never fitted to "
            "(held out) are counted separately; every miss is listed in "
            "`docs/validation/validation.md`. Back-casts of real programmes (the model set up "
            "as each programme ran, its effect beside the published one, every miss "
            "explained) are in `docs/validation/backcast.md`; the system at its edges (ten "
            "zero-growth years, doubled demand, each service emptied, places of 2,000 to "
            "200,000 people) in `docs/validation/extremes.md`.")

# ------------------------------------------------------------------------ evidence
st.subheader("Evidence: published English figures")
st.caption(f"From `{EVIDENCE_CSV.relative_to(common.ROOT)}`. Parameters cite these rows by id.")
try:
    evidence = pd.read_csv(EVIDENCE_CSV)
except (OSError, pd.errors.ParserError) as exc:
    st.warning(f"The evidence table could not be read: {exc}")
    evidence = pd.DataFrame()
if not evidence.empty:
    query = st.text_input("Search the evidence", key="about_evidence_search",
                          placeholder="e.g. reablement, cost, readmission")
    if query:
        mask = evidence.astype(str).apply(
            lambda col: col.str.contains(query, case=False, regex=False)).any(axis=1)
        evidence = evidence[mask]
    first = [c for c in ("id", "quantity", "value", "unit", "year", "confidence", "source",
                         "notes") if c in evidence.columns]
    st.dataframe(
        evidence, hide_index=True, width="stretch", height=420,
        column_order=first + [c for c in evidence.columns if c not in first],
        column_config={
            "source": st.column_config.LinkColumn("source", help="Where the figure comes from"),
            "value": st.column_config.TextColumn("value"),
        })


# ------------------------------------------------------------------------ parameters
def _num(x: float | None) -> str:
    if x is None:
        return ""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,g}"


@st.cache_data(show_spinner=False)
def parameter_table() -> pd.DataFrame:
    defaults = Params()
    scaled = {f"{b}.{f}": v for b, f, v, _ in CAPACITY_PER_50K}
    rows = []
    for path, info, _ in iter_fields():
        if path in ("name", "description"):
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        value = defaults
        for part in path.split("."):
            value = getattr(value, part)
        if path in scaled:
            shown_default = (f"{scaled[path]:,} at 50,000 people 65+ (follows population"
                             + (", square-root rule)" if path == "acute.beds" else ")"))
        elif isinstance(value, UncertainEffect):
            shown_default = (f"{value.mean:+.0%} (sd {value.sd:.0%}, {value.low:+.0%} to "
                             f"{value.high:+.0%}), drawn per replication")
        else:
            shown_default = common.show_value(value)
        lo = hi = None
        for meta in info.metadata:
            lo = getattr(meta, "ge", lo)
            hi = getattr(meta, "le", hi)
        rows.append({
            "setting": widgets.setting_label(path),
            "parameter": path,
            "default": shown_default,
            "unit": extra.get("unit", ""),
            "allowed": "" if lo is None and hi is None else f"{_num(lo)} to {_num(hi)}",
            "evidence": extra.get("evidence", ""),
            "group": extra.get("group", ""),
            "description": (info.description or "")
            + (f" How the model uses it: {extra['mechanism']}" if extra.get("mechanism") else ""),
            "source": extra.get("source", ""),
        })
    return pd.DataFrame(rows)


st.subheader("Every parameter")
st.caption("Generated from the model's parameter schema (`sim/params.py`), the same source as "
           "`docs/parameters.md` and the widgets on the Compare page. Evidence: **strong** "
           "(national statistics or a systematic review), **moderate** (a single good study or "
           "official estimate), **weak** (an assumption: read results that depend on it as "
           "what-ifs).")
table = parameter_table()
f1, f2 = st.columns([2, 1])
pquery = f1.text_input("Search the parameters", key="about_parameter_search",
                       placeholder="e.g. beds, assessment, cost")
grades = f2.multiselect("Evidence", ["strong", "moderate", "weak"], key="about_grades",
                        placeholder="All grades")
if pquery:
    mask = table.astype(str).apply(
        lambda col: col.str.contains(pquery, case=False, regex=False)).any(axis=1)
    table = table[mask]
if grades:
    table = table[table["evidence"].isin(grades)]
st.dataframe(
    table, hide_index=True, width="stretch", height=520,
    column_order=["setting", "default", "unit", "evidence", "description", "source", "allowed",
                  "parameter", "group"],
    column_config={"description": st.column_config.TextColumn(width="large"),
                   "source": st.column_config.TextColumn(width="large")})

st.subheader("What the results mean")
st.caption("Every measure the app, the board report and the command line show, named and "
           "defined in one place (`sim/readout/catalogue.py`). Totals are shown per year "
           "whatever the length of the run; rates and shares as they are.")
st.dataframe(pd.DataFrame([{
    "measure": m.label, "name": m.name, "unit": m.unit_label,
    "shown as": "total a year" if m.is_total else "rate",
    "better if": m.better or "neither", "definition": m.definition, "source": m.source,
} for m in readout.CATALOGUE.values()]), hide_index=True, width="stretch")
