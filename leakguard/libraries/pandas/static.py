"""pandas and numpy operations that are not catalog entries but shape rows and columns.

The kernel learns rows and columns from live objects; the static engine needs a little
knowledge instead: which methods select rows (``sample``, ``drop(index=...)``, ``query``,
``head``), which change columns (``drop(columns=...)``, ``assign``, ``pop``, ``rename``),
which combine frames (``pd.concat``, ``merge``), and which make constants (``pd.Timestamp``).
Everything else keeps the rows and columns of its receiver — never fewer rows than it may hold.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leakguard.libraries.numpy import catalog as numpy_catalog
from leakguard.libraries.pandas import catalog as pandas_catalog
from leakguard.libraries.pandas.features import LAGS, ORDERED, ORDERED_ALIASES, ROW_WISE
from leakguard.lineage.copies import Piece, stacked_copies
from leakguard.lineage.events import Read
from leakguard.lineage.inference import Pick
from leakguard.static import dataops, timeorder
from leakguard.static.values import (
    UNKNOWN,
    Const,
    Data,
    Func,
    Label,
    Seq,
    Unknown,
    Value,
    arg,
    const_strings,
    data_in,
    text,
)

if TYPE_CHECKING:
    from leakguard.static.calls import Args, Kwargs, Site
    from leakguard.static.interp import Interp

RANDOM_ORDER = "<random order>"
_ORDERED = frozenset({*ORDERED, *ORDERED_ALIASES})
_ROW_SUBSETS = frozenset({"head", "tail", "nlargest", "nsmallest", "drop_duplicates", "dropna", "first", "last",
                          "truncate", "filter"})
_WRITERS = frozenset({"to_csv", "to_parquet", "to_json", "to_excel", "to_pickle", "to_feather", "to_sql",
                      "to_html", "to_markdown", "to_latex", "to_clipboard", "to_string", "info", "memory_usage"})
_SAME_COLUMNS = frozenset({"fillna", "astype", "copy", "round", "clip", "replace", "reset_index",
                           "sort_index", "abs"})  # the receiver's columns, every one (for a frame)
_CALLBACKS = frozenset({"apply", "transform", "map", "applymap", "agg", "aggregate"})  # methods calling a function
_TO_ARRAY = frozenset({"to_numpy", "to_list", "tolist", "ravel", "flatten", "reshape"})
_ITERATE = frozenset({"iterrows", "items", "itertuples", "iteritems"})
_CONSTANTS = frozenset({"pandas.Timestamp", "pandas.to_datetime", "numpy.datetime64", "datetime.datetime",
                        "datetime.date", "datetime.datetime.fromisoformat", "datetime.date.fromisoformat",
                        "pandas.Timestamp.fromisoformat"})


def _in_order(d: Data, out: Data, name: str) -> Data:
    """``out`` made by method ``name`` of frame ``d``: its columns in ``d``'s order when the method keeps them."""
    out.ordered = d.ordered and d.kind == "frame" and name in pandas_catalog.KEEP_COLUMN_ORDER
    return out


def _written(it: Interp, d: Data, name: str, args: Args, kwargs: Kwargs) -> Value:
    """A writer: ``to_sql(name, con)`` makes the frame a table later queries read."""
    if name == "to_sql" and d.kind == "frame":
        from leakguard.static import sqlbridge

        table = arg(args, kwargs, 0, "name")
        if isinstance(table, Const) and isinstance(table.value, str):
            sqlbridge.table_written(it, table.value, d)
    return Const(None)


