"""``export()``: a notebook → a versioned pipeline module and its lock file (or the reasons it refused).

Steps: read and analyse the notebook (:mod:`.notebook`), slice it (:mod:`.slicing`), cut the
slice into steps (:mod:`.phases`), find the parameters (:mod:`.params`), generate the code
(:mod:`.codegen`), hash the inputs and record their schema (:mod:`.schema`), then write a new
version unless the latest one is the same (:mod:`.versions`). Nothing is written until
everything has succeeded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import keyword
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from leakguard._version import __version__
from leakguard.pipeline.slicing import Decision


@dataclasses.dataclass(slots=True)
class ExportResult:
    """What an export did: the files written (or already there), or why it refused."""

    notebook: Path
    status: str = "error"                 # written | unchanged | diff | refused | error
    version: int | None = None
    files: list[Path] = dataclasses.field(default_factory=list)
    reasons: list[str] = dataclasses.field(default_factory=list)
    findings: list[str] = dataclasses.field(default_factory=list)
    decisions: list[Decision] = dataclasses.field(default_factory=list)
    blocking: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # cells refusing it: see blocking_cells
    warnings: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    diff: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the pipeline exists (written now or already) or the diff was made."""
        return self.status in ("written", "unchanged", "diff")

    def text(self) -> str:
        """A report for people: outcome, findings, per-cell decisions, warnings."""
        lines = [self._headline()]
        lines += [f"  {r}" for r in self.reasons]
        if self.findings:
            lines.append("findings:")
            lines += [f"  {f}" for f in self.findings]
        if self.decisions:
            lines.append("cells:")
            lines += [f"  {d.text()}" for d in self.decisions]
        lines += [f"warning: {w}" for w in self.warnings]
        lines += [f"note: {n}" for n in self.notes]
        if self.diff:
            lines.append(self.diff.rstrip("\n"))
        return "\n".join(lines)

    def _headline(self) -> str:
        files = ", ".join(str(f) for f in self.files)
        return {
            "written": f"{self.notebook}: exported version {self.version} → {files}",
            "unchanged": f"{self.notebook}: no change since version {self.version} ({files}); nothing written",
            "diff": f"{self.notebook}: changes since version {self.version} (nothing written)" if self.version
            else f"{self.notebook}: no version yet; export would write version 1 (nothing written)",
            "refused": f"{self.notebook}: export refused; nothing written",
        }.get(self.status, f"{self.notebook}: cannot export; nothing written")

    def __repr__(self) -> str:
        return self.text()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (``leakguard export --format json`` and the sidebar)."""
        return {
            "notebook": str(self.notebook), "status": self.status, "ok": self.ok, "version": self.version,
            "files": [str(f) for f in self.files], "reasons": self.reasons, "findings": self.findings,
            "cells": [{"cell": d.cell.number, "id": d.cell.cell_id, "kept": d.kept, "reason": d.reason,
                       "detail": d.detail} for d in self.decisions],
            "blocking": self.blocking,
            "warnings": self.warnings, "notes": self.notes, "diff": self.diff, "seconds": round(self.seconds, 4),
        }


def blocking_cells(leaky: Sequence[tuple[Any, Any]]) -> list[dict[str, Any]]:
    """``[{"cell", "number", "execution_count", "rules"}]``: one entry per cell with findings, in notebook order.

    ``cell`` is the notebook's cell id (what the sidebar jumps to); ``rules`` names each rule once.
    """
    by_number: dict[int, dict[str, Any]] = {}
    for cell, finding in leaky:
        entry = by_number.setdefault(cell.number, {"cell": cell.cell_id, "number": cell.number,
                                                    "execution_count": cell.execution_count, "rules": []})
        if finding.rule not in entry["rules"]:
            entry["rules"].append(finding.rule)
    return [by_number[n] for n in sorted(by_number)]


def pipeline_name(notebook: Path) -> str:
    """The default pipeline name: the notebook's file name as a Python identifier (``churn-v2`` → ``churn_v2``)."""
    name = re.sub(r"\W+", "_", notebook.stem).strip("_").lower() or "pipeline"
    return f"nb_{name}" if name[0].isdigit() else name


