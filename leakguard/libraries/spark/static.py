"""PySpark seen statically: sessions, readers, DataFrame methods, grouped data, splits, temp views and SQL.

A session (``SparkSession.builder....getOrCreate()``, or the ``spark`` a notebook platform
provides) is not data; its readers (``spark.read.csv``, ``spark.read.format(...).load``,
``spark.table``, ``spark.createDataFrame``) make frames holding every row. Frame methods
follow the catalog (``leakguard/libraries/spark/catalog.py``): inspections are judged where they are
asked for (shown or kept), filters at the cutoff remove the future, ``randomSplit`` is a
split (first part train), actions on an aggregating chain are a look unless the aggregate
was one already. ``createOrReplaceTempView`` names a frame for ``spark.sql``, which goes
through the SQL analysis in the ``spark`` dialect. A method the engine does not know keeps
its receiver's rows and is reported once as unresolved.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from leakguard.libraries.pandas import static as pandasops
from leakguard.libraries.spark import static_ml as sparkml
from leakguard.libraries.spark.catalog import READER_SETUP, READERS, TEMP_VIEWS
from leakguard.lineage.events import Derive, Read, Split, SplitPart
from leakguard.static import lazyops, sqlbridge
from leakguard.static.emitted import event
from leakguard.static.values import (
    UNKNOWN,
    Const,
    Data,
    Expr,
    Func,
    GroupBy,
    Method,
    Ref,
    Seq,
    Value,
    const_strings,
    text,
)

if TYPE_CHECKING:
    from leakguard.static.calls import Site
    from leakguard.static.interp import Interp

LIB = "spark"
SESSION = "pyspark.sql.session.SparkSession"
_FRAME = "pyspark.sql.classic.dataframe.DataFrame"
_GROUP = "pyspark.sql.group.GroupedData"
_READ = frozenset(READERS)
_READER_SETUP = frozenset(READER_SETUP)
_AGGREGATES = frozenset({
    "mean", "avg", "sum", "min", "max", "count", "countDistinct", "count_distinct", "approx_count_distinct",
    "approxCountDistinct", "stddev", "stddev_samp", "stddev_pop", "std", "variance", "var_samp", "var_pop", "corr",
    "covar_pop", "covar_samp", "percentile_approx", "percentile", "approx_percentile", "median", "mode", "first",
    "last", "collect_list", "collect_set", "skewness", "kurtosis", "sumDistinct", "sum_distinct", "max_by",
    "min_by", "any_value", "count_if", "bool_and", "bool_or", "every", "some", "product", "histogram_numeric",
    "regr_slope", "regr_intercept", "regr_r2", "first_value", "last_value", "kurt",
})
_CONSTANT_FUNCS = frozenset({"to_date", "to_timestamp", "date", "timestamp", "to_utc_timestamp", "make_date"})
_ROWS_SAME = frozenset({
    "withColumn", "withColumns", "withColumnRenamed", "withColumnsRenamed", "alias", "cache", "persist",
    "unpersist", "repartition", "repartitionByRange", "coalesce", "orderBy", "sort", "sortWithinPartitions", "toDF",
    "hint", "checkpoint", "localCheckpoint", "fillna", "replace", "withWatermark", "to", "withMetadata", "observe",
    "drop", "select", "selectExpr", "colRegex", "dropna", "na",
})
_ROW_SUBSETS = frozenset({"limit", "distinct", "dropDuplicates", "drop_duplicates", "sample", "sampleBy", "offset",
                          "exceptAll", "subtract", "intersect", "intersectAll", "dropDuplicatesWithinWatermark"})
_COMBINE = frozenset({"join", "crossJoin", "union", "unionAll", "unionByName"})
_NO_DATA = frozenset({"count", "printSchema", "explain", "isEmpty", "isLocal", "isStreaming", "inputFiles",
                      "foreach", "foreachPartition", "writeTo", "write", "schema", "columns", "dtypes",
                      "storageLevel", "sameSemantics", "semanticHash", "registerTempTable"})
_VIEWS = frozenset(TEMP_VIEWS)
_AGG_TEXT = ("avg(", "mean(", "sum(", "min(", "max(", "count(", "stddev", "variance(", "percentile", "median(",
             "corr(", "covar_")


# -- module-level calls ------------------------------------------------------------------------------------


def ref_call(it: Interp, path: str, site: Site) -> Value | None:
    """A call of something reached from ``pyspark``; None when the engine has nothing to say about it."""
    if path.startswith("pyspark.ml."):
        return sparkml.construct(it, path, site)
    head, _dot, short = path.rpartition(".")
    if head.endswith("functions"):
        return function(it, short, site)
    if "SparkSession" in path:
        return _session(it, path.split("SparkSession", 1)[1], site)
    if head.endswith(("Window", "window")) or path.endswith(".Window"):
        return Ref("pyspark.sql.Window")
    if ".types." in path or path.startswith("pyspark.sql.types"):
        return UNKNOWN
    return None


def _session(it: Interp, rest: str, site: Site) -> Value:
    """``SparkSession.builder...getOrCreate()``, ``spark.read.csv(...)``, ``spark.sql(...)``, ``spark.table(...)``."""
    if ".builder" in rest:
        return Ref(SESSION) if rest.endswith((".getOrCreate", ".create")) else Ref("pyspark.sql.SparkSession.builder")
    if rest in (".getActiveSession", ".active", ".newSession"):
        return Ref(SESSION)
    parts = rest.strip(".").split(".")
    last = parts[-1]
    if parts[0] in ("read", "readStream") and len(parts) == 2:
        if last in _READER_SETUP:
            return Ref(f"{SESSION}.read")
        if last in _READ:
            return _read(it, last, site)
        return UNKNOWN
    if rest in (".table", ".range"):
        return _read(it, last, site)
    if rest == ".createDataFrame":
        return _create(it, site)
    if rest == ".sql":
        return _sql(it, site)
    return Const(None)


def _read(it: Interp, reader: str, site: Site) -> Data:
    src = site.arg(0, "path" if reader not in ("table",) else "tableName")
    where = src.value if isinstance(src, Const) and isinstance(src.value, str) else None
    columns = None
    header = site.kwargs.get("header")
    if where is not None and reader in ("csv", "load") and not (isinstance(header, Const) and header.value is False):
        columns = pandasops.file_columns(it.base_dir, where, "read_csv", {})
    if columns is None:
        columns = it.assumed_columns()
    nid = it.graph.new_id()
    it.emit(Read(nid, f"spark.read.{reader}({where if where is not None else '…'})", "<read>", it.where(), columns,
                 kind="table" if reader == "table" else "frame"))
    return Data("frame", "<read>", node=nid, columns=columns, lib=LIB)


def _create(it: Interp, site: Site) -> Data:
    data = site.arg(0, "data")
    if isinstance(data, Data):
        # a tracked (pandas / Polars) frame: the same rows, now in Spark
        out = it.derive([data], "frame", site.text, "createDataFrame", columns=data.columns)
        out.lib = LIB
        return out
    cols = const_strings(site.arg(1, "schema") or Const(None))
    nid = it.graph.new_id()
    it.emit(Read(nid, "spark.createDataFrame(…)", "<read>", it.where(), cols))
    return Data("frame", "<read>", node=nid, columns=cols, lib=LIB)


def _sql(it: Interp, site: Site) -> Value:
    q = site.arg(0, "sqlQuery")
    if isinstance(q, Const) and isinstance(q.value, str):
        out = sqlbridge.query(it, q.value, "spark", names=it.views)
    else:
        out = sqlbridge.unanalysed(it, "spark", "the query text is built at run time")
    if isinstance(out, Data):
        out.lib, out.peeked = LIB, True
    return out


def function(it: Interp, name: str, site: Site) -> Value:
    """``pyspark.sql.functions``: column references, literals and aggregate or row-wise functions."""
    args = site.values
    if name in ("col", "column"):
        names = const_strings(args[0]) if args else None
        return Expr(LIB, names if names is not None else None)
    if name == "lit":
        return args[0] if args and isinstance(args[0], Const) else Expr(LIB, ())
    if name in _CONSTANT_FUNCS and args and isinstance(args[0], Const) and site.node.args \
            and isinstance(site.node.args[0], ast.Call):
        return args[0]  # to_date(lit("2024-06-01")): a constant (a bare string would name a column)
    if name == "expr":
        sql = args[0].value if args and isinstance(args[0], Const) and isinstance(args[0].value, str) else ""
        agg = any(t in sql.lower() for t in _AGG_TEXT)
        e = Expr(LIB, None, agg)
        e.derived = True
        return e
    if name == "broadcast" and args:
        return args[0]
    cols, _ = lazyops.referenced(args if name != "when" else args[:1])
    out = lazyops.combine_exprs(LIB, [Expr(LIB, cols)], aggregate=name in _AGGREGATES)
    if name == "when" and args and isinstance(args[0], Expr):
        out.columns = args[0].columns
    return out


# -- DataFrame methods -------------------------------------------------------------------------------------


def attribute(it: Interp, d: Data, name: str) -> Value:
    """``df.x`` is a column (an expression); ``df.stat`` / ``df.na`` / ``df.write`` are accessors."""
    if name in ("stat", "na", "write", "writeStream", "rdd"):
        return Method(d, name)
    if name in _NO_DATA or name.startswith("_"):
        return Const(None)
    return Expr(LIB, (name,))


def subscript(it: Interp, d: Data, key: Value, label: object) -> Value:
    """``df["x"]`` a column, ``df[["a", "b"]]`` a selection, ``df[cond]`` a filter."""
    names = const_strings(key)
    if isinstance(key, Const) and names:
        return Expr(LIB, names)
    if names is not None:
        return lazyops.keep(it, d, text(label) if not isinstance(label, str) else label, "select",  # type: ignore[arg-type]
                            columns=names, same_columns=False)
    if isinstance(key, Expr) and key.filter is not None:
        return lazyops.filtered(it, d, key.filter, "filter")
    if isinstance(key, Const) and isinstance(key.value, int):
        return Expr(LIB, (d.columns[key.value],) if d.columns and -len(d.columns) <= key.value < len(d.columns)
                    else None)
    return Expr(LIB, None)


def method(it: Interp, d: Data, name: str, site: Site) -> Value:
    """A method of a Spark DataFrame."""
    api = it.index.exact(_FRAME, name)
    kind = api.kind if api is not None else None
    if kind == "inspect":
        return _inspect(it, d, name, site)
    if kind == "groupby":
        keys, _ = lazyops.referenced(site.args)
        return GroupBy(d, keys or (), None, text(site.node))
    if kind == "filter":
        cond = site.arg(0, "condition")
        f = lazyops.condition_of(cond)
        return lazyops.filtered(it, d, f, site.text, understood=f is not None or not isinstance(cond, Const))
    if kind == "split":
        return random_split(it, d, site)
    if kind == "action":
        return _action(it, d, name, site)
    if name in _VIEWS:
        view = site.arg(0, "name")
        if isinstance(view, Const) and isinstance(view.value, str):
            it.node(d, view.value)
            it.views[view.value.lower().rsplit(".", 1)[-1]] = d
        return Const(None)
    if name in _NO_DATA:
        return Const(None)
    if name in ("withColumn", "withColumns") and not d.aggregate:
        made = _with_columns(it, d, name, site)
        if made is not None:
            return made
    if name == "select" and not d.aggregate:
        made = _select_aliases(it, d, site)
        if made is not None:
            return made
    if name in ("select", "selectExpr", "agg"):
        return _select(it, d, name, site)
    if name == "drop":
        dropped = {c for v in site.args for c in (const_strings(v) or (v.columns or () if isinstance(v, Expr)
                                                                        else ()))}
        cols = tuple(c for c in d.columns if c not in dropped) if d.columns is not None else None
        return lazyops.keep(it, d, site.text, name, columns=cols, same_columns=False)
    if name in ("withColumn", "withColumnRenamed"):
        new = site.arg(1 if name == "withColumnRenamed" else 0, "newName" if name == "withColumnRenamed" else "colName")
        old = site.arg(0, "existing")
        cols = d.columns
        if cols is not None and isinstance(new, Const) and isinstance(new.value, str):
            if name == "withColumnRenamed" and isinstance(old, Const):
                cols = tuple(new.value if c == old.value else c for c in cols)
            elif new.value not in cols:
                cols = (*cols, new.value)
        return lazyops.keep(it, d, site.text, name, columns=cols, same_columns=False,
                            inputs=[v for v in site.values if isinstance(v, Data)])
    if name == "transform" and site.args and isinstance(site.args[0], Func):
        return it.call_func(site.args[0], [d, *site.args[1:]], site.kwargs, site.node, site.shown)
    if name in _ROWS_SAME or name in _ROW_SUBSETS:
        return lazyops.keep(it, d, site.text, name)
    if name in _COMBINE:
        return lazyops.combined(it, d, site.arg(0, "other"), site, name)
    return unresolved(it, d, name, site)


# -- new columns: column lineage (the ``target`` rule reads it) -------------------------------------------


def _with_columns(it: Interp, d: Data, name: str, site: Site) -> Data | None:
    """``df.withColumn("c", expr)`` / ``df.withColumns({"c": expr})``: ``d`` with each new column computed
    from the columns its expression reads; None when the names are not constants."""
    pairs: list[tuple[str, Value]] = []
    if name == "withColumn":
        key, value = site.arg(0, "colName"), site.arg(1, "col")
        if not (isinstance(key, Const) and isinstance(key.value, str)) or value is None:
            return None
        pairs.append((key.value, value))
    else:
        mapping = site.arg(0, "colsMap")
        if not (isinstance(mapping, Seq) and mapping.kind == "dict" and mapping.keys is not None):
            return None
        for k, v in zip(mapping.keys, mapping.items, strict=False):
            if not isinstance(k, str):
                return None
            pairs.append((k, v))
    if not pairs:
        return None
    if d.columns is None:
        # columns unknown: column facts would not survive a split, so a label statistic taints the whole frame
        stats = [it.derive([d], "value", f"{key} (a window statistic)", "window statistic", aggregate=True,
                           label_derived=True) for key, v in pairs if _label_window(it, v)]
        if not stats:
            return None
        return lazyops.keep(it, d, site.text, name, columns=None, same_columns=False, inputs=list(stats))
    cols = d.columns
    for new, _v in pairs:
        if cols is not None and new not in cols:
            cols = (*cols, new)
    out = _assign_columns(it, d, pairs, cols, name)
    out.peeked, out.sorted_by = d.peeked, d.sorted_by
    return out


def _label_window(it: Interp, value: Value) -> bool:
    """A window function over an expression naming the label (``F.avg("churned").over(w)``)."""
    if not (isinstance(value, Expr) and value.window):
        return False
    reads, _agg = lazyops.referenced([value], strings_are_columns=False)
    return reads is not None and any(c in it.policy.label for c in reads)


def _assign_columns(it: Interp, d: Data, pairs: list[tuple[str, Value]], cols: tuple[str, ...] | None,
                    op: str) -> Data:
    """One column-level ``Derive`` per new column, chained on ``d``'s node (as ``df["c"] = ...`` in pandas)."""
    base_id = it.node(d)
    current = base_id
    for key, value in pairs:
        reads, _agg = lazyops.referenced([value], strings_are_columns=False)
        if reads is None:
            reads = d.columns or ()
        others: tuple[str, ...] = tuple(dict.fromkeys(
            it.node(x) for x in lazyops.data_args([value]) if x.node != base_id))
        inputs = tuple(sorted(set(reads)))
        if _label_window(it, value):
            # a statistic of the label over the frame's rows, broadcast back (pandas' groupby transform)
            stat = it.derive([d], "value", f"{key} (a window statistic)", "window statistic", aggregate=True,
                             label_derived=True)
            others, inputs = (*others, it.node(stat)), ()
        nid = it.graph.new_id()
        it.emit(event(Derive, out=nid, inputs=(current, *others), op=f"{op}({key!r})", name=f"{key} of {d.text}",
                      where=it.where(), rows="same", columns=cols, kind="frame", column=key, column_inputs=inputs))
        current = nid
    return Data("frame", f"{op} of {d.text}", node=current, columns=cols, lib=LIB)


