"""What a board report says: built from a comparison, rendered by ``html`` and ``pdf``.

Every number a reader sees comes from the comparison itself (its summary, paired differences
and per-replication tables) or from the scenarios' parameters, and is wrapped in a
:class:`~sim.report.model.Num` that records its source, so the HTML can be checked against
``Comparison.differences()`` number by number.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..readout.catalogue import scenario_title

from .appendix import measures_section, stress_section
from .assumptions import assumptions_section, validation_section
from .data import VALIDATION_CSV, Ctx, differing, in_play, read_validation, run_info
from .flows import flows_section
from .model import Bullets, Num, Para, Report, nums, rich
from .money import cost_shift, who_pays_section
from .summary import summary_section

__all__ = ["build", "VALIDATION_CSV"]


# ------------------------------------------------------------------------------------------
def build(cmp, meta: dict[str, Any] | None = None,
          validation_csv: Path | str | None = None) -> Report:
    """The content of the board report for a finished comparison."""
    ctx = Ctx(cmp, dict(meta or {}), Path(validation_csv) if validation_csv else VALIDATION_CSV)
    changed = differing(ctx)
    extra = in_play(ctx, changed)
    validation = read_validation(ctx.validation_csv)
    ctx.data_run = run_info(ctx)
    shifts = {a: cost_shift(ctx, a) for a in ctx.alts}
    summary, headline = summary_section(ctx, changed, extra, validation, shifts)
    sections = [
        summary,
        who_pays_section(ctx, shifts),
        flows_section(ctx),
        assumptions_section(ctx, changed, extra, validation),
        measures_section(ctx),
        stress_section(ctx, changed, extra),
    ]
    appendix_c = validation_section(validation)
    if appendix_c:
        sections.append(appendix_c)
    page1 = []
    for block in summary.blocks:
        texts = []
        if isinstance(block, Para):
            texts = [block.text]
        elif isinstance(block, Bullets):
            texts = block.items
        for t in texts:
            page1 += [{"text": n.text, "value": n.value, "source": n.source} for n in nums(t)]
    # The title names scenarios as a board does ("Integrated care"); the body keeps the run's
    # own names, which its tables and sentences are keyed by.
    alts = [scenario_title(a) for a in ctx.alts]
    names = alts[0] if len(alts) == 1 else (", ".join(alts[:-1]) + " and " + alts[-1])
    title = f"{names} compared with {scenario_title(ctx.base)}"
    reps = min(ctx.replications().values())
    subtitle = rich("Board report from the caresim simulation of care for people aged 65+ \u00b7 ",
                    Num(str(reps), float(reps), "run:replications"), " paired replications \u00b7 "
                    "built ", Num(ctx.built_at.strftime("%d %b %Y"), math.nan, "meta:built_at"))
    for n in nums(subtitle):
        page1.append({"text": n.text, "value": n.value, "source": n.source})
    data = {
        "title": title, "baseline": ctx.base, "scenarios": list(cmp.results),
        "seed": cmp.seed, "replications": ctx.replications(), "headline": headline,
        "numbers_page1": page1,
        "validation": {"status": validation["status"],
                       **({"n_within": validation["n_within"], "n": validation["n"]}
                          if validation["status"] == "present" else {})},
        "run": {k: v for k, v in ctx.data_run.items()},
        "cost_shift": {alt: [{"from": frm, "to": to, "amount": amount,
                              "services": shifts[alt]["move_services"][(frm, to)]}
                             for (frm, to), amount in shifts[alt]["moves"].items()]
                       for alt in ctx.alts},
        "differing_settings": [s.path for s in changed],
        "weak_evidence_in_play": [s.path for s in changed + extra if s.evidence == "weak"],
    }
    footer = f"caresim board report \u00b7 {title} \u00b7 {reps} replications, seed {cmp.seed}"
    return Report(title=title, subtitle=subtitle, sections=sections, footer=footer, data=data)
