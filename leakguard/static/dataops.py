"""Data expressions: attribute and column access, row selection, arithmetic, masks and filters.

Row filters are remembered as condition trees (``lineage/conditions.py``: ``("cmp", column, op, value)``,
``("and", a, b)``, ``("not", a)``...), so the engine can prove what the kernel proves from
the data: a filter at or before the cutoff on the policy's time column removes the
``future`` rows, a filter on the holdout column removes the holdout rows, and two frames
selected by complementary masks partition their parent (a hand-made split).
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
from typing import TYPE_CHECKING, Any, Literal

from leakguard.libraries.pandas.catalog import ACCESSORS, NAMES_FROM_VALUES, SCHEMA_ATTRIBUTES
from leakguard.libraries.torch.catalog import PAIR_FIELDS
from leakguard.lineage import conditions
from leakguard.lineage.events import Derive
from leakguard.lineage.graph import FUTURE, HOLDOUT, holds_rows
from leakguard.lineage.inference import Pick, marker_pick, stacked_part, stacked_slice, wait_for_label
from leakguard.lineage.windows import past_window, window_columns
from leakguard.static import models, timeorder
from leakguard.static.emitted import event
from leakguard.static.values import (
    LOOP_ITEM,
    UNKNOWN,
    Const,
    Data,
    Estimator,
    Expr,
    GroupBy,
    Instance,
    Label,
    Method,
    Ref,
    Seq,
    Unknown,
    Value,
    const_strings,
    data_in,
    text,
)

if TYPE_CHECKING:
    from leakguard.static.interp import Interp

Filter = conditions.Cond
# Attributes of frames and series that are not columns.
SCHEMA = SCHEMA_ATTRIBUTES
_FLIP = conditions.FLIP
_CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
        ast.In: "in", ast.NotIn: "not in", ast.Is: "==", ast.IsNot: "!="}
_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
          ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}


# -- conditions ------------------------------------------------------------------------------


normalise = conditions.normalise
complementary = conditions.complementary


def _as_date(value: Any) -> dt.datetime | None:
    """A condition's constant as the time it names, zone kept (for a split's method text, ``filter at T``)."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


as_date = _as_date


def removes(it: Interp, f: Filter | None) -> frozenset[str]:
    """Row parts a filter provably removes under the policy (future past the cutoff, holdout rows)."""
    return conditions.removes(f, it.policy, after_cutoff=False)


def _column(d: Data) -> str | None:
    return d.columns[0] if d.kind == "series" and d.columns is not None and len(d.columns) == 1 else None


# -- attribute and subscript ------------------------------------------------------------------


def attribute(it: Interp, node: ast.Attribute, shown: bool) -> Value:
    base = it.eval(node.value, shown)
    return attr_of(it, base, node.attr, node)


def attr_of(it: Interp, base: Value, name: str, node: ast.expr) -> Value:
    """``base.name`` read without calling it."""
    if isinstance(base, Ref):
        return Ref(f"{base.path}.{name}")
    if isinstance(base, Data):
        if base.lib:
            from leakguard.libraries.polars import static as polarsops
            from leakguard.libraries.spark import static as sparkops

            return sparkops.attribute(it, base, name) if base.lib == "spark" else polarsops.attribute(it, base, name)
        if name in ACCESSORS:
            return Method(base, name)
        if name == "index":
            return it.derive([base], "index", node, "index", columns=None)
        if name in ("values", "array") or name == "T":
            array = it.derive([base], "array" if name != "T" else base.kind, node, name, columns=base.columns)
            array.ordered = base.ordered and base.kind == "frame" and name != "T"
            return array
        if name == "columns" and base.kind == "frame" and base.columns is not None and _names_exact(it, base):
            # the names a frame read from a header (or built) is known to have: ``list(df.columns)``,
            # ``[c for c in df.columns if c != TARGET]``, ``df.columns.drop(TARGET)`` choose among them
            return Seq([Const(c) for c in base.columns], "list")
        if name in SCHEMA or base.kind not in ("frame",):
            # a schema fact the engine does not know (``df[c].dtype``): neither true nor false in a test
            return UNKNOWN if name in SCHEMA else Method(base, name)
        return column(it, base, name, node)
    if isinstance(base, Instance):
        got = base.attrs.get(name)
        if got is not None:
            return got
        method = base.klass.methods.get(name)
        return Method(base, name) if method is not None else it.unknown_from([base], text(node), name)
    if isinstance(base, GroupBy):
        return GroupBy(base.data, base.keys, (name,), f"{base.text}.{name}")
    if isinstance(base, Estimator):
        return models.attribute(it, base, name, node)
    if isinstance(base, Method):
        return Method(base, name)
    if isinstance(base, Unknown) and base.data is not None:
        return Unknown(name, it.derive([base], "value", node, name))
    if isinstance(base, Seq) and base.kind == "along-dim" and name in PAIR_FIELDS:
        return base.items[PAIR_FIELDS.index(name)]  # ``out.max(dim=1).indices``
    if isinstance(base, (Seq, Const)):
        return Method(base, name)
    if isinstance(base, Expr):
        # namespaces of an expression (``pl.col("x").str``, ``.dt``, ``.meta``) keep its columns
        return base if name in ("str", "dt", "list", "arr", "cat", "struct", "meta", "name", "bin") else Method(base,
                                                                                                                  name)
    return UNKNOWN


