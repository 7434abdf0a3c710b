"""Assumptions: the settings that differ, their evidence, calibration and run settings."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..params import iter_fields
from ..readout import fmt as F
from ..readout.words import simulated_population
from ..validation import backcast_text, status_from_table
from .data import (
    Ctx,
    Setting,
    doc,
    get_param,
    rel_path,
    schema_extra,
    unit_text,
    value_text,
)
from .model import Bullets, Heading, Para, Section, Strong, Table

CAPACITY_ROWS = (
    ("population.size", "People aged 65+ at the start"),
    ("population.projection_years", "Years the population is projected ahead"),
    ("population.growth_per_year", "Growth of the 65+ population a year"),
    ("acute.beds", "Acute beds"),
    ("intermediate_care.beds", "Intermediate care beds"),
    ("reablement.slots", "Reablement places (people at once)"),
    ("home_care.hours_per_week", "Home care hours a week"),
    ("care_home.beds", "Care home beds"),
    ("social_work.staff", "Hospital social workers (whole-time)"),
)


def assumptions_section(ctx: Ctx, changed: list[Setting], extra: list[Setting],
                        validation: dict[str, Any]) -> Section:
    blocks: list[Any] = []
    names = list(ctx.cmp.results)
    blocks.append(Heading("What differs between the scenarios"))
    if changed:
        rows = []
        for s in changed:
            rows.append([(Strong(s.label), f"\n{s.path}"),
                         *[value_text(s.values[n], s.unit) for n in names],
                         unit_text(s), s.evidence, s.extra.get("source", "")])
        blocks.append(Table(["Setting", *names, "Unit", "Evidence", "Source"], rows,
                            align=["l"] * (len(names) + 4),
                            widths=[2.2] + [1.1] * len(names) + [1.4, 0.9, 2.6],
                            caption="Settings that differ, with unit, evidence grade and "
                                    "source (from sim/params.py; all parameters in "
                                    "docs/parameters.md)", small=True))
        mech = [(Strong(s.label + ": "), s.extra.get("mechanism") or s.info.description or "")
                for s in changed if s.extra.get("mechanism") or s.info.description]
        if mech:
            blocks.append(Para(("How each works in the model (", doc(4), "):"), "note"))
            blocks.append(Bullets([tuple(m) for m in mech], style="compact"))
    else:
        blocks.append(Para(("The scenarios have the same settings.",)))
    if extra:
        blocks.append(Heading("Evidence behind the changed levers"))
        rows = []
        for s in extra:
            vals = list(dict.fromkeys(value_text(v, s.unit) for v in s.values.values()))
            rows.append([(Strong(s.label), f"\n{s.path}"), " / ".join(vals), unit_text(s),
                         s.evidence, s.extra.get("source", "")])
        blocks.append(Table(["Setting", "Value (all scenarios)", "Unit", "Evidence", "Source"],
                            rows, align=["l"] * 5, widths=[2.2, 2.2, 1.4, 0.9, 2.6],
                            caption="Settings that the changed levers bring into play (the "
                                    "same in every scenario)", small=True))
    # Capacity and population, whatever differs
    blocks.append(Heading("Population and capacity"))
    rows = []
    for path, label in CAPACITY_ROWS:
        try:
            vals = [get_param(ctx.params[n], path) for n in names]
        except AttributeError:
            continue
        info = next((i for p, i, _a in iter_fields() if p == path), None)
        unit = schema_extra(info).get("unit", "") if info else ""
        rows.append([label, *[F.plain_value(v, unit) for v in vals]])
        if path == "population.size":
            rows.append(["People aged 65+ simulated (after growth)",
                         *[F.integer(simulated_population(ctx.params[n])) for n in names]])
    blocks.append(Table(["Setting", *names], rows, align=["l"] + ["r"] * len(names),
                        widths=[4.0] + [1.2] * len(names),
                        caption="As simulated (capacities left blank in a scenario file are "
                                "scaled to the population)", small=True))
    blocks.append(Heading("Calibration status"))
    blocks.extend(validation_blocks(validation))
    blocks.append(Heading("Run settings (to reproduce these figures)"))
    blocks.extend(run_settings_blocks(ctx))
    return Section("assumptions", "Assumptions", blocks)


def _vnum(v: Any, unit: str, dp: int | None = None) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "" if v is None else str(v)
    if math.isnan(x):
        return ""
    if unit.strip().lower() == "share":
        return F.pct(x, 1)
    return F.number(x, dp)


def _dp(*values: Any) -> int:
    """One precision for the numbers of a row (published, range, model)."""
    nums = []
    for v in values:
        try:
            nums.append(float(v))
        except (TypeError, ValueError):
            continue
    return F.dp_for(nums)


def _text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def validation_blocks(validation: dict[str, Any]) -> list[Any]:
    """Calibration status for the Assumptions section: a verdict and the misses."""
    rel = rel_path(validation["path"])
    if validation["status"] == "absent":
        return [Para((Strong("Not yet validated. "), "No validation report exists yet "
                      f"({rel}): the model\u2019s outputs have not been compared with "
                      "published figures. The defaults are set to plausible English levels "
                      f"but are not formally calibrated ({doc(7)})."), "warning")]
    if validation["status"] == "unreadable":
        return [Para((Strong("Not yet validated. "), f"The validation report ({rel}) could not "
                      f"be read ({validation['reason']}), so its results are not used."),
                     "warning")]
    when = validation["modified"].strftime("%d %b %Y")
    split = status_from_table(validation["frame"], when)
    back = backcast_text(Path(validation["path"]).parent / "backcast.json")
    if split and back:
        split = f"{split}; {back}"
    count = (Strong(split + "."), " ") if split else (Strong(
        f"{validation['n_within']} of {validation['n']}"), " published targets are within "
        "tolerance; ")
    out: list[Any] = [Para((f"From {rel} (last changed {when}): ", *count,
        "every target is listed in Appendix C. The validation runs have their own "
        "settings, which may differ from this comparison\u2019s."))]
    frame = validation["frame"]
    misses = []
    for (_, r), within in zip(frame.iterrows(), validation["within"]):
        if within is False:
            unit = _text(r.get("unit"))
            misses.append((Strong(_text(r.get("description")) or str(r["target"])),
                           f": model {_vnum(r.get('model_mean'), unit)} against published "
                           f"{_vnum(r.get('published'), unit)}" +
                           (f" (tolerance: {_text(r.get('tolerance'))})"
                            if _text(r.get("tolerance")) else "")))
    if misses:
        out.append(Para(("Outside tolerance:",)))
        out.append(Bullets(misses, style="compact"))
    return out


def validation_section(validation: dict[str, Any]) -> Section | None:
    if validation["status"] != "present":
        return None
    frame = validation["frame"]
    rows, roles = [], []
    for (_, r), within in zip(frame.iterrows(), validation["within"]):
        roles.append(_text(r.get("role")))
        unit = _text(r.get("unit"))
        dp = _dp(r.get("published"), r.get("low"), r.get("high"), r.get("model_mean"))

        def v(key: str, row: Any = r, unit: str = unit, dp: int = dp) -> str:
            return _vnum(row.get(key), unit, dp)

        model = v("model_mean")
        if v("ci_low") and v("ci_high"):
            model += f" ({v('ci_low')} to {v('ci_high')})"
        band = f"{v('low')} to {v('high')}" if v("low") and v("high") else ""
        desc = _text(r.get("description"))
        rows.append([(Strong(desc or str(r["target"])), f"\n{r['target']}" if desc else ""),
                     v("published"), band, model,
                     "" if unit.strip().lower() == "share" else unit,
                     _text(r.get("status")) or {True: "yes", False: "NO", None: "?"}[within]])
    has_band = any(r[2] for r in rows)
    cols = ["Target", "Published", "Accepted range", "Model (95% CI)", "Unit", "Within?"]
    widths = [3.0, 0.9, 1.3, 2.0, 1.3, 0.7]
    if "status" in frame.columns:  # words such as "not modelled yet (issue 15)" need room
        cols[-1], widths = "Status", [3.0, 0.9, 1.2, 1.8, 1.1, 1.1]
    if not has_band:
        for row in rows:
            del row[2]
        del cols[2], widths[2]
    blocks: list[Any] = [
        Para((f"Model outputs against published figures, from {rel_path(validation['path'])}. "
              "The reasons for each tolerance are in the validation report "
              "(docs/validation/).",), "note")]
    # Calibration and held-out targets are separate lists (one table each when marked).
    groups = [("Calibration targets", rows)]
    if any(roles):
        groups = [(title, [row for row, role in zip(rows, roles) if role == key])
                  for key, title in (("calibration", "Calibration targets"),
                                     ("held_out", "Held-out targets (never fitted to)"))]
    for caption, part in groups:
        blocks.append(Table(cols, part, align=["l", "r", "r", "r", "l", "l"][:len(cols)]
                            if has_band else ["l", "r", "r", "l", "l"], widths=widths,
                            caption=caption, small=True))
    return Section("validation", "Appendix C: calibration targets", blocks)


def run_settings_blocks(ctx: Ctx) -> list[Any]:
    info = ctx.data_run
    rows: list[list[Any]] = []

    def per(d: dict[str, Any], f=str) -> str:
        vals = list(dict.fromkeys(f(v) for v in d.values()))
        if len(vals) == 1:
            return vals[0]
        return "; ".join(f"{n}: {f(v)}" for n, v in d.items())

    rows.append(["Scenarios", ", ".join(info["scenarios"]) + f" (baseline {info['baseline']})"])
    rows.append(["Place (baseline)", info["place"]])
    rows.append(["People aged 65+ at the start", per(info["population_size"], F.integer)])
    rows.append(["People aged 65+ simulated (after growth)",
                 per(info["population_simulated"], F.integer)])
    rows.append(["Results period", per(info["results_days"], lambda v: f"{F.number(v, 0)} days")])
    rows.append(["Warm-up (not counted)", per(info["warmup_days"],
                                              lambda v: f"{F.number(v, 0)} days")])
    rows.append(["Replications per scenario", per(info["replications"])])
    rows.append(["Random seed", f"{info['seed']} (common random numbers across scenarios)"])
    rows.append(["Config hash", per(info["config_hash"])])
    code = info["run_code"] or info["report_code"]
    commit = code.get("git_commit") or "not recorded (not a git checkout)"
    dirty = " with uncommitted changes to sim/ or scenarios/" if info.get("dirty") else ""
    rows.append(["Code version (run)", f"caresim {code.get('package_version')}, git commit "
                 f"{commit}{dirty}, Python {code.get('python')}"])
    if info["run_code"]:
        rc = info["report_code"]
        rows.append(["Code version (report)", f"caresim {rc.get('package_version')}, git "
                     f"commit {rc.get('git_commit')}"])
    if info["results_folder"]:
        rows.append(["Results folder", rel_path(Path(info["results_folder"]))])
    for n, ov in info["overrides"].items():
        rows.append([f"Overrides of {n}", "none" if ov == [] else
                     (" ".join(ov) if ov else "cannot be written as overrides of a scenario "
                      "file (a custom scenario, or the file or model defaults changed since "
                      "the run): the full configuration is in the results folder\u2019s "
                      "config.yaml")])
    events = f" ({info['events']:,} events)" if info["events"] else ""
    rows.append(["Simulation time", f"{info['runtime_seconds']:,.1f} s for all "
                 f"scenarios{events}"])
    rows.append(["Report built", ctx.built_at.strftime("%d %b %Y %H:%M UTC")])
    out: list[Any] = [Table(["Setting", "Value"], rows, align=["l", "l"], widths=[2.0, 6.0],
                            small=True)]
    if info["command"]:
        out.append(Para(("To rebuild this report from scratch: ", Strong(info["command"])),
                         "code"))
    return out
