"""SQL: the calls that send a query, plus the few that tie tables and results to lineage.

Every entry has kind ``query``; ``leakguard/sql/kernel.py`` says what each one means
(send a query, register a DataFrame as a table, fetch a result, open a sqlite3 connection).
sqlite3's own classes cannot be patched, so ``sqlite3.connect`` hands out a guarded subclass.
"""

from __future__ import annotations

from leakguard.libraries.api import Api

_DUCK_QUERIES = ("sql", "query", "from_query", "execute", "executemany")
# method names that send a query, any library's (the static engine reads ``con.execute(q)`` by name)
QUERY_METHODS = (*_DUCK_QUERIES, "exec_driver_sql")
_DUCK_FETCHES = ("df", "fetchdf", "fetch_df")
_RELATION_FETCHES = ("df", "fetchdf", "to_df", "pl", "arrow", "to_arrow_table")
# every method that fetches a result (leakguard/sql/kernel.py ties what it returns to the query's result)
FETCHES: tuple[str, ...] = tuple(dict.fromkeys((*_DUCK_FETCHES, *_RELATION_FETCHES)))

# DuckDB's readers of a file into a relation (``duckdb.read_csv(path)``, ``con.read_parquet(path)``): a scan of
# the file's rows, the same rows any other reader of that file reads (leakguard/lineage/graph.py ``file_key``)
DUCK_FILE_READERS = ("read_csv", "read_parquet", "read_json", "from_csv_auto", "from_parquet")

# DB-API cursor methods that return rows of the query the cursor ran (sqlite3's cursor: leakguard/sql/sqlite_guard.py)
CURSOR_FETCHES = ("fetchall", "fetchmany", "fetchone")

ENTRIES: tuple[Api, ...] = (
    *(Api("duckdb", name, "query", note="sends a query (default connection)") for name in _DUCK_QUERIES),
    *(Api("duckdb", f"DuckDBPyConnection.{name}", "query", note="sends a query") for name in _DUCK_QUERIES),
    Api("duckdb", "DuckDBPyConnection.register", "query", note="a DataFrame becomes a table"),
    *(Api("duckdb", name, "query", note="reads a file as a relation") for name in DUCK_FILE_READERS),
    *(Api("duckdb", f"DuckDBPyConnection.{name}", "query", note="reads a file as a relation")
      for name in DUCK_FILE_READERS),
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

# DuckDB table functions that read a file (``FROM read_parquet('train.parquet')``): a scan of the file's rows.
DUCKDB_TABLE_READERS = ("read_parquet", "read_csv", "read_csv_auto", "read_json", "read_json_auto", "read_ndjson",
            "parquet_scan", "read_xlsx", "read_avro", "delta_scan", "iceberg_scan", "read_text")

# DuckDB aggregates sqlglot parses as anonymous functions: without this list ``histogram(label)`` would read as a
# plain projection of the label, and a query of them alone as a listing (leakguard/sql/scopes.py).
DUCKDB_UNTYPED_AGGREGATES = frozenset({
    "histogram", "histogram_exact", "histogram_values", "entropy", "kurtosis_pop", "mad", "product", "fsum",
    "favg", "sumkahan", "kahan_sum", "reservoir_quantile", "geomean", "geometric_mean", "weighted_avg", "wavg",
    "bitstring_agg", "arbitrary",
})

# Window functions that place a row among all the rows of its partition (sqlglot's keys and SQL's spellings):
# ``NTILE(10) OVER (ORDER BY spend)`` is binning with edges learned from every row (leakguard/sql/scopes.py).
WINDOW_RANKS = frozenset({
    "ntile", "percentrank", "percent_rank", "cumedist", "cume_dist", "rank", "denserank", "dense_rank",
})
