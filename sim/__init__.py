"""Integrated versus fragmented care for older people: a discrete-event simulation.

>>> import sim
>>> cfg = sim.load_scenario("fragmented", overrides=["population.size=50000"])
>>> res = sim.run(cfg, replications=10, seed=2026)
>>> res.summary()
"""

__version__ = "0.1.0"

from .config import available_scenarios, load_scenario, scenario_descriptions  # noqa: E402
from .area import load_area  # noqa: E402
from .errors import ConfigError, InvariantError, ReplicationError, SimError  # noqa: E402
from .metrics import METRIC_INFO, METRICS  # noqa: E402
from .params import Params  # noqa: E402
from .results_io import read_results, write_comparison, write_results  # noqa: E402
from .runner import Comparison, Results, compare, run  # noqa: E402

__all__ = [
    "__version__", "available_scenarios", "load_scenario", "scenario_descriptions",
    "ConfigError", "InvariantError", "ReplicationError", "SimError", "METRICS", "METRIC_INFO",
    "Params", "read_results", "write_comparison", "write_results", "Comparison", "Results",
    "compare", "run", "load_area",
]
