"""Replications streamed one by one give exactly what sim.compare gives, none run twice."""

from __future__ import annotations

import sim
from sim.runner import comparison_from_outputs, iter_replications


def _params():
    over = ["population.size=2000", "run.days=60", "run.warmup_days=20"]
    return {n: sim.load_scenario(n, over) for n in ("fragmented", "integrated")}


def test_streamed_replications_equal_compare_and_arrive_round_by_round():
    params = _params()
    whole = sim.compare(params, replications=3, seed=7)
    seen = []
    outputs: dict[str, list] = {n: [] for n in params}
    for name, out in iter_replications(params, 3, seed=7):
        seen.append((name, out.replication))
        outputs[name].append(out)
    # Queued replication by replication: index 0 of both scenarios before any index 1.
    assert [r for _, r in seen] == [0, 0, 1, 1, 2, 2]
    assert len(set(seen)) == 6
    streamed = comparison_from_outputs(params, 7, outputs, baseline="fragmented")
    for name in params:
        a = whole.results[name].kpis.sort_values("replication").reset_index(drop=True)
        b = streamed.results[name].kpis.sort_values("replication").reset_index(drop=True)
        assert a.equals(b), name


def test_skip_runs_only_what_is_missing_and_partial_comparisons_stay_paired():
    params = _params()
    first = {n: [] for n in params}
    for name, out in iter_replications(params, [0], seed=7):
        first[name].append(out)
    rest = list(iter_replications(params, 2, seed=7,
                                  skip={(n, 0) for n in params} | {("fragmented", 1)}))
    assert [(n, o.replication) for n, o in rest] == [("integrated", 1)]
    outputs = {n: list(first[n]) for n in params}
    outputs["integrated"] += [o for _, o in rest]
    partial = comparison_from_outputs(params, 7, outputs)
    # Replication 1 finished only in one scenario: it is left out until its pair arrives.
    assert all(r.replications == 1 for r in partial.results.values())