def method(it: Interp, d: Data, name: str, site: Site) -> Value:
    """A pandas method of tracked data that the catalog does not list."""
    args, kwargs, node = site.args, site.kwargs, site.node
    label = site.text
    if d.kind == "window":
        return _window_result(it, d, name, site)
    if name == "pipe" and args and isinstance(args[0], Func):
        # ``df.pipe(clean, cols)``: the function called with the frame
        return it.call_func(args[0], [d, *args[1:]], kwargs, node, site.shown)
    if name in _CALLBACKS:
        # ``apply(lambda s: s - s.mean())``: the callback followed with the receiver standing for what pandas
        # gives it (a row, a column, a group, a value: the receiver's rows either way), its result an input
        args = [_callback(it, v, d, site) for v in args]
        kwargs = {k: _callback(it, v, d, site) for k, v in kwargs.items()}
    api = it.index.method(d.kind, name) if d.kind in ("frame", "series") else None
    if api is not None and api.kind == "encode":
        return _encoded(it, d, name, site)  # ``df.x.rank()``: each row placed among all the rows
    if name in ("rolling", "expanding", "ewm"):
        timeorder.used(it, d, f"{name}()")
        centre = kwargs.get("center")
        out = it.derive([d], "window", label, name, columns=d.columns)
        # (a window over values that already look ahead, ``shift(-1).rolling(3)``, still does)
        out.looks_ahead = out.looks_ahead or (isinstance(centre, Const) and centre.value is True) or _unordered(it, d)
        out.colsrc = d.colsrc
        return out
    method_kw = kwargs.get("method")
    if name in _ORDERED or (name == "fillna" and isinstance(method_kw, Const) and method_kw.value in ("bfill",
                                                                                                      "backfill")):
        return _ordered(it, d, name, site)
    if name in _ROW_METHODS:
        picked = _row_method(it, d, name, site)
        if picked is not None:
            return picked
    if name in pandas_catalog.SORTS or name in pandas_catalog.TIME_BUCKETS or name in pandas_catalog.SET_INDEX:
        reordered = _order_method(it, d, name, site)
        if reordered is not None:
            return reordered
    if name == "pop" and d.kind == "frame":
        popped = const_strings(arg(args, kwargs, 0, "item") or Const(None))
        target = node.func.value if isinstance(node.func, ast.Attribute) else None
        if popped and isinstance(target, ast.Name):
            rest = it.derive([d], "frame", target.id, "pop",
                             columns=tuple(c for c in d.columns if c not in popped) if d.columns is not None else None)
            _keeps_columns(d, rest, popped)  # columns unknown: the frame's but the popped one
            it.bind_name(target.id, rest)
        return dataops.column(it, d, popped[0], label) if popped else it.derive([d], "series", label, "pop")
    if name == "assign" and d.kind == "frame":
        # one column-level Derive per keyword, in order (a later keyword may read an earlier one)
        out = d
        for key, given in kwargs.items():
            # ``assign(c=lambda d: ...)``: pandas calls it with the frame so far
            value = it.call_func(given, [out], {}, node, shown=False) if isinstance(given, Func) else given
            out = dataops.with_column(it, label, out, key, value, op=f"assign({key}=…)")
        return out
    if name in ("merge", "join"):
        other = args[0] if args else kwargs.get("right") or kwargs.get("other")
        return _combined(it, [d, other] if other is not None else [d], label, name)
    if name == "rename":
        return it.derive([d], d.kind, label, "rename", columns=_renamed(d.columns, kwargs.get("columns")))
    if name in _TO_ARRAY:
        return _in_order(d, it.derive([d], "array", label, name, columns=d.columns), name)
    if name in _WRITERS:
        return _written(it, d, name, args, kwargs)
    if name in _ITERATE:
        return Unknown(name, it.derive([d], "value", label, name))
    if d.kind == "array" and name in numpy_catalog.STATISTICS and not _row_wise_axis(name, site, method=True):
        return it.derive([d], "scalar", label, name, aggregate=True, label_derived=d.label_derived)
    cols = d.columns if d.kind == "frame" or name in ("fillna", "astype", "copy", "round", "clip") else None
    if d.kind == "series" and d.columns and len(d.columns) == 1:
        cols = d.columns
    out = _in_order(d, it.derive([d, *args, *kwargs.values()], d.kind, label, name, columns=cols,
                                 aggregate=d.aggregate, label_derived=d.aggregate and d.label_derived), name)
    out.sorted_by, out.descending, out.time_index = d.sorted_by, d.descending, d.time_index
    if d.kind == "frame":
        out.keeps_columns_of(d)
    out.datetime = name == "astype" and timeorder.is_dtype_datetime(arg(args, kwargs, 0, "dtype"))
    if name in _SAME_COLUMNS:
        _keeps_columns(d, out)
    return out


_ROW_METHODS = frozenset({"sample", "drop", "query", "between", "isin", "copy", *pandas_catalog.PRESENCE_TESTS,
                          *pandas_catalog.BY_KEY}) | _ROW_SUBSETS