def _names_exact(it: Interp, frame: Data) -> bool:
    """False when a step that names columns by values made ``frame``: its ``columns`` are its input's names, a
    stand-in, not the names ``.columns`` gives."""
    node = it.graph.get(frame.node) if frame.node is not None else None
    if node is None:
        return not any(o.startswith(NAMES_FROM_VALUES) for o in frame.ops)
    return not any(n.op.startswith(NAMES_FROM_VALUES) for n in (node, *it.graph.ancestors(node.id)))


def column(it: Interp, frame: Data, name: str, label: Label) -> Data:
    """``frame[name]``: the column as a series."""
    out = it.derive([frame], "series", label, f"[{name!r}]", columns=(name,))
    if frame.kind == "frame":
        out.colsrc = frozenset({name}) if frame.colsrc is None else frame.colsrc
    out.sorted_by, out.descending = frame.sorted_by, frame.descending  # a column keeps the frame's row order
    out.rows_by = frame.rows_by
    _keep_fold(frame, out)
    return out


def select(it: Interp, frame: Data, names: tuple[str, ...], label: Label) -> Data:
    """``frame[[names]]``: a frame of those columns."""
    out = it.derive([frame], "frame", label, "select", columns=names)
    # selecting columns keeps the rows, their order and index; the columns are the list's, in its order
    out.sorted_by, out.descending, out.time_index = frame.sorted_by, frame.descending, frame.time_index
    out.ordered = True
    out.rows_by = frame.rows_by
    _keep_fold(frame, out)
    return out


def _keep_fold(frame: Data, out: Data) -> None:
    """Columns of a fold's part (``part_va[cols]``) are still that part of the folded rows (static/folds.py)."""
    if frame.origin is not None and frame.origin[1] == "fold":
        out.origin = frame.origin


def rows(it: Interp, base: Data, mask: Value, label: Label, how: str = "mask") -> Data:
    """``base[mask]``: a subset of the rows; remembers the filter for cutoff proofs and split detection."""
    f = mask.filter if isinstance(mask, Data) else None
    if f is None and isinstance(mask, Data) and (flag := _column(mask)) is not None and mask.node is None \
            and mask.ops == (f"[{flag!r}]",):
        f = ("cmp", flag, "truthy", None)  # ``df[df.is_test]``: a boolean column itself, the twin of ``~df.is_test``
    gone = removes(it, f)
    parent = it.node(base)
    pick = _stack_pick(f)
    taken = stacked_part(it.graph, parent, pick) if pick is not None else frozenset()
    # ``full[full.y.notna()]``, ``full[full.is_train == 1]``: one file's rows of a stack
    # ``df[z.abs() < 3]`` with ``z`` from all rows' mean and std: which rows stay was learned, so the mask is an input
    learned = [mask] if isinstance(mask, Data) and mask.kind == "series" and parent in it.graph.nodes \
        and holds_rows(it.graph.nodes[parent]) and _learned_from_rows(it, mask) else []
    out = it.derive([base, *learned], base.kind, label, "filter", columns=base.columns, removes=gone | taken)
    if pick is not None and not taken:
        wait_for_label(it.graph, it.node(out), parent, pick)
    out.sorted_by, out.descending, out.time_index = base.sorted_by, base.descending, base.time_index
    out.keeps_columns_of(base)
    out.ordered = base.ordered
    if isinstance(mask, Data) and mask.draw is not None:
        out.origin = (parent, "draw", mask.draw)
    elif f is not None:
        out.origin = (parent, how, f)
    elif isinstance(mask, Data) and mask.origin is not None and mask.origin[1] == "fold":
        out.origin = (parent, "fold", mask.origin[2])  # ``X.iloc[va]``: the fold's part of X (static/folds.py)
    elif isinstance(mask, Data) and mask.kind == "index":
        out.origin = (parent, "index", (mask.node,) if mask.node is not None else mask.inputs)
    out.rows_by = base.rows_by + _mask_columns(f)
    return out


