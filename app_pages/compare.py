"""Compare scenarios: the answer first (Run, then headline cards), the set-up below it.

The settings sit in one expander that is open before the first run and closed once results
exist, so on a laptop screen the cards of the last run are in view without scrolling.
Replications stream in: the cards are redrawn each time another replication of every
scenario has finished.
"""

from __future__ import annotations

import copy
import time

import pandas as pd
import streamlit as st

import sim
from app_pages import calendars, common, results, runs, widgets
from sim.readout.catalogue import scenario_title as title

ss = st.session_state
common.init_common()
CALENDAR_NOTES = {
    "acute.calendar": "Outside these periods: the core acute beds set under Capacity.",
    "escalation.calendar": "Escalation beds open under pressure on top of the core beds, "
                           "except in these periods. The usual winter plan closes them from "
                           "1 Apr to 30 Nov, so they can open from 1 Dec to 31 Mar.",
}
named = common.scenario_names()
variants = common.variants()

st.title("Compare scenarios")
run_bar = st.container()
# A new label is a new expander, so it opens or closes as its first state says: open to
# set up a first run, closed from the moment Run is pressed so the results are in view.
setting_up = ss.get("comparison") is None and not ss.get("run_button")
setup = st.expander("Set up the comparison" if setting_up else
                    "Scenarios and settings of the comparison (open to change them)",
                    expanded=setting_up, icon=":material/tune:")

# ------------------------------------------------------------------------ choose scenarios
if ss.get("sel|baseline") not in named:
    ss["sel|baseline"] = common.DEFAULT_BASELINE if common.DEFAULT_BASELINE in named else named[0]
if "sel|alternatives" not in ss:
    ss["sel|alternatives"] = [n for n in common.DEFAULT_ALTERNATIVES if n in named]
ss["sel|alternatives"] = [n for n in ss["sel|alternatives"]
                          if (n in named or n in variants) and n != ss["sel|baseline"]]


def _variant_calendars() -> dict[str, list]:
    """The calendars of the variant form that differ from the baseline's; raises
    calendars.CalendarError for a row that cannot be used."""
    if not ss.get("var|calendars"):
        return {}
    out = {}
    for path, block in calendars.BLOCKS.items():
        mine = ss.get(f"var|cal|{path}")
        if mine is None:
            continue
        rows = calendars.from_table(block, mine["rows"], mine["once"])
        theirs = ss.get(common.calendar_key(ss["sel|baseline"], path))
        try:
            same = theirs is not None and rows == calendars.from_table(
                block, theirs["rows"], theirs["once"])
        except calendars.CalendarError:
            same = False
        if not same:
            out[path] = rows
    return out


def _setting(path: str) -> str:
    block = calendars.BLOCKS.get(path)
    return f"{block.title} through the year" if block else widgets.setting_label(path)


def _shown(path: str, value) -> str:
    """A setting's value in words; a bed calendar as its periods."""
    block = calendars.BLOCKS.get(path)
    return calendars.describe(block, value) if block else common.show_value(value)


def _add_variant() -> None:
    """Make a variant from the form below and add it to the alternatives."""
    changes = {p: float(ss.get(f"var|{p}") or 0) for p in common.CAPACITY_PATHS}
    changes = {p: a for p, a in changes.items() if a}
    try:
        calendar_changes = _variant_calendars()
    except calendars.CalendarError as exc:
        ss["variant_error"] = str(exc)
        return
    ss.pop("variant_error", None)
    other = ss.get("var|other", "")
    typed = (ss.get("var|name") or "").strip()
    wanted = typed or common.variant_name(changes, common.advanced_lines(other),
                                          calendar_changes)
    name = common.unique_name(wanted, [*named, *map(title, named), *variants])
    variants[name] = {"changes": changes, "other": other, "calendars": calendar_changes}
    ss["sel|alternatives"] = [*ss.get("sel|alternatives", []), name]
    ss["variant_note"] = (name, wanted)
    for p in common.CAPACITY_PATHS:
        ss[f"var|{p}"] = 0
    ss["var|name"] = ""
    ss["var|other"] = ""
    ss["var|calendars"] = False
    for path in calendars.BLOCKS:
        ss.pop(f"var|cal|{path}", None)


