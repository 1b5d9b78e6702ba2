"""pandas: readers, inspections and groupings.

Hand-made splits (``sample``/``drop``, boolean masks, ``iloc`` slices) need no entries: the
kernel recognises them from the rows of the frames a cell produces.
"""

from __future__ import annotations

import ast

from leakguard.libraries.api import Api

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
    # dtypes and non-null counts: schema, as ``columns``/``dtypes``/``shape`` (it counts rows with its own calls)
    Api("pandas", "DataFrame.info", "schema"),
    Api("pandas", "Series.info", "schema"),
    Api("pandas", "DataFrame.groupby", "groupby"),
    Api("pandas", "Series.groupby", "groupby"),
    Api("pandas.api.typing", "DataFrameGroupBy.__getitem__", "group-select"),
)

# A statistic with ``axis=1`` / ``axis="columns"`` (``df[["a", "b"]].max(axis=1)``) is one value per row from
# that row's own columns: a feature, not a statistic over rows and not a look at them.
ROW_WISE_AXES: tuple[object, ...] = (1, "columns")
AXIS_FIRST = ("mean", "median", "std", "var", "min", "max", "sum", "count", "nunique", "mode", "skew", "kurt", "sem",
              "prod")  # methods whose first positional parameter is the axis (``df.mean(1)``)
# Statistics people compute to choose columns (drop the constant ones), not to make values: consumed inside an
# expression (``[c for c in cols if df[c].nunique() > 1]``, ``df.loc[:, df.nunique() > 1]``) they reach no value.
COLUMN_CHOOSERS = ("nunique",)
# Methods that return their receiver's values, reordered or copied: ``counts = df.nunique().sort_values()`` still
# keeps the column chooser's counts (looked at only where ``counts`` is shown).
SAME_VALUES = ("sort_values", "sort_index", "copy")


