"""Board reports: a scenario comparison turned into a few pages a board can read.

    python -m sim.report results/compare_fragmented_vs_integrated/<timestamp>
    python -m sim.report --scenarios fragmented integrated --replications 10 --out board.html

From Python::

    cmp = sim.compare(["fragmented", "integrated"], replications=10)
    cmp.report("board.html", pdf="board.pdf")       # or sim.report.write_report(...)
    html = sim.report.render_html(cmp)               # one self-contained HTML string

The report has the same content as HTML (self-contained: charts inline, nothing fetched)
and as an A4 PDF: a one-page summary in plain words, who pays and who saves, flows and
capacity, the assumptions behind the comparison, every measure, and the STRESS-DES checklist.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..errors import ConfigError, ReplicationError
from .content import VALIDATION_CSV, build
from .model import Report

__all__ = ["build_report", "render_html", "render_pdf", "write_report", "load_comparison",
           "main", "VALIDATION_CSV"]


def build_report(cmp, meta: dict[str, Any] | None = None,
                 validation_csv: Path | str | None = None) -> Report:
    """The content of the report (sections, tables, charts, headline figures)."""
    return build(cmp, meta=meta, validation_csv=validation_csv)


def _report(cmp_or_report, **kwargs) -> Report:
    if isinstance(cmp_or_report, Report):
        return cmp_or_report
    return build_report(cmp_or_report, **kwargs)


def render_html(cmp, **kwargs) -> str:
    """The whole report as one self-contained HTML document (a string)."""
    from .html import render

    return render(_report(cmp, **kwargs))


def render_pdf(cmp, **kwargs) -> bytes:
    """The same report as an A4 PDF (bytes)."""
    from .pdf import render

    return render(_report(cmp, **kwargs))


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp makes the file private; a report is meant to be shared.
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_report(cmp, html_path: Path | str, pdf_path: Path | str | None = None,
                 **kwargs) -> dict[str, Path]:
    """Write the HTML report and, if ``pdf_path`` is given, the PDF of the same content.

    Both are built from one :class:`Report`, so they carry the same numbers and time stamp.
    Returns the paths written.
    """
    report = _report(cmp, **kwargs)
    out = {"html": Path(html_path)}
    _atomic_write(out["html"], render_html(report).encode("utf-8"))
    if pdf_path is not None:
        out["pdf"] = Path(pdf_path)
        _atomic_write(out["pdf"], render_pdf(report))
    return out


def _newest_run(folder: Path) -> Path:
    if (folder / "manifest.json").is_file() or not folder.is_dir():
        return folder
    runs = sorted(p for p in folder.iterdir() if (p / "manifest.json").is_file())
    return runs[-1] if runs else folder


def load_comparison(folder: Path | str):
    """A comparison read back from a results folder written by ``sim.write_comparison``.

    Returns ``(comparison, meta)``; ``meta`` records the folder and its manifest (code
    version of the run, overrides) for the report's reproducibility notes. A folder holding
    timestamped runs (``results/compare_a_vs_b``) means its newest complete run.
    """
    import pandas as pd

    from ..config import validate
    from ..groups import GROUP_COLUMNS
    from ..metrics import METRICS
    from ..results_io import read_results
    from ..runner import Comparison, Failure, Results

    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no such results folder",
                          [("folder", str(folder), "a comparison results folder")])
    folder = _newest_run(folder)
    top = read_results(folder)
    manifest = top["manifest"]
    if "scenarios" not in manifest:
        raise ConfigError(
            f"{folder} holds one scenario's results, not a comparison: give a folder written "
            "by python -m sim compare or sim.write_comparison",
            [("folder", str(folder), "a comparison results folder")])
    results = {}
    for name in manifest["scenarios"]:
        sub = read_results(folder / name)
        if "config" not in sub:
            raise ConfigError(f"{folder / name} has no config.yaml",
                              [("folder", str(folder / name), "a complete results folder")])
        params = validate(sub["config"], label=f"config of {name!r} in {folder}")
        m = sub["manifest"]
        kpis = sub.get("kpis", pd.DataFrame(columns=["replication", *METRICS]))
        empty = {"daily": ["replication", "day"],
                 "delays_by_reason": ["replication", "reason", "delayed_days"],
                 "costs": ["replication", "service", "payer", "cost"],
                 "outcomes_by_group": GROUP_COLUMNS}
        tables = {k: sub.get(k, pd.DataFrame(columns=cols)) for k, cols in empty.items()}
        failures = [Failure(**f) for f in m.get("failures", [])]
        results[name] = Results(name, params, int(m.get("seed", manifest.get("seed", 0))), kpis,
                                tables["daily"], tables["delays_by_reason"], tables["costs"],
                                float(m.get("runtime_seconds", 0.0)), 0, failures,
                                tables["outcomes_by_group"])
    cmp = Comparison(results, int(manifest.get("seed", 0)),
                     manifest.get("baseline") or next(iter(results)))
    return cmp, {"folder": str(folder), "manifest": manifest}


# ------------------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m sim.report",
        description="Write a board report (self-contained HTML and a PDF) for a scenario "
                    "comparison: from a results folder, or by running the scenarios named.")
    p.add_argument("results", nargs="?", help="a comparison results folder written by "
                   "python -m sim compare or sim.write_comparison")
    p.add_argument("--scenarios", nargs="+", metavar="NAME",
                   help="run these scenarios (named, or YAML files) instead of reading a folder")
    p.add_argument("--replications", type=int, default=10)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--workers", type=int, default=1, help="processes for the replications")
    p.add_argument("--baseline", help="scenario to compare against (default: the first)")
    p.add_argument("--override", nargs="+", action="extend", default=[], metavar="KEY=VALUE",
                   help="model overrides for every scenario, e.g. population.size=50000")
    p.add_argument("--out", help="HTML file to write (default: report.html in the results "
                   "folder)")
    p.add_argument("--pdf", help="PDF file to write (default: the HTML file with .pdf)")
    p.add_argument("--no-pdf", action="store_true", help="write the HTML only")
    p.add_argument("--no-save", action="store_true",
                   help="with --scenarios: do not write the results folder")
    p.add_argument("--output-dir", default=None,
                   help="root for results folders (default: results/ in the repository)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if bool(args.results) == bool(args.scenarios):
        print("error: give a results folder or --scenarios (not both)", file=sys.stderr)
        return 2
    try:
        t0 = time.perf_counter()
        sim_seconds = 0.0
        if args.results:
            if args.override:
                raise ConfigError("--override applies to --scenarios runs; a results folder "
                                  "is reported as it was run", [("override", args.override,
                                                                 "only with --scenarios")])
            cmp, meta = load_comparison(args.results)
            folder: Path | None = Path(meta["folder"])
        else:
            from ..config import load_scenario
            from ..results_io import RESULTS_ROOT, write_comparison
            from ..runner import compare

            scenarios = {Path(s).stem if s.endswith((".yaml", ".yml")) else s:
                         load_scenario(s, overrides=args.override) for s in args.scenarios}
            if len(scenarios) < 2:
                raise ConfigError("a board report compares two or more scenarios",
                                  [("scenarios", args.scenarios, "two or more names")])

            def progress(done: int, total: int) -> None:
                print(f"\rsimulating: {done}/{total} replications", end="", file=sys.stderr,
                      flush=True)

            # A log file gets no carriage-return counter, only the totals printed below.
            tty = sys.stderr.isatty()
            cmp = compare(scenarios, replications=args.replications, seed=args.seed,
                          workers=args.workers, baseline=args.baseline,
                          progress=progress if tty else None)
            if tty:
                print(file=sys.stderr)
            sim_seconds = time.perf_counter() - t0
            meta, folder = {}, None
            if not args.no_save:
                folder = write_comparison(cmp, root=args.output_dir or RESULTS_ROOT,
                                          extra_manifest={"overrides": args.override})
                meta = {"folder": str(folder)}
        t1 = time.perf_counter()
        html = Path(args.out) if args.out else (folder / "report.html" if folder
                                                else Path("board_report.html"))
        pdf = None if args.no_pdf else (Path(args.pdf) if args.pdf else html.with_suffix(".pdf"))
        written = write_report(cmp, html, pdf, meta=meta)
        report_seconds = time.perf_counter() - t1
    except (ConfigError, ReplicationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if folder and not args.results:
        print(f"results written to {folder}")
    for kind, path in written.items():
        print(f"{kind} report written to {path}")
    timing = f"report built in {report_seconds:.1f} s"
    if sim_seconds:
        timing = f"simulation {sim_seconds:.1f} s, " + timing
    print(timing)
    return 0
