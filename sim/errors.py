"""Errors a user can cause, with messages that name the field, the value and what is allowed."""

from __future__ import annotations


class SimError(Exception):
    """Base class of every error the library raises on purpose."""


class ConfigError(SimError, ValueError):
    """A scenario, override or parameter value is not acceptable.

    ``problems`` lists one entry per offending field: ``(field, value, allowed)``.
    """

    def __init__(self, message: str, problems: list[tuple[str, object, str]] | None = None):
        super().__init__(message)
        self.problems = problems or []


class InvariantError(SimError, AssertionError):
    """The model broke one of its own accounting rules. This is a bug, never a user mistake."""


class ReplicationError(SimError, RuntimeError):
    """A replication failed; carries what is needed to reproduce it."""

    def __init__(self, message: str, *, scenario: str, replication: int, seed: int):
        super().__init__(message)
        self.scenario = scenario
        self.replication = replication
        self.seed = seed
