"""Features written by hand with pandas: column assignments, learned encodings, per-group statistics, row order.

- ``df["c"] = expr`` becomes a column assignment: the new column derives from the columns
  ``expr`` reads row by row (so a column computed from the label is known as such) and
  from the statistics and values it uses (so ``fillna(df.x.mean())`` carries the mean's
  rows), while the other columns keep their own lineage;
- ``get_dummies``, ``qcut`` and ``cut(bins=n)`` learn categories or edges from the rows;
- ``groupby(...).transform("mean")`` is a per-group statistic (a target encoding when the
  label is aggregated);
- ``shift(-1)``, ``bfill``, centred windows, and cumulative or rolling computations over
  rows not in time order look ahead (only with a time column in the policy).
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
import types
import weakref
from typing import TYPE_CHECKING, Any

from leakguard.kernel import evidence
from leakguard.kernel import frames as fr
from leakguard.kernel.calls import (
    call_node,
    in_user_function,
    inner_statement,
    note_made,
    simple_statement_at,
    state,
    statement_tree,
    value_node,
)
from leakguard.kernel.wrapping import Plan
from leakguard.libraries.pandas.catalog import AGGREGATIONS, ROW_WINDOWS, SORT_DIRECTION, SORTS
from leakguard.libraries.pandas.features import (
    GROUP_TRANSFORM_ORDERED,
    LAGS,
    LOOK_AHEAD,
    ORDERED,
    ORDERED_ALIASES,
    PAST_ONLY,
    ROW_WISE,
    STATISTIC,
    WHOLE_GROUP_STATS,
    group_callable,
)
from leakguard.lineage.events import Derive, NodeId
from leakguard.lineage.graph import TimeOrder, holds_rows

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.libraries.api import Api
    from leakguard.lineage.graph import Node

KINDS = ("assign-column", "encode", "group-transform", "ordered", "window", "sort", "keep-order")
# Methods that aggregate over rows: a column reference inside them is not a row-by-row use.
_AGGREGATING = AGGREGATIONS
# an aggregate over these is one value per row (a window, a row-order method)
_ROW_WINDOWS = frozenset({*ROW_WINDOWS, *ORDERED, *ORDERED_ALIASES})
_GROUP_ORDERED = GROUP_TRANSFORM_ORDERED


def _is_lag(call: ast.Call) -> bool:
    """``x.shift(1)`` / ``x.shift(periods=2)``: a constant positive period (earlier rows only)."""
    f = call.func
    if not (isinstance(f, ast.Attribute) and f.attr in LAGS):
        return False
    period = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "periods"), None)
    if period is None:
        return True  # shift() defaults to 1
    return isinstance(period, ast.Constant) and isinstance(period.value, int) and period.value > 0



note_consumed = note_made  # handlers: a statistic consumed inside an expression (``fillna(df.x.mean())``)


def _consumed_in(s: Session, stmt: ast.stmt | None, line: int) -> list[NodeId]:
    lo, hi = (stmt.lineno, stmt.end_lineno or stmt.lineno) if stmt is not None else (line, line)
    return [nid for span, nid in state(s).consumed if lo <= span[0] <= hi and nid in s.graph.nodes]


# -- df["c"] = ... ----------------------------------------------------------------------------------


def column_refs(expr: ast.expr, base: str, columns: tuple[str, ...], *, lags: bool = False) -> set[str]:
    """Columns of ``base`` that ``expr`` reads row by row (not inside an aggregate over rows).

    With ``lags`` (time-ordered rows), what a lag reads (``df["y"].shift(1)``) is an earlier
    row's value, not the row's own: it is not counted.
    """
    refs: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Call):
            f = node.func
            if lags and _is_lag(node):
                return
            rowwise = any(k.arg == "axis" and isinstance(k.value, ast.Constant) and k.value.value in (1, "columns")
                          for k in node.keywords)
            if isinstance(f, ast.Attribute) and f.attr in _AGGREGATING and not rowwise \
                    and not (isinstance(f.value, ast.Call) and isinstance(f.value.func, ast.Attribute)
                             and f.value.func.attr in _ROW_WINDOWS):
                for a in (*node.args, *(k.value for k in node.keywords)):
                    visit(a)
                return
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == base:
            key = node.slice
            keys = key.elts if isinstance(key, (ast.List, ast.Tuple)) else [key]
            refs.update(k.value for k in keys if isinstance(k, ast.Constant) and isinstance(k.value, str))
            return
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == base:
            if node.attr in columns:
                refs.add(node.attr)
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(expr)
    return refs


def _assign_refs(call: ast.Call | None, key: str, base_name: str | None, columns: tuple[str, ...]) -> set[str]:
    """Columns the keyword ``key`` of ``df.assign(...)`` reads row by row: of the receiver, or of a lambda's frame."""
    expr = next((kw.value for kw in call.keywords if kw.arg == key), None) if call is not None else None
    if expr is None:
        return set()
    if isinstance(expr, ast.Lambda) and len(expr.args.args) == 1:
        return column_refs(expr.body, expr.args.args[0].arg, columns)
    return column_refs(expr, base_name, columns) if base_name is not None else set()


