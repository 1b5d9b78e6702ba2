"""Checking one file: read it, interpret its cells, run the rules, apply suppressions.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "leakguard.toml").write_text('label = "churned"\\nholdout = 0.2\\n')
>>> script = folder / "eda.py"
>>> _ = script.write_text("import pandas as pd\\ndf = pd.read_csv('d.csv')\\ndf.describe()\\n")
>>> [(f.rule, f.line) for f in check_path(script).findings]
[('peek-holdout', 3)]
"""

from __future__ import annotations

import ast
import dataclasses
import time
from pathlib import Path

from leakguard.errors import PolicyError
from leakguard.finding import Finding
from leakguard.policy import Policy, load_policy
from leakguard.static.interp import Blocked, Interp
from leakguard.static.reading.sources import Cell, InputError, NothingToCheck, SourceFile, read_source
from leakguard.static.reading.suppress import Comments, comments, fingerprint


@dataclasses.dataclass(slots=True)
class Reported:
    """A finding placed in its file: cell, line, column, and a fingerprint for baselines."""

    finding: Finding
    line: int | None
    col: int
    cell: int | None            # cell number (1-based) in notebooks and percent scripts
    cell_id: str
    fingerprint: str

    @property
    def rule(self) -> str:
        return self.finding.rule

    @property
    def severity(self) -> str:
        return self.finding.severity


@dataclasses.dataclass(slots=True)
class FileReport:
    """What checking one file found: findings, notes, per-cell problems, or why it could not be checked."""

    path: Path
    kind: str = "script"
    findings: list[Reported] = dataclasses.field(default_factory=list)
    notes: list[tuple[int | None, int | None, str]] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)
    error: str | None = None
    skipped: bool = False       # ``error`` says why a readable file held nothing to check (not a failure)
    suppressed: int = 0
    cells: int = 0
    checked_cells: int = 0
    order: str = "document"
    policy: Policy | None = None
    seconds: float = 0.0
    cell_lines: dict[int, int] = dataclasses.field(default_factory=dict)  # cell number → file line (notebooks)

    @property
    def checked(self) -> bool:
        """True when at least part of the file was checked."""
        return self.error is None

    @property
    def failed(self) -> bool:
        """True when the file could not be read or checked (``check`` then exits 2)."""
        return self.error is not None and not self.skipped


def check_path(path: Path | str, policy: Policy | None = None, display: str | None = None, *,
               locate: bool = False) -> FileReport:
    """Check one notebook or script; never raises (see ``FileReport.error``).

    ``locate`` records where each notebook cell starts in the file (for SARIF locations).
    """
    start = time.perf_counter()
    path = Path(path)
    report = FileReport(Path(display or str(path)))
    try:
        _check_file(path, policy, report, locate)
    except InputError as exc:
        report.error, report.skipped = str(exc), isinstance(exc, NothingToCheck)
    except Exception as exc:  # RecursionError, MemoryError too: one file's failure never ends the run
        report.error = f"leakguard could not check this file ({type(exc).__name__}: {str(exc)[:200]})"
    report.seconds = time.perf_counter() - start
    return report


def _check_file(path: Path, policy: Policy | None, report: FileReport, locate: bool) -> None:
    source = read_source(path, locate=locate)
    if policy is None:
        try:
            policy = load_policy(path.parent)
        except PolicyError as exc:
            report.problems.append(f"policy not loaded: {exc}")
            policy = Policy()
    check_source(source, policy, report)


