"""Textbook queueing results the model must reproduce in its ``mmc`` configuration."""

from __future__ import annotations


def erlang_b(servers: int, offered_load: float) -> float:
    """Blocking probability of M/M/c/c (stable recursion, no factorials)."""
    b = 1.0
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    return b


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in M/M/c (requires offered_load < servers)."""
    if offered_load >= servers:
        return 1.0
    b = erlang_b(servers, offered_load)
    return servers * b / (servers - offered_load * (1.0 - b))


def mmc_expectations(arrival_rate: float, mean_stay: float, servers: int) -> dict[str, float]:
    """Steady-state measures of M/M/c with a queue (C) and with loss (B)."""
    a = arrival_rate * mean_stay
    b = erlang_b(servers, a)
    out = {
        "offered_load": a,
        "loss_blocking": b,
        "loss_occupancy": a * (1.0 - b) / servers,
    }
    if a < servers:
        c = erlang_c(servers, a)
        out.update({
            "queue_wait_probability": c,
            "queue_mean_wait": c / (servers / mean_stay - arrival_rate),
            "queue_occupancy": a / servers,
        })
    return out


# Simulated measure beside the formula it must match, for the verification queue.
_QUEUE = (("Bed occupancy", "acute_occupancy", "queue_occupancy", "share"),
          ("Probability of waiting for a bed", "acute_waited_share", "queue_wait_probability",
           "share"),
          ("Mean wait for a bed (days)", "acute_mean_wait_days", "queue_mean_wait", "days"))
_LOSS = (("Bed occupancy", "acute_occupancy", "loss_occupancy", "share"),
         ("Probability of being diverted", "acute_diverted_share", "loss_blocking", "share"))


def erlang_comparison(res) -> "pd.DataFrame | None":
    """The Erlang reference values beside the simulated ones (mean and 95% interval over
    replications) for a run of the ``poisson`` verification queue; None for any other run.

    ``acute.when_full=queue`` is compared with Erlang C, ``reject`` with Erlang B.
    """
    import pandas as pd

    from .readout.stats import t_interval

    p = res.params
    if p.arrivals.mode != "poisson" or p.acute.los_distribution != "exponential":
        return None
    exp = mmc_expectations(p.arrivals.rate_per_day, p.acute.los_mean_days, p.acute.beds)
    loss = p.acute.when_full == "reject"
    rows = []
    for label, metric, key, kind in (_LOSS if loss else _QUEUE):
        if key not in exp or metric not in res.kpis:
            continue
        ci = t_interval(res.kpis[metric].tolist())

        def show(x: float) -> str:
            return f"{x:.1%}" if kind == "share" else f"{x:.3f}"

        rows.append({"measure": label, "simulated": show(ci["mean"]),
                     "95% interval": f"{show(ci['ci_low'])} to {show(ci['ci_high'])}",
                     f"Erlang {'B' if loss else 'C'}": show(exp[key])})
    return pd.DataFrame(rows).set_index("measure")
