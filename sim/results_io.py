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
    return {"package_version": __version__, "model_version": model_version(),
            "git_commit": commit, "python": platform.python_version()}


# Modules that do not change what a replication computes (surfaces, I/O, checks). Every other
# module of sim/ and sim/pathways/ is "the model": its source goes into model_version().
_NOT_MODEL = frozenset({"__init__.py", "__main__.py", "cli.py", "docs.py", "errors.py",
                        "executors.py", "limits.py", "results_io.py",
                        "stats.py", "validation.py", "verification.py", "config.py"})
_model_version: str | None = None


def model_version() -> str:
    """A hash of the model's source files: stored points are reused only when it matches,
    so results of an old and a new model never mix (a comment changed counts as a change:
    better a needless re-run than a silent mix)."""
    global _model_version
    if _model_version is None:
        here = Path(__file__).resolve().parent
        digest = hashlib.sha256()
        for path in sorted([*here.glob("*.py"), *here.glob("pathways/*.py")]):
            if path.name in _NOT_MODEL and path.parent == here:
                continue
            digest.update(path.relative_to(here).as_posix().encode())
            digest.update(path.read_bytes())
        _model_version = digest.hexdigest()[:12]
    return _model_version


def check_writable(root: Path | str) -> None:
    """Raise ConfigError naming ``output_dir`` unless a file can be written under ``root``:
    checked before a run, so a read-only or full folder never costs a finished run."""
    root = Path(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".write-check-") as fh:
            fh.write(b"x" * 4096)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise ConfigError(
            f"output_dir = {str(root)!r}: cannot write there ({exc.strerror or exc}); choose "
            "a writable folder with free space", [("output_dir", str(root), "a writable folder")]
        ) from None


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
        os.chmod(tmp, 0o644)  # mkstemp makes files private; results are meant to be shared
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
    atomic_write_csv(out / "outcomes_by_group.csv", results.outcomes_by_group)
    atomic_write_text(out / "config.yaml",
                      yaml.safe_dump(results.params.model_dump(mode="json"), sort_keys=False))
    manifest = {
        "scenario": results.scenario,
        "seed": results.seed,
        "replications": results.replications,
        "failures": [f.__dict__ for f in results.failures],
        "config_hash": config_hash(results.params),
        "price_year": results.params.costs.price_year,
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
    """Load a result folder back: its tables as DataFrames, its manifest and config.

    A table the folder does not have (``outcomes_by_group`` in folders written before it was
    recorded) is simply absent from the answer."""
    folder = Path(folder)
    if not (folder / "manifest.json").is_file():
        raise ConfigError(f"{folder} has no manifest.json: the run did not finish writing",
                          [("folder", str(folder), "a complete results folder")])
    out: dict[str, Any] = {"manifest": json.loads((folder / "manifest.json").read_text())}
    for name in ("kpis", "summary", "daily", "delays_by_reason", "costs", "outcomes_by_group",
                 "differences"):
        path = folder / f"{name}.csv"
        if path.is_file() and path.stat().st_size > 1:
            out[name] = pd.read_csv(path)
    if (folder / "config.yaml").is_file():
        out["config"] = yaml.safe_load((folder / "config.yaml").read_text())
    return out


# ------------------------------------------------------------------------------------------
# Experiments and sweeps: points stored one by one, found again on resume, gathered into one
# tidy table.
# ------------------------------------------------------------------------------------------
# Overrides that say how a run was executed, not what was simulated: not columns of a sweep.
_NOT_SWEEP_COLUMNS = frozenset({"output_dir", "workers", "executor", "resume", "replications",
                                "seed", "baseline"})
POINT_TABLES = ("kpis", "summary", "daily", "delays_by_reason", "costs", "outcomes_by_group")
# A sweep writes thousands of points: the C emitter, when PyYAML has it, is ten times faster.
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_code_version_cache: dict[str, Any] = {}


def _code_version_once() -> dict[str, Any]:
    """code_version() plus whether the work tree had uncommitted changes (``git_dirty``),
    asked once per process: the code does not change during a sweep."""
    if not _code_version_cache:
        _code_version_cache.update(code_version())
        dirty = None
        try:
            status = subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=Path(__file__).resolve().parent, capture_output=True, text=True,
                timeout=5, check=True).stdout
            dirty = bool(status.strip())
        except (OSError, subprocess.SubprocessError):
            pass
        _code_version_cache["git_dirty"] = dirty  # type: ignore[assignment]
    return dict(_code_version_cache)


