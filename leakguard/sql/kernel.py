"""The SQL guard in the kernel: every query sent through a wrapped API is analysed before it runs.

``before_query`` is the before-function of the catalog kind ``query``
(``leakguard/catalog/sql.py`` lists the callables). ``guard`` does the work shared with
``%%sql``: resolve each table (a tracked DataFrame DuckDB reads by name, a table a
tracked frame was written to, or the database's own table, asked for its schema),
analyse, emit a ``Query`` event (block mode raises ``LeakageError`` there, before the
query is sent), and in safe mode rewrite the query so every scan is restricted.

Nothing here imports sqlglot, duckdb or pandas at module level.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import sys
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from leakguard.lineage.events import Derive, NodeId, Query, Read, Where
from leakguard.sql.connections import SchemaCache, dialect_of, engine_of, frame_columns, is_frame
from leakguard.sql.tables import TableRef, find_column, is_holdout, lower_map

if TYPE_CHECKING:
    from leakguard.catalog import Api
    from leakguard.kernel.handlers import Plan
    from leakguard.kernel.session import Session
    from leakguard.sql.analysis import Analysis, Scan
    from leakguard.sql.rewrite import Restriction


@dataclasses.dataclass(slots=True)
class Source:
    """What a table name resolved to: a tracked frame, a table with lineage, or a database table."""

    kind: str                      # frame | lineage | table
    columns: dict[str, str] | None
    node: NodeId | None = None
    obj: Any = None


class SqlState:
    """Per session: schema caches per connection, tables written from tracked frames, pending results."""

    def __init__(self) -> None:
        self.schemas: dict[int, SchemaCache] = {}
        self.tables: dict[tuple[int, str], NodeId] = {}
        self.table_nodes: dict[tuple[int, str], NodeId] = {}
        self.pending: dict[int, NodeId] = {}
        self.duck: Any = None
        self.last_sql = ""
        self.exposed: list[tuple[weakref.ref[Any], str]] = []

    def schema(self, con: Any) -> SchemaCache:
        cache = self.schemas.get(id(con))
        if cache is None or cache.con() is not con:
            cache = self.schemas[id(con)] = SchemaCache(con)
        return cache


_states: weakref.WeakKeyDictionary[Any, SqlState] = weakref.WeakKeyDictionary()


def state_of(s: Session) -> SqlState:
    state = _states.get(s)
    if state is None:
        state = _states[s] = SqlState()
    return state


class Resolver:
    """The analysis's schema: lineage first, then the database, then DataFrames DuckDB reads by name."""

    def __init__(self, s: Session, con: Any, frames: Callable[[str], Any] | None) -> None:
        self.s, self.con, self.frames = s, con, frames
        self.state = state_of(s)
        self.cache = self.state.schema(con)
        self.found: dict[str, Source] = {}

    def columns(self, ref: TableRef) -> dict[str, str] | None:
        if ref.key not in self.found:
            self.found[ref.key] = self._resolve(ref)
        return self.found[ref.key].columns

    def _resolve(self, ref: TableRef) -> Source:
        generation = self.s.execution_count or 0
        nid = self.state.tables.get((id(self.con), ref.key))
        if nid is not None and nid in self.s.graph.nodes:
            node = self.s.graph.nodes[nid]
            cols = self.cache.columns(ref, generation)
            if cols is None and node.columns is not None:
                cols = dict.fromkeys(node.columns, "")
            return Source("lineage", cols, node=nid)
        cols = self.cache.columns(ref, generation)
        if cols is None and self.frames is not None and len(ref.parts) == 1 and ref.path is None:
            obj = self.frames(ref.table)
            if obj is not None and is_frame(obj):
                return Source("frame", frame_columns(obj), obj=obj)
        return Source("table", cols)


@dataclasses.dataclass(slots=True)
class Outcome:
    """What the guard decided for one query."""

    analysis: Analysis
    sql: str | None = None                 # the rewritten SQL to send instead (safe mode)
    inputs: tuple[NodeId, ...] = ()
    frames: dict[str, Any] = dataclasses.field(default_factory=dict)  # namespace frames the query reads


