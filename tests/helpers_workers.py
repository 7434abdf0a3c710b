"""Functions run inside worker processes by tests/test_security_limits.py (importable by
name from a spawned process)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def die_once(arg: tuple[int, str]) -> int:
    """Crash the worker the first time item 3 runs (a marker file remembers), then succeed."""
    x, marker = arg
    if x == 3 and not Path(marker).exists():
        Path(marker).write_text("died")
        os._exit(9)
    return x * 10


def always_die(arg: tuple[int, str]) -> int:
    x, _ = arg
    if x == 3:
        os._exit(9)
    return x * 10


def slow_pid(arg: tuple[int, str]) -> int:
    time.sleep(0.3)
    return os.getpid()


def report_pid_and_sleep(arg: tuple[int, str]) -> int:
    _, folder = arg
    Path(folder, str(os.getpid())).write_text("")
    time.sleep(60)
    return 0
