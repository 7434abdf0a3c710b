"""Drawing a comparison: headline cards, charts over time, delays, who pays, flow, tables.

Every number, word and verdict shown comes from :mod:`sim.readout`, which turns a
:class:`sim.Comparison` into per-year figures and plain sentences; this module lays them out.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

import sim
from sim import readout as ro
from sim.census import warmup_days_used

PALETTE = ["#5f6b7a", "#1f77b4", "#e07b00", "#2ca02c", "#9467bd", "#8c564b", "#d62728"]
COLOURS = {"better": "green", "worse": "red", "unclear": "gray", "same": "gray",
           "changed": "blue", "gridlock": "orange"}
VERDICT_WORDS = {code: f":{COLOURS[code]}[**{word}.**]" for code, word in ro.VERDICTS.items()}
RANGE_NOTE = ("Ranges are 95% confidence intervals across replications. They include chance "
              "and the uncertainty of the published evidence behind weakly supported effects: "
              "if the model's assumptions hold, the true figure lies in the range 19 times "
              "out of 20.")


def _colors(cmp: sim.Comparison, only: list[str] | None = None) -> alt.Scale:
    """The same colour for a scenario in every chart (the baseline grey)."""
    names = list(cmp.results)
    colours = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}
    shown = only or names
    return alt.Scale(domain=shown, range=[colours[n] for n in shown])


def _chart(chart: alt.TopLevelMixin) -> None:
    st.altair_chart(chart, width="stretch")


def describe_run(cmp: sim.Comparison) -> str:
    res = next(iter(cmp.results.values()))
    p = res.params
    count = len(cmp.results)
    return (f"{count} scenario{'s' if count > 1 else ''} × {res.replications} replications · "
            f"{ro.simulated_people(cmp)} · "
            f"{ro.run_length(p.run.days, warmup_days_used(p) or None)} · seed {cmp.seed}")


def tooltip(metric: str) -> str:
    """What a measure is and where it comes from: the catalogue's definition and source."""
    m = ro.metric(metric)
    better = {"lower": " Lower is better.", "higher": " Higher is better."}.get(m.better, "")
    return f"{m.definition}{better}\n\nSource: {m.source}."


def render_warnings(cmp: sim.Comparison) -> None:
    """The readout's named warnings (gridlock), above everything else."""
    for w in ro.warnings(cmp):
        st.error(w.text, icon=":material/warning:")


# --------------------------------------------------------------------------------------------
# Headline cards
# --------------------------------------------------------------------------------------------
def render_cards(cmp: sim.Comparison, early: bool = False,
                 progress: tuple[int, int] | None = None) -> None:
    """One card per key metric for each alternative (or for the baseline if it is alone).

    ``early``: a first look from one replication, too few for a range, so the cards give
    the average change only and no verdict. ``progress``: (replications so far, wanted)
    while a run is still going.
    """
    if progress is not None:
        done, total = progress
        st.info(f"Provisional: {done} of {total} replications of every scenario so far. "
                + ("Averages only until a second replication has finished."
                   if early else "The ranges narrow as the others arrive."),
                icon=":material/hourglass_top:")
    render_warnings(cmp)
    alternatives = [n for n in cmp.results if n != cmp.baseline]
    if not alternatives:
        _baseline_cards(cmp)
        return
    table = ro.headlines(cmp)
    for name in alternatives:
        st.markdown(f"#### {name} compared with {cmp.baseline}")
        rows = table[table["scenario"] == name].set_index("metric")
        cols = st.columns(3)
        for i, metric in enumerate(ro.KEY_METRICS):
            if metric not in rows.index:
                continue
            row = rows.loc[metric]
            colour = "gray" if early else {"better": "green", "worse": "red"}.get(
                row["verdict"], "gray")
            diff = row["difference"]
            arrow = "off" if not diff or diff != diff else ("up" if diff > 0 else "down")
            with cols[i % 3].container(border=True):
                # The title above the number wraps; a metric's own label is cut short.
                st.markdown(f"**{ro.metric(metric).title}**", help=tooltip(metric))
                # Colour from the verdict, arrow from the sign: the readout writes minus as
                # U+2212, which the metric's own sign test does not see.
                st.metric(
                    ro.metric(metric).title,
                    ro.format_value(metric, row["scenario_mean"]),
                    delta=f"{ro.format_difference(metric, diff)} vs baseline",
                    delta_color=colour, delta_arrow=arrow, label_visibility="collapsed",
                )
                if early:
                    text = ro.estimate(metric, row["difference"])
                    st.markdown(f":small[:gray[**Early estimate.**] {text[:1].upper()}{text[1:]}.]",
                                width="stretch")
                else:
                    text = row["in_words"]
                    st.markdown(f":small[{VERDICT_WORDS[row['verdict']]} {text[:1].upper()}{text[1:]}.]",
                                width="stretch")
    if not early:
        st.caption(RANGE_NOTE)