def _stack_back(it: Interp, d: Data, name: str, site: Site) -> Data | None:
    """One file's rows taken back from a stack of files by a method: ``dropna(subset=["y"])``,
    ``head(ntrain)`` / ``tail(len(test))`` (a length saved, not a constant: ``head(5)`` is a look), ``xs("test")``."""
    if name in pandas_catalog.PRESENCE_TESTS and d.kind == "series" and d.columns and len(d.columns) == 1:
        out = it.derive([d], "series", site.text, name, columns=d.columns)
        out.filter = ("cmp", d.columns[0], "present" if pandas_catalog.PRESENCE_TESTS[name] else "missing", None)
        return out  # ``full.y.notna()``: a mask taking back the train file's rows (dataops.rows)
    if d.kind != "frame":
        return None
    args, kwargs = site.args, site.kwargs
    pick: Pick | None = None
    if name in pandas_catalog.DROP_MISSING:
        subset = const_strings(kwargs.get("subset") or Const(None))
        pick = Pick("present", column=subset[0]) if subset and len(subset) == 1 else None
    elif name in pandas_catalog.ROWS_FROM_END:
        n = arg(args, kwargs, 0, "n")
        pick = Pick("first" if pandas_catalog.ROWS_FROM_END[name] else "last") \
            if n is not None and not isinstance(n, Const) else None
    elif name in pandas_catalog.BY_KEY:
        key = arg(args, kwargs, 0, "key")
        pick = Pick("named", word=key.value) if isinstance(key, Const) and isinstance(key.value, str) else None
    return dataops.stacked_rows(it, d, pick, site.text, name) if pick is not None else None


def _row_method(it: Interp, d: Data, name: str, site: Site) -> Value | None:
    """Methods that choose rows (``sample``, ``drop``, ``query``, ``between``, ``isin``, a subset's ``copy``);
    ``None`` when this use of the name chooses nothing (``copy`` of a whole frame, ``between`` of a frame)."""
    args, kwargs, node = site.args, site.kwargs, site.node
    label = site.text
    back = _stack_back(it, d, name, site)
    if back is not None:
        return back
    if name == "sample":
        frac = arg(args, kwargs, 1, "frac")
        replace = kwargs.get("replace")
        copies = (isinstance(replace, Const) and replace.value is True) or (
            isinstance(frac, Const) and isinstance(frac.value, (int, float)) and frac.value > 1)
        parent = it.node(d)
        out = it.derive([d], d.kind, label, "sample", columns=d.columns)
        out.sorted_by = RANDOM_ORDER  # sample returns its rows in random order
        if copies:
            out.synthetic = True
            return out
        out.origin = (parent, "sample", frac.value if isinstance(frac, Const) else None)
        return out
    if name == "drop":
        return _drop(it, d, args, kwargs, label)
    if name == "query":
        q = arg(args, kwargs, 0, "expr")
        f = _query_filter(it, q.value) if isinstance(q, Const) and isinstance(q.value, str) else None
        # what the condition compares with: the ``@`` expressions of the string (``@df.spend.quantile(0.95)``) or
        # the values written into an f-string; a statistic among them makes which rows stay learned
        used = [v for e in (pandas_catalog.query_references(q.value) if isinstance(q, Const)
                            and isinstance(q.value, str) else ()) for v in data_in(it.eval(e))]
        written = node.args[0] if node.args else None
        if isinstance(written, ast.JoinedStr):  # (the f-string's own value keeps no lineage: its parts, read again)
            used += [v for part in written.values if isinstance(part, ast.FormattedValue)
                     for v in data_in(it.eval(part.value))]
        m = Data("series", label, inputs=(it.node(d), *(it.node(v) for v in used)), filter=f)
        return dataops.rows(it, d, m, label)
    if name == "between" and d.kind == "series":
        hi = arg(args, kwargs, 1, "right")
        col = d.columns[0] if d.columns and len(d.columns) == 1 else None
        out = it.derive([d, *args, *kwargs.values()], "series", label, "between")  # bounds learned from rows too
        if col is not None and isinstance(hi, Const):
            out.filter = ("cmp", col, "between", hi.value)
        return out
    if name == "isin" and d.kind == "index" and args and isinstance(args[0], Data):
        # ``df.index.isin(train.index)`` / ``.isin(drawn)``: the rows another subset (or a draw) names
        out = it.derive([d, *args], "series", label, "isin")
        named = args[0]
        out.filter = ("isin-draw", d.inputs, named.draw) if named.draw is not None else (
            ("isin-rows", d.inputs, named.inputs) if named.kind == "index" else None)
        return out
    if name == "copy" and d.origin is not None:
        out = it.derive([d], d.kind, label, name, columns=d.columns)
        out.origin, out.sorted_by, out.descending = d.origin, d.sorted_by, d.descending  # still a subset of the parent
        return out
    if name == "isin" and d.kind == "series":
        out = it.derive([d, *args], "series", label, "isin")
        if d.columns and len(d.columns) == 1:
            out.filter = ("cmp", d.columns[0], "in", text(node.args[0]) if node.args else "")
        return out
    if name in _ROW_SUBSETS:
        out = it.derive([d], d.kind, label, name, columns=d.columns)
        out.sorted_by, out.descending, out.time_index = d.sorted_by, d.descending, d.time_index
        out.keeps_columns_of(d)
        _keeps_columns(d, out)
        count = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "n"), None)
        if name in pandas_catalog.ROWS_FROM_END and count is not None:
            # ``df.head(800)`` / ``df.tail(len(df) - 800)``: rows by position, as ``df[:800]`` / ``df[800:]``
            edge = dataops.position_key(count if pandas_catalog.ROWS_FROM_END[name] else ast.UnaryOp(ast.USub(), count))
            out.origin = (it.node(d), "slice", (None, None, edge) if pandas_catalog.ROWS_FROM_END[name] else
                          (None, edge, None))
        return out
    return None


