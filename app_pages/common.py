"""What the pages share: scenarios and their settings, cached runs, scenario files.

Widget values live in ``st.session_state`` under prefixed keys (``p|<scenario>|<path>`` for
a scenario's parameters, ``c|...`` for the run settings, ``cal|<scenario>|<path>`` for the
tables of a capacity calendar as the planner typed them). :func:`keep_widget_state` keeps
them when the user moves to another page, so a planner's changes survive page switches.
"""

from __future__ import annotations

import copy
import json
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st
import yaml

import sim
from app_pages import calendars, widgets
from sim import config as simconfig
from sim.params import CAPACITY_PER_50K, iter_fields

ROOT = simconfig.SCENARIO_DIR.parent
# Two worker processes: the machine this is sized for has two cores, and more processes than
# cores only adds start-up time.
WORKERS = max(1, min(2, os.cpu_count() or 1))
MAX_UPLOAD_BYTES = simconfig.MAX_SCENARIO_FILE_BYTES
PERSISTENT_PREFIXES = ("p|", "c|", "x|", "sel|", "adv|")

DEFAULT_BASELINE = "fragmented"
DEFAULT_ALTERNATIVES = ("integrated",)
# Shown first in the scenario lists.
_FIRST = ("fragmented", "integrated")
# The verification queue checks the engine against Erlang's formulas (python -m sim
# scenario=mmc); it describes no care system, so planners are not offered it.
HIDDEN = ("mmc",)

COMMON_DEFAULTS: dict[str, Any] = {
    "c|population": 50_000,
    "c|years": 1.0,
    "c|replications": 10,
    "c|warmup": 120,
    "c|seed": 2026,
}
CAPACITY_PATHS = tuple(f"{b}.{f}" for b, f, _, _ in CAPACITY_PER_50K)


def compact_layout() -> None:
    """Less empty space above the page title, so a run's headline cards fit on a laptop
    screen (1280x720) below the Run button."""
    st.markdown("<style>[data-testid='stMainBlockContainer']{padding-top:3.5rem;}"
                "h1{padding-top:0.25rem !important;font-size:2.2rem !important;}</style>", unsafe_allow_html=True)


def keep_widget_state() -> None:
    """Stop Streamlit discarding the values of widgets that are not on the current page.

    Re-assigning a widget's value to its own key before any widget is drawn turns it into
    ordinary session state, which Streamlit keeps across page switches.
    """
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(PERSISTENT_PREFIXES):
            st.session_state[key] = st.session_state[key]


