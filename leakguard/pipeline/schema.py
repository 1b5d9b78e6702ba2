"""What the lock file records about the pipeline's inputs: file hashes and the schema of the frames read.

The schema of a frame: its row count and, per column, the dtype, its kind, the share of
missing values, the range of numeric (and datetime) columns, and the categories of text,
categorical and boolean columns with at most ``MAX_CATEGORIES`` distinct values. The
frames are those ``load()`` returns: export runs the generated ``load(check=False)`` once and
profiles its frames in a worker thread (in a kernel, leakguard's own wrappers act on the main
thread only, so this leaves the session's lineage alone).
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

from leakguard.pipeline.runtime import column_kind, file_sha256

MAX_CATEGORIES = 50


class ProfileError(Exception):
    """The inputs could not be read to record their schema; the message is for people."""


def profile(frame: Any) -> dict[str, Any]:
    """The schema of a pandas frame (see the module docstring)."""
    rows = len(frame.index)
    columns: dict[str, Any] = {}
    for column in frame.columns:
        series = frame[column]
        kind = column_kind(series.dtype)
        missing = int(series.isna().sum())
        spec: dict[str, Any] = {"dtype": str(series.dtype), "kind": kind,
                                "null_rate": round(missing / rows, 6) if rows else 0.0}
        present = series.dropna()
        if kind in ("integer", "float") and len(present):
            low, high = present.min(), present.max()
            spec["min"], spec["max"] = _number(low, kind), _number(high, kind)
        elif kind == "datetime" and len(present):
            spec["min"], spec["max"] = present.min().isoformat(), present.max().isoformat()
        elif kind in ("text", "category", "bool"):
            distinct = present.astype(str).unique()
            if len(distinct) <= MAX_CATEGORIES:
                spec["categories"] = sorted(str(v) for v in distinct)
            else:
                spec["distinct"] = len(distinct)
        columns[str(column)] = spec
    return {"rows": rows, "columns": columns}


def _number(value: Any, kind: str) -> int | float | None:
    if kind == "integer":
        return int(value)
    x = float(value)
    return None if math.isnan(x) else x


def hash_input(path: str, base: Path) -> dict[str, Any]:
    """``{"sha256", "bytes"}`` of an input path (relative paths are the notebook folder's)."""
    if "://" in path:
        return {"sha256": None, "bytes": None, "note": "not a local file: not hashed"}
    p = Path(path).expanduser()
    p = p if p.is_absolute() else base / p
    if not p.exists():
        raise ProfileError(f"input {path!r} not found (looked for {p}): export records a hash and the schema "
                           "of every input, so the data must be at hand")
    size = sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.is_dir() else p.stat().st_size
    return {"sha256": file_sha256(p), "bytes": size}


def load_schemas(module_text: str, module_file: Path, names: list[str]) -> dict[str, Any]:
    """Run the generated ``load(check=False)`` and return the schema of each frame it gives, by name.

    It runs as the exported module will: imports resolve as they do for it, not from the notebook's folder.
    """
    result: dict[str, Any] = {}
    failure: list[BaseException] = []

    def work() -> None:
        namespace: dict[str, Any] = {"__name__": "leakguard_export_profile", "__file__": str(module_file)}
        try:
            exec(compile(module_text, str(module_file), "exec"), namespace)
            value = namespace["load"](check=False)
        except BaseException as exc:  # the user's code: report whatever it raised
            failure.append(exc)
            return
        values = value if len(names) > 1 else (value,)
        try:
            result.update({n: profile(v) for n, v in zip(names, values, strict=False) if hasattr(v, "columns")})
        except Exception as exc:
            failure.append(exc)

    thread = threading.Thread(target=work, name="leakguard-export-profile")
    thread.start()
    thread.join()
    if failure:
        exc = failure[0]
        raise ProfileError(f"reading the inputs with the exported load() failed ({type(exc).__name__}: {exc}); "
                           "export needs them to record their schema") from None
    return result
