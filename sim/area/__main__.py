"""python -m sim.area template PATH | fit PATH --out PATH (see docs/area.md)."""

from __future__ import annotations

import argparse
import sys

from ..errors import ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.area",
                                     description="A local area: template, check, fit.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("template", help="write the documented template (.xlsx or .yaml), "
                       "pre-filled with the example area")
    t.add_argument("path")
    c = sub.add_parser("check", help="check an area file and say how it maps to the model")
    c.add_argument("path")
    f = sub.add_parser("fit", help="fit the area's rates to its monthly figures")
    f.add_argument("path")
    f.add_argument("--out", required=True, help="where to save the fitted area (.xlsx/.yaml)")
    f.add_argument("--population", type=int, default=20_000,
                   help="people 65+ simulated while fitting; the area is scaled to this size "
                        "(default 20,000)")
    f.add_argument("--replications", type=int, default=3)
    f.add_argument("--days", type=float, default=365)
    f.add_argument("--seed", type=int, default=2026)
    f.add_argument("--max-evaluations", type=int, default=20)
    args = parser.parse_args(argv)

    from . import as_area, mapping_notes, write_template

    try:
        if args.command == "template":
            path = write_template(args.path)
            print(f"template written to {path} (the example area; it loads and runs as "
                  "written)")
        elif args.command == "check":
            area = as_area(args.path)
            from . import load_area

            load_area(area)
            print(f"{args.path}: area {area.name!r} is valid")
            for note in mapping_notes(area):
                print(f"- {note}")
        else:
            from .convert import to_scenario  # noqa: F401  (imported for its errors early)
            from .files import Area
            from .fit import fit_area

            def progress(n: int, text: str) -> None:
                print(f"  run {n}: {text}", file=sys.stderr, flush=True)

            res = fit_area(args.path, population=args.population,
                           replications=args.replications, days=args.days, seed=args.seed,
                           max_evaluations=args.max_evaluations, progress=progress)
            write_template(args.out, Area(res.data, {}, args.out))
            print(format_report(res))
            print(f"\nfitted area written to {args.out}")
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def format_report(res) -> str:
    import pandas as pd

    from .fit import formatted_report

    table = formatted_report(res.report)
    lines = [f"Fit of the area's rates ({res.evaluations} model evaluations of "
             f"{res.replications} replications at {res.fraction:.1%} of the area's size, "
             f"common random numbers; {res.runtime_seconds:.0f} s)"]
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        lines.append(table[["label", "unit", "local", "model_national", "model_fitted",
                            "tolerance", "within", "note"]].to_string(index=False))
    lines.append("rates: " + ", ".join(f"{k} = {v:g}" for k, v in res.rates.items()))
    lines += [f"WARNING: {note}" for note in res.notes]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
