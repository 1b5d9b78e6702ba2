"""After a cell: rows stacked with a copy of themselves, or repeated, marked synthetic (numpy is not wrapped);
rows just deduplicated (``drop_duplicates``) marked as holding no copies.

``X = np.vstack([X, X + noise])``, ``df = pd.concat([df, churners.sample(frac=.5)])``,
``X = np.repeat(X, 3, axis=0)``: read from the cell's code once it ran, the function
resolved in the user's namespace and looked up in the catalog (``libraries/numpy/catalog.py``,
``libraries/pandas/catalog.py``). Each stacked piece is described as its root variable and the chain
of steps applied to it; ``lineage/copies.py`` judges whether one piece holds another's rows,
as it does for the static engine.
"""

from __future__ import annotations

import ast
import types
from typing import TYPE_CHECKING, Any

from leakguard.libraries.numpy import catalog as numpy_catalog
from leakguard.libraries.pandas import catalog as pandas_catalog
from leakguard.lineage.copies import Piece, stacked_copies
from leakguard.lineage.events import Derive, NodeId
from leakguard.lineage.graph import holds_rows

if TYPE_CHECKING:
    from leakguard.kernel.session import Session

_STACKS = {"numpy": numpy_catalog.ROW_STACKS, "pandas": pandas_catalog.ROW_STACKS}


def mark_copies(s: Session, tree: ast.Module | None) -> None:
    """Mark the values this cell bound to a stack of copies or to repeated rows as synthetic rows."""
    if tree is None:
        return
    last: dict[str, tuple[ast.expr, int]] = {}
    for stmt in tree.body:
        bound = _bound(stmt)
        for node in ast.walk(stmt):  # a later write of the name in another form: its value is no longer this one
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                last.pop(node.id, None)
        for name, value in bound:
            last[name] = (value, stmt.lineno)
    for name, (value, line) in last.items():
        if not isinstance(value, ast.Call):
            continue
        if _deduplicated(value):
            _mark(s, name, synthetic=False)
        elif _copies(s, value, line, tree):
            _mark(s, name, synthetic=True)


def _bound(stmt: ast.stmt) -> list[tuple[str, ast.expr]]:
    """The names a statement binds and the expression each is bound to: ``X = e``, ``X, y = e1, e2``."""
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
        return []
    target = stmt.targets[0]
    if isinstance(target, ast.Name):
        return [(target.id, stmt.value)]
    if isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple) \
            and len(target.elts) == len(stmt.value.elts) and all(isinstance(e, ast.Name) for e in target.elts):
        return [(e.id, v) for e, v in zip(target.elts, stmt.value.elts, strict=True) if isinstance(e, ast.Name)]
    return []


def _deduplicated(call: ast.Call) -> bool:
    """``raw = raw.drop_duplicates()``: the rows bound hold no copies."""
    return isinstance(call.func, ast.Attribute) and call.func.attr in pandas_catalog.DEDUPLICATES


def _mark(s: Session, name: str, *, synthetic: bool) -> None:
    bound = s.bindings.get(name)
    node = s.graph.nodes.get(bound) if bound else None
    value = s.user_ns.get(name)
    if node is None or node.synthetic == synthetic or node.where.execution_count != s.execution_count:
        return
    op = "copies" if synthetic else pandas_catalog.DEDUPLICATES[0]
    if not holds_rows(node):
        # ``X, y = np.repeat(X, 2, axis=0), np.repeat(y, 2)``: an array longer than what it was made from, taken
        # for a computed value; it holds its inputs' rows, each several times
        rows = tuple(i for i in node.inputs if i in s.graph.nodes and holds_rows(s.graph.nodes[i]))
        if not synthetic or node.op != "assign" or not rows or getattr(value, "ndim", 0) < 1:
            return
        made = s.recorder.value(Derive(s.graph.new_id(), rows, op, name, node.where, rows="combine",
                                       kind=node.kind, synthetic=True))
    else:
        made = s.recorder.value(Derive(s.graph.new_id(), (node.id,), op, name, node.where, rows="same",
                                       columns=node.columns, kind=node.kind, synthetic=synthetic))
    if made is not None:
        made.n_rows = node.n_rows
        s.tracker.register(value, made.id)
        s.bindings[name] = made.id


def _function(s: Session, func: ast.expr) -> tuple[str, str] | None:
    """``(top-level module, name)`` of a called module function (``np.vstack``, ``vstack``), else None."""
    attrs: list[str] = []
    while isinstance(func, ast.Attribute):
        attrs.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    obj: Any = s.user_ns.get(func.id)
    for attr in reversed(attrs):
        if not isinstance(obj, types.ModuleType):
            return None  # never touch attributes of the user's objects (a property could run code)
        obj = getattr(obj, attr, None)
    if not callable(obj) or isinstance(obj, type):
        return None
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__name__", None)
    if not isinstance(module, str) or not isinstance(name, str):
        return None
    return module.split(".")[0], name