code_state = _code_version_once


def write_manifest(folder: Path | str, data: dict[str, Any]) -> Path:
    """Write ``manifest.json`` atomically; by convention the last file of a folder."""
    path = Path(folder) / "manifest.json"
    atomic_write_text(path, json.dumps(data, indent=2, default=str))
    return path


def read_manifest(folder: Path | str) -> dict[str, Any] | None:
    """The folder's manifest, or None when it is missing or unreadable (an unfinished write)."""
    path = Path(folder) / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def point_key(params: Params, seed: int, replications: list[int] | range) -> str:
    """A folder name that identifies a point by what it simulates: config, seed, replications.

    The same point asked for again (a re-run, another sweep containing it) maps to the same
    folder, which is how finished points are found and skipped.
    """
    reps = list(replications)
    contiguous = reps == list(range(reps[0], reps[-1] + 1)) if reps else True
    rep_part = (f"r{reps[0]}-{reps[-1]}" if contiguous and reps
                else "r" + hashlib.sha256(str(reps).encode()).hexdigest()[:8])
    return f"{config_hash(params)}-m{model_version()[:8]}-s{int(seed)}-{rep_part}"


def write_point(results, folder: Path | str, point: dict[str, Any] | None = None,
                tables: tuple[str, ...] = POINT_TABLES,
                extra_manifest: dict[str, Any] | None = None) -> Path:
    """Store one sweep point (a Results) in ``folder``: chosen tables, config, manifest last.

    ``point`` holds the values that define the point within its sweep (``{"acute.beds":
    300}``); they become columns of :func:`collect_sweep`. Large sweeps can keep only
    ``tables=("kpis",)``.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    frames = {"kpis": results.kpis, "daily": results.daily,
              "delays_by_reason": results.delays_by_reason, "costs": results.costs,
              "outcomes_by_group": results.outcomes_by_group}
    for name in tables:
        if name == "summary":
            atomic_write_csv(out / "summary.csv", results.summary(), index=True)
        else:
            atomic_write_csv(out / f"{name}.csv", frames[name])
    atomic_write_text(out / "config.yaml",
                      yaml.dump(results.params.model_dump(mode="json"), Dumper=_YAML_DUMPER,
                                sort_keys=False))
    point = dict(point or {})
    write_manifest(out, {
        "scenario": results.scenario,
        "seed": results.seed,
        "replications": results.replications,
        "replication_ids": [int(r) for r in results.kpis["replication"]],
        "failures": [f.__dict__ for f in results.failures],
        "config_hash": config_hash(results.params),
        "price_year": results.params.costs.price_year,
        "point": point,
        "overrides": [f"{k}={v}" for k, v in point.items()],
        "tables": list(tables),
        "runtime_seconds": round(results.runtime_seconds, 3),
        "written_at": datetime.now(UTC).isoformat(),
        **_code_version_once(),
        **(extra_manifest or {}),
    })
    return out


def point_is_complete(folder: Path | str, params: Params, seed: int,
                      replications: list[int] | range) -> bool:
    """True when ``folder`` holds this point finished: manifest written last, same config
    hash, seed and replications, no failed replication, and every listed table present."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        return False
    ids = manifest.get("replication_ids")
    if ids is None:  # written by write_results: replications 0..n-1
        ids = list(range(int(manifest.get("replications", -1))))
    return (manifest.get("config_hash") == config_hash(params)
            and manifest.get("model_version") == model_version()
            and int(manifest.get("seed", -1)) == int(seed)
            and [int(i) for i in ids] == list(replications)
            and not manifest.get("failures")
            and all((folder / f"{t}.csv").is_file() for t in manifest.get("tables", ["kpis"])))


