"""Experiments for researchers, each runnable with one command from the repository root.

    python -m experiments.compare         named scenarios, common random numbers, paired CIs
    python -m experiments.capacity_sweep  one or two capacities on a grid, with CIs
    python -m experiments.sensitivity     Morris screening and Sobol indices (SALib)
    python -m experiments.replications    replications needed for target CI half-widths
    python -m experiments.warmup          Welch's method and MSER-5 on the daily series

Each takes ``--help``, model overrides as ``key=value``, ``--replications``, ``--seed``,
``--executor`` / ``--workers`` (serial, local processes or Dask), and writes a results
folder with a manifest under ``results/<experiment>/``; running the same command again
resumes an interrupted run (see :mod:`experiments.common`).
"""