def before_assign(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """``df.assign(c=expr, ...)``: a new frame whose columns ``c`` derive from the columns ``expr`` reads."""
    if not args or not kwargs:
        return None
    df = args[0]
    frame = s.cell_frame()
    if frame is None:
        return None
    base = value_node(s, df, frame)
    if base is None:
        return None
    call = call_node(s, frame, "assign")
    receiver = call.func.value if call is not None and isinstance(call.func, ast.Attribute) else None
    base_name = receiver.id if isinstance(receiver, ast.Name) else None
    stmt = statement_tree(s, frame)
    consumed = _consumed_in(s, stmt, frame.f_lineno)
    where = s.where(frame)

    def after(result: Any) -> None:
        if not fr.is_frame(result):
            return
        node: Node | None = base
        columns = base.columns
        for key, value in kwargs.items():
            if node is None:
                return
            known_id = s.tracker.node_of(value) or s.result_node(value)
            others = [known_id] if known_id is not None and known_id in s.graph.nodes else []
            inputs = _assign_refs(call, key, base_name, base.columns or ())
            if others and not inputs:
                known = s.graph.nodes[others[0]]
                if holds_rows(known) and known.columns:
                    inputs = {c for c in known.columns if base.columns is None or c in base.columns}
            columns = None if columns is None else columns + ((key,) if key not in columns else ())
            node = s.recorder.value(Derive(s.graph.new_id(), (node.id, *others, *consumed), f"assign({key}=…)",
                                           base.name, where, rows="same", columns=columns, kind="frame",
                                           column=key, column_inputs=tuple(sorted(inputs))))
        if node is not None:
            node.n_rows = fr.row_count(result)
            s.remember_result(result, node.id)

    return Plan(after=after)


def before_assign_column(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    if api.name == "assign":
        return before_assign(s, api, args, kwargs)
    if len(args) == 3 and isinstance(args[1], list) and args[1] and all(isinstance(k, str) for k in args[1]):
        return _assign_columns(s, args[0], args[1], args[2])
    if len(args) < 3 or not isinstance(args[1], str):
        return None
    df, key, value = args[0], args[1], args[2]
    caller = sys._getframe(2)  # who called __setitem__ (frame 1 is the wrapper)
    if str(caller.f_globals.get("__name__", "")).startswith("pandas"):
        return None  # pandas filling a frame of its own (inside df.assign(...)): not the user's assignment
    frame = s.cell_frame()
    if frame is None:
        return None
    st = state(s)
    repeat = (id(df), key, frame.f_lineno)
    if repeat in st.assigned_keys and (st.assignment_of(df) or ("", 0))[0] == s.tracker.node_of(df):
        return None  # the same assignment again in a loop: its lineage is recorded once
    base = value_node(s, df, frame)  # a frame made earlier in this cell (df = df.sort_values(...)) too
    if base is None:
        return None
    # inside a function of the notebook (``def prepare(frame): frame["r"] = ...``) its own statement says which
    # columns the new one is made from; the cell's statement is only the call
    in_function = in_user_function(s, caller)
    cell_stmt = statement_tree(s, frame)
    stmt = inner_statement(s, caller) if in_function else cell_stmt
    inner = simple_statement_at(cell_stmt, frame.f_lineno) if not in_function else None
    if isinstance(inner, ast.Assign) and isinstance(inner.targets[0], ast.Subscript) \
            and isinstance(inner.targets[0].slice, ast.Constant) and isinstance(inner.targets[0].slice.value, str):
        # ``for df in (train, test): df["age"] = df["age"].fillna(fill)``: a named column in a loop's body (a key
        # the loop makes, ``df[c]`` or ``df[f"lag{k}"]``, stays with the whole loop: its reads are the loop's)
        stmt = cell_stmt = inner
    others: list[NodeId] = []
    inputs: set[str] = set()
    known_id = s.tracker.node_of(value) or s.result_node(value)
    known = s.graph.nodes.get(known_id) if known_id else None
    if known is not None:
        others.append(known.id)
        if holds_rows(known) and known.columns:
            inputs = {c for c in known.columns if base.columns is None or c in base.columns}
    elif isinstance(stmt, ast.Assign):
        expr = stmt.value
        target = stmt.targets[0]
        name = target.value.id if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) else None
        if name is not None:
            # the time-order check (it reads the data) runs only for an expression holding a lag
            ordered = any(isinstance(n, ast.Call) and _is_lag(n) for n in ast.walk(expr)) \
                and evidence.rows_time_column(s, base, df, s.where(frame), grouped=_groups(expr)) is not None
            inputs = column_refs(expr, name, base.columns or (), lags=ordered)
            for n in dict.fromkeys(x.id for x in ast.walk(expr) if isinstance(x, ast.Name) and x.id != name):
                node = s.node_for_name(n)
                if node is not None:
                    others.append(node.id)
                elif n in s.user_ns:
                    # a value made earlier in this cell and not bound yet (``rare = counts[counts < 10].index``);
                    # read with ``name`` so that strings which are none of its columns count as values
                    others.extend(r.id for r in s.resolve_names([n, name], stmt.lineno, depth=0)
                                  if r.id != base.id and r.id not in others and r.id != s.tracker.node_of(df))
    # statistics consumed are recorded at the cell's line (the call of a helper runs them all)
    others.extend(nid for nid in _consumed_in(s, cell_stmt, frame.f_lineno) if nid not in others)
    columns = None if base.columns is None else base.columns + ((key,) if key not in base.columns else ())
    out = s.graph.new_id()
    node = s.recorder.value(Derive(out, (base.id, *others), f"[{key!r}] =", base.name, s.where(frame), rows="same",
                                   columns=columns, kind=base.kind, column=key, column_inputs=tuple(sorted(inputs))))
    line = stmt.lineno if stmt is not None and not in_function else frame.f_lineno

    def after(result: Any) -> None:
        if node is not None:
            node.n_rows = fr.row_count(df)
            if s.tracker.register(df, out):
                st.assigned[id(df)] = (out, line, weakref.ref(df))
            st.assigned_keys.add(repeat)

    return Plan(after=after)


def _assign_columns(s: Session, df: Any, keys: list[str], value: Any) -> Plan | None:
    """``df[cols] = scaler.fit_transform(df[cols])``: the frame now holds values made from what the call saw.

    Each assigned column carries the value's lineage (as ``df["c"] = ...`` does for one), so dropping those
    columns later drops it too.
    """
    frame = s.cell_frame()
    if frame is None or str(sys._getframe(3).f_globals.get("__name__", "")).startswith("pandas"):
        return None
    base = value_node(s, df, frame)
    known_id = s.tracker.node_of(value) or s.result_node(value)
    if base is None or known_id is None or known_id not in s.graph.nodes:
        return None
    columns = base.columns
    node: Node | None = base
    for key in dict.fromkeys(keys):
        if node is None:
            return None
        columns = None if columns is None else columns + ((key,) if key not in columns else ())
        node = s.recorder.value(Derive(s.graph.new_id(), (node.id, known_id), f"{keys!r} =", base.name,
                                       s.where(frame), rows="same", columns=columns, kind=base.kind, column=key))

    def after(result: Any) -> None:
        if node is not None:
            node.n_rows = fr.row_count(df)
            s.tracker.register(df, node.id)

    return Plan(after=after)


# -- learned encodings and per-group statistics ------------------------------------------------------


def _statistic(s: Session, data: Node, op: str, frame: types.FrameType | None, *, label: bool = False,
               columns: tuple[str, ...] | None = None) -> Node | None:
    # ``columns``: what was aggregated, so a label inferred later (at the first fit) still finds it
    return s.recorder.value(Derive(s.graph.new_id(), (data.id,), op, f"{op} of {data.name}", s.where(frame),
                                   rows="aggregate", columns=columns, kind="value", label_derived=label))


def _broadcast(s: Session, result: Any, data: Node, stat: Node | None, *, op: str, frame: types.FrameType | None,
               columns: tuple[str, ...] | None, looks_ahead: bool = False) -> Node | None:
    inputs = (data.id, stat.id) if stat is not None else (data.id,)
    node = s.recorder.value(Derive(s.graph.new_id(), inputs, op, f"{data.name} ({op})", s.where(frame),
                                   rows="same", columns=columns, kind=fr.kind_of(result), looks_ahead=looks_ahead))
    if node is not None:
        node.n_rows = fr.row_count(result)
        s.remember_result(result, node.id)
        note_made(s, node.id, frame)
    return node


def _dummy_sources(made: Node, data: Node) -> None:
    """``get_dummies``: each indicator column (``city_Leeds``) is computed row by row from the column it
    encodes (``city``); it carries that column's taint (an imputed ``city``) and names it as its source."""
    if made.columns is None or data.columns is None or not data.column_taint:
        return
    for out in made.columns:
        if out in data.columns:
            continue
        src = next((c for c in data.columns if out.startswith(f"{c}_")), None)
        if src is None:
            continue
        made.column_sources[out] = frozenset({src})
        taint = data.column_taint.get(src, frozenset()) - made.taint
        if taint:
            made.column_taint[out] = made.column_taint.get(out, frozenset()) | taint
            made.taint |= taint


def before_encode(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    frame = s.cell_frame()
    data_obj = args[0] if args else kwargs.get("data", kwargs.get("x"))
    if frame is None or data_obj is None:
        return None
    if api.name == "cut":
        bins = args[1] if len(args) > 1 else kwargs.get("bins")
        if not isinstance(bins, int):
            return None  # explicit edges: nothing learned from the rows
    data = value_node(s, data_obj, frame)
    if data is None:
        return None
    learned = {"get_dummies": "categories", "qcut": "quantile edges", "cut": "bin edges", "rank": "ranks"}[api.name]
    stat = None if api.name in ROW_WISE else _statistic(s, data, f"{api.name} {learned}", frame)
    if stat is None and api.name not in ROW_WISE:
        return None

    def after(result: Any) -> None:
        made = _broadcast(s, result, data, stat, op=api.name, frame=frame, columns=fr.columns_of(result))
        if made is not None and api.name == "get_dummies":
            _dummy_sources(made, data)

    return Plan(after=after)


def _group_data(gb: Any) -> tuple[Any, tuple[str, ...]]:
    from leakguard.kernel.handlers import _groupby_parts

    return _groupby_parts(gb)


def _callable_source(s: Session, frame: types.FrameType | None, method: str, func: Any) -> ast.AST | None:
    """The AST of the callable given to ``transform``/``apply``: the lambda written in the call, or a function's own
    source (a helper defined in a cell); None when it cannot be read (fail closed)."""
    call = call_node(s, frame, method)
    if call is not None:
        written = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "func"), None)
        if isinstance(written, ast.Lambda):
            return written
    name = getattr(func, "__name__", None)
    if not isinstance(func, types.FunctionType) or not name or name == "<lambda>":
        return None
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError, ValueError, IndexError):
        return None
    fn = tree.body[0] if len(tree.body) == 1 else None
    return fn if isinstance(fn, ast.FunctionDef) and fn.name == name else None