def _callback(it: Interp, v: Value, d: Data, site: Site) -> Value:
    return it.call_func(v, [d], {}, site.node, False) if isinstance(v, Func) else v


def _order_method(it: Interp, d: Data, name: str, site: Site) -> Data | None:
    """Sorts, time buckets and a new index: what they make known of the rows' time order (``timeorder``)."""
    args, kwargs, label = site.args, site.kwargs, site.text
    if name in pandas_catalog.SORTS:
        key = pandas_catalog.SORTS[name]
        by_cols = const_strings(arg(args, kwargs, 0, key) or Const(None)) if key else None
        out = it.derive([d], d.kind, label, name, columns=d.columns)
        out.sorted_by = by_cols[0] if by_cols else (d.columns[0] if d.kind == "series" and d.columns else None)
        out.time_index, out.entity_index = d.time_index, d.entity_index
        out.keeps_columns_of(d)
        if key is None:
            timeorder.sort_index(it, d, out, kwargs)
        elif by_cols and len(by_cols) > 1:
            timeorder.sort_keys(it, out, by_cols, kwargs)
        else:
            timeorder.sort(it, out, kwargs)
        return out
    if name in pandas_catalog.TIME_BUCKETS and d.kind in ("frame", "series"):
        on = const_strings(kwargs.get(pandas_catalog.TIME_BUCKETS[name]) or Const(None))
        out = it.derive([d], d.kind, label, name, columns=d.columns)
        out.keeps_columns_of(d)
        out.buckets, out.time_index = True, on[0] if on else d.time_index
        return out
    if name in pandas_catalog.SET_INDEX and d.kind == "frame":
        given = arg(args, kwargs, 0, "keys")
        keys = const_strings(given or Const(None))
        out = it.derive([d], d.kind, label, name,
                        columns=tuple(c for c in d.columns if not keys or c not in keys) if d.columns else None)
        out.sorted_by, out.descending = d.sorted_by, d.descending
        parsed = timeorder.datetime_column(given) if given is not None else None
        if parsed is not None:  # ``set_index(pd.to_datetime(df["date"]))``: a datetime index of the date column
            timeorder.parsed(it, (parsed,), "set_index(datetimes)")
            keys = (parsed,)
        out.time_index = keys[0] if keys and len(keys) == 1 and keys[0] in it.datetimes else None
        if keys and len(keys) > 1 and keys[0] not in it.datetimes:
            # a (store, date) index: ``sort_index()`` sorts each store's rows by date
            out.time_index = next((k for k in keys[1:] if k in it.datetimes), None)
            out.entity_index = out.time_index is not None
        return out
    return None


def bucket_rows(it: Interp, d: Data, name: str, site: Site) -> Data:
    """``df.resample("W").mean()``: one new row per time bucket, in time order (the buckets' index), not a statistic."""
    out = it.derive([d], d.kind, site.text, f"resample.{name}", columns=d.columns)
    out.keeps_columns_of(d)
    out.time_index = out.sorted_by = d.time_index
    return out


def _unordered(it: Interp, d: Data) -> bool:
    """True when the rows are known to be in an order other than time (another column, or newest first)."""
    if not it.policy.time:
        return d.descending and timeorder.time_of(it, d) is not None
    return d.sorted_by is not None and d.sorted_by != it.policy.time


