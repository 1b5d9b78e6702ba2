"""After each cell: finish what the modelling handlers started, then look for calls nobody judged.

0. Arrays built from rows (``np.vstack([X_tr, X_te])``, ``X[mask]``) hold rows, not a
   statistic of them, even when their length matches no input.
   A tuple assignment (``X_tr, X_te = X_tr.values, X_te.values``) binds each name to what
   its own element read, not to everything the statement read (which would put test rows
   into the training values).
1. A column assignment (``df["c"] = ...``) keeps its column-level lineage: the session's
   own binding of ``df`` derives from every name the statement read, which would spread
   one column's taint to the whole frame; the binding is narrowed back to the assignment.
2. Statistics consumed inside a statement (``X = df[c].fillna(df[c].mean())``) become
   inputs of every name the statement wrote; numpy's, read from the cell's code first (``numpystats.py``).
3. Row facts of the splits the cell made are proved (copies across the split, time order).
4. A fit / predict / score-like call on tracked data that no wrapper judged is reported
   once as unresolved (an info finding), never taken as clean.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from leakguard.kernel import evidence, numpystats, stacking
from leakguard.kernel import frames as fr
from leakguard.kernel.calls import State, state
from leakguard.libraries.pandas.catalog import kept_through
from leakguard.libraries.stdlib.catalog import shown_names
from leakguard.lineage.events import Derive, NodeId, Where
from leakguard.lineage.graph import holds_rows

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.lineage.graph import Node

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
        done: set[int] = set()

        def tuples(s: Session) -> None:
            done.update(_split_tuples(s))

        def numpy_statistics(s: Session) -> None:
            numpystats.record(s, _cell_tree(s))

        def statistics(s: Session) -> None:
            _attach_consumed(s, done)

        def copies(s: Session) -> None:
            stacking.mark_copies(s, _cell_tree(s))

        steps: tuple[tuple[str, Callable[[Session], None]], ...] = (
            ("arrays", _array_rows), ("tuple assignments", tuples), ("column assignments", _narrow_assignments),
            ("numpy statistics", numpy_statistics), ("statistics", statistics), ("stacked copies", copies), ("split facts", evidence.new_splits), ("unresolved calls", _unresolved_calls),
            ("kept statistics shown", _kept_shown),
        )
        for name, step in steps:
            try:
                step(s)
            except Exception as exc:
                s.internal_error(f"after-cell {name}", exc)
        state(s).bindings_before = dict(s.bindings)
    finally:
        s.busy = was_busy


def _kept_shown(s: Session) -> None:
    """``print(counts)`` of ``counts = df.nunique()``: the statistic kept to choose columns is looked at here."""
    tree = _cell_tree(s) if s.kept_choosers else None
    for stmt in tree.body if tree is not None else ():
        _kept_sorted(s, stmt)
        for name in shown_names(stmt):
            value = s.user_ns.get(name)
            kept = s.kept_choosers.pop(id(value), None) if value is not None else None
            if kept is not None and kept[0] is value:
                where = Where(s.cell_id, s.execution_count, stmt.lineno)
                s.recorder.inspect(dataclasses.replace(kept[1], where=where), lambda event: None)


def _kept_sorted(s: Session, stmt: ast.stmt) -> None:
    """``counts = df.nunique().sort_values()``: the name holds the kept counts sorted, a new object; the kept
    statistic is then that object (it is looked at where ``counts`` is shown)."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            and kept_through(stmt.value) is not stmt.value):
        return
    value = s.user_ns.get(stmt.targets[0].id)
    if value is None:
        return
    for key, (obj, look) in list(s.kept_choosers.items()):
        if obj is not value and look.where.execution_count == s.execution_count and look.where.line == stmt.lineno:
            del s.kept_choosers[key]
            s.kept_choosers[id(value)] = (value, look)


def _rebind(s: Session, name: str, value: object, node_id: NodeId) -> None:
    s.tracker.register(value, node_id)
    s.bindings[name] = node_id


def _narrow_assignments(s: Session) -> None:
    st = state(s)
    if not st.assigned:
        return
    for name in sorted(s.scan.writes):
        value = s.user_ns.get(name)
        entry = st.assignment_of(value) if value is not None else None
        bound = s.bindings.get(name)
        if entry is None or bound is None or bound == entry[0] or bound not in s.graph.nodes:
            continue
        node = s.graph.nodes[bound]
        if entry[0] not in node.inputs:
            continue  # the frame was rebuilt after the assignment
        base = s.graph.nodes[entry[0]]
        removes = frozenset(base.rows.parts - node.rows.parts) if node.rows.known else frozenset()
        made = s.recorder.value(Derive(s.graph.new_id(), (base.id,), "assign", name, node.where, rows="same",
                                       columns=node.columns, removes=removes, kind=node.kind))
        if made is not None:
            made.n_rows = node.n_rows
            _rebind(s, name, value, made.id)


def _array_rows(s: Session) -> None:
    for name in sorted(s.scan.writes):
        value = s.user_ns.get(name)
        bound = s.bindings.get(name)
        node = s.graph.nodes.get(bound) if bound else None
        if node is None or node.op != "assign" or holds_rows(node) or node.where.execution_count != s.execution_count \
                or not type(value).__module__.startswith("numpy"):
            continue
        shape = getattr(value, "shape", ())
        inputs = [s.graph.nodes[i] for i in node.inputs if i in s.graph.nodes]
        row_inputs = [i for i in inputs if holds_rows(i) and i.n_rows]
        if not shape or shape[0] < 2 or not row_inputs:
            continue
        n = shape[0]
        stacked = n == sum(i.n_rows or 0 for i in row_inputs)
        table = len(shape) == 2 and all(n != len(i.columns or ()) for i in row_inputs)
        if stacked or table:
            made = s.recorder.value(Derive(s.graph.new_id(), node.inputs, "assign", name, node.where, rows="combine",
                                           kind=node.kind))
            if made is not None:
                made.n_rows = n
                _rebind(s, name, value, made.id)