def callable_shape(s: Session, frame: types.FrameType | None, method: str, func: Any) -> tuple[str, str] | None:
    """How the callable reads each group's rows (``group_callable``, shared with the static engine), or None."""
    if isinstance(func, str) or not callable(func):
        return None
    try:
        fn = _callable_source(s, frame, method, func)
        return group_callable(fn) if fn is not None else None
    except Exception:  # never break the user's cell over reading a callable
        return None


def before_group_transform(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    frame = s.cell_frame()
    func = args[1] if len(args) > 1 else kwargs.get("func")
    if frame is None or (isinstance(func, str) and func in _GROUP_ORDERED):
        return None  # an ordered computation, not a statistic: judged by row order when it looks ahead
    shape = callable_shape(s, frame, api.name, func)
    if api.name == "apply" and (shape is None or shape[0] == STATISTIC):
        return None  # ``apply`` may aggregate each group to one row: judged only along the rows
    if shape is not None and shape[0] == STATISTIC:
        func = shape[1]  # ``lambda s: s.mean()``: judged as ``transform("mean")``
    elif shape is not None:
        return _along_group(s, args[0], frame, shape)
    data_obj, touched = _group_data(args[0])
    data = value_node(s, data_obj, frame)
    if data is None:
        return None
    label = any(c in s.policy.label for c in touched)
    fname = func if isinstance(func, str) else getattr(func, "__name__", "func")
    # a named aggregation (``"mean"``) keeps what it aggregated, so a label inferred later finds it; a callable
    # (``lambda s: s.shift(1).expanding().mean()``) may be a per-row window of past rows: not claimed
    stat = _statistic(s, data, f"groupby transform({fname})", frame, label=label,
                      columns=(tuple(touched) or None) if isinstance(func, str) else None)
    if stat is None:
        return None

    # a whole-group statistic over time-ordered rows: each row sees its group's later rows
    ahead = isinstance(func, str) and func in WHOLE_GROUP_STATS \
        and evidence.rows_time_column(s, data, data_obj, s.where(frame), grouped=True) is not None

    def after(result: Any) -> None:
        _broadcast(s, result, data, stat, op=f"groupby transform({fname})", frame=frame, columns=(),
                   looks_ahead=ahead)

    return Plan(after=after)


def _along_group(s: Session, gb: Any, frame: types.FrameType | None, shape: tuple[str, str]) -> Plan | None:
    """``transform(lambda s: s.shift(1).expanding().mean())``: a computation along each group's rows, not a
    statistic of all of them. A lag first gives earlier rows' values (not the row's own columns); without one the
    row's own value is in it (its columns kept: the label's stays the label); a lead or a centred window looks ahead
    on time-ordered rows."""
    data_obj, touched = _group_data(gb)
    data = value_node(s, data_obj, frame)
    if data is None:
        return None
    kind, step = shape
    keys = gb.keys if isinstance(gb.keys, (list, tuple)) else [gb.keys]
    own = tuple(c for c in touched if c not in keys) or fr.columns_of(data_obj)
    ahead = kind == LOOK_AHEAD and evidence.rows_time_column(s, data, data_obj, s.where(frame), grouped=True) is not None
    op = f"groupby transform(... .{step}())" + (" reads later rows" if ahead else "")

    def after(result: Any) -> None:
        _broadcast(s, result, data, None, op=op, frame=frame,
                   columns=() if kind == PAST_ONLY else own, looks_ahead=ahead)

    return Plan(after=after)


# -- row order ---------------------------------------------------------------------------------------


def _looks_ahead(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any], *, data: Node,
                 obj: Any, gb: Any, frame: types.FrameType | None) -> str | None:
    """Why this computation uses later rows, or None when it only looks back over time-ordered rows."""
    name = api.name
    if name in ("bfill", "interpolate"):
        return f"{name}() fills from later rows"
    if name in ("shift", "diff", "pct_change"):
        periods = args[1] if len(args) > 1 else kwargs.get("periods", 1)
        if isinstance(periods, int) and periods < 0:
            return f"{name}({periods}) reads later rows"
        # a lag reads the previous row: a later one when the rows run newest first (the order check below)
    window = args[0] if api.kind == "window" else None
    if window is not None and getattr(window, "center", False):
        return "a centred window reads later rows"
    if _unsorted(s, data, obj, gb, frame):
        return f"{name}() runs along rows that are not in {s.graph.time_column()} order"
    return None