def _mask_columns(f: Filter | None) -> tuple[str, ...]:
    """The columns a condition compares (``df.churned == 1`` → ``churned``): rows chosen by them."""
    if f is None:
        return ()
    if f[0] == "cmp":
        return (f[1],) if isinstance(f[1], str) and not f[1].startswith("<") else ()
    if f[0] in ("and", "or"):
        return _mask_columns(f[1]) + _mask_columns(f[2])
    if f[0] == "not":
        return _mask_columns(f[1])
    return ()


def _learned_from_rows(it: Interp, mask: Data) -> bool:
    """True when the mask carries a statistic learned from rows that may be held out (outlier bounds)."""
    ids = (mask.node,) if mask.node is not None else mask.inputs
    return any(i in it.graph.nodes and it.graph.nodes[i].taint & {HOLDOUT, FUTURE} for i in ids)


def _stack_pick(f: Filter | None) -> Pick | None:
    """What a mask takes back from a stack of files: a presence test, or a marker compared with a constant."""
    if f is None:
        return None
    f = normalise(f)
    if f[0] != "cmp" or not isinstance(f[1], str):
        return None
    _, col, op, value = f
    if op in ("present", "missing"):
        return Pick(op, column=col)
    return marker_pick(col, value) if op == "==" else None


def stacked_rows(it: Interp, base: Data, pick: Pick, label: Label, how: str) -> Data | None:
    """``base``'s rows that ``pick`` takes back when ``base`` stacks training and test files; else None."""
    parent = it.node(base)
    gone = stacked_part(it.graph, parent, pick)
    if not gone and pick.how not in ("present", "missing"):
        return None
    out = it.derive([base], base.kind, label, how, columns=base.columns, removes=gone)
    out.sorted_by, out.descending, out.time_index = base.sorted_by, base.descending, base.time_index
    out.keeps_columns_of(base)
    if not gone:
        wait_for_label(it.graph, it.node(out), parent, pick)
    return out


def subscript(it: Interp, node: ast.Subscript, shown: bool) -> Value:
    base = it.eval(node.value, shown)
    label: ast.AST = node
    if isinstance(base, Method) and isinstance(base.receiver, Data) and base.name in ("loc", "iloc", "at", "iat"):
        return _indexer(it, base.receiver, base.name, node.slice, label)
    key_node = node.slice
    if isinstance(base, Data) and base.lib == "spark":
        from leakguard.libraries.spark import static as sparkops

        return sparkops.subscript(it, base, it.eval(key_node), node)
    if isinstance(base, Data):
        if isinstance(key_node, ast.Slice) and base.draw is not None:
            from leakguard.static import splits

            return splits.draw_slice(it, base, key_node, label)
        if isinstance(key_node, ast.Slice) and past_window(key_node) and timeorder.time_of(it, base) is not None:
            # ``close[i - 20:i]`` of time-ordered rows: the values before row ``i``, a forecasting lag
            window = it.derive([base], base.kind, label, "window", columns=window_columns(base.columns))
            window.colsrc = frozenset()
            return window
        if isinstance(key_node, ast.Slice):
            return _slice_rows(it, base, key_node, label)
        if base.kind == "array" and base.ordered and isinstance(key_node, ast.Tuple) and len(key_node.elts) == 2 \
                and _every_row(key_node.elts[0]) and (at := positions(base, key_node.elts[1])) is not None:
            # ``df.values[:, -1]``, ``arr[:, 1:]`` of a frame whose columns are known in order: those columns
            picked = it.derive([base], "array", label, "select", columns=at[0])
            picked.sorted_by, picked.descending, picked.ordered = base.sorted_by, base.descending, not at[1]
            return picked
        if base.kind == "array" and isinstance(key_node, ast.Tuple) and len(key_node.elts) == 2 \
                and isinstance(key_node.elts[0], ast.Slice) and (key_node.elts[0].lower or key_node.elts[0].upper):
            # ``data[:n, :-1]``: rows by position, and the same columns on both sides of a split
            return _slice_rows(it, base, key_node.elts[0], label, ast.dump(key_node.elts[1]))
        key = it.eval(key_node)
        names = const_strings(key)
        if names is not None and base.kind == "frame":
            if isinstance(key, Const):
                return column(it, base, names[0], label)
            return select(it, base, names, label)
        if isinstance(key, Data) and key.kind in ("index", "array", "series") and base.kind == "frame" \
                and key.draw is None and ((key.kind == "index" and key.origin is None) or _names_only(it, key)):
            # ``df[corr.index[1:11]]``: an Index read off another value and used as a frame's key names
            # columns (pandas selects columns with it); which ones is unknown, the rows are all kept
            return _chosen(it.derive([base], "frame", label, "[]", columns=None))  # a choice of columns: schema
        if isinstance(key, Data) and key.kind in ("series", "array", "index"):
            return rows(it, base, key, label)
        if isinstance(key, Const) and isinstance(key.value, str) and base.kind == "array":
            # ``archive["X"]`` (an ``.npz`` member by name), ``records["age"]`` (a structured array's field):
            # an array of the same rows, not one value
            return it.derive([base], "array", label, "item", columns=None)
        if isinstance(key, Const) and base.kind != "frame":
            return it.derive([base], "scalar", label, "item", columns=base.columns)
        # ``self.y[idx]`` (an array's rows by a position not known): the rows of its columns
        held = base.columns if base.kind == "array" and not isinstance(key, (Data, Const)) else None
        picked = it.derive([base, key], base.kind, label, "[]", columns=held)
        return _chosen(picked) if base.kind == "frame" and not isinstance(key, Data) else picked
    if isinstance(base, GroupBy):
        names = const_strings(it.eval(key_node))
        return GroupBy(base.data, base.keys, names, text(label))
    if isinstance(base, Seq):
        key = it.eval(key_node) if not isinstance(key_node, ast.Slice) else UNKNOWN
        if isinstance(key, Const):
            if base.kind == "dict" and base.keys is not None and key.value in base.keys:
                return base.items[base.keys.index(key.value)]
            if isinstance(key.value, int) and -len(base.items) <= key.value < len(base.items):
                return base.items[key.value]
        if isinstance(key_node, ast.Slice):
            return Seq(base.items, "list")
        return it.unknown_from(base.items, label, "item")
    if isinstance(base, Estimator):
        return models.subscript(it, base, it.eval(key_node))
    if isinstance(base, Unknown) and base.data is not None:
        if isinstance(key_node, ast.Slice) and past_window(key_node) and timeorder.time_of(it, base.data) is not None:
            # ``close[i - 20:i]`` of time-ordered rows: the values before row ``i``, a forecasting lag
            window = it.derive([base], "value", label, "window", columns=window_columns(base.data.columns))
            window.colsrc = frozenset()
            return Unknown("item", window)
        return Unknown("item", it.derive([base], "value", label, "[]"))
    it.eval(key_node)
    return UNKNOWN


