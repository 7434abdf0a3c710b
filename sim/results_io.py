"""Writing and reading result folders: tables as CSV, the resolved config, a manifest.

Every file is written to a temporary name and renamed into place, so an interrupted run never
leaves a half-written file that later reads as complete. The manifest is written last: a
folder without one is incomplete.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .errors import ConfigError
from .params import Params

RESULTS_ROOT = Path(__file__).resolve().parent.parent / "results"
_SAFE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


def code_version() -> dict[str, str | None]:
    from . import __version__

    commit = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
            capture_output=True, text=True, timeout=5, check=True).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass
    return {"package_version": __version__, "git_commit": commit,
            "python": platform.python_version()}


def config_hash(params: Params) -> str:
    text = json.dumps(params.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_csv(path: Path, frame: pd.DataFrame, index: bool = False) -> None:
    atomic_write_text(path, frame.to_csv(index=index))


def safe_folder(root: Path, *parts: str) -> Path:
    """A folder under root built from names that cannot climb out of it."""
    for part in parts:
        if not _SAFE.match(part) or part in (".", ".."):
            raise ConfigError(
                f"name {part!r} cannot be used for a results folder: use letters, digits, "
                "'_', '-' and '.' (not first), at most 64 characters",
                [("name", part, "letters, digits, _ - .")])
    path = root.resolve().joinpath(*parts).resolve()
    if root.resolve() not in path.parents and path != root.resolve():
        raise ConfigError(f"results folder {path} is outside {root}", [("name", parts, "")])
    return path


def timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")


def write_results(results, root: Path | str = RESULTS_ROOT, folder: Path | None = None,
                  extra_manifest: dict[str, Any] | None = None) -> Path:
    """Write one scenario's results to ``root/<scenario>/<timestamp>/`` (or ``folder``)."""
    out = folder or safe_folder(Path(root), results.scenario, timestamp())
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_csv(out / "kpis.csv", results.kpis)
    atomic_write_csv(out / "summary.csv", results.summary(), index=True)
    atomic_write_csv(out / "daily.csv", results.daily)
    atomic_write_csv(out / "delays_by_reason.csv", results.delays_by_reason)
    atomic_write_csv(out / "costs.csv", results.costs)
    atomic_write_text(out / "config.yaml",
                      yaml.safe_dump(results.params.model_dump(mode="json"), sort_keys=False))
    manifest = {
        "scenario": results.scenario,
        "seed": results.seed,
        "replications": results.replications,
        "failures": [f.__dict__ for f in results.failures],
        "config_hash": config_hash(results.params),
        "runtime_seconds": round(results.runtime_seconds, 3),
        "written_at": datetime.now(UTC).isoformat(),
        **code_version(),
        **(extra_manifest or {}),
    }
    atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2, default=str))
    return out


def write_comparison(cmp, root: Path | str = RESULTS_ROOT,
                     extra_manifest: dict[str, Any] | None = None) -> Path:
    name = "compare_" + "_vs_".join(cmp.results)[:50]
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    out = safe_folder(Path(root), name, timestamp())
    for scen, res in cmp.results.items():
        write_results(res, folder=safe_folder(out, scen), extra_manifest=extra_manifest)
    atomic_write_csv(out / "differences.csv", cmp.differences(), index=True)
    atomic_write_csv(out / "summary.csv", cmp.summary(), index=True)
    atomic_write_text(out / "manifest.json", json.dumps({
        "scenarios": list(cmp.results), "baseline": cmp.baseline, "seed": cmp.seed,
        **code_version(), **(extra_manifest or {})}, indent=2, default=str))
    return out


def read_results(folder: Path | str) -> dict[str, Any]:
    """Load a result folder back: its tables as DataFrames, its manifest and config."""
    folder = Path(folder)
    if not (folder / "manifest.json").is_file():
        raise ConfigError(f"{folder} has no manifest.json: the run did not finish writing",
                          [("folder", str(folder), "a complete results folder")])
    out: dict[str, Any] = {"manifest": json.loads((folder / "manifest.json").read_text())}
    for name in ("kpis", "summary", "daily", "delays_by_reason", "costs", "differences"):
        path = folder / f"{name}.csv"
        if path.is_file() and path.stat().st_size > 1:
            out[name] = pd.read_csv(path)
    if (folder / "config.yaml").is_file():
        out["config"] = yaml.safe_load((folder / "config.yaml").read_text())
    return out
