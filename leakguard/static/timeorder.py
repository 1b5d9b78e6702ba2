"""Time order in the static engine: which columns are datetimes and which rows are sorted by one.

The semantics (``parse_dates``, ``to_datetime``, ``astype("datetime64")``, ``sort_values``)
come from the catalog (leakguard/libraries/pandas/catalog.py); this module records what they make
known. A parsed column is remembered on the interpreter (``Interp.datetimes``); a sort by
one makes it a ``time`` Guess of the graph, as in the kernel (a declared ``time`` still
wins), and the sorted frame time-ordered (``Data.sorted_by``, ``Data.descending``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from leakguard.libraries.pandas import catalog as pandas_catalog
from leakguard.lineage.inference import Guess
from leakguard.static.values import Const, Data, Unknown, Value, const_strings

if TYPE_CHECKING:
    from leakguard.static.interp import Interp


def parsed(it: Interp, columns: tuple[str, ...], how: str) -> None:
    """``columns`` are datetimes (parsed by ``how``): the time column once rows are sorted by one."""
    for c in columns:
        it.datetimes.setdefault(c, f"{how} in {it.where().short()}")


def datetime_column(value: Value) -> str | None:
    """The column a value of parsed datetimes was made from (``pd.to_datetime(df.pop("date"))``: ``date``), else None."""
    if isinstance(value, Data) and value.datetime and value.columns is not None and len(value.columns) == 1:
        return value.columns[0]
    return None


def read_parsed(it: Interp, kwargs: dict[str, Value], reader: str,
                header: tuple[str, ...] | None = None) -> str | None:
    """``read_csv(..., parse_dates=[c])``: ``c`` is a datetime column; returns the first parsed one.

    ``index_col=c, parse_dates=True`` parses the index: ``c`` is then a datetime index.
    """
    given = kwargs.get(pandas_catalog.PARSE_DATES)
    index = kwargs.get(pandas_catalog.INDEX_COLUMN)
    if isinstance(index, Const) and type(index.value) is int and header is not None and 0 <= index.value < len(header):
        index = Const(header[index.value])  # ``index_col=0, parse_dates=True``: the header names the column
    if isinstance(given, Const) and given.value is True and isinstance(index, Const) and isinstance(index.value, str):
        parsed(it, (index.value,), f"{reader}({pandas_catalog.INDEX_COLUMN}={index.value!r}, "
                                   f"{pandas_catalog.PARSE_DATES}=True)")
        return index.value
    cols = const_strings(given) if given is not None else None
    if cols:
        parsed(it, tuple(cols), f"{reader}({pandas_catalog.PARSE_DATES}={list(cols)!r})")
        return cols[0]
    return None


def read_order(it: Interp, out: Data, kwargs: dict[str, Value], reader: str,
               header: tuple[str, ...] | None = None) -> None:
    """Rows as read are in file order; with a parsed datetime that order is a time order *candidate*.

    It becomes the inferred time order only when the user computes along the rows (``used``):
    a lag or a window over rows in file order says the file is a time series. A declared time
    column leaves the rows' order unknown, as before.
    """
    first = read_parsed(it, kwargs, reader, header)
    if first is not None and not it.policy.time:
        out.sorted_by = first


def used(it: Interp, d: Data | None, how: str) -> None:
    """``shift``/``rolling``/``diff``... along rows ordered by a datetime: the notebook treats them as time-ordered."""
    if d is None or it.policy.time or d.descending or d.sorted_by not in it.datetimes:
        return
    col = d.sorted_by
    assert col is not None
    if col not in it.graph.inferred.values("time"):
        where = it.where()
        it.graph.inferred.add("time", Guess(col, f"rows in the order of {col} ({it.datetimes[col]}), computed "
                                                 f"along by {how}, {where.short()}", where))


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


def sort_index(it: Interp, d: Data, out: Data, kwargs: dict[str, Value]) -> None:
    """``sort_index()`` on a datetime index (``set_index("date")``, ``index_col=..., parse_dates=True``); on a
    (store, date) index the rows are in time order within each store (blocks, as in ``sort_keys``)."""
    if d.time_index is not None and d.entity_index:
        _entity_blocks(it, out, d.time_index, kwargs.get(pandas_catalog.SORT_DIRECTION))
    elif d.time_index is not None:
        out.sorted_by = out.time_index = d.time_index
        sort(it, out, kwargs)


def sort_keys(it: Interp, out: Data, keys: Sequence[str], kwargs: dict[str, Value]) -> None:
    """``sort_values(["store", "date"])``: each store's rows in date order, one store after another.

    The datetime key infers the time column (as the kernel does); the rows are time-ordered within each group
    of the keys before it (a per-store lag or statistic runs along time), not as a whole (a split mixes times).
    A sort whose first key is the datetime (``["date", "store"]``) is a sort by time.
    """
    if keys[0] in it.datetimes:
        sort(it, out, kwargs)
        return
    at = next((i for i, k in enumerate(keys) if i and k in it.datetimes), None)
    if at is None:
        return
    asc = kwargs.get(pandas_catalog.SORT_DIRECTION)
    if isinstance(asc, Const) and isinstance(asc.value, (list, tuple)) and at < len(asc.value):
        asc = Const(asc.value[at])
    _entity_blocks(it, out, keys[at], asc)


def _entity_blocks(it: Interp, out: Data, col: str, asc: Value | None) -> None:
    out.sorted_by = _BLOCKS.format(col)
    out.descending = isinstance(asc, Const) and asc.value is False
    where = it.where()
    way = "descending" if out.descending else "ascending"
    it.graph.inferred.add("time", Guess(col, f"rows sorted by {col} within each entity ({way}; "
                                             f"{it.datetimes[col]}), {where.short()}", where))


_BLOCKS = "<blocks sorted by {}>"


def concatenated(out: Data, parts: list[Data]) -> None:
    """``pd.concat`` of frames each sorted by time: one block after another, not in time order (unless re-sorted)."""
    keys = {p.sorted_by for p in parts}
    out.sorted_by = None
    if len(parts) > 1 and len(keys) == 1:
        key = keys.pop()
        if key is not None and not key.startswith("<"):
            out.sorted_by = _BLOCKS.format(key)


def blocks_of(it: Interp, d: Data) -> str | None:
    """The inferred time column ``d``'s rows are in separately sorted blocks of (a concat of sorted parts)."""
    for col in it.graph.inferred.values("time"):
        if d.sorted_by == _BLOCKS.format(col):
            return col
    return None


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
