"""Row identity: which rows of one value are rows of another.

Index identity first: rows that kept their index labels from a common source are the same
rows when their labels match (cheap, exact). Content fingerprints only when identity is
ambiguous (numpy arrays, an index reset or rebuilt by ``concat``, resampled rows, copies
in the raw data): a vectorised 64-bit hash per row, compared between two values. Nothing
is kept: the hashes live for one comparison.

>>> import pandas as pd
>>> a = pd.DataFrame({"x": [1.0, 2.0, 3.0], "k": ["a", "b", "c"]})
>>> b = pd.DataFrame({"x": [3.0, 9.0], "k": ["c", "z"]})
>>> shared_by_content(a, b)
1
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Hashes = npt.NDArray[np.uint64]

_MUL = 0x9E3779B97F4A7C15
_MIX = 0xBF58476D1CE4E5B9
COPY_MULTIPLICITY = 3  # a value repeated more often than this is a common value, not a copied row


def _column_words(values: Any) -> Any:
    """A uint64 word per value of one column (equal values → equal words; NaN-stable)."""
    import numpy as np
    import pandas as pd

    arr = values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values)
    kind = arr.dtype.kind
    if kind == "f":
        arr = arr.astype(np.float64, copy=False) + 0.0  # -0.0 → 0.0
        words = arr.view(np.uint64).copy()
        words[np.isnan(arr)] = np.uint64(0x7FF8000000000001)
        return words
    if kind in "iub":
        return arr.astype(np.int64, copy=False).view(np.uint64)
    if kind in "mM":
        return arr.view(np.int64).view(np.uint64)
    return pd.util.hash_array(np.asarray(arr, dtype=object))


def row_hashes(obj: Any) -> Hashes:
    """One 64-bit content hash per row of a DataFrame, Series or array (vectorised, column by column)."""
    import numpy as np
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        columns: list[Any] = [obj.iloc[:, j] for j in range(obj.shape[1])]
        n = len(obj)
    elif isinstance(obj, pd.Series):
        columns, n = [obj], len(obj)
    else:
        arr = np.asarray(obj)
        arr = arr.reshape(len(arr), -1) if arr.ndim != 2 else arr
        columns, n = [arr[:, j] for j in range(arr.shape[1])], len(arr)
    h = np.zeros(n, dtype=np.uint64)
    mul, mix, shift = np.uint64(_MUL), np.uint64(_MIX), np.uint64(29)
    with np.errstate(over="ignore"):
        for col in columns:
            w = _column_words(col) * mul
            w ^= w >> shift
            h *= mix
            h ^= w
    return h


def shared_by_content(train: Any, test: Any) -> int:
    """How many rows of ``test`` are copies of rows of ``train`` (same content, a value that is not common)."""
    import numpy as np
    import pandas as pd

    if len(train) == 0 or len(test) == 0:
        return 0
    train_h = pd.Series(row_hashes(train))
    counts = train_h.value_counts()
    copied = counts[counts <= COPY_MULTIPLICITY].index
    return int(np.count_nonzero(pd.Series(row_hashes(test)).isin(copied).to_numpy()))


def shared_by_index(train: Any, test: Any) -> int:
    """How many rows of ``test`` carry an index label of ``train`` (both must keep their source's labels)."""
    return int(test.index.isin(train.index).sum())


def identity_holds(obj: Any, source: Any, sample: int = 32) -> bool:
    """True when ``obj``'s index labels still name rows of ``source`` (a sample of shared columns agrees).

    False after ``reset_index`` or ``concat(ignore_index=True)``: the labels then are
    positions that name other rows.
    """
    import pandas as pd

    if not (isinstance(obj, (pd.DataFrame, pd.Series)) and isinstance(source, pd.DataFrame)):
        return False
    if not (obj.index.is_unique and source.index.is_unique) or obj.index.dtype != source.index.dtype:
        return False
    if len(obj) == 0:
        return True
    step = max(1, len(obj) // sample)
    labels = obj.index[::step][:sample]
    if (source.index.get_indexer(labels) < 0).any():  # the index's own lookup table, built once and cached
        return False
    cols: list[Any]
    if isinstance(obj, pd.Series):
        cols = [obj.name] if obj.name in source.columns else []
        mine = obj.loc[labels].to_frame() if cols else None
    else:
        cols = [c for c in obj.columns if c in source.columns][:8]
        mine = obj.loc[labels, cols] if cols else None
    if mine is None or not cols:
        return True  # no shared column to compare: the labels are all there is
    theirs = source.loc[labels, cols]
    return bool((row_hashes(mine) == row_hashes(theirs)).all())
