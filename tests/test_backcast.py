"""Sizes, not only directions: each back-cast at a fixed seed lands in its published range.

A small version of ``python -m experiments.backcast`` (10,000 people on 85 beds, which keep a
place of that size out of gridlock as 130 keep the experiment's 20,000; two replications). A
back-cast passes when the model's mean effect lies in the published range widened by its
tolerance: the half-width of the model's 95% CI in the committed run
(docs/validation/backcast.csv), so the test allows for the noise the experiment itself reports
and nothing more. Back-casts the committed run scores near or outside are expected failures,
with the reason the experiment gives; they start passing (and say so) when the model gets the
mechanism they lack."""

from __future__ import annotations

import math

import pytest

from experiments.backcast import BACKCASTS, effects, near_bounds, score
from sim.stats import t_interval

SMALL = ["population.size=10000", "acute.beds=85", "run.days=365"]
REPLICATIONS = 2
SEED = 7

# Half-width of the model's 95% CI in the committed run, in the back-cast's unit.
TOLERANCE = {
    "bcf_admissions": 0.014,
    "bcf_delayed_days": 0.13,
    # Three replications place the rebound anywhere from -0.3 to 1.9: the check only says the
    # delays come back at all, not by how much.
    "hds_2020_rebound": 0.98,
}
# What the committed run scores anything but inside, and why (experiments/backcast.py).
MISSES = {bc.id: bc.miss_reason for bc in BACKCASTS if bc.id not in TOLERANCE}


@pytest.fixture(scope="module")
def small_effects() -> dict[str, float]:
    cache: dict = {}
    out = {}
    for bc in BACKCASTS:
        eff = effects(bc, SMALL, REPLICATIONS, SEED, cache=cache)
        out[bc.id] = t_interval([v for v in eff if not math.isnan(v)])["mean"]
    return out


def _params():
    for bc in BACKCASTS:
        marks = ([pytest.mark.xfail(strict=False, reason=MISSES[bc.id][:200])]
                 if bc.id in MISSES else [])
        yield pytest.param(bc, id=bc.id, marks=marks)


@pytest.mark.parametrize("bc", list(_params()))
def test_backcast_effect_in_published_range(bc, small_effects):
    value = small_effects[bc.id]
    tol = TOLERANCE.get(bc.id, 0.0)
    assert bc.low - tol <= value <= bc.high + tol, (
        f"{bc.id}: model effect {value:.3f}, published range {bc.low} to {bc.high} "
        f"(tolerance {tol})")


def test_every_backcast_names_its_evidence_and_explains_a_miss():
    import csv
    from pathlib import Path

    rows = csv.DictReader((Path(__file__).resolve().parent.parent / "evidence"
                           / "uk_figures.csv").open(encoding="utf-8"))
    ids = {r["id"] for r in rows}
    for bc in BACKCASTS:
        assert bc.evidence in ids, bc.id
        assert bc.low < bc.high, bc.id
        assert bc.miss_reason, f"{bc.id} has no reason to give if it misses"


def test_near_is_the_range_widened_by_its_half_width():
    assert near_bounds(1.0, 3.0) == (0.0, 4.0)
    assert score(2.0, 1.0, 3.0) == "inside"
    assert score(3.5, 1.0, 3.0) == "near"
    assert score(4.5, 1.0, 3.0) == "outside"
    assert score(float("nan"), 1.0, 3.0) == "not computed"


def test_the_write_up_names_every_miss_with_its_reason(tmp_path):
    import pandas as pd

    from experiments.backcast import chart, markdown

    rows = []
    for i, bc in enumerate(BACKCASTS):
        # Alternate inside and outside so both kinds of row are written.
        value = (bc.low + bc.high) / 2 if i % 2 == 0 else bc.high + 5 * (bc.high - bc.low)
        a, b = near_bounds(bc.low, bc.high)
        rows.append({"id": bc.id, "programme": bc.programme, "measure": bc.measure,
                     "evidence": bc.evidence, "published": bc.published, "low": bc.low,
                     "high": bc.high, "near_low": a, "near_high": b, "unit": bc.unit,
                     "model_mean": value, "ci_low": value, "ci_high": value, "n": 2,
                     "status": score(value, bc.low, bc.high), "scenario": bc.scenario,
                     "overrides": "", "days": bc.days, "setup": bc.setup,
                     "range_note": bc.range_note, "miss_reason": bc.miss_reason})
    table = pd.DataFrame(rows).set_index("id")
    meta = {"replications": 2, "overrides": [], "date": "2026-01-01", "system": "test",
            "seed": 1, "git_commit": "abc", "package_version": "0", "runtime_seconds": 1.0}
    text = markdown(table, meta)
    misses = text.split("## Every miss")[1]
    for i, bc in enumerate(BACKCASTS):
        assert f"`{bc.id}`" in text
        assert (f"`{bc.id}` (outside)" in misses) == (i % 2 == 1), bc.id
    chart(table, tmp_path / "b.png")
    assert (tmp_path / "b.png").stat().st_size > 1000