def _remove_variant(name: str) -> None:
    variants.pop(name, None)
    ss["sel|alternatives"] = [n for n in ss.get("sel|alternatives", []) if n != name]


with setup:
    st.markdown(
        "Choose the system you have today as the **baseline** and one or more **alternatives**,"
        " change what you want to test, then press **Run**. Every scenario meets the same "
        "people with the same illnesses (common random numbers), so the differences come "
        "from the changes, not from chance.")
    left, right = st.columns(2)
    with left:
        baseline = st.selectbox("Baseline (what you have today)", named, key="sel|baseline",
                                format_func=title,
                                help="The scenario every other one is compared with.")
        st.caption(common.description(baseline))
    with right:
        options = [n for n in [*named, *variants] if n != baseline]
        alternatives = st.multiselect(
            "Alternatives (what you want to test)", options,
            key="sel|alternatives", placeholder="Choose one or more scenarios",
            format_func=title,
            help="Each is run with the same random numbers as the baseline. Variants of the "
                 "baseline made below are listed here too.")
        for name in alternatives:
            text = (common.describe_variant(name, baseline) if name in variants
                    else common.description(name))
            st.caption(f"**{title(name)}**: {text}")

    # -------------------------------------------------------------------- variants
    with st.expander("Add a variant: the baseline with a few changes",
                     icon=":material/add_circle:"):
        st.caption("For questions such as *what if we add 20 reablement places?* Enter the "
                   "change in each capacity (negative to take some away) and a name; the "
                   "variant is the baseline as set up on this page, with these changes, and is "
                   "added to the alternatives. Add as many as you like and compare them side "
                   "by side.")
        vcols = st.columns(3)
        for i, path in enumerate(common.CAPACITY_PATHS):
            spec = widgets.spec(path)
            ss.setdefault(f"var|{path}", 0)
            vcols[i % 3].number_input(
                f"{spec.label}: change ({spec.unit})", step=1 if spec.whole else 100,
                min_value=-1_000_000, max_value=1_000_000, key=f"var|{path}",
                help=f"Added to the baseline's {spec.label.lower()}; exact steps of 1.")
        if st.toggle("Change the beds through the year too (winter plan, ward closures)",
                     key="var|calendars",
                     help="Start from the baseline's tables and change them; the variant "
                          "uses these tables instead of the baseline's."):
            common.init_calendars(baseline)
            for path, block in calendars.BLOCKS.items():
                if f"var|cal|{path}" not in ss:
                    ss[f"var|cal|{path}"] = copy.deepcopy(ss[common.calendar_key(baseline,
                                                                                 path)])
                widgets.calendar_editor(block, f"var|cal|{path}", CALENDAR_NOTES[path])
        n1, n2 = st.columns(2)
        n1.text_input("Name of the variant", key="var|name",
                      placeholder="e.g. +20 reablement places (made from the changes if empty)")
        n2.text_area("Other changes (advanced), one per line as block.name=value",
                     key="var|other", height=68,
                     placeholder="levers.discharge_to_assess_share=0.6")
        st.button("Add this variant", on_click=_add_variant, key="var|add",
                  icon=":material/add:")
        # Inside the expander, so a message coming or going does not move (and so close)
        # the expanders below it.
        note = ss.pop("variant_note", None)
        if ss.get("variant_error"):
            st.error(f"The variant was not added. {ss['variant_error']}",
                     icon=":material/error:")
        elif note:
            made, wanted = note
            if made != wanted:
                st.warning(f"A scenario called **{wanted}** exists already, so the new "
                           f"variant is called **{made}**.", icon=":material/info:")
            else:
                st.success(f"Added **{made}** to the alternatives.",
                           icon=":material/check_circle:")

    # -------------------------------------------------------------------- load a file
    with st.expander("Load a saved scenario file (YAML)", icon=":material/upload_file:"):
        upload = st.file_uploader(
            "Scenario file", type=["yaml", "yml"], key="scenario_upload",
            help=f"A YAML file saved from this app or written by hand (at most "
                 f"{common.MAX_UPLOAD_BYTES // 1024} KB). It is checked against the model's "
                 "parameter schema before it is used, and is named after the file.")
        if upload is None:
            for key in ("upload_done", "upload_error", "upload_ok"):
                ss.pop(key, None)
        elif ss.get("upload_done") != upload.file_id:
            ss["upload_done"] = upload.file_id
            try:
                loaded, data, desc = common.read_scenario_upload(
                    upload.name, upload.getvalue(),
                    taken=[*named, *map(title, named), *variants])
            except common.UploadProblem as problem:
                ss["upload_error"] = str(problem)
                ss.pop("upload_ok", None)
            else:
                common.custom_scenarios()[loaded] = {"data": data, "description": desc}
                common.reset_scenario(loaded)
                ss["upload_ok"] = (loaded, upload.name)
                ss.pop("upload_error", None)
                st.rerun()
        if ss.get("upload_error"):
            st.error("This file cannot be used as a scenario:\n\n```\n" + ss["upload_error"]
                     + "\n```", icon=":material/error:")
        elif ss.get("upload_ok"):
            loaded, filename = ss["upload_ok"]
            stem = filename.rsplit(".", 1)[0].strip()
            renamed = (f" A scenario called **{stem}** was already loaded, so this one is "
                       f"called **{loaded}**." if loaded != stem else "")
            st.success(f"Loaded **{filename}** as **{loaded}**.{renamed} Choose it above as the "
                       "baseline or as an alternative.", icon=":material/check_circle:")

    # -------------------------------------------------------------------- adjust
    settings = common.run_settings()
    chosen = [baseline, *alternatives]
    params: dict[str, sim.Params] = {}
    errors: dict[str, str] = {}

    st.subheader("Adjust the scenarios")
    st.caption("Each scenario starts from its own settings. Hover over the question mark next "
               "to a setting for what it means, where its default comes from and how strong "
               "the evidence is.")
    tabs = st.tabs([title(n) for n in chosen])
    for name, tab in zip(chosen, tabs):
        with tab:
            if name in variants:
                st.caption(common.describe_variant(name, baseline) + " Change the baseline's "
                           "tab and this variant follows it.")
                try:
                    params[title(name)] = common.build_variant(name, baseline, settings)
                except sim.ConfigError as exc:
                    errors[name] = str(exc)
                    st.error(f"**{name}** cannot be run:\n\n```\n{exc}\n```",
                             icon=":material/error:")
                st.button("Remove this variant", key=f"remove|{name}", icon=":material/delete:",
                          on_click=_remove_variant, args=(name,))
                continue
            common.init_scenario_widgets(name)
            common.init_calendars(name)
            st.caption(("Baseline. " if name == baseline else "") + common.description(name))
            for group, group_specs in widgets.by_group().items():
                with st.expander(widgets.GROUPS.get(group, group.capitalize())):
                    cols = st.columns(2)
                    for i, spec in enumerate(group_specs):
                        with cols[i % 2]:
                            hint = None
                            if spec.kind == "capacity":
                                scaled = common.blank_defaults(name, settings.population)[
                                    spec.path]
                                hint = f"Empty: follows the population ({round(scaled):,})"
                            widgets.render(spec, common.wkey(name, spec.path), hint)
            with st.expander("Beds through the year (winter plan, ward closures)"):
                st.caption(
                    "Periods when the beds differ from the numbers set under Capacity, by "
                    "date. They repeat every year; where periods overlap the lower row wins. "
                    "Add a row at the bottom of a table; select a row by its left edge to "
                    "delete it.")
                for path, block in calendars.BLOCKS.items():
                    widgets.calendar_editor(block, common.calendar_key(name, path),
                                            CALENDAR_NOTES[path])
            with st.expander("Other settings (advanced)"):
                st.text_area(
                    "Any other parameter, one per line as block.name=value",
                    key=common.advanced_key(name), height=90,
                    placeholder="discharge.chc_wait_mean_days=14\nreablement.duration_mean_days=28",
                    help="Every parameter is listed with its unit, range and source on the "
                         "About page and in docs/parameters.md. These lines apply after the "
                         "settings above.")
            try:
                params[title(name)] = common.build_params(name, settings)
            except calendars.CalendarError as exc:  # shown under its table
                errors[name] = str(exc)
            except sim.ConfigError as exc:
                errors[name] = str(exc)
                st.error(f"**{name}** has settings the model cannot use:\n\n```\n{exc}\n```",
                         icon=":material/error:")
            c1, c2 = st.columns(2)
            if title(name) in params:
                c1.download_button(
                    "Save this scenario as YAML",
                    common.scenario_yaml(params[title(name)],
                                         common.following_population(name)),
                    file_name=f"{common.safe_name(name)}.yaml", mime="application/x-yaml",
                    key=f"save|{name}", icon=":material/save:",
                    help="Only the settings that differ from the model's defaults are written. "
                         "Load the file back above, or use it from Python: "
                         "sim.load_scenario('file.yaml').")
            c2.button("Reset to the scenario's own settings", key=f"reset|{name}",
                      on_click=common.reset_scenario, args=(name,), icon=":material/undo:")

    # -------------------------------------------------------------------- run settings
    st.subheader("Run settings")
    c1, c2, c3 = st.columns(3)
    c1.number_input("People aged 65+", min_value=100, max_value=5_000_000, step=5_000,
                    key="c|population",
                    help="People aged 65+ living in the place today (50,000 is a place of "
                         "about 270,000 people of all ages). A scenario with population growth "
                         "simulates more. Capacities left empty follow it. Larger populations "
                         "take proportionally longer to run.")
    c2.number_input("Years simulated", min_value=0.25, max_value=10.0, step=0.25,
                    key="c|years", format="%.2f",
                    help="Length of the results period after the warm-up. Totals are always "
                         "shown per year.")
    c3.number_input("Replications", min_value=2, max_value=100, step=1, key="c|replications",
                    help="Independent runs of every scenario. More replications give narrower "
                         "ranges but take longer; 10 is a good start.")
    grown = {title(n): params[title(n)].population.projected_size for n in chosen
             if title(n) in params}
    people = f"{settings.population:,} people aged 65+ today"
    if any(size != settings.population for size in grown.values()):
        people += "; simulated after population growth: " + ", ".join(
            f"{n} {size:,}" for n, size in grown.items())
    st.caption(people + ".")
    with st.expander("More run settings"):
        d1, d2 = st.columns(2)
        d1.number_input("Warm-up (days)", min_value=0, max_value=3650, step=10,
                        key="c|warmup",
                        help="Days simulated before results are recorded, so the hospital and "
                             "services fill up first (120 by default).")
        d2.number_input("Random seed", min_value=0, max_value=2**31 - 1, step=1, key="c|seed",
                        help="The same seed and settings always give the same results.")

    if len(params) == len(chosen) and alternatives:
        with st.expander("What the alternatives change, compared with the baseline"):
            for name in map(title, alternatives):
                diffs = common.differences_between(params[title(baseline)], params[name])
                st.markdown(f"**{name}**" + ("" if diffs else ": nothing (same settings as "
                                             "the baseline)"))
                if diffs:
                    st.table(pd.DataFrame({
                        "Setting": [_setting(p) for p, _, _ in diffs],
                        f"{title(baseline)} (baseline)": [_shown(p, a) for p, a, _ in diffs],
                        name: [_shown(p, b) for p, _, b in diffs],
                    }).set_index("Setting"))