def _ordered(it: Interp, d: Data, name: str, site: Site) -> Data:
    """``shift``, ``bfill``, ``cumsum``...: a computation along row order; backward-looking unless shown otherwise."""
    return ordered(it, d, name, site, kind=d.kind, columns=d.columns)


def ordered(it: Interp, d: Data, name: str, site: Site, *, kind: str, columns: tuple[str, ...] | None,
            how: str = "", keys: tuple[str, ...] = (), lag: bool | None = None, ahead: bool = False) -> Data:
    """A computation along ``d``'s row order (within each group of ``keys`` for a group-by's ``cumcount``), giving
    ``kind`` data of ``columns``: it looks ahead when its arguments say so or when the rows run newest first (rows
    sorted by a group key first, ``sort_values(["store", "date"])``, are in time order within each group). A
    callable's steps (``transform(lambda s: s.shift(1).expanding().mean())``) give ``lag`` (earlier rows only)
    and ``ahead`` (a step reads later rows) instead of the arguments."""
    timeorder.used(it, d, how or f"{name}()")
    periods = arg(site.args, site.kwargs, 0, "periods")
    ahead = ahead or name in ("bfill", "backfill", "interpolate") or (
        name in ("shift", "diff", "pct_change") and isinstance(periods, Const)
        and isinstance(periods.value, int) and periods.value < 0)
    method = site.kwargs.get("method")
    if name == "fillna" and isinstance(method, Const) and method.value in ("bfill", "backfill"):
        ahead = True
    out = it.derive([d, *site.args], kind, site.text, name, columns=columns)
    out.looks_ahead = out.looks_ahead or ahead or (_unordered(it, d) and not (d.sorted_by in keys and not d.descending))
    out.colsrc, out.sorted_by, out.descending = d.colsrc, d.sorted_by, d.descending
    if keys and columns is not None:
        out.colsrc = frozenset(columns)  # a group's values of the selected columns (the keys only group them)
    if lag is None:
        lag = name in LAGS and (periods is None or (isinstance(periods, Const) and isinstance(periods.value, int)
                                                    and periods.value > 0))
    # (``sort_values(["store", "date"])`` then a per-store lag: the rows of each group in the order the code gave them;
    # rows in separately sorted blocks, by entity and date or stacked from sorted parts, are in time order per group)
    if lag and (timeorder.time_of(it, d) is not None or (d.sorted_by in keys and not d.descending)
                or (bool(keys) and timeorder.blocks_of(it, d) is not None and not d.descending)):
        out.colsrc = frozenset()  # an earlier row's value (a forecasting lag), not the row's own columns
    return out


def _window_result(it: Interp, w: Data, name: str, site: Site) -> Data:
    kind = "series" if w.columns is not None and len(w.columns) == 1 else "frame"
    out = it.derive([w, *site.args], kind, site.text, name, columns=w.columns)
    out.looks_ahead, out.colsrc = w.looks_ahead, w.colsrc
    return out


def drop_columns(it: Interp, d: Data, names: tuple[str, ...], label: Label) -> Data:
    """``d`` without the columns ``names`` (``df.drop(columns=names)``; ``del df[name]``)."""
    return _drop(it, d, [], {"columns": Seq([Const(n) for n in names], "list")}, label)


def _drop(it: Interp, d: Data, args: Args, kwargs: Kwargs, label: Label) -> Data:
    index = kwargs.get("index")
    first = args[0] if args else kwargs.get("labels")
    if index is None and isinstance(first, Data) and first.kind == "index":
        index = first
    if isinstance(index, Data):
        parent = it.node(d)
        out = it.derive([d], d.kind, label, "drop rows", columns=d.columns)
        out.origin = (parent, "drop-draw", index.draw) if index.draw is not None else (parent, "drop", index.inputs)
        return out
    axis = kwargs.get("axis")
    names = const_strings(kwargs.get("columns") or Const(None))
    if names is None and first is not None and isinstance(axis, Const) and axis.value in (1, "columns"):
        names = const_strings(first)
    cols = tuple(c for c in d.columns if c not in names) if names is not None and d.columns is not None else (
        d.columns if names is not None else None)
    if names and d.columns is None and d.kind == "frame" and d.node is None and d.ops:
        it.node(d)  # a pending frame of unknown columns (``get_dummies(df).drop(...)``): its node, for what is dropped
    out = it.derive([d], d.kind, label, "drop", columns=cols)
    out.ordered = d.ordered and cols is not None  # the other columns keep their order
    out.descending, out.time_index = d.descending, d.time_index  # the same index, rows in the same order
    if names:
        _keeps_columns(d, out, names)  # a statistic in a dropped column goes with it; the others keep theirs
        if d.origin is not None and d.origin[1] in ("mask", "slice"):
            out.origin = d.origin  # the same rows: still that part (``df[df.y.isna()].drop(columns=["y"])``)
    return out


