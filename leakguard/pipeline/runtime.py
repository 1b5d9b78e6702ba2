"""What an exported pipeline module calls at run time: its pinned policy and the checks of its inputs.

An exported ``v<N>.py`` validates what it reads against its lock file ``v<N>.lock.json``:

- a file whose content hash differs from the one recorded → :class:`InputChangedWarning` naming the file;
- a column missing, of another dtype, with values outside the recorded range or categories, or with
  missing values where the export saw none → :class:`InputSchemaError` naming the column.

Kept light (no pandas import) because every exported module imports it.

>>> lock = {"schema": {"df": {"columns": {"age": {"kind": "integer", "dtype": "int64", "null_rate": 0.0,
...                                               "min": 18, "max": 90}}}}}
>>> problems, notes = frame_problems("df", _Frame({"age": [20, 95]}), lock["schema"]["df"])
>>> problems
["df: column 'age' has values outside the range the pipeline was exported with: 95 > 90 (max)"]
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from leakguard.errors import LeakguardError
from leakguard.policy import Policy

LOCK_FORMAT = 1
NULL_RATE_WARN = 0.05  # a rise of the share of missing values past this is worth a warning


class InputSchemaError(LeakguardError, ValueError):
    """The pipeline's input does not have the shape the pipeline was exported with (names the column)."""


class InputChangedWarning(UserWarning):
    """An input file's content differs from the data the pipeline was exported with (names the file)."""


def lock_path(module_file: str | Path) -> Path:
    """The lock file of an exported module: ``v3.py`` → ``v3.lock.json`` beside it."""
    return Path(module_file).with_suffix(".lock.json")