def _names_only(it: Interp, key: Data) -> bool:
    """``corr.index[1:3]``, ``corr[corr > 0.05].index.tolist()``: names read off a statistic (a value holding no rows),
    not a mask or positions of a frame's rows."""
    ids = (key.node,) if key.node is not None else key.inputs
    nodes = [it.graph.nodes.get(i) for i in ids]
    return bool(nodes) and all(n is not None and not holds_rows(n) for n in nodes)


def _chosen(d: Data) -> Data:
    """``d`` holds some columns of its input the code does not name: a node of its own, so that no rule takes
    it for its input's columns (the label among them)."""
    d.chosen = True
    return d


def _slice_rows(it: Interp, base: Data, s: ast.Slice, label: Label, columns: str | None = None) -> Data:
    parent = it.node(base)
    lower = position_key(s.lower, "start") if s.lower is not None else None
    upper = position_key(s.upper, "end") if s.upper is not None else None
    # ``full[:len(train)]`` of ``concat([train, test])``: back to the training (or test) rows
    removes = stacked_slice(it.graph, parent, head=lower is None) if (lower is None) != (upper is None) \
        else frozenset()
    out = it.derive([base], base.kind, label, "slice", columns=base.columns, removes=removes)
    out.sorted_by, out.time_index, out.descending = base.sorted_by, base.time_index, base.descending
    out.keeps_columns_of(base)
    out.ordered = base.ordered and columns is None
    out.origin = (parent, "slice", (columns, lower, upper))
    return out


def position_key(expr: ast.expr, side: Literal["start", "end"] | None = None) -> str:
    """A row position as written, the same for its spellings from either end: ``-(len(df) - n)`` is ``n`` and
    ``len(df) - n`` is ``-n`` (``df.head(n)`` / ``df.iloc[-(len(df) - n):]``, ``df[:len(df) - n]`` / ``df[-n:]``).

    A date label bounding a slice of a time index (``side`` given) is the instant it starts or ends at, so the two
    halves of ``px.loc[:"2023-03"]`` / ``px.loc["2023-04":]`` meet at the same key (April 1st).
    """
    if side is not None and isinstance(expr, ast.Constant) and isinstance(expr.value, str) \
            and (period := conditions.label_period(expr.value)) is not None:
        return f"time {(period[0] if side == 'start' else period[1]).isoformat()}"
    negated = isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub)
    inner = expr.operand if isinstance(expr, ast.UnaryOp) and negated else expr
    if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Sub) and isinstance(inner.left, ast.Call) \
            and isinstance(inner.left.func, ast.Name) and inner.left.func.id == "len":
        n = inner.right
        return ast.dump(n if negated else ast.UnaryOp(ast.USub(), n))
    return ast.dump(expr)