def _keeps_columns(d: Data, out: Data, dropped: tuple[str, ...] = ()) -> None:
    """``out`` holds the columns of ``d`` but ``dropped``: said when ``d``'s columns are unknown and ``d`` is a node
    (``out``'s one input), so column facts survive row operations and drops."""
    if d.columns is None and d.node is not None and d.kind == "frame":
        out.dropped = dropped


def _renamed(columns: tuple[str, ...] | None, mapping: Value | None) -> tuple[str, ...] | None:
    if columns is None or not isinstance(mapping, Seq) or mapping.keys is None:
        return columns
    new = {k: v.value for k, v in zip(mapping.keys, mapping.items, strict=True)
           if isinstance(v, Const) and isinstance(v.value, str)}
    return tuple(new.get(c, c) for c in columns)


def _combined(it: Interp, parts: list[Value], label: Label, op: str) -> Data:
    cols: list[str] | None = []
    for p in parts:
        pc = p.columns if isinstance(p, Data) else None
        if pc is None or cols is None:
            cols = None
        else:
            cols += [c for c in pc if c not in cols]
    return it.derive(parts, "frame", label, op, columns=tuple(cols) if cols is not None else None)


def _query_filter(it: Interp, expr: str) -> tuple[Any, ...] | None:
    try:
        tree = ast.parse(expr.replace("@", ""), mode="eval").body
    except SyntaxError:
        return None
    return _cond(it, tree)


def _cond(it: Interp, node: ast.expr) -> tuple[Any, ...] | None:
    if isinstance(node, ast.BoolOp):
        parts = [_cond(it, v) for v in node.values]
        if any(p is None for p in parts):
            return None
        out = parts[0]
        for p in parts[1:]:
            out = ("and" if isinstance(node.op, ast.And) else "or", out, p)
        return out
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.left, ast.Name):
        right = node.comparators[0]
        value = right.value if isinstance(right, ast.Constant) else None
        if isinstance(right, ast.Name):
            v = it.lookup(right.id)
            value = v.value if isinstance(v, Const) else None
        op = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}.get(
            type(node.ops[0]))
        if op is not None and value is not None:
            return ("cmp", node.left.id, op, value)
    return None


# -- functions -------------------------------------------------------------------------------------


def function(it: Interp, path: str, site: Site) -> Value | None:
    """pandas / numpy / datetime module functions; None when the path is not one of them."""
    args, kwargs = site.args, site.kwargs
    label = site.text
    if path.startswith("pandas.") and path.rsplit(".", 1)[-1] in pandas_catalog.TIME_PARSERS and args \
            and isinstance(args[0], Data):
        # ``pd.to_datetime(df["ts"])``: the same rows as datetimes (a time column once assigned)
        src = args[0]
        made = it.derive([src], src.kind, label, "to_datetime", columns=src.columns)
        made.datetime, made.colsrc, made.sorted_by = True, src.colsrc, src.sorted_by
        return made
    if path in _CONSTANTS:
        return _constant(path, args)
    top, _, name = path.partition(".")
    if top == "pandas":
        if name == "concat":
            objs = args[0] if args else kwargs.get("objs")
            parts: list[Value] = list(objs.items) if isinstance(objs, Seq) else ([objs] if objs is not None else [])
            axis = kwargs.get("axis")
            if isinstance(axis, Const) and axis.value in (1, "columns"):
                return _combined(it, parts, label, "concat columns")
            return _concat(it, parts, label)
        if name == "merge":
            return _combined(it, args[:2] or list(kwargs.values())[:2], label, "merge")
        if name in ("get_dummies", "qcut", "cut"):
            return _encode(it, name, site)
        if name in pandas_catalog.CONSTRUCTORS:
            datas = [v for v in (*args, *kwargs.values()) if data_in(v)]
            kind = "frame" if name.startswith("DataFrame") else "series"
            if datas:
                return it.derive(datas, kind, label, name)
            cols = _literal_columns(args[0] if args else kwargs.get("data"))
            nid = it.graph.new_id()
            it.emit(Read(nid, f"{name}(…)", "<read>", it.where(), cols, kind=kind))
            return Data(kind, "<read>", node=nid, columns=cols)
        found = [d for v in site.values for d in data_in(v)]
        if found:
            return it.derive(found, found[0].kind, label, name, columns=found[0].columns)
        return UNKNOWN
    if top == "numpy":
        arrays = [x for v in site.values for x in data_in(v)]
        short = name.rsplit(".", 1)[-1]
        if not arrays:
            if short in ("array", "asarray") and args and isinstance(args[0], Seq):
                return args[0]
            return UNKNOWN
        if short in numpy_catalog.STATISTICS and not _row_wise_axis(short, site, method=False):
            # ``np.mean((pred - y_te) ** 2)``, ``np.corrcoef(pred, y_te)``: predictions set against labels, scored
            operands = arrays[0] if len(arrays) == 1 else it.derive(arrays, "array", label, "row-wise")
            if isinstance(operands, Data) and (operands.pred is not None or operands.node is None):
                it.recorder.hand_scored(it.node(operands), f"np.{short}", it.where())
            return it.derive(arrays, "scalar", label, short, aggregate=True,
                             label_derived=any(x.label_derived for x in arrays))
        out = it.derive(arrays, "array", label, short, columns=arrays[0].columns)
        out.synthetic = out.synthetic or _numpy_copies(it, short, site)
        return out
    return None


