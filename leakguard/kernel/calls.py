"""What a wrapped modelling call was given: its source expression, its arguments' lineage nodes, per-session state.

The modelling and feature handlers share this: the AST of the call the cell is making
(so ``fit(X_tr.values, y_tr)`` derives its data from ``X_tr`` alone, not from every name
on the line), nodes for estimators and for values (never inventing lineage for data
leakguard knows nothing about), and a small per-session state (what this cell handled,
the statistics it consumed, row facts already proven). Only ids, ints and weak
references are kept.
"""

from __future__ import annotations

import ast
import dataclasses
import linecache
import sys
import types
import weakref
from typing import TYPE_CHECKING, Any

from leakguard.kernel import folds
from leakguard.kernel import frames as fr
from leakguard.lineage.events import Derive, NodeId

if TYPE_CHECKING:
    from leakguard.kernel.cellscan import CellScan
    from leakguard.kernel.session import Session
    from leakguard.lineage.graph import Node

Span = tuple[int, int, int, int]
_MAX_NAME = 80


@dataclasses.dataclass
class State:
    """Per-session bookkeeping of the modelling handlers (ids and small facts only)."""

    cell: int | None = None
    handled: set[Span] = dataclasses.field(default_factory=set)
    consumed: list[tuple[Span, NodeId]] = dataclasses.field(default_factory=list)  # values made inside statements
    splits_seen: int = 0
    # (train part id, holdout part id) -> (rows of the holdout part duplicated in the train part, time ordered)
    split_facts: dict[tuple[NodeId, NodeId], tuple[int | None, bool | None]] = dataclasses.field(
        default_factory=dict)
    pair_facts: dict[tuple[NodeId, NodeId], tuple[int | None, bool | None]] = dataclasses.field(
        default_factory=dict)
    # (train node, test node) -> (entity column, its values on both sides) of a random split (evidence.shared_entities)
    group_facts: dict[tuple[NodeId, NodeId], tuple[str, int] | None] = dataclasses.field(default_factory=dict)
    # per (source frame node, split parent node): positions and hashes of the source's records that repeat
    # among the parent's rows (few), empty when none repeat, None when too many
    repeated: dict[tuple[NodeId, NodeId], Any] = dataclasses.field(default_factory=dict)
    # row identity proven per pair of values (node ids and ids of their indexes) and index uniqueness per value
    # (each fact with weak references to the index objects it was proven for: evidence._cached)
    identity: dict[tuple[NodeId, NodeId, int, int], tuple[bool, tuple[weakref.ref[Any], ...]]] = \
        dataclasses.field(default_factory=dict)
    unique: dict[tuple[NodeId, int], tuple[bool, tuple[weakref.ref[Any], ...]]] = \
        dataclasses.field(default_factory=dict)
    trees: dict[str, ast.Module | None] = dataclasses.field(default_factory=dict)
    scans: dict[str, CellScan | None] = dataclasses.field(default_factory=dict)  # cells that defined helpers
    # column assignments this cell: id of the frame -> (its node after the last assignment, statement line, the
    # frame weakly: an id alone passes to a new frame once this one is freed); read with ``assignment_of``
    assigned: dict[int, tuple[NodeId, int, weakref.ref[Any]]] = dataclasses.field(default_factory=dict)
    assigned_keys: set[tuple[int, str, int]] = dataclasses.field(default_factory=set)
    attached: bool = False
    bindings_before: dict[str, NodeId] = dataclasses.field(default_factory=dict)  # after the previous cell
    # recent predictions by the digest of their values (``frames.digest``): a value made of them that leakguard
    # could not follow (``pd.Series(m.predict(X_te), index=X_te.index)``) is known by its values (``held_values``)
    predictions: dict[str, NodeId] = dataclasses.field(default_factory=dict)
    prediction_rows: set[int] = dataclasses.field(default_factory=set)
    # (data node, target node) -> columns of the data that reproduce the target (evidence.label_proxies_of)
    label_proxies: dict[tuple[NodeId, NodeId], tuple[str, ...]] = dataclasses.field(default_factory=dict)

    def assignment_of(self, obj: object) -> tuple[NodeId, int] | None:
        """This cell's last column assignment to the very frame ``obj``: (the node it made, its line)."""
        entry = self.assigned.get(id(obj))
        return (entry[0], entry[1]) if entry is not None and entry[2]() is obj else None


def state(s: Session) -> State:
    """The modelling state of ``s`` (``s.modelling``); per-cell lists are reset when a new cell runs."""
    st = s.modelling
    if st.cell != s.execution_count:
        st.cell = s.execution_count
        st.handled.clear()
        st.consumed.clear()
        st.trees.clear()
        st.scans.clear()
        st.assigned.clear()
        st.assigned_keys.clear()
    return st


