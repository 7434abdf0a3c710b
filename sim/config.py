"""Loading scenarios: named Hydra configs or YAML files, plus command-line style overrides.

Every loaded scenario is validated against :class:`sim.params.Params`. Any mistake raises one
:class:`~sim.errors.ConfigError` naming the field, the value and what is allowed.

The Python API merges YAML onto the schema defaults with OmegaConf directly (no Hydra global
state, so it is safe from threads); the command line composes the same files with Hydra. A
test checks that both give the same parameters for every named scenario.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException
from pydantic import BaseModel, ValidationError

from .errors import ConfigError
from .params import Params, iter_fields

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
NAMED_DIR = SCENARIO_DIR / "scenario"
MAX_SCENARIO_FILE_BYTES = 256 * 1024

# Keys that belong to the command line (how to run), not to the model (what to run).
RUN_CONTROL_KEYS = frozenset(
    {"scenario", "scenarios", "replications", "seed", "workers", "executor", "output_dir",
     "baseline", "resume", "hydra"}
)


def available_scenarios() -> list[str]:
    """Names of the named scenarios shipped in ``scenarios/scenario``."""
    return sorted(p.stem for p in NAMED_DIR.glob("*.yaml"))


def scenario_descriptions() -> dict[str, str]:
    """Name -> one-line plain-English description, read from each scenario file."""
    out = {}
    for name in available_scenarios():
        data = _read_yaml(NAMED_DIR / f"{name}.yaml")
        out[name] = str(data.get("description", ""))
    return out


def default_dict() -> dict[str, Any]:
    """The schema defaults as a plain nested dict (the root of every scenario).

    Capacities stay blank (None) here so that they follow ``population.size`` unless a
    scenario or override sets them.
    """
    return Params().model_dump(mode="json")


def load_scenario(
    scenario: str | Path | Params | Mapping[str, Any],
    overrides: Iterable[str] | None = None,
) -> Params:
    """Load a named scenario, a YAML file path, a mapping or a Params, then apply overrides.

    >>> cfg = load_scenario("fragmented", overrides=["population.size=50000", "run.days=365"])
    """
    overrides = list(overrides or [])
    if isinstance(scenario, Params):
        data: Any = scenario.model_dump(mode="json")
        label = scenario.name
    elif isinstance(scenario, Mapping):
        data = dict(scenario)
        label = str(data.get("name", "custom"))
    else:
        path = _resolve(scenario)
        label = str(scenario)
        if path.parent == NAMED_DIR:
            data = _read_named(path.stem)
            data.setdefault("name", path.stem)
        else:
            data = _read_yaml(path)
            data.setdefault("name", _safe_name(path.stem))
    data = {k: v for k, v in data.items() if k not in RUN_CONTROL_KEYS}

    merged = OmegaConf.create(default_dict())
    OmegaConf.set_struct(merged, True)
    try:
        merged = OmegaConf.merge(merged, OmegaConf.create(data))
    except OmegaConfBaseException as exc:
        raise _unknown_key_error(exc, label) from None
    for key, value in parse_overrides(overrides):
        if key in RUN_CONTROL_KEYS:
            continue
        try:
            OmegaConf.update(merged, key, value, merge=True, force_add=False)
        except OmegaConfBaseException as exc:
            raise _unknown_key_error(exc, f"override '{key}={value}'", key=key) from None
        if key not in _leaf_and_block_paths():
            raise _unknown_key_error(None, f"override '{key}'", key=key)
    return validate(OmegaConf.to_container(merged, resolve=True), label=label)


def validate(data: Mapping[str, Any], label: str = "scenario") -> Params:
    """Validate a nested dict into Params, turning pydantic errors into one ConfigError."""
    try:
        return Params.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(err) for err in exc.errors()]
        lines = [f"- {field} = {value!r}: {allowed}" for field, value, allowed in problems]
        raise ConfigError(
            f"Invalid {label}: {len(problems)} problem(s)\n" + "\n".join(lines), problems
        ) from None


def parse_overrides(overrides: Iterable[str]) -> list[tuple[str, Any]]:
    """Parse ``key=value`` strings with Hydra's own grammar, so the API and CLI agree."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    out = []
    for text in overrides:
        try:
            (ov,) = parser.parse_overrides([text])
        except Exception as exc:  # hydra raises its own OverrideParseException
            raise ConfigError(
                f"Cannot read override {text!r}: write it as key=value, for example "
                f"population.size=50000 ({exc})",
                [(text, text, "key=value")],
            ) from None
        if ov.is_delete() or ov.is_add() or ov.is_force_add():
            raise ConfigError(
                f"Override {text!r}: only plain key=value overrides are accepted",
                [(text, text, "key=value")],
            )
        out.append((ov.key_or_group, ov.value()))
    return out


# --------------------------------------------------------------------------------------------
def _resolve(scenario: str | Path) -> Path:
    text = str(scenario)
    if text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        path = Path(text)
        if not path.is_file():
            raise ConfigError(
                f"Scenario file {text!r} does not exist", [("scenario", text, "an existing file")]
            )
        return path
    path = NAMED_DIR / f"{text}.yaml"
    if not path.is_file():
        names = available_scenarios()
        close = difflib.get_close_matches(text, names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"Unknown scenario {text!r}.{hint} Available: {', '.join(names)}",
            [("scenario", text, "one of " + ", ".join(names))],
        )
    return path