def find_completed(root: Path | str, params: Params, seed: int, replications: int) -> Path | None:
    """A finished results folder directly below ``root`` for this config, seed and count
    of replications (the newest if several), or None."""
    root = Path(root)
    if not root.is_dir():
        return None
    found = [p for p in root.iterdir()
             if p.is_dir() and point_is_complete(p, params, seed, range(replications))]
    return max(found, key=lambda p: (read_manifest(p) or {}).get("written_at", "")) \
        if found else None


def _parse_value(text: str) -> Any:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, int | float | bool | str) or value is None else text


def _point_columns(manifest: dict[str, Any]) -> dict[str, Any]:
    if manifest.get("point"):
        return dict(manifest["point"])
    cols: dict[str, Any] = {}
    for text in manifest.get("overrides") or []:
        if "=" not in str(text):
            continue
        key, value = str(text).split("=", 1)
        key = key.lstrip("+~")
        if key.startswith("hydra") or key in _NOT_SWEEP_COLUMNS:
            continue
        cols[key] = _parse_value(value)
    return cols


def collect_sweep(root: Path | str, dedupe: bool = True,
                  any_model: bool = False) -> pd.DataFrame:
    """Every finished result folder under ``root`` as one tidy table.

    One row per sweep point and replication: the point's settings (its sweep values, or the
    overrides of a ``python -m sim -m ...`` multirun) as columns, then ``scenario``, ``seed``,
    ``replication``, every metric, ``config_hash`` and ``folder``. Folders without a manifest
    (unfinished) are skipped. With ``dedupe`` a replication found in several folders (the same
    config hash and seed, run twice) appears once, from the newest folder; it is the same
    simulation, so nothing is lost. Folders written by another version of the model (see
    :func:`model_version`) are left out unless ``any_model``, so old and new results never mix.
    """
    root = Path(root)
    frames = []
    current = model_version()
    point_keys: dict[str, None] = {}  # first-seen order of the sweep's columns
    for manifest_path in sorted(root.rglob("manifest.json")):
        folder = manifest_path.parent
        manifest = read_manifest(folder)
        kpis_path = folder / "kpis.csv"
        if manifest is None or "config_hash" not in manifest or not kpis_path.is_file():
            continue
        if not any_model and manifest.get("model_version") != current:
            continue
        try:
            kpis = pd.read_csv(kpis_path)
        except (OSError, ValueError, pd.errors.EmptyDataError):
            continue
        if kpis.empty:
            continue
        point = {k: v for k, v in _point_columns(manifest).items()
                 if k not in ("scenario", "seed", "replication")}
        point_keys.update(dict.fromkeys(point))
        front = pd.DataFrame({**{k: [v] * len(kpis) for k, v in point.items()},
                              "scenario": manifest.get("scenario"),
                              "seed": manifest.get("seed")}, index=kpis.index)
        frame = pd.concat([front, kpis], axis=1)
        frame["config_hash"] = manifest.get("config_hash")
        frame["folder"] = str(folder)
        frame["_written_at"] = manifest.get("written_at", "")
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["scenario", "seed", "replication", "config_hash", "folder"])
    table = pd.concat(frames, ignore_index=True, sort=False)
    if dedupe:
        table = (table.sort_values("_written_at")
                 .drop_duplicates(["config_hash", "seed", "replication"], keep="last"))
    point_cols = [c for c in point_keys if c in table.columns]
    order = point_cols + ["scenario", "seed", "replication"]
    rest = [c for c in table.columns if c not in order and c != "_written_at"]
    table = table[order + rest]
    try:
        table = table.sort_values(order, kind="stable", na_position="last")
    except TypeError:  # a column mixing numbers and text: keep the order found
        pass
    return table.reset_index(drop=True)


def read_experiment(folder: Path | str) -> dict[str, Any]:
    """Load an experiment folder back: ``manifest``, every CSV table by name, and ``table``
    (one row per point and replication, from ``table.csv`` or gathered from the points)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        raise ConfigError(f"{folder} has no readable manifest.json: the experiment did not "
                          "finish; run the same command again to resume it",
                          [("folder", str(folder), "a finished experiment folder")])
    out: dict[str, Any] = {"manifest": manifest}
    for path in sorted(folder.glob("*.csv")):
        if path.stat().st_size > 1:
            out[path.stem] = pd.read_csv(path)
    if "table" not in out:
        out["table"] = collect_sweep(folder)
    return out
