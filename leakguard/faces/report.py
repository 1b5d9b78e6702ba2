"""Output formats of ``leakguard check``: text for people, JSON for tools, SARIF 2.1.0 for code scanning.

The JSON document follows ``docs/schema/check.schema.json`` (``"version": 1``); its
finding objects extend :meth:`leakguard.finding.Finding.to_dict` with the place in the file.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from leakguard._version import __version__
from leakguard.lineage.inference import relied_on
from leakguard.rules.registry import RULES
from leakguard.static.engine import FileReport, Reported

SCHEMA_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped (``\\n``), so one record stays one line.

    A file may be named ``a\\nb.py``; tools read the text format line by line.
    """
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def shown(r: FileReport) -> str:
    """The file's path as the text format prints it (one line)."""
    return one_line(r.path.as_posix())


def _place(r: FileReport, f: Reported) -> str:
    """``nb.ipynb:cell 4:2:5`` (line in the cell) for notebooks, ``eda.py:12:5`` (line in the file) for scripts."""
    cell = f"cell {f.cell}:" if f.cell is not None and r.kind == "notebook" else ""
    line = f"{f.line}:{f.col}" if f.line is not None else "1:1"
    return f"{shown(r)}:{cell}{line}"


def text(reports: Sequence[FileReport], *, verbose: bool = False) -> str:
    """One line per finding: ``path:line:col: severity [rule] title``.

    ``verbose`` adds, under each finding, its detail, the fix and the provenance chain (grouped per
    cell in notebooks), and the notes.
    """
    out: list[str] = []
    for r in reports:
        if r.error is not None:
            out.append(f"{shown(r)}: {'skipped' if r.skipped else 'error'}: {one_line(r.error)}")
            continue
        for problem in r.problems:
            out.append(f"{shown(r)}: problem: {one_line(problem)}")
        current: int | None = -1
        for f in sorted(r.findings, key=lambda x: (x.cell or 0, x.line or 0, x.col, x.rule)):
            if verbose and r.kind == "notebook" and f.cell != current:
                current = f.cell
                out.append(f"── {shown(r)} · cell {f.cell} ──")
            fd = f.finding
            out.append(f"{_place(r, f)}: {fd.severity} [{fd.rule}] {one_line(fd.title)}")
            if not verbose:
                continue
            if fd.detail:
                out.append(f"    {one_line(fd.detail)}")
            if fd.hint:
                out.append(f"    fix: {one_line(fd.hint)}")
            if fd.provenance:
                out.append("    provenance: " + one_line(" → ".join(s.text() for s in fd.provenance)))
            relied = _inferred(r, f)
            if relied:
                out.append(f"    policy: {', '.join(relied)} (inferred: {_origins(r, relied)})")
        if verbose:
            for cell, line, note in r.notes:
                where = f"cell {cell}:" if cell is not None and r.kind == "notebook" else ""
                out.append(f"{shown(r)}:{where}{line or 1}: note: {one_line(note)}")
    out.append(summary(reports))
    return "\n".join(out)


def summary(reports: Sequence[FileReport]) -> str:
    """``3 finding(s) in 2 of 5 file(s) (1 suppressed); 1 file(s) could not be checked``."""
    checked = [r for r in reports if r.error is None]
    n = sum(len(r.findings) for r in checked)
    with_findings = sum(1 for r in checked if r.findings)
    suppressed = sum(r.suppressed for r in checked)
    text = f"leakguard check: {n} finding(s) in {with_findings} of {len(checked)} checked file(s)"
    if suppressed:
        text += f" ({suppressed} suppressed)"
    failed = sum(1 for r in reports if r.failed)
    if failed:
        text += f"; {failed} file(s) could not be checked"
    skipped = sum(1 for r in reports if r.skipped)
    if skipped:
        text += f"; {skipped} file(s) skipped (nothing to check)"
    return text


def finding_dict(r: FileReport, f: Reported) -> dict[str, Any]:
    """One finding of the JSON format."""
    d = f.finding.to_dict()
    d.update({"path": r.path.as_posix(), "cell": f.cell, "cell_id": f.cell_id, "line": f.line, "column": f.col,
              "fingerprint": f.fingerprint, "properties": {"inferred": _inferred(r, f)}})
    return d


