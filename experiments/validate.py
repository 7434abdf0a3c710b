"""Validate the fragmented defaults against published English figures.

    python -m experiments.validate                        # 10 replications, writes docs/validation/
    python -m experiments.validate --replications 20 --out results/validation
    python -m experiments.validate --override population.size=20000 --replications 5

Runs the ``fragmented`` scenario at its defaults (50,000 people aged 65+, one year after a
120-day warm-up) and compares it with every target in ``evidence/calibration_targets.csv``,
in two tables: the calibration targets (the volumes the defaults may be fitted to) and the
held-out targets (shapes and money, never fitted to). Each row gives the published value and
year, the band and why, the model's mean and 95% CI, and a plain status: inside, outside, not
modelled yet (with the issue expected to add it) or no published figure. Writes
``validation.csv``, ``validation.md``, ``validation.png``, ``validation.json`` and the summary
``status.json`` that :func:`sim.validation.status_line` reads; with the default ``--out`` it
also refreshes the status line in README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import sim  # noqa: E402
from experiments.common import save_chart  # noqa: E402
from sim.results_io import atomic_write_text, code_version  # noqa: E402
from sim.validation import status_line, status_text, summarise, validation_table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "validation"
README = ROOT / "README.md"
README_MARK = re.compile(r"(<!-- validation-status -->).*?(<!-- /validation-status -->)", re.S)
TITLES = {"calibration": "Calibration targets (volumes the defaults may be fitted to)",
          "held_out": "Held-out targets (shapes and money, never used by the calibration)"}


def _fmt(x: float, unit: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if unit == "share":
        return f"{100 * x:.1f}%" if abs(x) >= 0.01 else f"{100 * x:.2f}%"
    return f"{x:,.1f}" if abs(x) < 100 else f"{x:,.0f}"


def _model(r) -> str:
    unit = r["unit"]
    if math.isnan(r["model_mean"]):
        return ""
    return (f"{_fmt(r['model_mean'], unit)} ({_fmt(r['ci_low'], unit)} to "
            f"{_fmt(r['ci_high'], unit)})")


def _status(r) -> str:
    s = r["status"]
    if s == "outside":
        return "**outside**" + (f" ({r['fixed_by']})" if r["fixed_by"] else "")
    return s


def _table(part) -> list[str]:
    lines = ["| target | published (year) | band | model mean (95% CI) | status |",
             "| --- | --- | --- | --- | --- |"]
    for tid, r in part.iterrows():
        unit = r["unit"]
        pub = f"{_fmt(r['published'], unit)} ({r['year']})" if r["year"] else \
            _fmt(r["published"], unit) or "not found"
        band = (f"{_fmt(r['low'], unit)} to {_fmt(r['high'], unit)}"
                if not math.isnan(r["low"]) else "")
        unit_note = "" if unit == "share" else f"; {unit}"
        lines.append(f"| {r['description']} (`{tid}`{unit_note}) | {pub} | {band} | "
                     f"{_model(r)} | {_status(r)} |")
    return lines


def _misses(table) -> list[str]:
    out = []
    for tid, r in table.iterrows():
        unit = r["unit"]
        if r["status"] == "outside":
            side = "above" if r["model_mean"] > r["high"] else "below"
            fix = f"; expected to be fixed by {r['fixed_by']}" if r["fixed_by"] else \
                "; no issue yet: a recalibration candidate"
            out.append(f"- `{tid}` ({r['role'].replace('_', '-')}): the model gives "
                       f"{_fmt(r['model_mean'], unit)}, {side} the band "
                       f"{_fmt(r['low'], unit)} to {_fmt(r['high'], unit)} "
                       f"(published {_fmt(r['published'], unit)}, {r['year']}){fix}.")
    for tid, r in table.iterrows():
        if r["status"].startswith("not modelled"):
            out.append(f"- `{tid}`: the model does not produce this measure yet "
                       f"({r['fixed_by'] or 'no issue yet'}); it counts as not inside.")
    for tid, r in table.iterrows():
        if r["status"] == "no published figure":
            out.append(f"- `{tid}`: {r['era_note']}; it counts as not inside until a "
                       "published figure is found.")
    return out


def markdown(table, meta: dict, status: str) -> str:
    lines = [
        "# Validation of the fragmented defaults",
        "",
        f"`python -m experiments.validate --replications {meta['replications']}"
        + "".join(f" --override {o}" for o in meta["overrides"]) + f"` on {meta['date']}: "
        f"scenario `fragmented`, {meta['population']:,} people aged 65+, {meta['days']:g} days "
        f"after a {meta['warmup']:g}-day warm-up, seed {meta['seed']}, "
        f"code {meta['git_commit'] or meta['package_version']}.",
        "",
        f"**{status}.**",
        "",
        "Targets, bands and the reason for each band are in `evidence/calibration_targets.csv`; "
        "the bands were fixed from published variation before any fitting, and a band changed "
        "later carries a dated note there. The model value is the mean over replications with "
        "its 95% confidence interval; *inside* means the mean lies in the band. Where the "
        "published figure is for another year or age group the file says so and what "
        "adjustment is made. Misses are expected today: the following issues change the model, "
        "not the bands.",
        "",
    ]
    for role in ("calibration", "held_out"):
        lines += [f"## {TITLES[role]}", ""]
        lines += _table(table[table["role"] == role])
        lines.append("")
    lines += ["## Every miss, plainly", ""] + _misses(table) + [
        "", "![model against targets](validation.png)", ""]
    return "\n".join(lines)


def chart(table, path: Path) -> None:
    """Each compared target on a common scale: 0 = lower end of the band, 1 = upper end."""
    compared = table[table["within"].notna()]
    n = max(len(compared), 1)
    fig, ax = plt.subplots(figsize=(8, 0.36 * n + 1.4))
    rows = list(compared.iloc[::-1].iterrows())
    for i, (_, r) in enumerate(rows):
        lo, hi = r["low"], r["high"]
        width = (hi - lo) or 1.0

        def scale(v, lo=lo, width=width):
            return min(max((v - lo) / width, -1.4), 2.4)
        shade = "0.88" if r["role"] == "calibration" else "0.96"
        ax.add_patch(plt.Rectangle((0, i - 0.3), 1, 0.6, facecolor=shade, edgecolor="0.6"))
        ax.plot([scale(r["published"])] * 2, [i - 0.3, i + 0.3], color="black", lw=1.5)
        m, a, b = scale(r["model_mean"]), scale(r["ci_low"]), scale(r["ci_high"])
        ax.errorbar(m, i, xerr=[[max(m - a, 0)], [max(b - m, 0)]],
                    fmt="o" if r["within"] else "X", color="black", ms=6, capsize=3)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{tid} ({'cal' if r['role'] == 'calibration' else 'held out'})"
                        for tid, r in rows], fontsize=7)
    ax.set_xlim(-1.5, 2.5)
    ax.set_xticks([0, 1])
    ax.set_xticklabels(["lower end\nof band", "upper end\nof band"], fontsize=8)
    ax.set_title("Model (marker, 95% CI), published figure (bar), band (box)\n"
                 "circle = inside, cross = outside; off-scale values sit at the edge;\n"
                 "targets not modelled yet or without a figure are not drawn", fontsize=8)
    save_chart(fig, ax, path)


def refresh_readme(status: str, path: Path = README) -> bool:
    """Put the status line between the README's markers; False if the markers are absent."""
    text = path.read_text(encoding="utf-8")
    if not README_MARK.search(text):
        return False
    new = README_MARK.sub(lambda m: f"{m.group(1)}{status}.{m.group(2)}", text)
    if new != text:
        atomic_write_text(path, new)
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replications", type=int, default=10)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--override", action="append", default=[],
                    help="model override, e.g. population.size=20000 (repeatable)")
    args = ap.parse_args(argv)

    cfg = sim.load_scenario("fragmented", overrides=args.override)
    t0 = time.perf_counter()
    res = sim.run(cfg, replications=args.replications, seed=args.seed, workers=args.workers)
    table = validation_table(res)
    date = time.strftime("%Y-%m-%d")
    counts = summarise(table)
    status = status_text(counts, date)
    meta = {"replications": args.replications, "seed": args.seed, "overrides": args.override,
            "population": cfg.population.size, "days": cfg.run.days,
            "warmup": cfg.run.warmup_days, "date": date,
            "runtime_seconds": round(time.perf_counter() - t0, 1), **code_version()}
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "validation.csv", table.to_csv())
    atomic_write_text(args.out / "validation.md", markdown(table, meta, status))
    atomic_write_text(args.out / "validation.json", json.dumps(meta, indent=2))
    atomic_write_text(args.out / "status.json", json.dumps(
        {"date": date, "counts": counts, "run": {k: meta[k] for k in (
            "replications", "seed", "overrides", "population", "days", "git_commit")}},
        indent=2))
    chart(table, args.out / "validation.png")
    if args.out.resolve() == DEFAULT_OUT.resolve():
        refresh_readme(status_line(args.out / "status.json"))  # with the back-cast count
    cols = ["role", "published", "low", "high", "model_mean", "status"]
    print(table[cols].to_string(float_format=lambda v: f"{v:,.3f}"))
    print(f"\n{status}; written to {args.out} ({meta['runtime_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
