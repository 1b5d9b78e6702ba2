"""After each cell: finish what the modelling handlers started, then look for calls nobody judged.

1. A column assignment (``df["c"] = ...``) keeps its column-level lineage: the session's
   own binding of ``df`` derives from every name the statement read, which would spread
   one column's taint to the whole frame; the binding is narrowed back to the assignment.
2. Statistics consumed inside a statement (``X = df[c].fillna(df[c].mean())``) become
   inputs of every name the statement wrote.
3. Row facts of the splits the cell made are proved (copies across the split, time order).
4. A fit / predict / score-like call on tracked data that no wrapper judged is reported
   once as unresolved (an info finding), never taken as clean.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from leakguard.kernel import evidence
from leakguard.kernel import frames as fr
from leakguard.kernel.calls import state
from leakguard.lineage.events import Derive, NodeId, Where
from leakguard.lineage.graph import holds_rows

if TYPE_CHECKING:
    from leakguard.kernel.session import Session

VERBS = frozenset({"fit", "fit_transform", "fit_predict", "fit_resample", "partial_fit", "predict", "predict_proba",
                   "decision_function", "transform", "score", "evaluate", "train"})


def attach(s: Session) -> None:
    """Register the after-cell step with ``s`` (once)."""
    st = state(s)
    if not st.attached:
        st.attached = True
        s.listeners.append(after_cell)


def after_cell(s: Session) -> None:
    """The after-cell steps; each failure is leakguard's own and is reported once as a quiet note."""
    was_busy, s.busy = s.busy, True
    try:
        for step in (_narrow_assignments, _attach_consumed, evidence.new_splits, _unresolved_calls):
            try:
                step(s)
            except Exception as exc:
                s.internal_error(f"after-cell {step.__name__.strip('_')}", exc)
    finally:
        s.busy = was_busy


def _rebind(s: Session, name: str, value: object, node_id: NodeId) -> None:
    s.tracker.register(value, node_id)
    s.bindings[name] = node_id


def _narrow_assignments(s: Session) -> None:
    st = state(s)
    if not st.assigned:
        return
    for name in s.scan.writes:
        value = s.user_ns.get(name)
        entry = st.assigned.get(id(value)) if value is not None else None
        bound = s.bindings.get(name)
        if entry is None or bound is None or bound == entry[0] or bound not in s.graph.nodes:
            continue
        node = s.graph.nodes[bound]
        if entry[0] not in node.inputs:
            continue  # the frame was rebuilt after the assignment
        base = s.graph.nodes[entry[0]]
        removes = frozenset(base.rows.parts - node.rows.parts) if node.rows.known else frozenset()
        made = s.graph.apply(Derive(s.graph.new_id(), (base.id,), "assign", name, node.where, rows="same",
                                    columns=node.columns, removes=removes, kind=node.kind))
        if made is not None:
            made.n_rows = node.n_rows
            _rebind(s, name, value, made.id)


def _attach_consumed(s: Session) -> None:
    st = state(s)
    if not st.consumed:
        return
    assigned_lines = {line for _, line in st.assigned.values()}
    for stmt in s.scan.statements:
        stats = [nid for line, nid in st.consumed if stmt.lineno <= line <= stmt.end_lineno and nid in s.graph.nodes]
        if not stats or stmt.lineno in assigned_lines:
            continue
        for name in stmt.writes:
            value = s.user_ns.get(name)
            node = s.node_for_name(name)
            if value is None or node is None or not holds_rows(node):
                continue
            ancestors = {n.id for n in s.graph.ancestors(node.id)}
            missing = tuple(nid for nid in stats if nid not in ancestors)
            if not missing:
                continue
            made = s.graph.apply(Derive(s.graph.new_id(), (node.id, *missing), "uses a statistic", name, node.where,
                                        rows="same", columns=node.columns, kind=node.kind))
            if made is not None:
                made.n_rows = node.n_rows
                _rebind(s, name, value, made.id)


def _unresolved_calls(s: Session) -> None:
    st = state(s)
    for span, call in s.scan.calls.items():
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in VERBS or span in st.handled:
            continue
        receiver = s.user_ns.get(func.value.id) if isinstance(func.value, ast.Name) else None
        if receiver is not None and (fr.is_frame_like(receiver) or type(receiver).__module__.startswith(
                ("pandas", "numpy", "builtins"))):
            continue
        args = [a for a in (*call.args, *(k.value for k in call.keywords)) if isinstance(a, ast.Name)]
        nodes = [n for n in (s.node_for_name(a.id) for a in args) if n is not None and holds_rows(n)]
        if not nodes:
            continue
        owner = type(receiver).__name__ if receiver is not None else ast.unparse(func.value)[:40]
        op = f"{owner}.{func.attr}"
        if op in s.unresolved:
            continue
        s.unresolved.add(op)
        where = Where(s.cell_id, s.execution_count, span[0])
        s.emit(Derive(s.graph.new_id(), tuple(n.id for n in nodes), op, f"{op}(...)", where, rows="aggregate",
                      kind="value", unresolved=True), block=False)
