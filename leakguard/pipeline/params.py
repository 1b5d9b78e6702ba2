"""The pipeline's parameters: the notebook's literal inputs, turned into keyword arguments with defaults.

Found in the kept code: paths of the files read and written, the cutoff (the policy's, or a
date compared with a column), seeds (``random_state=42``), split sizes, and the literal
keyword arguments of the estimators and fits of the training step (hyperparameters). Each
literal site is replaced by the parameter's name; the default is the notebook's value. When
the code splits with ``leakguard.split``, the module passes an explicit policy built from
the exported one, whose cutoff, holdout and seed are parameters too.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from collections.abc import Iterator
from typing import Any

from leakguard.lineage.events import Query, Read
from leakguard.pipeline.phases import RESERVED, Layout
from leakguard.pipeline.slicing import Plan
from leakguard.pipeline.statements import Stmt, root_name

_SEED_KEYWORDS = ("random_state", "seed", "random_seed")
_SPLIT_KEYWORDS = ("test_size", "train_size")
_PATH_KEYWORDS = ("path", "path_or_buf", "filepath_or_buffer", "fname", "file", "filename", "io", "source", "f")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$")


@dataclasses.dataclass(slots=True)
class Param:
    """One keyword parameter of the pipeline."""

    name: str
    role: str            # input | output | cutoff | seed | split | hyperparameter | holdout | policy-seed
    value: Any
    default: str         # source text of the default (a literal, or the name of a path constant)
    annotation: str
    steps: set[str] = dataclasses.field(default_factory=set)
    path: str | None = None   # input/output: the path as written in the notebook

    @property
    def literal(self) -> str:
        """The notebook's value as Python source."""
        return render(self.value)


@dataclasses.dataclass(slots=True)
class Params:
    """All parameters, the literal sites they replace, and the explicit policy when ``leakguard.split`` is used."""

    params: list[Param] = dataclasses.field(default_factory=list)
    edits: dict[int, list[tuple[ast.AST, str]]] = dataclasses.field(default_factory=dict)  # stmt index → (node, text)
    policy: dict[str, str] = dataclasses.field(default_factory=dict)   # key → Python source of its value
    policy_steps: set[str] = dataclasses.field(default_factory=set)
    policy_name: str = "split_policy"

    def by_step(self, step: str) -> list[Param]:
        return [p for p in self.params if step in p.steps]


def render(value: Any) -> str:
    """Python source for a literal: strings with double quotes (as ruff formats them)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render(v) for v in value) + "]"
    return repr(value)


def find_params(p: Plan, lay: Layout) -> Params:
    """Every parameter of the kept code, named so they clash with no name of the notebook."""
    taken = set(RESERVED) | {n.id for s in p.kept if s.node is not None for n in ast.walk(s.node)
                             if isinstance(n, ast.Name)} | {n for s in p.kept for n in s.defs}
    out = Params()
    keyed: dict[tuple[str, str, str], Param] = {}
    inputs = _input_literals(p)

    def site(stmt: Stmt, step: str, found: tuple[ast.AST, str, Any, str]) -> None:
        node, role, value, base = found
        key = (role, base, render(value))
        param = keyed.get(key) if role != "hyperparameter" else None
        if param is None:
            name = _free(base, taken)
            param = Param(name, role, value, render(value), type(value).__name__ if value is not None else "Any")
            keyed[key] = param
            out.params.append(param)
        param.steps.add(step)
        out.edits.setdefault(stmt.index, []).append((node, param.name))

    for step in lay.steps.values():
        for stmt in step.stmts:
            for found in _literals(stmt, step.name, p, inputs):
                site(stmt, step.name, found)
    _name_paths(out, taken)
    _policy(out, p, lay, taken, keyed)
    order = {name: k for k, name in enumerate(lay.steps)}
    out.params.sort(key=lambda x: min(order[s] for s in x.steps))  # stable: discovery order within a step
    return out


def _free(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _input_literals(p: Plan) -> set[str]:
    """String literals naming what the notebook reads (from the engine's read and query events)."""
    texts: list[str] = []
    for s in p.kept:
        for e in s.events:
            if isinstance(e, Read):
                texts.append(e.source)
            elif isinstance(e, Query):
                texts.extend(e.tables)
    found: set[str] = set()
    for s in p.kept:
        for node in _constants(s.node):
            if isinstance(node.value, str) and len(node.value) > 2 and any(node.value in t for t in texts):
                found.add(node.value)
    return found


def _constants(node: ast.AST | None) -> Iterator[ast.Constant]:
    """Constants of a statement, except inside f-strings (their positions are not reliable)."""
    if node is None:
        return
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, ast.JoinedStr):
            continue
        if isinstance(n, ast.Constant):
            yield n
        todo.extend(ast.iter_child_nodes(n))


def _literal(node: ast.expr) -> tuple[bool, Any]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool | type(None)):
        return True, node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, int | float) and not isinstance(node.operand.value, bool):
        return True, -node.operand.value
    return False, None