MAX_NAME = 100  # characters: the folder name plus ``v<N>.lock.json`` stay far below file systems' 255 bytes


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a pipeline (it is imported by that name), or None."""
    if not name.isidentifier():
        return f"--name {name!r} is not a Python identifier (the pipeline is imported by that name)"
    if keyword.iskeyword(name):
        return f"--name {name!r} is a Python keyword (`import pipelines.{name}` would be a syntax error)"
    if len(name) > MAX_NAME:
        return f"--name is {len(name)} characters long; at most {MAX_NAME}"
    return None


def export(notebook: str | os.PathLike[str], *, output_dir: str | os.PathLike[str] = "pipelines",
           name: str | None = None, drop_leaky: bool = False, outputs: Sequence[str] = (),
           diff: bool = False) -> ExportResult:
    """Export ``notebook``'s clean cells as ``output_dir/name/v<N>.py`` and ``v<N>.lock.json``.

    Never raises for a notebook it cannot export, a bad ``name`` or an output folder it cannot
    write: see ``ExportResult.status`` (``error``) and ``reasons``.
    With ``diff`` nothing is written; ``ExportResult.diff`` shows what a new version would change.
    """
    from leakguard.pipeline.notebook import NotebookError, read_notebook
    from leakguard.pipeline.schema import ProfileError
    from leakguard.pipeline.slicing import plan
    from leakguard.pipeline.versions import VersionError

    start = time.perf_counter()
    path = Path(notebook)
    result = ExportResult(path)
    name = name or pipeline_name(path)
    if problem := name_problem(name):
        result.reasons.append(problem)
        return result
    try:
        nb = read_notebook(path)
        result.warnings.extend(nb.warnings)
        result.notes.extend(nb.notes)
        p = plan(nb, outputs=tuple(outputs), drop_leaky=drop_leaky)
        result.decisions = p.decisions
        result.findings = [f"{cell.label} line {f.line}: {f.severity} [{f.rule}] {f.message}"
                           + (f" (fix: {f.hint})" if f.hint else "") + (" (recorded by the kernel)"
                                                                       if f.origin == "recorded" else "")
                           for cell, f in p.leaky]
        if p.leaky and not drop_leaky:
            result.blocking = blocking_cells(p.leaky)
        if not p.ok:
            result.reasons = p.errors
            result.status = "refused" if p.leaky and not drop_leaky else "error"
            return result
        _build(result, p, Path(output_dir), name, diff)
    except (NotebookError, ProfileError, VersionError) as exc:
        result.reasons.append(str(exc))
        result.status = "error"
    except OSError as exc:  # the output folder: a file in the way, read-only, a name too long
        where = f" {exc.filename}" if exc.filename else ""
        result.reasons.append(f"cannot write{where}: {exc.strerror or exc}")
        result.status = "error"
    except Exception as exc:  # leakguard's own failure is this notebook's error, not the caller's crash
        result.reasons.append(f"leakguard could not export this notebook ({type(exc).__name__}: {str(exc)[:200]})")
        result.status = "error"
    finally:
        result.seconds = time.perf_counter() - start
    return result


def _build(result: ExportResult, p: Any, out: Path, name: str, diff: bool) -> None:
    from leakguard.pipeline.codegen import Header, generate, generate_loader
    from leakguard.pipeline.params import find_params
    from leakguard.pipeline.phases import layout
    from leakguard.pipeline.schema import hash_input, load_schemas
    from leakguard.pipeline.versions import diff as diff_text
    from leakguard.pipeline.versions import next_version, read_lock, versions, write_version

    nb = p.notebook
    folder = out / name
    lay = layout(p)
    params = find_params(p, lay)
    source_dir = Path(os.path.relpath(nb.path.parent.resolve(), folder.resolve())).as_posix()
    code = generate(p, lay, params, source_dir=source_dir, header=None)
    base = nb.path.parent
    inputs = [{"param": x.name, "path": x.path, **hash_input(str(x.path), base)}
              for x in params.params if x.role == "input"]
    load = lay.steps["load"]
    loader = generate_loader(p, lay, params, source_dir=source_dir)
    schemas = load_schemas(loader, folder / "v0.py", load.gives) if load.stmts else {}
    sources = _sources(load.stmts, params)
    payload: dict[str, Any] = {
        "leakguard": __version__,
        "policy": nb.policy.to_dict(),
        "parameters": {x.name: x.value for x in params.params},
        "inputs": inputs,
        "tables": sorted({t for s in p.kept for e in s.events for t in getattr(e, "tables", ())}),
        "schema": {n: {"source": sources.get(n), **schema} for n, schema in schemas.items()},
    }
    key = hashlib.sha256((code + json.dumps(payload, sort_keys=True)).encode()).hexdigest()
    existing = versions(folder)
    latest = existing[-1] if existing else None
    previous = read_lock(folder, latest) if latest is not None else None
    if previous is not None and previous.get("export_key") == key and latest is not None:
        result.status, result.version = ("diff" if diff else "unchanged"), latest
        result.files = [folder / f"v{latest}.py", folder / f"v{latest}.lock.json"]
        if diff:
            result.diff = f"no changes since version {latest}"
        return
    version = next_version(folder)  # past any file named like a version, except a killed export's leftovers
    kept = sorted({s.cell.number for s in p.kept})
    header = Header(name, version, Path(os.path.relpath(nb.path.resolve(), folder.resolve())).as_posix(), nb.sha256,
                    __version__, _run_hint(out, name, version), ", ".join(map(str, kept)))
    module = generate(p, lay, params, source_dir=source_dir, header=header)
    lock = {"format": 1, "pipeline": name, "version": version,
            "notebook": {"path": header.notebook, "sha256": nb.sha256},
            "export_key": key, **payload, "kept_cells": _kept_ids(p)}
    lock_text = json.dumps(lock, indent=2, ensure_ascii=False) + "\n"
    result.version = version
    if diff:
        result.status = "diff"
        result.version = latest
        result.diff = diff_text(folder, latest, module, lock) if latest is not None else module
        return
    result.files = write_version(folder, [(f"v{version}.lock.json", lock_text.encode()),
                                          (f"v{version}.py", module.encode())])[::-1]
    result.status = "written"


def _sources(stmts: list[Any], params: Any) -> dict[str, str]:
    """The input parameter each frame of ``load`` was read from (when one statement both reads and names it)."""
    inputs = {x.name for x in params.params if x.role == "input"}
    found: dict[str, str] = {}
    only = next(iter(inputs)) if len(inputs) == 1 else None
    for s in stmts:
        used = [name for _, name in params.edits.get(s.index, []) if name in inputs]
        for name in s.defs:
            if used or (only is not None and s.reads):
                found[name] = used[0] if used else str(only)
    return found


def _kept_ids(p: Any) -> list[str]:
    return list(dict.fromkeys(s.cell.cell_id for s in p.kept))


def _run_hint(out: Path, name: str, version: int) -> str:
    parts = out.parts
    if not out.is_absolute() and parts and all(part.isidentifier() for part in parts):
        return f"python -m {'.'.join([*parts, name, f'v{version}'])}"
    return f"python {(out / name / f'v{version}.py').as_posix()}"
