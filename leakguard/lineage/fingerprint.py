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

from collections.abc import Sequence
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


def row_hashes(obj: Any, rows: Any = None) -> Hashes:
    """One 64-bit content hash per row of a DataFrame, Series or array (vectorised, column by column).

    ``rows`` (positions) hashes only those rows, in that order: a split of a 100k-row sample
    of a 1M-row source hashes 100k rows, not the source.
    """
    import numpy as np

    if _is_sparse(obj):
        return _sparse_row_hashes(obj, rows)
    n, columns = _columns(obj)
    if rows is not None:
        rows = np.asarray(rows, dtype=np.intp)
        n = len(rows)
    h = np.zeros(n, dtype=np.uint64)
    mul, mix, shift = np.uint64(_MUL), np.uint64(_MIX), np.uint64(29)
    with np.errstate(over="ignore"):
        for column in columns:
            col = column if rows is None else column.take(rows)  # one column's rows at a time: no copy of the frame
            w = _column_words(col) * mul
            w ^= w >> shift
            h *= mix
            h ^= w
    return h


def _columns(obj: Any) -> tuple[int, list[Any]]:
    """``(rows, columns)`` of a DataFrame, Series or array, each column a Series or a 1-d array (no copy)."""
    import numpy as np
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        return len(obj), [obj.iloc[:, j] for j in range(obj.shape[1])]
    if isinstance(obj, pd.Series):
        return len(obj), [obj]
    arr = np.asarray(obj)
    arr = arr.reshape(len(arr), -1) if arr.ndim != 2 else arr
    return len(arr), [arr[:, j] for j in range(arr.shape[1])]


CHANCE_SLACK = 20  # correlated columns (one-hot groups) make equal rows this many times likelier than independence
CHANCE_SAMPLE = 100_000  # rows whose values estimate each column's chance of equal values