def _literals(stmt: Stmt, step: str, p: Plan, inputs: set[str]) -> Iterator[tuple[ast.AST, str, Any, str]]:
    """(node, role, value, base name) for each literal of ``stmt`` that becomes a parameter."""
    node = stmt.node
    if node is None:
        return
    done: set[int] = set()
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        target = _write_target(call)
        if target is not None and id(target) not in done and isinstance(target.value, str):
            done.add(id(target))
            yield target, "output", target.value, "output_path"
    for const in _constants(node):
        if isinstance(const.value, str) and const.value in inputs and id(const) not in done:
            done.add(id(const))
            yield const, "input", const.value, "path"
    cutoff = p.notebook.policy.cutoff
    for n in ast.walk(node):
        if isinstance(n, ast.Compare):
            for side in (n.left, *n.comparators):
                if isinstance(side, ast.Constant) and isinstance(side.value, str) and id(side) not in done and (
                        side.value == cutoff or _ISO_DATE.match(side.value)):
                    done.add(id(side))
                    yield side, "cutoff", side.value, "cutoff"
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        estimator = _estimator_call(call) and step == "train"
        for kw in call.keywords:
            ok, value = _literal(kw.value)
            if not ok or kw.arg is None or id(kw.value) in done:
                continue
            if kw.arg in _SEED_KEYWORDS and isinstance(value, int):
                role = "seed"
            elif kw.arg in _SPLIT_KEYWORDS and stmt.splits:
                role = "split"
            elif estimator:
                role = "hyperparameter"
            else:
                continue
            done.add(id(kw.value))
            yield kw.value, role, value, kw.arg


def _estimator_call(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name[:1].isupper() or name in ("fit", "partial_fit")


def _write_target(call: ast.Call) -> ast.Constant | None:
    """The path literal a writing call writes to, if it is a literal."""
    from leakguard.pipeline.statements import WRITE_METHODS

    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in WRITE_METHODS and name != "open":
        return None
    if name == "open":
        mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
        if not (isinstance(mode, ast.Constant) and isinstance(mode.value, str) and any(c in mode.value for c in "wax")):
            return None
        arg: ast.expr | None = call.args[0] if call.args else None
    else:
        module_call = isinstance(func, ast.Attribute) and root_name(func.value) in ("np", "numpy", "joblib", "pickle")
        position = 1 if name == "dump" else 0
        if module_call and name != "dump":
            position = 0
        arg = call.args[position] if len(call.args) > position else None
    if arg is None:
        arg = next((k.value for k in call.keywords if k.arg in _PATH_KEYWORDS), None)
    return arg if isinstance(arg, ast.Constant) else None


def _name_paths(out: Params, taken: set[str]) -> None:
    """``path`` when the notebook reads one file, else ``events_path``...; the default is a module constant."""
    for role, one, suffix in (("input", "path", "_path"), ("output", "output_path", "_output")):
        mine = [x for x in out.params if x.role == role]
        for x in mine:
            x.path = str(x.value)
            if len(mine) > 1:
                stem = re.sub(r"\W+", "_", re.split(r"[\\/]", x.path.rstrip("/\\"))[-1].split(".")[0]).strip("_")
                x.name = _rename(out, x.name, (stem.lower() or "data") + suffix)
            elif x.name != one:
                x.name = _rename(out, x.name, one)
            x.default = _free(x.name.upper(), taken)
            x.annotation = "str"


def _rename(out: Params, old: str, new: str) -> str:
    names = {x.name for x in out.params} | {t for edits in out.edits.values() for _, t in edits}
    if new in names and new != old:
        return old
    for edits in out.edits.values():
        edits[:] = [(node, new if text == old else text) for node, text in edits]
    return new


def _policy(out: Params, p: Plan, lay: Layout, taken: set[str], keyed: dict[tuple[str, str, str], Param]) -> None:
    """When the kept code calls ``leakguard.split``, pass it the exported policy explicitly."""
    steps = {name for name, step in lay.steps.items() for s in step.stmts if _split_calls(s, p)}
    if not steps:
        return
    out.policy_steps = steps
    out.policy_name = _free("split_policy", taken)
    pol = p.notebook.policy
    explicit = {k for k in ("label", "time", "cutoff", "holdout") if k not in pol.inferred}
    h = pol.holdout

    def param(role: str, value: Any, base: str) -> str:
        x = keyed.get((role, base, render(value)))
        if x is None:
            x = Param(_free(base, taken), role, value, render(value), type(value).__name__)
            keyed[(role, base, render(value))] = x
            out.params.append(x)
        x.steps |= steps
        return x.name

    if pol.label and "label" in explicit:
        out.policy["label"] = render(list(pol.label))
    if pol.time is not None:
        out.policy["time"] = render(pol.time)
    if pol.cutoff is not None:
        out.policy["cutoff"] = param("cutoff", pol.cutoff, "cutoff")
    if h.fraction is not None:
        out.policy["holdout"] = param("holdout", h.fraction, "holdout")
        out.policy["seed"] = param("policy-seed", h.seed, "seed")
    for key, value in (("holdout_column", h.column), ("id_column", h.id_column)):
        if value is not None:
            out.policy[key] = render(value)
    if h.ids is not None:
        out.policy["holdout_ids"] = render(list(h.ids))
    if h.tables:
        out.policy["holdout_tables"] = render(list(h.tables))
    for step in lay.steps.values():
        for s in step.stmts:
            for call in _split_calls(s, p):
                out.edits.setdefault(s.index, []).append((call, f"policy={out.policy_name}"))


def _split_calls(s: Stmt, p: Plan) -> list[ast.Call]:
    if s.node is None:
        return []
    return [c for c in ast.walk(s.node) if isinstance(c, ast.Call) and p.aliases.dotted(c.func) == "leakguard.split"
            and not any(k.arg == "policy" for k in c.keywords)]