def guard(s: Session, sql: str, con: Any, where: Where, *, dialect: str | None = None,
          frames: Callable[[str], Any] | None = None, can_rewrite: bool = True) -> Outcome:
    """Analyse ``sql`` for ``con``, emit its events, and in safe mode return a restricted query."""
    was_busy, s.busy = s.busy, True  # leakguard's own schema questions pass the wrappers untouched
    try:
        return _guard(s, sql, con, where, dialect=dialect, frames=frames, can_rewrite=can_rewrite)
    finally:
        s.busy = was_busy


def _guard(s: Session, sql: str, con: Any, where: Where, *, dialect: str | None,
           frames: Callable[[str], Any] | None, can_rewrite: bool) -> Outcome:
    from leakguard.sql.analysis import analyse

    resolver = Resolver(s, con, frames)
    analysis = analyse(sql, dialect if dialect is not None else dialect_of(con), s.policy, resolver)
    outcome = Outcome(analysis)
    outcome.frames = {k.split(".")[-1]: v.obj for k, v in resolver.found.items() if v.kind == "frame"}
    state = state_of(s)
    state.last_sql = sql
    policy = s.policy
    if analysis.kind == "unanalysed":
        s.emit(Query(sql, analysis.dialect, (), where, inspects=False, unanalysed=analysis.problem))
        return outcome
    if analysis.kind == "write":
        protected = tuple(w.name for w in analysis.writes if is_holdout(w, policy.holdout.tables))
        sources = tuple(_scan_node(s, resolver, scan, None) for scan in analysis.write_sources)
        for target in analysis.writes:
            key = (id(con), target.key)
            if sources:  # CREATE TABLE AS / INSERT ... SELECT: the table now holds rows of those scans
                state.tables[key] = _derive(s, sources, f"write {target.name}", target.name, where)
            elif isinstance(analysis.statements[0], (_create_or_drop())):
                state.tables.pop(key, None)
        resolver.cache.invalidate()
        if protected:
            s.emit(Query(sql, analysis.dialect, analysis.tables, where, inspects=False, writes=protected))
        return outcome
    if analysis.kind != "query":
        return outcome
    inputs = tuple(dict.fromkeys(_scan_node(s, resolver, scan, None) for scan in analysis.scans))
    event = Query(sql, analysis.dialect, analysis.tables, where, columns=analysis.columns, inputs=inputs,
                  label_columns=analysis.label_uses, inspects=analysis.inspects)
    outcome.inputs = inputs
    if policy.mode == "safe" and any(f.severity != "info" for f in s.would_find(event)):
        restricted = _restrict(s, resolver, analysis, where, can_rewrite)
        if restricted is not None:
            new_sql, new_inputs = restricted
            outcome.sql, outcome.inputs = new_sql, new_inputs
            s.emit(dataclasses.replace(event, sql=new_sql, inputs=new_inputs, restricted=True))
            return outcome
    s.emit(event)
    return outcome


def _restrictions(s: Session, resolver: Resolver, analysis: Analysis) -> dict[int, Restriction]:
    from leakguard.sql.rewrite import Restriction

    policy = s.policy
    h = policy.holdout
    found: dict[int, Restriction] = {}
    for scan in analysis.scans:
        source = resolver.found.get(scan.ref.key)
        node = s.graph.get(_base_node(s, resolver, scan)) if source is not None else None
        exact = source is not None and source.kind != "frame" and source.columns is not None
        if is_holdout(scan.ref, h.tables):
            found[id(scan)] = Restriction(empty=True)
            continue
        time_col = scan.column(policy.time) if policy.has_future else None
        needs_time = time_col is not None and not scan.bounded and (node is None or node.rows.has("future"))
        mask = scan.column(h.column) if h.column else None
        ids_col = scan.column(h.id_column) if h.ids is not None and h.id_column else None
        if needs_time or mask or ids_col:
            found[id(scan)] = Restriction(
                time_column=time_col if needs_time else None, time_type=scan.types.get((time_col or "").lower(), ""),
                exact_names=exact, holdout_column=mask, id_column=ids_col, holdout_ids=tuple(h.ids or ()),
            )
    return found


