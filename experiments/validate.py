"""Validate the fragmented defaults against published English figures.

    python -m experiments.validate                        # 10 replications, writes docs/validation/
    python -m experiments.validate --replications 20 --out results/validation

Runs the ``fragmented`` scenario at its defaults (50,000 people aged 65+, one year after a
120-day warm-up) and writes, for each target in ``evidence/calibration_targets.csv``, the
published value, the tolerance band and why, the model's mean and 95% CI, and whether the
mean lies inside the band: ``validation.csv``, ``validation.md`` and ``validation.png``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import sim  # noqa: E402
from sim.results_io import atomic_write_text, code_version  # noqa: E402
from sim.validation import validation_table  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "validation"


def _fmt(x: float, unit: str) -> str:
    if unit == "share":
        return f"{100 * x:.1f}%"
    return f"{x:,.1f}" if abs(x) < 1000 else f"{x:,.0f}"


def markdown(table, meta: dict) -> str:
    lines = [
        "# Validation of the fragmented defaults",
        "",
        f"`python -m experiments.validate --replications {meta['replications']}` on "
        f"{meta['date']}: scenario `fragmented`, {meta['population']:,} people aged 65+, "
        f"{meta['days']:g} days after a {meta['warmup']:g}-day warm-up, seed {meta['seed']}, "
        f"code {meta['git_commit'] or meta['package_version']}.",
        "",
        f"**{int(table['within'].sum())} of {len(table)} targets inside tolerance.** "
        "The band is the range the published figure supports (why, per target, in "
        "`evidence/calibration_targets.csv`); the model value is the mean over replications "
        "with its 95% confidence interval.",
        "",
        "| target | published | tolerance band | model mean (95% CI) | inside |",
        "| --- | --- | --- | --- | --- |",
    ]
    for tid, r in table.iterrows():
        unit = r["unit"]
        lines.append(
            f"| {r['description']} (`{tid}`) | {_fmt(r['published'], unit)} | "
            f"{_fmt(r['low'], unit)} to {_fmt(r['high'], unit)} | "
            f"{_fmt(r['model_mean'], unit)} ({_fmt(r['ci_low'], unit)} to "
            f"{_fmt(r['ci_high'], unit)}) | {'yes' if r['within'] else '**no**'} |")
    lines += ["", "![model against targets](validation.png)", ""]
    return "\n".join(lines)


def chart(table, path: Path) -> None:
    """Each target on a common scale: 0 = lower end of the band, 1 = upper end."""
    n = len(table)
    fig, ax = plt.subplots(figsize=(8, 0.42 * n + 1.2))
    for i, (_, r) in enumerate(table.iloc[::-1].iterrows()):
        lo, hi = r["low"], r["high"]
        width = (hi - lo) or 1.0

        def scale(v, lo=lo, width=width):
            return (v - lo) / width
        ax.add_patch(plt.Rectangle((0, i - 0.3), 1, 0.6, facecolor="0.88", edgecolor="0.6"))
        ax.plot([scale(r["published"])] * 2, [i - 0.3, i + 0.3], color="black", lw=1.5)
        ax.errorbar(scale(r["model_mean"]), i,
                    xerr=[[scale(r["model_mean"]) - scale(r["ci_low"])],
                          [scale(r["ci_high"]) - scale(r["model_mean"])]],
                    fmt="o" if r["within"] else "X", color="black", ms=6, capsize=3)
    ax.set_yticks(range(n))
    ax.set_yticklabels(list(table.index[::-1]), fontsize=8)
    ax.set_xlim(-1.0, 2.0)
    ax.set_xticks([0, 1])
    ax.set_xticklabels(["lower end\nof tolerance", "upper end\nof tolerance"], fontsize=8)
    ax.set_title("Model (marker, 95% CI) against published figure (bar) and tolerance (box)\n"
                 "circle = inside tolerance, cross = outside", fontsize=9)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replications", type=int, default=10)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--override", action="append", default=[])
    args = ap.parse_args(argv)

    cfg = sim.load_scenario("fragmented", overrides=args.override)
    t0 = time.perf_counter()
    res = sim.run(cfg, replications=args.replications, seed=args.seed, workers=args.workers)
    table = validation_table(res)
    meta = {"replications": args.replications, "seed": args.seed,
            "population": cfg.population.size, "days": cfg.run.days,
            "warmup": cfg.run.warmup_days, "date": time.strftime("%Y-%m-%d"),
            "runtime_seconds": round(time.perf_counter() - t0, 1), **code_version()}
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "validation.csv", table.to_csv())
    atomic_write_text(args.out / "validation.md", markdown(table, meta))
    atomic_write_text(args.out / "validation.json", json.dumps(meta, indent=2))
    chart(table, args.out / "validation.png")
    cols = ["published", "low", "high", "model_mean", "ci_low", "ci_high", "within"]
    print(table[cols].to_string(float_format=lambda v: f"{v:,.3f}"))
    print(f"\n{int(table['within'].sum())} of {len(table)} targets inside tolerance; "
          f"written to {args.out} ({meta['runtime_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
