"""What Spark and Polars frames share: column expressions, row conditions, filters and actions.

Both libraries describe computations with column expressions (Spark's ``F.col("x") > 0``,
Polars' ``pl.col("x").mean()``), kept as :class:`~leakguard.static.values.Expr`: the
columns an expression references, whether it aggregates rows, and the condition tree when
it is a row condition. A filter (``filter``/``where``) bounding the policy's time column at
the cutoff removes the future rows (or keeps only them); two complementary filters of one
parent make a split (:func:`leakguard.static.splits.find_partition`). Spark also takes a
condition as SQL text (``df.filter("event_ts <= '2024-06-01'")``), parsed by sqlglot
(``lineage/conditions.py``): comparisons of a column with a literal joined by AND/OR/NOT are read,
anything else is a filter that proves nothing.

An action (Spark ``collect``/``toPandas``/``show``..., Polars ``LazyFrame.collect``) on a
chain that aggregates rows is a look at those rows, unless the aggregate was itself a
recorded inspection (``df.summary().show()`` is one look, at ``summary``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leakguard.libraries.polars.catalog import EXPR_AGGREGATIONS, EXPR_WINDOWS
from leakguard.lineage import conditions
from leakguard.lineage.events import Inspect, NodeId
from leakguard.lineage.graph import holds_rows
from leakguard.static.values import UNKNOWN, Const, Data, Expr, Label, Seq, Value, data_in

if TYPE_CHECKING:
    from leakguard.static.calls import Site
    from leakguard.static.interp import Interp

Filter = conditions.Cond
# operations on one expression that keep it "the column itself" for a condition (a cast is still the column)
PLAIN = frozenset({"alias", "cast", "astype", "name", "keep_name", "to_date", "to_datetime", "str.to_date"})


# -- expressions ----------------------------------------------------------------------------------------


def expr_of(lib: str, columns: tuple[str, ...] | None, *, aggregate: bool = False) -> Expr:
    """A fresh expression over ``columns``."""
    return Expr(lib, columns, aggregate)


def referenced(values: list[Value] | tuple[Value, ...], strings_are_columns: bool = True
               ) -> tuple[tuple[str, ...] | None, bool]:
    """(columns referenced, any aggregate) by the arguments of an expression-taking call.

    Strings name columns (``F.mean("x")``, ``df.select("a", "b")``) when ``strings_are_columns``;
    None means every column (``pl.all()``).
    """
    cols: list[str] = []
    every = False
    agg = False
    for v in values:
        if isinstance(v, Expr):
            if v.columns is None:
                every = True
            else:
                cols.extend(v.columns)
            agg = agg or (v.aggregate and not v.window)
        elif isinstance(v, Const) and isinstance(v.value, str) and strings_are_columns:
            if v.value == "*":
                every = True
            else:
                cols.append(v.value)
        elif isinstance(v, Seq) and v.kind != "dict":
            inner, inner_agg = referenced(v.items, strings_are_columns)
            every = every or inner is None
            cols.extend(inner or ())
            agg = agg or inner_agg
        elif isinstance(v, Data) and v.kind == "series" and v.columns:
            cols.extend(v.columns)
    return (None if every else tuple(dict.fromkeys(cols))), agg


def shape(v: Value, strings_are_columns: bool = True) -> str:
    """``agg`` (one value per column), ``row`` (a value per row) or ``const`` (reads no column)."""
    if isinstance(v, Expr):
        if v.window:
            return "row"
        if v.aggregate:
            return "agg"
        return "const" if v.columns == () else "row"
    if isinstance(v, Const):
        return "row" if strings_are_columns and isinstance(v.value, str) else "const"
    if isinstance(v, Seq) and v.kind != "dict":
        return combined_shape(v.items, strings_are_columns)
    return "row"  # a series, an array, anything unknown: rows (never taken for a statistic)


def combined_shape(values: list[Value] | tuple[Value, ...], strings_are_columns: bool = True) -> str:
    """The shape of an expression made of ``values``: rows when any part is per row."""
    shapes = {shape(v, strings_are_columns) for v in values}
    return "row" if "row" in shapes else "agg" if "agg" in shapes else "const"


def all_aggregate(values: list[Value] | tuple[Value, ...]) -> bool:
    """True when a Polars ``select`` of ``values`` computes statistics only (every expression aggregates)."""
    return combined_shape(values) == "agg"


def combine_exprs(lib: str, parts: list[Value], *, aggregate: bool | None = None) -> Expr:
    """An expression computed from ``parts`` (arithmetic, a function of several columns).

    In Polars a statistic combined with a per-row column is per row (``pl.col("x") - pl.col("x").mean()``).
    """
    cols, agg = referenced(parts, strings_are_columns=False)
    if aggregate is None and lib.startswith("polars"):
        agg = combined_shape(parts, strings_are_columns=False) == "agg"
    out = Expr(lib, cols, agg if aggregate is None else aggregate)
    out.derived = True
    if lib.startswith("polars"):
        out.stats, out.values = _carried(parts)
    return out


def _carried(parts: list[Value] | tuple[Value, ...]) -> tuple[tuple[Any, ...], tuple[Data, ...]]:
    """The statistics and tracked values the Polars expressions among ``parts`` carry."""
    stats: list[Any] = []
    values: list[Data] = []
    for v in parts:
        if isinstance(v, Expr):
            stats.extend(v.stats)
            values.extend(v.values)
        elif isinstance(v, Data):
            values.append(v)
        elif isinstance(v, Seq) and v.kind != "dict":
            inner = _carried(v.items)
            stats.extend(inner[0])
            values.extend(inner[1])
    return tuple(dict.fromkeys(stats)), tuple(dict.fromkeys(values))


def carry(out: Expr, src: Expr) -> Expr:
    """``out`` carrying what ``src`` carries (statistics, tracked values)."""
    out.stats, out.values = src.stats, src.values
    return out


def broadcast(it: Interp, d: Data, values: list[Value] | tuple[Value, ...]) -> list[Data]:
    """What Polars expressions given to ``with_columns``/``select`` of ``d`` bring besides ``d``'s columns: a
    statistic of ``d``'s rows for each aggregation inside a per-row expression (``pl.col("x") - pl.col("x").mean()``,
    ``pl.col("x").mean().over("g")``: every row gets a value computed from all rows, like pandas'
    ``df.x - df.x.mean()``), and the tracked values they use (``pl.col("x") - mu``). A ``select`` whose every
    expression aggregates is an inspection instead (not asked here)."""
    out: list[Data] = []
    label_col = it.policy.label
    for v in values:
        if isinstance(v, Seq) and v.kind != "dict":
            out.extend(broadcast(it, d, v.items))
            continue
        if not isinstance(v, Expr) or not v.lib.startswith("polars"):
            continue
        out.extend(v.values)
        for label, op, reduced in v.stats:
            cols = reduced if reduced is not None else d.columns
            out.append(it.derive([d], "value", label, op, columns=cols, aggregate=True,
                                 label_derived=bool(label_col) and any(c in label_col for c in cols or ())))
    return out


def compare(left: Value, op: str | None, right: Value) -> Value:
    """``expr <op> constant`` (or flipped): a row condition on the expression's column."""
    if isinstance(left, Expr) and isinstance(right, Const) and op:
        return _condition(left, op, right.value)
    flipped = conditions.flip(op) if op else None
    if isinstance(right, Expr) and isinstance(left, Const) and flipped is not None:
        return _condition(right, flipped, left.value)
    exprs = [v for v in (left, right) if isinstance(v, Expr)]
    if not exprs:
        return UNKNOWN
    return combine_exprs(exprs[0].lib, [left, right])