def _indexer(it: Interp, base: Data, how: str, key: ast.expr, label: Label) -> Value:
    row_key, col_key = (key.elts[0], key.elts[1]) if isinstance(key, ast.Tuple) and len(key.elts) == 2 else (key, None)
    out: Data = base
    if isinstance(row_key, ast.Slice):
        if row_key.lower is not None or row_key.upper is not None:
            out = _slice_rows(it, base, row_key, label)
    else:
        rk = it.eval(row_key)
        if isinstance(rk, Data):
            out = rows(it, base, rk, label)
        elif not isinstance(rk, Const):
            out = it.derive([base, rk], base.kind, label, how, columns=base.columns)
        elif how == "loc" and isinstance(rk.value, str) and base.kind == "frame" \
                and (keyed := stacked_rows(it, base, Pick("named", word=rk.value), label, how)) is not None:
            out = keyed  # ``full.loc["train"]`` of ``concat([train, test], keys=["train", "test"])``
        elif how in ("at", "iat") or col_key is None:
            return it.derive([base], "series" if base.kind == "frame" else "scalar", label, how, columns=None)
    if col_key is not None:
        names = const_strings(it.eval(col_key))
        single = isinstance(col_key, ast.Constant)
        if names is None and how == "iloc" and base.ordered and (at := positions(base, col_key)) is not None:
            names, single = at  # ``df.iloc[:, -1]``, ``df.iloc[:, 2:]`` of known columns: those columns by name
        left_out = _columns_left_out(it, col_key) if names is None and how == "loc" else None
        if left_out is not None and base.columns is not None:
            names = tuple(c for c in base.columns if c not in left_out)  # ``df.loc[:, df.columns != "y"]``
        if names is not None:
            picked = it.derive([out], "series" if single else "frame", label, "select", columns=names)
            picked.origin, picked.sorted_by, picked.rows_by = out.origin, out.sorted_by, out.rows_by
            picked.removes = out.removes if out.node is None else picked.removes
            picked.ordered = not single and not isinstance(col_key, ast.Constant) and base.ordered
            return picked
        if isinstance(col_key, ast.Slice) and (col_key.lower is not None or col_key.upper is not None):
            # ``df.loc[:, "x":"refund"]``, ``df.iloc[:, 3:-1]``: a range of columns whose names the code does not
            # show (a choice of columns, as ``df[corr.index[1:3]]``): the label is not taken to be among them
            picked = _chosen(it.derive([out], "frame", label, "select", columns=None))
            picked.origin, picked.sorted_by = out.origin, out.sorted_by
            picked.removes = out.removes if out.node is None else picked.removes
            return picked
    if out is base:
        return it.derive([base], base.kind, label, how, columns=base.columns)
    return out


def _columns_left_out(it: Interp, key: ast.expr) -> tuple[str, ...] | None:
    """The names a boolean mask over a frame's columns leaves out: ``df.columns != "y"``,
    ``~df.columns.isin(["y", "id"])``; None for any other key."""
    if isinstance(key, ast.Compare) and len(key.ops) == 1 and isinstance(key.ops[0], ast.NotEq) \
            and isinstance(key.left, ast.Attribute) and key.left.attr == "columns":
        return const_strings(it.eval(key.comparators[0]))
    if isinstance(key, ast.UnaryOp) and isinstance(key.op, ast.Invert) and isinstance(key.operand, ast.Call) \
            and isinstance(key.operand.func, ast.Attribute) and key.operand.func.attr == "isin" \
            and isinstance(key.operand.func.value, ast.Attribute) and key.operand.func.value.attr == "columns" \
            and len(key.operand.args) == 1:
        return const_strings(it.eval(key.operand.args[0]))
    return None


def _every_row(key: ast.expr) -> bool:
    return isinstance(key, ast.Slice) and key.lower is None and key.upper is None and key.step is None


def _position(expr: ast.expr | None) -> int | None:
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        inner = _position(expr.operand)
        return -inner if inner is not None else None
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return expr.value
    return None


