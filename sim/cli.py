"""Command line (Hydra): ``python -m sim`` runs one scenario, ``python -m sim compare`` several.

    python -m sim scenario=integrated replications=10 seed=1 population.size=50000
    python -m sim compare scenarios=[fragmented,integrated] replications=10
    python -m sim -m scenario=fragmented,integrated acute.beds=300,340   # a sweep
    python -m sim scenario=integrated replications=40 executor=dask      # on a Dask cluster
    python -m sim scenario=fragmented census=today.yaml    # start from today's census

Both print a summary table and write a results folder (see README). User mistakes print one
clear message and exit with status 2, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from .config import (
    RUN_CONTROL_KEYS,
    SCENARIO_DIR,
    check_override_keys,
    default_dict,
    load_scenario,
    validate,
)
from .census import check_fits
from .errors import ConfigError, ReplicationError

_registered = False


def register_schema() -> None:
    """Give Hydra the parameter defaults from the schema as the config named 'schema'."""
    global _registered
    if _registered:
        return
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="schema", node=default_dict())
    _registered = True


def _model_overrides() -> list[str]:
    from hydra.core.hydra_config import HydraConfig

    out = []
    for text in HydraConfig.get().overrides.task:
        key = text.split("=", 1)[0].lstrip("+~")
        if key.split(".")[0] not in RUN_CONTROL_KEYS:
            out.append(text)
    return out


def _print_table(frame: pd.DataFrame) -> None:
    from .readout import fmt

    # Tables arrive formatted by the readout; any bare float left gets its one number
    # format (no decimals from 100 up), never three decimals on a cost.
    with pd.option_context("display.max_rows", 200, "display.width", 160,
                           "display.max_columns", None, "display.max_colwidth", 80,
                           "display.float_format", fmt.number):
        print(frame.to_string())


def _print_readout(cmp) -> None:
    """The comparison as the readout states it: per year, with the run length, its warnings
    and the paired changes with their verdicts; then who pays (cash and capacity released,
    each partner net of the pooled budget, fixed and variable, year by year)."""
    from . import readout

    from .census import start_note, warmup_days_used

    p = cmp.results[cmp.baseline].params
    # A run started from a census has no warm-up, whatever run.warmup_days says.
    warmup = warmup_days_used(p)
    print(f"{readout.run_length(p.run.days, warmup if warmup else None)}; money in "
          f"{readout.money.price_year(cmp)} prices")
    if p.census is not None:
        print(start_note(p))
    for w in readout.warnings(cmp):
        print(f"WARNING: {w.text}")
    _print_table(readout.tables.text_summary(cmp.results))
    if len(cmp.results) > 1:
        print()
        _print_table(readout.tables.text_differences(cmp))
    _print_money(cmp)


def _print_money(cmp) -> None:
    from .readout import money

    if all(r.costs is None or r.costs.empty for r in cmp.results.values()):
        return
    print(f"\nWho pays. {money.money_note(cmp)}")
    for name in cmp.results:
        if name == cmp.baseline:
            continue
        print(f"\n{name} compared with {cmp.baseline}:")
        for line in money.money_sentences(cmp, name):
            print(f"- {line.text}")
        print()
        _print_table(money.split_frame(cmp, name))
    print()
    _print_table(money.kind_frame(cmp))
    if money.multi_year(cmp):
        print()
        _print_table(money.year_frame(cmp))


def _print_erlang(res) -> None:
    """For the verification queue (scenario=mmc): the textbook values to compare with."""
    from .verification import erlang_comparison

    table = erlang_comparison(res)
    if table is not None:
        print(f"\nVerification: {res.params.acute.beds} beds, "
              f"{res.params.arrivals.rate_per_day:g} arrivals a day, mean stay "
              f"{res.params.acute.los_mean_days:g} days; simulated (mean of replications) "
              "beside the steady-state formula")
        _print_table(table)


def _fail(exc: Exception) -> None:
    print(f"error: {exc}", file=sys.stderr)
    raise SystemExit(2)


def _counts(cfg: DictConfig) -> tuple[int, int, int]:
    """replications, seed and workers from the command line, checked against sim.limits
    (``seed=abc``, ``seed=1.5`` or ``workers=0`` give one line, not a traceback)."""
    from .limits import check_replications, check_seed, check_workers

    return (check_replications(cfg.get("replications")), check_seed(cfg.get("seed")),
            check_workers(cfg.get("workers")))


def _executor(cfg: DictConfig):
    """The executor named by the ``executor`` and ``workers`` run-control keys."""
    from .executors import resolve_executor

    return resolve_executor(cfg.get("executor"), _counts(cfg)[2])


def _check_writable(root: Path) -> None:
    """Fail before the run, not after it, if results cannot be written under ``root``."""
    from .results_io import check_writable

    check_writable(root)


def _reuse_finished(cfg: DictConfig, params) -> bool:
    """In a multirun with ``resume=true``, a point already finished is reported, not re-run."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from .results_io import find_completed, safe_folder

    if HydraConfig.get().mode != RunMode.MULTIRUN or not bool(cfg.get("resume", True)):
        return False
    replications, seed, _ = _counts(cfg)
    done = find_completed(safe_folder(Path(cfg.output_dir), params.name), params, seed,
                          replications)
    if done is None:
        return False
    from .census import warmup_days_used
    from .readout import run_length, stats, tables

    summary = pd.read_csv(done / "summary.csv", index_col="metric")
    # summary.csv holds totals over the results period; every surface shows them per year.
    for col in ("mean", "std", "ci_low", "ci_high"):
        if col in summary.columns:
            summary[col] = [stats.annualise(float(v), str(m), params.run.days)
                            for m, v in summary[col].items()]
    print(run_length(params.run.days, warmup_days_used(params) or None)
          + "; mean, standard deviation and 95% CI of replications")
    _print_table(tables.text_metric_summary(summary))
    print(f"\nalready finished in {done} (same config hash, seed and replications); "
          "not run again. Pass resume=false to run it anyway.")
    return True