def _row_wise_axis(name: str, site: Site, *, method: bool) -> bool:
    """A numpy statistic along each row (``X.sum(axis=1)``, ``np.max(X, 1)``): the row's own values."""
    axis = site.arg(numpy_catalog.axis_position(name, method=method), "axis")
    return isinstance(axis, Const) and axis.value in numpy_catalog.ROW_WISE_AXES


def _encode(it: Interp, name: str, site: Site) -> Value:
    """``get_dummies`` / ``qcut`` / ``cut(bins=n)``: categories or edges learned from the rows, applied to them."""
    data = site.arg(0, "data" if name == "get_dummies" else "x")
    if not isinstance(data, Data):
        return it.unknown_from(site.values, site.text, name)
    bins = site.arg(1, "bins")
    learned = name not in ROW_WISE and (name != "cut" or (isinstance(bins, Const) and isinstance(bins.value, int)))
    inputs: list[Value] = [data]
    if learned:
        inputs.append(it.derive([data], "value", f"{data.text} {name} edges", name, aggregate=True))
    # ``pd.cut(df["age"], bins)`` is still the age column, binned (pandas keeps the name): a group key of age
    kept = name == "get_dummies" or data.kind == "series"
    out = it.derive(inputs, data.kind, site.text, name, columns=data.columns if kept else None)
    out.colsrc = data.colsrc
    return out


def _encoded(it: Interp, d: Data, name: str, site: Site) -> Data:
    """A method that learns from the receiver's rows and maps each row through it (``rank``)."""
    stat = it.derive([d], "value", f"{d.text}.{name}()", name, aggregate=True, label_derived=d.label_derived)
    out = it.derive([d, stat], d.kind, site.text, name, columns=d.columns)
    out.colsrc = d.colsrc
    return out


def _concat(it: Interp, parts: list[Value], label: Label) -> Data:
    # row-wise concatenation: every part's rows are in the result
    resampled = any(d.synthetic for p in parts for d in data_in(p))
    copies = not resampled and _stacks_copies(it, parts)
    out = _combined(it, parts, label, "copies" if copies else "concat")  # the step's name tells copies apart
    out.synthetic = out.synthetic or copies
    timeorder.concatenated(out, [p for p in parts if isinstance(p, Data)])
    return out


def _stacks_copies(it: Interp, parts: list[Value]) -> bool:
    """True when one stacked piece holds rows of another (``concat([df, df.sample(frac=.3)])``)."""
    datas = [d for p in parts for d in data_in(p) if d.kind != "scalar" and not d.aggregate]
    if len(datas) > 1 and any(a is b for i, a in enumerate(datas) for b in datas[i + 1:]):
        return True  # the same value twice: ``np.concatenate([y, y])``
    pieces = [Piece(d.node, d.inputs, d.ops) for d in datas]
    return len(pieces) > 1 and stacked_copies(it.graph, pieces)


