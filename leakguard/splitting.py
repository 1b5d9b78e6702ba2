"""The policy applied to rows: which rows are future, holdout and training rows.

``leakguard.split`` and safe mode share this module, so a ``describe()`` that safe mode
restricts sees exactly the rows ``leakguard.split`` returns as training rows.

Row assignment, for a frame and a policy:

- future: the time column is after the cutoff (``time > cutoff``); set aside entirely;
- holdout, among the other rows: the mask column, or the listed ids, or a fraction:
  with a time column the most recent rows (a time-ordered split, so no training row is
  newer than a test row), without one a seeded hash of the index label (the same row is
  always on the same side, whatever subset of the frame you split);
- train: the rest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import TYPE_CHECKING, Any

from leakguard.errors import PolicyError
from leakguard.policy import Policy

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    BoolArray = npt.NDArray[np.bool_]


@dataclasses.dataclass(frozen=True)
class RowParts:
    """Boolean masks over a frame's rows (positional), one per part."""

    train: BoolArray
    holdout: BoolArray
    future: BoolArray
    time_ordered: bool


def _seed_word(seed: int) -> int:
    return int.from_bytes(hashlib.blake2b(str(seed).encode(), digest_size=8).digest(), "little")


def row_uniforms(index: pd.Index, seed: int) -> npt.NDArray[np.float64]:
    """A number in [0, 1) per index label, fixed by the label and the seed (splitmix64 mixing)."""
    import numpy as np
    import pandas as pd

    x = pd.util.hash_pandas_object(index, index=False).to_numpy(dtype=np.uint64)
    x = x ^ np.uint64(_seed_word(seed))
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return np.asarray((x >> np.uint64(11)).astype(np.float64) / float(2**53))


def time_values(frame: pd.DataFrame, column: str) -> pd.Series:
    """The time column as datetimes (strings are parsed; unparseable values become NaT)."""
    import pandas as pd

    values = frame[column]
    if isinstance(values, pd.DataFrame):  # duplicated column name
        values = values.iloc[:, 0]
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = pd.to_datetime(values, errors="coerce", utc=False, format="mixed")
    return values


def _instants(values: pd.Series) -> npt.NDArray[np.datetime64]:
    """The times as naive UTC datetime64, which sorts missing times last.

    A column with a time zone converts to an object array of Timestamps, where NaT compares
    neither before nor after anything: the order of a sort, and so the holdout, would be arbitrary.
    """
    import numpy as np

    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_convert(None)
    return np.asarray(values.to_numpy(dtype="datetime64[ns]"))


def cutoff_for(values: pd.Series, policy: Policy) -> pd.Timestamp:
    """The cutoff as a Timestamp comparable with ``values`` (time zones reconciled)."""
    import pandas as pd

    assert policy.cutoff is not None
    cutoff = pd.Timestamp(policy.cutoff)
    tz = getattr(values.dt, "tz", None)
    if tz is not None and cutoff.tzinfo is None:
        cutoff = cutoff.tz_localize(tz)
    elif tz is None and cutoff.tzinfo is not None:
        cutoff = cutoff.tz_convert(None)
    return cutoff


def future_mask(frame: pd.DataFrame, policy: Policy) -> BoolArray:
    """True for rows after the cutoff; all False when the policy has no cutoff."""
    import numpy as np

    if not policy.has_future:
        return np.zeros(len(frame), dtype=bool)
    assert policy.time is not None
    values = time_values(frame, policy.time)
    return np.asarray((values > cutoff_for(values, policy)).to_numpy(dtype=bool, na_value=False))


_HOLDOUT_WORDS = ("test", "holdout", "hold_out", "valid", "val", "eval", "oot")


def looks_like_holdout(name: str) -> bool:
    """``X_test``, ``df_valid``, ``holdout`` → True: the naming rule both engines use to tell the holdout part."""
    return _named_with(name, _HOLDOUT_WORDS)


_TEST_WORDS = ("test", "holdout", "hold_out", "eval", "oot")


def looks_like_test(name: str) -> bool:
    """``X_test``, ``df_holdout`` → True, ``X_val`` → False: in a three-way split, the final test part."""
    return _named_with(name, _TEST_WORDS)


def _named_with(name: str, words: tuple[str, ...]) -> bool:
    """A word of ``name`` (split at ``_``/``-``) is one of ``words``, or the name starts with one."""
    lowered = name.lower()
    parts = lowered.replace("-", "_").split("_")
    return any(w in parts or lowered.startswith(w) for w in words)


# Words naming an entity whose rows belong together (a customer's, a patient's events): a
# column named after one (``patient``, ``PatientID``, ``customer_id``, ``userId``) or any
# ``*_id`` / ``id`` column identifies the entity when its values repeat across rows.
_ENTITY_WORDS = frozenset({"customer", "client", "user", "patient", "subject", "member", "account", "person",
                           "player", "driver", "household", "student", "employee", "device", "participant"})
_ID_WORDS = frozenset({"id", "ids", "uid", "uuid", "no", "nr", "num", "number", "key", "code"})