def _restrict(s: Session, resolver: Resolver, analysis: Analysis, where: Where,
              can_rewrite: bool) -> tuple[str, tuple[NodeId, ...]] | None:
    from leakguard.sql.rewrite import RewriteError, restrict

    plan = _restrictions(s, resolver, analysis)
    if not plan:
        s.note("safe mode cannot restrict this query in SQL (the holdout is a fraction of rows, drawn when you "
               "split in Python); it ran unchanged.")
        return None
    if not can_rewrite:
        s.note("safe mode cannot restrict a query passed this way (only SQL text given positionally); it ran unchanged.")
        return None
    inputs = tuple(dict.fromkeys(_scan_node(s, resolver, scan, plan.get(id(scan))) for scan in analysis.scans))
    try:
        new_sql = restrict(analysis, plan, s.policy)
    except RewriteError as exc:
        s.note(f"safe mode could not restrict this query ({exc}); it ran unchanged.")
        return None
    changes = "; ".join(r.describe(scan.ref.name, s.policy) for scan in analysis.scans if (r := plan.get(id(scan))))
    shown = new_sql if len(new_sql) <= 400 else new_sql[:399] + "…"
    s.note(f"safe mode restricted this query ({changes}). The query that ran: {shown}")
    if s.policy.holdout.fraction is not None:
        s.note("the holdout is a fraction of rows drawn when you split in Python: SQL cannot exclude it, "
               "so holdout rows may remain in this result.")
    return new_sql, inputs


# -- lineage of scans ----------------------------------------------------------------------------------


def _base_node(s: Session, resolver: Resolver, scan: Scan) -> NodeId:
    """The node of the rows a table holds before the query narrows them."""
    source = resolver.found.get(scan.ref.key) or Source("table", scan.columns)
    if source.kind == "lineage" and source.node is not None:
        return source.node
    if source.kind == "frame":
        return s.node_of(source.obj, name=scan.ref.table).id
    state = state_of(s)
    key = (id(resolver.con), scan.ref.key)
    nid = state.table_nodes.get(key)
    if nid is None or nid not in s.graph.nodes:
        cols = tuple(source.columns) if source.columns is not None else None
        engine = engine_of(resolver.con)
        node = s.graph.apply(Read(s.graph.new_id(), f"{engine} table {scan.ref.name}", scan.ref.name,
                                  s.where(None), cols, kind="table"))
        assert node is not None
        nid = state.table_nodes[key] = node.id
    return nid


def _scan_node(s: Session, resolver: Resolver, scan: Scan, restriction: Restriction | None) -> NodeId:
    """The node of the rows one scan reads: the table's, narrowed by what the query (or safe mode) cuts."""
    policy = s.policy
    source = resolver.found.get(scan.ref.key) or Source("table", scan.columns)
    base = _base_node(s, resolver, scan)
    time_col = scan.column(policy.time) if policy.time else None
    removes: set[str] = set()
    if source.kind == "table":
        h = policy.holdout
        if is_holdout(scan.ref, h.tables):
            removes |= {"train", "future"}
        else:
            marks = [policy.time, h.column, h.id_column, *policy.label]
            cols = lower_map(scan.columns or {}) if scan.columns is not None else None
            modelling = any(scan.column(c) or find_column(cols, c) for c in marks if c)
            if not scan.known and not modelling:
                return _derive(s, (), f"{scan.ref.name} (columns unknown)", scan.ref.name, s.where(None))
            if time_col is None:
                removes.add("future")
            row_holdout = h.fraction is not None or h.column is not None or h.ids is not None
            if not modelling or not row_holdout:  # a holdout of whole tables leaves other tables clean
                removes.add("holdout")
    if time_col is not None and scan.bounded and policy.has_future:
        removes.add("future")
    if restriction is not None:
        if restriction.empty:
            removes |= {"train", "holdout", "future"}
        if restriction.time_column:
            removes.add("future")
        if restriction.holdout_column or restriction.id_column:
            removes.add("holdout")
    if not removes:
        return base
    node = s.graph.apply(Derive(s.graph.new_id(), (base,), "sql scan", scan.ref.name, s.where(None),
                                rows="subset", columns=s.graph.nodes[base].columns, removes=frozenset(removes)))
    assert node is not None
    return node.id