def _numpy_copies(it: Interp, short: str, site: Site) -> bool:
    """Rows repeated (``np.repeat(X, 3, axis=0)``, ``np.tile(X, (2, 1))``) or stacked with a copy of themselves."""
    first = site.arg(0, "a" if short in numpy_catalog.ROW_REPEATS else "tup")
    if short in numpy_catalog.ROW_STACKS:
        axis_arg = numpy_catalog.ROW_STACKS[short]
        axis = site.arg(axis_arg[1], axis_arg[0]) if axis_arg else None
        rows = axis is None or (isinstance(axis, Const) and axis.value == 0)
        return rows and isinstance(first, Seq) and _stacks_copies(it, list(first.items))
    if short not in numpy_catalog.ROW_REPEATS or not isinstance(first, Data) or first.aggregate \
            or first.kind == "scalar":
        return False
    count = site.arg(numpy_catalog.ROW_REPEATS[short][1], numpy_catalog.ROW_REPEATS[short][0])
    if short == "repeat":
        axis = site.arg(numpy_catalog.REPEAT_AXIS[1], numpy_catalog.REPEAT_AXIS[0])
        return axis is None or (isinstance(axis, Const) and axis.value == 0)
    # tile: a tuple count repeats rows by its first number; one number repeats the last axis
    # (rows of 1-D data only, columns of a table)
    if isinstance(count, Seq) and count.items:
        head = count.items[0]
        return isinstance(head, Const) and isinstance(head.value, int) and head.value > 1
    return first.kind == "series" and isinstance(count, Const) and isinstance(count.value, int) and count.value > 1


def _literal_columns(data: Value | None) -> tuple[str, ...] | None:
    if isinstance(data, Seq) and data.kind == "dict" and data.keys is not None \
            and all(isinstance(k, str) for k in data.keys):
        return tuple(str(k) for k in data.keys)
    return None


def _constant(path: str, args: Args) -> Value:
    if path in ("datetime.datetime", "datetime.date"):
        nums = [a.value for a in args if isinstance(a, Const) and isinstance(a.value, int)]
        if len(nums) >= 3 and len(nums) == len(args):
            try:
                hms = [*nums[3:6], 0, 0, 0][:3]
                return Const(dt.datetime(nums[0], nums[1], nums[2], hms[0], hms[1], hms[2]))
            except (TypeError, ValueError):
                return UNKNOWN
        return UNKNOWN
    if args and isinstance(args[0], Const):
        return Const(args[0].value)
    return UNKNOWN


# -- file headers ------------------------------------------------------------------------------------


def file_columns(base: Path, where: str, reader: str, kwargs: Kwargs) -> tuple[str, ...] | None:
    """Column names from a data file's header when it is at hand (CSV-like files, Parquet); None otherwise."""
    parquet = reader == "read_parquet" or (reader == "read_csv" and where.lower().endswith(".parquet"))
    if (reader not in ("read_csv", "read_table") and not parquet) or "://" in where:
        return None
    path = Path(where)
    if not path.is_absolute():
        path = _relative_file(base, path)
    if parquet:
        try:
            return _parquet_columns(str(path), path.stat().st_mtime_ns)
        except OSError:
            return None
    sep = kwargs.get("sep") or kwargs.get("delimiter")
    delimiter = sep.value if isinstance(sep, Const) and isinstance(sep.value, str) and len(sep.value) == 1 else (
        "\t" if reader == "read_table" else ",")
    header = kwargs.get("header")
    if isinstance(header, Const) and header.value is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    return _header(str(path), stat.st_mtime_ns, delimiter)


def _relative_file(base: Path, path: Path) -> Path:
    """A relative data path as the code runs: next to the code, else under one of its parent folders (a script in
    ``notebooks/`` run from the project's root reads ``data/x.csv`` there)."""
    for folder in (base, *base.parents[:3]):
        if (folder / path).is_file():
            return folder / path
    return base / path


@functools.lru_cache(maxsize=256)
def _parquet_columns(path: str, mtime: int) -> tuple[str, ...] | None:
    """The column names in a Parquet file's footer (read with pyarrow when it is installed; no rows read)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return None
    try:
        return tuple(str(n) for n in pq.read_schema(path).names)
    except Exception:  # not a Parquet file, or one pyarrow cannot read: columns unknown
        return None


@functools.lru_cache(maxsize=256)
def _header(path: str, mtime: int, delimiter: str) -> tuple[str, ...] | None:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            row = next(csv.reader(fh, delimiter=delimiter), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return tuple(row) if row else None
