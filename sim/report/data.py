"""Reading a comparison for the report: paired statistics, settings, evidence, run metadata.

Everything the sections say is computed here or in ``Comparison`` itself, so the section
modules only arrange words and tables.
"""

from __future__ import annotations

import math
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..census import warmup_days_used
from ..errors import ConfigError
from ..metrics import METRICS
from ..params import Params, UncertainEffect, iter_fields
from ..readout import catalogue as CAT
from ..readout import fmt as F
from ..readout import stats as S
from ..readout.verdict import gridlocked
from ..readout.words import place_text, simulated_population
from ..results_io import code_version, config_hash
from .model import Num, Rich

REPO = Path(__file__).resolve().parents[2]
VALIDATION_CSV = REPO / "docs" / "validation" / "validation.csv"


# Names of measures, payers, services and flows, and every statistic, come from the readout
# (sim/readout): this package only arranges them into sections.
PAYERS = tuple(p.key for p in CAT.PAYERS)


MODEL_DOC = "docs/model.md"
DOC_SECTIONS = {
    1: "§1 Objective", 2: "§2 Logic", 3: "§3 Costs and payers", 4: "§4 Levers",
    5: "§5 Experimentation", 6: "§6 Verification", 7: "§7 Known simplifications",
}


def doc(section: int) -> str:
    return f"{MODEL_DOC} {DOC_SECTIONS[section]}"


# ------------------------------------------------------------------------------------------
# Reading the comparison
# ------------------------------------------------------------------------------------------
def get_param(params: Params, path: str) -> Any:
    obj: Any = params
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def schema_extra(info) -> dict[str, Any]:
    extra = info.json_schema_extra
    return extra if isinstance(extra, dict) else {}


@dataclass
class Ctx:
    cmp: Any
    meta: dict[str, Any]
    validation_csv: Path
    base: str = ""
    alts: list[str] = field(default_factory=list)
    diffs: pd.DataFrame = field(default_factory=pd.DataFrame)
    built_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    data_run: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.base = self.cmp.baseline
        self.alts = [n for n in self.cmp.results if n != self.base]
        if not self.alts:
            raise ConfigError(
                "a board report compares scenarios: the comparison has only "
                f"{self.base!r}; add at least one more scenario",
                [("scenarios", list(self.cmp.results), "two or more scenarios")])
        # Per year, like every surface: the readout scales totals by 365 / run.days.
        self.diffs = S.differences(self.cmp, self.base)

    # ---- parameters
    @property
    def params(self) -> dict[str, Params]:
        # Capacities as the runs used them (blank ones filled from the population).
        return {n: r.params.resolved() for n, r in self.cmp.results.items()}

    @property
    def bp(self) -> Params:
        return self.cmp.results[self.base].params.resolved()

    def same(self, path: str) -> bool:
        values = [get_param(p, path) for p in self.params.values()]
        return all(v == values[0] for v in values)

    def param_num(self, scenario: str, path: str, text: str | None = None) -> Num:
        value = get_param(self.params[scenario], path)
        unit = ""
        for p, info, _ann in iter_fields():
            if p == path:
                unit = schema_extra(info).get("unit", "")
                break
        shown = text if text is not None else F.plain_value(value, unit)
        return Num(shown, float(value), f"param:{scenario}:{path}")

    # ---- results
    def diff(self, scenario: str, metric: str) -> dict[str, float]:
        row = self.diffs.loc[(scenario, metric)]
        return {k: float(row[k]) for k in (
            "baseline_mean", "scenario_mean", "difference", "ci_low", "ci_high", "relative",
            "rel_ci_low", "rel_ci_high", "n")}

    def gridlock(self, scenario: str) -> bool:
        """Either this alternative or the baseline had replications in gridlock."""
        return gridlocked(self.cmp, self.base, scenario)

    def kpi(self, scenario: str, column: str) -> pd.Series | None:
        """Per-replication values of a KPI column, totals per year."""
        k = self.cmp.results[scenario].kpis
        if column not in k.columns or k.empty:
            return None
        return S.kpis(self.cmp.results[scenario])[column].astype(float)

    def compare_column(self, scenario: str, column: str) -> dict[str, float] | None:
        if column in METRICS and (scenario, column) in self.diffs.index:
            return self.diff(scenario, column)
        b, o = self.kpi(self.base, column), self.kpi(scenario, column)
        if b is None or o is None:
            return None
        return S.paired(b, o)

    def replications(self) -> dict[str, int]:
        return {n: r.replications for n, r in self.cmp.results.items()}

    def period(self) -> Rich:
        """Every total in the report is per year, whatever the run length (stated on page 1
        and under Run settings)."""
        return ("a year",)


def plain_period(ctx: Ctx) -> str:
    """'a year' or 'over 120 days', as plain text for captions."""
    return "".join(x if isinstance(x, str) else x.text for x in ctx.period())


