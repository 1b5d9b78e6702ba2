"""Polars: readers and scans, inspections on eager and lazy frames, filters, collects, SQL.

A lazy query computes nothing until ``collect``: a ``LazyFrame`` statistic is judged where
it is asked for (shown or kept), and ``collect`` of an aggregating plan leakguard did not
see being built is judged at the collect. An eager ``DataFrame.select`` whose every expression
aggregates (``df.select(pl.col("x").mean())``) is a statistic too; a select of plain columns is not. A statistic
inside a per-row expression of ``with_columns``/``select`` (``pl.col("x") - pl.col("x").mean()``, ``.mean().over("g")``)
is put on every row: the result derives from a statistic of the frame's rows (``with_columns_seq``/``select_seq``
too); inside a ``filter`` condition (``pl.col("x") > pl.col("x").mean()``) it chooses the rows kept. Handlers: ``leakguard/libraries/polars/live.py``.
"""

from __future__ import annotations

from leakguard.libraries.api import Api

_READERS = (
    "read_csv", "read_parquet", "read_ipc", "read_json", "read_ndjson", "read_excel", "read_avro",
    "scan_csv", "scan_parquet", "scan_ipc", "scan_ndjson", "from_pandas", "from_arrow", "from_dicts",
)
_FRAME_STATS = ("describe", "mean", "median", "std", "var", "min", "max", "sum", "quantile", "null_count",
                "n_unique")
_LAZY_STATS = ("describe", "mean", "median", "std", "var", "min", "max", "sum", "quantile", "null_count")
_SERIES_STATS = ("describe", "mean", "median", "std", "var", "min", "max", "sum", "quantile", "n_unique", "skew",
                 "value_counts", "unique", "hist")
_GROUP_STATS = ("agg", "mean", "median", "min", "max", "sum", "count", "len", "n_unique", "quantile", "first",
                "last")
_SQL = (("polars", "sql"), ("polars", "DataFrame.sql"), ("polars", "LazyFrame.sql"),
        ("polars", "SQLContext.execute"))

ENTRIES: tuple[Api, ...] = (
    *(Api("polars", name, "read") for name in _READERS),
    *(Api("polars", f"DataFrame.{name}", "inspect") for name in _FRAME_STATS),
    Api("polars", "DataFrame.corr", "inspect", relates=True),
    *(Api("polars", f"LazyFrame.{name}", "inspect") for name in _LAZY_STATS),
    *(Api("polars", f"Series.{name}", "inspect") for name in _SERIES_STATS),
    *(Api("polars.dataframe.group_by", f"GroupBy.{name}", "inspect", relates=True) for name in _GROUP_STATS),
    *(Api("polars.lazyframe.group_by", f"LazyGroupBy.{name}", "inspect", relates=True) for name in _GROUP_STATS),
    Api("polars", "DataFrame.group_by", "groupby"),
    Api("polars", "LazyFrame.group_by", "groupby"),
    Api("polars", "DataFrame.filter", "filter", note="keeps the rows a condition selects; at the cutoff, a split"),
    Api("polars", "LazyFrame.filter", "filter", note="keeps the rows a condition selects; at the cutoff, a split"),
    Api("polars", "LazyFrame.collect", "action"),
    Api("polars", "DataFrame.select", "select",
        note="an inspection when every expression aggregates (pl.col('x').mean(), pl.corr(a, b)); else the "
             "statistics its expressions put on every row (pl.col('x') - pl.col('x').mean()), if any"),
    Api("polars", "DataFrame.select_seq", "select", note="select, its expressions run one after the other"),
    *(Api("polars", name, "with-column", note="a statistic of the rows inside a per-row expression "
          "(pl.col('x') - pl.col('x').mean(), .mean().over('g')) is put on every row")
      for name in ("DataFrame.with_columns", "LazyFrame.with_columns", "LazyFrame.select",
                   "DataFrame.with_columns_seq", "LazyFrame.with_columns_seq", "LazyFrame.select_seq")),
    *(Api(module, name, "query", note="sends a query") for module, name in _SQL),
)

# Methods that mean another one (its expressions run one after the other instead of in parallel): read as it.
SEQUENTIAL = {"with_columns_seq": "with_columns", "select_seq": "select"}

# Expression methods that reduce a column to one value (one per group under ``group_by``): ``pl.col("x").mean()``.
# Read by the static engine (static/lazyops.py) and the kernel's plan reader (libraries/polars/plan.py).
EXPR_AGGREGATIONS = (
    "mean", "sum", "min", "max", "std", "var", "median", "quantile", "count", "len", "n_unique", "approx_n_unique",
    "null_count", "first", "last", "mode", "product", "skew", "kurtosis", "entropy", "arg_max", "arg_min",
    "max_by", "min_by", "nan_max", "nan_min", "any", "all", "implode", "unique", "unique_counts", "value_counts",
    "hist",
)
# How a plan's text spells aggregations that have no method of that name: ``pl.corr(a, b)`` shows as
# ``col("a").pearson_correlation([col("b")])``, ``pl.cov`` as ``covariance``; and older Polars' spellings.
PLAN_AGGREGATIONS = ("pearson_correlation", "spearman_rank_correlation", "covariance", "cov", "agg_groups",
                     "sort_by_and_first")
# Top-level functions that aggregate: ``pl.mean("x")``, ``pl.corr("a", "b")``, ``pl.len()`` (``pl.all()`` selects
# every column: not an aggregation).
FUNCTION_AGGREGATIONS = ("mean", "sum", "min", "max", "median", "std", "var", "first", "last", "n_unique",
                         "quantile", "corr", "cov", "approx_n_unique", "count", "len", "implode", "any")

# Expression methods that give one value per row from other rows (a window, a running total, a lag).
EXPR_WINDOWS = frozenset({"over", "rolling", "cum_sum", "cum_count", "cum_max", "cum_min", "cum_prod",
                             "shift", "diff", "rank", "pct_change", "rolling_mean", "rolling_sum"})
