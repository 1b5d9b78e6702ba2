"""pandas: readers, inspections and groupings.

Hand-made splits (``sample``/``drop``, boolean masks, ``iloc`` slices) need no entries: the
kernel recognises them from the rows of the frames a cell produces.
"""

from __future__ import annotations

from leakguard.catalog import Api

_READERS = (
    "read_csv", "read_parquet", "read_json", "read_excel", "read_feather", "read_table",
    "read_pickle", "read_orc", "read_fwf", "read_stata", "read_sas", "read_spss", "read_xml",
)
# Statistics over rows: an inspection when the result is shown or kept.
_FRAME_STATS = (
    "describe", "mean", "median", "std", "var", "min", "max", "sum", "count", "quantile",
    "nunique", "value_counts", "mode", "skew", "kurt", "sem", "agg", "aggregate", "hist", "boxplot",
)
_RELATING = ("corr", "cov", "corrwith", "pivot_table")
_SERIES_STATS = (
    "describe", "mean", "median", "std", "var", "min", "max", "sum", "count", "quantile",
    "nunique", "value_counts", "mode", "skew", "kurt", "sem", "agg", "aggregate", "hist", "unique",
)
_GROUP_STATS = (
    "mean", "median", "std", "var", "min", "max", "sum", "count", "size", "describe",
    "quantile", "nunique", "agg", "aggregate", "value_counts", "first", "last", "prod", "sem",
)

ENTRIES: tuple[Api, ...] = (
    *(Api("pandas", name, "read") for name in _READERS),
    *(Api("pandas", f"DataFrame.{name}", "inspect") for name in _FRAME_STATS),
    *(Api("pandas", f"DataFrame.{name}", "inspect", relates=True) for name in _RELATING),
    *(Api("pandas", f"Series.{name}", "inspect") for name in _SERIES_STATS),
    Api("pandas", "Series.corr", "inspect", relates=True),
    Api("pandas", "Series.cov", "inspect", relates=True),
    Api("pandas", "crosstab", "inspect", relates=True),
    Api("pandas", "pivot_table", "inspect", relates=True),
    Api("pandas.plotting", "PlotAccessor.__call__", "inspect"),
    *(Api("pandas.api.typing", f"DataFrameGroupBy.{name}", "inspect", relates=True) for name in _GROUP_STATS),
    *(Api("pandas.api.typing", f"SeriesGroupBy.{name}", "inspect", relates=True) for name in _GROUP_STATS),
    # dtypes and non-null counts: a schema look (its own count() is pandas', not the user's)
    Api("pandas", "DataFrame.info", "schema"),
    Api("pandas", "DataFrame.groupby", "groupby"),
    Api("pandas", "Series.groupby", "groupby"),
    Api("pandas.api.typing", "DataFrameGroupBy.__getitem__", "group-select"),
)

# Time order, read by both engines (kernel/evidence.py, static/timeorder.py): what makes a
# column a datetime, and what sorts rows by a column (with the keyword giving the direction).
PARSE_DATES = "parse_dates"          # readers: the columns parsed as datetimes (``index_col`` too when listed)
TIME_PARSERS = ("to_datetime",)      # pandas functions whose result is a datetime column
DATETIME_DTYPE = "datetime64"        # ``astype("datetime64[ns]")`` and its spellings start with this
SORTS: dict[str, str | None] = {     # sorting method -> keyword naming the sort key (None: the index)
    "sort_values": "by",
    "sort_index": None,
}
SORT_DIRECTION = "ascending"         # ``ascending=False`` sorts newest first

# the kernel remembers sorts by a named column (the index's order is judged from the data alone)
ENTRIES += tuple(Api("pandas", f"DataFrame.{name}", "sort") for name, key in SORTS.items() if key)