def positions(d: Data, key: ast.expr) -> tuple[tuple[str, ...], bool] | None:
    """The names of the columns a column position key picks from ``d`` (whose columns are known in their order):
    ``-1``, ``2:``, ``:-1``, ``[0, 3]``, with whether it is one column; None when the key is not positions."""
    cols = d.columns
    if cols is None or not d.ordered:
        return None
    n = len(cols)
    if isinstance(key, ast.Slice):
        given = (key.lower, key.upper, key.step)
        parts = [None if b is None else _position(b) for b in given]
        if any(b is not None and p is None for b, p in zip(given, parts, strict=True)) or parts[2] == 0:
            return None
        return tuple(cols[slice(*parts)]), False
    if isinstance(key, (ast.List, ast.Tuple)) and key.elts:
        at = [_position(e) for e in key.elts]
        if any(p is None or not -n <= p < n for p in at):
            return None
        return tuple(cols[p] for p in at if p is not None), False
    p = _position(key)
    if p is None or not -n <= p < n:
        return None
    return (cols[p],), True


def column_target(expr: ast.expr) -> ast.Subscript | None:
    """``df["x"]`` or ``df.x`` as an assignment target ``df["x"]``: a column of a named frame, else None."""
    if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name) and isinstance(expr.slice, ast.Constant) \
            and isinstance(expr.slice.value, str):
        return expr
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        return ast.Subscript(expr.value, ast.Constant(expr.attr), ast.Store())
    return None


def set_item(it: Interp, target: ast.Subscript, value: Value) -> None:
    """``df['x'] = value`` / ``df.loc[m, 'x'] = value``: a column assignment; the frame is rebound."""
    base_node: ast.expr = target.value
    if isinstance(base_node, ast.Attribute) and base_node.attr in ("loc", "iloc", "at", "iat"):
        base_node = base_node.value
    if not isinstance(base_node, ast.Name):
        it.eval(target.value)
        return
    base = it.lookup(base_node.id)
    key = target.slice
    names = const_strings(it.eval(key)) if not isinstance(key, ast.Tuple) else (
        const_strings(it.eval(key.elts[-1])) if key.elts else None)
    if isinstance(base, Data) and base.kind == "frame" and names and len(names) > 1:
        # ``df[["a", "b"]] = scaler.fit_transform(df[["a", "b"]])``: each column written holds what the value holds
        new = base
        for col in dict.fromkeys(names):
            new = with_column(it, base_node.id, new, col, value, op="set column")
        _rebind_in_place(it, base_node.id, base, new)
    elif isinstance(base, Data) and base.kind == "frame":
        assign_column(it, base_node.id, base, names[0] if names else None, value)
    elif isinstance(base, Data) and (base.kind == "array" or isinstance(key, ast.Tuple)):
        # ``X[:, 0] = (X[:, 0] - X[:, 0].min()) / np.ptp(X[:, 0])``: the array changed in place holds what was written
        # (a key of two positions indexes an array, whatever kind the engine took the value for)
        _rebind_in_place(it, base_node.id, base, combine(it, base, value, base_node.id, "set item"))
    elif isinstance(base, Seq) and base.kind == "dict":
        k = it.eval(key)
        base.items.append(value)
        (base.keys if base.keys is not None else []).append(k.value if isinstance(k, Const) else None)
    elif isinstance(base, Seq):
        base.items.append(value)
    elif isinstance(base, Unknown) and base.data is None:
        # ``row = np.zeros(len(vocab))`` then ``row[word_index[w]] += 1``: an untracked container filled at
        # positions or with values computed from tracked data holds what was written
        written = [v for v in (it.eval(key), value) if data_in(v)]
        if written:
            it.bind_name(base_node.id, it.derive(written, "array", base_node.id, "set item"))


def delete_item(it: Interp, target: ast.Subscript) -> None:
    """``del X["churned"]``: frame ``X`` is rebound to itself without that column (as ``X.drop(columns=...)``)."""
    if not isinstance(target.value, ast.Name):
        return
    base = it.lookup(target.value.id)
    names = const_strings(it.eval(target.slice))
    if isinstance(base, Data) and base.kind == "frame" and names:
        from leakguard.libraries.pandas import static as pandasops

        dropped = pandasops.drop_columns(it, base, names, target)
        _rebind_in_place(it, target.value.id, base, dropped)


def assign_column(it: Interp, name: str, base: Data, col: str | None, value: Value) -> None:
    """Rebind frame ``name`` to ``base`` with column ``col`` computed from ``value`` (a column-level Derive)."""
    _rebind_in_place(it, name, base, with_column(it, name, base, col, value, op="set column"))


def _rebind_in_place(it: Interp, name: str, base: Data, new: Value) -> None:
    it.scopes[-1][name] = new
    # the frame is changed in place: every other name for the same object (a helper's caller) sees it
    for scope in (it.globals, *it.scopes[1:]):
        for other, bound in scope.items():
            if bound is base:
                scope[other] = new