# ------------------------------------------------------------------------ Run bar
config_json = common.scenarios_json(params) if not errors else None
ss["current_config_json"] = config_json
with run_bar:
    b1, b2 = st.columns([1, 4], vertical_alignment="center")
    clicked = b1.button("Run", type="primary", disabled=bool(errors), key="run_button",
                        icon=":material/play_arrow:", width="stretch",
                        help="Fix the settings marked in red first." if errors else None)
    if errors:
        where, what = next(iter(errors.items()))
        first = what.splitlines()[0].rstrip(".") if what else ""
        b2.error(f"Some settings cannot be used (**{title(where)}**: {first}). Open the "
                 "settings below to fix them.", icon=":material/error:")
    elif config_json:
        est = runs.estimate(config_json, settings.seed, settings.replications)
        names_text = ", ".join([f"**{title(baseline)}** (baseline)",
                                *[f"**{title(n)}**" for n in alternatives]])
        b2.markdown(f"{names_text} · {settings.replications} replications · "
                    f":gray[{runs.describe_estimate(est)}]")

if clicked and config_json:
    ss["pending_run"] = {"config": config_json, "seed": settings.seed,
                         "replications": settings.replications, "baseline": title(baseline)}
    ss.pop("run_error", None)
    ss.pop("run_stopped", None)

