"""SQL: the calls that send a query, plus the few that tie tables and results to lineage.

Every entry has kind ``query``; ``leakguard/sql/kernel.py`` says what each one means
(send a query, register a DataFrame as a table, fetch a result, open a sqlite3 connection).
sqlite3's own classes cannot be patched, so ``sqlite3.connect`` hands out a guarded subclass.
"""

from __future__ import annotations

from leakguard.libraries.api import Api

_DUCK_QUERIES = ("sql", "query", "from_query", "execute", "executemany")
_DUCK_FETCHES = ("df", "fetchdf", "fetch_df")
_RELATION_FETCHES = ("df", "fetchdf", "to_df", "pl", "arrow", "to_arrow_table")

ENTRIES: tuple[Api, ...] = (
    *(Api("duckdb", name, "query", note="sends a query (default connection)") for name in _DUCK_QUERIES),
    *(Api("duckdb", f"DuckDBPyConnection.{name}", "query", note="sends a query") for name in _DUCK_QUERIES),
    Api("duckdb", "DuckDBPyConnection.register", "query", note="a DataFrame becomes a table"),
    *(Api("duckdb", f"DuckDBPyConnection.{name}", "query", note="fetches a result") for name in _DUCK_FETCHES),
    *(Api("duckdb", f"DuckDBPyRelation.{name}", "query", note="fetches a result") for name in _RELATION_FETCHES),
    Api("sqlite3", "connect", "query", note="opens a connection whose queries are guarded"),
    Api("pandas", "read_sql", "query", note="sends a query"),
    Api("pandas", "read_sql_query", "query", note="sends a query"),
    Api("pandas", "read_sql_table", "query", note="reads a whole table"),
    Api("pandas", "DataFrame.to_sql", "query", note="a DataFrame becomes a table"),
    Api("sqlalchemy.engine", "Connection.execute", "query", note="sends a query"),
    Api("sqlalchemy.engine", "Connection.exec_driver_sql", "query", note="sends a query"),
    Api("pyspark.sql", "SparkSession.sql", "query", note="sends a query"),
)
