"""Which statements the pipeline needs: a backward slice from the notebook's final artifacts.

The artifacts are the fitted model(s) (the last value of every name a model was fitted
into), the files the notebook writes, the values named with ``--output``, and the
evaluations of the final model (so the pipeline reports the notebook's metrics). The slice
follows reaching definitions over the statements in run order: a use depends on the last
statement that bound the name and on every statement that changed the object since
(``df["x"] = ...``, ``model.fit(...)``). What the slice leaves out is dropped with a
reason: inspection-only, magic, policy (the module pins its policy), dead code, an unused
redefinition, or leaky (``--drop-leaky``).
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import re

from leakguard.pipeline.notebook import CellFinding, CodeCell, Notebook
from leakguard.pipeline.statements import Aliases, Stmt, fitted_names, statements

_BUILTINS = frozenset(dir(builtins)) | {"__file__", "__name__"}
# The start of the refusal for cells with findings (the sidebar shows those cells instead of this text).
LEAKY_REFUSAL = "refused: leakage findings"
_REASON_ORDER = ("leaky", "inspection-only", "magic", "policy", "unused redefinition", "dead code", "empty")
END = -1  # the virtual statement at the end of the notebook that uses every artifact


@dataclasses.dataclass(slots=True)
class Decision:
    """Whether a cell goes into the pipeline, and why (``detail`` lists dropped lines of kept cells)."""

    cell: CodeCell
    kept: bool
    reason: str
    detail: str = ""

    def text(self) -> str:
        """``cell 6 (id b68999dc)  dropped  inspection-only``."""
        state = "kept   " if self.kept else "dropped"
        return f"{self.cell.pointer:<34} {state}  {self.reason}" + (f" — {self.detail}" if self.detail else "")


@dataclasses.dataclass(slots=True)
class Plan:
    """The slice of a notebook, its artifacts, and the reasons export refuses it (``errors``)."""

    notebook: Notebook
    aliases: Aliases
    stmts: list[Stmt]
    kept: list[Stmt] = dataclasses.field(default_factory=list)
    deps: dict[int, dict[str, set[int]]] = dataclasses.field(default_factory=dict)
    decisions: list[Decision] = dataclasses.field(default_factory=list)
    models: list[str] = dataclasses.field(default_factory=list)
    metrics: list[str] = dataclasses.field(default_factory=list)
    metric_of: dict[int, str] = dataclasses.field(default_factory=dict)  # bare evaluation → its new name
    outputs: list[str] = dataclasses.field(default_factory=list)
    writes: list[Stmt] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    leaky: list[tuple[CodeCell, CellFinding]] = dataclasses.field(default_factory=list)

    @property
    def artifacts(self) -> list[str]:
        """Names the pipeline returns: models, metrics, then ``--output`` values (no repeats)."""
        return list(dict.fromkeys([*self.models, *self.metrics, *self.outputs]))

    @property
    def ok(self) -> bool:
        return not self.errors


def plan(nb: Notebook, *, outputs: tuple[str, ...] = (), drop_leaky: bool = False) -> Plan:
    """The slice of ``nb``: kept statements, per-cell decisions, artifacts, and refusals."""
    aliases = Aliases()
    p = Plan(nb, aliases, statements(nb.cells, aliases), outputs=list(outputs))
    for cell in nb.cells:
        p.leaky.extend((cell, f) for f in cell.findings if f.blocking)
    leaky_cells = {cell.number for cell, _ in p.leaky}
    if p.leaky and not drop_leaky:
        cells = ", ".join(sorted({c.label for c, _ in p.leaky}, key=_number))
        p.errors.append(f"{LEAKY_REFUSAL} in {cells} (listed below); fix them, suppress a finding "
                        "with `# leakguard: ignore[rule]` if it is wrong, or export with --drop-leaky to remove "
                        "those cells")
    candidates = [s for s in p.stmts if not (drop_leaky and s.cell.number in leaky_cells)]
    p.deps, unresolved = _reaching(candidates)
    every, _ = _reaching(p.stmts) if drop_leaky and leaky_cells else (p.deps, {})
    p.models = _model_names(p.stmts)
    seeds = _seeds(p, candidates)
    keep = _closure(p.deps, seeds)
    keep |= _evaluations(p, candidates, keep)
    keep = _closure(p.deps, keep)
    last = max(keep, default=-1)
    keep = _closure(p.deps, keep | {s.index for s in candidates if s.kind == "state" and s.index < last})
    p.kept = [s for s in p.stmts if s.index in keep]
    p.writes = [s for s in p.kept if s.writes]
    _check(p, unresolved, every, leaky_cells)
    p.decisions = _decisions(p, leaky_cells)
    return p


def _number(label: str) -> int:
    m = re.search(r"\d+", label)
    return int(m.group()) if m else 0


def _reaching(stmts: list[Stmt]) -> tuple[dict[int, dict[str, set[int]]], dict[int, set[str]]]:
    """Per statement, per name it uses, the statements that value comes from; and the names nothing defined."""
    last_def: dict[str, int] = {}
    changed_since: dict[str, list[int]] = {}
    deps: dict[int, dict[str, set[int]]] = {}
    unresolved: dict[int, set[str]] = {}
    pending_late: dict[str, list[int]] = {}
    for s in stmts:
        mine: dict[str, set[int]] = {}
        for name in s.uses | s.late_uses:
            source = ({last_def[name]} if name in last_def else set()) | set(changed_since.get(name, ()))
            if source:
                mine[name] = source
            elif name in s.late_uses:
                pending_late.setdefault(name, []).append(s.index)
            elif name not in _BUILTINS:
                unresolved.setdefault(s.index, set()).add(name)
        deps[s.index] = mine
        for name in s.defs:
            last_def[name] = s.index
            changed_since[name] = []
            for user in pending_late.pop(name, []):  # a function body using a name defined after the def
                deps[user].setdefault(name, set()).add(s.index)
        for name in s.mutates - s.defs:
            changed_since.setdefault(name, []).append(s.index)
    end: dict[str, set[int]] = {}
    for name, index in last_def.items():
        end[name] = {index, *changed_since.get(name, ())}
    for name, users in pending_late.items():  # used inside a function, defined nowhere
        for user in users:
            if name not in _BUILTINS and name not in end:
                unresolved.setdefault(user, set()).add(name)
    deps[END] = end
    return deps, unresolved


def _model_names(stmts: list[Stmt]) -> list[str]:
    """Names a model was fitted into: bound or changed by a statement where a model learns."""
    fits = [s for s in stmts if s.fits_model]
    if not fits:  # the engine saw no model: fall back on `.fit(...)` calls
        fits = [s for s in stmts if s.kind == "code" and any(
            isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr in ("fit", "partial_fit")
            for c in ast.walk(s.node or ast.Pass()))]
    names: list[str] = []
    for s in fits:
        if s.node is not None:
            names.extend(fitted_names(s.node))
    return list(dict.fromkeys(names))


def _seeds(p: Plan, candidates: list[Stmt]) -> set[int]:
    end = p.deps[END]
    seeds: set[int] = set()
    for name in [*p.models, *p.outputs]:
        seeds |= end.get(name, set())
    seeds |= {s.index for s in candidates if s.writes and s.kind == "code"}
    return seeds


def _closure(deps: dict[int, dict[str, set[int]]], seeds: set[int]) -> set[int]:
    keep: set[int] = set()
    todo = list(seeds)
    while todo:
        i = todo.pop()
        if i in keep or i == END:
            continue
        keep.add(i)
        for sources in deps.get(i, {}).values():
            todo.extend(sources - keep)
    return keep


def _evaluations(p: Plan, candidates: list[Stmt], keep: set[int]) -> set[int]:
    """Evaluation statements after the final model's fit that use it (directly or through predictions)."""
    fitted = {i for name in p.models for i in p.deps[END].get(name, set())}
    if not fitted:
        return set()
    reach = set(fitted)
    found: set[int] = set()
    taken = {n for s in p.stmts for n in s.defs | s.uses}
    for s in candidates:
        if s.index <= min(fitted) or s.kind in ("magic", "policy", "sql"):
            continue
        if any(src & reach for src in p.deps.get(s.index, {}).values()):
            if s.evaluates:
                found.add(s.index)
                if isinstance(s.node, ast.Expr):
                    name = _metric_name(s.node.value, taken)
                    taken.add(name)
                    p.metric_of[s.index] = name
                    p.metrics.append(name)
                else:
                    p.metrics.extend(sorted(s.defs))
            if s.index in keep or s.evaluates or s.kind == "code":
                reach.add(s.index)
    return found


