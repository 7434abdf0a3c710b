"""Capacity pools: beds, slots and hours, with first-come-first-served queues.

SimPy's ``Resource`` cannot have zero capacity (a planner may well ask "what if we had no
intermediate care beds?") and does not carry amounts, so the model uses this small pool
instead. Every change of use is recorded in a time-weighted tracker that also enforces
``0 <= in use <= capacity``.
"""

from __future__ import annotations

from collections import deque

import simpy

from .recorder import Tracker


class Pool:
    """A capacity of identical units (beds, places, hours) shared first come, first served.

    ``acquire(amount)`` returns an event that fires when the amount is granted. The queue is
    strict FIFO: a large request at the head holds back smaller ones behind it, as a real
    waiting list would. ``acquire(amount, first=True)`` joins behind the other first requests
    but ahead of the rest (people whose wait holds a bed, ahead of people waiting at home).
    """

    __slots__ = ("env", "name", "capacity", "in_use", "waiting", "tracker", "queue_tracker",
                 "capacity_tracker", "n_first")

    def __init__(self, env: simpy.Environment, name: str, capacity: float,
                 tracker: Tracker, queue_tracker: Tracker):
        self.env = env
        self.name = name
        self.capacity = float(capacity)
        self.in_use = 0.0
        self.waiting: deque[tuple[simpy.Event, float]] = deque()
        self.tracker = tracker
        self.queue_tracker = queue_tracker
        tracker.capacity = float(capacity)
        self.capacity_tracker = None  # time-weighted capacity, when it can change
        self.n_first = 0  # the first n_first waiting requests were made with first=True

    @property
    def free(self) -> float:
        return self.capacity - self.in_use

    def can_take(self, amount: float = 1.0) -> bool:
        return not self.waiting and self.in_use + amount <= self.capacity + 1e-9

    def take_now(self, amount: float = 1.0) -> None:
        """Take capacity that is known to be free (start-of-run census)."""
        if not self.can_take(amount):
            raise ValueError(f"{self.name}: {amount} not free")
        self._grant(amount)

    def try_take(self, amount: float = 1.0) -> bool:
        """Take the amount now if it is free (and nobody queues); no event needed."""
        if self.waiting or self.in_use + amount > self.capacity + 1e-9:
            return False
        self._grant(amount)
        return True

    def acquire(self, amount: float = 1.0, first: bool = False) -> simpy.Event:
        event = self.env.event()
        if self.can_take(amount):
            self._grant(amount)
            event.succeed()
        else:
            if first:
                self.waiting.insert(self.n_first, (event, amount))
                self.n_first += 1
            else:
                self.waiting.append((event, amount))
            self.queue_tracker.add(self.env.now, 1)
            if first and self.n_first == 1:
                # Now at the head: it may fit where the larger request it passed did not.
                self._serve()
        return event

    def cancel(self, event: simpy.Event, amount: float = 1.0) -> None:
        """Withdraw a request: give the capacity back if granted, else leave the queue."""
        if event.triggered:
            self.release(amount)
            return
        for i, (ev, _) in enumerate(self.waiting):
            if ev is event:
                del self.waiting[i]
                if i < self.n_first:
                    self.n_first -= 1
                self.queue_tracker.add(self.env.now, -1)
                break
        self._serve()

    def set_capacity(self, capacity: float) -> None:
        """Change the capacity now (a calendar, escalation). Units in use above a lowered
        capacity stay until released; nobody new is granted until there is room."""
        capacity = float(capacity)
        self.capacity = capacity
        self._track_capacity()
        # The tracker's bound is the highest capacity the pool has had.
        if capacity > self.tracker.capacity:
            self.tracker.capacity = capacity
        self._serve()

    def _track_capacity(self) -> None:
        """Track the units in service: a unit closed while still in use (a ward shut, an
        escalation bed stood down) stays in service until its occupant leaves, so use can
        never exceed the capacity tracked."""
        t = self.capacity_tracker
        if t is not None:
            held = self.capacity if self.capacity >= self.in_use else self.in_use
            if held != t.level:
                t.add(self.env.now, held - t.level)

    def release(self, amount: float = 1.0) -> None:
        self.in_use -= amount
        if self.in_use < 1e-9:
            self.in_use = 0.0
        self.tracker.add(self.env.now, -amount)
        if self.capacity_tracker is not None and self.capacity_tracker.level > self.capacity:
            self._track_capacity()
        self._serve()

    def _grant(self, amount: float) -> None:
        self.in_use += amount
        self.tracker.add(self.env.now, amount)

    def _serve(self) -> None:
        while self.waiting and self.in_use + self.waiting[0][1] <= self.capacity + 1e-9:
            event, amount = self.waiting.popleft()
            if self.n_first:
                self.n_first -= 1
            self.queue_tracker.add(self.env.now, -1)
            self._grant(amount)
            event.succeed()