def _create_or_drop() -> tuple[type, ...]:
    from sqlglot import exp

    return exp.Create, exp.Drop


def _derive(s: Session, inputs: tuple[NodeId, ...], op: str, name: str, where: Where) -> NodeId:
    node = s.graph.apply(Derive(s.graph.new_id(), inputs, op, name, where, rows="subset"))
    assert node is not None
    return node.id


def result_node(s: Session, outcome: Outcome | None, result: Any, name: str, where: Where) -> NodeId | None:
    """Record the rows a query returned (a DataFrame or a relation) as a lineage node; register the value."""
    if outcome is None or outcome.analysis.kind != "query":
        return None
    label = s.policy.label
    cols = frame_columns(result) if result is not None else None
    if cols is None and hasattr(result, "columns"):
        cols = {str(c): "" for c in result.columns}
    node = s.graph.apply(Derive(
        s.graph.new_id(), outcome.inputs, "sql", name, where,
        rows="aggregate" if outcome.analysis.aggregate else "subset",
        columns=tuple(cols) if cols is not None else None,
        label_derived=outcome.analysis.label_out and any(c in label for c in (cols or {})),
    ))
    assert node is not None
    if result is not None:
        s.remember_result(result, node.id)
    return node.id


# -- the catalog kind "query" ------------------------------------------------------------------------


def _plan(**kwargs: Any) -> Plan:
    from leakguard.kernel.handlers import Plan

    return Plan(**kwargs)


def _frames_near(s: Session) -> Callable[[str], Any]:
    """Names as the calling code sees them: its locals, its globals, then the notebook's namespace."""
    frame = sys._getframe(1)
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith(("leakguard", "duckdb", "_duckdb")):
        frame = frame.f_back  # type: ignore[assignment]
    local = dict(frame.f_locals) if frame is not None else {}
    glob = frame.f_globals if frame is not None else {}

    def lookup(name: str) -> Any:
        for space in (local, glob, s.user_ns):
            if name in space:
                return space[name]
        return None

    return lookup


def _expose_frames(s: Session, con: Any, frames: dict[str, Any]) -> None:
    """Register the DataFrames a DuckDB query reads by name, as DuckDB would have found them.

    DuckDB finds DataFrames among the variables of the frame that calls it, which is
    leakguard's wrapper while the extension is loaded (and a lazy relation binds again
    when it is fetched). Registering them keeps the user's queries working; each query
    registers the current objects again, and unloading leakguard unregisters them all.
    """
    state = state_of(s)
    for name, obj in frames.items():
        con.register(name, obj)
        state.tables[(id(con), name.lower())] = s.node_of(obj, name=name).id
        entry = (weakref.ref(con), name)
        if entry not in state.exposed:
            state.exposed.append(entry)


def forget_exposed(s: Session) -> None:
    """Unregister every DataFrame leakguard registered on a DuckDB connection."""
    state = state_of(s)
    while state.exposed:
        ref, name = state.exposed.pop()
        con = ref()
        if con is not None:
            try:
                con.unregister(name)
            except Exception:  # a closed connection has nothing left to unregister
                pass


