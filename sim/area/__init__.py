"""A local area: the planner's own system from a documented workbook (or YAML).

    python -m sim.area template my_area.xlsx       # documented template, pre-filled
    python -m sim.area fit my_area.xlsx --out my_area_fitted.xlsx

    >>> cfg = sim.load_area("my_area.xlsx", overrides=["run.days=365"])
    >>> cfg = sim.load_scenario("integrated", area="my_area.xlsx")

The template is pre-filled with the example area (``example_area.yaml``: 100,000 people aged
65+ built from national figures), so it loads and runs as written. See docs/area.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..params import Params
from .convert import scenario_on_area as _merge
from .convert import to_scenario
from .files import Area, area_yaml, read_area, write_workbook

EXAMPLE = Path(__file__).resolve().parent / "example_area.yaml"


def as_area(area: str | Path | Area) -> Area:
    return area if isinstance(area, Area) else read_area(area)


def area_settings(area: str | Path | Area) -> dict[str, Any]:
    """The scenario settings of an area (before the schema's defaults are filled in)."""
    return to_scenario(as_area(area).data)[0]


def mapping_notes(area: str | Path | Area) -> list[str]:
    """What the conversion from planning units to model settings did, in words."""
    return to_scenario(as_area(area).data)[1]


def load_area(area: str | Path | Area, overrides: Iterable[str] | None = None) -> Params:
    """The configuration of an area file, with ``key=value`` overrides as in load_scenario."""
    from ..config import load_scenario

    return load_scenario(area_settings(area), overrides=overrides)


def scenario_on_area(area: str | Path | Area, scenario: dict[str, Any]) -> dict[str, Any]:
    """A scenario's settings applied on top of an area's (see :mod:`sim.area.convert`)."""
    return _merge(area_settings(area), scenario)


def write_template(path: str | Path, source: str | Path | Area = EXAMPLE) -> Path:
    """Write the documented template (.xlsx or .yaml) pre-filled with ``source``."""
    path = Path(path)
    area = as_area(source)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        write_workbook(area.data, path)
    elif suffix in (".yaml", ".yml"):
        header = ("# Local area file for caresim (the same content as the Excel template).\n"
                  "# Every setting's unit, allowed range and note: docs/area.md or the "
                  "workbook.\n")
        path.write_text(area_yaml(area.data, header), encoding="utf-8")
    else:
        from ..errors import ConfigError

        raise ConfigError(f"Template {path.name!r} must end in .xlsx or .yaml",
                          [("path", str(path), ".xlsx or .yaml")])
    return path


__all__ = ["Area", "EXAMPLE", "area_settings", "as_area", "load_area", "mapping_notes",
           "read_area", "scenario_on_area", "write_template"]