def _cell_tree(s: Session) -> ast.Module | None:
    """The cell's code as run (IPython keeps it in the input history), when it matches the cell's scan."""
    hist = getattr(getattr(s.shell, "history_manager", None), "input_hist_parsed", None)
    if not hist:
        return None
    try:
        tree = ast.parse(str(hist[-1]))
    except (SyntaxError, ValueError):
        return None
    if [(st.lineno, st.end_lineno) for st in tree.body] != [(st.lineno, st.end_lineno) for st in s.scan.statements]:
        return None
    return tree


def _split_tuples(s: Session) -> set[int]:
    """Rebind each name of ``a, b = f(x), g(y)`` to the lineage of its own element; the lines done."""
    st = state(s)
    tree = _cell_tree(s) if any(len(x.writes) > 1 for x in s.scan.statements) else None
    if tree is None:
        return set()
    done: set[int] = set()
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
            continue
        target, value = stmt.targets[0], stmt.value
        if not (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List))
                and len(target.elts) == len(value.elts)
                and not any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts))):
            continue
        written_before = {n for x in s.scan.statements if x.lineno < stmt.lineno for n in x.writes}
        done.add(stmt.lineno)
        own = {t.id for t in target.elts if isinstance(t, ast.Name)}
        before = {name: s.bindings.get(name) for name in own}
        for tgt, elt in zip(target.elts, value.elts, strict=True):
            if isinstance(tgt, ast.Name):
                _rebind_element(s, st, tgt.id, elt, written_before, own=before)
    return done


def _rebind_element(s: Session, st: State, name: str, elt: ast.expr, written_before: set[str], *,
                    own: dict[str, NodeId | None]) -> None:
    """``own``: the statement's targets and their nodes as the statement left them (before this rebinding)."""
    bound = s.bindings.get(name)
    node = s.graph.nodes.get(bound) if bound else None
    value = s.user_ns.get(name)
    if node is None or value is None or node.op != "assign":
        return  # bound to a wrapper's own node: already exact
    inputs: dict[NodeId, Node] = {}
    for read in {n.id for n in ast.walk(elt) if isinstance(n, ast.Name)}:
        nid = s.bindings.get(read) if read in written_before else st.bindings_before.get(read)
        if read in own and read in written_before:
            # ``X_tr, X_te = X_tr.copy(), X_te.copy()`` after a split in the same cell: the name's node now is
            # the statement's own; what it read is the input of that node carrying the name
            mine = s.graph.nodes.get(own[read] or "")
            nid = next((i for i in (mine.inputs if mine else ()) if i in s.graph.nodes
                        and s.graph.nodes[i].name == read), nid)
        if nid is not None and nid in s.graph.nodes:
            inputs[nid] = s.graph.nodes[nid]
    lo = (elt.lineno, elt.col_offset)
    hi = (elt.end_lineno or elt.lineno, elt.end_col_offset or 0)
    for span, nid in st.consumed:
        if lo <= (span[0], span[2]) and (span[1], span[3]) <= hi and nid in s.graph.nodes:
            inputs[nid] = s.graph.nodes[nid]
    if not inputs:
        return
    made = s.derive_node(value, name, list(inputs.values()), "assign", node.where)
    s.bindings[name] = made.id


def _attach_consumed(s: Session, skip: set[int]) -> None:
    st = state(s)
    if not st.consumed:
        return
    for stmt in s.scan.statements:
        stats = [nid for span, nid in st.consumed
                 if stmt.lineno <= span[0] <= stmt.end_lineno and nid in s.graph.nodes]
        if not stats or stmt.lineno in skip:
            continue
        for name in sorted(stmt.writes):
            value = s.user_ns.get(name)
            if st.assignment_of(value) is not None:
                continue  # a frame given a column: the statistic is that column's (``df["c"] = ...fillna(mean)``)
            node = s.node_for_name(name)
            if value is None or node is None or not holds_rows(node):
                continue
            ancestors = {n.id for n in s.graph.ancestors(node.id)}
            missing = tuple(nid for nid in stats if nid not in ancestors and nid != node.id
                            and _fits_rows(s.graph.nodes[nid], node))
            if not missing:
                continue
            made = s.recorder.value(Derive(s.graph.new_id(), (node.id, *missing), "uses a statistic", name, node.where,
                                           rows="same", columns=node.columns, kind=node.kind))
            if made is not None:
                made.n_rows = node.n_rows
                _rebind(s, name, value, made.id)


def _fits_rows(made: Node, written: Node) -> bool:
    """A statistic always flows on; row data made in the statement only when its rows are the written value's."""
    if not holds_rows(made):
        return True
    return made.rows.known and written.rows.known and made.rows.parts <= written.rows.parts


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
        s.recorder.record(Derive(s.graph.new_id(), tuple(n.id for n in nodes), op, f"{op}(...)", where,
                                 rows="aggregate", kind="value", unresolved=True))