def _condition(e: Expr, op: str, value: Any) -> Expr:
    out = carry(Expr(e.lib, e.columns, e.aggregate), e)
    out.derived = True
    out.filter = ("cmp", subject(e), op, value)
    return out


def subject(e: Expr) -> str:
    """The column a condition is about: the column itself, or a name standing for a computed expression."""
    if e.columns is not None and len(e.columns) == 1 and not e.derived and not e.aggregate:
        return e.columns[0]
    return f"<expr {','.join(e.columns or ('*',))}>"


def logical(op: str, left: Value, right: Value) -> Value:
    """``a & b`` / ``a | b`` of conditions."""
    lf, rf = condition_of(left), condition_of(right)
    lib = next(v.lib for v in (left, right) if isinstance(v, Expr))
    out = combine_exprs(lib, [left, right])
    if lf is not None and rf is not None:
        out.filter = (op, lf, rf)
    return out


def invert(e: Expr) -> Expr:
    """``~cond``."""
    out = carry(Expr(e.lib, e.columns, e.aggregate), e)
    out.derived = True
    if e.filter is not None:
        out.filter = ("not", e.filter)
    elif e.columns is not None and len(e.columns) == 1 and not e.derived:
        out.filter = ("cmp", e.columns[0], "falsy", None)
    return out


