"""The readout: the one summary stage every surface reads (no user-interface imports).

* :mod:`~sim.readout.catalogue`: how every measure, payer, service, delay reason and flow is
  named and spoken of (label, unit, better direction, total or rate, definition, source);
* :mod:`~sim.readout.stats`: per-year scaling, t intervals, paired differences with relative
  intervals, spreads of replications (median, 10th/90th percentiles), daily bands;
* :mod:`~sim.readout.fmt`: the one number format;
* :mod:`~sim.readout.verdict`: the one verdict vocabulary and the gridlock warning;
* :mod:`~sim.readout.words`: sentences (the one :class:`Headline` type);
* :mod:`~sim.readout.tables`: tidy per-year tables of a comparison;
* :mod:`~sim.readout.groups`: key outcomes by age band and frailty, as rates in each group's
  person-years, with paired differences;
* :mod:`~sim.readout.money`: cash and capacity released, each partner net of the pooled
  budget, fixed and variable, year by year, per head, in one price year.

Totals are per year on every surface, with the run length stated (:func:`run_length`).
"""

from . import catalogue, fmt, groups, money, stats, tables, verdict, words
from .catalogue import (
    BOARD_HEADLINES,
    CATALOGUE,
    FLOW,
    HEAVY_TAILED,
    KEY_METRICS,
    PAYER,
    PAYERS,
    Metric,
    Payer,
    is_total,
    metric,
    service_name,
)
from .groups import group_rates, outcomes_by_group_display, outcomes_by_group_table
from .stats import differences, per_year_factor
from .tables import (
    cost_by_service_table,
    daily_bands,
    delays_by_reason_table,
    difference_table,
    flow_table,
    headlines,
    nominal_date,
    payer_table,
    summary_table,
    sweep_table,
)
from .verdict import VERDICTS, Warning, gridlock, verdict as verdict_of, warnings
from .words import (
    Headline,
    estimate,
    format_difference,
    format_value,
    headline,
    place_text,
    run_length,
    simulated_people,
    simulated_population,
)

__all__ = [
    "BOARD_HEADLINES", "CATALOGUE", "FLOW", "HEAVY_TAILED", "Headline", "KEY_METRICS", "Metric",
    "PAYER", "PAYERS", "Payer", "VERDICTS", "Warning", "catalogue", "cost_by_service_table",
    "daily_bands", "delays_by_reason_table", "difference_table", "differences", "estimate",
    "flow_table", "fmt", "format_difference", "format_value", "gridlock", "group_rates",
    "groups", "headline", "headlines", "is_total", "metric", "money", "nominal_date",
    "outcomes_by_group_display", "outcomes_by_group_table", "payer_table",
    "per_year_factor", "place_text", "run_length", "service_name", "simulated_people",
    "simulated_population", "stats", "summary_table", "sweep_table", "tables", "verdict",
    "verdict_of", "warnings", "words",
]
