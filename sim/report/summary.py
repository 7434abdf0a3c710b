"""Page 1: what was compared, the headline effects in plain words, what the model cannot tell."""

from __future__ import annotations

import math
from typing import Any

from ..params import UncertainEffect
from ..readout import fmt as F
from ..readout.catalogue import BOARD_HEADLINES, Metric, metric
from ..readout.money import price_year
from ..readout.verdict import VERDICTS, verdict, warnings
from ..readout.words import simulated_population
from .data import Ctx, Setting, doc, effect_label, outside_targets
from .model import Bullets, Heading, Num, Para, Rich, Section, Strong, rich


# ------------------------------------------------------------------------------------------
# Plain-words effects
# ------------------------------------------------------------------------------------------
def _gridlock_warning(ws: list) -> str | None:
    """One warning for every gridlocked scenario: one paragraph per scenario pushed the
    summary past its single page when the baseline and the alternative both tipped."""
    if not ws:
        return None
    if len(ws) == 1:
        return ws[0].text + " The gridlocked replications are kept in every figure."
    parts = [f"{w.scenario} ({w.replications} of {w.of} replications"
             + (f", from day {w.first_day:,.0f})" if w.first_day is not None else ")")
             for w in ws]
    return ("In " + ", ".join(parts[:-1]) + " and " + parts[-1] + " the A&E queue for beds "
            "passed the gridlock threshold: their totals describe broken-down systems (kept in "
            "every figure), so no change is called better or worse.")


def _verb(up: bool, plural: bool) -> str:
    word = "rise" if up else "fall"
    return word if plural else word + "s"


def _noun(up: bool) -> str:
    return "rise" if up else "fall"


def effect_sentence(ctx: Ctx, scenario: str, h: Metric) -> tuple[Rich, dict[str, Any]]:
    """A headline effect laid out as a sentence; the numbers, the verdict and the words for
    the measure all come from the readout."""
    row = ctx.diff(scenario, h.name)
    src = f"diff:{scenario}:{h.name}"
    mode = h.headline_mode
    if mode == "relative" and not row["baseline_mean"]:
        mode = "absolute"
    unit_kind = h.unit
    d, lo, hi = row["difference"], row["ci_low"], row["ci_high"]
    up = d > 0

    def n(field_: str, text: str) -> Num:
        return Num(text, row[field_], f"{src}:{field_}")

    period = ctx.period()
    if mode == "relative":
        # The measures shown this way cannot fall below zero, so neither can a CI bound:
        # a t interval that reaches past a 100% fall is cut there (see "How to read").
        rel_lo, rel_hi = max(row["rel_ci_low"], -1.0), max(row["rel_ci_high"], -1.0)
        dp = F.pct_dp([row["relative"], rel_lo, rel_hi])
        size: Rich = (n("relative", F.pct(row["relative"], dp)),)
        lo_n: Rich = (n("rel_ci_low", F.pct(rel_lo, dp)),)
        hi_n: Rich = (n("rel_ci_high", F.pct(rel_hi, dp)),)
        ndp = F.dp_for([row["baseline_mean"], row["scenario_mean"]])
        levels: Rich = (", from ", n("baseline_mean", F.number(row["baseline_mean"], ndp)),
                        " to ", n("scenario_mean", F.number(row["scenario_mean"], ndp)), " ",
                        *period)
    elif mode == "money":
        scale = F.money_scale([d, lo, hi])
        size = (n("difference", F.gbp(d, scale)),)
        lo_n, hi_n = (n("ci_low", F.gbp(lo, scale)),), (n("ci_high", F.gbp(hi, scale)),)
        levels = (", ", n("relative", F.pct(row["relative"])), " of the ",
                  n("baseline_mean", F.gbp(row["baseline_mean"])), " spent in ",
                  Strong(ctx.base), " ", *period)
    else:
        if unit_kind == "share":
            unit = " percentage points"
            size = (n("difference", F.points(d)), unit)
            lo_n, hi_n = (n("ci_low", F.points(lo)),), (n("ci_high", F.points(hi)),)
            levels = (", from ", n("baseline_mean", F.pct(row["baseline_mean"], 1)), " to ",
                      n("scenario_mean", F.pct(row["scenario_mean"], 1)))
        else:
            dp = F.dp_for([d, lo, hi])
            unit = " " + h.unit_label
            size = (n("difference", F.number(d, dp)), unit)
            # The unit follows the estimate once; repeating it on both bounds reads badly.
            lo_n = (n("ci_low", F.number(lo, dp)),)
            hi_n = (n("ci_high", F.number(hi, dp)),)
            ldp = max(F.dp_for([row["baseline_mean"], row["scenario_mean"]]), 1)
            levels = (", from ", n("baseline_mean", F.number(row["baseline_mean"], ldp)),
                      " to ", n("scenario_mean", F.number(row["scenario_mean"], ldp)))

    label = Strong(h.subject)
    code = verdict(h.name, d, lo, hi, ctx.gridlock(scenario))
    if F.missing(lo) or F.missing(hi):
        text = rich(label, f" {_verb(up, h.plural)} by about ", size, levels,
                    " (too few replications for a confidence interval).")
    elif code == "same":
        text = rich(label, " " + ("are" if h.plural else "is") + " the same in both "
                    "scenarios.")
    elif code == "unclear":
        best = ("best estimate no change" if d == 0 else
                rich("best estimate a ", size, f" {_noun(up)}"))
        text = rich(label, " show" + ("" if h.plural else "s") + " no clear change: ", best,
                    ", 95% CI from a ", lo_n, " fall to a ", hi_n, " rise", levels, ".")
    else:
        near, far = (lo_n, hi_n) if abs(lo) <= abs(hi) else (hi_n, lo_n)
        text = rich(label, f" {_verb(up, h.plural)} by about ", size, " (95% CI ", near,
                    " to ", far, ")", levels, ".")
    record = {"scenario": scenario, "metric": h.name, "label": h.subject, "verdict": code,
              "direction": "rise" if up else ("fall" if d < 0 else "none"), **row}
    return text, record


