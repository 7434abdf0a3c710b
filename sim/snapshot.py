"""The planning columns of the daily census: what a planner counts month by month.

Kept apart from the engine so the engine's daily record gains one line, not a block: the
monthly planning readout (:mod:`sim.readout.planning`) reads these columns.

Counts that happen during a day (admissions, pathway decisions) are recorded as running
totals since the start of the results period; a day's count is the difference of two rows,
so nothing is counted twice and nothing per event is added to the hot path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Model

# Running totals (recorder counts, results period only) copied into each daily row.
CUMULATIVE = (
    ("emergency_admissions", "cum_emergency_admissions"),
    ("pathway_P0", "cum_pathway_P0"),
    ("pathway_P1", "cum_pathway_P1"),
    ("pathway_P2", "cum_pathway_P2"),
    ("pathway_P3", "cum_pathway_P3"),
    ("pathway_P3_back", "cum_pathway_P3_back"),
)

# What a person medically fit in an acute bed is waiting for (the open delay clock's reason),
# grouped the way the NHS discharge return groups patients ready to leave.
READY_TO_LEAVE = {
    "awaiting assessment": "ready_to_leave_assessment",
    "funding decision": "ready_to_leave_assessment",
    "reablement / home care": "ready_to_leave_P1",
    "intermediate care": "ready_to_leave_P2",
    "care home": "ready_to_leave_P3",
}
READY_COLUMNS = ("ready_to_leave_assessment", "ready_to_leave_P1", "ready_to_leave_P2",
                 "ready_to_leave_P3", "ready_to_leave_other")


def planning_row(m: Model) -> dict[str, float]:
    """Planning columns for today's daily row: running counts, who waits for what, queues."""
    counts = m.rec.counts
    row = {column: float(counts.get(name, 0.0)) for name, column in CUMULATIVE}
    ready = dict.fromkeys(READY_COLUMNS, 0.0)
    for clock in m.open_delay_clocks:
        ready[READY_TO_LEAVE.get(clock.reason, "ready_to_leave_other")] += 1.0
    row.update(ready)
    row["reablement_queue"] = float(len(m.reablement.slots.waiting))
    row["intermediate_care_queue"] = float(len(m.intermediate_care.beds.waiting))
    row["care_home_queue"] = float(len(m.care_home.residential.waiting)
                                   + len(m.care_home.nursing.waiting))
    return row