def _metric_name(value: ast.expr, taken: set[str]) -> str:
    """A name for a bare evaluation: ``accuracy`` for ``accuracy_score(...)``, ``score`` otherwise."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("print", "display") \
            and value.args:
        value = value.args[0]
    base = "score"
    if isinstance(value, ast.Call):
        callee = value.func.attr if isinstance(value.func, ast.Attribute) else getattr(value.func, "id", "")
        stem = re.sub(r"_score$", "", callee)
        if stem and stem.isidentifier() and stem not in ("round", "float", "print"):
            base = stem
    name, n = base, 2
    while name in taken or name in _BUILTINS:
        name, n = f"{base}_{n}", n + 1
    return name


def _check(p: Plan, unresolved: dict[int, set[str]], every: dict[int, dict[str, set[int]]],
           leaky_cells: set[int]) -> None:
    by_index = {s.index: s for s in p.stmts}
    for s in p.kept:
        if s.kind == "magic":
            p.errors.append(f"{s.where}: `{s.cell.raw.splitlines()[s.line - 1].strip()}` is IPython syntax that "
                            "export cannot translate, and the pipeline needs what it makes")
        elif s.kind == "sql":
            p.errors.append(f"{s.cell.pointer}: a %%sql cell the pipeline needs ({', '.join(sorted(s.defs))}); export "
                            "does not translate %%sql cells — run the query from Python (duckdb.sql(...).df())")
        for name in sorted(unresolved.get(s.index, ())):
            p.errors.append(_undefined(s, name, p.stmts, every, leaky_cells))
    for name in p.outputs:
        if name not in p.deps[END] and not any(name in s.defs for s in p.stmts):
            p.errors.append(f"--output {name}: no cell defines `{name}`")
    for name in p.models:
        if name not in p.deps[END]:
            cells = sorted({by_index[i].cell.label for i in every.get(END, {}).get(name, set())}, key=_number)
            p.errors.append(f"the model `{name}` is fitted in {', '.join(cells) or 'a cell'} that --drop-leaky "
                            "removed: what remains cannot produce it")
    if not p.models and not p.writes and not p.outputs:
        p.errors.append("no model: the notebook fits no model and writes no file, and no --output was named, "
                        "so there is nothing to export (name a value with --output NAME to export what makes it)")


def _undefined(s: Stmt, name: str, stmts: list[Stmt], every: dict[int, dict[str, set[int]]],
               leaky_cells: set[int]) -> str:
    later = [t for t in stmts if t.index > s.index and name in t.defs]
    if later and later[0].cell.number not in leaky_cells:
        return (f"{s.where} uses `{name}` before it is defined ({later[0].where} defines it later): the notebook "
                "only works when run out of order — move that cell up and re-run the notebook top to bottom")
    removed = [t for t in stmts if t.cell.number in leaky_cells and name in t.defs]
    if removed and s.index in every and name in every[s.index]:
        return (f"{s.where} needs `{name}`, which only {removed[-1].cell.label} defines, and --drop-leaky removed "
                "that cell: what remains cannot produce the artifacts")
    return f"{s.where} uses `{name}`, which no cell defines"


def _decisions(p: Plan, leaky_cells: set[int]) -> list[Decision]:
    kept = {s.index for s in p.kept}
    redefined = {n for s in p.kept for n in s.defs}
    by_cell: dict[int, list[Stmt]] = {}
    for s in p.stmts:
        by_cell.setdefault(s.cell.number, []).append(s)
    out: list[Decision] = []
    for cell in p.notebook.cells:
        mine = by_cell.get(cell.number, [])
        reasons = [(s, _why(s, redefined, leaky_cells)) for s in mine if s.index not in kept]
        if any(s.index in kept for s in mine):
            detail = "; ".join(f"dropped line {s.line} ({why})" for s, why in reasons)
            evaluation = any(s.index in p.metric_of or s.evaluates for s in mine if s.index in kept)
            out.append(Decision(cell, True, "evaluation" if evaluation else "needed", detail))
        elif not mine:
            out.append(Decision(cell, False, "empty"))
        else:
            found = {why for _, why in reasons}
            out.append(Decision(cell, False, next(r for r in _REASON_ORDER if r in found)))
    out.extend(Decision(c, False, "not run", "the recorded session never ran it") for c in p.notebook.not_run)
    return sorted(out, key=lambda d: d.cell.number)


def _why(s: Stmt, redefined: set[str], leaky_cells: set[int]) -> str:
    if s.cell.number in leaky_cells:
        return "leaky"
    if s.kind in ("magic", "policy"):
        return s.kind
    if s.kind == "inspection" or s.looks_inspection:
        return "inspection-only"
    if s.defs & redefined:
        return "unused redefinition"
    return "dead code"