def _names(names: list[str]) -> Rich:
    parts: list[Any] = []
    for i, name in enumerate(names):
        if i:
            parts.append(", " if i < len(names) - 1 else " and ")
        parts.append(Strong(name))
    return tuple(parts)


def changes_sentence(ctx: Ctx, scenario: str, changed: list[Setting], limit: int = 10) -> Rich:
    items: list[Rich] = []
    for s in changed:
        old, new = s.values[ctx.base], s.values[scenario]
        if old == new:
            continue
        if isinstance(new, UncertainEffect) or isinstance(old, UncertainEffect):
            items.append((s.label.lower(), " (a different evidence assumption)"))
            continue
        label = s.label.lower()
        if isinstance(new, bool):
            items.append((label, " ", Num("on" if new else "off", float(new),
                                          f"param:{scenario}:{s.path}")))
            continue
        old_n = Num(F.plain_value(old, s.unit), float(old) if old is not None else math.nan,
                    f"param:{ctx.base}:{s.path}")
        new_n = Num(F.plain_value(new, s.unit), float(new) if new is not None else math.nan,
                    f"param:{scenario}:{s.path}")
        items.append((label, " ", old_n, " \u2192 ", new_n))
    if not items:
        return (Strong(scenario), " has the same settings as the baseline.")
    shown = items[:limit]
    out: list[Any] = [Strong(scenario), " changes: "]
    for i, it in enumerate(shown):
        if i:
            out.append("; ")
        out.extend(it)
    if len(items) > limit:
        out.append(f"; and {len(items) - limit} more (see Assumptions)")
    out.append(".")
    return tuple(out)


