"""Capacity explorer: vary one capacity step by step and find where more stops helping."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

import sim
from app_pages import common, widgets
from app_pages import runs as run_lib
from sim import readout as ro
from sim.readout.catalogue import scenario_title as title

ss = st.session_state
common.init_common()
names = common.scenario_names()

st.title("Capacity explorer")
st.markdown(
    "Vary one capacity step by step and watch delayed days and cost respond. Where the "
    "delayed-days line flattens (the *knee*), extra capacity buys little; where it is steep, a "
    "little more capacity goes a long way. Every step uses the same random numbers, so the "
    "differences between steps come from the capacity alone.")

CAPACITIES = list(common.CAPACITY_PATHS)
if ss.get("x|base") not in names:
    ss["x|base"] = ss.get("sel|baseline", common.DEFAULT_BASELINE)
    if ss["x|base"] not in names:
        ss["x|base"] = names[0]
ss.setdefault("x|capacity", "reablement.slots")
ss.setdefault("x|points", 5)
ss.setdefault("x|replications", 5)

c1, c2 = st.columns(2)
base_name = c1.selectbox("Start from scenario", names, key="x|base", format_func=title,
                         help="Any changes made to this scenario on the Compare page are "
                              "included.")
c1.caption(common.description(base_name))
capacity = c2.selectbox("Capacity to vary", CAPACITIES, key="x|capacity",
                        format_func=widgets.setting_label,
                        help="The other capacities stay as the scenario sets them.")
spec = widgets.spec(capacity)
c2.caption(" ".join(spec.help.split("\n\n")[:2]))

start, settings = common.start_params(base_name)
current = common.value_at(start.resolved().model_dump(), capacity)  # blank: as the run fills it

step_unit = 1 if spec.whole else 100
default_step = max(step_unit, round(float(current) * 0.25 / step_unit) * step_unit)
# Starting values follow the capacity chosen; the planner's own values are kept after that.
if ss.get("x|steps_for") != (base_name, capacity):
    ss["x|steps_for"] = (base_name, capacity)
    ss["x|first"] = max(0, round(float(current) / step_unit) * step_unit - 2 * default_step)
    ss["x|step"] = default_step
d1, d2, d3 = st.columns(3)
fmt = "%d"
d1.number_input(f"First value ({spec.unit})", min_value=0, max_value=10_000_000,
                step=step_unit, key="x|first", format=fmt,
                help="The smallest capacity tried, in whole units.")
d2.number_input(f"Added at each step ({spec.unit})", min_value=step_unit,
                max_value=10_000_000, step=step_unit, key="x|step", format=fmt,
                help="Exact steps: 20 tries +20, +40, ... places.")
points = d3.number_input("Number of steps", min_value=2, max_value=9, step=1, key="x|points")


def sweep_values(first: float, step: float, points: int, current: float) -> list[float]:
    """Evenly spaced values, with today's capacity among them so each step can be read
    against it."""
    values = {float(first + i * step) for i in range(int(points))} | {float(current)}
    return sorted(v for v in values if v >= (1 if spec.whole else 0))


values = sweep_values(float(ss["x|first"]), float(ss["x|step"]), int(points), float(current))
unit = spec.unit
st.caption(f"Current {spec.label.lower()}: **{current:,.0f}** {unit}. Steps: "
           + ", ".join(f"{v:,.0f}" for v in values) + f" {unit}.")

e1, e2, e3 = st.columns(3)
e1.number_input("People aged 65+", min_value=100, max_value=5_000_000, step=5_000,
                key="c|population", help="Shared with the Compare page.")
e2.number_input("Years simulated", min_value=0.25, max_value=10.0, step=0.25, key="c|years",
                format="%.2f", help="Shared with the Compare page.")
e3.number_input("Replications per step", min_value=2, max_value=50, step=1,
                key="x|replications",
                help="Each step is run this many times; 5 is usually enough to see the shape.")
st.caption(f"{int(ss['c|population']):,} people aged 65+ today.")

if len(values) < 2:
    st.warning("These settings give a single step. Widen the range or start from a scenario "
               "where this capacity is not zero.", icon=":material/warning:")
    st.stop()

steps: dict[str, sim.Params] = {}
for v in values:
    data = start.model_dump(mode="json")
    common.set_at(data, capacity, int(v) if spec.whole else float(v))
    data["name"] = start.name
    steps[f"{v:,.0f}"] = sim.load_scenario(data)
config_json = common.scenarios_json(steps)
reps = int(ss["x|replications"])
runs = len(steps) * reps
st.caption(f"{len(steps)} steps × {reps} replications = {runs:,} simulation runs.")

# Names of the sweep's steps, in the capacity's own words.
UNIT_NOUN = {"acute.beds": "bed", "reablement.slots": "place", "intermediate_care.beds": "bed",
             "home_care.hours_per_week": "weekly hour", "care_home.beds": "bed",
             "social_work.staff": "social worker"}


def sweep_frame(cmp: sim.Comparison, values: dict[str, float]) -> pd.DataFrame:
    """One row per step: means and 95% ranges, and the replications that gridlocked."""
    table = ro.sweep_table(cmp, values)
    table["x"] = table["value"]
    table["gridlock"] = table["unstable_replications"] > 0
    table["replications"] = [cmp.results[n].replications for n in table["scenario"]]
    table["runs_gridlocked"] = [f"{u:,.0f} of {r:,.0f}" for u, r in
                                zip(table["unstable_replications"], table["replications"])]
    return table


def sweep_chart(table: pd.DataFrame, cap_spec, metric: str, title: str, scale: float = 1.0,
                y_title: str = "", zero: bool = False) -> alt.Chart:
    x_title = f"{cap_spec.label} ({cap_spec.unit})"
    data = pd.DataFrame({"x": table["x"], "mean": table[metric] / scale,
                         "low": table[f"{metric}_low"] / scale,
                         "high": table[f"{metric}_high"] / scale,
                         "gridlock": table["gridlock"],
                         "runs_gridlocked": table["runs_gridlocked"]})
    axis = alt.Axis(format=",d", tickMinStep=1) if cap_spec.whole else alt.Axis(format=",.0f")
    base = alt.Chart(data).encode(x=alt.X("x:Q", title=x_title, scale=alt.Scale(zero=False),
                                          axis=axis))
    line = base.mark_line(point=True).encode(
        y=alt.Y("mean:Q", title=y_title, scale=alt.Scale(zero=zero)),
        tooltip=[alt.Tooltip("x:Q", title=cap_spec.label, format=",.0f"),
                 alt.Tooltip("mean:Q", title="Average", format=",.1f"),
                 alt.Tooltip("low:Q", title="95% range from", format=",.1f"),
                 alt.Tooltip("high:Q", title="95% range to", format=",.1f")])
    bars = base.mark_errorbar(ticks=True).encode(
        y=alt.Y("low:Q", title=y_title, scale=alt.Scale(zero=zero)), y2="high:Q")
    # Points where a replication gridlocked are marked: their totals describe a hospital
    # that could not cope, so a lower figure there is not an improvement.
    marks = base.transform_filter("datum.gridlock").mark_point(
        shape="cross", size=220, color="#d62728", filled=True).encode(
        y=alt.Y("mean:Q", title=y_title, scale=alt.Scale(zero=zero)),
        tooltip=[alt.Tooltip("x:Q", title=cap_spec.label, format=",.0f"),
                 alt.Tooltip("runs_gridlocked:N", title="Replications in gridlock")])
    return alt.layer(bars, line, marks).properties(title=title, height=300)


def draw_charts(table: pd.DataFrame, cap_spec) -> None:
    left, right = st.columns(2)
    with left:
        st.altair_chart(sweep_chart(table, cap_spec, "delayed_discharge_days",
                                    "Delayed days in hospital a year",
                                    y_title="delayed days a year", zero=True), width="stretch")
    with right:
        st.altair_chart(sweep_chart(table, cap_spec, "cost_total", "Public cost a year",
                                    scale=1e6, y_title="£ million a year"), width="stretch")


status = st.container()
live = st.empty()
if st.button("Run the sweep", type="primary", key="sweep_run_button",
             icon=":material/play_arrow:"):
    step_values = dict(zip(steps, values))
    bar = status.progress(0.0, text="Capacity sweep: starting")

    def show_so_far(cmp: sim.Comparison, done: int, total: int, seconds: float) -> None:
        """Every step so far, drawn as soon as each has another replication back (the steps
        share their random numbers, so they are compared on the same replications)."""
        bar.progress(done / total, text=f"Capacity sweep: {done} of {total} replications of "
                     f"every step done ({run_lib.fmt_duration(seconds)})")
        with live.container():
            st.info(f"Provisional: {done} of {total} replications of every step so far; the "
                    "points and ranges settle as the others arrive.",
                    icon=":material/hourglass_top:")
            draw_charts(sweep_frame(cmp, step_values), spec)

    try:
        outcome = run_lib.stream(config_json, settings.seed, reps, next(iter(steps)),
                                 on_update=show_so_far)
    except Exception as exc:  # shown to the planner; the previous sweep stays on screen
        ss["sweep_error"] = common.describe_error(exc)
    else:
        ss["sweep"] = {"cmp": outcome.comparison, "values": step_values, "capacity": capacity,
                       "config": config_json, "base": base_name, "current": float(current)}
        ss.pop("sweep_error", None)
    finally:
        bar.empty()
        live.empty()

if ss.get("sweep_error"):
    st.error("The sweep did not finish; the results below (if any) are from the previous one."
             "\n\n" + ss["sweep_error"], icon=":material/error:")

sweep = ss.get("sweep")
if sweep is None:
    st.info("Press **Run the sweep** to see how the results change with this capacity.",
            icon=":material/info:")
    st.stop()

if sweep["config"] != config_json:
    st.warning("The settings have changed since this sweep was run. Press **Run the sweep** to "
               "update it.", icon=":material/warning:")

cap_spec = widgets.spec(sweep["capacity"])
table = sweep_frame(sweep["cmp"], sweep["values"])
x_title = f"{cap_spec.label} ({cap_spec.unit})"
noun = UNIT_NOUN.get(sweep["capacity"], "unit")


def _at(value: float) -> str:
    return f"{value:,.0f} {noun}{'' if value == 1 else 's'}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


locked = table[table["gridlock"]]
if len(locked):
    # One message for every gridlocked step: a lower figure there is a hospital that could
    # not cope (people wait for a bed in A&E, so fewer are admitted and fewer can be delayed
    # on the way out), never a saving.
    steps_text = _and([f"{_at(r['value'])} ({r['runs_gridlocked']} replications)"
                       for _, r in locked.iterrows()])
    st.error(f"**Gridlock at {steps_text}.** In these replications the hospital could not "
             "cope: over 28 days the A&E queue for beds, or the wait from the decision to admit "
             "to a bed, passed the gridlock threshold. Their totals describe a system that has "
             "broken down: people wait for a bed in A&E instead of being admitted, so fewer "
             "delayed days or a lower cost there is not an improvement. These steps are marked "
             "with a red cross in the charts and *gridlock* in the table.",
             icon=":material/warning:")


draw_charts(table, cap_spec)
st.caption("Points: average over the replications; bars: 95% confidence intervals; red "
           "cross: gridlock in at least one replication at that step. The cost "
           "axis does not start at zero. Cost "
           "includes the cost of the capacity only as it is used (for example bed days, hours "
           "delivered), not fixed costs of capacity left empty.")

# The knee in words: what each step up buys.
today = sweep.get("current")


def _clear(a, b) -> bool:
    """A step changes delays clearly when the two 95% ranges do not overlap."""
    return (b["delayed_discharge_days_high"] < a["delayed_discharge_days_low"]
            or b["delayed_discharge_days_low"] > a["delayed_discharge_days_high"])


lines = []
for (_, a), (_, b) in zip(table.iloc[:-1].iterrows(), table.iloc[1:].iterrows()):
    added = b["value"] - a["value"]
    saved = a["delayed_discharge_days"] - b["delayed_discharge_days"]
    cost = b["cost_total"] - a["cost_total"]
    if _clear(a, b):
        effect = (f"about {ro.fmt.plain(abs(saved))} {'fewer' if saved >= 0 else 'more'} "
                  f"delayed days a year (about {ro.fmt.plain(abs(saved) / added)} per extra "
                  f"{noun})")
    else:
        effect = "no clear change in delayed days (the 95% ranges overlap)"
    money = ro.fmt.money(cost)
    spend = ("about the same public cost" if not any(c in "123456789" for c in money)
             else f"public cost {money} {'more' if cost >= 0 else 'less'} a year")
    if a["gridlock"] or b["gridlock"]:
        where = _and([f"{_at(r['value'])} ({r['runs_gridlocked']} replications)"
                      for r in (a, b) if r["gridlock"]])
        ends = (f" {_at(b['value'])} end it." if a["gridlock"] and not b["gridlock"] else "")
        lines.append(f"- From {a['value']:,.0f} to {b['value']:,.0f}: not comparable, gridlock "
                     f"at {where}.{ends}")
        continue
    lines.append(f"- From {a['value']:,.0f} to {b['value']:,.0f}: {effect}, {spend}.")
if len(locked):
    lines.append("\n*Not comparable*: the delayed days and cost of a step in gridlock describe a "
                 "hospital that could not cope, so a change to or from that step is neither a "
                 "saving nor a loss.")
st.markdown("**What each step up buys**\n\n" + "\n".join(lines))

# ---------------------------------------------------------------- a target, in words
st.markdown("**Can this capacity alone reach a target?**")
TARGETS = {"Halve delayed days": 0.5, "Cut delayed days by a quarter": 0.75,
           "Cut delayed days by 10%": 0.9}
t1, t2 = st.columns([2, 3])
target_name = t1.selectbox("Target", list(TARGETS), key="x|target",
                           help="Measured against the delayed days at today's capacity in "
                                "this sweep.")
ref_rows = table[table["value"] == today] if today is not None else table.iloc[:0]
ref = ref_rows.iloc[0] if len(ref_rows) else table.iloc[0]
goal = ref["delayed_discharge_days"] * TARGETS[target_name]
reached = table[(table["delayed_discharge_days"] <= goal) & ~table["gridlock"]]
top = table.iloc[-1]
where = f"at {ref['value']:,.0f} {noun}s"
clean = table[~table["gridlock"]]
if ref["gridlock"]:
    # A target measured against a gridlocked step would reward breaking down further.
    first_clean = (f" The first step without gridlock is {_at(clean.iloc[0]['value'])} "
                   f"({ro.fmt.plain(clean.iloc[0]['delayed_discharge_days'])} delayed days a "
                   "year): read the steps from there up instead."
                   if len(clean) else " No step of this sweep is free of gridlock: try larger "
                   "values.")
    t2.error(f"No target can be measured here: {where} (the starting point of the target) the "
             f"hospital gridlocked in {ref['runs_gridlocked']} replications, so its delayed "
             f"days are not a baseline.{first_clean}", icon=":material/block:")
elif len(reached):
    first_ok = reached.iloc[0]
    t2.success(f"Reached. {target_name} means at most about "
               f"{ro.fmt.plain(goal)} delayed days a year (from about "
               f"{ro.fmt.plain(ref['delayed_discharge_days'])} {where}). On average the sweep "
               f"gets there at {first_ok['value']:,.0f} {noun}s "
               f"({ro.fmt.plain(first_ok['delayed_discharge_days'])} delayed days a year, 95% "
               f"range {ro.fmt.plain(first_ok['delayed_discharge_days_low'])} to "
               f"{ro.fmt.plain(first_ok['delayed_discharge_days_high'])}).",
               icon=":material/check_circle:")
else:
    reasons = ro.delays_by_reason_table(sweep["cmp"])
    remain = ""
    if top["scenario"] in reasons.columns and reasons[top["scenario"]].sum() > 0:
        col = reasons[top["scenario"]].sort_values(ascending=False)
        shares = col / col.sum()
        named = [f"{reason.lower() if reason[:1].isupper() and not reason[:2].isupper() else reason}"
                 f" ({share:.0%} of the delayed days)"
                 for reason, share in shares.items() if share >= 0.1][:3]
        remain = (f" At {top['value']:,.0f} {noun}s people still wait mainly for "
                  + ", then ".join(named) + ": that is the reason for delay that remains, and "
                  "the lever to try next.")
    t2.warning(f"Not reachable with {cap_spec.label.lower()} alone in this range. "
               f"{target_name} means at most about {ro.fmt.plain(goal)} delayed days a year "
               f"(from about {ro.fmt.plain(ref['delayed_discharge_days'])} {where}), but even "
               f"at {top['value']:,.0f} {noun}s there are still about "
               f"{ro.fmt.plain(top['delayed_discharge_days'])} a year"
               + (f" (and that step gridlocked in {top['runs_gridlocked']} replications, so "
                  "its figures are no guide)" if top["gridlock"] else "") + f".{remain}",
               icon=":material/block:")

shown = pd.DataFrame({
    x_title: [f"{v:,.0f}" + (" (today)" if v == today else "")
              + (f" (gridlock in {n} replications)" if g else "")
              for v, g, n in zip(table["value"], table["gridlock"], table["runs_gridlocked"])],
    "Delayed days a year (95% range)": [
        f"{ro.format_value('delayed_discharge_days', m)} "
        f"({ro.format_value('delayed_discharge_days', lo)} to "
        f"{ro.format_value('delayed_discharge_days', hi)})"
        for m, lo, hi in zip(table["delayed_discharge_days"],
                             table["delayed_discharge_days_low"],
                             table["delayed_discharge_days_high"])],
    "Public cost a year (95% range)": [
        f"{ro.format_value('cost_total', m)} ({ro.format_value('cost_total', lo)} to "
        f"{ro.format_value('cost_total', hi)})"
        for m, lo, hi in zip(table["cost_total"], table["cost_total_low"],
                             table["cost_total_high"])],
}).set_index(x_title)
# A static table wraps its cells, so it always fits the page width.
st.table(shown)
st.download_button("Download the sweep (CSV)", table.drop(columns=["x"]).to_csv(index=False),
                   file_name=f"sweep_{sweep['capacity'].replace('.', '_')}.csv",
                   mime="text/csv", key="sweep_download", icon=":material/download:")