def with_column(it: Interp, name: Label, base: Data, col: str | None, value: Value, *, op: str) -> Data:
    """A new frame: ``base`` with column ``col`` computed from ``value`` row by row (a column-level Derive)."""
    base_id = it.node(base)
    others: list[str] = []
    sources: frozenset[str] = frozenset()
    flags = {"looks_ahead": False, "synthetic": False}
    for d in data_in(value):
        if d.node is None and not d.aggregate and not d.unresolved and not d.removes:
            others.extend(i for i in d.inputs if i != base_id)
        elif d.node != base_id:
            others.append(it.node(d))
        if d.colsrc:
            sources |= d.colsrc
        flags["looks_ahead"] |= d.looks_ahead
        flags["synthetic"] |= d.synthetic
    if col is not None and isinstance(value, Data) and value.datetime:
        timeorder.parsed(it, (col,), f"{op} (datetimes)")
    cols = base.columns
    if cols is not None and col is not None and col not in cols:
        cols = (*cols, col)
    elif col is None:
        cols = None if not isinstance(value, Data) else cols
    nid = it.graph.new_id()
    it.emit(event(Derive, out=nid, inputs=(base_id, *dict.fromkeys(others)), op=op, name=text(name),
                  where=it.where(), rows="same", columns=cols, kind="frame", column=col,
                  column_inputs=tuple(sorted(sources)), **flags))
    return Data("frame", name, node=nid, columns=cols, sorted_by=base.sorted_by, descending=base.descending,
                time_index=base.time_index, ordered=base.ordered and cols is not None)


def set_attr(it: Interp, target: ast.Attribute, value: Value) -> None:
    """``df.x = value`` on a frame is a column write; other attribute writes are ignored."""
    if isinstance(target.value, ast.Name):
        base = it.lookup(target.value.id)
        if isinstance(base, Data) and base.kind == "frame" and target.attr == "index":
            _set_index(it, target.value.id, base, value)
        elif isinstance(base, Data) and base.kind == "frame":
            assign_column(it, target.value.id, base, target.attr, value)
        elif isinstance(base, Instance):
            base.attrs[target.attr] = value  # ``self.means = frame.mean()`` in a method


def _set_index(it: Interp, name: str, base: Data, value: Value) -> None:
    """``df.index = pd.to_datetime(df.pop("date"))``: the same rows and columns under a new index; a datetime one
    (its column known) makes ``sort_index()`` a sort by time, as ``set_index("date")`` does. Not a column write."""
    out = it.derive([base], "frame", name, "set index", columns=base.columns)
    out.keeps_columns_of(base)
    out.sorted_by, out.descending = base.sorted_by, base.descending
    col = timeorder.datetime_column(value)
    if col is not None:
        timeorder.parsed(it, (col,), "index = datetimes")
    out.time_index = col
    _rebind_in_place(it, name, base, out)


# -- arithmetic and masks -----------------------------------------------------------------------


def combine(it: Interp, left: Value, right: Value, label: Label, op: str) -> Value:
    """An element-wise combination (arithmetic) of two values."""
    ld, rd = isinstance(left, Data), isinstance(right, Data)
    if not (ld or rd):
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return it.unknown_from([left, right], label, op)
        return UNKNOWN
    datas = [v for v in (left, right) if isinstance(v, Data)]
    rowsy = [d for d in datas if not d.aggregate]
    if not rowsy:
        return it.derive(datas, "scalar", label, op, aggregate=True,
                         label_derived=any(d.label_derived for d in datas))
    kind = "frame" if any(d.kind == "frame" for d in rowsy) else rowsy[0].kind
    # one frame or series with constants keeps its columns: ``df["SalePrice"] / 1000`` is still SalePrice's values
    cols = rowsy[0].columns if len(rowsy) == 1 and len(datas) == 1 else None
    return it.derive([left, right], kind, label, op, columns=cols)


def binop(it: Interp, node: ast.BinOp, shown: bool) -> Value:
    left, right = it.eval(node.left), it.eval(node.right)
    if isinstance(left, Const) and isinstance(right, Const):
        fn = _ARITH.get(type(node.op))
        try:
            return Const(fn(left.value, right.value)) if fn is not None else UNKNOWN
        except Exception:
            return UNKNOWN
    if type(left) is Expr or type(right) is Expr:
        from leakguard.static import lazyops

        if isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            return lazyops.logical("and" if isinstance(node.op, ast.BitAnd) else "or", left, right)
        lib = left.lib if isinstance(left, Expr) else right.lib if isinstance(right, Expr) else ""
        return lazyops.combine_exprs(lib, [left, right])
    if isinstance(node.op, (ast.BitAnd, ast.BitOr)) and isinstance(left, Data) and isinstance(right, Data) \
            and left.filter is not None and right.filter is not None:
        out = it.derive([left, right], "series", node, "mask")
        out.filter = ("and" if isinstance(node.op, ast.BitAnd) else "or", left.filter, right.filter)
        return out
    if isinstance(left, Seq) and isinstance(right, Seq) and isinstance(node.op, ast.Add):
        return Seq(left.items + right.items, "list")
    return combine(it, left, right, node, type(node.op).__name__.lower())