def summary_section(ctx: Ctx, changed: list[Setting], extra: list[Setting],
                    validation: dict[str, Any], shifts: dict[str, dict]) -> tuple[Section, list]:
    cmp = ctx.cmp
    blocks: list[Any] = []
    reps = ctx.replications()
    rep_n = Num(f"{min(reps.values()):,}", float(min(reps.values())), "run:replications")
    descr = []
    for name in [*ctx.alts, ctx.base]:
        d = cmp.results[name].params.description.strip().rstrip(".")
        role = " (the baseline)" if name == ctx.base else ""
        descr.append(rich(Strong(name), role, ": " + d + "." if d else "."))
    place, pop = place_and_people(ctx)
    census = ctx.bp.census
    if ctx.same("run.days") and census is not None:
        when = f" of {census.start_date:%-d %B %Y}" if census.start_date else ""
        length = ("a results period of ", ctx.param_num(ctx.base, "run.days"),
                  f" days from the area's census{when}, with no warm-up")
    elif ctx.same("run.days") and ctx.same("run.warmup_days"):
        length = ("a results period of ", ctx.param_num(ctx.base, "run.days"),
                  " days after a warm-up of ", ctx.param_num(ctx.base, "run.warmup_days"),
                  " days")
    else:
        length = ("the run lengths listed under Assumptions",)
    seed = Num(str(cmp.seed), float(cmp.seed), "run:seed")
    blocks.append(Para(rich(
        "This report compares ", _names(ctx.alts), " with ", Strong(ctx.base),
        ", the baseline, ", place, ". Each was simulated", pop, " over ", length, ", ", rep_n,
        " times with the same random numbers (seed ", seed, "), so each difference below is "
        "taken replication by replication. Totals are shown per year, whatever the length "
        "of the run, and money in ", Num(price_year(cmp), math.nan, "meta:price_year"),
        " prices."), "lead"))
    gridlock_text = _gridlock_warning(warnings(cmp))
    if gridlock_text:
        blocks.append(Para((Strong("Warning: gridlock. "), gridlock_text), "warning"))
    blocks.append(Bullets(descr, style="compact"))
    for alt in ctx.alts:
        blocks.append(Para(changes_sentence(ctx, alt, changed)))

    headline_data = []
    for alt in ctx.alts:
        title = ("Headline effects" if len(ctx.alts) == 1 else f"Headline effects of {alt}")
        blocks.append(Heading(f"{title} (compared with {ctx.base})"))
        items, tags, attrs = [], [], []
        for name in BOARD_HEADLINES:
            if (alt, name) not in ctx.diffs.index:
                continue
            text, record = effect_sentence(ctx, alt, metric(name))
            items.append(text)
            tags.append(VERDICTS[record["verdict"]])
            attrs.append({"metric": name, "scenario": alt, "verdict": record["verdict"],
                          "direction": record["direction"]})
            headline_data.append(record)
        blocks.append(Bullets(items, tags=tags, attrs=attrs, style="headline"))
        blocks.append(Para(who_pays_sentence(ctx, alt, shifts[alt])))

    blocks.append(Heading("What the model cannot tell"))
    blocks.append(Bullets(limits(ctx, changed, extra, validation), style="compact"))
    blocks.append(Para((
        "How to read: \u201c95% CI\u201d is the 95% confidence interval of the average effect "
        "in the model, from the paired replications. It includes run-to-run chance and the "
        "spread of the uncertain effects drawn in each replication; it does not include "
        "errors in the model\u2019s structure or in settings held fixed. Where it includes "
        "zero the report says \u201cno clear change\u201d. A relative interval that reaches "
        "past a 100% fall is cut at 100%, since none of these measures can fall below zero."),
        "note"))
    return Section("summary", "Summary", blocks), headline_data


def _first_sources(sources: str, limit: int = 110) -> str:
    """The sources of an area's figures, cut at a separator to fit one line of page 1."""
    text = sources.strip().rstrip(".")
    if not text:
        return "the area file (no sources given)"
    if len(text) <= limit:
        return text
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    kept: list[str] = []
    for part in parts:
        if kept and len("; ".join([*kept, part])) > limit:
            break
        kept.append(part)
    head = "; ".join(kept)
    if len(head) > limit:
        head = head[:limit].rsplit(" ", 1)[0]
    return head + "; and others listed under Assumptions"


def place_and_people(ctx: Ctx) -> tuple[Rich, Rich]:
    """Whose system the baseline is (a local area and the source of its figures, or the
    national defaults scaled to its population), and the people each scenario simulated: a
    growth scenario simulates more people than it starts with."""
    bp = ctx.bp
    start = ctx.param_num(ctx.base, "population.size")
    area = bp.place
    place: Rich
    if area is None:
        place = ("set up from the model\u2019s national defaults scaled to ", start,
                 " people aged 65+")
    else:
        # The description and the full list of sources are under Assumptions: page 1 must
        # stay one page, so it names the area and the first of its sources.
        place = ("for the local area ", Strong(area.name), ", with figures from "
                 + _first_sources(area.sources))
    sizes = {n: simulated_population(r.params) for n, r in ctx.cmp.results.items()}

    def num(name: str) -> Num:
        return Num(f"{sizes[name]:,}", float(sizes[name]), f"people:{name}")

    pop: Rich
    if len(set(sizes.values())) > 1:
        pop = (" for its own population after growth (",
               *[x for i, n in enumerate(sizes)
                 for x in (("; " if i else ""), f"{n} ", num(n))], " people aged 65+),")
    elif sizes[ctx.base] != bp.population.size:
        pop = (" for ", num(ctx.base), " people aged 65+ (grown from ", start, "),")
    elif area is not None:
        pop = (" for ", num(ctx.base), " people aged 65+,")
    else:
        pop = (",",)
    return place, tuple(x for x in pop if x != "")


def money_rich(line) -> Rich:
    """A readout money sentence with each of its numbers marked by its source."""
    from ..readout.money import Fig

    return tuple(Num(p.text, p.value, f"money:{line.scenario}:{line.row_key}:{p.field}")
                 if isinstance(p, Fig) else p for p in line.parts)


