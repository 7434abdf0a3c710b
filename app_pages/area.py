"""Your area: download the template, upload the area's own figures, fit, use it as baseline.

Session state this page sets (other pages may read it):

* ``area_path``: path of the checked area file (YAML, written from the upload) to pass to
  ``sim.load_scenario(name, area=...)`` or ``sim.load_area(...)``; absent when no area is set.
* ``area_name``: the area's name; ``area_fit``: the last fit's report (a DataFrame).
* "Use as baseline" registers the area (and the chosen scenarios applied to it) as custom
  scenarios (``common.custom_scenarios()``), selects them on the Compare page and sets the
  population there to the area's.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

import sim
import sim.area as area_lib
import sim.readout as ro
from app_pages import common
from sim.area.files import area_yaml, read_area
from sim.readout import planning

ss = st.session_state
common.init_common()

st.title("Your area")
st.markdown(
    "Set the model up for **your own system**: your population, beds, discharge pathway "
    "capacities, costs, last year's monthly figures and today's census. Download the "
    "template, fill the yellow cells, upload it here, fit it to your monthly figures and "
    "use it as the baseline on the **Compare scenarios** page.")


@st.cache_data(show_spinner=False)
def _template(kind: str) -> bytes:
    example = read_area(area_lib.EXAMPLE)
    if kind == "xlsx":
        from sim.area.files import write_workbook

        return write_workbook(example.data)
    return area_yaml(example.data, "# Local area file for caresim (see docs/area.md)\n").encode()


# ------------------------------------------------------------------------------ template
st.subheader("1. The template")
c1, c2 = st.columns(2)
c1.download_button("Download the Excel template", _template("xlsx"), file_name="my_area.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   icon=":material/download:", key="area_template_xlsx",
                   help="Pre-filled with the example area (100,000 people aged 65+ built from "
                        "national figures), so it loads and runs as it is.")
c2.download_button("Download the same as YAML", _template("yaml"), file_name="my_area.yaml",
                   mime="application/x-yaml", icon=":material/download:",
                   key="area_template_yaml", help="The same content as text, for version control.")
st.caption("Every cell has its unit, allowed range and a note beside it. Formulas and links "
           "to other workbooks are refused: type the values.")


def _set_area(checked, label: str) -> None:
    folder = Path(ss.setdefault("area_dir", tempfile.mkdtemp(prefix="caresim_area_")))
    path = folder / f"{checked.name}.yaml"
    path.write_text(area_yaml(checked.data), encoding="utf-8")
    ss["area_path"] = str(path)
    ss["area_name"] = checked.name
    ss["area_label"] = label
    ss.pop("area_fit", None)


# ------------------------------------------------------------------------------- upload
st.subheader("2. Your area")
upload = st.file_uploader("Area file (.xlsx or .yaml)", type=["xlsx", "yaml", "yml"],
                          key="area_upload",
                          help="It is checked cell by cell before it is used; the area set "
                               "before (if any) stays in use until a file passes.")
if upload is None:
    ss.pop("area_upload_done", None)
elif ss.get("area_upload_done") != upload.file_id:
    ss["area_upload_done"] = upload.file_id
    try:
        checked = read_area(upload.name, content=upload.getvalue())
        area_lib.load_area(checked)
    except sim.ConfigError as exc:
        ss["area_error"] = (str(exc), exc.problems)
    else:
        ss.pop("area_error", None)
        _set_area(checked, f"uploaded from {upload.name}")
if ss.get("area_error"):
    message, problems = ss["area_error"]
    st.error("This file cannot be used as an area. Change these cells and upload it again:",
             icon=":material/error:")
    if problems:
        st.dataframe(pd.DataFrame(problems, columns=["Sheet and cell", "Value", "Allowed"])
                     .astype(str), hide_index=True, width="stretch")
    else:
        st.code(message)

if "area_path" not in ss:
    st.info("No area set yet. Upload your file above, or start from the example area.",
            icon=":material/info:")
    if st.button("Use the example area", key="area_use_example", icon=":material/map:"):
        _set_area(read_area(area_lib.EXAMPLE), "the example area, built from national figures")
        st.rerun()
    st.stop()

path = ss["area_path"]
try:
    checked = read_area(path)
    cfg = area_lib.load_area(checked)
except sim.ConfigError as exc:  # the stored file was checked on upload; say so if not now
    st.error(f"The area set earlier can no longer be used:\n\n```\n{exc}\n```")
    st.stop()
st.success(f"Area **{checked.name}** ({ss.get('area_label', '')}): "
           f"{cfg.population.size:,} people aged 65+.", icon=":material/check_circle:")
with st.expander("How your figures become model settings", expanded=True):
    for note in area_lib.mapping_notes(checked):
        st.markdown(f"- {note}")
    st.dataframe(pd.DataFrame({
        "Setting": ["Acute beds (65+ emergency)", "Reablement places", "P2 beds",
                    "Home care hours per week", "Care-home beds", "Social workers"],
        "Value": [f"{v:,.0f}" for v in (
            cfg.acute.beds, cfg.reablement.slots, cfg.intermediate_care.beds,
            cfg.home_care.hours_per_week, cfg.care_home.beds, cfg.social_work.staff)],
    }), hide_index=True)

# ----------------------------------------------------------------------------------- fit
st.subheader("3. Fit to your monthly figures")
st.caption("Fits the admission rate, the pathway split, the residual waits and the treatment "
           "stays (to bed occupancy) to the Monthly sheet, with common random numbers, on a "
           "copy of the area scaled to the size below "
           "(quicker; people and every capacity are scaled together). Targets without a local "
           "figure keep the national default, and the table says so.")
f1, f2, f3 = st.columns(3)
fit_pop = f1.number_input("People simulated while fitting", 2_000, 200_000, 20_000, 2_000,
                          key="area_fit_population",
                          help="A copy of the area this size is fitted. Below about 20,000 "
                               "people its small bed pool queues more than the whole area.")
fit_reps = f2.number_input("Replications per evaluation", 1, 10, 2, key="area_fit_reps")
fit_evals = f3.number_input("Most evaluations", 2, 40, 8, key="area_fit_evals")
if st.button("Fit the area", key="area_fit_button", icon=":material/tune:"):
    from sim.area.fit import fit_area

    bar = st.progress(0.0, text="Fitting")

    def progress(n: int, text: str) -> None:
        bar.progress(min(1.0, n / (4 * fit_evals)), text=f"Model run {n}: {text}")

    try:
        res = fit_area(checked, population=int(fit_pop), replications=int(fit_reps),
                       max_evaluations=int(fit_evals), progress=progress)
    except sim.SimError as exc:
        st.error(common.describe_error(exc))
    else:
        ss["area_fit"] = res
    bar.empty()
res = ss.get("area_fit")
if res is not None:
    from sim.area.fit import formatted_report

    table = formatted_report(res.report)[["label", "unit", "local", "model_national", "model_fitted",
                        "tolerance", "within", "note"]].rename(columns={
                            "label": "Target", "unit": "Unit", "local": "Your figure",
                            "model_national": "Model, national rates",
                            "model_fitted": "Model, fitted", "tolerance": "Tolerance",
                            "within": "Fit", "note": "Note"})
    st.dataframe(table, hide_index=True, width="stretch")
    for note in res.notes:
        st.warning(note, icon=":material/warning:")
    st.caption(f"{res.evaluations} model evaluations of {res.replications} replications at "
               f"{res.fraction:.1%} of the area's size, {res.runtime_seconds:.0f} s. Rates: "
               + ", ".join(f"{k} {v:g}" for k, v in res.rates.items()))
    from sim.area.files import write_workbook

    d1, d2 = st.columns(2)
    d1.download_button("Download the fitted area", write_workbook(res.data),
                       file_name=f"{checked.name}_fitted.xlsx", key="area_fit_download",
                       icon=":material/download:")
    if d2.button("Use the fitted rates", key="area_fit_use", icon=":material/check:"):
        _set_area(area_lib.Area(res.data, {}, path), "fitted")
        st.rerun()

# -------------------------------------------------------------------------- as baseline
st.subheader("4. Use it as the baseline")
names = [n for n in sim.available_scenarios() if n not in ("fragmented", "mmc")]
chosen = st.multiselect("Scenarios to test on your area", names, default=["integrated"],
                        key="area_alternatives",
                        help="Each named scenario is applied on top of your area. Capacities a "
                             "scenario sets act as ratios to the model's default place.")
if st.button("Use as the baseline on Compare scenarios", type="primary", key="area_baseline",
             icon=":material/compare_arrows:"):
    custom = common.custom_scenarios()
    base = sim.load_scenario("fragmented", area=path)
    base_name = checked.name
    custom[base_name] = {"data": {**base.model_dump(mode="json"), "name": base_name},
                         "description": f"Your area ({checked.name}), fragmented as today."}
    alts = []
    for name in chosen:
        p = sim.load_scenario(name, area=path)
        custom[p.name] = {"data": p.model_dump(mode="json"), "description": p.description}
        alts.append(p.name)
    for name in [base_name, *alts]:
        common.reset_scenario(name)
    ss["sel|baseline"] = base_name
    ss["sel|alternatives"] = alts
    ss["x|plan_base"] = base_name  # and the starting point of Plan capacity
    ss["c|population"] = int(cfg.population.size)
    st.success(f"**{base_name}** is the baseline on the Compare page, with "
               f"{', '.join(alts) or 'no alternatives'}, and the starting point on Plan "
               "capacity.", icon=":material/check_circle:")
    st.page_link("app_pages/compare.py", label="Go to Compare scenarios",
                 icon=":material/compare_arrows:")

# ------------------------------------------------------------------- month by month
st.subheader("5. Month by month, in planning units")
cmp = ss.get("comparison")
if cmp is None:
    st.caption("Run a comparison on the Compare page; its month-by-month table appears here.")
else:
    monthly = planning.monthly_comparison(cmp)
    st.caption("Mean of the replications with the 80% band (10th to 90th percentile) in "
               "brackets; the downloads also hold the 95% band.")
    st.dataframe(planning.wide(monthly), hide_index=True, width="stretch")
    m1, m2 = st.columns(2)
    m1.download_button("Download as CSV", planning.to_csv(monthly), file_name="monthly.csv",
                       mime="text/csv", key="area_monthly_csv", icon=":material/download:")
    groups = ro.outcomes_by_group_display(ro.outcomes_by_group_table(cmp))
    m2.download_button("Download as Excel", planning.to_xlsx(monthly, groups),
                       file_name="monthly.xlsx", key="area_monthly_xlsx",
                       icon=":material/download:")
    if not groups.empty:
        st.markdown("**Key outcomes by age band and frailty** (rates per 1,000 person-years; "
                    "changes against the baseline with their 95% confidence interval; also "
                    "in the Excel download)")
        st.dataframe(groups, hide_index=True, width="stretch")
