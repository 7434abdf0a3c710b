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
     "baseline", "resume", "hydra", "area"}
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
    area: str | Path | None = None,
) -> Params:
    """Load a named scenario, a YAML file path, a mapping or a Params, then apply overrides.
    With ``area`` (a local area file, see :mod:`sim.area`) the scenario applies to that area.

    >>> cfg = load_scenario("fragmented", overrides=["population.size=50000", "run.days=365"])
    >>> cfg = load_scenario("integrated", area="my_area.xlsx")
    """
    overrides = list(overrides or [])
    if isinstance(scenario, Params):
        data: Any = scenario.model_dump(mode="json")
        label = scenario.name
    elif isinstance(scenario, Mapping):
        label = str(scenario.get("name", "custom"))
        refuse_interpolation(dict(scenario), f"scenario {label!r}")
        data = _with_defaults(dict(scenario), f"scenario {label!r}", ())
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
    refuse_interpolation(data, f"scenario {label!r}")
    if area is not None:
        from .area import scenario_on_area

        data, label = scenario_on_area(area, data), f"{label} on area {Path(area).name}"

    merged = OmegaConf.create(default_dict())
    OmegaConf.set_struct(merged, True)
    try:
        merged = OmegaConf.merge(merged, OmegaConf.create(data))
    except OmegaConfBaseException as exc:
        raise _unknown_key_error(exc, label) from None
    for key, value in parse_overrides(overrides):
        if key in RUN_CONTROL_KEYS:
            continue
        refuse_interpolation(value, f"override '{key}'", key)
        try:
            OmegaConf.update(merged, key, value, merge=True, force_add=False)
        except OmegaConfBaseException as exc:
            raise _unknown_key_error(exc, f"override '{key}={value}'", key=key) from None
        if key not in _leaf_and_block_paths():
            raise _unknown_key_error(None, f"override '{key}'", key=key)
    return validate(OmegaConf.to_container(merged, resolve=False), label=label)


def validate(data: Mapping[str, Any], label: str = "scenario") -> Params:
    """Validate a nested dict into Params, turning pydantic errors into one ConfigError.

    ``census`` may name a YAML file of the census (``census=today.yaml`` on the command
    line): the file's fields become the census block."""
    census = data.get("census") if isinstance(data, Mapping) else None
    if isinstance(census, str | Path):
        from .census import read_census_file

        data = {**data, "census": read_census_file(census)}
        label = f"{label} with census file {str(census)!r}"
    try:
        return Params.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(err) for err in exc.errors()]
        lines = [f"- {field}: {allowed}" if value == "{...}" else f"- {field} = {value!r}: {allowed}"
                 for field, value, allowed in problems]
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
    path = NAMED_DIR / f"{name}.yaml"
    return _with_defaults(_parse_raw(path.read_text(encoding="utf-8"), str(path)),
                          str(path), (*seen, name))


def _read_yaml(path: Path) -> dict[str, Any]:
    size = path.stat().st_size
    if size > MAX_SCENARIO_FILE_BYTES:
        raise ConfigError(
            f"Scenario file {path} is {size} bytes; the limit is {MAX_SCENARIO_FILE_BYTES}",
            [("scenario", str(path), f"at most {MAX_SCENARIO_FILE_BYTES} bytes")],
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"Scenario file {path} is not UTF-8 text (byte {exc.start}): save it as a "
            "UTF-8 .yaml file", [("scenario", str(path), "UTF-8 text")]) from None
    return parse_yaml_text(text, str(path))


def parse_yaml_text(text: str, label: str = "scenario") -> dict[str, Any]:
    """Parse scenario YAML safely: plain data only, never objects, interpolations or Hydra
    instantiation. A ``defaults`` list may name shipped scenarios to build on."""
    return _with_defaults(_parse_raw(text, label), label, ())


def _with_defaults(raw: dict[str, Any], label: str, seen: tuple[str, ...]) -> dict[str, Any]:
    """Merge the named scenarios of ``raw``'s ``defaults`` list under (or over) its own
    settings, in list order, as Hydra does: ``defaults: [integrated]`` builds on integrated."""
    entries = raw.pop("defaults", None)
    if entries is None:
        return raw
    if not isinstance(entries, list):
        entries = [entries]
    names = available_scenarios()
    if "_self_" not in entries:
        entries = [*entries, "_self_"]
    merged = OmegaConf.create({})
    for entry in entries:
        if entry == "_self_":
            part = raw
        elif isinstance(entry, str) and entry in names:
            if entry in seen:
                raise ConfigError(f"{label}: scenario {entry!r} includes itself",
                                  [("defaults", entry, "no cycles")])
            part = _read_named(entry, seen)
        else:
            raise ConfigError(
                f"{label}: defaults entry {entry!r} is not a shipped scenario; a defaults "
                f"list may name {', '.join(names)} or _self_",
                [("defaults", entry, "one of " + ", ".join(names))])
        merged = OmegaConf.merge(merged, OmegaConf.create(part))
    return OmegaConf.to_container(merged, resolve=False)  # type: ignore[return-value]