def _baseline_cards(cmp: sim.Comparison) -> None:
    table = ro.summary_table(cmp, list(ro.KEY_METRICS)).set_index("metric")
    st.subheader(cmp.baseline)
    st.info("Only a baseline was run. Add an alternative to see what would change.")
    cols = st.columns(3)
    for i, metric in enumerate(ro.KEY_METRICS):
        row = table.loc[metric]
        with cols[i % 3].container(border=True):
            st.markdown(f"**{ro.metric(metric).title}**", help=tooltip(metric))
            st.metric(ro.metric(metric).title, ro.format_value(metric, row["mean"]),
                      label_visibility="collapsed")
            st.markdown(f"Between {ro.format_value(metric, row['ci_low'])} and "
                        f"{ro.format_value(metric, row['ci_high'])}.")
    st.caption(RANGE_NOTE)


# --------------------------------------------------------------------------------------------
# Details
# --------------------------------------------------------------------------------------------
def render_details(cmp: sim.Comparison) -> None:
    tabs = st.tabs(["Over time", "Why people wait", "Who pays", "Flow through services",
                    "All metrics"])
    with tabs[0]:
        render_over_time(cmp)
    with tabs[1]:
        render_delays(cmp)
    with tabs[2]:
        render_who_pays(cmp)
    with tabs[3]:
        render_flow(cmp)
    with tabs[4]:
        render_table(cmp)
        render_groups(cmp)


def _band_chart(cmp: sim.Comparison, column: str, title: str, y_title: str,
                capacity: dict[str, float] | None = None) -> alt.LayerChart | None:
    data = ro.daily_bands(cmp, column)
    if data.empty:
        return None
    data["date"] = pd.to_datetime(data["date"])
    days = next(iter(cmp.results.values())).params.run.days
    fmt = "%b" if days <= 366 else "%b %Y"
    # One tick per month (every 6 or 12 over several years): left to itself Vega-Lite puts
    # ticks every two weeks, and a month's name then appears two or three times.
    step = 1 if days <= 366 else 6 if days <= 5 * 366 else 12
    x = alt.X("date:T", title=None, axis=alt.Axis(
        format=fmt, labelAngle=0, tickCount={"interval": "month", "step": step}))
    colour = alt.Color("scenario:N", scale=_colors(cmp), title="Scenario",
                       legend=alt.Legend(orient="top", symbolType="stroke", symbolOpacity=1,
                                         symbolStrokeWidth=3, labelLimit=400))
    band = alt.Chart(data).mark_area(opacity=0.2).encode(
        x=x, y=alt.Y("low:Q", title=y_title), y2="high:Q", color=colour)
    line = alt.Chart(data).mark_line(strokeWidth=1.5).encode(
        x=x, y="mean:Q", color=colour,
        tooltip=[alt.Tooltip("scenario:N", title="Scenario"),
                 alt.Tooltip("date:T", title="Date", format="%d %b"),
                 alt.Tooltip("mean:Q", title="Average", format=",.1f"),
                 alt.Tooltip("low:Q", title="95% range from", format=",.1f"),
                 alt.Tooltip("high:Q", title="95% range to", format=",.1f")])
    layers = [band, line]
    subtitle = alt.Undefined
    if capacity:
        caps = pd.DataFrame({"scenario": list(capacity), "capacity": list(capacity.values())})
        if caps["capacity"].nunique() == 1:
            caps = caps.iloc[:1]
            subtitle = f"Dashed line: beds available ({caps['capacity'].iloc[0]:,.0f})"
        else:
            subtitle = "Dashed lines: beds available (" + ", ".join(
                f"{s}: {c:,.0f}" for s, c in zip(caps["scenario"], caps["capacity"])) + ")"
        layers.append(alt.Chart(caps).mark_rule(strokeDash=[4, 4], color="#444")
                      .encode(y="capacity:Q"))
    return alt.layer(*layers).properties(
        title=alt.TitleParams(title, subtitle=subtitle, anchor="start"), height=300)