def _arg(call: ast.Call, keyword: str, position: int) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return call.args[position] if position < len(call.args) else None


def _const(expr: ast.expr | None) -> object:
    return expr.value if isinstance(expr, ast.Constant) else None


def _copies(s: Session, call: ast.Call, line: int, tree: ast.Module) -> bool:
    found = _function(s, call.func)
    if found is None or not call.args:
        return False
    module, name = found
    if module == "numpy" and name in numpy_catalog.ROW_REPEATS:
        return _repeats_rows(s, call, name)
    stacks = _STACKS.get(module, {})
    if name not in stacks:
        return False
    axis_arg = stacks[name]
    axis = _arg(call, *axis_arg) if axis_arg else None
    if axis is not None and _const(axis) not in (0, "index"):
        return False
    pieces = _pieces(s, call.args[0], line, tree)
    return len(pieces) > 1 and stacked_copies(s.graph, pieces)


def _repeats_rows(s: Session, call: ast.Call, name: str) -> bool:
    keyword, position = numpy_catalog.ROW_REPEATS[name]
    count = _arg(call, keyword, position)
    if name == "repeat":
        axis = _arg(call, *numpy_catalog.REPEAT_AXIS)
        return axis is None or _const(axis) == 0
    if isinstance(count, ast.Tuple) and count.elts:
        head = _const(count.elts[0])
        return isinstance(head, int) and head > 1
    first = call.args[0]
    live = s.user_ns.get(first.id) if isinstance(first, ast.Name) else None
    reps = _const(count)
    return getattr(live, "ndim", None) == 1 and isinstance(reps, int) and reps > 1


def _pieces(s: Session, objs: ast.expr, line: int, tree: ast.Module) -> list[Piece]:
    """The stacked pieces: the list's elements as written, or (a list variable) its live elements."""
    if isinstance(objs, (ast.List, ast.Tuple)):
        pieces: list[Piece] = []
        for elt in objs.elts:
            root, ops = _chain(s, elt)
            nid = node_before(s, root, line, tree) if root is not None else None
            if nid is not None:
                pieces.append(Piece(None, (nid,), ops))
        return pieces
    if isinstance(objs, ast.Name) and isinstance(s.user_ns.get(objs.id), (list, tuple)):
        live = [s.tracker.node_of(v) for v in s.user_ns[objs.id]]
        return [Piece(None, (nid,), ()) for nid in live if nid is not None and nid in s.graph.nodes]
    return []


def _chain(s: Session, expr: ast.expr) -> tuple[str | None, tuple[str, ...]]:
    """The variable a piece is computed from and the steps applied to it, innermost first.

    ``X + noise`` → ``("X", ("arith",))``, ``df[df.y == 1].sample(frac=.5)`` → ``("df", ("filter", "sample"))``,
    ``np.repeat(X[m], 2, axis=0)`` → ``("X", ("filter", "repeat"))``; step names are those of
    ``lineage/copies.SELECTING``.
    """
    ops: list[str] = []
    while True:
        if isinstance(expr, ast.Name):
            return (None, ()) if isinstance(s.user_ns.get(expr.id), types.ModuleType) else (expr.id, tuple(reversed(ops)))
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            ops.append(expr.func.attr)
            base = expr.func.value
            if isinstance(base, ast.Name) and isinstance(s.user_ns.get(base.id), types.ModuleType) and expr.args:
                expr = expr.args[0]  # ``np.repeat(X, 2)``: a module function applied to its first argument
            else:
                expr = base
        elif isinstance(expr, ast.Attribute):
            ops.append(expr.attr)
            expr = expr.value
        elif isinstance(expr, ast.Subscript):
            ops.append("select" if _columns(expr.slice) else "filter")
            expr = expr.value
        elif isinstance(expr, ast.BinOp):
            ops.append("arith")
            expr = expr.left
        else:
            return None, ()


def _columns(key: ast.expr) -> bool:
    """True for a key picking columns (``"x"``, ``["x", "z"]``, ``[:, :2]``), not rows."""
    if isinstance(key, ast.Constant):
        return isinstance(key.value, str)
    if isinstance(key, ast.List):
        return bool(key.elts) and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in key.elts)
    if isinstance(key, ast.Tuple) and key.elts:
        first = key.elts[0]
        return isinstance(first, ast.Slice) and first.lower is None and first.upper is None and first.step is None
    return False


def node_before(s: Session, name: str, line: int, tree: ast.Module) -> NodeId | None:
    """The node ``name`` held when the statement at ``line`` ran."""
    writes = [st.lineno for st in tree.body for n in ast.walk(st)
              if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id == name]
    if any(w >= line for w in writes):
        if any(w < line for w in writes):
            return None  # rebound earlier in this cell and again here: its value at the time is not kept
        return _st_before(s, name)
    node = s.node_for_name(name)
    return node.id if node is not None else None


def _st_before(s: Session, name: str) -> NodeId | None:
    from leakguard.kernel.calls import state

    return state(s).bindings_before.get(name)
