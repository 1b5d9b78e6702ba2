"""PySpark DataFrames for leakguard: what a frame is, and the policy's row parts as lazy conditions.

The :class:`~leakguard.kernel.frames.FrameLibrary` functions answer from the schema and
the plan only; none of them starts a Spark job (a row count would be a job, so it is
None, and lazy data proves no row part absent). ``train_condition`` and ``split`` put
the policy into the plan as a filter: rows past the cutoff, holdout-marked rows, listed
ids, and a holdout fraction — with a time column the most recent rows, the threshold a
``percentile_approx`` scalar subquery over the rows before the cutoff; without one a
seeded ``xxhash64`` of the id column (else of every column). Spark evaluates all of it
when the user's own action runs.

Only classic (py4j) DataFrames are answered; Spark Connect frames are not wrapped.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from leakguard.errors import PolicyError
from leakguard.policy import Policy

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

_FRAME = "pyspark.sql.classic.dataframe"
_HASH_BITS = 53
MAX_COLUMNS = 10_000


def _is_frame(obj: Any) -> bool:
    return type(obj).__module__ == _FRAME and type(obj).__name__ == "DataFrame"


def is_row_data(obj: Any) -> bool:
    """A classic Spark DataFrame (the plan of a table of rows)."""
    return _is_frame(obj)


def kind_of(obj: Any) -> str | None:
    """``frame`` for DataFrames, ``groupby`` for GroupedData, ``model`` for Spark ML stages."""
    if _is_frame(obj):
        return "frame"
    module = type(obj).__module__
    if module == "pyspark.sql.group":
        return "groupby"
    if module.startswith("pyspark.ml") and (hasattr(obj, "fit") or hasattr(obj, "transform")):
        return "model"
    if module.startswith("pyspark.sql") and type(obj).__name__ == "Row":
        return "row"
    return None


def columns_of(obj: Any) -> tuple[str, ...] | None:
    """The frame's column names, from its analysed schema (driver-side, no job)."""
    if not _is_frame(obj):
        return None
    try:
        cols = obj.columns
    except Exception:  # a plan Spark cannot analyse: columns unknown
        return None
    return None if len(cols) > MAX_COLUMNS else tuple(str(c) for c in cols)


def row_count(obj: Any) -> int | None:
    """Never known: counting would start a job."""
    return None


def proven_removed(obj: Any, policy: Policy) -> frozenset[str]:
    """Nothing: lazy data proves no row part absent without running."""
    return frozenset()


def partitions(parent: Any, a: Any, b: Any) -> bool:
    """Never proven (it would take a job); filter pairs and randomSplit are recognised by their calls."""
    return False


# -- the policy as conditions ----------------------------------------------------------------------------


def quoted(name: str) -> str:
    """``name`` as a Spark column reference that means exactly that column (backticks doubled)."""
    return "`" + name.replace("`", "``") + "`"


def col(name: str) -> Column:
    from pyspark.sql import functions as F

    return F.col(quoted(name))


@dataclasses.dataclass(frozen=True)
class Conditions:
    """The policy's row parts of one frame, as Spark conditions (columns of booleans, never null)."""

    train: Column
    holdout: Column
    future: Column
    text: str  # for notes: ``event_ts <= 2024-06-01 and not the most recent 20% before it``


def _time_value(frame: DataFrame, name: str) -> Column:
    """The time column as a timestamp (strings are cast; what cannot be read becomes null)."""
    kind = _types(frame).get(name, "")
    value = col(name)
    if kind in ("string", "varchar", "char") or kind.startswith(("varchar", "char")):
        return value.try_cast("timestamp")
    return value


def _types(frame: DataFrame) -> dict[str, str]:
    return {str(n): str(t) for n, t in frame.dtypes}


def cutoff_column(policy: Policy) -> Column:
    """The cutoff as a Spark timestamp literal, read in the session's time zone (as SQL would)."""
    from pyspark.sql import functions as F

    cutoff = policy.cutoff_datetime
    assert cutoff is not None
    from leakguard.lineage.conditions import naive

    text = naive(cutoff).isoformat(sep=" ")
    return F.lit(text).cast("timestamp")


def conditions(frame: DataFrame, policy: Policy) -> Conditions:
    """The train / holdout / future conditions of ``frame`` under ``policy``; PolicyError when columns are missing."""
    from pyspark.sql import functions as F

    from leakguard.splitting import needed_columns

    policy = policy.with_default_holdout() if not policy.holdout.declared else policy
    cols = list(frame.columns)
    missing = [c for c in needed_columns(policy) if c not in cols]
    if missing:
        shown = ", ".join(repr(c)[:60] for c in cols[:40]) + (f" (and {len(cols) - 40} more)" if len(cols) > 40 else "")
        raise PolicyError(f"the policy needs column(s) {', '.join(map(repr, missing))} that this frame does not "
                          f"have; its columns are: {shown}")
    false = F.lit(False)
    words: list[str] = []
    future: Column = false
    time_value: Column | None = None
    if policy.time is not None and policy.time in cols:
        time_value = _time_value(frame, policy.time)
    if policy.has_future and time_value is not None:
        future = F.coalesce(time_value > cutoff_column(policy), false)
        words.append(f"{policy.time} <= {policy.cutoff}")
    h = policy.holdout
    marked: Column = false
    if h.column is not None:
        marked = marked | F.coalesce(col(h.column).cast("boolean"), false)
        words.append(f"not {h.column}")
    if h.ids is not None and h.id_column is not None:
        marked = marked | F.coalesce(col(h.id_column).isin(list(h.ids)), false)
        words.append(f"{h.id_column} not among the {len(h.ids)} holdout ids")
    holdout = marked
    if h.fraction is not None:
        if time_value is not None:
            # the most recent rows before the cutoff: the threshold is computed inside the plan
            earlier = frame.filter(~future & ~marked)
            threshold = earlier.select(F.percentile_approx(time_value, 1.0 - h.fraction).alias("t")).scalar()
            holdout = holdout | F.coalesce(time_value > threshold, false)
            words.append(f"not the most recent {h.fraction:.0%} of rows (approximate percentile)")
        else:
            keys = [col(h.id_column)] if h.id_column is not None and h.id_column in cols else [col(c) for c in cols]
            scale = float(2 ** _HASH_BITS)
            uniform = F.xxhash64(F.lit(h.seed), *keys).bitwiseAND(F.lit((1 << _HASH_BITS) - 1)) / F.lit(scale)
            holdout = holdout | F.coalesce(uniform < F.lit(h.fraction), false)
            words.append(f"not the {h.fraction:.0%} holdout drawn by a seeded hash (seed {h.seed})")
    holdout = holdout & ~future
    train = ~future & ~holdout
    return Conditions(train, holdout, future, " and ".join(words) or "all rows")


def split(frames: tuple[Any, ...], policy: Policy) -> tuple[list[Any], None]:
    """``leakguard.split`` for Spark frames: ``[train, holdout, ...]`` per frame, as lazy filters; no masks."""
    parts: list[Any] = []
    for frame in frames:
        if not _is_frame(frame):
            raise TypeError(f"leakguard.split: expected a Spark DataFrame, got {type(frame).__name__}")
        found = conditions(frame, policy)
        parts += [frame.filter(found.train), frame.filter(found.holdout)]
    return parts, None
