"""Report: the last comparison as a document to share (self-contained HTML) and as CSV."""

from __future__ import annotations

import streamlit as st

from app_pages import common, results
from sim import readout as ro

ss = st.session_state
st.title("Report")

cmp = ss.get("comparison")
if cmp is None:
    st.info("There is nothing to report yet: run a comparison on the **Compare scenarios** page "
            "first.", icon=":material/info:")
    st.page_link("app_pages/compare.py", label="Go to Compare scenarios",
                 icon=":material/compare_arrows:")
    st.stop()

meta = ss.get("comparison_meta", {})
alternatives = [n for n in cmp.results if n != cmp.baseline]
title = cmp.baseline + ("_vs_" + "_".join(alternatives) if alternatives else "")
st.markdown(f"The report covers the last comparison run: **{cmp.baseline}** as the baseline"
            + (f" against **{', '.join(alternatives)}**" if alternatives else "")
            + f", for {ro.place_text(cmp.results[cmp.baseline].params)}.")
st.caption(results.describe_run(cmp))
if meta.get("config") != ss.get("current_config_json"):
    st.warning("The settings on the Compare page have changed since this comparison was run; "
               "the report describes the comparison as it was run.", icon=":material/warning:")

try:
    from sim.report import render_html
except ImportError:
    render_html = None
    st.warning("The report generator (sim.report) is not part of this installation, so the "
               "report cannot be produced here. The table of all metrics can still be "
               "downloaded below.", icon=":material/warning:")

def _pdf_offer(cmp, stamp, title: str) -> None:
    """The same report as an A4 PDF, made only when asked for (it takes a few seconds)."""
    try:
        from sim.report import render_pdf
    except ImportError:
        return
    if ss.get("report_pdf_for") == stamp and ss.get("report_pdf"):
        st.download_button("Download the report (PDF)", ss["report_pdf"],
                           file_name=f"{title}.pdf", mime="application/pdf",
                           key="download_report_pdf", icon=":material/picture_as_pdf:")
    elif st.button("Make a PDF of the report", key="make_report_pdf",
                   icon=":material/picture_as_pdf:"):
        try:
            with st.spinner("Writing the PDF…"):
                ss["report_pdf"] = render_pdf(cmp)
            ss["report_pdf_for"] = stamp
        except Exception as exc:  # the HTML report is still offered
            st.error("The PDF could not be written.\n\n" + common.describe_error(exc),
                     icon=":material/error:")
        else:
            st.rerun()


if render_html is not None:
    stamp = meta.get("finished")
    if ss.get("report_for") != stamp or "report_html" not in ss:
        try:
            with st.spinner("Writing the report…"):
                ss["report_html"] = render_html(cmp)
            ss["report_for"] = stamp
            ss.pop("report_error", None)
        except Exception as exc:  # the page stays usable; the CSV is still offered
            ss.pop("report_html", None)
            ss["report_error"] = common.describe_error(exc)
    if ss.get("report_error"):
        st.error("The report could not be written.\n\n" + ss["report_error"],
                 icon=":material/error:")
    html = ss.get("report_html")
    if html:
        st.download_button("Download the report (HTML)", html, file_name=f"{title}.html",
                           mime="text/html", type="primary", key="download_report_html",
                           icon=":material/download:")
        st.caption("One self-contained file (charts included, nothing fetched from the "
                   "internet): open it in any browser, print it to PDF, or email it.")
        _pdf_offer(cmp, stamp, title)
        with st.expander("Preview the report"):
            st.iframe(html, height=900)

st.subheader("Data")
st.download_button("Download all metrics (CSV)", results.metrics_csv(cmp),
                   file_name=f"{title}_metrics.csv", mime="text/csv",
                   key="download_report_csv", icon=":material/download:")
st.caption("One row per alternative and metric: baseline and alternative averages, the change "
           "and its 95% range (totals per year), and the change in words.")
