"""The README's examples work as pasted (bash and zsh) and write only under results/."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_shell_examples_quote_brackets_for_zsh_and_write_under_results():
    for block in _blocks("bash"):
        for line in block.splitlines():
            if line.lstrip().startswith("#"):
                continue
            # zsh expands an unquoted [a,b] as a file pattern and stops with "no matches".
            assert not re.search(r"(?<!['\"])\bscenarios=\[", line), line
            for target in re.findall(r"--(?:out|pdf)\s+(\S+)", line):
                assert target.startswith("results/"), line
    assert 'cmp.report("board.html"' not in README


def test_python_api_example_runs_as_pasted(tmp_path):
    code = _blocks("python")[0]
    assert "import sim" in code
    # The same code at a tenth of the size, so the test is quick; nothing else changes.
    small = code.replace("population.size=50000", "population.size=2000").replace(
        '"run.days=365"', '"run.days=60", "run.warmup_days=10"').replace(
        "replications=10", "replications=2")
    small += ("\nassert mine.reablement.slots == 60\n"
              "assert set(cmp.results) == {'fragmented', 'integrated'}\n")
    out = subprocess.run([sys.executable, "-c", small], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300, env={"PYTHONPATH": str(ROOT),
                                                      "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert (tmp_path / "results" / "my_plan.yaml").is_file()
    # Everything it wrote is under results/.
    assert {p.name for p in tmp_path.iterdir()} == {"results"}