# --------------------------------------------------------------------------------------------
# Nested dict helpers
# --------------------------------------------------------------------------------------------
def value_at(data: dict, path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        node = node[part]
    return node


def set_at(data: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------
def custom_scenarios() -> dict[str, dict[str, Any]]:
    """Scenarios loaded from files in this session: name -> {"data", "description"}."""
    return st.session_state.setdefault("custom_scenarios", {})


@st.cache_data(show_spinner=False)
def _named_descriptions() -> dict[str, str]:
    return sim.scenario_descriptions()


def scenario_names() -> list[str]:
    named = list(_named_descriptions())
    order = ([n for n in _FIRST if n in named]
             + [n for n in named if n not in _FIRST and n not in HIDDEN])
    return order + [n for n in custom_scenarios() if n not in order]


def description(name: str) -> str:
    custom = custom_scenarios().get(name)
    if custom is not None:
        return custom["description"]
    return _named_descriptions().get(name, "")


@st.cache_data(show_spinner=False)
def _named_base(name: str) -> tuple[dict[str, Any], frozenset[str]]:
    params = sim.load_scenario(name)
    return params.model_dump(mode="json"), params.blank_capacities()


@st.cache_data(show_spinner=False)
def _custom_base(raw_json: str) -> tuple[dict[str, Any], frozenset[str]]:
    params = sim.load_scenario(json.loads(raw_json))
    return params.model_dump(mode="json"), params.blank_capacities()


def blank_defaults(name: str, population: int) -> dict[str, float]:
    """What each capacity of this scenario would be if left empty, at this population, the
    scenario's other settings as they are: its discharge-to-assess share sizes bridging and
    interim beds, which come out of home care and care homes (``Params.resolved``)."""
    data, _ = base(name)
    data["population"]["size"] = population
    return _blank_defaults(json.dumps(data, sort_keys=True))


CAPACITY_PATHS = tuple(f"{block}.{field}" for block, field, _, _ in CAPACITY_PER_50K)


@st.cache_data(show_spinner=False)
def _blank_defaults(raw_json: str) -> dict[str, float]:
    data = json.loads(raw_json)
    out = {}
    for path in CAPACITY_PATHS:
        block, field = path.split(".")
        trial = copy.deepcopy(data)
        trial[block][field] = None
        out[path] = getattr(getattr(sim.Params.model_validate(trial).resolved(), block), field)
    return out


def base(name: str) -> tuple[dict[str, Any], frozenset[str]]:
    """A scenario's own settings (capacities that follow the population left empty) and the
    set of those capacities."""
    custom = custom_scenarios().get(name)
    if custom is not None:
        data, blank = _custom_base(json.dumps(custom["data"], sort_keys=True))
    else:
        data, blank = _named_base(name)
    return copy.deepcopy(data), blank


def wkey(name: str, path: str) -> str:
    return f"p|{name}|{path}"


def advanced_key(name: str) -> str:
    return f"adv|{name}"


def init_scenario_widgets(name: str) -> None:
    """Give each of the scenario's widgets its starting value, once."""
    data, _ = base(name)
    for spec in widgets.specs():
        key = wkey(name, spec.path)
        if key not in st.session_state:
            st.session_state[key] = spec.to_widget(value_at(data, spec.path))
    st.session_state.setdefault(advanced_key(name), "")


def following_population(name: str) -> frozenset[str]:
    """Capacities of the scenario whose field is empty: they follow the population size."""
    data, blank = base(name)
    return frozenset(p for p in CAPACITY_PATHS
                     if st.session_state.get(wkey(name, p), None if p in blank else 0) is None)


def reset_scenario(name: str) -> None:
    for key in [k for k in st.session_state.keys()
                if isinstance(k, str) and (k.startswith((f"p|{name}|", f"cal|{name}|"))
                                           or k == advanced_key(name))]:
        del st.session_state[key]


# --------------------------------------------------------------------------------------------
# Capacity calendars (acute and escalation beds): tables of dates, edited on the Compare page
# --------------------------------------------------------------------------------------------
def calendar_key(name: str, path: str) -> str:
    return f"cal|{name}|{path}"


def init_calendars(name: str) -> None:
    """Fill the scenario's calendar tables from its own settings, once. Kept as typed (a
    row that cannot be used stays on screen with its message) under ``cal|`` keys, which
    are plain session state and so survive page switches."""
    data, _ = base(name)
    for path in calendars.BLOCKS:
        key = calendar_key(name, path)
        if key not in st.session_state:
            rows, once = calendars.to_table(value_at(data, path))
            st.session_state[key] = {"rows": rows, "once": once}


def apply_calendars(data: dict, name: str) -> None:
    """Put the scenario's calendar tables into ``data``; raises sim.ConfigError naming the
    row and column of a row that cannot be used."""
    for path, block in calendars.BLOCKS.items():
        table = st.session_state.get(calendar_key(name, path))
        if table is not None:
            set_at(data, path, calendars.from_table(block, table["rows"], table["once"]))


# --------------------------------------------------------------------------------------------
# Run settings
# --------------------------------------------------------------------------------------------
def init_common() -> None:
    for key, value in COMMON_DEFAULTS.items():
        st.session_state.setdefault(key, value)


@dataclass(frozen=True)
class RunSettings:
    population: int
    years: float
    warmup_days: int
    seed: int
    replications: int

    @property
    def days(self) -> int:
        return max(1, round(self.years * 365))


def run_settings() -> RunSettings:
    init_common()
    s = st.session_state
    return RunSettings(population=int(s["c|population"]), years=float(s["c|years"]),
                       warmup_days=int(s["c|warmup"]), seed=int(s["c|seed"]),
                       replications=int(s["c|replications"]))


def advanced_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines()
            if line.strip() and not line.strip().startswith("#")]


def build_params(name: str, settings: RunSettings) -> sim.Params:
    """The scenario as the planner has set it up; raises sim.ConfigError if it is invalid."""
    data, _ = base(name)
    for spec in widgets.specs():
        key = wkey(name, spec.path)
        if key in st.session_state:
            set_at(data, spec.path,
                   spec.from_widget(st.session_state[key], value_at(data, spec.path)))
    apply_calendars(data, name)
    data["population"]["size"] = settings.population
    data["run"]["days"] = settings.days
    data["run"]["warmup_days"] = settings.warmup_days
    # The planner's name (spaces, "+20 ...") labels the results; the model's own name must
    # be safe as a folder name.
    data["name"] = safe_name(name)
    overrides = advanced_lines(st.session_state.get(advanced_key(name), ""))
    return sim.load_scenario(data, overrides=overrides)


def start_params(name: str) -> tuple[sim.Params, RunSettings]:
    """The scenario a page starts from, with today's run settings; a scenario the model
    cannot use stops the page with the reason, pointing to the Compare page."""
    settings = run_settings()
    init_scenario_widgets(name)
    try:
        return build_params(name, settings), settings
    except sim.ConfigError as exc:
        st.error(f"The scenario **{name}** has settings the model cannot use. Fix them on the "
                 f"Compare page first.\n\n```\n{exc}\n```", icon=":material/error:")
        st.stop()
        raise  # st.stop() ends the script run; this line is never reached


def differences_between(first: sim.Params, second: sim.Params) -> list[tuple[str, Any, Any]]:
    """(parameter, first value, second value) for every parameter where they differ."""
    a, b = first.model_dump(mode="json"), second.model_dump(mode="json")
    out = []
    for path, _, _ in iter_fields():
        if path in ("name", "description"):
            continue
        va, vb = value_at(a, path), value_at(b, path)
        if va != vb:
            out.append((path, va, vb))
    return out


def show_value(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, dict) and "mean" in value:
        return f"{value['mean'] * 100:+.0f}% (uncertain)"
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def scenarios_json(params: dict[str, sim.Params]) -> str:
    """The exact configuration of a comparison: the cache key of its results."""
    return json.dumps({name: p.model_dump(mode="json") for name, p in params.items()})


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------
def _warm(workers: int) -> None:
    try:
        from sim.executors import warm_up

        warm_up(workers)
    except Exception:  # only a head start: a failure here just means a slower first run
        pass


@st.cache_resource(show_spinner=False)
def _warm_up_thread(workers: int) -> threading.Thread:
    thread = threading.Thread(target=_warm, args=(workers,), daemon=True,
                              name="caresim-worker-warm-up")
    thread.start()
    return thread


def warm_up_workers() -> None:
    """Start the worker processes and import the model in them while the planner is still
    choosing scenarios. Starting them takes seconds, and the runs reuse them (sim.executors
    keeps its process pool alive between calls)."""
    if WORKERS > 1:
        _warm_up_thread(WORKERS)


def _wait_for_warm_up(timeout: float = 60.0) -> None:
    if WORKERS > 1:
        _warm_up_thread(WORKERS).join(timeout)


def describe_error(exc: BaseException) -> str:
    """A message for a planner: what went wrong, without a traceback."""
    if isinstance(exc, sim.ConfigError):
        return str(exc)
    if isinstance(exc, sim.ReplicationError):
        return (f"The simulation failed in scenario '{exc.scenario}' (replication "
                f"{exc.replication}, seed {exc.seed}). {exc}")
    return f"The run stopped with an error: {type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------------------------
# Scenario files
# --------------------------------------------------------------------------------------------
class UploadProblem(Exception):
    """A scenario file that cannot be used; the message says why, in plain words."""


def safe_name(stem: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", stem).lstrip(".-")
    return (cleaned or "my_scenario")[:60]


def read_scenario_upload(filename: str, content: bytes, taken: Iterable[str] = ()
                         ) -> tuple[str, dict[str, Any], str]:
    """Check an uploaded scenario file with sim.config and return (name, settings,
    description). Raises :class:`UploadProblem` with a readable message, never anything
    else."""
    size = len(content)
    if size > MAX_UPLOAD_BYTES:
        raise UploadProblem(f"'{filename}' is {size / 1024:,.0f} KB; a scenario file can be "
                            f"at most {MAX_UPLOAD_BYTES // 1024} KB.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadProblem(f"'{filename}' is not a text file. Save the scenario as YAML "
                            "(a .yaml text file) and try again.") from None
    try:
        raw = simconfig.parse_yaml_text(text, f"'{filename}'")
        # The planner names the file; the name inside is often the scenario it was saved
        # from, which two files share.
        stem = filename.rsplit(".", 1)[0].strip()
        name = unique_name(stem or str(raw.get("name") or "my scenario"), taken)
        raw["name"] = safe_name(name)
        params = sim.load_scenario(raw)
    except sim.ConfigError as exc:
        raise UploadProblem(str(exc)) from None
    except Exception as exc:  # any other surprise still becomes a message, not a traceback
        raise UploadProblem(f"'{filename}' could not be read as a scenario "
                            f"({type(exc).__name__}: {exc}).") from None
    desc = params.description or f"Loaded from {filename}."
    return name, json.loads(json.dumps(raw, default=str)), desc


def unique_name(wanted: str, taken: Iterable[str]) -> str:
    """``wanted``, or ``wanted (2)``, ``(3)``... if a scenario already has that name."""
    taken = set(taken)
    wanted = " ".join(str(wanted).split())[:60] or "my scenario"
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted} ({n})" in taken:
        n += 1
    return f"{wanted} ({n})"


# --------------------------------------------------------------------------------------------
# Variants: the baseline with a few changes
# --------------------------------------------------------------------------------------------
def variants() -> dict[str, dict[str, Any]]:
    """Variants made in this session: name -> {"changes": {capacity path: amount added},
    "other": lines of block.name=value, "calendars": {calendar path: model rows}, which
    replace the baseline's}. A variant is always the current baseline, as set
    up on the page, with its changes applied."""
    return st.session_state.setdefault("variants", {})


def variant_name(changes: dict[str, float], other: list[str],
                 calendar_changes: dict[str, list] | None = None) -> str:
    """A name as a planner would write it: "+20 reablement places"."""
    parts = [f"{amount:+,.0f} {widgets.spec(path).label.lower()}"
             for path, amount in changes.items() if amount]
    parts += [_calendar_words(path, rows) for path, rows in (calendar_changes or {}).items()]
    parts += other
    return ", ".join(parts) or "baseline again"


def describe_variant(name: str, baseline: str) -> str:
    v = variants()[name]
    parts = [f"{widgets.spec(p).label.lower()} {a:+,.0f}" for p, a in v["changes"].items() if a]
    parts += [_calendar_words(p, rows) for p, rows in v.get("calendars", {}).items()]
    parts += advanced_lines(v.get("other", ""))
    return f"The baseline ({baseline}) with " + ("; ".join(parts) or "no changes") + "."


def build_variant(name: str, baseline: str, settings: RunSettings) -> sim.Params:
    """The baseline as set up, with the variant's changes; raises sim.ConfigError."""
    v = variants()[name]
    base_params = build_params(baseline, settings)
    data = base_params.model_dump(mode="json")
    # A capacity left blank follows the population: the change is added to the capacity the
    # run would fill it with, and the variant keeps that number.
    resolved = base_params.resolved().model_dump(mode="json")
    for path, amount in v["changes"].items():
        if not amount:
            continue
        current = value_at(resolved, path)
        new = current + amount
        if new < 0:
            label = widgets.spec(path).label
            raise sim.ConfigError(
                f"{path} = {new:,.0f}: the variant '{name}' takes {abs(amount):,.0f} from "
                f"{label.lower()} ({current:,.0f} in the baseline); the result must be 0 or "
                "more", [(path, new, ">= 0")])
        set_at(data, path, int(round(new)) if widgets.CAPACITIES[path][1] else float(new))
    for path, rows in v.get("calendars", {}).items():
        set_at(data, path, rows)
    data["name"] = safe_name(name)
    data["description"] = describe_variant(name, baseline)
    return sim.load_scenario(data, overrides=advanced_lines(v.get("other", "")))


def _calendar_words(path: str, rows: list) -> str:
    block = calendars.BLOCKS[path]
    return f"{block.title.lower()} {calendars.describe(block, rows)}"


def _strip_defaults(data: Any, defaults: Any) -> Any:
    if isinstance(data, dict) and isinstance(defaults, dict):
        out = {}
        for key, value in data.items():
            if key not in defaults:
                out[key] = value
                continue
            diff = _strip_defaults(value, defaults[key])
            if diff is not _SAME:
                out[key] = diff
        return out or _SAME
    return _SAME if data == defaults else data


_SAME = object()


def scenario_yaml(params: sim.Params, blank: Iterable[str] = ()) -> str:
    """A scenario file holding only what differs from the model's defaults.

    Capacities in ``blank`` are left out so they keep following the population size.
    ``sim.load_scenario(path)`` and the app's "Load" both read it back.
    """
    data = params.model_dump(mode="json")
    for path in blank:
        set_at(data, path, None)
    diff = _strip_defaults(data, simconfig.default_dict())
    diff = {} if diff is _SAME else diff
    body = {"name": params.name, "description": params.description}
    body.update({k: v for k, v in diff.items() if k not in ("name", "description")})
    header = (f"# Scenario '{params.name}', saved from the caresim app on "
              f"{date.today().isoformat()}.\n# Only settings that differ from the model's "
              "defaults are listed (see docs/parameters.md).\n")
    return header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