@functools.lru_cache(maxsize=32)
def _read_lock(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputSchemaError(f"{path.name} is missing beside the pipeline module; it holds the input checks") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise InputSchemaError(f"cannot read the lock file {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != LOCK_FORMAT:
        raise InputSchemaError(f"{path} is not a leakguard lock file of format {LOCK_FORMAT}")
    return data


def read_lock(module_file: str | Path) -> dict[str, Any]:
    """The lock file of ``module_file`` as a dict (read once per process)."""
    return _read_lock(lock_path(module_file).resolve())


def policy(values: Mapping[str, Any], origin: str) -> Policy:
    """The pipeline's policy, built from nothing but ``values`` (no policy file, no session state)."""
    return Policy().updated(dict(values), origin=origin)


# -- files ------------------------------------------------------------------------------------------


def file_sha256(path: str | Path) -> str | None:
    """The sha256 of a file, or of a folder's files (sorted by relative path); None when not a local path."""
    p = Path(path)
    if "://" in str(path) or not p.exists():
        return None
    digest = hashlib.sha256()
    files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    for f in files:
        if p.is_dir():
            digest.update(f.relative_to(p).as_posix().encode() + b"\0")
        with f.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def check_files(lock: Mapping[str, Any], files: Mapping[str, Any], version: str) -> list[str]:
    """Warnings for input files whose content differs from the lock's (keyed by parameter name)."""
    changed: list[str] = []
    recorded = {entry.get("param"): entry for entry in lock.get("inputs", []) if isinstance(entry, dict)}
    for param, path in files.items():
        entry = recorded.get(param)
        if entry is None or entry.get("sha256") is None:
            continue
        now = file_sha256(path)
        if now is not None and now != entry["sha256"]:
            changed.append(f"{path}: the data differs from the data {version} was exported with "
                           f"(sha256 {entry['sha256'][:12]}… now {now[:12]}…); checking its schema")
    return changed


# -- frames -----------------------------------------------------------------------------------------


class _Frame:
    """A stand-in frame for the doctest: ``columns``, ``dtypes`` and per-column lists."""

    def __init__(self, data: dict[str, list[Any]]) -> None:
        self.data = data
        self.columns = list(data)


def column_kind(dtype: Any) -> str:
    """``integer``, ``float``, ``bool``, ``datetime``, ``timedelta``, ``category`` or ``text`` for a dtype."""
    text = str(dtype).lower()
    if text.startswith("bool"):
        return "bool"
    if text.startswith(("int", "uint")):
        return "integer"
    if text.startswith("float"):
        return "float"
    if text.startswith("datetime"):
        return "datetime"
    if text.startswith("timedelta"):
        return "timedelta"
    if text == "category":
        return "category"
    return "text"


def _values(frame: Any, column: str) -> tuple[str, list[Any], int]:
    """(dtype text, non-missing values, missing count) of a column; works on pandas and the doctest frame."""
    if isinstance(frame, _Frame):
        vals = frame.data[column]
        kept = [v for v in vals if v is not None]
        kind = "int64" if all(isinstance(v, int) for v in kept) else "float64" if kept else "object"
        return kind, kept, len(vals) - len(kept)
    series = frame[column]
    missing = int(series.isna().sum())
    return str(series.dtype), series.dropna().tolist(), missing


def frame_problems(name: str, frame: Any, schema: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(errors, warnings) comparing ``frame`` with its recorded schema; errors name the column."""
    errors: list[str] = []
    notes: list[str] = []
    columns: Mapping[str, Any] = schema.get("columns", {})
    have = [str(c) for c in getattr(frame, "columns", [])]
    missing = [c for c in columns if c not in have]
    if missing:
        errors.append(f"{name}: column {missing[0]!r} is missing" + (f" (and {', '.join(map(repr, missing[1:]))})"
                                                                      if len(missing) > 1 else "")
                      + f"; the pipeline was exported with columns {', '.join(columns)}")
    total = len(frame.index) if hasattr(frame, "index") else None
    for column, spec in columns.items():
        if column in missing:
            continue
        dtype, values, n_missing = _values(frame, column)
        kind = column_kind(dtype)
        want = spec.get("kind")
        if kind != want and not (want == "float" and kind == "integer"):
            errors.append(f"{name}: column {column!r} has dtype {dtype}; the pipeline was exported with "
                          f"{spec.get('dtype')} ({want})")
            continue
        rows = total if total is not None else len(values) + n_missing
        rate = n_missing / rows if rows else 0.0
        if n_missing and not spec.get("null_rate"):
            errors.append(f"{name}: column {column!r} has {n_missing} missing value(s); the data the pipeline "
                          "was exported with had none")
        elif rate > float(spec.get("null_rate") or 0.0) + NULL_RATE_WARN:
            notes.append(f"{name}: column {column!r} is {rate:.1%} missing, up from {spec.get('null_rate'):.1%}")
        errors.extend(_range_problems(name, column, spec, values, kind))
    return errors, notes


def _range_problems(name: str, column: str, spec: Mapping[str, Any], values: list[Any], kind: str) -> list[str]:
    if not values:
        return []
    if kind in ("integer", "float") and spec.get("min") is not None:
        low, high = min(values), max(values)
        if isinstance(low, float) and math.isnan(low):
            return []
        out = [f"{low} < {spec['min']} (min)"] if low < spec["min"] else []
        out += [f"{high} > {spec['max']} (max)"] if high > spec["max"] else []
        if out:
            return [f"{name}: column {column!r} has values outside the range the pipeline was exported with: "
                    + ", ".join(out)]
    categories = spec.get("categories")
    if categories is not None and kind in ("text", "category", "bool"):
        unseen = sorted({str(v) for v in values} - set(categories))
        if unseen:
            shown = ", ".join(repr(v) for v in unseen[:5]) + (f" and {len(unseen) - 5} more" if len(unseen) > 5 else "")
            return [f"{name}: column {column!r} has categories the pipeline was not exported with: {shown}"]
    return []


def check_inputs(module_file: str | Path, *, files: Mapping[str, Any], frames: Mapping[str, Any]) -> None:
    """Check what ``load`` read against the module's lock file.

    Changed files warn (:class:`InputChangedWarning`); schema violations raise
    :class:`InputSchemaError` listing every violated column.
    """
    lock = read_lock(module_file)
    version = f"v{lock.get('version')}"
    for text in check_files(lock, files, version):
        warnings.warn(text, InputChangedWarning, stacklevel=2)
    schema: Mapping[str, Any] = lock.get("schema", {})
    errors: list[str] = []
    for name, frame in frames.items():
        if name not in schema or not hasattr(frame, "columns"):
            continue
        found, notes = frame_problems(name, frame, schema[name])
        errors.extend(found)
        for note in notes:
            warnings.warn(note, InputChangedWarning, stacklevel=2)
    if errors:
        raise InputSchemaError("the input does not match the data this pipeline was exported with:\n  "
                               + "\n  ".join(errors))