def join_words(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def fmt_stat(x: float, unit: str, dp: int | None = None, signed: bool = False) -> str:
    if unit == "share":
        return (F.points(x, signed=signed) + " pts") if signed else F.pct(x, 1)
    if unit == "GBP":
        return F.gbp(x, signed=signed)
    return F.number(x, dp, signed=signed)


def comparison_rows(ctx: Ctx, items: list[tuple[str, str, str]]) -> tuple[list[str], list]:
    """Rows of label | each scenario's mean | change (95% CI) per alternative."""
    names = list(ctx.cmp.results)
    cols = ["Measure", *names, *[f"Change, {a} (95% CI)" for a in ctx.alts]]
    rows = []
    for column, label, unit in items:
        stats = {a: ctx.compare_column(a, column) for a in ctx.alts}
        if any(s is None for s in stats.values()):
            continue
        first = next(iter(stats.values()))
        means = {ctx.base: first["baseline_mean"], **{a: s["scenario_mean"]
                                                      for a, s in stats.items()}}
        dp = None if unit == "share" else F.dp_for(list(means.values()))
        row: list[Any] = [label]
        row += [fmt_stat(means[n], unit, dp) for n in names]
        for a in ctx.alts:
            s = stats[a]
            ddp = None if unit == "share" else F.dp_for([s["difference"], s["ci_low"],
                                                          s["ci_high"]])
            change = fmt_stat(s["difference"], unit, ddp, signed=True)
            if F.missing(s["ci_low"]):
                row.append(change)
            else:
                row.append(f"{change} ({fmt_stat(s['ci_low'], unit, ddp, signed=True)} to "
                           f"{fmt_stat(s['ci_high'], unit, ddp, signed=True)})")
        rows.append(row)
    return cols, rows


# ------------------------------------------------------------------------------------------
# Levers, evidence and settings
# ------------------------------------------------------------------------------------------
@dataclass
class Setting:
    path: str
    info: Any
    values: dict[str, Any]

    @property
    def extra(self) -> dict[str, Any]:
        return schema_extra(self.info)

    @property
    def unit(self) -> str:
        return self.extra.get("unit", "")

    @property
    def evidence(self) -> str:
        return self.extra.get("evidence", "")

    @property
    def label(self) -> str:
        parts = self.path.split(".")
        name = parts[-1].replace("_", " ")
        # "places 0 -> 10" says nothing: a capacity's field needs its service.
        if parts[-1] in _NEEDS_SERVICE and len(parts) > 1:
            name = f"{parts[-2].replace('_', ' ')} {name}"
        return name[:1].upper() + name[1:]


_NEEDS_SERVICE = frozenset({"beds", "places", "slots", "staff", "hours_per_week", "calendar"})


def all_settings(ctx: Ctx) -> list[Setting]:
    out = []
    for path, info, _ann in iter_fields():
        if path in ("name", "description", "place"):
            continue
        try:
            values = {n: get_param(p, path) for n, p in ctx.params.items()}
        except AttributeError:  # parameters pickled by an older version of the schema
            continue
        out.append(Setting(path, info, values))
    return out


def differing(ctx: Ctx) -> list[Setting]:
    out = []
    for s in all_settings(ctx):
        vals = list(s.values.values())
        if any(v != vals[0] for v in vals[1:]):
            out.append(s)
    return out


def _stem(path: str) -> tuple[str, str]:
    parent, _, name = path.rpartition(".")
    for suffix in ("_coverage", "_share", "_per_year", "_accuracy"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return parent, name


def in_play(ctx: Ctx, changed: list[Setting]) -> list[Setting]:
    """Settings whose effect depends on a changed lever: key_worker_coverage brings
    key_worker_effect and key_worker_cost_per_person_year into the comparison."""
    changed_paths = {s.path for s in changed}
    stems = {_stem(s.path) for s in changed}
    out = []
    for s in all_settings(ctx):
        if s.path in changed_paths:
            continue
        parent, name = s.path.rpartition(".")[0], s.path.rpartition(".")[2]
        if any(parent == sp and name.startswith(stem + "_") for sp, stem in stems):
            out.append(s)
    return out


def effect_text(e: UncertainEffect) -> str:
    centre = "no effect (0%)" if e.mean == 0 else F.pct(e.mean, 0, signed=True)
    return (f"centred on {centre}, standard deviation {F.pct(e.sd, 0)}, range "
            f"{F.pct(e.low, 0, signed=True)} to {F.pct(e.high, 0, signed=True)}")


def value_text(value: Any, unit: str) -> str:
    if isinstance(value, UncertainEffect):
        return effect_text(value)
    return F.plain_value(value, unit)


def unit_text(s: Setting) -> str:
    if isinstance(next(iter(s.values.values())), UncertainEffect):
        return "relative change, drawn per replication"
    return s.unit


def effect_label(s: Setting) -> str:
    """'Relative change in crisis rate for people with a key worker.' -> 'crisis rate for
    people with a key worker'."""
    text = (s.info.description or s.label).strip().rstrip(".")
    for prefix in ("Relative change in ", "relative change in "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text[:1].lower() + text[1:]


def outside_targets(validation: dict[str, Any]) -> list[str]:
    frame = validation["frame"]
    out = []
    for (_, r), within in zip(frame.iterrows(), validation["within"]):
        if within is False:
            desc = r.get("description")
            out.append(str(desc) if isinstance(desc, str) and desc else str(r["target"]))
    return out


# ------------------------------------------------------------------------------------------
# Validation (calibration status)
# ------------------------------------------------------------------------------------------
def _truthy(v: Any) -> bool | None:
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | float) and not (isinstance(v, float) and math.isnan(v)):
        return bool(v)
    text = str(v).strip().lower()
    if text in ("true", "yes", "y", "1", "within", "pass"):
        return True
    if text in ("false", "no", "n", "0", "outside", "fail"):
        return False
    return None


def read_validation(path: Path) -> dict[str, Any]:
    """The validation report if it exists: rows, count within tolerance, or why not."""
    if not path.is_file():
        return {"status": "absent", "path": path}
    try:
        frame = pd.read_csv(path)
    except Exception as exc:  # written elsewhere: any malformed file is reported, not fatal
        return {"status": "unreadable", "path": path, "reason": f"{type(exc).__name__}: {exc}"}
    missing = [c for c in ("target", "within") if c not in frame.columns]
    if missing or frame.empty:
        reason = f"missing columns {missing}" if missing else "no rows"
        return {"status": "unreadable", "path": path, "reason": reason}
    within = [_truthy(v) for v in frame["within"]]
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return {"status": "present", "path": path, "frame": frame, "within": within,
            "n_within": sum(1 for w in within if w), "n": len(within), "modified": modified}


def rel_path(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def reconstruct_overrides(params: Params) -> list[str] | None:
    """Overrides that turn the named scenario into these parameters, or None if it is not
    a named scenario or cannot be rebuilt that way."""
    from ..config import available_scenarios, load_scenario

    if params.name not in available_scenarios():
        return None
    try:
        named = load_scenario(params.name)
    except Exception:  # a scenario file changed or broke since the run: nothing to rebuild
        return None
    have, want = _flat(named.model_dump(mode="json")), _flat(params.model_dump(mode="json"))
    diffs = {k: v for k, v in want.items() if have.get(k) != v and k not in ("description",)}

    def text(k: str, v: Any) -> str:
        if v is None:
            return f"{k}=null"
        if isinstance(v, bool):
            return f"{k}={'true' if v else 'false'}"
        if isinstance(v, float) and v.is_integer():
            return f"{k}={int(v)}"
        return f"{k}={v}"

    # Blank capacities stay blank in both, so they never show up as a difference.
    ov = [text(k, v) for k, v in diffs.items()]
    try:
        if load_scenario(params.name, overrides=ov) == params:
            return ov
    except Exception:  # an override that no longer validates
        return None
    return None


def _flat(data: dict, prefix: str = "") -> dict[str, Any]:
    out = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _git_dirty() -> bool | None:
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                              "sim", "scenarios"], cwd=REPO, capture_output=True, text=True,
                             timeout=5, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(out.strip())


def run_info(ctx: Ctx) -> dict[str, Any]:
    cmp = ctx.cmp
    meta = ctx.meta
    now = code_version()
    run_code = meta.get("manifest") or {}
    info = {
        "scenarios": list(cmp.results), "baseline": ctx.base, "seed": cmp.seed,
        "replications": ctx.replications(),
        "place": place_text(ctx.bp),
        "population_size": {n: r.params.population.size for n, r in cmp.results.items()},
        "population_simulated": {n: simulated_population(r.params)
                                 for n, r in cmp.results.items()},
        "results_days": {n: r.params.run.days for n, r in cmp.results.items()},
        "warmup_days": {n: warmup_days_used(r.params) for n, r in cmp.results.items()},
        "config_hash": {n: config_hash(r.params) for n, r in cmp.results.items()},
        "runtime_seconds": max((r.runtime_seconds for r in cmp.results.values()), default=0),
        "events": sum(r.events for r in cmp.results.values()),
        "report_code": now,
        "run_code": {k: run_code.get(k) for k in ("package_version", "git_commit", "python")}
        if run_code else None,
        "results_folder": meta.get("folder"),
        "overrides": {n: reconstruct_overrides(r.params) for n, r in cmp.results.items()},
        "built_at": ctx.built_at.isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "dirty": _git_dirty() if not run_code else None,
    }
    ov = list(info["overrides"].values())
    if all(o is not None for o in ov) and all(o == ov[0] for o in ov):
        args = ["python -m sim.report --scenarios", *cmp.results, "--replications",
                str(min(info["replications"].values())), "--seed", str(cmp.seed)]
        if ctx.base != next(iter(cmp.results)):
            args += ["--baseline", ctx.base]
        if ov[0]:
            args += ["--override", *ov[0]]
        info["command"] = " ".join(args)
    else:
        info["command"] = None
    return info