def _query_call(s: Session, args: tuple[Any, ...], kwargs: dict[str, Any], *, con: Any, pos: int,
                keyword: str) -> Plan | None:
    raw = args[pos] if len(args) > pos else kwargs.get(keyword)
    text, rebuild = _sql_text(raw, con)
    if text is None:
        return None
    frame = s.cell_frame()
    where = s.where(frame)
    engine = engine_of(con)
    outcome = guard(s, text, con, where, frames=_frames_near(s) if engine == "duckdb" else None,
                    can_rewrite=len(args) > pos and rebuild is not None)
    new_args = None
    if outcome.sql is not None and rebuild is not None:
        new_args = (*args[:pos], rebuild(outcome.sql), *args[pos + 1:])
    if outcome.frames:
        _expose_frames(s, con, outcome.frames)

    def after(result: Any) -> None:
        if result is None:
            return
        if result is con:  # DB-API style execute: the rows come with a later fetch
            nid = result_node(s, outcome, None, "<sql result>", where)
            if nid is not None:
                state_of(s).pending[id(con)] = nid
            return
        result_node(s, outcome, result, "<sql result>", where)

    return _plan(args=new_args, after=after)


def _sql_text(raw: Any, con: Any) -> tuple[str | None, Callable[[str], Any] | None]:
    """The SQL text of a query argument and how to rebuild the argument from new text (None: cannot)."""
    if isinstance(raw, str):
        return raw, lambda new: new
    module = type(raw).__module__
    if module.startswith("sqlalchemy"):
        text = getattr(raw, "text", None)
        if isinstance(text, str):  # a TextClause: keep its bound parameters
            def rebuild(new: str) -> Any:
                import sqlalchemy

                params = list(getattr(raw, "_bindparams", {}).values())
                return sqlalchemy.text(new).bindparams(*params) if params else sqlalchemy.text(new)

            return text, rebuild
        try:
            dialect = getattr(con, "dialect", None)
            return str(raw.compile(dialect=dialect) if dialect is not None else raw.compile()), None
        except Exception:
            return None, None
    return None, None


