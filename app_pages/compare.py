"""Compare scenarios: choose a baseline and alternatives, adjust them, run, read the results."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

import sim
from app_pages import common, results, widgets

ss = st.session_state
common.init_common()
names = common.scenario_names()

st.title("Compare scenarios")
st.markdown(
    "Choose the system you have today as the **baseline** and one or more **alternatives**, "
    "change what you want to test, then press **Run**. Every scenario meets the same "
    "people with the same illnesses (common random numbers), so the differences come from "
    "the changes, not from chance.")

# ------------------------------------------------------------------------ choose scenarios
if ss.get("sel|baseline") not in names:
    ss["sel|baseline"] = common.DEFAULT_BASELINE if common.DEFAULT_BASELINE in names else names[0]
if "sel|alternatives" not in ss:
    ss["sel|alternatives"] = [n for n in common.DEFAULT_ALTERNATIVES if n in names]
ss["sel|alternatives"] = [n for n in ss["sel|alternatives"]
                          if n in names and n != ss["sel|baseline"]]

left, right = st.columns(2)
with left:
    baseline = st.selectbox("Baseline (what you have today)", names, key="sel|baseline",
                            help="The scenario every other one is compared with.")
    st.caption(common.description(baseline))
with right:
    alternatives = st.multiselect(
        "Alternatives (what you want to test)", [n for n in names if n != baseline],
        key="sel|alternatives", placeholder="Choose one or more scenarios",
        help="Each is run with the same random numbers as the baseline.")
    for name in alternatives:
        st.caption(f"**{name}**: {common.description(name)}")

with st.expander("What each scenario means"):
    st.dataframe(pd.DataFrame({"Scenario": names,
                               "What it represents": [common.description(n) for n in names]}),
                 hide_index=True, width="stretch")

# ------------------------------------------------------------------------ load a file
with st.expander("Load a saved scenario file (YAML)"):
    upload = st.file_uploader(
        "Scenario file", type=["yaml", "yml"], key="scenario_upload",
        help=f"A YAML file saved from this app or written by hand (at most "
             f"{common.MAX_UPLOAD_BYTES // 1024} KB). It is checked against the model's "
             "parameter schema before it is used.")
    if upload is None:
        for key in ("upload_done", "upload_error", "upload_ok"):
            ss.pop(key, None)
    elif ss.get("upload_done") != upload.file_id:
        ss["upload_done"] = upload.file_id
        try:
            loaded, data, desc = common.read_scenario_upload(
                upload.name, upload.getvalue(), taken=names)
        except common.UploadProblem as problem:
            ss["upload_error"] = str(problem)
            ss.pop("upload_ok", None)
        else:
            common.custom_scenarios()[loaded] = {"data": data, "description": desc}
            common.reset_scenario(loaded)
            ss["upload_ok"] = loaded
            ss.pop("upload_error", None)
            st.rerun()
    if ss.get("upload_error"):
        st.error("This file cannot be used as a scenario:\n\n```\n" + ss["upload_error"]
                 + "\n```", icon=":material/error:")
    elif ss.get("upload_ok"):
        st.success(f"Loaded **{ss['upload_ok']}**. Choose it above as the baseline or as an "
                   "alternative.", icon=":material/check_circle:")

# ------------------------------------------------------------------------ adjust
settings = common.run_settings()
chosen = [baseline, *alternatives]
params: dict[str, sim.Params] = {}
errors: dict[str, str] = {}

st.subheader("Adjust the scenarios")
st.caption("Each scenario starts from its own settings. Hover over the question mark next to a "
           "setting for what it means, where its default comes from and how strong the evidence "
           "is.")
tabs = st.tabs(chosen)
for name, tab in zip(chosen, tabs):
    with tab:
        common.init_scenario_widgets(name)
        st.caption(("Baseline. " if name == baseline else "") + common.description(name))
        for group, group_specs in widgets.by_group().items():
            with st.expander(widgets.GROUPS.get(group, group.capitalize())):
                cols = st.columns(2)
                for i, spec in enumerate(group_specs):
                    with cols[i % 2]:
                        hint = None
                        if spec.kind == "capacity":
                            per_50k, whole = widgets.CAPACITIES[spec.path]
                            scaled = per_50k * settings.population / 50_000
                            hint = (f"Empty: follows the population "
                                    f"({max(1, round(scaled)) if whole else round(scaled):,})")
                        widgets.render(spec, common.wkey(name, spec.path), hint)
        with st.expander("Other settings (advanced)"):
            st.text_area(
                "Any other parameter, one per line as block.name=value",
                key=common.advanced_key(name), height=90,
                placeholder="discharge.chc_wait_mean_days=14\nreablement.duration_mean_days=28",
                help="Every parameter is listed with its unit, range and source on the About "
                     "page and in docs/parameters.md. These lines apply after the settings "
                     "above.")
        try:
            params[name] = common.build_params(name, settings)
        except sim.ConfigError as exc:
            errors[name] = str(exc)
            st.error(f"**{name}** has settings the model cannot use:\n\n```\n{exc}\n```",
                     icon=":material/error:")
        c1, c2 = st.columns(2)
        if name in params:
            c1.download_button(
                "Save this scenario as YAML",
                common.scenario_yaml(params[name], common.following_population(name)),
                file_name=f"{name}.yaml", mime="application/x-yaml", key=f"save|{name}",
                icon=":material/save:",
                help="Only the settings that differ from the model's defaults are written. "
                     "Load the file back above, or use it from Python: "
                     "sim.load_scenario('file.yaml').")
        c2.button("Reset to the scenario's own settings", key=f"reset|{name}",
                  on_click=common.reset_scenario, args=(name,), icon=":material/undo:")

# ------------------------------------------------------------------------ run settings
st.subheader("Run")
c1, c2, c3 = st.columns(3)
c1.number_input("People aged 65+", min_value=100, max_value=5_000_000, step=5_000,
                key="c|population",
                help="Size of the simulated population at the start (50,000 is a place of about "
                     "270,000 people of all ages). Capacities left empty follow it. Larger "
                     "populations take proportionally longer to run.")
c2.number_input("Years simulated", min_value=0.25, max_value=10.0, step=0.25,
                key="c|years", format="%.2f",
                help="Length of the results period after the warm-up. Totals are always shown "
                     "per year.")
c3.number_input("Replications", min_value=2, max_value=100, step=1, key="c|replications",
                help="Independent runs of every scenario. More replications give narrower "
                     "ranges but take longer; 10 is a good start.")
with st.expander("More run settings"):
    d1, d2 = st.columns(2)
    d1.number_input("Warm-up (days)", min_value=0, max_value=3650, step=10, key="c|warmup",
                    help="Days simulated before results are recorded, so the hospital and "
                         "services fill up first (120 by default).")
    d2.number_input("Random seed", min_value=0, max_value=2**31 - 1, step=1, key="c|seed",
                    help="The same seed and settings always give the same results.")

if len(params) == len(chosen) and alternatives:
    with st.expander("What the alternatives change, compared with the baseline"):
        for name in alternatives:
            diffs = common.differences_between(params[baseline], params[name])
            st.markdown(f"**{name}**" + ("" if diffs else ": nothing (same settings as the "
                                         "baseline)"))
            if diffs:
                st.dataframe(pd.DataFrame({
                    "Setting": [widgets.setting_label(p) for p, _, _ in diffs],
                    "Parameter": [p for p, _, _ in diffs],
                    baseline: [common.show_value(a) for _, a, _ in diffs],
                    name: [common.show_value(b) for _, _, b in diffs],
                }), hide_index=True, width="stretch")

config_json = common.scenarios_json(params) if not errors else None
ss["current_config_json"] = config_json
clicked = st.button("Run", type="primary", disabled=bool(errors), key="run_button",
                    icon=":material/play_arrow:",
                    help="Fix the settings marked in red first." if errors else None)
if clicked and config_json:
    ss["pending_run"] = {"config": config_json, "seed": settings.seed,
                         "replications": settings.replications, "baseline": baseline,
                         "started": time.time()}
    ss.pop("run_error", None)
    ss.pop("run_stopped", None)

status = st.container()
slot = st.empty()

# ------------------------------------------------------------------------ execute
pending = ss.get("pending_run")
if pending:
    reps = pending["replications"]
    quick = common.QUICK_REPLICATIONS
    t0 = time.perf_counter()
    first = None
    try:
        key = (pending["config"], pending["seed"], reps)
        done_before = key in ss.setdefault("completed", set())
        if reps > quick and not done_before:
            with status:
                early = common.run_comparison(pending["config"], pending["seed"], quick,
                                              pending["baseline"],
                                              _label=f"First {quick} replications")
            first = time.perf_counter() - t0
            with slot.container():
                st.info(f"Early estimate from the first {quick} of {reps} replications of each "
                        "scenario: averages only. The ranges and verdicts appear when all "
                        "replications have run (the bar above shows how far they are).",
                        icon=":material/hourglass_top:")
                results.render_cards(early, early=True)
        with status:
            cmp = common.run_comparison(pending["config"], pending["seed"], reps,
                                        pending["baseline"],
                                        _label=f"All {reps} replications")
        total = time.perf_counter() - t0
        ss["completed"].add(key)
        ss["comparison"] = cmp
        ss["comparison_meta"] = {"config": pending["config"], "first_s": first,
                                 "total_s": total, "finished": time.time()}
    except Exception as exc:  # shown to the planner; earlier results stay on screen
        ss["run_error"] = common.describe_error(exc)
    except BaseException:
        # Streamlit stops a running script when a widget changes or another page is opened.
        ss["run_stopped"] = True
        raise
    finally:
        ss.pop("pending_run", None)

if ss.get("run_stopped") and not pending:
    status.info("The last run stopped before it finished because a setting changed or another "
                "page was opened while it ran. Press **Run** to start it again.",
                icon=":material/info:")
if ss.get("run_error"):
    status.error("The run did not finish, so the results below (if any) are from the previous "
                 "run.\n\n" + ss["run_error"], icon=":material/error:")

cmp = ss.get("comparison")
meta = ss.get("comparison_meta", {})
with slot.container():
    if cmp is None:
        st.info("Press **Run** to simulate the scenarios. With the default settings the first "
                "results appear within seconds and are refined as the remaining replications "
                "finish.", icon=":material/info:")
    else:
        if meta.get("config") != config_json:
            st.warning("The settings have changed since these results were produced. Press "
                       "**Run** to update them.", icon=":material/warning:")
        timing = ""
        if meta.get("total_s") is not None:
            timing = f" · ran in {common.fmt_seconds(meta['total_s'])}"
            if meta.get("first_s") is not None:
                timing += f" (first results after {common.fmt_seconds(meta['first_s'])})"
        st.caption(results.describe_run(cmp) + timing)
        results.render_cards(cmp)
        results.render_details(cmp)
        st.page_link("app_pages/report.py", label="Download the comparison as a report",
                     icon=":material/description:")