# -- the call's source -----------------------------------------------------------------------


def call_span(s: Session, frame: types.FrameType | None) -> Span | None:
    """The source span of the call the cell frame is making right now."""
    if frame is None:
        return None
    import itertools

    index = frame.f_lasti // 2
    pos = next(itertools.islice(frame.f_code.co_positions(), index, index + 1), None)
    if pos is None or None in pos:
        return None
    return pos  # type: ignore[return-value]


def innermost(frame: types.FrameType | None) -> types.FrameType | None:
    """The innermost running frame of the cell's own code: a comprehension or a function defined in the cell."""
    if frame is None:
        return None
    f: types.FrameType | None = sys._getframe(1)
    filename = frame.f_code.co_filename
    while f is not None and f is not frame:
        if f.f_code.co_filename == filename:
            return f
        f = f.f_back
    return frame


def notebook_frame(frame: types.FrameType | None) -> types.FrameType | None:
    """The innermost running frame of the notebook's code: a function defined in this cell or an earlier one.

    ``def rmsle_cv(model): return cross_val_score(model, train.values, y)`` written in one cell and called in
    the next runs in a frame of the earlier cell's source; ``innermost`` knows only this cell's.
    """
    if frame is None:
        return None
    f: types.FrameType | None = sys._getframe(1)
    while f is not None and f is not frame:
        if f.f_globals is frame.f_globals:
            return f
        f = f.f_back
    return frame


def call_node(s: Session, frame: types.FrameType | None, method: str) -> ast.Call | None:
    """The AST of the call being made, when it is a call of ``method`` (else None: a helper function made it)."""
    inner = notebook_frame(frame)
    span = call_span(s, inner)
    if span is None or inner is None or frame is None:
        return None
    scan = _scan_of(s, inner.f_code.co_filename, frame)
    call = scan.calls.get(span) if scan is not None else None
    if call is None:
        return None
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    return call if name == method else None


def consumed_in_helper(s: Session, frame: types.FrameType | None) -> bool:
    """True when code of the notebook between the cell and this call (a helper, a comprehension) only feeds the
    call's result to another expression: ``data[c].fillna(data[c].mean())`` inside ``def clean(data)``."""
    if frame is None:
        return False
    f: types.FrameType | None = sys._getframe(1)
    ns = frame.f_globals
    while f is not None and f is not frame:
        if f.f_globals is ns:  # a function, lambda or comprehension the notebook defined
            span = call_span(s, f)
            scan = _scan_of(s, f.f_code.co_filename, frame)
            if span is not None and scan is not None and span in scan.calls and span not in scan.shown:
                return True
        f = f.f_back
    return False


def _scan_of(s: Session, filename: str, frame: types.FrameType) -> CellScan | None:
    """The scan of the cell that defined a helper (this cell's, or an earlier one's source, parsed once per cell)."""
    if filename == frame.f_code.co_filename:
        return s.scan
    st = state(s)
    if filename not in st.scans:
        from leakguard.kernel.cellscan import scan_cell

        try:
            st.scans[filename] = scan_cell(ast.parse("".join(linecache.getlines(filename)) or "pass"))
        except (SyntaxError, ValueError, RecursionError):
            st.scans[filename] = None
    return st.scans[filename]


def argument(call: ast.Call | None, position: int, keywords: tuple[str, ...]) -> ast.expr | None:
    """The expression passed at ``position`` (counting from 0, after the receiver) or by keyword."""
    if call is None:
        return None
    if position < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    for kw in call.keywords:
        if kw.arg in keywords:
            return kw.value
    return None


def statement_tree(s: Session, frame: types.FrameType | None) -> ast.stmt | None:
    """The top-level statement of the running cell at the frame's line (parsed from the cell's source)."""
    if frame is None:
        return None
    st = state(s)
    filename = frame.f_code.co_filename
    if filename not in st.trees:
        try:
            st.trees[filename] = ast.parse("".join(linecache.getlines(filename)) or "pass")
        except (SyntaxError, ValueError):
            st.trees[filename] = None
    tree = st.trees[filename]
    if tree is None:
        return None
    line = frame.f_lineno
    for stmt in tree.body:
        if stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
            return stmt
    return None


def inner_statement(s: Session, frame: types.FrameType) -> ast.stmt | None:
    """The innermost statement at the frame's line, in the file (a cell) its code was defined in: the statement
    running inside a function of the notebook (``frame["r"] = frame["a"] / frame["b"]`` in ``def prepare(frame)``)."""
    top = statement_tree(s, frame)
    line = frame.f_lineno
    found = top
    while found is not None:
        inner = next((c for c in ast.iter_child_nodes(found) if isinstance(c, ast.stmt)
                      and c.lineno <= line <= (c.end_lineno or c.lineno)), None)
        if inner is None:
            return found
        found = inner
    return None


