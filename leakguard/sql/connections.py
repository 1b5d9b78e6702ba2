"""Connections: which engine and SQL dialect a connection speaks, its schema (cached), and running SQL on it.

Engines are recognised by the module of the connection's class (and its bases), so
nothing here imports a driver: DuckDB, sqlite3, SQLAlchemy engines and connections,
SparkSession, and any other DB-API connection (schema unknown).

>>> class Fake: pass
>>> engine_of(Fake())
'dbapi'
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from leakguard.sql.tables import TableRef

_SQLALCHEMY_DIALECTS = {
    "postgresql": "postgres", "sqlite": "sqlite", "duckdb": "duckdb", "snowflake": "snowflake",
    "bigquery": "bigquery", "mysql": "mysql", "mariadb": "mysql", "mssql": "tsql", "oracle": "oracle",
    "databricks": "databricks", "trino": "trino", "redshift": "redshift", "spark": "spark", "hive": "hive",
}
_DBAPI_DIALECTS = (
    ("psycopg", "postgres"), ("pg8000", "postgres"), ("snowflake", "snowflake"), ("google.cloud.bigquery", "bigquery"),
    ("pymysql", "mysql"), ("MySQLdb", "mysql"), ("pyodbc", "tsql"), ("trino", "trino"), ("databricks", "databricks"),
)
_overrides: dict[int, tuple[weakref.ref[Any] | None, str]] = {}


def _modules(obj: Any) -> list[str]:
    return [getattr(k, "__module__", "") or "" for k in type(obj).__mro__]


def engine_of(con: Any) -> str:
    """``duckdb``, ``sqlite``, ``sqlalchemy``, ``spark`` or ``dbapi``."""
    if isinstance(con, (sqlite3.Connection, sqlite3.Cursor)):
        return "sqlite"
    for module in _modules(con):
        if module.startswith(("duckdb", "_duckdb")):
            return "duckdb"
        if module.startswith("sqlalchemy"):
            return "sqlalchemy"
        if module.startswith("pyspark"):
            return "spark"
    return "dbapi"


def override_dialect(con: Any, dialect: str) -> None:
    """Use ``dialect`` for SQL sent through ``con`` (checked by name against sqlglot's dialects)."""
    from sqlglot.dialects.dialect import Dialect

    Dialect.get_or_raise(dialect)
    try:
        ref: weakref.ref[Any] | None = weakref.ref(con)
    except TypeError:
        ref = None
    _overrides[id(con)] = (ref, dialect)


def dialect_of(con: Any) -> str:
    """The sqlglot dialect name for SQL sent through ``con`` (an override first)."""
    entry = _overrides.get(id(con))
    if entry is not None and (entry[0] is None or entry[0]() is con):
        return entry[1]
    engine = engine_of(con)
    if engine in ("duckdb", "sqlite", "spark"):
        return engine
    if engine == "sqlalchemy":
        name = str(getattr(getattr(con, "dialect", None), "name", ""))
        return _SQLALCHEMY_DIALECTS.get(name, "")
    for module in _modules(con):
        for prefix, dialect in _DBAPI_DIALECTS:
            if module.startswith(prefix):
                return dialect
    return ""


# -- schemas -------------------------------------------------------------------------------------

Columns = dict[str, str]


class SchemaCache:
    """The columns of a connection's tables, asked once and kept until DDL or a miss in a later cell."""

    def __init__(self, con: Any) -> None:
        self.engine = engine_of(con)
        self._con = _ref(con)
        self._tables: dict[str, Columns | None] = {}
        self._catalog: dict[str, Columns] | None = None
        self.generation = 0
        self._loaded_at = -1

    def con(self) -> Any | None:
        return self._con()

    def invalidate(self) -> None:
        """Forget everything (after DDL)."""
        self._tables.clear()
        self._catalog = None

    def columns(self, ref: TableRef, generation: int) -> Columns | None:
        """``{column: type}`` of ``ref``, or None when the database does not know it (or cannot say)."""
        if ref.key in self._tables:
            found = self._tables[ref.key]
            if found is not None or self._loaded_at == generation:
                return found
        con = self._con()
        if con is None:
            return None
        try:
            found = self._ask(con, ref, generation)
        except Exception:  # a database that cannot answer: columns unknown, never an error for the user
            found = None
        self._tables[ref.key] = found
        return found

    def _ask(self, con: Any, ref: TableRef, generation: int) -> Columns | None:
        if self.engine == "duckdb":
            if ref.path is not None:
                return _duckdb_file(con, ref)
            if self._catalog is None or self._loaded_at != generation:
                self._catalog = _duckdb_catalog(con)
                self._loaded_at = generation
            return self._catalog.get(ref.key)
        self._loaded_at = generation
        if self.engine == "sqlite":
            return _sqlite_columns(con, ref)
        if self.engine == "sqlalchemy":
            return _sqlalchemy_columns(con, ref)
        if self.engine == "spark":
            return _spark_columns(con, ref)
        return None


def _ref(con: Any) -> Callable[[], Any | None]:
    try:
        return weakref.ref(con)
    except TypeError:
        return lambda: con


def _duckdb_catalog(con: Any) -> dict[str, Columns]:
    # a cursor is a second connection to the same database: the user's pending result stays intact
    cur = con.cursor()
    try:
        rows = cur.sql(
            "SELECT table_catalog, table_schema, table_name, column_name, data_type "
            "FROM information_schema.columns ORDER BY ordinal_position"
        ).fetchall()
    finally:
        cur.close()
    catalog: dict[str, Columns] = {}
    for cat, sch, table, column, dtype in rows:
        for key in (table, f"{sch}.{table}", f"{cat}.{sch}.{table}"):
            catalog.setdefault(str(key).lower(), {})[str(column)] = str(dtype)
    return catalog


def _duckdb_file(con: Any, ref: TableRef) -> Columns | None:
    from sqlglot import exp

    assert ref.path is not None
    select = exp.select("*").from_(exp.Table(this=exp.to_identifier(ref.path, quoted=True))).limit(0)
    cur = con.cursor()
    try:
        rel = cur.sql(select.sql(dialect="duckdb"))
        return {str(c): str(t) for c, t in zip(rel.columns, rel.types, strict=True)}
    finally:
        cur.close()


def _sqlite_columns(con: Any, ref: TableRef) -> Columns | None:
    base = con if isinstance(con, sqlite3.Connection) else con.connection
    if len(ref.parts) > 1:
        rows = sqlite3.Connection.execute(base, "SELECT name, type FROM pragma_table_info(?, ?)",
                                          (ref.parts[-1], ref.parts[-2])).fetchall()
    else:
        rows = sqlite3.Connection.execute(base, "SELECT name, type FROM pragma_table_info(?)", (ref.table,)).fetchall()
    return {str(n): str(t) for n, t in rows} or None


def _sqlalchemy_columns(con: Any, ref: TableRef) -> Columns | None:
    import sqlalchemy

    schema = ref.parts[-2] if len(ref.parts) > 1 else None
    inspector = sqlalchemy.inspect(con)
    try:
        cols = inspector.get_columns(ref.table, schema=schema)
    except sqlalchemy.exc.NoSuchTableError:
        return None
    return {str(c["name"]): str(c["type"]) for c in cols} or None


def _spark_columns(spark: Any, ref: TableRef) -> Columns | None:
    # The analysed schema of ``spark.table(...)``: driver-side. ``spark.catalog.listColumns`` would
    # start Spark jobs, and leakguard starts none of its own.
    name = ".".join("`" + part.replace("`", "``") + "`" for part in ref.parts or (ref.name,))
    schema = spark.table(name).schema
    return {str(f.name): str(f.dataType.simpleString()) for f in schema.fields} or None


def frame_columns(obj: Any) -> Columns | None:
    """Columns of a DataFrame-like object DuckDB can query by name (pandas, polars, Arrow)."""
    cols = getattr(obj, "columns", None)
    if cols is None:
        schema = getattr(obj, "schema", None)
        cols = getattr(schema, "names", None)
    if cols is None:
        return None
    dtypes: Mapping[str, Any] = {}
    raw = getattr(obj, "dtypes", None)
    if raw is not None and hasattr(raw, "items"):
        dtypes = dict(raw.items())
    return {str(c): _frame_type(dtypes.get(c)) for c in list(cols)}


def _frame_type(dtype: Any) -> str:
    text = str(dtype) if dtype is not None else ""
    if "datetime64" in text:
        return "TIMESTAMP WITH TIME ZONE" if "," in text else "TIMESTAMP"
    if text in ("object", "string", "str"):
        return "VARCHAR"
    return text.upper()


def is_frame(obj: Any) -> bool:
    """A pandas/polars DataFrame, an Arrow table or a DuckDB relation (what DuckDB's replacement scans read)."""
    module = type(obj).__module__
    return module.startswith(("pandas", "polars", "pyarrow", "duckdb")) and (
        hasattr(obj, "columns") or hasattr(obj, "schema"))
