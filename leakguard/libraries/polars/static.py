"""Polars seen statically: readers and scans, eager and lazy frames, series, group-bys, filters, collect, SQL.

Frames carry ``lib`` ``polars`` (eager) or ``polars.lazy`` (a ``LazyFrame``). Catalog entries
(``leakguard/libraries/polars/catalog.py``) decide what a method means: statistics of frames, lazy frames
and series are inspections (shown or kept), so is an eager ``select`` whose every expression
aggregates (``df.select(pl.col("x").mean())``; a window ``.over(...)`` is per row), group-by
aggregates inspect the keys and the columns their expressions reference, ``filter`` at the cutoff removes the future and two complementary
filters split, ``LazyFrame.collect`` of an aggregating plan is a look unless the aggregate was
one already. ``pl.sql``, ``df.sql`` and ``SQLContext`` go through the SQL analysis (DuckDB's
dialect), finding frames by name as Polars does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from leakguard.libraries.pandas import static as pandasops
from leakguard.libraries.polars.catalog import FUNCTION_AGGREGATIONS, SEQUENTIAL
from leakguard.lineage.events import Read
from leakguard.static import dataops, lazyops, sqlbridge
from leakguard.static.values import (
    UNKNOWN,
    Conn,
    Const,
    Data,
    Expr,
    Func,
    GroupBy,
    Seq,
    Value,
    const_strings,
    data_in,
    text,
)

if TYPE_CHECKING:
    from leakguard.static.calls import Site
    from leakguard.static.interp import Interp

EAGER, LAZY = "polars", "polars.lazy"
_OWNER = {"frame": "polars.DataFrame", "series": "polars.Series"}
_GROUP = {EAGER: "polars.dataframe.group_by.GroupBy", LAZY: "polars.lazyframe.group_by.LazyGroupBy"}
_AGG_FUNCS = frozenset(FUNCTION_AGGREGATIONS)
_HORIZONTAL = frozenset({"sum_horizontal", "max_horizontal", "min_horizontal", "mean_horizontal",
                         "any_horizontal", "all_horizontal", "concat_str", "concat_list", "struct", "coalesce",
                         "format"})
_ROWS_SAME = frozenset({"with_columns", "with_row_index", "with_row_count", "rename", "sort", "cast", "fill_null",
                        "fill_nan", "clone", "rechunk", "shrink_to_fit", "unnest", "reverse", "cache", "alias",
                        "set_sorted", "interpolate", "shift", "pipe", "drop",
                        "to_dummies", "explode", "upsample", "round", "abs", "clip", "str", "dt", "rank", "is_null",
                        "is_not_null", "not_", "cum_sum", "diff", "pct_change", "map_elements", "replace",
                        "extend_constant", "to_frame", "to_physical", "log", "log1p", "exp", "sqrt"})
_ROW_SUBSETS = frozenset({"head", "tail", "limit", "slice", "sample", "unique", "drop_nulls", "drop_nans",
                          "gather_every", "top_k", "bottom_k", "fetch", "filter_", "sort_by"})
_COMBINE = frozenset({"join", "join_asof", "join_where", "hstack", "vstack", "extend", "update", "merge_sorted"})
_NO_DATA = frozenset({"write_csv", "write_parquet", "write_ipc", "write_json", "write_ndjson", "write_excel",
                      "write_database", "write_delta", "write_avro", "sink_parquet", "sink_csv", "sink_ipc",
                      "sink_ndjson", "explain", "show_graph", "columns", "schema", "collect_schema", "dtypes",
                      "shape", "height", "width", "is_empty", "estimated_size", "glimpse", "len", "name", "dtype",
                      "flags", "serialize", "equals"})


def _lib(lazy: bool) -> str:
    return LAZY if lazy else EAGER


# -- module-level calls ----------------------------------------------------------------------------------


def ref_call(it: Interp, path: str, site: Site) -> Value | None:
    """A call of something reached from ``polars``; None when the engine has nothing to say about it."""
    name = path[len("polars."):]
    args = site.values
    if name.startswith(("read_", "scan_")):
        return _read(it, name, site)
    if name.startswith("from_") or name in ("DataFrame", "LazyFrame", "Series"):
        return _construct(it, name, site)
    if name in ("col", "nth"):
        names = const_strings(site.args[0]) if site.args and name == "col" else None
        if names is not None and len(site.args) > 1:
            names = tuple(c for a in site.args for c in (const_strings(a) or ()))
        return Expr(EAGER, names)
    if name in ("all", "exclude", "selectors", "element") or name.startswith("selectors."):
        return Expr(EAGER, None)
    if name == "lit":
        return args[0] if args and isinstance(args[0], Const) else Expr(EAGER, ())
    if name in ("datetime", "date") and args and all(isinstance(a, Const) and isinstance(a.value, int)
                                                       for a in site.args[:3]):
        return pandasops.function(it, f"datetime.{'datetime' if name == 'datetime' else 'date'}", site)
    if name in ("len", "count") and not args:
        return Expr(EAGER, (), True)
    if name in _AGG_FUNCS or name in _HORIZONTAL or name in ("when", "struct", "arange", "int_range"):
        cols, _ = lazyops.referenced(site.args)
        aggregates = name in _AGG_FUNCS or lazyops.combined_shape(site.args) == "agg"
        out = lazyops.combine_exprs(EAGER, [Expr(EAGER, cols), *site.args], aggregate=aggregates)
        if name in _AGG_FUNCS and lazyops.combined_shape(site.args) != "agg":
            out.stats = (*out.stats, (site.text, name, cols))
        return out
    if name == "concat":
        items = site.arg(0, "items")
        parts = list(data_in(items)) if items is not None else []
        if not parts:
            return UNKNOWN
        cols = parts[0].columns
        return it.derive(parts, parts[0].kind, site.text, "concat", columns=cols)
    if name == "sql":
        return _sql(it, site, None, LAZY if not _eager(site) else EAGER)
    if name == "SQLContext":
        tables: dict[str, Data] = {}
        frames = site.arg(0, "frames")
        if isinstance(frames, Seq) and frames.kind == "dict":
            tables.update({str(k): v for k, v in zip(frames.keys or (), frames.items, strict=False)
                           if isinstance(v, Data)})
        tables.update({k: v for k, v in site.kwargs.items() if isinstance(v, Data)})
        return Conn("duckdb", "polars", tables)
    return UNKNOWN if not any(data_in(v) for v in args) else None


def _eager(site: Site) -> bool:
    eager = site.kwargs.get("eager")
    return isinstance(eager, Const) and eager.value is True


def _read(it: Interp, name: str, site: Site) -> Data:
    src = site.arg(0, "source")
    where = src.value if isinstance(src, Const) and isinstance(src.value, str) else None
    columns = const_strings(site.kwargs.get("columns") or Const(None))
    if columns is None and where is not None and name in ("read_csv", "scan_csv"):
        columns = pandasops.file_columns(it.base_dir, where, "read_csv", {})
    if columns is None:
        columns = it.assumed_columns()
    nid = it.graph.new_id()
    it.emit(Read(nid, f"pl.{name}({where if where is not None else '…'})", "<read>", it.where(), columns))
    return Data("frame", "<read>", node=nid, columns=columns, lib=_lib(name.startswith("scan_")))


def _construct(it: Interp, name: str, site: Site) -> Value:
    datas = [d for v in site.values for d in data_in(v)]
    kind = "series" if name == "Series" else "frame"
    lib = _lib(name == "LazyFrame")
    if datas:
        out = it.derive(datas, kind, site.text, name, columns=datas[0].columns if kind == "frame" else None)
        out.lib = lib
        return out
    cols = pandasops._literal_columns(site.arg(0, "data"))
    nid = it.graph.new_id()
    it.emit(Read(nid, f"pl.{name}(…)", "<read>", it.where(), cols, kind=kind))
    return Data(kind, "<read>", node=nid, columns=cols, lib=lib)


def _sql(it: Interp, site: Site, names: dict[str, Data] | None, lib: str) -> Value:
    q = site.arg(0, "query")
    if isinstance(q, Const) and isinstance(q.value, str):
        out = sqlbridge.query(it, q.value, "duckdb", names=names)
    else:
        out = sqlbridge.unanalysed(it, "duckdb", "the query text is built at run time")
    if isinstance(out, Data):
        out.lib, out.peeked = lib, True
    return out


def conn_method(it: Interp, con: Conn, name: str, site: Site) -> Value:
    """``ctx.register(name, frame)``, ``ctx.execute(query)`` of a Polars ``SQLContext``."""
    if name == "register":
        table, frame = site.arg(0, "name"), site.arg(1, "frame")
        if isinstance(table, Const) and isinstance(table.value, str) and isinstance(frame, Data):
            con.tables[table.value] = frame
        return con
    if name == "register_many":
        frames = site.arg(0, "frames")
        if isinstance(frames, Seq) and frames.kind == "dict":
            con.tables.update({str(k): v for k, v in zip(frames.keys or (), frames.items, strict=False)
                               if isinstance(v, Data)})
        con.tables.update({k: v for k, v in site.kwargs.items() if isinstance(v, Data)})
        return con
    if name == "unregister":
        for v in site.args:
            if isinstance(v, Const):
                con.tables.pop(str(v.value), None)
        return con
    if name == "execute":
        return _sql(it, site, dict(con.tables), EAGER if _eager(site) else LAZY)
    if name in ("__enter__",):
        return con
    return Const(None)


# -- frames and series ---------------------------------------------------------------------------------------


def attribute(it: Interp, d: Data, name: str) -> Value:
    """Attributes of a Polars frame: schema facts (no rows) or methods."""
    from leakguard.static.values import Method

    if name in _NO_DATA or name.startswith("_"):
        return Const(None)
    return Method(d, name)


def method(it: Interp, d: Data, name: str, site: Site) -> Value:
    """A method of a Polars DataFrame, LazyFrame or Series."""
    lazy = d.lib == LAZY
    name = SEQUENTIAL.get(name, name) if d.kind == "frame" else name  # ``with_columns_seq`` is ``with_columns``
    owner = "polars.LazyFrame" if lazy and d.kind == "frame" else _OWNER.get(d.kind, "polars.DataFrame")
    api = it.index.exact(owner, name)
    kind = api.kind if api is not None else None
    if kind == "inspect":
        return _inspect(it, d, name, site, api.relates if api is not None else False)
    if kind == "groupby" or (name in ("group_by_dynamic", "rolling") and d.kind == "frame"):
        keys, _ = lazyops.referenced(site.args[:1] if name != "group_by" else site.args)
        if name in ("group_by_dynamic", "rolling"):
            keys = const_strings(site.arg(0, "index_column") or Const(None)) or keys
        return GroupBy(d, keys or (), None, text(site.node))
    if kind == "filter":
        return _filter(it, d, site)
    if kind == "action":
        out = lazyops.action(it, d, name, site)
        out.lib = EAGER
        return out
    if kind == "select":
        return _select(it, d, site)
    if kind == "query":
        table = site.kwargs.get("table_name")
        names = {"self": d}
        if isinstance(table, Const) and isinstance(table.value, str):
            names[table.value] = d
        return _sql(it, site, names, d.lib)
    if name in _NO_DATA:
        return Const(None)
    if name == "lazy":
        return lazyops.keep(it, d, site.text, name, lib=LAZY)
    if name in ("collect", "collect_async"):
        out = lazyops.action(it, d, "collect", site)
        out.lib = EAGER
        return out
    if name == "select":
        values = [*site.args, *site.kwargs.values()]
        cols, _ = lazyops.referenced(values)
        if lazyops.all_aggregate(values) and not d.aggregate:
            return lazyops.aggregate(it, d, site.text, name, cols if cols is not None else d.columns)
        return lazyops.keep(it, d, site.text, name, columns=cols if cols is not None else d.columns,
                            same_columns=False, inputs=_broadcast(it, d, values))
    if name in ("get_column", "to_series", "drop_in_place") and d.kind == "frame":
        col = site.arg(0, "name" if name != "to_series" else "index")
        if isinstance(col, Const) and isinstance(col.value, str):
            return dataops.column(it, d, col.value, site.text)
        if isinstance(col, Const) and isinstance(col.value, int) and d.columns and -len(d.columns) <= col.value \
                < len(d.columns):
            return dataops.column(it, d, d.columns[col.value], site.text)
        return it.derive([d], "series", site.text, name)
    if name == "to_pandas":
        return lazyops.keep(it, d, site.text, name, lib="")
    if name in ("to_numpy", "to_list", "to_arrow", "to_dict", "to_dicts", "rows", "iter_rows", "to_init_repr"):
        out = lazyops.keep(it, d, site.text, name, lib="")
        out.kind = "array" if name in ("to_numpy", "to_list") else "value"
        return out
    if name == "item":
        return it.derive([d], "scalar", site.text, name, aggregate=d.aggregate, label_derived=d.label_derived)
    if name == "drop":
        dropped = {c for v in site.args for c in (const_strings(v) or ())}
        cols = tuple(c for c in d.columns if c not in dropped) if d.columns is not None else None
        return lazyops.keep(it, d, site.text, name, columns=cols, same_columns=False)
    if name == "with_columns":
        cols = d.columns
        if cols is not None:
            cols = tuple(dict.fromkeys((*cols, *site.kwargs)))
        return lazyops.keep(it, d, site.text, name, columns=cols, same_columns=False,
                            inputs=_broadcast(it, d, [*site.args, *site.kwargs.values()]))
    if name == "pipe" and site.args and isinstance(site.args[0], Func):
        return it.call_func(site.args[0], [d, *site.args[1:]], site.kwargs, site.node, site.shown)
    if name in _ROWS_SAME or name in _ROW_SUBSETS:
        return lazyops.keep(it, d, site.text, name)
    if name in _COMBINE:
        return lazyops.combined(it, d, site.arg(0, "other"), site, name)
    from leakguard.libraries.spark import static as sparkops

    return sparkops.unresolved(it, d, name, site)


def _filter(it: Interp, d: Data, site: Site) -> Data:
    conds: list[lazyops.Filter] = []
    understood = True
    for v in site.args:
        f = lazyops.condition_of(v) if not isinstance(v, Const) else None
        if f is None:
            understood = understood and not isinstance(v, Const)
            conds = []
            break
        conds.append(f)
    else:
        for key, v in site.kwargs.items():
            if isinstance(v, Const):
                conds.append(("cmp", key, "==", v.value))
    f = None
    if conds and (len(conds) == len(site.args) + len(site.kwargs)):
        f = conds[0]
        for c in conds[1:]:
            f = ("and", f, c)
    out = lazyops.filtered(it, d, f, site.text, understood=understood)
    stats = _broadcast(it, d, [*site.args, *site.kwargs.values()])
    if not stats:
        return out
    # rows chosen by a statistic of every row (``pl.col("x") > pl.col("x").mean()``): the rows kept depend on all
    made = it.derive([out, *stats], out.kind, site.text, "filter", columns=out.columns, aggregate=out.aggregate)
    made.peeked, made.sorted_by, made.origin = out.peeked, out.sorted_by, out.origin
    return made


def _select(it: Interp, d: Data, site: Site) -> Value:
    """``df.select(...)``: an inspection of the columns the expressions read when every one aggregates."""
    from leakguard.static.calls import inspect

    values = [*site.args, *site.kwargs.values()]
    cols, _ = lazyops.referenced(values)
    cols = cols if cols is not None else d.columns
    if d.kind == "frame" and not d.aggregate and lazyops.all_aggregate(values):
        out = inspect(it, d, "select", site, columns=cols, relates=len(cols or ()) > 1)
        out.kind, out.columns, out.peeked = "frame", cols, site.shown
        return out
    return lazyops.keep(it, d, site.text, "select", columns=cols, same_columns=False,
                        inputs=_broadcast(it, d, values))


def _broadcast(it: Interp, d: Data, values: list[Value]) -> list[Value] | None:
    """Statistics of ``d``'s rows (and tracked values) that expressions put on every row (see lazyops.broadcast)."""
    if d.aggregate:
        return None
    found = lazyops.broadcast(it, d, values)
    return list(found) or None


