"""Time order in the static engine: which columns are datetimes and which rows are sorted by one.

The semantics (``parse_dates``, ``to_datetime``, ``astype("datetime64")``, ``sort_values``)
come from the catalog (leakguard/catalog/pandas.py); this module records what they make
known. A parsed column is remembered on the interpreter (``Interp.datetimes``); a sort by
one makes it a ``time`` Guess of the graph, as in the kernel (a declared ``time`` still
wins), and the sorted frame time-ordered (``Data.sorted_by``, ``Data.descending``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from leakguard.catalog import pandas as pandas_catalog
from leakguard.lineage.inference import Guess
from leakguard.static.values import Const, Data, Unknown, Value, const_strings

if TYPE_CHECKING:
    from leakguard.static.interp import Interp


def parsed(it: Interp, columns: tuple[str, ...], how: str) -> None:
    """``columns`` are datetimes (parsed by ``how``): the time column once rows are sorted by one."""
    for c in columns:
        it.datetimes.setdefault(c, f"{how} in {it.where().short()}")


def read_parsed(it: Interp, kwargs: dict[str, Value], reader: str) -> None:
    """``read_csv(..., parse_dates=[c])``: ``c`` is a datetime column."""
    given = kwargs.get(pandas_catalog.PARSE_DATES)
    cols = const_strings(given) if given is not None else None
    if cols:
        parsed(it, tuple(cols), f"{reader}({pandas_catalog.PARSE_DATES}={list(cols)!r})")


def is_dtype_datetime(dtype: Value | None) -> bool:
    """``astype("datetime64[ns]")``-style dtypes."""
    return isinstance(dtype, Const) and isinstance(dtype.value, str) \
        and dtype.value.startswith(pandas_catalog.DATETIME_DTYPE)


def sort(it: Interp, out: Data, kwargs: dict[str, Value]) -> None:
    """Direction of a sort (``ascending=False`` puts the newest rows first); a sort by a datetime infers the time column.

    As in the kernel, the guess is a datetime column rows are sorted by (either direction).
    """
    asc = kwargs.get(pandas_catalog.SORT_DIRECTION)
    out.descending = isinstance(asc, Const) and asc.value is False
    col = out.sorted_by
    if col is not None and col in it.datetimes:
        where = it.where()
        way = "descending" if out.descending else "ascending"
        it.graph.inferred.add("time", Guess(col, f"rows sorted by {col} ({way}; {it.datetimes[col]}), "
                                                 f"{where.short()}", where))


def _data(v: Value | None) -> Data | None:
    if isinstance(v, Data):
        return v
    if isinstance(v, Unknown):
        return v.data
    return None


def time_of(it: Interp, v: Value | None) -> str | None:
    """The time column ``v``'s rows are ordered by: the declared one, or an inferred datetime it is sorted by."""
    if it.policy.time:
        return it.policy.time
    d = _data(v)
    if d is None or d.sorted_by is None:
        return None
    return d.sorted_by if d.sorted_by in it.graph.inferred.values("time") else None
