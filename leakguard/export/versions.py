"""Versions of an exported pipeline: finding them, writing a new one without ever overwriting, diffing.

A version is a pair ``v<N>.py`` + ``v<N>.lock.json``. Its lock holds an *export key*: a hash
of the module's code (without its header and cell comments) and of the lock's content
(without version, notebook hash and cell positions). An export whose key equals the
latest version's writes nothing: the same notebook and data, or a notebook changed only
in cells the pipeline does not keep, give the version already written.

Each file is written to a temporary file in the same folder, flushed, then linked to its
final name, which fails if the name exists: a file is either absent or complete, and no
existing file is ever replaced.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

_VERSION = re.compile(r"^v(\d+)\.(py|lock\.json)$")


class VersionError(Exception):
    """A version could not be written (the message says which file and why)."""


def versions(folder: Path) -> list[int]:
    """The version numbers present in ``folder`` (either file of the pair counts), ascending."""
    if not folder.is_dir():
        return []
    found = {int(m.group(1)) for f in folder.iterdir() if (m := _VERSION.match(f.name))}
    return sorted(found)


def read_lock(folder: Path, version: int) -> dict[str, Any] | None:
    """The lock of ``version``, or None when it is missing or unreadable."""
    try:
        data = json.loads((folder / f"v{version}.lock.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def write_version(folder: Path, files: list[tuple[str, bytes]]) -> list[Path]:
    """Write ``files`` (name, content) into ``folder``; none may exist. All or nothing."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for name, data in files:
            written.append(_write_new(folder / name, data))
    except BaseException:
        for path in written:  # only files this call created
            path.unlink(missing_ok=True)
        raise
    return written


def _write_new(path: Path, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise VersionError(f"{path} already exists; leakguard never overwrites an exported file") from None
        except OSError:  # no hard links here: claim the name exclusively, then swap the content in at once
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            except FileExistsError:
                raise VersionError(f"{path} already exists; leakguard never overwrites an exported file") from None
            os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def diff(folder: Path, version: int, module: str, lock: dict[str, Any]) -> str:
    """What changed from ``version`` to the export at hand: a unified diff of the code and the lock's changes."""
    old_path = folder / f"v{version}.py"
    try:
        old = old_path.read_text(encoding="utf-8")
    except OSError:
        old = ""
    new_name = f"v{lock.get('version')}.py"
    lines = list(difflib.unified_diff(old.splitlines(keepends=True), module.splitlines(keepends=True),
                                      fromfile=old_path.name, tofile=new_name))
    text = "".join(lines)
    previous = read_lock(folder, version) or {}
    changes = lock_changes(previous, lock)
    if changes:
        text += ("\n" if text and not text.endswith("\n") else "") + "lock changes:\n" + "".join(
            f"  {c}\n" for c in changes)
    return text


def lock_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Readable differences between two locks: inputs, policy, parameters and schema columns."""
    out: list[str] = []
    old_inputs = {i.get("path"): i.get("sha256") for i in old.get("inputs", []) if isinstance(i, dict)}
    for entry in new.get("inputs", []):
        path = entry.get("path")
        if path not in old_inputs:
            out.append(f"new input {path}")
        elif old_inputs[path] != entry.get("sha256"):
            out.append(f"input {path} changed (sha256 {str(old_inputs[path])[:12]}… → {str(entry.get('sha256'))[:12]}…)")
    for key in ("policy", "parameters", "leakguard"):
        if old.get(key) != new.get(key):
            out.append(f"{key}: {json.dumps(old.get(key), sort_keys=True)} → {json.dumps(new.get(key), sort_keys=True)}")
    old_schema, new_schema = old.get("schema", {}), new.get("schema", {})
    for frame in sorted(set(old_schema) | set(new_schema)):
        a = old_schema.get(frame, {}).get("columns", {})
        b = new_schema.get(frame, {}).get("columns", {})
        for column in sorted(set(a) | set(b)):
            if a.get(column) != b.get(column):
                what = "added" if column not in a else "removed" if column not in b else "changed"
                out.append(f"schema {frame}.{column} {what}")
    return out