def kept_through(value: ast.expr) -> ast.expr:
    """The call a chain of ``SAME_VALUES`` methods starts from (``df.nunique()`` of ``df.nunique().sort_values()``)."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in SAME_VALUES \
            and isinstance(value.func.value, ast.Call):
        value = value.func.value
    return value


# ``df.query("spend < @df.spend.quantile(0.95)")`` / ``df.eval(...)``: pandas evaluates the ``@`` expressions of the
# string in this package, on the caller's names; a statistic called from here is the user's, consumed by the query.
QUERY_EVALUATOR = "pandas.core.computation."
_AT = "__leakguard_at_"


def query_references(expr: str) -> list[ast.expr]:
    """The Python expressions a query string names with ``@`` (``@df.spend.quantile(0.95)``), parsed.

    >>> [ast.unparse(e) for e in query_references("spend < @df.spend.quantile(0.95) and plan == @p")]
    ['df.spend.quantile(0.95)', 'p']
    """
    try:
        tree = ast.parse(expr.replace("@", _AT), mode="eval")
    except SyntaxError:
        return []
    marked: list[ast.expr] = []
    inner: set[int] = set()  # the receivers of a longer marked chain (``df.spend`` in ``df.spend.quantile()``)
    for node in ast.walk(tree):
        if not isinstance(node, ast.expr):
            continue
        base: ast.expr = node
        chain = []
        while isinstance(base, (ast.Attribute, ast.Subscript, ast.Call)):
            chain.append(base)
            base = base.func if isinstance(base, ast.Call) else base.value
        if isinstance(base, ast.Name) and base.id.startswith(_AT):
            marked.append(node)
            inner.update(id(c.func if isinstance(c, ast.Call) else c.value) for c in chain)
    out = [e for e in marked if id(e) not in inner]
    for e in out:
        for n in ast.walk(e):
            if isinstance(n, ast.Name) and n.id.startswith(_AT):
                n.id = n.id[len(_AT):]
    return out
# Group-by methods that return some of the group's rows as they are (not an aggregate over them).
GROUP_ROWS = ("get_group", "head", "tail", "nth", "filter")
# Methods that open a per-row window over the rows (``df[c].rolling(3).mean()``), within each group
# on a group-by (``groupby(k)[c].rolling(3).mean()``): their aggregates are one value per row.
ROW_WINDOWS = ("rolling", "expanding", "ewm")
GROUP_WINDOWS = ROW_WINDOWS

# Constructors: a frame made from plain Python data (a dict, a list of records, a loaded JSON) is a source of
# rows of its own; made from tracked data it carries that data's rows.
CONSTRUCTORS = ("DataFrame", "Series", "DataFrame.from_dict", "DataFrame.from_records")

# Time order, read by both engines (kernel/evidence.py, static/timeorder.py): what makes a
# column a datetime, and what sorts rows by a column (with the keyword giving the direction).
PARSE_DATES = "parse_dates"          # readers: the columns parsed as datetimes (``index_col`` too when listed)
INDEX_COLUMN = "index_col"           # readers: with ``parse_dates=True`` this column becomes a datetime index
SET_INDEX = ("set_index",)           # a datetime column made the index: ``sort_index()`` then sorts by time
TIME_PARSERS = ("to_datetime", "DatetimeIndex")  # pandas functions whose result is datetimes (a column, an index)
DATETIME_DTYPE = "datetime64"        # ``astype("datetime64[ns]")`` and its spellings start with this
SORTS: dict[str, str | None] = {     # sorting method -> keyword naming the sort key (None: the index)
    "sort_values": "by",
    "sort_index": None,
}
SORT_DIRECTION = "ascending"         # ``ascending=False`` sorts newest first
# Grouping rows into time buckets (``df.resample("W").mean()``, ``resample("D", on="date")``): its aggregates
# are new rows, one per bucket, in time order (not a statistic over the rows, not a look at them). The kernel
# sees no call (pandas' resampler is not wrapped): the result is a value of the cell made from the frame.
TIME_BUCKETS: dict[str, str] = {"resample": "on"}  # method -> keyword naming a datetime column (else the index)

# Reshapes that keep the rows and their order: ``df.sort_values("date").reset_index(drop=True)`` is still
# sorted by date (the kernel ties the result to the sorted rows; the static engine keeps ``sorted_by``).
KEEP_ORDER = ("reset_index", "copy")
ENTRIES += tuple(Api("pandas", f"DataFrame.{name}", "keep-order") for name in KEEP_ORDER)

# the kernel remembers sorts by a named column, and by a named datetime index (``sort_index``)
ENTRIES += tuple(Api("pandas", f"DataFrame.{name}", "sort") for name in SORTS)

# Methods whose frame holds its receiver's columns in the same order (rows dropped, values changed in place): a
# column position read after them (``df.dropna().iloc[:, -1]``) names the receiver's column at that position.
KEEP_COLUMN_ORDER = frozenset({"dropna", "fillna", "astype", "copy", "round", "clip", "replace", "abs",
                               "drop_duplicates", "sort_values", "sort_index", "head", "tail", "sample", "to_numpy"})

# Methods that drop repeated rows: what they return holds no copies (``concat([df, df.iloc[:9]]).drop_duplicates()``).
DEDUPLICATES = ("drop_duplicates",)

# Stacking along rows (read by kernel/stacking.py; the static engine reads ``pd.concat`` in
# libraries/pandas/static.py): name -> (keyword, position) of the axis argument; axis 0 stacks rows.
ROW_STACKS: dict[str, tuple[str, int] | None] = {"concat": ("axis", 1)}

# Methods that aggregate over rows: a column reference inside them is not a row-by-row use (kernel/features.py).
AGGREGATIONS = frozenset({
    "mean", "median", "std", "var", "sum", "min", "max", "count", "nunique", "quantile", "mode", "agg",
    "aggregate", "transform", "describe", "value_counts", "sem", "skew", "kurt", "prod", "size", "first", "last",
    "idxmax", "idxmin", "unique", "corr", "cov",
})

# Attributes that describe a frame or series without its values (no look at the rows).
SCHEMA_ATTRIBUTES = frozenset({"columns", "dtypes", "dtype", "shape", "size", "ndim", "empty", "name", "nbytes", "attrs",
                    "flags", "axes", "hasnans", "is_unique", "is_monotonic_increasing", "is_monotonic_decreasing"})

# Attributes that give a view of the same data (``df.loc``, ``s.str``, ``df.groupby``): the data, not a value.
# a table of every column of the frame it is made from, reshaped (an array, an encoding): the label too, when the
# frame had it (``pd.get_dummies(df.drop(columns="id")).values``)
EVERY_COLUMN = frozenset({"values", "to_numpy", "get_dummies"})

# steps whose output columns are named by the data's values (``get_dummies``: ``Embarked_S``; a pivot's columns):
# an engine that cannot see the values does not know the names ``.columns`` will give
NAMES_FROM_VALUES = ("get_dummies", "pivot", "unstack", "crosstab")
ACCESSORS = frozenset({"loc", "iloc", "at", "iat", "str", "dt", "cat", "plot", "sparse", "style", "groupby"})

# Frame methods distinctive enough that an unresolved receiver is taken to be data of unknown origin.
FRAME_ONLY_METHODS = frozenset({"describe", "value_counts", "corr", "cov", "corrwith", "groupby", "hist", "boxplot",
                         "pivot_table", "nunique"})

# Taking back one file's rows from a stack of files (``full = concat([train, test])``), read by both engines with
# ``lineage.inference.stacked_part``: a test of a value's presence (name -> True when it keeps present values),
# ``dropna(subset=[label])`` (the rows where the label is present), rows by count from one end (name -> from
# the start), and a row key naming a ``keys=`` piece (``full.xs("test")``; ``full.loc["train"]`` needs no name).
PRESENCE_TESTS: dict[str, bool] = {"notna": True, "notnull": True, "isna": False, "isnull": False}
DROP_MISSING = ("dropna",)
ROWS_FROM_END: dict[str, bool] = {"head": True, "tail": False}
BY_KEY = ("xs",)