def _origins(r: FileReport, keys: list[str]) -> str:
    """Where the inferred ``keys`` came from, in words (``test part of train_test_split in cell 5 line 3``)."""
    assert r.policy is not None
    return "; ".join(dict.fromkeys(r.policy.origin_of(k) or "default" for k in keys))


def _inferred(r: FileReport, f: Reported) -> list[str]:
    """The policy parts the finding relied on that leakguard inferred rather than read from a declaration."""
    return [] if r.policy is None else relied_on(f.finding.rule, r.policy)


def as_json(reports: Sequence[FileReport]) -> dict[str, Any]:
    """The JSON document (schema version 1)."""
    checked = [r for r in reports if r.error is None]
    every = [f for r in checked for f in r.findings]
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "leakguard", "version": __version__},
        "summary": {
            "files": len(reports), "checked": len(checked), "errors": sum(1 for r in reports if r.failed),
            "skipped": sum(1 for r in reports if r.skipped),
            "findings": len(every), "suppressed": sum(r.suppressed for r in checked),
            "by_rule": dict(sorted(Counter(f.rule for f in every).items())),
            "by_severity": dict(sorted(Counter(f.severity for f in every).items())),
        },
        "files": [_file_dict(r) for r in reports],
    }


def _file_dict(r: FileReport) -> dict[str, Any]:
    return {
        "path": r.path.as_posix(), "kind": r.kind, "status": "skipped" if r.skipped else "error" if r.error is not None else "checked",
        "error": r.error, "order": r.order, "cells": r.cells, "checked_cells": r.checked_cells,
        "problems": list(r.problems), "suppressed": r.suppressed,
        "policy": r.policy.to_dict() if r.policy is not None else None,
        "notes": [{"cell": c, "line": line, "message": m} for c, line, m in r.notes],
        "findings": [finding_dict(r, f) for f in r.findings],
        "seconds": round(r.seconds, 4),
    }


def json_text(reports: Sequence[FileReport]) -> str:
    return json.dumps(as_json(reports), indent=2, ensure_ascii=False)


def sarif(reports: Sequence[FileReport]) -> dict[str, Any]:
    """A SARIF 2.1.0 log: one run, the rules of the registry, one result per finding.

    Results in notebooks point at the line of the ``.ipynb`` file that holds the source
    line (when the notebook keeps one source line per JSON line, as Jupyter writes it);
    the cell is also given as a logical location.
    """
    rules = [{
        "id": rule.id, "name": rule.id.replace("-", " ").title().replace(" ", ""),
        "shortDescription": {"text": rule.summary},
        "helpUri": "https://github.com/leakguard/leakguard/blob/main/docs/check.md#rules",
        "defaultConfiguration": {"level": "warning"},
    } for rule in RULES]
    index = {rule.id: i for i, rule in enumerate(RULES)}
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for r in reports:
        uri = r.path.as_posix()
        if r.error is not None:
            notifications.append({"level": "note" if r.skipped else "error", "message": {"text": r.error},
                                  "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}]})
            continue
        for problem in r.problems:
            notifications.append({"level": "warning", "message": {"text": problem},
                                  "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}]})
        offsets = r.cell_lines
        for f in r.findings:
            fd = f.finding
            line = f.line or 1
            if f.cell is not None and f.cell in offsets and r.kind == "notebook":
                line = offsets[f.cell] + line - 1
            location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": uri},
                                                             "region": {"startLine": line, "startColumn": f.col}}}
            if f.cell is not None:
                location["logicalLocations"] = [{"name": f"cell {f.cell}", "kind": "module"}]
            result: dict[str, Any] = {
                "ruleId": fd.rule, "level": _SARIF_LEVEL[fd.severity],
                "message": {"text": fd.message + (f" Fix: {fd.hint}" if fd.hint else "")},
                "locations": [location],
                "partialFingerprints": {"leakguard/v1": f.fingerprint},
                "properties": {"title": fd.title, "detail": fd.detail, "subject": fd.subject, "cell": f.cell,
                               "cellId": f.cell_id, "provenance": [s.text() for s in fd.provenance],
                               "inferred": _inferred(r, f)},
            }
            if fd.rule in index:
                result["ruleIndex"] = index[fd.rule]
            results.append(result)
    return {
        "$schema": SARIF_SCHEMA, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "leakguard", "version": __version__, "semanticVersion": __version__,
                                "informationUri": "https://github.com/leakguard/leakguard", "rules": rules}},
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
            "results": results,
        }],
    }
