"""Reading a notebook for export: its cells in run order, the lineage events and the findings of each cell.

This is the export's adapter over the static engine (``leakguard.static``): it reads the file
with the engine's reader, interprets the cells with the engine's interpreter (keeping the
events, which ``check`` does not hand out), applies ``# leakguard: ignore`` comments, and adds
the findings the kernel recorded in the notebook (cell outputs and ``metadata.leakguard``).

Order: the execution order recorded in the notebook's metadata when present (the static
reader's ``metadata.leakguard.execution``, or the sidebar's ``metadata.leakguard.order``),
each cell at its last run; otherwise document order, with a warning when the execution
counts show the cells were run in another order.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import itertools
import json
from pathlib import Path
from typing import Any

from leakguard.finding import FINDINGS_MIME, SEVERITY_ORDER
from leakguard.lineage.events import Event
from leakguard.policy import Policy


class NotebookError(Exception):
    """The notebook cannot be exported at all (unreadable, or a cell that does not parse); for people."""


@dataclasses.dataclass(frozen=True, slots=True)
class CellFinding:
    """A finding attached to a cell: from the static engine or recorded by the kernel."""

    rule: str
    severity: str
    message: str
    line: int | None
    hint: str = ""
    origin: str = "static"   # static | recorded

    @property
    def blocking(self) -> bool:
        """True when the finding refuses the export (warning or error; info findings do not)."""
        return SEVERITY_ORDER.get(self.severity, 0) >= SEVERITY_ORDER["warning"]


@dataclasses.dataclass(slots=True)
class CodeCell:
    """One code cell as export sees it."""

    number: int                  # 1-based position in the file, as people count cells
    cell_id: str
    code: str                    # Python with IPython syntax neutralised (line numbers kept)
    raw: str
    execution_count: int | None
    sql: str | None = None
    sql_args: str = ""
    tree: ast.Module | None = None
    events: list[Event] = dataclasses.field(default_factory=list)
    findings: list[CellFinding] = dataclasses.field(default_factory=list)

    @property
    def label(self) -> str:
        """``cell 4`` (how the static engine names cells in events)."""
        return f"cell {self.number}"

    @property
    def pointer(self) -> str:
        """``cell 4 (In[3], id 7c7b25ee)``: how the exported module points back at the cell."""
        extra = ([f"In[{self.execution_count}]"] if self.execution_count is not None else [])
        if not self.cell_id.startswith("cell "):
            extra.append(f"id {self.cell_id}")
        return self.label + (f" ({', '.join(extra)})" if extra else "")


@dataclasses.dataclass(slots=True)
class Notebook:
    """A notebook read for export."""

    path: Path
    sha256: str
    kind: str
    cells: list[CodeCell]               # in run order
    order: str                          # document | recorded
    policy: Policy
    warnings: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    not_run: list[CodeCell] = dataclasses.field(default_factory=list)  # cells the recorded session never ran


def read_notebook(path: Path, policy: Policy | None = None) -> Notebook:
    """Read, order and analyse ``path``; raises NotebookError for what export cannot work from."""
    from leakguard.policy import load_policy
    from leakguard.static.reading.sources import MAX_BYTES, InputError, read_limited, read_notebook_text, read_source

    try:  # a regular file, its size checked before reading (a FIFO or /dev/zero would never end)
        data = read_limited(path, MAX_BYTES)
    except InputError as exc:
        why = str(exc)
        raise NotebookError(f"{path}: {why if why.startswith('cannot read') else f'cannot read ({why})'}") from None
    try:
        if path.suffix.lower() == ".ipynb":
            source = read_notebook_text(data.decode("utf-8-sig"), path)
        else:
            source = read_source(path)
    except (InputError, UnicodeDecodeError) as exc:
        raise NotebookError(f"{path}: {exc}") from None
    raw = _json(data) if source.kind == "notebook" else {}
    cells = [CodeCell(c.number, c.cell_id, c.code, c.raw, c.execution_count, c.sql, c.sql_args) for c in source.cells]
    nb = Notebook(path, hashlib.sha256(data).hexdigest(), source.kind, cells, source.order,
                  policy or load_policy(path.parent))
    nb.warnings.extend(source.problems)
    _order(nb, raw)
    _parse(nb)
    _interpret(nb)
    _recorded_findings(nb, raw)
    return nb


def _json(data: bytes) -> dict[str, Any]:
    try:
        loaded = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


# -- order ----------------------------------------------------------------------------------------


def _last_runs(cells: list[CodeCell]) -> list[CodeCell]:
    """Each cell once, at its last run."""
    seen: set[int] = set()
    kept: list[CodeCell] = []
    for cell in reversed(cells):
        if cell.number not in seen:
            seen.add(cell.number)
            kept.append(cell)
    return kept[::-1]


def _order(nb: Notebook, raw: dict[str, Any]) -> None:
    document = sorted({c.number: c for c in nb.cells}.values(), key=lambda c: c.number)
    if nb.order != "recorded":
        record = _sidebar_order(raw)
        if record:
            by_id = {c.cell_id: c for c in document}
            runs = [dataclasses.replace(by_id[cid], execution_count=count)
                    for cid, count in record if cid in by_id]
            if runs:
                nb.cells, nb.order = runs, "recorded"
    if nb.order == "recorded":
        nb.cells = _last_runs(nb.cells)
        ran = {c.number for c in nb.cells}
        nb.not_run = [c for c in document if c.number not in ran]
        if [c.number for c in nb.cells] != sorted(ran):
            nb.notes.append("the cells are exported in the order they last ran (recorded in the notebook), "
                            "not in document order")
        return
    counted = [(c.execution_count, c) for c in nb.cells if c.execution_count is not None]
    for (count_a, a), (count_b, b) in itertools.pairwise(counted):
        if count_b < count_a:
            nb.warnings.append(
                f"out-of-order execution: {b.label} ran as In[{count_b}] before {a.label} (In[{count_a}]), "
                "and the notebook records no run order; the export follows document order — re-run the "
                "notebook top to bottom to be sure it reproduces")
            break


def _sidebar_order(raw: dict[str, Any]) -> list[tuple[str, int | None]]:
    meta = raw.get("metadata")
    lg = meta.get("leakguard") if isinstance(meta, dict) else None
    order = lg.get("order") if isinstance(lg, dict) else None
    if not isinstance(order, list):
        return []
    runs: list[tuple[str, int | None]] = []
    for entry in order:
        if isinstance(entry, list | tuple) and entry and isinstance(entry[0], str):
            count = entry[1] if len(entry) > 1 and isinstance(entry[1], int) else None
            runs.append((entry[0], count))
    return runs


# -- parsing and interpretation ----------------------------------------------------------------------


def _parse(nb: Notebook) -> None:
    problems: list[str] = []
    for cell in nb.cells:
        if cell.sql is not None:
            continue
        try:
            cell.tree = ast.parse(cell.code)
        except SyntaxError as exc:
            problems.append(f"{cell.pointer}, line {exc.lineno}: syntax error ({exc.msg})")
        except (ValueError, MemoryError, RecursionError) as exc:
            problems.append(f"{cell.pointer}: cannot be parsed ({type(exc).__name__})")
    if problems:
        raise NotebookError("cannot export a notebook with cells that do not parse — fix or delete them:\n  "
                            + "\n  ".join(problems))


def _interpret(nb: Notebook) -> None:
    from leakguard.static.interp import Interp
    from leakguard.static.reading.suppress import comments

    strings = frozenset(s for c in nb.cells for s in _strings(c.raw))
    it = Interp(nb.policy, nb.path.parent, lambda: strings)
    by_label = {c.label: c for c in nb.cells}
    for cell in nb.cells:
        start = len(it.graph.events)
        try:
            if cell.sql is not None:
                _sql_cell(it, cell)
            elif cell.tree is not None:
                it.run_cell(cell.tree, cell.label, cell.execution_count)
        except Exception as exc:  # the engine's own failure: say so, keep going
            nb.notes.append(f"{cell.pointer}: leakguard could not analyse this cell ({type(exc).__name__}: {exc})")
        cell.events = list(it.graph.events)[start:]
    for where, text in it.notes:
        owner = by_label.get(where.cell)
        nb.notes.append(f"{owner.pointer if owner else where.cell}: {text}")
    for loc in it.found:
        f = loc.finding
        owner = by_label.get(f.where.cell)
        if owner is None or comments(owner.raw).suppressed(f.rule, f.where.line):
            continue
        owner.findings.append(CellFinding(f.rule, f.severity, f.message, f.where.line, f.hint))
    nb.policy = it.policy


def _strings(raw: str) -> list[str]:
    import re

    return [m.group(2) for m in re.finditer(r"""(['"])([^'"\n]{1,200})\1""", raw)]