status = st.container()
slot = st.empty()

# ------------------------------------------------------------------------ execute
pending = ss.get("pending_run")
if pending:
    reps = pending["replications"]
    bar = status.progress(0.0, text="Starting the simulation runs")

    def show_so_far(cmp: sim.Comparison, done: int, total: int, seconds: float) -> None:
        bar.progress(done / total, text=f"{done} of {total} replications of every scenario "
                     f"done ({runs.fmt_duration(seconds)})")
        with slot.container():
            results.render_cards(cmp, early=done < 2, progress=(done, total))
            st.caption(results.describe_run(cmp))

    try:
        outcome = runs.stream(pending["config"], pending["seed"], reps, pending["baseline"],
                              on_update=show_so_far)
        ss["comparison"] = outcome.comparison
        ss["comparison_meta"] = {"config": pending["config"], "first_s": outcome.first_s,
                                 "total_s": outcome.total_s, "simulated": outcome.simulated,
                                 "finished": time.time()}
    except Exception as exc:  # shown to the planner; earlier results stay on screen
        ss["run_error"] = common.describe_error(exc)
    except BaseException:
        # Streamlit stops a running script when a widget changes or another page is opened;
        # the replications that finished are kept, so Run carries on from there.
        ss["run_stopped"] = True
        raise
    finally:
        ss.pop("pending_run", None)
        bar.empty()