def looks_like_entity_id(column: str) -> bool:
    """``customer_id``, ``PatientID``, ``userId``, ``patient``, ``id`` → True: the naming rule both engines use
    to find the column of the entity a row belongs to (its values repeating is the other half, measured or seen)."""
    words = [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", column)]
    if not words:
        return False
    if words[-1] in ("id", "ids", "uid", "uuid"):
        return True
    return any(w in _ENTITY_WORDS for w in words) and (len(words) == 1 or words[-1] in _ID_WORDS)


def holdout_mask(frame: pd.DataFrame, column: str) -> BoolArray:
    """The ``holdout_column`` as a row mask (missing = not held out).

    Raises PolicyError unless the column holds booleans or 0/1 flags: read through
    ``astype(bool)``, a column of strings (``'train'``/``'test'``) or of fold numbers
    would make (nearly) every row a holdout row and leave no training row.
    """
    import numpy as np
    import pandas as pd

    col = frame[column]
    if isinstance(col, pd.DataFrame):
        raise PolicyError(f"holdout_column {column!r} names {col.shape[1]} columns of this frame; it must name one")
    present = col.dropna()
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype):
        odd = present.iloc[:0]
    elif pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        odd = present[~present.isin([0, 1])]
    elif pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(present, skipna=True) in ("boolean", "empty"):
        odd = present.iloc[:0]
    else:
        odd = present
    if len(odd):
        raise PolicyError(
            f"holdout_column {column!r} must hold booleans (True marks a holdout row) or 0/1 flags, but it holds "
            f"{dtype} values such as {odd.iloc[0]!r}; make a mask and name that, e.g. "
            f"df['is_test'] = df[{column!r}] == 'test' with holdout_column='is_test'"
        )
    mask = np.zeros(len(col), dtype=bool)
    mask[np.asarray(col.notna().to_numpy(), dtype=bool)] = np.asarray(present.astype(bool).to_numpy(), dtype=bool)
    return mask


def check_holdout_column(data: Any, policy: Policy) -> None:
    """PolicyError when ``data`` (a pandas frame) has the policy's ``holdout_column`` and it is not a mask."""
    column = policy.holdout.column
    if column is None or not type(data).__module__.startswith("pandas") or not hasattr(data, "columns"):
        return
    if column in data.columns:
        holdout_mask(data, column)


def needed_columns(policy: Policy) -> list[str]:
    """Columns a frame must hold for the policy to assign its rows."""
    needed: list[str] = []
    if policy.has_future and policy.time:
        needed.append(policy.time)
    h = policy.holdout
    if h.column:
        needed.append(h.column)
    if h.ids is not None and h.id_column:
        needed.append(h.id_column)
    return needed


def row_parts(frame: pd.DataFrame, policy: Policy) -> RowParts:
    """Assign every row of ``frame`` to train, holdout or future under ``policy``.

    Raises PolicyError, listing the frame's columns, when a column the policy needs is missing.
    """
    import numpy as np

    missing = [c for c in needed_columns(policy) if c not in frame.columns]
    if missing:
        cols = list(frame.columns)
        shown = ", ".join(repr(c)[:60] for c in cols[:40]) + (f" (and {len(cols) - 40} more)" if len(cols) > 40 else "")
        raise PolicyError(
            f"the policy needs column(s) {', '.join(map(repr, missing))} that this frame does not have; "
            f"its columns are: {shown}"
        )
    policy = policy.with_default_holdout() if not policy.holdout.declared else policy
    future = future_mask(frame, policy)
    h = policy.holdout
    n = len(frame)
    holdout = np.zeros(n, dtype=bool)
    time_ordered = False
    if h.column is not None:
        holdout |= holdout_mask(frame, h.column)
    if h.ids is not None and h.id_column is not None:
        holdout |= np.asarray(frame[h.id_column].isin(list(h.ids)).to_numpy())
    if h.fraction is not None:
        if policy.time is not None and policy.time in frame.columns:
            time_ordered = True
            candidates = np.flatnonzero(~future & ~holdout)
            times = _instants(time_values(frame, policy.time))[candidates]
            order = np.argsort(times, kind="stable")
            k = round(len(candidates) * h.fraction)
            if k:
                holdout[candidates[order[len(order) - k:]]] = True
        else:
            holdout |= row_uniforms(frame.index, h.seed) < h.fraction
    holdout &= ~future
    train = ~(future | holdout)
    return RowParts(train=train, holdout=holdout, future=future, time_ordered=time_ordered)


def split(*frames: Any, policy: Policy | None = None) -> tuple[Any, ...]:
    """Split frames by the policy: ``train, test = split(df)`` or ``X_tr, X_te, y_tr, y_te = split(X, y)``.

    pandas frames are cut here; Polars and Spark frames by their library module in
    ``leakguard.kernel.frames.LIBRARIES`` (its ``split(frames, policy)`` returns the parts and
    the row masks, or None for lazy frames).

    Rows after the cutoff go to neither part. Rows are assigned on the first frame; the
    others must have the same length and are cut at the same positions.
    """
    from leakguard import _hooks

    if not frames:
        raise TypeError("leakguard.split needs at least one DataFrame")
    if policy is None:
        policy = _hooks.current_policy()
    first = frames[0]
    from leakguard.kernel.frames import library_of

    library = library_of(first)
    lib_split = getattr(library, "split", None)
    if lib_split is not None:
        # Polars / Spark frames: the library module cuts its own frames (lazily, for lazy ones)
        result, lib_parts = lib_split(frames, policy)
        _hooks.split_done(frames, result, lib_parts, policy)
        return tuple(result)
    if not hasattr(first, "columns") or not hasattr(first, "iloc"):
        raise TypeError(f"leakguard.split needs a pandas DataFrame first, got {type(first).__name__}")
    for other in frames[1:]:
        if len(other) != len(first):
            raise ValueError(
                f"leakguard.split: all inputs must have the same number of rows ({len(first)} vs {len(other)})"
            )
    parts = row_parts(first, policy)
    out: list[Any] = []
    for frame in frames:
        out.append(frame.iloc[parts.train])
        out.append(frame.iloc[parts.holdout])
    result = tuple(out)
    _hooks.split_done(frames, result, parts, policy)
    return result
