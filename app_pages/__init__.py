"""Pages and helpers of the planner's app (``streamlit run app.py``).

The app only gathers settings and shows results; every number comes from :mod:`sim`.
"""
