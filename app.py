"""The planner's app: what-if scenarios of care for people aged 65+, compared side by side.

    python3 -m streamlit run app.py

The pages in app_pages/ gather settings and draw results; every number comes from the
``sim`` library, which the command line and the Python API use too.
"""

import streamlit as st

# Worker processes are started with "spawn", which re-imports this file as __mp_main__; the
# app must not run there (each worker drew the page in bare mode and logged Streamlit
# warnings: 10.8 kB of server log for one page load, 63.9 kB for a few runs).
if __name__ == "__main__":
    from app_pages import common

    st.set_page_config(page_title="Care for older people: what-if simulator",
                       page_icon=":material/elderly:", layout="wide")
    common.keep_widget_state()
    common.compact_layout()
    common.warm_up_workers()

    pages = [
        st.Page("app_pages/compare.py", title="Compare scenarios", icon=":material/compare_arrows:",
                default=True),
        st.Page("app_pages/area.py", title="Your area", icon=":material/location_city:",
                url_path="area"),
        st.Page("app_pages/explorer.py", title="Capacity explorer", icon=":material/tune:",
                url_path="capacity"),
        st.Page("app_pages/plan.py", title="Plan capacity", icon=":material/event_available:",
                url_path="plan"),
        st.Page("app_pages/report.py", title="Report", icon=":material/description:",
                url_path="report"),
        st.Page("app_pages/about.py", title="About the model", icon=":material/info:",
                url_path="about"),
    ]
    # Pages along the top: the full width of a laptop screen is left for the results.
    st.navigation(pages, position="top").run()