def run_main(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from .executors import ProgressBar
    from .results_io import write_results
    from .runner import run

    hydra_cfg = HydraConfig.get()
    try:
        # Never resolve: user values were checked for ${...} before Hydra saw them.
        data = OmegaConf.to_container(cfg, resolve=False)
        model = {k: v for k, v in data.items() if k not in RUN_CONTROL_KEYS}
        choice = hydra_cfg.runtime.choices.get("scenario")
        model.setdefault("name", choice or "custom")
        params = validate(model, label=f"scenario {choice!r}")
        if cfg.get("area"):  # a local area: the scenario and overrides apply on top of it
            params = load_scenario(choice or "fragmented", overrides=_model_overrides(),
                                   area=str(cfg.area))
        # A census that does not fit its capacities is refused before any run starts.
        check_fits(params)
        replications, seed, workers = _counts(cfg)
        if _reuse_finished(cfg, params):
            return
        _check_writable(Path(cfg.output_dir))
        executor = _executor(cfg)
        with ProgressBar(desc=params.name) as bar:
            res = run(params, replications=replications, seed=seed, workers=workers,
                      on_error="keep", executor=executor, progress=bar)
    except ConfigError as exc:
        _fail(exc)
        return
    from .runner import Comparison

    _print_readout(Comparison({res.scenario: res}, res.seed, res.scenario))
    _print_erlang(res)
    extra = {"overrides": list(hydra_cfg.overrides.task), "executor": executor.describe()}
    if hydra_cfg.mode == RunMode.MULTIRUN:
        extra.update(sweep_dir=hydra_cfg.sweep.dir, job_num=hydra_cfg.job.num)
    folder = _write_or_keep(lambda: write_results(res, root=cfg.output_dir,
                                                  extra_manifest=extra), cfg.output_dir)
    print(f"\nresults written to {folder}")
    if res.failures:
        for f in res.failures:
            print(f"replication {f.replication} (seed {f.seed}) failed: {f.error}",
                  file=sys.stderr)
        raise SystemExit(1)


def compare_main(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig

    from .executors import ProgressBar
    from .results_io import write_comparison
    from .runner import compare

    try:
        names = list(cfg.scenarios)
        overrides = _model_overrides()
        area = str(cfg.area) if cfg.get("area") else None
        scenarios = {name: load_scenario(name, overrides=overrides, area=area)
                     for name in names}
        for params in scenarios.values():
            check_fits(params)
        replications, seed, workers = _counts(cfg)
        _check_writable(Path(cfg.output_dir))
        executor = _executor(cfg)
        with ProgressBar(desc="compare") as bar:
            # Failed replications are kept and written with the rest (each scenario's
            # manifest lists them); differences use the replications every scenario finished.
            cmp = compare(scenarios, replications=replications, seed=seed, workers=workers,
                          baseline=cfg.baseline, executor=executor, progress=bar,
                          on_error="keep")
    except (ConfigError, ReplicationError) as exc:
        _fail(exc)
        return
    failures = [f for r in cmp.results.values() for f in r.failures]
    if all(r.replications for r in cmp.results.values()):
        _print_readout(cmp)
    folder = _write_or_keep(lambda: write_comparison(cmp, root=cfg.output_dir, extra_manifest={
        "overrides": list(HydraConfig.get().overrides.task), "executor": executor.describe()}),
        cfg.output_dir)
    print(f"\nresults written to {folder}")
    if failures:
        for f in failures:
            print(f"{f.scenario}: replication {f.replication} (seed {f.seed}) failed: {f.error}",
                  file=sys.stderr)
        print(f"{len(failures)} replication(s) failed; they are listed under 'failures' in "
              "each scenario's manifest.json", file=sys.stderr)
        raise SystemExit(1)


def _write_or_keep(write, root) -> Path:
    """Write the results; if the disk refuses (full, read-only), say where and exit 1 rather
    than show a traceback. The tables printed above are the finished run."""
    try:
        return write()
    except OSError as exc:
        print(f"error: could not write the results under {root}: {exc.strerror or exc} "
              f"({getattr(exc, 'filename', None) or root}). The tables above are the "
              "finished run; free space or choose output_dir=... and run again.",
              file=sys.stderr)
        raise SystemExit(1) from None


def _check_sweep_size(args: list[str]) -> None:
    """A multirun's points are the product of its comma lists: refuse a huge one before
    Hydra enumerates it (sim.limits.MAX_SWEEP_POINTS)."""
    from .limits import check_points

    if not {"-m", "--multirun"} & set(args):
        return
    points = 1
    for text in args:
        if "=" not in text or text.startswith("-"):
            continue
        value, depth, commas = text.split("=", 1)[1], 0, 0
        for ch in value:
            depth += ch in "([{"
            depth -= ch in ")]}"
            commas += ch == "," and depth == 0
        points *= commas + 1
    check_points(points)


def _hydra_entry(task, config_name: str) -> None:
    import hydra

    register_schema()
    try:
        check_override_keys(sys.argv[1:])
        _check_sweep_size(sys.argv[1:])
        # Hydra writes its own folder under output_dir before the task starts: check first.
        out = [a.split("=", 1)[1] for a in sys.argv[1:] if a.lstrip("+~").startswith("output_dir=")]
        _check_writable(Path(out[-1] if out else "results"))
    except ConfigError as exc:
        _fail(exc)
    main = hydra.main(version_base=None, config_path=str(SCENARIO_DIR),
                      config_name=config_name)(task)
    try:
        main()
    except ConfigError as exc:
        _fail(exc)


def main() -> None:
    _hydra_entry(run_main, "config")


def main_compare() -> None:
    _hydra_entry(compare_main, "compare")