def repeat_by_chance(parts: Sequence[tuple[Any, Any]], hashes: Hashes) -> bool:
    """Whether the equal rows among ``parts`` are what their values make likely by chance, not copies.

    ``parts`` are ``(obj, rows)`` pairs with the same columns (``rows``: positions, or None for all),
    ``hashes`` their row hashes, in order. A few low-cardinality columns (class, sex, port) make
    identical rows in any table: that is not a copy. The pairs of equal rows expected if each
    column's values were drawn independently (the row pairs times the product of each column's
    share of equal-value pairs, counted among the pairs that are not equal rows, so a copied
    record's id or timestamp explains nothing) is compared with the pairs observed: copies of
    records with an id, a timestamp or a measurement make far more equal rows than their columns
    explain (none expected), natural repeats about as many (``CHANCE_SLACK`` allows for correlated
    columns). Shares are counted on at most ``CHANCE_SAMPLE`` spread rows, column by column while
    the expectation can still reach the observed pairs (a column of distinct values ends it).
    """
    import numpy as np
    import pandas as pd

    def pairs(values: Any) -> float:
        k = pd.Series(values).value_counts().to_numpy(dtype=np.float64)
        return float((k * (k - 1)).sum() / 2)

    n = len(hashes)
    if n < 2:
        return False
    step = max(1, -(-n // CHANCE_SAMPLE))
    taken, sampled, start = [], [], 0
    for obj, rows in parts:
        size, columns = _columns(obj)
        at = np.arange(size, dtype=np.intp) if rows is None else np.asarray(rows, dtype=np.intp)
        taken.append((columns, at[::step]))
        sampled.append(hashes[start:start + len(at)][::step])
        start += len(at)
    m = sum(len(at) for _, at in taken)
    if start != n or m < 2 or len({len(cols) for cols, _ in taken}) != 1:
        return False
    equal = pairs(np.concatenate(sampled))  # pairs of equal rows among the counted ones
    others = m * (m - 1) / 2 - equal
    if equal == 0 or others <= 0:
        return equal > 0  # no equal rows among the counted ones; or every pair is equal: one value throughout
    log_expected = float(np.log(equal + others))
    log_needed = float(np.log(equal / CHANCE_SLACK))
    for j in range(len(taken[0][0])):
        share = (pairs(np.concatenate([_column_words(cols[j].take(at)) for cols, at in taken])) - equal) / others
        if share <= 0:
            return False  # the column's values repeat only on the equal rows: an id, a time, a measurement
        log_expected += float(np.log(share))
        if log_expected < log_needed:
            return False
    return True


def _is_sparse(obj: Any) -> bool:
    """A scipy sparse matrix or array (a vectorizer's output): ``len()`` of one raises, rows are ``shape[0]``."""
    return hasattr(obj, "tocsr") and hasattr(obj, "nnz")


def n_rows(obj: Any) -> int:
    """The number of rows of a frame, a series, an array or a scipy sparse matrix."""
    return int(obj.shape[0]) if _is_sparse(obj) else len(obj)


def _sparse_row_hashes(obj: Any, rows: Any = None) -> Hashes:
    """One hash per row of a sparse matrix from its (column, value) pairs (equal rows → equal hashes)."""
    import numpy as np

    m = obj.tocsr()
    if rows is not None:
        m = m[np.asarray(rows, dtype=np.intp)]
    if not m.has_canonical_format:
        m = m.copy()  # summing duplicate entries in place would touch the user's matrix
        m.sum_duplicates()
    n = m.shape[0]
    mul, mix, shift = np.uint64(_MUL), np.uint64(_MIX), np.uint64(29)
    with np.errstate(over="ignore"):
        w = _column_words(m.data) * mul
        w ^= m.indices.astype(np.uint64) * mix
        w ^= w >> shift
        w *= mul
        h = np.zeros(n, dtype=np.uint64)
        np.add.at(h, np.repeat(np.arange(n), np.diff(m.indptr)), w)  # order-free sum of the row's entries
    return h


def shared_by_content(train: Any, test: Any, *, by_chance: bool = True) -> int:
    """How many rows of ``test`` are copies of rows of ``train`` (same content, a value that is not common).

    Rows equal as often as their values make likely (``repeat_by_chance``) are not counted unless
    ``by_chance`` is False (a step made the rows more numerous than what it read: a stack, a repeat).
    Sparse rows (a vectorizer's counts) prove nothing: different texts with the same bag of words make equal
    rows, so none is counted (copied records are found on the texts themselves).
    """
    if _is_sparse(train) or _is_sparse(test) or n_rows(train) == 0 or n_rows(test) == 0:
        return 0
    import numpy as np

    train_h, test_h = row_hashes(train), row_hashes(test)
    shared = shared_hashes(train_h, test_h)
    if shared and by_chance and repeat_by_chance([(train, None), (test, None)], np.concatenate([train_h, test_h])):
        return 0  # a few low-cardinality columns: equal rows are a coincidence of values, not copies
    return shared


def shared_hashes(train_h: Hashes, test_h: Hashes) -> int:
    """How many of ``test_h`` occur in ``train_h`` at most ``COPY_MULTIPLICITY`` times (row hashes of two parts)."""
    import numpy as np
    import pandas as pd

    if len(train_h) == 0 or len(test_h) == 0:
        return 0
    counts = pd.Series(train_h).value_counts()
    copied = counts[counts <= COPY_MULTIPLICITY].index
    return int(np.count_nonzero(pd.Series(test_h).isin(copied).to_numpy()))


def shared_by_index(train: Any, test: Any) -> int:
    """How many rows of ``test`` carry an index label of ``train`` (both must keep their source's labels)."""
    return int(test.index.isin(train.index).sum())


def scratch_index(index: Any) -> Any:
    """A throwaway Index over the same labels: questions asked of it cache no hash table on the user's index."""
    import pandas as pd

    if isinstance(index, pd.RangeIndex):
        return index  # answers uniqueness and lookups arithmetically, without a hash table
    return pd.Index(index.to_numpy(), copy=False)


def positions_in(index: Any, labels: Any) -> Any:
    """Positions of ``labels`` in ``index`` (-1 when absent), asked on a throwaway index."""
    import numpy as np
    import pandas as pd

    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 and labels.dtype.kind == "i":
        pos = np.asarray(labels, dtype=np.int64)  # labels are positions: no lookup
        if len(pos) and (pos.min() < 0 or pos.max() >= len(index)):
            pos = np.where((pos >= 0) & (pos < len(index)), pos, -1)
        return pos
    if isinstance(index, pd.RangeIndex) or len(labels) > 1024 or not len(index):
        return scratch_index(index).get_indexer(labels)
    # few labels (a sample): look the index up in a small table of them rather than hash the whole index
    small = pd.Index(np.asarray(labels), copy=False)
    if not small.is_unique:
        return scratch_index(index).get_indexer(labels)
    hits = small.get_indexer(index.to_numpy())
    found = np.flatnonzero(hits >= 0)
    pos = np.full(len(small), -1, dtype=np.intp)
    pos[hits[found]] = found  # a repeated index label: the last position (identity_holds checks uniqueness)
    return pos


def unique_labels(index: Any) -> bool:
    """Whether ``index`` has unique labels, without caching a hash table on it.

    Integer labels in a compact range (rows of a RangeIndex frame, say) are checked with a
    mark array (no hashing); other indexes are asked on a throwaway copy.
    """
    import numpy as np
    import pandas as pd

    if isinstance(index, pd.RangeIndex) or len(index) < 2:
        return True
    if index.dtype.kind == "i":
        pos = index.to_numpy()
        lo, hi = int(pos.min()), int(pos.max())
        if hi - lo < 4 * len(pos) + 1024:
            mark = np.zeros(hi - lo + 1, dtype=bool)
            mark[pos - lo] = True
            return int(np.count_nonzero(mark)) == len(pos)
    return bool(scratch_index(index).is_unique)


def identity_holds(obj: Any, source: Any, sample: int = 32, *, source_unique: bool | None = None,
                   obj_unique: bool | None = None) -> bool:
    """True when ``obj``'s index labels still name rows of ``source`` (a sample of shared columns agrees).

    False after ``reset_index`` or ``concat(ignore_index=True)``: the labels then are
    positions that name other rows. Index questions go to throwaway indexes and rows are
    taken by position, so no hash table is cached on the user's indexes. A caller that
    already knows whether the labels of ``source`` or ``obj`` are unique passes
    ``source_unique`` / ``obj_unique``.
    """
    import pandas as pd

    if not (isinstance(obj, (pd.DataFrame, pd.Series)) and isinstance(source, pd.DataFrame)):
        return False
    if obj.index.dtype != source.index.dtype:
        return False
    if obj_unique is None:
        obj_unique = unique_labels(obj.index)
    if source is obj or not obj_unique:
        return obj_unique  # a value's labels name its own rows when they are unique
    if source_unique is None:
        source_unique = unique_labels(source.index)
    if not source_unique:
        return False
    if len(obj) == 0:
        return True
    step = max(1, len(obj) // sample)
    mine_pos = list(range(0, len(obj), step))[:sample]
    labels = obj.index[mine_pos]
    theirs_pos = positions_in(source.index, labels)
    if (theirs_pos < 0).any():
        return False
    return _sample_agrees(obj, mine_pos, source, theirs_pos)


def _sample_agrees(obj: Any, mine_pos: list[int], source: Any, theirs_pos: Any) -> bool:
    """Whether the sampled rows of ``obj`` hold the values of ``source``'s rows on their shared columns.

    Columns are taken by position (asking a string column index by name costs more than
    the comparison); numeric rows of one dtype are compared as one array, others by row
    hashes of up to 8 shared columns.
    """
    import pandas as pd

    if isinstance(obj, pd.DataFrame) and obj.columns.equals(source.columns):  # a split part and its parent
        return _same_values(obj.iloc[mine_pos], source.iloc[theirs_pos])
    mine = obj.iloc[mine_pos].to_frame() if isinstance(obj, pd.Series) else obj.iloc[mine_pos]
    names = list(mine.columns)
    theirs_at = {c: j for j, c in enumerate(source.columns)}
    if len(theirs_at) != source.shape[1] or len(set(names)) != len(names):  # repeated column names
        cols = [c for c in names if c in source.columns][:8]
        return not cols or bool((row_hashes(mine[cols]) == row_hashes(source.iloc[theirs_pos][cols])).all())
    kept = [i for i, c in enumerate(names) if c in theirs_at]
    if not kept:
        return True  # no shared column to compare: the labels are all there is
    if len(kept) != len(names):
        mine = mine.iloc[:, kept]
    at = [theirs_at[names[i]] for i in kept]
    theirs = source.iloc[theirs_pos]
    if at != list(range(source.shape[1])):
        theirs = theirs.iloc[:, at]
    return _same_values(mine, theirs)


def _same_values(mine: Any, theirs: Any) -> bool:
    """Whether two small frames with the same columns hold the same values (NaN equals NaN)."""
    import numpy as np

    # numeric rows of one dtype (the usual features): one array comparison, no per-column work
    a, b = mine.to_numpy(), theirs.to_numpy()
    if a.dtype == b.dtype and a.dtype.kind in "iub":
        return bool(np.array_equal(a, b))
    if a.dtype == b.dtype and a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool((row_hashes(mine.iloc[:, :8]) == row_hashes(theirs.iloc[:, :8])).all())
