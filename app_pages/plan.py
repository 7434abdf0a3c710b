"""Plan capacity: the smallest capacity of a service (or the cheapest mix of several) that
keeps a service level, with its cost and how sure the answer is."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

import sim
from app_pages import common, runs
from sim import readout as ro
from sim import sizing as SZ
from sim.census import start_note

ss = st.session_state
common.init_common()
names = common.scenario_names()

st.title("Plan capacity")
st.markdown(
    "Choose a service and the service level it must keep; the model finds the smallest "
    "capacity that keeps it, runs the capacities around it and prices the answer. "
    f"**A service level holds when it is met in at least {SZ.REPLICATIONS_MET:.0%} of the "
    "replications**, and every capacity is run with the same random numbers, so two "
    "capacities differ only by the capacity itself.")

MEASURES = {**{k: v[0] for k, v in SZ.DAILY_MEASURES.items()},
            **{k: ro.catalogue.metric(k).label for k in SZ.KPI_MEASURES}}
DEFAULT_THRESHOLD = {"p1_waiting": 10.0, "p2_waiting": 2.0, "p3_waiting": 5.0,
                     "delayed_patients": 20.0, "waiting_in_ae": 5.0, "mean_delay_days": 1.0,
                     "mean_delayed_patients": 20.0, "ed_boarding_hours": 1000.0,
                     "delayed_discharge_days": 5000.0, "acute_occupancy": 0.92}
if ss.get("x|plan_base") not in names:
    ss["x|plan_base"] = common.DEFAULT_BASELINE if common.DEFAULT_BASELINE in names else names[0]
ss.setdefault("x|plan_service", "p2_beds")
ss.setdefault("x|plan_measure", "p2_waiting")
ss.setdefault("x|plan_share", 95)
ss.setdefault("x|plan_reps", 10)

c1, c2 = st.columns(2)
base_name = c1.selectbox("Start from scenario", names, key="x|plan_base",
                         format_func=ro.catalogue.scenario_title)
c1.caption(common.description(base_name))
service = c2.selectbox("Service to size", list(SZ.SERVICES), key="x|plan_service",
                       format_func=lambda k: SZ.SERVICES[k].label.capitalize())

start, settings = common.start_params(base_name)
svc = SZ.SERVICES[service]
today = svc.get(start)

m1, m2, m3 = st.columns([2, 1, 1])
measure = m1.selectbox("Service level: keep", list(MEASURES), key="x|plan_measure",
                       format_func=lambda k: MEASURES[k])
if ss.get("x|plan_threshold_for") != measure:
    ss["x|plan_threshold"] = DEFAULT_THRESHOLD.get(measure, 1.0)
    ss["x|plan_threshold_for"] = measure
threshold = m2.number_input("at most", min_value=0.0, step=1.0 if measure != "acute_occupancy"
                            else 0.01, key="x|plan_threshold",
                            format="%.2f" if measure == "acute_occupancy" else "%.1f")
daily = measure in SZ.DAILY_MEASURES
share = m3.slider("on this share of days", 50, 100, key="x|plan_share", format="%d%%",
                  disabled=not daily,
                  help="Daily measures only: the level is met in a replication when the "
                       "measure is at most the threshold on at least this share of days.")
try:
    level = SZ.ServiceLevel(measure, float(threshold), share / 100.0)
except sim.ConfigError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()

step = svc.step
r1, r2, r3 = st.columns(3)
# Never below the people in the service on a census day: a run cannot start with fewer.
low_default = max(0.0, round(today / 4 / step) * step,
                  -(-SZ.census_floor(start, service) // step) * step)
high_default = max(step, round(today * 3 / step) * step)
# Keys carry the service and today's capacity, so a new choice shows its own default range
# (the browser keeps an existing widget's value otherwise).
range_key = f"{service}|{base_name}|{today:g}"
ss.setdefault(f"x|plan_low|{range_key}", float(low_default))
ss.setdefault(f"x|plan_high|{range_key}", float(high_default))
low = r1.number_input(f"Look from ({svc.unit})", min_value=0.0, step=step,
                      key=f"x|plan_low|{range_key}", format="%.0f")
high = r2.number_input(f"up to ({svc.unit})", min_value=step, step=step,
                       key=f"x|plan_high|{range_key}", format="%.0f")
reps = r3.number_input("Replications per capacity", min_value=2, max_value=50, step=1,
                       key="x|plan_reps",
                       help="10 gives the 9-of-10 rule its meaning; fewer run faster.")
e1, e2 = st.columns(2)
e1.number_input("People aged 65+", min_value=100, max_value=5_000_000, step=5_000,
                key="c|population", help="Shared with the Compare page.")
e2.number_input("Years simulated", min_value=0.25, max_value=10.0, step=0.25, key="c|years",
                format="%.2f", help="Shared with the Compare page.")
st.caption(f"{start.population.size:,} people aged 65+ today. Today's {svc.label}: "
           f"**{today:,.0f}** {svc.unit}. " + start_note(start))

status = st.container()
if st.button("Find the capacity", type="primary", key="plan_run_button",
             icon=":material/search:"):
    with status, st.status("Sizing: bracketing and bisecting", expanded=False) as box:
        try:
            result = SZ.size_service(start, service, level, low=float(low), high=float(high),
                                     replications=int(reps), seed=settings.seed,
                                     workers=common.WORKERS, progress=box.write)
        except Exception as exc:  # shown to the planner; the previous answer stays
            ss["plan_error"] = common.describe_error(exc)
            box.update(state="error")
        else:
            ss["plan_result"] = result
            ss.pop("plan_error", None)
            box.update(label=f"Done in {runs.fmt_duration(result.runtime_seconds)}",
                       state="complete")

if ss.get("plan_error"):
    st.error("Sizing did not finish.\n\n" + ss["plan_error"], icon=":material/error:")

result: SZ.SizingResult | None = ss.get("plan_result")
if result is None:
    st.info("Press **Find the capacity** to size the service.", icon=":material/info:")
else:
    if (result.service.key, result.level) != (service, level):
        st.warning("The choices have changed since this answer was found. Press **Find the "
                   "capacity** to update it.", icon=":material/warning:")

    if result.reachable:
        st.success(result.sentence(), icon=":material/check_circle:")
    else:
        st.error(result.sentence(), icon=":material/block:")
    st.caption(result.rule() + f" Found in {runs.fmt_duration(result.runtime_seconds)}.")

    curve = result.curve()
    unit_axis = f"{result.service.label} ({result.service.unit})"
    # A short axis title keeps the plot wide; the measure itself is named in the title.
    value_title = (f"level kept on {result.level.share_of_days:.0%} of days"
                   if result.level.daily else "value")
    data = curve.assign(verdict=curve["holds"].map({True: "holds", False: "does not hold"}),
                        met=curve["met_share"].map(ro.fmt.pct))
    x = alt.X("capacity:Q", title=unit_axis, scale=alt.Scale(zero=False),
              axis=alt.Axis(format=",.0f"))
    band = alt.Chart(data).mark_area(opacity=0.2).encode(x=x, y="value_low:Q", y2="value_high:Q")
    line = alt.Chart(data).mark_line(point=False).encode(x=x, y=alt.Y("value:Q",
                                                                      title=value_title))
    points = alt.Chart(data).mark_point(filled=True, size=90).encode(
        x=x, y="value:Q",
        color=alt.Color("verdict:N", title="Service level",
                        scale=alt.Scale(domain=["holds", "does not hold"],
                                        range=["#2a7d2e", "#c0392b"]),
                        legend=alt.Legend(orient="bottom", labelLimit=400)),
        tooltip=[alt.Tooltip("capacity:Q", title=result.service.label, format=",.0f"),
                 alt.Tooltip("value:Q", title="Average", format=",.1f"),
                 alt.Tooltip("met:N", title="Replications meeting it")])
    threshold_rule = alt.Chart(pd.DataFrame({"t": [result.level.threshold]})).mark_rule(
        strokeDash=[6, 4], color="#555").encode(y="t:Q")
    layers = [band, line, points, threshold_rule]
    if result.answer is not None:
        answer = pd.DataFrame({"c": [result.capacity]})
        layers.append(alt.Chart(answer).mark_rule(color="#2a7d2e").encode(x="c:Q"))
    left, right = st.columns(2)
    with left:
        st.altair_chart(alt.layer(*layers).properties(
            title=alt.TitleParams("Service level by capacity", subtitle=[
                result.level.noun.capitalize() + " (dashed line: the threshold)"]),
            height=320), width="stretch")
    with right:
        cost = curve.assign(cost=curve["cost"] / 1e6, cost_low=curve["cost_low"] / 1e6,
                            cost_high=curve["cost_high"] / 1e6)
        base_chart = alt.Chart(cost).encode(x=x)
        st.altair_chart(alt.layer(
            base_chart.mark_errorbar(ticks=True).encode(y=alt.Y("cost_low:Q",
                                                                title="£ million a year",
                                                                scale=alt.Scale(zero=False)),
                                                        y2="cost_high:Q"),
            base_chart.mark_line(point=True).encode(y="cost:Q"),
        ).properties(title="Total public cost a year (NHS, council, pooled)", height=320),
            width="stretch")
    st.caption("Points: capacities the search ran; shading: 10th to 90th percentile of "
               "replications; cost bars: 95% confidence intervals. Cost counts capacity as it "
               "is used, and fixed capacity costs where the scenario books them.")

    shown = pd.DataFrame({
        result.service.label.capitalize(): curve["capacity"].map(lambda v: f"{v:,.0f}"),
        "Replications meeting it": [f"{round(s * result.replications)} of {result.replications}"
                                    for s in curve["met_share"]],
        "Holds": curve["holds"].map({True: "yes", False: "no"}),
        (f"Level kept on {result.level.share_of_days:.0%} of days (average)"
         if result.level.daily else "Average"): curve["value"].map(
            lambda v: ro.fmt.number(v, 1)),
        "Cost a year": [ro.fmt.gbp(c) for c in curve["cost"]],
    })
    st.dataframe(shown, hide_index=True, width="stretch")

# ------------------------------------------------------------------------------------------
st.subheader("Several services at once: the cheapest mix")
st.markdown(
    "Give a few capacities to try for each service; every mix is run (same random numbers) "
    "and the mix with the lowest total public cost a year that keeps the service level above "
    "is chosen, within the budget if one is given. Keep the grid small: each mix is a full "
    f"set of runs (at most {SZ.MAX_MIXES} mixes).")
ss.setdefault("x|mix_services", ["p2_beds", "reablement_places"])
chosen = st.multiselect("Services", list(SZ.SERVICES), key="x|mix_services",
                        format_func=lambda k: SZ.SERVICES[k].label.capitalize())
grid: dict[str, list[float]] = {}
grid_ok = True
cols = st.columns(max(1, len(chosen)))
for col, key in zip(cols, chosen):
    s = SZ.SERVICES[key]
    now = s.get(start)
    # One widget per scenario and capacity today, so a new scenario or population size
    # shows fresh defaults (the browser keeps an existing widget's text otherwise).
    wkey = f"x|mix_grid_{key}|{base_name}|{now:g}"
    if wkey not in ss:
        ss[wkey] = ", ".join(f"{round(now * f / s.step) * s.step:g}" for f in (0.75, 1.0, 1.5))
    text = col.text_input(f"{s.label.capitalize()} ({s.unit})", key=wkey,
                          help=f"Today: {now:,.0f}. Comma-separated values.")
    try:
        values = sorted({float(v) for v in text.replace(";", ",").split(",") if v.strip()})
        if not values or min(values) < 0:
            raise ValueError
        grid[key] = values
    except ValueError:
        col.error(f"{text!r}: give numbers of {s.unit} separated by commas, none below 0.",
                  icon=":material/error:")
        grid_ok = False
ss.setdefault("x|mix_budget", 0.0)
budget_m = st.number_input("Budget, £ million a year (0 = no budget)", min_value=0.0,
                           step=0.5, key="x|mix_budget")
n_mixes = 1
for values in grid.values():
    n_mixes *= len(values)
st.caption(f"{n_mixes} mixes × {int(reps)} replications = {n_mixes * int(reps)} runs.")
if st.button("Find the cheapest mix", key="mix_run_button", icon=":material/calculate:",
             disabled=not (chosen and grid_ok)):
    with st.status("Running every mix", expanded=False) as box:
        try:
            mix = SZ.cheapest_mix(start, grid, level, budget=budget_m * 1e6 or None,
                                  replications=int(reps), seed=settings.seed,
                                  workers=common.WORKERS, progress=box.write)
        except Exception as exc:  # shown to the planner
            ss["mix_error"] = common.describe_error(exc)
            box.update(state="error")
        else:
            ss["mix_result"] = mix
            ss.pop("mix_error", None)
            box.update(state="complete")
if ss.get("mix_error"):
    st.error("The mix search did not finish.\n\n" + ss["mix_error"], icon=":material/error:")
mix_result: SZ.MixResult | None = ss.get("mix_result")
if mix_result is not None:
    if mix_result.budget != (budget_m * 1e6 or None):
        # A new budget needs no new runs: the same simulated mixes, solved again.
        mix_result = mix_result.within(budget_m * 1e6 or None)
        st.caption("Solved again for the new budget on the mixes already run.")
    if mix_result.reachable:
        st.success(mix_result.sentence(), icon=":material/check_circle:")
    else:
        st.error(mix_result.sentence(), icon=":material/block:")
    table = mix_result.table()
    table["Replications meeting it"] = [f"{round(s * mix_result.replications)} of "
                                        f"{mix_result.replications}" for s in table["met_share"]]
    table["Holds"] = table["holds"].map({True: "yes", False: "no"})
    table["Cost a year"] = [ro.fmt.gbp(c) for c in table["cost"]]
    st.dataframe(table.drop(columns=["met_share", "holds", "cost", "cost_low", "cost_high"]),
                 hide_index=True, width="stretch")
    st.caption(f"Same rule: a mix holds when the level is met in at least "
               f"{SZ.REPLICATIONS_MET:.0%} of replications.")