_AGGREGATING_METHODS = frozenset(EXPR_AGGREGATIONS)
_WINDOW_METHODS = EXPR_WINDOWS


def expr_method(it: Interp, e: Expr, name: str, site: Site) -> Value:
    """A method of a column expression (``.alias``, ``.isin``, ``.between``, Polars ``.mean()``, ``.over``)."""
    args = site.args
    if name in PLAIN:
        out = carry(Expr(e.lib, e.columns, e.aggregate, e.filter), e)
        out.derived, out.window = e.derived, e.window
        return out
    col = e.columns[0] if e.columns is not None and len(e.columns) == 1 and not e.derived else None
    if name in ("between", "is_between") and len(args) >= 2:
        lo, hi = args[0], args[1]
        out = combine_exprs(e.lib, [e])
        if col is not None and isinstance(hi, Const):
            out.filter = ("and", ("cmp", col, ">=", lo.value), ("cmp", col, "<=", hi.value)) \
                if isinstance(lo, Const) else ("cmp", col, "between", hi.value)
        return out
    if name in ("isin", "is_in") and col is not None:
        out = combine_exprs(e.lib, [e])
        out.filter = ("cmp", col, "in", repr([a.value for a in args if isinstance(a, Const)]))
        return out
    if name in ("isNull", "is_null", "isNotNull", "is_not_null", "isnull"):
        out = combine_exprs(e.lib, [e])
        if col is not None:
            out.filter = ("cmp", col, "==" if name in ("isNull", "is_null", "isnull") else "!=", None)
        return out
    if name in ("not_", "__invert__"):
        return invert(e)
    if name in ("and_", "or_") and args:
        return logical("and" if name == "and_" else "or", e, args[0])
    if name in ("meta", "root_names"):
        return Seq([Const(c) for c in e.columns or ()], "list")
    if e.lib.startswith("polars") and name in _AGGREGATING_METHODS:
        out = combine_exprs(e.lib, [e, *args], aggregate=True)
        if not e.aggregate:  # a statistic of the rows (not one of a statistic)
            out.stats = tuple(dict.fromkeys((*out.stats, (site.text, name, out.columns))))
        return out
    if name in _WINDOW_METHODS:
        out = combine_exprs(e.lib, [e, *args], aggregate=False)
        out.window = True
        return out
    return combine_exprs(e.lib, [e, *args], aggregate=e.aggregate)


# -- conditions -------------------------------------------------------------------------------------------


def condition_of(v: Value | None) -> Filter | None:
    """The condition tree of a filter argument: an expression, a boolean series, or SQL text (Spark)."""
    if isinstance(v, Expr):
        return v.filter
    if isinstance(v, Data):
        return v.filter
    if isinstance(v, Const) and isinstance(v.value, str):
        return sql_condition(v.value)
    if isinstance(v, Const) and isinstance(v.value, bool):
        return None
    return None


def sql_condition(text: str) -> Filter | None:
    """A SQL condition string (``"event_ts <= '2024-06-01' AND x > 0"``) as a condition tree (sqlglot, Spark's
    dialect); None when it is anything but comparisons of a column with a literal joined by AND / OR / NOT."""
    return conditions.parse_sql(text, "spark")


# -- frames ------------------------------------------------------------------------------------------------