def unaryop(it: Interp, node: ast.UnaryOp, shown: bool) -> Value:
    value = it.eval(node.operand)
    if isinstance(value, Expr):
        from leakguard.static import lazyops

        return lazyops.invert(value) if isinstance(node.op, (ast.Invert, ast.Not)) else lazyops.combine_exprs(
            value.lib, [value], aggregate=value.aggregate)
    if isinstance(value, Const):
        try:
            if isinstance(node.op, ast.USub):
                return Const(-value.value)
            if isinstance(node.op, ast.Not):
                return Const(not value.value)
        except TypeError:
            return UNKNOWN
        return UNKNOWN
    if isinstance(value, Data):
        out = it.derive([value], value.kind, node, "negate", columns=value.columns, aggregate=value.aggregate)
        if value.filter is not None and isinstance(node.op, (ast.Invert, ast.Not)):
            out.filter = ("not", value.filter)
        elif isinstance(node.op, (ast.Invert, ast.Not)) and _column(value) is not None:
            out.filter = ("cmp", _column(value), "falsy", None)
        return out
    return it.unknown_from([value], node, "unary")


def compare(it: Interp, node: ast.Compare, shown: bool) -> Value:
    left = it.eval(node.left)
    rights = [it.eval(c) for c in node.comparators]
    if len(rights) == 1:
        right = rights[0]
        op = _CMP.get(type(node.ops[0]))
        if isinstance(left, Const) and isinstance(right, Const) and op in _FLIP:
            try:
                return Const({"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
                              "==": operator.eq, "!=": operator.ne}[op](left.value, right.value))
            except TypeError:
                return UNKNOWN
        if op in ("in", "not in") and isinstance(left, Const):
            # ``c not in ("churned", "id")``, ``"id" in c``: a name tested against known names
            names = right.value if isinstance(right, Const) and isinstance(right.value, str) else const_strings(right)
            if names is not None and isinstance(left.value, str):
                return Const((left.value in names) == (op == "in"))
        if isinstance(left, Data) and not left.aggregate and isinstance(right, Const) and op:
            return mask(it, left, op, right.value, node,
                        subject=_column(left) or f"<{ast.dump(node.left)}>")
        if isinstance(right, Data) and not right.aggregate and isinstance(left, Const) and op in _FLIP:
            return mask(it, right, _FLIP[op], left.value, node,
                        subject=_column(right) or f"<{ast.dump(node.comparators[0])}>")
        if type(left) is Expr or type(right) is Expr:
            from leakguard.static import lazyops

            return lazyops.compare(left, op, right)
    datas = [v for v in (left, *rights) if isinstance(v, Data)]
    if datas:
        kind = "series" if any(not d.aggregate for d in datas) else "scalar"
        out = it.derive(datas, kind, node, "compare", aggregate=kind == "scalar")
        items = [v for v in (left, *rights) if isinstance(v, Unknown) and v.reason == LOOP_ITEM]
        if len(datas) == 1 and items and kind == "series":
            # ``y_test == c`` in a loop over classes the engine does not know: these labels for this pass's value
            out.origin = (it.node(datas[0]), "loop item", id(items[0]))
        return out
    return it.unknown_from([left, *rights], node, "compare")


def mask(it: Interp, series: Data, op: str, value: Any, label: Label, *, subject: str) -> Data:
    """A boolean series from comparing a column (or an expression, named by ``subject``) with a constant."""
    # one column compared keeps its name (``df["quality"] >= 7``: a label made from quality, as pandas names it)
    one = series.columns if series.kind == "series" and series.columns is not None and len(series.columns) == 1 \
        else None
    out = it.derive([series], "series", label, "mask", columns=one)
    out.filter = ("cmp", subject, op, value)
    return out


def boolop(it: Interp, node: ast.BoolOp, shown: bool) -> Value:
    values = [it.eval(v) for v in node.values]
    datas = [v for v in values if isinstance(v, Data)]
    if datas:
        return it.derive(datas, datas[0].kind, node, "boolop")
    return values[-1] if values else UNKNOWN