def _read_named(name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """A named scenario with the named scenarios its Hydra defaults list builds on."""
    if name in seen:
        raise ConfigError(f"scenario {name!r} includes itself", [("defaults", name, "")])
    path = NAMED_DIR / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    raw = yaml.safe_load(text) or {}
    own = parse_yaml_text(text, str(path))
    entries = raw.get("defaults", ["_self_"]) if isinstance(raw, dict) else ["_self_"]
    if "_self_" not in entries:
        entries = [*entries, "_self_"]
    merged = OmegaConf.create({})
    for entry in entries:
        part = own if entry == "_self_" else _read_named(str(entry), (*seen, name))
        merged = OmegaConf.merge(merged, OmegaConf.create(part))
    return OmegaConf.to_container(merged)  # type: ignore[return-value]


def _read_yaml(path: Path) -> dict[str, Any]:
    size = path.stat().st_size
    if size > MAX_SCENARIO_FILE_BYTES:
        raise ConfigError(
            f"Scenario file {path} is {size} bytes; the limit is {MAX_SCENARIO_FILE_BYTES}",
            [("scenario", str(path), f"at most {MAX_SCENARIO_FILE_BYTES} bytes")],
        )
    return parse_yaml_text(path.read_text(encoding="utf-8"), str(path))


def parse_yaml_text(text: str, label: str = "scenario") -> dict[str, Any]:
    """Parse scenario YAML safely: plain data only, never objects or Hydra instantiation."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{label} is not valid YAML: {exc}",
                          [("scenario", label, "YAML")]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{label} must be a mapping of settings, not {type(data).__name__}",
            [("scenario", label, "a YAML mapping")],
        )
    if _contains_target(data):
        raise ConfigError(
            f"{label} contains '_target_': scenario files may hold settings only",
            [("_target_", "_target_", "not allowed")],
        )
    data.pop("defaults", None)
    return data


def _contains_target(node: Any) -> bool:
    if isinstance(node, dict):
        return "_target_" in node or any(_contains_target(v) for v in node.values())
    if isinstance(node, list):
        return any(_contains_target(v) for v in node)
    return False


def _safe_name(stem: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "_-." else "_" for c in stem).lstrip(".-")
    return (cleaned or "custom")[:64]


_PATHS: set[str] | None = None


def _leaf_and_block_paths() -> set[str]:
    global _PATHS
    if _PATHS is None:
        paths: set[str] = set()

        def walk(model: type[BaseModel], prefix: str) -> None:
            for name, info in model.model_fields.items():
                path = prefix + name
                paths.add(path)
                ann = info.annotation
                if isinstance(ann, type) and issubclass(ann, BaseModel):
                    walk(ann, path + ".")

        walk(Params, "")
        _PATHS = paths
    return _PATHS


def check_override_keys(overrides: Iterable[str]) -> None:
    """Reject unknown keys and scenario names before Hydra sees them (clearer messages)."""
    for text in overrides:
        if text.startswith("-") or "=" not in text:
            continue
        key, value = text.split("=", 1)
        key = key.lstrip("+~")
        if key.startswith("hydra") or key in RUN_CONTROL_KEYS - {"scenario"}:
            continue
        if key == "scenario":
            for name in value.split(","):
                _resolve(name.strip())
        elif key not in _leaf_and_block_paths():
            raise _unknown_key_error(None, f"override '{text}'", key=key)


def _unknown_key_error(exc: Exception | None, where: str, key: str | None = None) -> ConfigError:
    if key is None and exc is not None:
        key = getattr(exc, "full_key", None) or str(exc)
    key = str(key)
    close = difflib.get_close_matches(key, sorted(_leaf_and_block_paths()), n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ConfigError(
        f"Unknown setting {key!r} in {where}.{hint} See docs/parameters.md for every setting.",
        [(key, None, "a setting of the schema" + (f", e.g. {close[0]}" if close else ""))],
    )


def field_info(path: str):
    """FieldInfo of a dotted parameter path, or None."""
    for name, info, _ in iter_fields():
        if name == path:
            return info
    return None


def _describe(err: dict[str, Any]) -> tuple[str, Any, str]:
    field = ".".join(str(p) for p in err.get("loc", ())) or "scenario"
    value = err.get("input")
    info = field_info(field)
    allowed = err.get("msg", "invalid")
    if info is not None:
        lo = hi = None
        for meta in info.metadata:
            lo = getattr(meta, "ge", lo)
            hi = getattr(meta, "le", hi)
        unit = (info.json_schema_extra or {}).get("unit", "")  # type: ignore[union-attr]
        if lo is not None or hi is not None:
            rng = f"between {_num(lo)} and {_num(hi)}" if lo is not None and hi is not None \
                else (f"at least {_num(lo)}" if lo is not None else f"at most {_num(hi)}")
            allowed = f"must be {rng} ({unit})"
            if err.get("type", "").startswith(("int_", "float_", "bool_")) and "parsing" in err["type"]:
                allowed = f"must be a number {rng} ({unit})"
    if isinstance(value, dict):
        value = "{...}"
    return field, value, allowed


def _num(x: float | None) -> str:
    if x is None:
        return "?"
    if float(x).is_integer() and math.isfinite(x):
        return f"{int(x):,}"
    return f"{x:g}"
