"""Confidence intervals; kept as the historical import path of :mod:`sim.readout.stats`."""

from .readout.stats import half_width, replications_needed, t_interval

__all__ = ["half_width", "replications_needed", "t_interval"]