def check_source(source: SourceFile, policy: Policy, report: FileReport) -> FileReport:
    """Interpret ``source``'s cells under ``policy`` and fill ``report``."""
    report.kind, report.order = source.kind, source.order
    report.problems.extend(source.problems)
    report.cells = len(source.cells)
    notebook = source.kind == "notebook"
    it = Interp(policy, source.path.parent, lambda: _mentioned(source, it.policy))
    by_id: dict[str, Cell] = {}
    for cell in source.cells:
        by_id[_label(cell)] = cell
        if cell.file_line is not None:
            report.cell_lines[cell.number] = cell.file_line
        if cell.sql is not None:
            try:
                _sql_cell(it, cell)
            except Blocked:
                pass  # block mode: the query is refused, like the kernel refuses it; the finding stands
            except Exception as exc:  # leakguard's own failure: say so, keep checking the other cells
                report.problems.append(f"cell {cell.number}: leakguard could not analyse this SQL cell "
                                       f"({type(exc).__name__}: {exc}); the rest was checked")
                continue
            report.checked_cells += 1
            continue
        if not cell.code.strip():
            report.checked_cells += 1
            continue
        code = cell.code if notebook else "\n" * cell.line_offset + cell.code
        try:
            tree = ast.parse(code)
        except SyntaxError as exc:
            where = f"cell {cell.number}, line {exc.lineno}" if notebook else f"line {exc.lineno}"
            if notebook or len(source.cells) > 1:
                report.problems.append(f"{where}: syntax error ({exc.msg}); this cell was not checked")
                continue
            tree = _recover(code, report)
            if not tree.body:  # no block parses (Python 2, say): nothing of this script was checked
                continue
        except (ValueError, MemoryError, RecursionError) as exc:
            report.problems.append(f"cell {cell.number}: cannot parse ({type(exc).__name__}); not checked")
            continue
        try:
            it.run_cell(tree, _label(cell), None)
            report.checked_cells += 1
        except Exception as exc:  # leakguard's own failure: say so, keep checking the other cells
            report.problems.append(f"cell {cell.number}: leakguard could not analyse this cell "
                                   f"({type(exc).__name__}: {exc}); the rest was checked")
    if report.checked_cells == 0 and report.problems:
        report.error = "nothing could be checked: " + "; ".join(report.problems[:3])
    report.policy = it.policy
    _place(it, source, report, by_id)
    return report


def _recover(code: str, report: FileReport) -> ast.Module:
    """A plain script with a syntax error: the top-level blocks that parse, each error reported."""
    lines = code.split("\n")
    starts = [i for i, ln in enumerate(lines)
              if ln[:1] not in ("", " ", "\t", "#", ")", "]", "}") and (i == 0 or not lines[i - 1].strip())]
    body: list[ast.stmt] = []
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        try:
            body.extend(ast.parse("\n" * start + "\n".join(lines[start:end])).body)
        except SyntaxError as exc:
            report.problems.append(f"line {exc.lineno}: syntax error ({exc.msg}); the block at line {start + 1} "
                                   "was not checked")
    return ast.Module(body=body, type_ignores=[])


def _label(cell: Cell) -> str:
    """The cell's name in events and provenance: ``cell 4`` (people count cells, not ids)."""
    return cell.label


def _mentioned(source: SourceFile, policy: Policy) -> frozenset[str]:
    """The policy's columns the code names as a string literal somewhere (for frames read from absent files)."""
    texts = [c.raw for c in source.cells]
    return frozenset(col for col in policy.protected_columns
                     if any(f"'{col}'" in t or f'"{col}"' in t for t in texts))


def _sql_cell(it: Interp, cell: Cell) -> None:
    from leakguard.static.sqlbridge import query

    it.cell_id, it.execution_count, it.line, it.col = _label(cell), None, 1, 1
    value = query(it, cell.sql or "", "duckdb")
    parts = cell.sql_args.split()
    if "-o" in parts and parts.index("-o") + 1 < len(parts):
        it.globals[parts[parts.index("-o") + 1]] = value


def _place(it: Interp, source: SourceFile, report: FileReport, by_id: dict[str, Cell]) -> None:
    notebook = source.kind == "notebook"
    multi = len(source.cells) > 1
    suppressions = {_label(c): comments(c.raw, 1 if notebook else c.line_offset + 1)
                    for c in source.cells if "leakguard:" in c.raw}
    whole_file = frozenset().union(*(s.file for s in suppressions.values()))
    for s in suppressions.values():
        s.file = whole_file
    nothing = Comments({}, whole_file)
    path = report.path.as_posix()
    for loc in it.found:
        f = loc.finding
        cell = by_id.get(f.where.cell)
        if cell is not None and suppressions.get(_label(cell), nothing).suppressed(f.rule, f.where.line):
            report.suppressed += 1
            continue
        line_text = _line_text(cell, f.where.line, notebook) if cell is not None else ""
        report.findings.append(Reported(
            f, f.where.line, loc.col, cell.number if cell is not None and (notebook or multi) else None,
            cell.cell_id if cell is not None else f.where.cell, fingerprint(path, f.rule, f.subject, line_text)))
    for where, text in it.notes:
        cell = by_id.get(where.cell)
        report.notes.append((cell.number if cell is not None else None, where.line, text))


def _line_text(cell: Cell, line: int | None, notebook: bool) -> str:
    if line is None:
        return ""
    index = line - 1 if notebook else line - cell.line_offset - 1
    lines = cell.raw.split("\n")
    return lines[index] if 0 <= index < len(lines) else ""