def _sql_cell(it: Any, cell: CodeCell) -> None:
    from leakguard.static.sqlbridge import query

    it.cell_id, it.execution_count, it.line, it.col = cell.label, cell.execution_count, 1, 1
    query(it, cell.sql or "", "duckdb")


# -- findings the kernel recorded ------------------------------------------------------------------


def _recorded_findings(nb: Notebook, raw: dict[str, Any]) -> None:
    from leakguard.static.reading.suppress import comments

    by_id = {c.cell_id: c for c in nb.cells}
    by_label = {c.label: c for c in nb.cells}
    entries: list[tuple[CodeCell, dict[str, Any]]] = []
    for i, cell in enumerate(raw.get("cells", []) if isinstance(raw.get("cells"), list) else []):
        owner = by_id.get(str(cell.get("id"))) if isinstance(cell, dict) else None
        owner = owner or by_label.get(f"cell {i + 1}")
        for out in (cell.get("outputs") or []) if isinstance(cell, dict) and owner else []:
            payload = out.get("data", {}).get(FINDINGS_MIME) if isinstance(out, dict) else None
            for f in payload.get("findings", []) if isinstance(payload, dict) else []:
                if isinstance(f, dict) and owner is not None:
                    entries.append((owner, {**f, "line": (f.get("where") or {}).get("line")}))
    meta = raw.get("metadata")
    lg = meta.get("leakguard") if isinstance(meta, dict) else None
    for f in lg.get("findings", []) if isinstance(lg, dict) and isinstance(lg.get("findings"), list) else []:
        key = str(f.get("cell")) if isinstance(f, dict) else ""
        owner = by_id.get(key) or by_label.get(key)
        if owner is not None and isinstance(f, dict):
            entries.append((owner, f))
    for owner, f in entries:
        rule, severity = str(f.get("rule", "?")), str(f.get("severity", "warning"))
        line = f.get("line") if isinstance(f.get("line"), int) else None
        if comments(owner.raw).suppressed(rule, line):
            continue
        if any(g.rule == rule and g.line == line for g in owner.findings):
            continue
        owner.findings.append(CellFinding(rule, severity, str(f.get("message", "")), line,
                                          str(f.get("hint", "")), "recorded"))