def _inspect(it: Interp, d: Data, name: str, site: Site, relates: bool) -> Value:
    from leakguard.static.calls import inspect

    columns = d.columns
    out = inspect(it, d, name, site, columns=columns, relates=relates)
    if d.kind == "frame":
        out.kind, out.columns, out.peeked = "frame", columns, site.shown
    return out


def group_method(it: Interp, g: GroupBy, name: str, site: Site) -> Value:
    """``df.group_by(k).agg(...)`` and its shortcuts (``.mean()``, ``.len()``...)."""
    from leakguard.static.calls import inspect

    lib = g.data.lib if g.data.lib in _GROUP else EAGER
    api = it.index.exact(_GROUP[lib], name)
    if api is None or api.kind != "inspect":
        from leakguard.libraries.spark import static as sparkops

        return sparkops.unresolved(it, g.data, f"group_by.{name}", site)
    if name == "agg":
        found: list[str] = list(g.keys)
        for v in [*site.args, *site.kwargs.values()]:
            cols, _ = lazyops.referenced([v], strings_are_columns=True)
            found += list(cols if cols is not None else (g.data.columns or ()))
        cols_t = tuple(dict.fromkeys(found))
    elif name in ("count", "len"):
        cols_t = g.keys
    else:
        cols_t = tuple(dict.fromkeys((*g.keys, *(g.data.columns or ()))))
    out = inspect(it, g.data, name, site, columns=cols_t or None, relates=len(cols_t) > 1)
    out.kind, out.columns, out.peeked = "frame", cols_t or None, site.shown
    return out
