"""The documentation is generated from the code and must not drift from it."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from sim.docs import DOC, render
from sim.params import iter_fields

ROOT = Path(__file__).resolve().parent.parent


def test_parameter_reference_is_current():
    assert DOC.read_text(encoding="utf-8") == render(), "run: python -m sim.docs"


def test_every_parameter_has_unit_source_and_evidence_grade():
    for path, info, _ in iter_fields():
        if path in ("name", "description"):
            continue
        extra = info.json_schema_extra or {}
        assert extra.get("unit"), f"{path} has no unit"
        assert extra.get("source"), f"{path} has no source"
        assert extra.get("evidence") in ("strong", "moderate", "weak"), path
        assert info.description, f"{path} has no description"


def test_cited_evidence_ids_exist():
    ids = {row["id"] for row in csv.DictReader(open(ROOT / "evidence" / "uk_figures.csv"))}
    cited = set()
    for _, info, _ in iter_fields():
        source = str((info.json_schema_extra or {}).get("source", ""))
        if "uk_figures.csv" in source:
            cited.update(re.findall(r"\b([a-z0-9]+(?:_[a-z0-9]+)+)\b", source))
    missing = {c for c in cited if c not in ids and not c.startswith("uk_figures")}
    assert not missing, f"sources cite ids not in evidence/uk_figures.csv: {missing}"
