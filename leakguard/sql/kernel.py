"""Interception: what each catalogued SQL call (kind ``query``) does around the real call.

``before_query`` is the before-function of the catalog kind ``query``
(``leakguard/libraries/sql/catalog.py`` lists the callables). A call that sends SQL is guarded
(``leakguard/sql/guard.py``: analysis, events, block mode, the safe-mode rewrite, which
replaces the SQL argument whether given by position or keyword); a DuckDB call is given
the DataFrames its SQL names (``leakguard/sql/duckframes.py``); the result enters the
lineage (``leakguard/sql/lineage.py``). Other entries tie a table or a fetched result to
lineage, or open a guarded sqlite3 connection (``leakguard/sql/sqlite_guard.py``).

Nothing here imports sqlglot, duckdb or pandas at module level.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from leakguard.kernel.wrapping import Plan
from leakguard.libraries.sql.catalog import DUCK_FILE_READERS, FETCHES
from leakguard.lineage.events import Query
from leakguard.sql import duckframes
from leakguard.sql.connections import dialect_of, engine_of, is_frame
from leakguard.sql.guard import guard
from leakguard.sql.lineage import result_node
from leakguard.sql.sqlite_guard import guard_instance, guarded_factory
from leakguard.sql.state import state_of
from leakguard.sql.tables import TableRef, is_holdout

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.libraries.api import Api

Handler = Callable[["Session", "Api", tuple[Any, ...], dict[str, Any]], "Plan | None"]



def _query_call(s: Session, args: tuple[Any, ...], kwargs: dict[str, Any], *, con: Any,
                pos: int, keyword: str) -> Plan | None:
    """Guard the SQL found at ``args[pos]`` or ``kwargs[keyword]``; replace it there when it must change."""
    positional = len(args) > pos
    raw = args[pos] if positional else kwargs.get(keyword)
    text, rebuild = _sql_text(raw, con)
    if text is None:
        return None
    where = s.where(s.cell_frame())
    duck = engine_of(con) == "duckdb"
    lookup = duckframes.caller_lookup(s.user_ns) if duck else None
    outcome = guard(s, text, con, where, frames=lookup, can_rewrite=rebuild is not None)
    sql = outcome.sql
    new_args = new_kwargs = None
    if sql is not None and rebuild is not None:
        if positional:
            new_args = (*args[:pos], rebuild(sql), *args[pos + 1:])
        else:
            new_kwargs = {**kwargs, keyword: rebuild(sql)}

    def after(result: Any) -> None:
        if result is None:
            return
        if result is con:  # DB-API style execute: the rows come with a later fetch
            nid = result_node(s, outcome, None, "<sql result>", where)
            if nid is not None:
                state_of(s).pending[state_of(s).key_of(con)] = nid
            return
        result_node(s, outcome, result, "<sql result>", where)

    return Plan(args=new_args, kwargs=new_kwargs, after=after,
                 retry_unrestricted=lambda: outcome.ran_unrestricted(s))


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


# -- the handlers ----------------------------------------------------------------------------------


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
    return Plan(after=lambda result: result_node(s, outcome, result, f"<table {name}>", where))


def _duck_file(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """``duckdb.read_csv(path)``, ``con.read_parquet(path)``: a relation of the file's rows (a listing, no look)."""
    from sqlglot import exp

    method = "." in api.qualname
    if method:
        con, rest = args[0], args[1:]
    else:
        import duckdb

        con, rest = kwargs.get("connection") or duckdb.default_connection(), args
    path = rest[0] if rest else kwargs.get("path_or_buffer", kwargs.get("file_name", kwargs.get("file_glob")))
    if not isinstance(path, str):
        return None
    text = exp.select("*").from_(exp.Table(this=exp.to_identifier(path, quoted=True))).sql(dialect="duckdb")
    where = s.where(s.cell_frame())
    outcome = guard(s, text, con, where, can_rewrite=False)
    return Plan(after=lambda result: result_node(s, outcome, result, f"<file {path}>", where))


def _register(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    con, name = args[0], args[1] if len(args) > 1 else kwargs.get("view_name")
    frame = args[2] if len(args) > 2 else kwargs.get("python_object")
    if isinstance(name, str) and frame is not None and is_frame(frame):
        state = state_of(s)
        state.tables[(state.key_of(con), name.lower())] = s.node_of(frame, frame=s.cell_frame()).id
    return None


def _to_sql(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    frame, name = args[0], args[1] if len(args) > 1 else kwargs.get("name")
    con = args[2] if len(args) > 2 else kwargs.get("con")
    if not isinstance(name, str) or con is None:
        return None
    nid = s.node_of(frame, frame=s.cell_frame()).id
    ref = TableRef(name, name.lower(), (name,))
    if is_holdout(ref, s.policy.holdout.tables):
        s.recorder.record(Query(f"to_sql({name!r})", dialect_of(con), (), s.where(s.cell_frame()), inspects=False,
                                writes=(name,)))
    state = state_of(s)

    def after(result: Any) -> None:
        state.tables[(state.key_of(con), ref.key)] = nid
        state.schema(con).invalidate()

    return Plan(after=after)


def _fetch(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    owner = args[0]
    nid = s.tracker.node_of(owner) if api.qualname.startswith("DuckDBPyRelation") else None
    if nid is None:
        nid = state_of(s).pending.get(id(owner))  # (keys are of live connections: SqlState.key_of)
    if not nid or nid not in s.graph.nodes:
        return None
    return Plan(after=lambda result: s.remember_result(result, nid))


def _connect(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    # sqlite3's classes cannot be patched; connections opened now get a guarded subclass instead.
    # The wrapper calls the original with this very kwargs dict, so setting the factory here takes effect.
    # A connection class of the user's own is kept (type and methods): that connection is guarded in place.
    factory = args[5] if len(args) > 5 else kwargs.get("factory", sqlite3.Connection)
    if factory is sqlite3.Connection and len(args) <= 5:
        kwargs["factory"] = guarded_factory(sqlite3.Connection)
        return None
    if isinstance(factory, type) and not getattr(factory, "__leakguard_guarded__", False):
        return Plan(after=guard_instance)
    return None


_HANDLERS: dict[str, Handler] = {
    "sql": _duck_module, "query": _duck_module, "from_query": _duck_module, "execute": _duck_module,
    "executemany": _duck_module,
    "read_sql": _read_sql, "read_sql_query": _read_sql, "read_sql_table": _read_sql,
    "DataFrame.to_sql": _to_sql, "connect": _connect,
    "DuckDBPyConnection.register": _register,
    **{name: _duck_file for reader in DUCK_FILE_READERS for name in (reader, f"DuckDBPyConnection.{reader}")},
}
_FETCHES = frozenset(FETCHES)


def before_query(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """The before-function for catalog kind ``query``: dispatch on the callable."""
    handler = _HANDLERS.get(api.qualname)
    if handler is None:
        method = api.qualname.rsplit(".", 1)[-1]
        handler = _fetch if method in _FETCHES else _method
    return handler(s, api, args, kwargs)
