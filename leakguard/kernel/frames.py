"""What leakguard asks of a live value: its kind, columns, rows, and row facts proven from its data.

pandas objects are answered here; other DataFrame libraries (Polars, PySpark) answer
through a :class:`FrameLibrary` module named in ``LIBRARIES``, looked up by the top-level
module of the value's type. Nothing here imports a library unless the value already is
one of its objects (so plain-Python cells stay cheap).

``is_frame`` / ``is_series`` / ``is_frame_like`` mean *pandas* objects (the code that
asks them goes on to use pandas API); ``is_row_data``, ``columns_of``, ``row_count``,
``kind_of``, ``proven_removed`` and ``partitions`` answer for every library.
"""

from __future__ import annotations

import importlib
import sys
import weakref
from collections.abc import Sequence
from typing import Any, Protocol, cast

from leakguard.policy import Policy

MAX_COLUMNS = 10_000


class FrameLibrary(Protocol):
    """What a DataFrame library other than pandas answers about its own objects.

    Every function must be cheap and must never start a computation (no Spark job,
    no ``collect`` of a lazy query): leakguard asks them on every cell.
    """

    def is_row_data(self, obj: Any) -> bool:
        """A table of rows or a column of rows (DataFrame, LazyFrame, Series)."""
        ...

    def kind_of(self, obj: Any) -> str | None:
        """``frame`` / ``series`` / ``model`` / ... for the library's objects, None when not one of them."""
        ...

    def columns_of(self, obj: Any) -> tuple[str, ...] | None:
        """Column names, known without computing anything; None when unknown."""
        ...

    def row_count(self, obj: Any) -> int | None:
        """The number of rows when already known (eager frames); None for lazy ones."""
        ...

    def proven_removed(self, obj: Any, policy: Policy) -> frozenset[str]:
        """Row parts the data shows are absent (eager data only; lazy data proves nothing)."""
        ...

    def partitions(self, parent: Any, a: Any, b: Any) -> bool:
        """True when ``a`` and ``b`` are disjoint row sets making all of ``parent``."""
        ...


# top-level module of a value's type -> the module answering for that library
LIBRARIES: dict[str, str] = {
    "polars": "leakguard.libraries.polars.frames",
    "pyspark": "leakguard.libraries.spark.frames",
}


def library_of(obj: Any) -> FrameLibrary | None:
    """The :class:`FrameLibrary` answering for ``obj``'s library, or None (pandas, plain values)."""
    module = type(obj).__module__
    name = LIBRARIES.get(module.partition(".")[0])
    if name is None:
        return None
    try:
        return cast(FrameLibrary, importlib.import_module(name))
    except ImportError:
        return None


def _pd() -> Any | None:
    return sys.modules.get("pandas")


def is_frame(obj: Any) -> bool:
    pd = _pd()
    return pd is not None and isinstance(obj, pd.DataFrame)


def is_series(obj: Any) -> bool:
    pd = _pd()
    return pd is not None and isinstance(obj, pd.Series)


def is_frame_like(obj: Any) -> bool:
    """A pandas DataFrame or Series."""
    pd = _pd()
    return pd is not None and isinstance(obj, (pd.DataFrame, pd.Series))


def is_row_data(obj: Any) -> bool:
    """Rows of data from any library: a pandas DataFrame/Series, a Polars or Spark frame."""
    if is_frame_like(obj):
        return True
    lib = library_of(obj)
    return lib is not None and lib.is_row_data(obj)


def trackable(obj: Any) -> bool:
    """True when ``obj`` can be weakly referenced (so identity can find it again)."""
    return type(obj).__weakrefoffset__ != 0