def _groups(expr: ast.expr) -> bool:
    """The expression computes per group (``df.groupby("store")["sales"].shift(1)``)."""
    return any(isinstance(n, ast.Attribute) and n.attr == "groupby" for n in ast.walk(expr))


def _statement_frames(s: Session, frame: types.FrameType | None) -> tuple[Any, ...]:
    """The frames the statement reads, as they are now (``df = df.sample(frac=1)`` earlier in the same cell)."""
    st = s.scan.statement_at(frame.f_lineno) if frame is not None else None
    return tuple(v for v in (s.user_ns.get(n) for n in (sorted(st.reads) if st else ())) if fr.is_frame(v))


def _unsorted(s: Session, data: Node, obj: Any, gb: Any, frame: types.FrameType | None) -> bool:
    live = _statement_frames(s, frame)
    times = evidence.time_values_of(s, data, obj, live)
    if times is None or len(times) < 2:
        return False
    if gb is not None:
        import pandas as pd

        try:
            groups = gb.ngroup().to_numpy()
            return bool((times.groupby(groups).diff().dropna() < pd.Timedelta(0)).any())
        except (AttributeError, TypeError, ValueError):
            return False
    return not bool(times.is_monotonic_increasing)


def _receiver(s: Session, frame: types.FrameType | None, method: str) -> ast.expr | None:
    """What ``x.shift(-1)`` / ``x.rolling(3).mean()`` is called on (``x``), for naming its node."""
    call = call_node(s, frame, method)
    expr = call.func.value if call is not None and isinstance(call.func, ast.Attribute) else None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in (
            "rolling", "expanding", "ewm"):
        expr = expr.func.value
    return expr