if ss.get("run_stopped") and not pending:
    status.info("The last run stopped before it finished because a setting changed or another "
                "page was opened while it ran. Press **Run** to carry on: the replications "
                "that finished are kept.", icon=":material/info:")
if ss.get("run_error"):
    status.error("The run did not finish, so the results below (if any) are from the previous "
                 "run.\n\n" + ss["run_error"], icon=":material/error:")

cmp = ss.get("comparison")
meta = ss.get("comparison_meta", {})
with slot.container():
    if cmp is None:
        st.info("Press **Run** to simulate the scenarios. The first estimates appear as soon as "
                "one replication of every scenario has finished, and are refined as the others "
                "arrive.", icon=":material/info:")
    else:
        if meta.get("config") != config_json:
            st.warning("The settings have changed since these results were produced. Press "
                       "**Run** to update them.", icon=":material/warning:")
        timing = ""
        if meta.get("simulated") == 0:
            timing = " · read back from an earlier run with the same settings"
        elif meta.get("total_s") is not None:
            timing = f" · ran in {runs.fmt_duration(meta['total_s'])}"
            if meta.get("first_s") is not None:
                timing += f" (first estimates after {runs.fmt_duration(meta['first_s'])})"
        results.render_cards(cmp)
        st.caption(results.describe_run(cmp) + timing)
        results.render_details(cmp)
        st.page_link("app_pages/report.py", label="Download the comparison as a report",
                     icon=":material/description:")