def same_table(frame: Any, array: Any) -> bool:
    """True when ``array`` holds ``frame``'s values (checked on its first, middle and last rows)."""
    if not is_frame(frame) or len(frame) == 0:
        return False
    try:
        import numpy as np

        rows = sorted({0, len(frame) // 2, len(frame) - 1})
        mine = np.asarray(frame.iloc[rows].to_numpy(), dtype=object)
        theirs = np.asarray(array[rows], dtype=object)
        if mine.shape != theirs.shape:
            return False
        import pandas as pd

        same = [a == b or (bool(pd.isna(a)) and bool(pd.isna(b)))
                for a, b in zip(mine.ravel(), theirs.ravel(), strict=True)]
        return all(bool(x) for x in same)
    except Exception:  # an odd array or dtype: not proved
        return False


def copied_columns(data: Any, array: Any) -> list[str]:
    """The columns of a live frame (or the series) whose values are exactly ``array``'s, in order."""
    try:
        import numpy as np

        if is_series(data):
            cols = {str(data.name): data}
        elif is_frame(data):
            cols = {str(c): data[c] for c in data.columns if not is_frame(data[c])}
        else:
            return []
        n = len(array)
        rows = sorted({0, n // 2, n - 1}) if n else []
        probe = [array[r] for r in rows]
        # a few rows first (cheap), the whole column only for a column that agrees on them
        likely = [c for c, col in cols.items() if len(col) == n and list(col.iloc[rows]) == probe]
        if not likely:
            return []
        theirs = np.asarray(array, dtype=object)
        return [c for c in likely if np.array_equal(np.asarray(cols[c].to_numpy(), dtype=object), theirs)]
    except Exception:  # an odd column or dtype: not proved
        return []


def picked_columns(source: Any, names: tuple[str, ...], array: Any, limit: int = 256) -> tuple[str, ...] | None:
    """The names of the columns of ``source`` (a frame, or a 2-d array whose columns are ``names``) that the 2-d
    ``array``'s columns copy, in the array's order; None unless each array column copies exactly one of them."""
    try:
        import numpy as np

        width = array.shape[1]
        if len(names) > limit or not width:
            return None
        if is_frame(source) and len(source.columns) == len(names):
            columns = [source.iloc[:, k].to_numpy() for k in range(len(names))]
        elif type(source).__module__.startswith("numpy") and getattr(source, "ndim", 0) == 2 \
                and source.shape[1] == len(names):
            columns = [source[:, k] for k in range(len(names))]
        else:
            return None
        n = len(array)
        probe = sorted({0, n // 2, n - 1}) if n else []
        out: list[str] = []
        for j in range(width):
            mine = array[:, j]
            # a few rows first (cheap), the whole column only for a column that agrees on them
            likely = [k for k, col in enumerate(columns) if len(col) == n and all(col[r] == mine[r] for r in probe)]
            same = [names[k] for k in likely
                    if np.array_equal(np.asarray(columns[k], dtype=object), np.asarray(mine, dtype=object))]
            if len(same) != 1:
                return None
            out.append(same[0])
        return tuple(out)
    except Exception:  # an odd array or dtype: not proved
        return None


def kind_of(obj: Any) -> str:
    if is_frame(obj):
        return "frame"
    if is_series(obj):
        return "series"
    lib = library_of(obj)
    if lib is not None:
        kind = lib.kind_of(obj)
        if kind is not None:
            return kind
    module = type(obj).__module__
    if module.startswith("numpy"):
        return "array" if getattr(obj, "ndim", 0) else "scalar"
    if module.startswith("sklearn") or hasattr(obj, "fit"):
        return "model"
    if isinstance(obj, (int, float, complex, bool, str, bytes)):
        return "scalar"
    return "value"


def describe_object(obj: Any) -> str:
    """``<DataFrame 1000×20>``-style label for a value that has no name yet."""
    shape = getattr(obj, "shape", None)
    if isinstance(shape, tuple) and shape:
        return f"<{type(obj).__name__} {'×'.join(str(s) for s in shape)}>"
    return f"<{type(obj).__name__}>"


def columns_of(obj: Any) -> tuple[str, ...] | None:
    """Column names as text (frames), the name of a Series, or None when unknown."""
    if is_frame(obj):
        cols = obj.columns
        if len(cols) > MAX_COLUMNS:
            return None
        return tuple(c if isinstance(c, str) else str(c) for c in cols)
    if is_series(obj):
        name = obj.name
        return None if name is None else (name if isinstance(name, str) else str(name),)
    lib = library_of(obj)
    return None if lib is None else lib.columns_of(obj)


def row_count(obj: Any) -> int | None:
    lib = library_of(obj)
    if lib is not None:
        return lib.row_count(obj)
    shape = getattr(obj, "shape", None)
    if isinstance(shape, tuple) and shape and isinstance(shape[0], int):
        return shape[0]
    return None


MAX_DIGEST_VALUES = 100_000
MAX_DIGEST_OBJECTS = 20_000


def digest(obj: Any) -> str | None:
    """A short digest of a pandas or NumPy vector's values (labels), to tell two apart; None when not one.

    Never raises; values it cannot read give None (the engine then does not know). Cheap: at most
    100,000 numbers or 20,000 objects are hashed.
    """
    if type(obj).__module__.split(".", 1)[0] not in ("numpy", "pandas"):
        return None
    try:
        import hashlib

        import numpy as np

        shape = getattr(obj, "shape", None)
        n = len(obj)
        # past the limit, every k-th row, taken before any conversion (two different samples of rows still differ)
        arr = np.asarray(obj[::n // MAX_DIGEST_OBJECTS + 1] if n > MAX_DIGEST_OBJECTS else obj)
        if arr.dtype.hasobject:
            data = "\x00".join(map(repr, arr.ravel().tolist())).encode()
        else:
            flat = arr.ravel()
            data = np.ascontiguousarray(flat[::flat.size // MAX_DIGEST_VALUES + 1]).tobytes()
        return f"{hashlib.blake2b(data, digest_size=8).hexdigest()}{shape}"
    except Exception:  # a value leakguard cannot read is simply not told apart
        return None


def proven_removed(obj: Any, policy: Policy) -> frozenset[str]:
    """Row parts that the data itself shows are absent: no row past the cutoff, no holdout-marked row."""
    lib = library_of(obj)
    if lib is not None:
        return lib.proven_removed(obj, policy)
    if not is_frame(obj) or len(obj) == 0:
        return frozenset({"future", "holdout"}) if is_frame(obj) else frozenset()
    removed: set[str] = set()
    cols = obj.columns
    try:
        if policy.time is not None and policy.has_future and policy.time in cols and cols.is_unique:
            import pandas as pd

            from leakguard.splitting import cutoff_for, time_values

            if not _future_seen(obj[policy.time], policy):
                values = time_values(obj, policy.time)
                latest = values.max()
                if not pd.isna(latest) and latest <= cutoff_for(values, policy):
                    removed.add("future")
                elif not pd.isna(latest):
                    _remember_future(obj[policy.time], latest)
        h = policy.holdout
        if h.column is not None and h.column in cols and not obj[h.column].fillna(False).astype(bool).any():
            removed.add("holdout")
        if h.ids is not None and h.id_column in cols and not obj[h.id_column].isin(list(h.ids)).any():
            removed.add("holdout")
    except (TypeError, ValueError, KeyError):
        return frozenset(removed)
    return frozenset(removed)


# The latest time of a datetime64 buffer whose rows reach past a cutoff, by the id of the array that owns the
# memory (a weak reference checks it is the same array). Frames made without touching the time column (a
# column assigned, ``df.assign``, a column selection) share that buffer, so the scan of the column, ~3 ms on
# 1M rows, is done once per buffer instead of once per frame a cell binds. Only "rows past the cutoff are
# there" is remembered: a write in place that moved every row before it could make leakguard keep a frame's
# future rows (a warning too many), never drop them.
_FUTURE: dict[tuple[int, int, int, int], tuple[weakref.ref[Any], Any]] = {}


def _buffer_key(column: Any) -> tuple[Any, tuple[int, int, int, int]] | None:
    """The array owning a naive datetime64 column's memory, and where in it the column lies; None otherwise."""
    import numpy as np

    # a time zone's column converts to an object array of Timestamps (a copy, and slow): not remembered
    if getattr(column, "ndim", 0) != 1 or not isinstance(column.dtype, np.dtype) or column.dtype.kind != "M":
        return None
    view = column.to_numpy(copy=False)
    owner = view
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    return owner, (id(owner), view.ctypes.data, view.shape[0], view.strides[0])


def _future_seen(column: Any, policy: Policy) -> bool:
    """True when this very buffer was seen reaching past the policy's cutoff."""
    from leakguard.splitting import cutoff_for

    found = _buffer_key(column)
    entry = _FUTURE.get(found[1]) if found is not None else None
    if found is None or entry is None or entry[0]() is not found[0]:
        return False
    return bool(entry[1] > cutoff_for(column, policy))


def _remember_future(column: Any, latest: Any) -> None:
    found = _buffer_key(column)
    if found is None:
        return
    owner, key = found
    _FUTURE[key] = (weakref.ref(owner, lambda _, key=key: _FUTURE.pop(key, None)), latest)  # type: ignore[misc]


def partitions(parent: Any, a: Any, b: Any) -> bool:
    """True when ``a`` and ``b`` hold disjoint rows of ``parent`` that together make all of it."""
    lib = library_of(parent)
    if lib is not None:
        return lib is library_of(a) and lib is library_of(b) and lib.partitions(parent, a, b)
    if not (is_frame_like(parent) and is_frame_like(a) and is_frame_like(b)):
        return False
    if len(a) == 0 or len(b) == 0 or len(a) + len(b) != len(parent):
        return False
    import pandas as pd

    # Ask on throwaway Index objects: pandas caches a hash table on an index it is asked
    # about, and leakguard must not grow the user's frames (about 20 bytes a row).
    index = pd.Index(parent.index.to_numpy(), copy=False)
    ia = pd.Index(a.index.to_numpy(), copy=False)
    ib = pd.Index(b.index.to_numpy(), copy=False)
    if not (index.is_unique and ia.is_unique and ib.is_unique):
        # a stack with repeated labels (``pd.concat([train, test])``) sliced back by position
        return any(bool(index[:len(head)].equals(head) and index[len(head):].equals(tail))
                   for head, tail in ((ia, ib), (ib, ia)))
    if len(ia.intersection(ib)):
        return False
    return bool(ia.isin(index).all() and ib.isin(index).all())


def time_ordered(objs: Sequence[Any], roles: Sequence[str], t: str | None) -> bool | None:
    """Whether every training row is at or before every holdout row (time column ``t``); None when leakguard cannot tell."""
    if t is None:
        return None
    train = [o for o, r in zip(objs, roles, strict=True) if r == "train"]
    test = [o for o, r in zip(objs, roles, strict=True) if r == "holdout"]
    if not train or not test or not all(is_frame(o) and t in o.columns for o in (*train, *test)):
        return None
    from leakguard.splitting import time_values

    try:
        latest_train = max(time_values(o, t).max() for o in train if len(o))
        earliest_test = min(time_values(o, t).min() for o in test if len(o))
        return bool(latest_train <= earliest_test)
    except (TypeError, ValueError):
        return None