def render_over_time(cmp: sim.Comparison) -> None:
    res = next(iter(cmp.results.values()))
    chart = _band_chart(cmp, "delayed_patients",
                        "People medically fit but still in hospital, each day",
                        "people")
    if chart is not None:
        _chart(chart)
    beds = {n: float(r.params.resolved().acute.beds) for n, r in cmp.results.items()}
    chart = _band_chart(cmp, "acute_occupied", "Acute beds occupied by people aged 65+, each day",
                        "beds occupied", capacity=beds)
    if chart is not None:
        _chart(chart)
    start = ro.nominal_date(res, 0)
    census = res.params.census
    if census is not None and census.start_date is not None:
        when = (f"Results start on the census date, {start:%-d %B %Y}, with no warm-up; dates "
                "are real dates.")
    elif census is not None:
        when = ("Results start from the census, with no warm-up, on 1 April; dates show the "
                "season, not a particular year.")
    else:
        when = (f"The model's day 1 is 1 April and results start after the "
                f"{res.params.run.warmup_days:g}-day warm-up, on {start.day} {start:%B}; dates "
                "show the season, not a particular year.")
    st.caption(f"Lines: average over {res.replications} replications; shaded: 95% confidence "
               f"interval of that average. {when}")


def render_delays(cmp: sim.Comparison) -> None:
    table = ro.delays_by_reason_table(cmp)
    if table.empty:
        st.info("No delayed discharges were recorded.")
        return
    _chart(_grouped_bars(cmp, table, "reason", "delayed_days", "Waiting for",
                         "delayed days a year (average)", "Delayed days a year",
                         "Delayed days a year by what people were waiting for",
                         label_limit=300, row_height=60))
    shown = table.copy()
    shown.loc["Total"] = shown.sum()
    st.dataframe(shown.map(lambda v: f"{v:,.0f}"), width="stretch")
    st.caption("Each day a medically fit person stays in an acute bed is booked to one reason: "
               "the step of the discharge process they were waiting for (see About the model).")


def render_who_pays(cmp: sim.Comparison) -> None:
    """Who pays: each partner's net cash change after the pooled budget, capacity released
    apart from cash, fixed and variable cost, and year by year for multi-year runs; every
    figure and sentence from ``sim.readout.money``."""
    money = ro.money
    note = money.money_note(cmp)
    alternatives = [n for n in cmp.results if n != cmp.baseline]
    if alternatives:
        for name in alternatives:
            st.markdown(f"**{name} compared with {cmp.baseline}**")
            st.markdown("\n".join(f"- {line.text}" for line in money.money_sentences(cmp, name)))
            st.markdown("**Cash and capacity released, change a year (95% range)**")
            # A static table: all four columns stay in view on a laptop screen.
            st.table(money.split_frame(cmp, name))
        st.caption(
            "Cash is money that moves. Each partner's own spending plus what it pays into the "
            "pooled budget is its net cash change; the pooled budget's row nets to zero, "
            "because the partners fund its spending. Capacity released is bed and place days "
            "freed, valued at their fixed cost: still paid for, so not cash unless the "
            "capacity is cut (a scenario closes beds with costs.release_acute_beds). " + note)
        split = money.split_table(cmp)
        change = split[split["row_key"] != "pooled"].copy()
        for col in ("net", "net_low", "net_high"):
            change[f"{col}_m"] = change[col] / 1e6
        order = list(dict.fromkeys(change["row"]))
        base = alt.Chart(change).encode(
            y=alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelOverlap=False)),
            yOffset=alt.YOffset("scenario:N"))
        x_title = f"net cash change a year vs {cmp.baseline} (£ million)"
        bars = base.mark_bar().encode(
            x=alt.X("net_m:Q", title=x_title),
            color=alt.Color("scenario:N", scale=_colors(cmp, alternatives), title="Scenario",
                            legend=alt.Legend(orient="top", labelLimit=400)),
            tooltip=[alt.Tooltip("scenario:N", title="Scenario"),
                     alt.Tooltip("row:N", title="Partner"),
                     alt.Tooltip("net_m:Q", title="Net cash change (£m a year)", format="+,.2f"),
                     alt.Tooltip("net_low_m:Q", title="95% range from (£m)", format="+,.2f"),
                     alt.Tooltip("net_high_m:Q", title="95% range to (£m)", format="+,.2f")])
        errors = base.mark_errorbar(ticks=True, color="black").encode(
            x=alt.X("net_low_m:Q", title=x_title), x2="net_high_m:Q")
        zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#888").encode(x="x:Q")
        _chart(alt.layer(bars, errors, zero).properties(
            title=alt.TitleParams(
                "Net cash change after pooled budget contributions, with 95% ranges",
                subtitle=f"Right of zero: pays more; left: pays less. "
                         f"{money.price_year(cmp)} prices.", anchor="start"),
            height=alt.Step(34 if len(alternatives) > 1 else 48)))
    st.markdown("**Cost a year by payer**")
    st.dataframe(payer_frame(cmp), width="stretch")
    st.caption("Cost booked to each payer, before the partners' contributions to the pooled "
               "budget (the table above shows them). Public money only: self-funded care is "
               "not counted. " + note)
    st.markdown("**Fixed and variable cost a year**")
    st.dataframe(money.kind_frame(cmp), width="stretch")
    st.caption("Fixed: capacity paid for whether it is used or not (staffed beds, reablement "
               "places, block-contracted hours, staff, lever running costs). Variable: paid "
               "per use (treatment per admission, hours and placements bought). " + note)
    if money.multi_year(cmp):
        st.markdown("**Year by year: all public payers**")
        st.dataframe(money.year_frame(cmp), width="stretch")
        st.caption("Each year of the results period as it falls (set-up costs of levers in "
                   "year 1), and the whole run: undiscounted, and discounted at the HM Treasury "
                   "Green Book rate (year 1 undiscounted). " + note)
    with st.expander("Cost a year by service and payer"):
        detail = ro.cost_by_service_table(cmp)
        st.dataframe(detail.map(lambda v: ro.format_value("cost_total", v)), width="stretch")
        st.caption(note)