def _duck_module(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    import duckdb

    con = kwargs.get("connection") or duckdb.default_connection()
    return _query_call(s, args, kwargs, con=con, pos=0, keyword="query")


def _method(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    keyword = {"pyspark.sql": "sqlQuery", "sqlalchemy.engine": "statement"}.get(api.module, "query")
    return _query_call(s, args, kwargs, con=args[0], pos=1, keyword=keyword)


def _read_sql(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    con = args[1] if len(args) > 1 else kwargs.get("con")
    if con is None:
        return None
    if api.qualname == "read_sql_table":
        return _read_table(s, args, kwargs, con)
    return _query_call(s, args, kwargs, con=con, pos=0, keyword="sql")


def _read_table(s: Session, args: tuple[Any, ...], kwargs: dict[str, Any], con: Any) -> Plan | None:
    from sqlglot import exp

    name = args[0] if args else kwargs.get("table_name")
    if not isinstance(name, str):
        return None
    schema = kwargs.get("schema")
    table = exp.Table(this=exp.to_identifier(name, quoted=True),
                      db=exp.to_identifier(schema, quoted=True) if isinstance(schema, str) else None)
    text = exp.select("*").from_(table).sql(dialect=dialect_of(con))
    where = s.where(s.cell_frame())
    outcome = guard(s, text, con, where, can_rewrite=False)
    return _plan(after=lambda result: result_node(s, outcome, result, f"<table {name}>", where))


def _register(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    con, name = args[0], args[1] if len(args) > 1 else kwargs.get("view_name")
    frame = args[2] if len(args) > 2 else kwargs.get("python_object")
    if isinstance(name, str) and frame is not None and is_frame(frame):
        state_of(s).tables[(id(con), name.lower())] = s.node_of(frame, frame=s.cell_frame()).id
    return None


def _to_sql(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    frame, name = args[0], args[1] if len(args) > 1 else kwargs.get("name")
    con = args[2] if len(args) > 2 else kwargs.get("con")
    if not isinstance(name, str) or con is None:
        return None
    nid = s.node_of(frame, frame=s.cell_frame()).id
    ref = TableRef(name, name.lower(), (name,))
    if is_holdout(ref, s.policy.holdout.tables):
        s.emit(Query(f"to_sql({name!r})", dialect_of(con), (), s.where(s.cell_frame()), inspects=False,
                     writes=(name,)))
    state = state_of(s)

    def after(result: Any) -> None:
        state.tables[(id(con), ref.key)] = nid
        state.schema(con).invalidate()

    return _plan(after=after)


def _fetch(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    owner = args[0]
    nid = s.tracker.node_of(owner) if api.qualname.startswith("DuckDBPyRelation") else None
    if nid is None:
        nid = state_of(s).pending.get(id(owner))
    if not nid or nid not in s.graph.nodes:
        return None
    return _plan(after=lambda result: s.remember_result(result, nid))


def _connect(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    # sqlite3's classes cannot be patched; connections opened now get a guarded subclass instead.
    # The wrapper calls the original with this very kwargs dict, so setting the factory here takes effect.
    if len(args) <= 5:
        kwargs["factory"] = guarded_factory(kwargs.get("factory", sqlite3.Connection))
    return None


_HANDLERS: dict[str, Callable[[Session, Api, tuple[Any, ...], dict[str, Any]], Plan | None]] = {
    "sql": _duck_module, "query": _duck_module, "from_query": _duck_module, "execute": _duck_module,
    "executemany": _duck_module,
    "read_sql": _read_sql, "read_sql_query": _read_sql, "read_sql_table": _read_sql,
    "DataFrame.to_sql": _to_sql, "connect": _connect,
    "DuckDBPyConnection.register": _register,
}


def before_query(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """The before-function for catalog kind ``query``: dispatch on the callable."""
    handler = _HANDLERS.get(api.qualname)
    if handler is None:
        method = api.qualname.rsplit(".", 1)[-1]
        handler = _fetch if method in _FETCHES else _method
    return handler(s, api, args, kwargs)


_FETCHES = {"df", "fetchdf", "fetch_df", "to_df", "pl", "arrow", "to_arrow_table", "fetchnumpy"}


# -- sqlite3: a guarded connection class ------------------------------------------------------------

_factories: dict[type, type] = {}


def guarded_factory(base: type) -> type:
    """A subclass of the sqlite3 connection class ``base`` whose queries pass through the guard."""
    if getattr(base, "__leakguard_guarded__", False):
        return base
    made = _factories.get(base)
    if made is None:
        made = type(f"Guarded{base.__name__}", (_GuardedConnection, base), {"__leakguard_guarded__": True})
        _factories[base] = made
    return made


def _active() -> Session | None:
    from leakguard.kernel.extension import loaded

    state = loaded()
    if state is None or state.session.busy or threading.get_ident() != state.session.main_thread:
        return None
    return state.session


def _guarded_call(con: Any, sql: Any, run: Callable[[Any], Any]) -> Any:
    from leakguard.errors import LeakageError

    s = _active()
    if s is None or not isinstance(sql, str):
        return run(sql)
    s.busy = True
    try:
        try:
            outcome: Outcome | None = guard(s, sql, con, s.where(s.cell_frame()))
        except LeakageError:
            raise
        except Exception as exc:
            s.internal_error("sqlite3 query", exc)
            outcome = None
        if outcome is not None and outcome.sql is not None:
            try:
                return run(outcome.sql)
            except sqlite3.Error:
                s.note("safe mode could not run the restricted query; it ran on all rows.")
        return run(sql)
    finally:
        s.busy = False


class _GuardedCursor(sqlite3.Cursor):
    def execute(self, sql: Any, parameters: Any = (), /) -> Any:
        return _guarded_call(self.connection, sql, lambda q: super(_GuardedCursor, self).execute(q, parameters))

    def executemany(self, sql: Any, parameters: Any, /) -> Any:
        return _guarded_call(self.connection, sql, lambda q: super(_GuardedCursor, self).executemany(q, parameters))


class _GuardedConnection(sqlite3.Connection):
    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _GuardedCursor)

    def execute(self, sql: Any, parameters: Any = (), /) -> Any:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: Any, parameters: Any, /) -> Any:
        return self.cursor().executemany(sql, parameters)
