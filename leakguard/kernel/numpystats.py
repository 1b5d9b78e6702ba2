"""After a cell: numpy statistics and scores written by hand, read from the cell's code (numpy is not wrapped).

``X = (X - X.mean(axis=0)) / X.std(axis=0)``, ``X[:, 0] = X[:, 0] / np.ptp(X[:, 0])``,
``np.where(np.isnan(X), np.nanmean(X, 0), X)``: a statistic (``libraries/numpy/catalog.STATISTICS``)
of tracked rows becomes an aggregate node and a statistic consumed by its statement, so what the
statement wrote derives from it (``aftercell._attach_consumed``), as a wrapped pandas statistic does.

``np.mean((pred - y_test) ** 2)``, ``(pred == y_test).sum()``, ``np.corrcoef(pred, y_test)``: the
statistic of a value that sets predictions against labels is handed to ``Recorder.hand_scored``, once
per prediction the statement's loop made (each model of ``for m in models``), so multi-test counts them.
"""

from __future__ import annotations

import ast
import types
from typing import TYPE_CHECKING, Any

from leakguard.kernel import frames as fr
from leakguard.kernel.calls import Span, state
from leakguard.kernel.sources import holds_rows as holds_row_values
from leakguard.kernel.stacking import node_before
from leakguard.libraries.numpy import catalog as numpy_catalog
from leakguard.lineage.events import Derive, NodeId, Where
from leakguard.lineage.graph import holds_rows
from leakguard.rules._modelling import fit_of

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.lineage.graph import Node


def record(s: Session, tree: ast.Module | None) -> None:
    """Record the numpy statistics of the cell's statements (before the consumed statistics are attached)."""
    if tree is None:
        return
    for i, stmt in enumerate(tree.body):
        loop = stmt if isinstance(stmt, (ast.For, ast.While, ast.AsyncFor)) else None
        made: list[NodeId] = []
        for call in (n for n in ast.walk(stmt) if isinstance(n, ast.Call)):
            subject = _subject(s, call) or _helper_subject(s, call)
            if subject:
                made += _statistic(s, call, subject, tree, stmt.lineno, loop=loop)
        if made and isinstance(stmt, ast.Assign):
            _used_later(s, stmt, tree.body[i + 1:], made)


def statistic_made(s: Session, value: Any, made_from: list[Node], first: int, last: int) -> bool:
    """True when the statement at lines ``first``-``last`` bound ``value`` to a numpy statistic of ``made_from``
    (``mu = X_train.mean(axis=0)``): what it holds is no row of theirs (a wrapper resolving ``X_te - mu``
    during the cell must not take the training rows for the test rows' inputs)."""
    if not type(value).__module__.startswith("numpy") or not any(holds_rows(n) for n in made_from):
        return False
    n = fr.row_count(value)
    if n is not None and any(m.n_rows == n for m in made_from):
        return False
    return any(first <= span[0] <= last and isinstance(call.func, ast.Attribute)
               and call.func.attr in numpy_catalog.STATISTICS and not _picks_rows(call)
               for span, call in s.scan.calls.items())


def _picks_rows(expr: ast.expr) -> bool:
    """True when ``expr`` takes some rows by an index or a mask (``X[tr]``, ``X[:n]``, ``X[mask, 0]``): leakguard
    cannot tell which rows from the code, so it claims nothing about the statistic's rows."""
    for node in ast.walk(expr):
        if isinstance(node, ast.Subscript):
            first = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) and node.slice.elts else node.slice
            full = isinstance(first, ast.Slice) and first.lower is None and first.upper is None and first.step is None
            if not full and not isinstance(first, ast.Constant):
                return True
    return False


