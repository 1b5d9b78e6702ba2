"""Versions of an exported pipeline: finding them, writing a new one without ever overwriting, diffing.

A version is a pair ``v<N>.py`` + ``v<N>.lock.json``, and it exists only when both files do.
Its lock holds an *export key*: a hash of the module's code (without its header and cell
comments) and of the lock's content (without version, notebook hash and cell positions). An
export whose key equals the latest version's writes nothing: the same notebook and data, or a
notebook changed only in cells the pipeline does not keep, give the version already written.

Each file is written to a temporary file in the same folder (with the user's usual
permissions), flushed, then linked to its final name, which fails if the name exists: a file
is either absent or complete, and no existing file is ever replaced. An export killed between
its two files leaves an incomplete version: the next export replaces it (its one file is
leakguard's own unfinished output, never a version anyone could use; a file of that name
that leakguard did not write is left alone and numbered past), and removes the temporary
files a killed export left. Writers hold a lock on the folder meanwhile, so what
they clean up is never another export's work in progress.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_VERSION = re.compile(r"^v(\d+)\.(py|lock\.json)$")
_TEMPORARY = re.compile(r"^\.v\d+\.(py|lock\.json)\.[0-9a-z_]+\.tmp$")
_PAIR = ("py", "lock.json")


class VersionError(Exception):
    """A version could not be written (the message says which file and why)."""


def _files(folder: Path) -> dict[int, set[str]]:
    """Version number → which of its files exist (``py``, ``lock.json``)."""
    found: dict[int, set[str]] = {}
    if folder.is_dir():
        for f in folder.iterdir():
            if (m := _VERSION.match(f.name)) and f.is_file():
                found.setdefault(int(m.group(1)), set()).add(m.group(2))
    return found


def versions(folder: Path) -> list[int]:
    """The complete versions in ``folder`` (both ``v<N>.py`` and ``v<N>.lock.json`` present), ascending."""
    return sorted(n for n, kinds in _files(folder).items() if kinds >= set(_PAIR))


def read_lock(folder: Path, version: int) -> dict[str, Any] | None:
    """The lock of ``version``, or None when it is missing or unreadable."""
    try:
        data = json.loads((folder / f"v{version}.lock.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def write_version(folder: Path, files: list[tuple[str, bytes]]) -> list[Path]:
    """Write ``files`` (name, content) into ``folder``; none may exist. All or nothing.

    Raises VersionError when a file exists, OSError when the folder cannot be made or written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with _locked(folder):
        _clean(folder)
        try:
            for name, data in files:
                written.append(_write_new(folder / name, data))
        except BaseException:
            for path in written:  # only files this call created
                path.unlink(missing_ok=True)
            raise
    return written


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` while a version is written (where ``flock`` exists)."""
    try:
        import fcntl
    except ImportError:  # Windows: no folder locks; writes stay exclusive by name
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def next_version(folder: Path) -> int:
    """The number of the next version: past every file named like a version, except an unfinished export's leftovers."""
    leftovers = set(_leftovers(folder))
    taken = [n for n, kinds in _files(folder).items() if any(folder / f"v{n}.{k}" not in leftovers for k in kinds)]
    return max(taken, default=0) + 1


def _leftovers(folder: Path) -> list[Path]:
    """The lone file of each version past the last complete one that a killed export of leakguard's left.

    A file of that name that leakguard did not write (someone's own ``v1.py``) is not one: it stays.
    """
    files = _files(folder)
    last = max((n for n, kinds in files.items() if kinds >= set(_PAIR)), default=0)
    return [folder / f"v{n}.{kind}" for n, kinds in sorted(files.items()) if n > last and not kinds >= set(_PAIR)
            for kind in sorted(kinds) if _ours(folder / f"v{n}.{kind}", n)]


def _ours(path: Path, version: int) -> bool:
    """True when ``path`` is version ``version``'s module or lock as leakguard writes them."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    if path.name.endswith(".py"):
        return head.startswith(b'"""Pipeline ') and f", version {version}: exported by leakguard".encode() in head
    lock = read_lock(path.parent, version)
    return lock is not None and lock.get("version") == version and "export_key" in lock


def _clean(folder: Path) -> None:
    """Remove what killed exports left: temporary files, and an unfinished version's lone file."""
    for path in _leftovers(folder):
        path.unlink(missing_ok=True)
    for f in folder.iterdir():
        if _TEMPORARY.match(f.name):
            f.unlink(missing_ok=True)


def _write_new(path: Path, data: bytes) -> Path:
    # created like any file the user writes (mode 0666 less the umask: 0644 usually), not mkstemp's 0600
    tmp = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
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
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
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
