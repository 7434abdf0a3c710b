"""Mutation check: plant named faults in a copy of the model and see which the tests catch.

Each fault is one small edit to a temporary copy of the repository (the working tree is
never touched). For each, the tests that should notice run against the copy; a fault is
*caught* when at least one of them fails, and *survives* when they all pass. Run on demand
(a few minutes), not in CI:

    python -m experiments.mutation                 # every fault
    python -m experiments.mutation --list          # names only
    python -m experiments.mutation dropped_transfer payers_swapped

Exit status 1 if any fault survives. Add a fault here whenever a bug slips past the tests.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COPY = ("sim", "tests", "scenarios", "evidence", "experiments", "pyproject.toml")


@dataclass(frozen=True)
class Fault:
    name: str
    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    also: tuple[tuple[str, str], ...] = ()  # further edits in the same file


FAULTS = (
    Fault("dropped_transfer",
          "a person leaving intermediate care for a care home is never admitted there",
          "sim/pathways/intermediate_care.py",
          "        else:\n            m.care_home.admit(person, service)",
          "        else:\n            pass",
          ("tests/test_transfers_and_payers.py", "tests/test_invariants.py")),
    Fault("payers_swapped",
          "home care booked to the NHS and intermediate care to the council",
          "sim/costs.py",
          'book("intermediate_care", "nhs", FIXED, y,',
          'book("intermediate_care", "local_authority", FIXED, y,',
          ("tests/test_transfers_and_payers.py", "tests/test_invariants.py"),
          also=(('book("home_care", "local_authority", FIXED, y,',
                 'book("home_care", "nhs", FIXED, y,'),)),
    Fault("seven_day_off_for_transfers",
          "seven-day working stops acting on transfers out of hospital",
          "sim/pathways/discharge.py",
          "        if m.policy.seven_day:\n            return\n        t = m.cal.next_working_time",
          "        if False:\n            return\n        t = m.cal.next_working_time",
          ("tests/test_transfers_and_payers.py", "tests/test_face_validity.py")),
    Fault("home_first_zero_delay",
          "Home First passes a zero delay to the readmission risk",
          "sim/pathways/discharge.py",
          "            self.leave_acute(person, clock, fit_time)\n"
          "            m.arrive_home(person, delay_days=delay)",
          "            self.leave_acute(person, clock, fit_time)\n"
          "            m.arrive_home(person, delay_days=0.0)",
          ("tests/test_transfers_and_payers.py",)),
    Fault("kpis_not_pure",
          "computing the KPIs books the time-integral costs into the recorder again",
          "sim/metrics.py",
          "    time_costs, use = book_costs(m)\n",
          "    time_costs, use = book_costs(m)\n"
          "    for key, amount in time_costs.items():\n        m.rec.costs[key] += amount\n",
          ("tests/test_dataflow.py",)),
    Fault("interpolation_resolved",
          "scenario text with ${...} is resolved instead of refused",
          "sim/config.py",
          '    elif isinstance(node, str) and "${" in node:',
          '    elif isinstance(node, str) and "${" in node and False:',
          ("tests/test_security_limits.py::test_file_interpolation_is_refused_with_the_field",)),
)


def _copy_repo(dest: Path) -> None:
    for name in COPY:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.pyc", ".pytest_cache"))
        elif src.exists():
            shutil.copy2(src, dest / name)


def _plant(root: Path, fault: Fault) -> None:
    path = root / fault.path
    text = path.read_text()
    for old, new in ((fault.old, fault.new), *fault.also):
        if text.count(old) != 1:
            raise SystemExit(f"{fault.name}: the code to mutate is not found once in "
                             f"{fault.path}; update the fault to the current code")
        text = text.replace(old, new)
    path.write_text(text)


def _run(root: Path, fault: Fault, timeout: float) -> tuple[str, str, float]:
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    t0 = time.perf_counter()
    try:
        out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                              "-o", "addopts=", *fault.tests], cwd=root, env=env,
                             capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return "timeout", "", time.perf_counter() - t0
    seconds = time.perf_counter() - t0
    if out.returncode == 0:
        return "SURVIVED", "", seconds
    failed = re.findall(r"^FAILED (\S+)", out.stdout, re.M) or \
        re.findall(r"^ERROR (\S+)", out.stdout, re.M)
    return "caught", failed[0] if failed else f"pytest exit {out.returncode}", seconds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m experiments.mutation",
                                description=__doc__.strip().split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("faults", nargs="*", help="fault names (default: all)")
    p.add_argument("--list", action="store_true", help="list the faults and stop")
    p.add_argument("--timeout", type=float, default=900, help="seconds per fault")
    args = p.parse_args(argv)
    by_name = {f.name: f for f in FAULTS}
    if args.list:
        for f in FAULTS:
            print(f"{f.name:30s} {f.what}")
        return 0
    unknown = [n for n in args.faults if n not in by_name]
    if unknown:
        p.error(f"unknown faults {unknown}; choose from {list(by_name)}")
    chosen = [by_name[n] for n in args.faults] or list(FAULTS)
    rows = []
    for fault in chosen:
        with tempfile.TemporaryDirectory(prefix="caresim-mutation-") as tmp:
            root = Path(tmp)
            _copy_repo(root)
            _plant(root, fault)
            status, test, seconds = _run(root, fault, args.timeout)
        rows.append((fault, status, test, seconds))
        print(f"{fault.name:30s} {status:9s} {test} ({seconds:.0f} s)", flush=True)
    print("\n| fault | what | result | caught by |\n|---|---|---|---|")
    for fault, status, test, _ in rows:
        print(f"| {fault.name} | {fault.what} | {status} | {test or '-'} |")
    return 1 if any(status != "caught" for _, status, _, _ in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
