"""pandas: features written by hand — column assignment, learned encodings, per-group statistics, row order.

- ``df["c"] = ...`` records which columns (and statistics) a new column is computed from;
- ``qcut`` and ``cut`` with a bin count learn edges from the rows; ``get_dummies`` is row-wise;
- ``groupby(...).transform("mean")`` broadcasts a per-group statistic (a target encoding when
  the label is aggregated);
- computations along row order (``shift``, ``bfill``, ``cumsum``, rolling windows...) use
  later rows when they look ahead or run over rows not sorted by time;
- ``sample(replace=True)`` makes copies of rows (a bootstrap, an oversampling).

Statistics consumed inside an expression (``fillna(df.x.mean())``) come from the
inspection entries in ``pandas.py``.
"""

from __future__ import annotations

from leakguard.libraries.api import Api

# Row-order methods: each row's value comes from its neighbours (earlier or later rows), read by
# both engines (the kernel's ``ordered`` entries, libraries/pandas/static.py, kernel/features.py).
ORDERED = ("shift", "bfill", "ffill", "interpolate", "cumsum", "cumprod", "cummax", "cummin", "diff", "pct_change")
# pandas < 3 spellings of ``bfill`` / ``ffill``: the static engine reads them, the kernel wraps no entry for
# them (they are gone in pandas 3)
ORDERED_ALIASES = ("backfill", "pad")
# the same along each group's rows (``groupby("user").cumcount()``: the user's visits so far)
GROUP_ORDERED = ("shift", "bfill", "ffill", "cumsum", "cumprod", "cummax", "cummin", "cumcount", "diff", "pct_change")
_WINDOW_AGGS = ("mean", "sum", "std", "var", "min", "max", "median", "count", "apply", "quantile", "skew", "kurt",
                "sem", "agg", "aggregate")
_WINDOWS = ("Rolling", "Expanding", "ExponentialMovingWindow")  # the group-by windows inherit these methods

ENTRIES: tuple[Api, ...] = (
    Api("pandas", "DataFrame.__setitem__", "assign-column"),
    Api("pandas", "DataFrame.assign", "assign-column", note="a new frame with columns computed row by row"),
    # one row's indicator columns come from its own value alone: a category seen only in test rows
    # adds a column that is zero on every training row, which teaches the model nothing
    Api("pandas", "get_dummies", "encode", role="row-wise"),
    Api("pandas", "qcut", "encode"),
    Api("pandas", "cut", "encode"),
    # each row's rank among all the rows: a statistic of every row, like qcut's edges
    Api("pandas", "Series.rank", "encode"),
    Api("pandas", "DataFrame.rank", "encode"),
    Api("pandas.api.typing", "DataFrameGroupBy.transform", "group-transform"),
    Api("pandas.api.typing", "SeriesGroupBy.transform", "group-transform"),
    *(Api("pandas", f"{owner}.{name}", "ordered") for owner in ("DataFrame", "Series") for name in ORDERED),
    *(Api("pandas.api.typing", f"{owner}.{name}", "ordered")
      for owner in ("DataFrameGroupBy", "SeriesGroupBy") for name in GROUP_ORDERED),
    *(Api("pandas.api.typing", f"{window}.{name}", "window") for window in _WINDOWS for name in _WINDOW_AGGS),
    Api("pandas", "DataFrame.sample", "resample"),
    Api("pandas", "Series.sample", "resample"),
)

# Group-by methods that only make sense with several rows per group (a sequence or a statistic per
# entity broadcast back to its rows): grouped by an entity id column, they show that the id repeats.
PER_ENTITY_ROWS = ("cumcount", "shift", "diff", "cumsum", "cummax", "cummin", "pct_change", "transform", "rank",
                   "ffill", "bfill", "rolling", "expanding", "nth", "head", "tail")

# Lags: with a positive period these read only earlier rows. On time-ordered rows a lag of the
# label (``df["churned"].shift(1)``, and a trailing window over it) is a forecasting feature,
# not the label copied row by row; a negative period reads later rows (a look-ahead).
LAGS = ("shift",)

# encodings whose output for a row depends on that row only (no statistic learned from the others)
ROW_WISE: frozenset[str] = frozenset(api.name for api in ENTRIES if api.kind == "encode" and api.role == "row-wise")
# Per-group statistics broadcast back to every row (``groupby("store")["sales"].transform("mean")``): over
# time-ordered rows each row then carries its group's later rows, test days included (a look-ahead).
WHOLE_GROUP_STATS = ("mean", "median", "sum", "std", "var", "min", "max", "count", "nunique", "size", "prod", "sem",
                     "skew", "first", "last")

# ``groupby(k)[c].transform(name)`` with these names computes along each group's row order: not a statistic.
GROUP_TRANSFORM_ORDERED = frozenset({"cumsum", "cumprod", "cummax", "cummin", "cumcount", "shift", "diff", "pct_change",
                            "ffill", "bfill", "rank"})