def before_ordered(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    frame = s.cell_frame()
    if frame is None or not args:
        return None
    subject = args[0]
    gb = None
    if api.kind == "window":
        obj = getattr(subject, "obj", None)
    elif fr.is_frame_like(subject):
        obj = subject
    else:
        gb = subject
        obj = _group_data(subject)[0]
    if obj is None or not fr.is_frame_like(obj):
        return None
    data = value_node(s, obj, frame, _receiver(s, frame, api.name))
    if data is None or evidence.rows_time_column(s, data, obj, s.where(frame), used=f"{api.name}()",
                                                  live=_statement_frames(s, frame), grouped=gb is not None) is None:
        return None  # no time column declared, and the rows are not sorted by a datetime column
    why = _looks_ahead(s, api, args, kwargs, data=data, obj=obj, gb=gb, frame=frame)
    if why is None:
        return None
    periods = args[1] if len(args) > 1 else kwargs.get("periods", 1)
    # a lag is an earlier row's value, not the row's own columns; a lead (negative period) carries the row's
    # future values of those columns (``y.shift(-1)`` stays the label: ``target``)
    row_wise = api.name not in ("shift", "diff", "pct_change") or (isinstance(periods, int) and periods < 0)

    def after(result: Any) -> None:
        window = f".{type(subject).__name__.lower()}(...)" if api.kind == "window" else ""
        node = s.recorder.value(Derive(s.graph.new_id(), (data.id,), why, f"{data.name}{window}.{api.name}()",
                                       s.where(frame), rows="same", columns=fr.columns_of(result) if row_wise else (),
                                       kind=fr.kind_of(result), looks_ahead=True))
        if node is not None:
            node.n_rows = fr.row_count(result)
            s.remember_result(result, node.id)
            note_made(s, node.id, frame)

    return Plan(after=after)


def before_sort(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """``df.sort_values("event_ts")``: the result's node remembers the order (``Node.order``) for time inference."""
    if api.name not in SORTS:
        return None
    key = SORTS[api.name]
    frame = s.cell_frame()
    if frame is None or not args or kwargs.get("inplace"):
        return None
    # ``sort_index()`` sorts by time when the index is a named datetime index (``set_index("date")``), within each
    # entity on a (store, date) index; ``sort_values(["store", "date"])`` sorts by time within each store
    keys = (args[1] if len(args) > 1 else kwargs.get(key)) if key else evidence.index_keys(args[0])
    keys = list(keys) if isinstance(keys, (list, tuple)) else [keys]
    at = evidence.entity_time_key(args[0], keys)
    by = keys[at] if keys else None
    if not isinstance(by, str):
        return None
    asc = kwargs.get(SORT_DIRECTION, True)
    asc = (asc[at] if at < len(asc) else asc[0]) if isinstance(asc, (list, tuple)) and asc else asc
    within = tuple(k for k in keys[:at] if isinstance(k, str))
    data = value_node(s, args[0], frame, _receiver(s, frame, api.name))
    if data is None:
        return None

    def after(result: Any) -> None:
        node = s.recorder.value(Derive(s.graph.new_id(), (data.id,), f"{api.name}({by!r})",
                                       f"{data.name}.{api.name}({by!r})", s.where(frame), rows="same",
                                       columns=fr.columns_of(result), kind=fr.kind_of(result)))
        if node is not None:
            node.n_rows = fr.row_count(result)
            node.order = TimeOrder(by, bool(asc), within)
            evidence.sorted_by_time(s, result, node.order, s.where(frame))
            s.remember_result(result, node.id)
            note_made(s, node.id, frame)

    return Plan(after=after)


def before_keep_order(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """``sorted_rows.reset_index(drop=True)``: the result holds the sorted rows in their order (only for rows a sort made).

    Without it, the result of a sort reshaped in the same expression is a value no wrapper saw, and
    its order is lost with the sort's temporary result.
    """
    frame = s.cell_frame()
    if frame is None or not args or kwargs.get("inplace"):
        return None
    data = s.graph.nodes.get(s.tracker.node_of(args[0]) or s.result_node(args[0]) or "")
    if data is None or data.order is None:
        return None

    def after(result: Any) -> None:
        node = s.recorder.value(Derive(s.graph.new_id(), (data.id,), api.name, f"{data.name}.{api.name}()",
                                       s.where(frame), rows="same", columns=fr.columns_of(result),
                                       kind=fr.kind_of(result)))
        if node is not None:
            node.n_rows = fr.row_count(result)
            node.order = data.order
            s.remember_result(result, node.id)
            note_made(s, node.id, frame)

    return Plan(after=after)


BEFORE = {
    "assign-column": before_assign_column,
    "encode": before_encode,
    "group-transform": before_group_transform,
    "ordered": before_ordered,
    "window": before_ordered,
    "sort": before_sort,
    "keep-order": before_keep_order,
}