def _used_later(s: Session, stmt: ast.Assign, later: list[ast.stmt], made: list[NodeId]) -> None:
    """``upper = np.percentile(X, 99, 0)`` then ``X = np.clip(X, None, upper)`` in one cell: the later statement
    consumes the statistic too (the session resolved ``upper`` there from the rows it was computed over)."""
    names = {n.id for t in stmt.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    names = {n for n in names if (node := s.node_for_name(n)) is not None and not holds_rows(node)}
    consumed = state(s).consumed
    for st in later:
        for use in (n for n in ast.walk(st) if isinstance(n, ast.Name) and n.id in names):
            if isinstance(use.ctx, ast.Load):
                span = (st.lineno, st.end_lineno or st.lineno, use.col_offset, use.end_col_offset or 0)
                consumed.extend((span, nid) for nid in made)
        names -= {n.id for n in ast.walk(st) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _subject(s: Session, call: ast.Call) -> list[ast.expr]:
    """The expressions a numpy statistic is computed over; empty when ``call`` is not one."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in numpy_catalog.STATISTICS:
        return []
    module = isinstance(func.value, ast.Name) and _is_numpy_module(s.user_ns.get(func.value.id))
    if _row_wise_axis(call, func.attr, method=not module):
        return []  # ``X.sum(axis=1)``, ``np.max(X, 1)``: each row's own values
    if module:
        data = call.args[: numpy_catalog.STATISTIC_OPERANDS.get(func.attr, 1)]
        return list(data) or [k.value for k in call.keywords if k.arg == "a"]
    names = [n.id for n in ast.walk(func.value) if isinstance(n, ast.Name)]
    # a method of an array (``X[:, 0].min()``, ``(pred == y).sum()``); pandas' own methods are wrapped and judged there
    values = [s.user_ns.get(n) for n in names]
    if any(_is_array(v) for v in values) and not fr.is_row_data(_receiver_value(s, func.value)):
        return [func.value]
    return []


def _row_wise_axis(call: ast.Call, name: str, *, method: bool) -> bool:
    pos = numpy_catalog.axis_position(name, method=method)
    axis = next((k.value for k in call.keywords if k.arg == "axis"), call.args[pos] if len(call.args) > pos else None)
    return isinstance(axis, ast.Constant) and axis.value in numpy_catalog.ROW_WISE_AXES


def _helper_subject(s: Session, call: ast.Call) -> list[ast.expr]:
    """``standardise(X)`` of a function the notebook defined whose body takes a numpy statistic of a parameter
    (``(a - np.mean(a, 0)) / np.std(a, 0)``): the arguments given for those parameters."""
    func = s.user_ns.get(call.func.id) if isinstance(call.func, ast.Name) else None
    if not isinstance(func, types.FunctionType) or func.__module__ != "__main__":
        return []
    body = _helper_body(func)
    if body is None:
        return []
    params = [a.arg for a in (*body.args.posonlyargs, *body.args.args)]
    used: set[str] = set()
    for inner in (n for n in ast.walk(body) if isinstance(n, ast.Call)):
        func_expr = inner.func
        if isinstance(func_expr, ast.Attribute) and func_expr.attr in numpy_catalog.STATISTICS:
            operands = [*inner.args[: numpy_catalog.STATISTIC_OPERANDS.get(func_expr.attr, 1)], func_expr.value]
            used |= {n.id for e in operands for n in ast.walk(e) if isinstance(n, ast.Name) and n.id in params}
    given = dict(zip(params, call.args, strict=False)) | {k.arg: k.value for k in call.keywords if k.arg}
    return [given[p] for p in params if p in used and p in given]


def _helper_body(func: types.FunctionType) -> ast.FunctionDef | None:
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return None
    first = tree.body[0] if tree.body else None
    return first if isinstance(first, ast.FunctionDef) else None


def _receiver_value(s: Session, expr: ast.expr) -> Any:
    """The receiver's value when it is a plain name (else None: an expression, computed once only)."""
    return s.user_ns.get(expr.id) if isinstance(expr, ast.Name) else None


def _statistic(s: Session, call: ast.Call, subject: list[ast.expr], tree: ast.Module, line: int, *,
               loop: ast.stmt | None) -> list[NodeId]:
    """The statistic nodes recorded for ``call`` (none when it scored predictions by hand)."""
    st = state(s)
    span: Span = (call.lineno, call.end_lineno or call.lineno, call.col_offset, call.end_col_offset or 0)
    if span in st.handled or any(_picks_rows(e) for e in subject):
        return []
    nodes = _nodes(s, subject, tree, line)
    if not nodes:
        return []
    made: list[NodeId] = []
    where = Where(s.cell_id, s.execution_count, call.lineno)
    op = call.func.attr if isinstance(call.func, ast.Attribute) else "statistic"
    for group in _candidates(s, nodes, loop=loop):
        value = group[0] if len(group) == 1 else _compared(s, group, where)
        if value is not None and s.recorder.hand_scored(value.id, f"np.{op}", where) is not None:
            continue
        if value is None or not holds_rows(value):
            continue
        stat = s.recorder.value(Derive(s.graph.new_id(), (value.id,), op, f"{_text(call)}", where,
                                       rows="aggregate", kind="value"))
        if stat is not None:
            st.consumed.append((span, stat.id))
            made.append(stat.id)
    st.handled.add(span)
    return made


def _nodes(s: Session, subject: list[ast.expr], tree: ast.Module, line: int) -> list[Node]:
    """The row-holding nodes of the names a subject reads (as the statement at ``line`` saw them), and of the
    wrapped calls made inside it."""
    st = state(s)
    found: dict[NodeId, Node] = {}
    for expr in subject:
        for name in (n.id for n in ast.walk(expr) if isinstance(n, ast.Name)):
            if not holds_row_values(s.user_ns.get(name)):
                continue
            nid = node_before(s, name, line, tree)
            node = s.graph.nodes.get(nid) if nid is not None else s.node_for_name(name)
            if node is not None and holds_rows(node):
                found[node.id] = node
        lo = (expr.lineno, expr.col_offset)
        hi = (expr.end_lineno or expr.lineno, expr.end_col_offset or 0)
        for span, nid in st.consumed:  # ``np.mean(clf.predict(X_te) == y_te)``: the prediction made inside
            node = s.graph.nodes.get(nid)
            if lo <= (span[0], span[2]) and (span[1], span[3]) <= hi and node is not None and holds_rows(node):
                found[nid] = node
    return list(found.values())


def _candidates(s: Session, nodes: list[Node], *, loop: ast.stmt | None) -> list[list[Node]]:
    """``nodes`` once, or, in a loop, once per prediction a wrapped call made in it (the models a loop compares)
    with the operands the loop did not make (the labels): the names the loop bound hold every iteration at once."""
    if loop is None:
        return [nodes]
    lo, hi = loop.lineno, loop.end_lineno or loop.lineno
    preds: dict[NodeId, Node] = {}
    for span, nid in state(s).consumed:
        node = s.graph.nodes.get(nid)
        if lo <= span[0] <= hi and node is not None and holds_rows(node) and fit_of(s.graph, nid) is not None:
            preds[nid] = node
    if not preds:
        return [nodes]
    outside = [n for n in nodes if n.id not in preds and not (
        n.where.execution_count == s.execution_count and n.where.line is not None and lo <= n.where.line <= hi)]
    return [[p, *outside] for p in preds.values()]


def _compared(s: Session, nodes: list[Node], where: Where) -> Node | None:
    """The rows the statistic's operands make together (``pred - y_test``), row by row."""
    made = s.recorder.value(Derive(s.graph.new_id(), tuple(n.id for n in nodes), "row-wise", "operands", where,
                                   rows="same", kind="array"))
    if made is not None:
        made.n_rows = nodes[0].n_rows
    return made


def _text(call: ast.Call) -> str:
    text = ast.unparse(call)
    return text if len(text) <= 60 else f"{text[:57]}…"


def _is_numpy_module(value: Any) -> bool:
    return isinstance(value, types.ModuleType) and value.__name__ == "numpy"


def _is_array(value: Any) -> bool:
    return type(value).__module__.startswith("numpy") and getattr(value, "ndim", 0) >= 1