def payer_frame(cmp: sim.Comparison) -> pd.DataFrame:
    """The "Cost a year by payer" table as shown: the readout's payer table, laid out."""
    payers = ro.payer_table(cmp)
    totals = payers.pivot_table(index="payer", columns="scenario", values="mean", sort=False)
    totals = totals.reindex(columns=list(cmp.results))
    return totals.map(lambda v: ro.format_value("cost_total", v))


def _grouped_bars(cmp: sim.Comparison, table, category: str, value: str, category_title: str,
                  axis_title: str, value_title: str, title: str, label_limit: int,
                  row_height: int):
    """Horizontal bars, one group per row of `table`, one bar per scenario."""
    long = table.reset_index().melt(id_vars=category, var_name="scenario", value_name=value)
    order = list(table.index)
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y(f"{category}:N", sort=order, title=None,
                axis=alt.Axis(labelLimit=label_limit)),
        x=alt.X(f"{value}:Q", title=axis_title),
        yOffset=alt.YOffset("scenario:N", sort=list(cmp.results)),
        color=alt.Color("scenario:N", scale=_colors(cmp), title="Scenario",
                        legend=alt.Legend(orient="top", labelLimit=400)),
        tooltip=[alt.Tooltip("scenario:N", title="Scenario"),
                 alt.Tooltip(f"{category}:N", title=category_title),
                 alt.Tooltip(f"{value}:Q", title=value_title, format=",.0f")],
    ).properties(title=title, height=row_height * len(order) + 40)


def render_flow(cmp: sim.Comparison) -> None:
    table = ro.flow_table(cmp)
    _chart(_grouped_bars(cmp, table, "step", "people", "Step", "a year (average)", "A year",
                         "Where people went after hospital, and use of services",
                         label_limit=360, row_height=45))
    st.dataframe(table.map(lambda v: f"{v:,.0f}"), width="stretch")
    st.caption("Pathways count discharges of people leaving an acute bed alive. Reablement, "
               "intermediate care and care home admissions include referrals from the community.")


def _heavy_tails(cmp: sim.Comparison) -> None:
    """Waits and queues swing by multiples between replications: their median and the 10th
    and 90th percentiles of replications say more than the mean."""
    table = ro.summary_table(cmp, ro.tables.heavy_tailed_present(cmp))
    if table.empty:
        return
    cells = {name: [f"{ro.format_value(r.metric, r.median)} ({ro.format_value(r.metric, r.p10)}"
                    f" to {ro.format_value(r.metric, r.p90)})" for r in part.itertuples()]
             for name, part in table.groupby("scenario", sort=False)}
    labels = list(dict.fromkeys(table["label"]))
    shown = pd.DataFrame(cells, index=pd.Index(labels, name="measure"))
    st.markdown("**Waits and queues: median of replications (10th to 90th percentile)**")
    st.table(shown.reindex(columns=list(cmp.results)))
    st.caption("Waits and queues swing widely between replications when the hospital is "
               "near full, so one bad run pulls the mean: the median and the range of the "
               "middle 80% of runs describe a typical year better.")