class _SafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses duplicate keys and bounds aliases and nesting (an alias
    bomb of a few hundred bytes otherwise expands to gigabytes downstream)."""

    def __init__(self, stream: str, label: str):
        super().__init__(stream)
        self.label = label
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        from .limits import MAX_YAML_ALIASES, MAX_YAML_DEPTH

        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                raise ConfigError(
                    f"{self.label} reuses YAML anchors more than {MAX_YAML_ALIASES} times "
                    "(write the values out instead)",
                    [("scenario", self.label, f"at most {MAX_YAML_ALIASES} aliases")])
        self.depth += 1
        if self.depth > MAX_YAML_DEPTH:
            mark = self.peek_event().start_mark
            raise ConfigError(
                f"{self.label} is nested more than {MAX_YAML_DEPTH} levels deep (line "
                f"{mark.line + 1}); a scenario needs three",
                [("scenario", self.label, f"at most {MAX_YAML_DEPTH} levels")])
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node, deep=False):  # noqa: ANN001
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, list | dict):
                continue  # unhashable: SafeLoader itself reports it
            if key in seen:
                raise ConfigError(
                    f"{self.label}: key {key!r} appears twice (lines {seen[key] + 1} and "
                    f"{key_node.start_mark.line + 1}); keep one",
                    [(str(key), key, "each key once")])
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _parse_raw(text: str, label: str) -> dict[str, Any]:
    from .limits import MAX_YAML_NODES

    loader = _SafeLoader(text, label)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise ConfigError(f"{label} is not valid YAML: {' '.join(str(exc).split())}",
                          [("scenario", label, "YAML")]) from None
    except RecursionError:
        raise ConfigError(f"{label} is nested too deeply", [("scenario", label, "YAML")]) from None
    finally:
        loader.dispose()
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{label} must be a mapping of settings, not {type(data).__name__}",
            [("scenario", label, "a YAML mapping")],
        )
    if _count_nodes(data, MAX_YAML_NODES) > MAX_YAML_NODES:
        raise ConfigError(f"{label} expands to more than {MAX_YAML_NODES:,} values",
                          [("scenario", label, f"at most {MAX_YAML_NODES:,} values")])
    if _contains_target(data):
        raise ConfigError(
            f"{label} contains '_target_': scenario files may hold settings only",
            [("_target_", "_target_", "not allowed")],
        )
    refuse_interpolation(data, label)
    return data


def _count_nodes(node: Any, limit: int) -> int:
    """Values in the expanded tree (aliases counted each time), stopping past ``limit``."""
    count = 0
    stack = [node]
    while stack and count <= limit:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
            count += len(item)
        elif isinstance(item, list):
            stack.extend(item)
    return count


def refuse_interpolation(node: Any, label: str, path: str = "") -> None:
    """Refuse ``${...}`` anywhere in user input: OmegaConf would resolve it, and resolvers
    such as ``oc.env`` read the machine's environment."""
    if isinstance(node, dict):
        for key, value in node.items():
            refuse_interpolation(value, label, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list | tuple):
        for i, value in enumerate(node):
            refuse_interpolation(value, label, f"{path}[{i}]")
    elif isinstance(node, str) and "${" in node:
        field = path or "value"
        raise ConfigError(
            f"{label}: {field} = {node!r} contains '${{': interpolations and resolvers "
            "(${...}) are not allowed in scenarios or overrides; write the value itself",
            [(field, node, "plain text or numbers, without ${...}")])


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
        if "${" in text:
            key = text.split("=", 1)[0] if "=" in text else "override"
            refuse_interpolation(text.split("=", 1)[-1], f"override '{key}'", key.lstrip("+~"))
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
    allowed = err.get("msg", "invalid").removeprefix("Value error, ")
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
            if isinstance(value, bool):
                allowed = f"must be a number {rng} ({unit}), not true or false"
            elif err.get("type", "").startswith(("int_", "float_", "bool_")) and "parsing" in err["type"]:
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