def _alias(node: ast.expr) -> str | None:
    """The name ``expr.alias("c")`` / ``expr.name("c")`` gives a column, read from the source."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("alias", "name") \
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def _select_aliases(it: Interp, d: Data, site: Site) -> Data | None:
    """``df.select("x", (F.col("a") / F.col("b")).alias("r"))``: the aliased expressions are new columns
    (computed from the columns they read), then only the selected columns are kept; None when there is
    no aliased row-wise expression or an output name is not known."""
    if site.kwargs or len(site.args) != len(site.node.args):
        return None
    names: list[str] = []
    pairs: list[tuple[str, Value]] = []
    for value, node in zip(site.args, site.node.args, strict=True):
        alias = _alias(node)
        if isinstance(value, Expr) and value.aggregate and not value.window:
            return None  # an aggregate: one row of statistics (the select path judges it)
        if alias is not None and isinstance(value, Expr):
            names.append(alias)
            pairs.append((alias, value))
        elif isinstance(value, Const) and isinstance(value.value, str) and value.value != "*":
            names.append(value.value)
        elif isinstance(value, Expr) and value.columns is not None and len(value.columns) == 1 and not value.derived:
            names.append(value.columns[0])
        else:
            return None
    if not pairs:
        return None
    wide = d.columns
    if wide is not None:
        wide = (*wide, *(k for k, _v in pairs if k not in wide))
    made = _assign_columns(it, d, pairs, wide, "select")
    out = lazyops.keep(it, made, site.text, "select", columns=tuple(dict.fromkeys(names)), same_columns=False)
    out.peeked, out.sorted_by = d.peeked, d.sorted_by
    return out


def unresolved(it: Interp, d: Data, name: str, site: Site) -> Data:
    """A method the engine does not know: the rows of its receiver, reported once as unresolved."""
    it.note(f"{name}() on {d.text} is not known to leakguard; its result is taken to carry the same rows")
    out = it.derive([d, *site.values], d.kind, site.text, name, columns=d.columns)
    out.unresolved = True
    return out


def _inspect(it: Interp, d: Data, name: str, site: Site) -> Value:
    from leakguard.static.calls import inspect

    args = site.args
    relates = False
    if name in ("corr", "cov", "crosstab"):
        cols = tuple(a.value for a in args[:2] if isinstance(a, Const) and isinstance(a.value, str))
        relates = True
    elif name in ("approxQuantile", "freqItems"):
        cols = const_strings(site.arg(0, "col" if name == "approxQuantile" else "cols") or Const(None)) or ()
        relates = len(cols) > 1
    elif name == "describe":
        cols = tuple(c for a in args for c in (const_strings(a) or ())) or (d.columns or ())
    elif name == "agg":
        cols = _agg_columns(d, (), site) or ()
        relates = len(cols) > 1
    else:
        cols = d.columns or ()
    columns = cols or d.columns
    out = inspect(it, d, name, site, columns=columns, relates=relates)
    if name in ("corr", "cov", "approxQuantile"):
        return out  # a number (or a list of numbers), computed now
    out.kind, out.columns, out.peeked = "frame", columns, site.shown
    return out


def _agg_columns(d: Data, keys: tuple[str, ...], site: Site) -> tuple[str, ...] | None:
    """Group keys and the columns the aggregate expressions reference (``agg({"x": "mean"})`` included)."""
    found: list[str] = list(keys)
    for v in site.values:
        if isinstance(v, Seq) and v.kind == "dict":
            found += [k for k in v.keys or () if isinstance(k, str)]
            continue
        cols, _ = lazyops.referenced([v], strings_are_columns=False)
        if cols is None:
            found += list(d.columns or ())
        else:
            found += cols
    return tuple(dict.fromkeys(found)) or None


def _select(it: Interp, d: Data, name: str, site: Site) -> Data:
    if name == "selectExpr":
        texts = [a.value.lower() for a in site.args if isinstance(a, Const) and isinstance(a.value, str)]
        agg = any(t in s for s in texts for t in _AGG_TEXT)
        cols = tuple(c for c in d.columns or () if any(c.lower() in s for s in texts)) or None
    else:
        cols, agg = lazyops.referenced(site.args)
    if agg and not d.aggregate:
        return lazyops.aggregate(it, d, site.text, name, cols if cols is not None else d.columns)
    return lazyops.keep(it, d, site.text, name, columns=cols if cols is not None else d.columns, same_columns=False)


def _action(it: Interp, d: Data, name: str, site: Site) -> Value:
    out = lazyops.action(it, d, name, site)
    if name == "show":
        return Const(None)
    out.lib = ""
    if name != "toPandas":
        out.kind = "value" if name not in ("first", "head", "take", "tail", "collect") else "frame"
    return out


def random_split(it: Interp, d: Data, site: Site) -> Value:
    """``df.randomSplit([0.8, 0.2], seed)``: a split, the first part train and every other part holdout."""
    weights = site.arg(0, "weights")
    ws = [w.value for w in weights.items if isinstance(w, Const) and isinstance(w.value, (int, float))] \
        if isinstance(weights, Seq) else []
    n = len(ws) if ws and isinstance(weights, Seq) and len(ws) == len(weights.items) else 2
    policy = it.policy
    parent = it.node(d)
    ordered = False if policy.time and d.columns is not None and policy.time in d.columns else None
    parts = tuple(SplitPart(it.graph.new_id(), "train" if i == 0 else "holdout",
                            "<train part>" if i == 0 else "<holdout part>", d.columns) for i in range(n))
    it.emit(Split(parent, parts, "randomSplit", it.where(), time_ordered=ordered, inferred=True))
    if not policy.holdout.declared and ws and sum(ws) > 0:
        it.graph.policy = policy.updated({"holdout": ws[-1] / sum(ws)}, "randomSplit", inferred=True)
    return Seq([Data(d.kind, p.name, node=p.out, columns=d.columns, lib=d.lib) for p in parts], "list")


# -- grouped data and accessors ------------------------------------------------------------------------------


def group_method(it: Interp, g: GroupBy, name: str, site: Site) -> Value:
    """``df.groupBy(k).agg(...)`` / ``.mean()`` / ``.count()`` / ``.pivot(c)``."""
    from leakguard.static.calls import inspect

    if name == "pivot":
        col = const_strings(site.arg(0, "pivot_col") or Const(None)) or ()
        return GroupBy(g.data, (*g.keys, *col), g.selection, text(site.node))
    api = it.index.exact(_GROUP, name)
    if api is None or api.kind != "inspect":
        return unresolved(it, g.data, f"groupBy.{name}", site)
    if name == "agg":
        cols = _agg_columns(g.data, g.keys, site) or g.keys
    elif name == "count":
        cols = g.keys
    else:
        named = tuple(c for a in site.args for c in (const_strings(a) or ()))
        cols = tuple(dict.fromkeys((*g.keys, *(named or g.data.columns or ()))))
    out = inspect(it, g.data, name, site, columns=cols or None, relates=len(cols) > 1)
    out.kind, out.columns, out.peeked = "frame", cols or None, site.shown
    return out


def accessor(it: Interp, d: Data, acc: str, name: str, site: Site) -> Value:
    """``df.stat.corr(...)`` is ``df.corr(...)``; ``df.na.fill(...)`` keeps the rows; writers write."""
    if acc == "stat":
        return method(it, d, name, site)
    if acc == "na":
        return lazyops.keep(it, d, site.text, f"na.{name}")
    if acc in ("write", "writeStream"):
        return Ref("pyspark.sql.DataFrameWriter") if name in ("mode", "format", "option", "options",
                                                              "partitionBy") else Const(None)
    return unresolved(it, d, f"{acc}.{name}", site)