def combined(it: Interp, d: Data, other: Value | None, site: Site, name: str) -> Data:
    """``d`` joined or unioned with ``other``: rows of both, the columns of both when both are known."""
    columns: tuple[str, ...] | None = None
    if isinstance(other, Data) and d.columns is not None and other.columns is not None:
        columns = tuple(dict.fromkeys((*d.columns, *other.columns)))
    return keep(it, d, site.text, name, columns=columns, same_columns=False,
                inputs=[other] if isinstance(other, Data) else None)


def keep(it: Interp, d: Data, label: Label, op: str, *, columns: tuple[str, ...] | None = None,
         same_columns: bool = True, inputs: list[Value] | None = None, lib: str | None = None) -> Data:
    """A frame made from ``d`` by an operation that keeps what the chain is (rows or an aggregate, looked at
    or not): ``withColumn``, ``orderBy``, ``limit``, ``with_columns``..."""
    cols = d.columns if same_columns and columns is None else columns
    out = it.derive([d, *(inputs or ())], d.kind, label, op, columns=cols, aggregate=d.aggregate,
                    label_derived=d.aggregate and d.label_derived)
    out.peeked, out.sorted_by = d.peeked, d.sorted_by if not d.aggregate else None
    if lib is not None:
        out.lib = lib
    return out


def filtered(it: Interp, d: Data, f: Filter | None, label: Label, *, understood: bool = True) -> Data:
    """``d.filter(cond)``: a subset of the rows; at the cutoff it removes the future (or keeps only it), and
    the condition is remembered so two complementary filters make a split."""
    gone = conditions.removes(f, it.policy) if f is not None else frozenset()
    parent = it.node(d) if not d.aggregate else None
    out = it.derive([d], d.kind, label, "filter", columns=d.columns, removes=gone, aggregate=d.aggregate)
    out.peeked, out.sorted_by = d.peeked, d.sorted_by
    if f is not None and parent is not None:
        out.origin = (parent, "mask", f)
    if not understood:
        it.note("leakguard could not read a filter condition; the filtered rows are taken to be any of the "
                "rows (a split or a cutoff it makes is not seen)")
    return out


def aggregate(it: Interp, d: Data, label: Label, op: str, columns: tuple[str, ...] | None, *,
              peeked: bool = False, lib: str | None = None) -> Data:
    """A frame of statistics over ``d``'s rows; ``columns`` are the columns the statistics reference."""
    label_col = it.policy.label
    out = it.derive([d], "frame", label, op, columns=columns, aggregate=True,
                    label_derived=bool(label_col) and any(c in label_col for c in columns or ()))
    out.peeked = peeked
    out.lib = d.lib if lib is None else lib
    return out


def row_nodes(it: Interp, d: Data) -> NodeId | None:
    """The node of the rows an aggregating chain computes over (the nearest ancestors holding rows)."""
    start = (d.node,) if d.node is not None else d.inputs
    found: list[NodeId] = []
    seen: set[NodeId] = set()
    queue = list(start)
    while queue and len(seen) < 200:
        nid = queue.pop(0)
        if nid in seen:
            continue
        seen.add(nid)
        node = it.graph.nodes.get(nid)
        if node is None:
            continue
        if holds_rows(node) and node.kind != "model":
            found.append(nid)
        else:
            queue.extend(node.inputs)
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    return it.node(it.derive([Data("frame", it.graph.nodes[n].name, node=n) for n in found], "frame", "<rows>",
                             "combine"))


def action(it: Interp, d: Data, name: str, site: Site) -> Data:
    """An action: an aggregate nobody looked at yet is looked at now (shown or kept), as an ``Inspect``
    named after the action; plain rows brought back are not a look (like ``head()``)."""
    if d.aggregate and not d.peeked and site.shown:
        rows = row_nodes(it, d)
        if rows is not None:
            cols = d.columns

            def restrict(event: Inspect) -> Inspect:
                it.note(f"safe mode: {name}() of {d.text} would run on training rows only")
                return event

            it.recorder.inspect(Inspect(rows, name, it.where(), cols, cols is not None and len(cols) > 1), restrict)
        out = keep(it, d, site.text, name)
        out.peeked = True
        return out
    return keep(it, d, site.text, name)


def data_args(values: list[Value]) -> list[Data]:
    """Tracked data among call arguments."""
    return [x for v in values for x in data_in(v)]
