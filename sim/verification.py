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
