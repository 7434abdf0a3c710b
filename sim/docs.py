"""Generate the parameter reference (docs/parameters.md) from the schema.

    python -m sim.docs          # rewrite docs/parameters.md
    python -m sim.docs --check  # exit 1 if the file is out of date (used by the tests)
"""

from __future__ import annotations

import sys
from pathlib import Path

from .params import CAPACITY_PER_50K, Params, UncertainEffect, iter_fields

DOC = Path(__file__).resolve().parent.parent / "docs" / "parameters.md"
_BLANK_CAPACITY = {f"{b}.{f}": v for b, f, v, _ in CAPACITY_PER_50K}


def _default(path: str, defaults: Params):
    node = defaults
    for part in path.split("."):
        node = getattr(node, part)
    return node


def _fmt(value) -> str:
    if isinstance(value, UncertainEffect):
        return (f"{value.mean:+g} (sd {value.sd:g}, range {value.low:+g} to {value.high:+g}), "
                "drawn per replication")
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        if not value:
            return "none"
        return "; ".join(_period(row) for row in value)
    return str(value)


def _period(row) -> str:
    """One row of a capacity calendar, as a planner would say it."""
    when = "each year, day" if row.every_year else "results day"
    what = f"x{row.scale:g}" if row.value is None else f"{row.value:g}"
    return f"{when} {row.start_day:g} to {row.end_day:g}: {what}"


def _range(info) -> str:
    lo = hi = None
    for meta in info.metadata:
        lo = getattr(meta, "ge", lo)
        hi = getattr(meta, "le", hi)
    if lo is None and hi is None:
        ann = info.annotation
        if getattr(ann, "__origin__", None) is list:
            return "rows: start_day, end_day, every_year, scale or value"
        args = getattr(ann, "__args__", None)
        return " / ".join(map(str, args)) if args else ""
    return f"{_fmt(lo) if lo is not None else ''} to {_fmt(hi) if hi is not None else ''}"


def render() -> str:
    defaults = Params()
    lines = [
        "# Parameters",
        "",
        "Generated from `sim/params.py` by `python -m sim.docs`; do not edit by hand (a test",
        "fails if this file and the schema disagree). Evidence: **strong** (national statistics",
        "or systematic review), **moderate** (a single good study or official estimate), **weak**",
        "(an assumption; read results that depend on it as what-ifs).",
        "",
        "Capacities marked *scaled* are blank by default and follow `population.size`",
        "(the figure shown is for 50,000 people aged 65+).",
        "",
    ]
    block = None
    for path, info, _ in iter_fields():
        top = path.split(".")[0]
        if top in ("name", "description"):
            continue
        if top != block:
            block = top
            lines += ["", f"## `{top}`", "",
                      "| parameter | default | unit | range | evidence | description | source |",
                      "| --- | --- | --- | --- | --- | --- | --- |"]
        extra = info.json_schema_extra or {}
        if path in _BLANK_CAPACITY:
            default = f"{_BLANK_CAPACITY[path]:,} (scaled)"
        else:
            default = _fmt(_default(path, defaults))
        desc = (info.description or "").replace("|", "/")
        if extra.get("mechanism"):
            desc += f" *Mechanism:* {extra['mechanism']}"
        lines.append(
            f"| `{path}` | {default} | {extra.get('unit', '')} | {_range(info)} | "
            f"{extra.get('evidence', '')} | {desc} | {str(extra.get('source', '')).replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = DOC.read_text(encoding="utf-8") if DOC.is_file() else ""
        if current != text:
            print(f"{DOC} is out of date: run python -m sim.docs", file=sys.stderr)
            return 1
        return 0
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