def who_pays_sentence(ctx: Ctx, alt: str, shift: dict) -> Rich:
    """Each partner's net cash change after its pooled budget contribution, the capacity
    released apart from cash, and the total: as the readout states them."""
    from ..readout.money import money_sentences

    year = price_year(ctx.cmp)
    parts: list[Any] = ["Who pays (", Num(year, math.nan, "meta:price_year"), " prices; each "
                        "partner net of its contribution to the pooled budget): "]
    for i, line in enumerate(money_sentences(ctx.cmp, alt, brief=True)):
        parts.extend([" " if i else "", *money_rich(line)])
    if shift["moves"]:
        parts.append(" Money moved into the pool is a change in who pays, not a saving "
                     "(see Who pays, who saves).")
    return tuple(parts)


def limits(ctx: Ctx, changed: list[Setting], extra: list[Setting],
           validation: dict[str, Any]) -> list[Rich]:
    out: list[Rich] = []
    weak = [s for s in changed + extra if s.evidence == "weak"]
    effects = [s for s in weak if any(isinstance(v, UncertainEffect) for v in s.values.values())]
    others = [s for s in weak if s not in effects]
    if effects:
        bits: list[Any] = [Strong("Weak evidence. "), "These effects rest on weak or "
                           "conflicting evidence, so each replication draws them from a range: "]
        for i, s in enumerate(effects):
            if i:
                bits.append("; ")
            alt = next((a for a in ctx.alts if s.values[a] is not None), ctx.base)
            e = s.values[alt]
            src = f"param:{alt}:{s.path}"
            centre = Num(F.pct(e.mean, 0, signed=True), e.mean, f"{src}.mean")
            bits.extend([effect_label(s), " centred on ", centre,
                         " (no effect)" if e.mean == 0 else "", ", range ",
                         Num(F.pct(e.low, 0, signed=True), e.low, f"{src}.low"), " to ",
                         Num(F.pct(e.high, 0, signed=True), e.high, f"{src}.high")])
        bits.append(". The changes in emergency admissions and readmissions depend on them: "
                    "read those as what-ifs, not forecasts.")
        out.append(tuple(bits))
    if others:
        names = "; ".join(s.label.lower() for s in others)
        out.append((Strong("Other weak evidence. "), f"These settings rest on assumptions: "
                    f"{names} (values and sources under Assumptions)."))
    if validation["status"] == "present":
        n_in = Num(str(validation["n_within"]), float(validation["n_within"]),
                   "validation:n_within")
        n_all = Num(str(validation["n"]), float(validation["n"]), "validation:n")
        missed = outside_targets(validation)
        # Page 1 names a few misses; the full list is in the Assumptions and Appendix C.
        shown = "; ".join(m[:1].lower() + m[1:] for m in missed[:3])
        more = f"; and {len(missed) - 3} more (Appendix C)" if len(missed) > 3 else ""
        miss = f" Outside tolerance: {shown}{more}." if missed else ""
        out.append((Strong("Calibration. "), "Checked against published figures: ", n_in,
                    " of ", n_all, " targets are within tolerance." + miss + " Read the "
                    "results as relative effects between scenarios, not as a forecast of a "
                    "local system."))
    else:
        why = ("" if validation["status"] == "absent"
               else " (the validation report could not be read)")
        out.append((Strong("Not yet validated. "), "The model\u2019s outputs have not yet been "
                    f"compared with published figures{why}. Read the results as relative "
                    "effects between scenarios, not as a forecast of a local system."))
    failures = sum(len(r.failures) for r in ctx.cmp.results.values())
    # Only a run stopped at the memory cap is cut short; gridlock is judged, not cut.
    partial = sum(int((r.kpis["partial"] > 0).sum()) for r in ctx.cmp.results.values()
                  if "partial" in r.kpis.columns)
    if failures or partial:
        out.append((Strong("Incomplete runs. "),
                    Num(str(failures), float(failures), "run:failures"),
                    " replication(s) failed and ",
                    Num(str(partial), float(partial), "run:partial"),
                    " stopped early at the memory cap on the A&E queue; the results use the "
                    "rest."))
    # Gridlock is not repeated here: the one warning at the top of the page says which
    # replications tipped and that they are kept, so the summary stays on its one page.
    out.append((Strong("Not in the model. "), "Self-funded care as a public cost (it is "
                "counted in activity), workforce supply and price changes over the run (every "
                "cost is in one price year, uplifted with the GDP deflator) "
                f"({doc(3)}, {doc(7)})."))
    return out