def in_user_function(s: Session, frame: types.FrameType) -> bool:
    """True for the frame of a function the notebook defined (its globals are the user's namespace)."""
    return frame.f_globals is s.user_ns and frame.f_code.co_name != "<module>"


def simple_statement_at(stmt: ast.stmt | None, line: int) -> ast.stmt | None:
    """The simple statement inside ``stmt`` (a loop, an ``if``, a ``with``) that runs at ``line``; ``stmt`` when none.

    ``for df in (train, test): df["age"] = df["age"].fillna(fill)`` assigns in the loop's body, which the
    top-level statement alone does not tell.
    """
    if stmt is None:
        return None
    found = stmt
    for node in ast.walk(stmt):
        if isinstance(node, ast.stmt) and not hasattr(node, "body") and node.lineno <= line <= (
                node.end_lineno or node.lineno):
            found = node
            break
    return found


# -- lineage nodes of arguments -----------------------------------------------------------------


def _known(s: Session, obj: Any) -> Node | None:
    nid = s.tracker.node_of(obj) or s.result_node(obj)
    return s.graph.nodes.get(nid) if nid is not None else None


def value_node(s: Session, obj: Any, frame: types.FrameType | None, expr: ast.expr | None = None) -> Node | None:
    """The lineage node of a value passed to a call; None when leakguard knows nothing of where it came from.

    A value no wrapper saw derives from the names its own argument expression reads
    (``X_tr.values`` from ``X_tr``), else from the names its statement reads.
    """
    if obj is None:
        return None
    known = _known(s, obj)
    if known is None and s.settle(frame):  # a part of a split made earlier in this cell (``fit(train)``)
        known = _known(s, obj)
    if known is not None:
        return known
    where = s.where(frame)
    part = folds.part_node(s, obj, ast.unparse(expr)[:_MAX_NAME] if expr is not None else "fold part", frame)
    if part is not None:  # ``X.iloc[va]`` of a fold loop: a part of the folded rows
        return part
    if expr is not None:
        names = [n.id for n in ast.walk(expr) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
        line = frame.f_lineno if frame is not None else 10**9
        helper = notebook_frame(frame)
        local = helper.f_locals if helper is not None and helper is not frame else {}
        # a helper's own names (its parameters, its locals) are its frame's, not the notebook's
        inputs = [n for n in (_known(s, local[name]) for name in dict.fromkeys(names) if name in local) if n]
        # live tracked objects first, then what names written earlier in this cell came from, then bindings
        inputs += s.resolve_names(dict.fromkeys(n for n in names if n not in local), line, 0)
        if not inputs:
            # a helper's value leakguard never saw: it comes from what the cell's statement gave the helper
            return _from_statement(s, obj, frame) if local else None
        text = ast.unparse(expr)
        return s.derive_node(obj, text if len(text) <= _MAX_NAME else text[: _MAX_NAME - 1] + "…", inputs,
                              "derived", where)
    return _from_statement(s, obj, frame)


def _from_statement(s: Session, obj: Any, frame: types.FrameType | None) -> Node | None:
    node = s.node_of(obj, frame=frame)
    if not node.inputs and node.op.startswith("untracked"):
        return None
    return node


_DEFAULTS: dict[type, dict[str, Any]] = {}


def _changed_params(est: Any) -> str | None:
    """``C=0.1, max_iter=1000``: the parameters that differ from the class defaults (None if unknown).

    scikit-learn's own repr says the same but pretty-prints it, which costs milliseconds per fit.
    """
    import inspect

    klass = type(est)
    defaults = _DEFAULTS.get(klass)
    if defaults is None:
        params = inspect.signature(klass.__init__).parameters
        defaults = {k: p.default for k, p in params.items() if p.default is not inspect.Parameter.empty}
        _DEFAULTS[klass] = defaults
    changed = []
    for key, value in est.get_params(deep=False).items():
        default = defaults.get(key, inspect.Parameter.empty)
        try:
            same = value is default or bool(value == default)
        except Exception:  # arrays and other values without a plain truth value
            same = False
        if not same:
            changed.append(f"{key}={estimator_name(value) if hasattr(value, 'get_params') else repr(value)}")
    return ", ".join(changed)


def estimator_name(est: Any) -> str:
    """``LogisticRegression(C=0.1)``: the estimator and its changed parameters on one line, shortened with a stable tail."""
    try:
        params = _changed_params(est) if hasattr(est, "get_params") else None
        text = f"{type(est).__name__}({params})" if params is not None else " ".join(repr(est).split())
    except Exception:
        text = type(est).__name__
    if len(text) <= _MAX_NAME:
        return text
    import hashlib

    digest = hashlib.blake2b(text.encode(), digest_size=3).hexdigest()
    return f"{text[: _MAX_NAME - 10]}…#{digest}"


def estimator_node(s: Session, est: Any, frame: types.FrameType | None) -> Node:
    """The node of an estimator object: its fit's when leakguard saw one, else a fresh node named by its repr."""
    known = _known(s, est)
    if known is not None:
        return known
    node = s.recorder.value(Derive(s.graph.new_id(), (), "estimator", estimator_name(est), s.where(frame),
                                   rows="aggregate", kind="model"))
    assert node is not None
    s.tracker.register(est, node.id)
    return node


def register_result(s: Session, result: Any, inputs: tuple[NodeId, ...], op: str, *, name: str,
                    frame: types.FrameType | None, rows: str = "same", columns: tuple[str, ...] | None = None,
                    **extra: Any) -> Node | None:
    """Record what a call returned as a node derived from ``inputs`` and tie the object to it (``columns``: what
    the result holds when the object does not say, a coded label's array)."""
    node = s.recorder.value(Derive(s.graph.new_id(), inputs, op, name, s.where(frame), rows=rows,  # type: ignore[arg-type]
                                   columns=(fr.columns_of(result) or columns) if rows != "aggregate" else None,
                                   kind=fr.kind_of(result), **extra))
    if node is not None:
        node.n_rows = fr.row_count(result)
        s.remember_result(result, node.id)
        note_made(s, node.id, frame)
    return node


def note_made(s: Session, node_id: NodeId, frame: types.FrameType | None) -> None:
    """Remember a value made inside a statement (a statistic in ``fillna(df.x.mean())``, the ``shift(-1)`` in
    ``shift(-1).fillna(0)``, a ``fit_transform`` wrapped in ``pd.DataFrame(...)``): whatever the statement
    binds derives from it too, even through steps leakguard does not track."""
    if frame is not None:
        span = call_span(s, frame) or (frame.f_lineno, frame.f_lineno, -1, -1)
        state(s).consumed.append((span, node_id))


def mark_handled(s: Session, frame: types.FrameType | None) -> None:
    """Note that a wrapper judged the call being made (so the after-cell scan does not call it unknown)."""
    handled = state(s).handled
    for f in {innermost(frame), frame}:
        span = call_span(s, f)
        if span is not None:
            handled.add(span)


PREDICTIONS_KEPT = 64


def note_prediction(s: Session, result: Any, nid: NodeId) -> None:
    """Remember a prediction vector's values (a digest, never the data), for ``held_values``."""
    if getattr(result, "ndim", 0) != 1:
        return
    digest = fr.digest(result)
    rows = fr.row_count(result)
    if digest is None or rows is None:
        return
    st = state(s)
    st.predictions.pop(digest, None)
    st.predictions[digest] = nid
    while len(st.predictions) > PREDICTIONS_KEPT:
        st.predictions.pop(next(iter(st.predictions)))
    st.prediction_rows.add(rows)


def held_values(s: Session, value: Any, names: list[str]) -> list[NodeId]:
    """The nodes whose values an untracked vector or frame holds, column by column: a recent prediction
    (``pd.Series(m.predict(X_te), index=X_te.index)``, ``pd.DataFrame({"pred": m.predict(X_te)})``) or a tracked
    vector among ``names`` (``"actual": y_test.to_numpy()``). Empty unless some column is a prediction and every
    column is one of them."""
    st = state(s)
    rows = fr.row_count(value)
    if rows is None or rows not in st.prediction_rows:
        return []
    if fr.is_frame(value):
        if len(value.columns) > 16:
            return []
        columns = [value[c] for c in value.columns]
    elif getattr(value, "ndim", 0) == 1:
        columns = [value]
    else:
        return []
    known: dict[str, NodeId] = {}
    found: list[NodeId] = []
    for column in columns:
        digest = fr.digest(column)
        nid = st.predictions.get(digest) if digest is not None else None
        if nid is None and digest is not None and len(columns) > 1:
            if not known:
                known = _vectors_named(s, names, rows)
            nid = known.get(digest)
        if nid is None or nid not in s.graph.nodes:
            return []
        found.append(nid)
    return found if any(n in st.predictions.values() for n in found) else []


def _vectors_named(s: Session, names: list[str], rows: int) -> dict[str, NodeId]:
    """Digests of the tracked vectors of ``rows`` rows among ``names`` (live values)."""
    out: dict[str, NodeId] = {}
    for name in names:
        value = s.user_ns.get(name)
        nid = s.tracker.node_of(value) if value is not None else None
        if nid is None or getattr(value, "ndim", 0) != 1 or fr.row_count(value) != rows:
            continue
        digest = fr.digest(value)
        if digest is not None:
            out.setdefault(digest, nid)
    return out