def groups_frame(cmp: sim.Comparison) -> pd.DataFrame:
    """The "By age band and frailty" table as shown (empty for runs saved before it)."""
    return ro.outcomes_by_group_display(ro.outcomes_by_group_table(cmp))


def render_groups(cmp: sim.Comparison) -> None:
    """Who gains and who loses: each key outcome by age band and by frailty."""
    with st.expander("By age band and frailty"):
        shown = groups_frame(cmp)
        if shown.empty:
            st.info("These results were saved before outcomes were recorded by age band and "
                    "frailty: run the comparison again to see them.")
            return
        st.dataframe(shown, width="stretch", hide_index=True)
        st.caption("Each outcome as a rate in the group's own person-years, so groups of "
                   "different sizes read alike: events and delayed days per 1,000 "
                   "person-years lived in the group, days at home per person per year. Each "
                   "event counts in the age band and frailty level the person had at the time "
                   "(a delay: when they became ready to leave); people move up a band as they "
                   "age and may grow frailer during the run. " + RANGE_NOTE)


def metrics_csv(cmp: sim.Comparison) -> bytes:
    table = ro.difference_table(cmp)
    if table.empty:
        table = ro.summary_table(cmp)
    return table.to_csv(index=False).encode("utf-8")


def metrics_frame(cmp: sim.Comparison) -> pd.DataFrame:
    """The "All metrics" table as shown: the readout's difference table, laid out."""
    if len(cmp.results) > 1:
        table = ro.difference_table(cmp)
        several = table["scenario"].nunique() > 1
        alt_col = "Alternative" if several else str(table["scenario"].iloc[0])
        shown = pd.DataFrame({
            "Scenario": table["scenario"],
            "Metric": table["label"],
            "Unit": table["unit"],
            f"{cmp.baseline} (baseline)": [ro.format_value(m, v) for m, v in
                                           zip(table["metric"], table["baseline_mean"])],
            alt_col: [ro.format_value(m, v) for m, v in zip(table["metric"],
                                                            table["scenario_mean"])],
            "Change": [ro.format_difference(m, v) for m, v in zip(table["metric"],
                                                                  table["difference"])],
            "95% range": [
                f"{ro.format_difference(m, lo)} to {ro.format_difference(m, hi)}"
                for m, lo, hi in zip(table["metric"], table["ci_low"], table["ci_high"])],
            "Verdict": [ro.VERDICTS[v] + (f" ({b} is better)" if v in ("better", "worse")
                                          else "")
                        for v, b in zip(table["verdict"], table["better_if"])],
        })
        if not several:
            shown = shown.drop(columns=["Scenario"])
    else:
        table = ro.summary_table(cmp)
        shown = pd.DataFrame({
            "Metric": table["label"], "Unit": table["unit"],
            "Average": [ro.format_value(m, v) for m, v in zip(table["metric"], table["mean"])],
            "95% range": [f"{ro.format_value(m, lo)} to {ro.format_value(m, hi)}"
                          for m, lo, hi in zip(table["metric"], table["ci_low"],
                                               table["ci_high"])],
            "Median (10th to 90th percentile of runs)": [
                f"{ro.format_value(m, md)} ({ro.format_value(m, lo)} to "
                f"{ro.format_value(m, hi)})" if heavy else ""
                for m, md, lo, hi, heavy in zip(table["metric"], table["median"], table["p10"],
                                                table["p90"], table["heavy_tailed"])],
        })
    return shown


def render_table(cmp: sim.Comparison) -> None:
    shown = metrics_frame(cmp)
    # A static table wraps its cells, so every column (the 95% range too) fits the width.
    st.table(shown.set_index("Scenario" if "Scenario" in shown.columns else "Metric"))
    st.download_button("Download all metrics (CSV)", metrics_csv(cmp),
                       file_name="comparison_metrics.csv", mime="text/csv",
                       key="download_metrics_csv", icon=":material/download:")
    st.caption("Totals (admissions, bed days, costs) are per year; shares are shown in "
               "percent and their changes in percentage points. The CSV holds the unrounded "
               "numbers.")
    if len(cmp.results) > 1:
        _heavy_tails(cmp)
