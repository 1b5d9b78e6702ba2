"""Polars answers leakguard's questions about its own values (a ``FrameLibrary``, see ``frames.py``).

Eager ``DataFrame`` / ``Series`` values are data: their height is known and their rows can
prove facts (no row past the cutoff). A ``LazyFrame`` is a plan: leakguard reads its
schema (``collect_schema``) but never collects it, so it proves nothing and has no row count.

The policy's row parts are written once as Polars expressions (``part_exprs``): eager
frames evaluate them to the masks ``leakguard.split`` and safe mode use, lazy frames get
them added to the plan as filters. They assign rows exactly as pandas'
``leakguard.splitting.row_parts`` does (future past the cutoff; holdout by mask column,
ids, or the most recent fraction of the rest), except a fraction holdout without a time
column: Polars frames have no index, so the seeded hash is of the holdout id column when
the policy names one, else of the row's values.

Nothing here imports Polars unless the value asked about already is a Polars object.
"""

from __future__ import annotations

import datetime as dt
import sys
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from leakguard.errors import PolicyError
from leakguard.libraries.polars.plan import Condition, complementary
from leakguard.policy import Policy

if TYPE_CHECKING:
    from leakguard.splitting import RowParts

MAX_COLUMNS = 10_000
MAX_HASHED_ROWS = 20_000_000  # partitions proved from row hashes up to this many rows
_MAX_INSTANT = 2**63 - 1  # a missing time ranks after every real one


def _pl() -> Any | None:
    return sys.modules.get("polars")


def is_eager(obj: Any) -> bool:
    pl = _pl()
    return pl is not None and isinstance(obj, pl.DataFrame)


def is_lazy(obj: Any) -> bool:
    pl = _pl()
    return pl is not None and isinstance(obj, pl.LazyFrame)


def is_series(obj: Any) -> bool:
    pl = _pl()
    return pl is not None and isinstance(obj, pl.Series)


def is_row_data(obj: Any) -> bool:
    """A Polars DataFrame, LazyFrame or Series."""
    pl = _pl()
    return pl is not None and isinstance(obj, (pl.DataFrame, pl.LazyFrame, pl.Series))


def kind_of(obj: Any) -> str | None:
    if is_eager(obj) or is_lazy(obj):
        return "frame"
    if is_series(obj):
        return "series"
    return None


# -- schema ------------------------------------------------------------------------------------

class _Memo:
    """Answers per live object (by identity, weakly): a LazyFrame's schema is resolved once."""

    def __init__(self) -> None:
        self._items: dict[int, tuple[weakref.ref[Any], Any]] = {}

    def get(self, obj: Any) -> Any:
        entry = self._items.get(id(obj))
        return entry[1] if entry is not None and entry[0]() is obj else None

    def put(self, obj: Any, value: Any) -> None:
        key, items = id(obj), self._items

        def forget(ref: weakref.ref[Any], key: int = key) -> None:
            if items.get(key, (None,))[0] is ref:
                del items[key]

        try:
            items[key] = (weakref.ref(obj, forget), value)
        except TypeError:
            pass


_schemas = _Memo()


def schema_of(obj: Any) -> dict[str, Any] | None:
    """``{column: dtype}`` without computing rows (a LazyFrame's plan is resolved, not run); None when unknown."""
    if is_eager(obj):
        return dict(obj.schema)
    if is_series(obj):
        return {obj.name: obj.dtype}
    if not is_lazy(obj):
        return None
    found = _schemas.get(obj)
    if found is None:
        try:
            found = dict(obj.collect_schema())
        except Exception:  # an invalid plan: the user's collect will say so, not leakguard
            return None
        _schemas.put(obj, found)
    return dict(found)


def columns_of(obj: Any) -> tuple[str, ...] | None:
    """Column names (a Series: its name), or None when unknown."""
    if is_eager(obj):
        cols = obj.columns
        return None if len(cols) > MAX_COLUMNS else tuple(cols)
    if is_series(obj):
        return (obj.name,)
    schema = schema_of(obj)
    return None if schema is None or len(schema) > MAX_COLUMNS else tuple(schema)


def row_count(obj: Any) -> int | None:
    """The height of an eager frame or Series; None for a LazyFrame (it is never collected)."""
    if is_eager(obj):
        return int(obj.height)
    if is_series(obj):
        return int(obj.len())
    return None


# -- the policy as expressions ------------------------------------------------------------------

def _naive_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)


def time_expr(policy: Policy, schema: dict[str, Any]) -> Any:
    """The policy's time column as datetimes (strings parsed; unparseable values null), or None."""
    import polars as pl

    name = policy.time
    if name is None or name not in schema:
        return None
    dtype = schema[name]
    col = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        return col
    if dtype == pl.Date:
        return col.cast(pl.Datetime("us"))
    if dtype == pl.String:
        return col.str.to_datetime(strict=False)
    return None


def cutoff_lit(policy: Policy, schema: dict[str, Any]) -> Any:
    """The cutoff as a literal comparable with ``time_expr`` (time zones reconciled as pandas does)."""
    import polars as pl

    cutoff = policy.cutoff_datetime
    assert cutoff is not None and policy.time is not None
    dtype = schema.get(policy.time)
    tz = dtype.time_zone if isinstance(dtype, pl.Datetime) else None
    if tz is None:
        return pl.lit(_naive_utc(cutoff))
    if cutoff.tzinfo is None:  # a naive cutoff is wall time where the data lives
        return pl.lit(cutoff).dt.replace_time_zone(tz)
    return pl.lit(_naive_utc(cutoff)).dt.replace_time_zone("UTC").dt.convert_time_zone(tz)


def needed_columns(policy: Policy) -> list[str]:
    from leakguard.splitting import needed_columns as needed

    return needed(policy)


def _check_columns(policy: Policy, schema: dict[str, Any]) -> None:
    missing = [c for c in needed_columns(policy) if c not in schema]
    if missing:
        cols = list(schema)
        shown = ", ".join(repr(c)[:60] for c in cols[:40]) + (f" (and {len(cols) - 40} more)" if len(cols) > 40 else "")
        raise PolicyError(
            f"the policy needs column(s) {', '.join(map(repr, missing))} that this frame does not have; "
            f"its columns are: {shown}"
        )


def _truthy(name: str, dtype: Any) -> Any:
    """A holdout mask column as booleans (null and zero are False, as pandas' ``fillna(False).astype(bool)``)."""
    import polars as pl

    col = pl.col(name)
    if dtype == pl.Boolean:
        return col.fill_null(False)
    if dtype.is_numeric():
        return (col != 0).fill_null(False)
    # Text ('train'/'test'), dates...: every non-empty value would be a holdout row (as in pandas'
    # leakguard.splitting.holdout_mask); from the schema alone, so lazy frames are checked too.
    raise PolicyError(
        f"holdout_column {name!r} must hold booleans (True marks a holdout row) or 0/1 flags, but it is of "
        f"type {dtype}; make a mask and name that, e.g. is_test = pl.col({name!r}) == 'test'"
    )


def _banker_round(x: Any) -> Any:
    """Python's ``round`` (half to even) as an expression, so k matches pandas' split exactly."""
    import polars as pl

    low = x.floor()
    diff = x - low
    up = (diff > 0.5) | ((diff == 0.5) & ((low % 2) == 1))
    return low + pl.when(up).then(1.0).otherwise(0.0)


def part_exprs(policy: Policy, schema: dict[str, Any]) -> tuple[Any, Any, bool]:
    """``(future, holdout, time_ordered)`` boolean expressions over a frame with ``schema``.

    Raises PolicyError when a column the policy needs is missing.
    """
    import polars as pl

    _check_columns(policy, schema)
    policy = policy.with_default_holdout() if not policy.holdout.declared else policy
    h = policy.holdout
    t = time_expr(policy, schema) if policy.time is not None else None
    future = pl.lit(False)
    if policy.has_future:
        if t is None:
            raise PolicyError(f"the time column {policy.time!r} is neither a date, a datetime nor text")
        future = (t > cutoff_lit(policy, schema)).fill_null(False)
    holdout = pl.lit(False)
    if h.column is not None:
        holdout = holdout | _truthy(h.column, schema[h.column])
    if h.ids is not None and h.id_column is not None:
        ids = pl.Series(list(h.ids)).cast(schema[h.id_column], strict=False).drop_nulls()
        holdout = holdout | pl.col(h.id_column).is_in(ids.implode()).fill_null(False)
    time_ordered = False
    if h.fraction is not None:
        if t is not None:
            time_ordered = True
            candidate = ~future & ~holdout
            # rank instants as integers: a naive "latest time" literal cannot stand in for a
            # missing time in a column with a time zone (Polars has no supertype for the two)
            instant = t.dt.epoch("us").fill_null(pl.lit(_MAX_INSTANT, dtype=pl.Int64))
            key = pl.when(candidate).then(instant).otherwise(None)
            rank = key.rank("ordinal")  # ties keep row order: pandas' stable argsort
            n = candidate.sum()
            k = _banker_round(n.cast(pl.Float64) * h.fraction)
            holdout = holdout | (candidate & (rank.cast(pl.Float64) > n.cast(pl.Float64) - k)).fill_null(False)
        else:
            from leakguard.splitting import _seed_word

            cols = [h.id_column] if h.id_column and h.id_column in schema else list(schema)
            hashed = pl.struct([pl.col(c) for c in cols]).hash(seed=_seed_word(h.seed))
            uniform = (hashed // (2 ** 11)).cast(pl.Float64) / float(2 ** 53)
            holdout = holdout | (uniform < h.fraction)
    holdout = holdout & ~future
    return future, holdout, time_ordered


def train_expr(policy: Policy, schema: dict[str, Any]) -> Any:
    """The training rows' condition: neither future nor holdout."""
    future, holdout, _ = part_exprs(policy, schema)
    return ~(future | holdout)


def row_parts(frame: Any, policy: Policy) -> RowParts:
    """The train / holdout / future masks of an eager DataFrame (positional, as pandas' ``row_parts``)."""
    import numpy as np

    from leakguard.splitting import RowParts

    schema = dict(frame.schema)
    future, holdout, ordered = part_exprs(policy, schema)
    masks = unwrapped(frame, "select")(future.alias("f"), holdout.alias("h"))
    f = np.asarray(masks.get_column("f").to_numpy(), dtype=bool)
    hmask = np.asarray(masks.get_column("h").to_numpy(), dtype=bool)
    return RowParts(train=~(f | hmask), holdout=hmask, future=f, time_ordered=ordered)


# -- facts from data ----------------------------------------------------------------------------

def proven_removed(obj: Any, policy: Policy) -> frozenset[str]:
    """Row parts an eager DataFrame's data shows are absent; a LazyFrame or Series proves nothing."""
    if not is_eager(obj):
        return frozenset()
    if obj.height == 0:
        return frozenset({"future", "holdout"})
    import polars as pl

    removed: set[str] = set()
    schema = dict(obj.schema)
    try:
        if policy.time is not None and policy.has_future and policy.time in schema:
            t = time_expr(policy, schema)
            if t is not None:
                latest = unwrapped(obj, "select")((t.max() <= cutoff_lit(policy, schema)).alias("ok")).item()
                if latest is True:
                    removed.add("future")
        h = policy.holdout
        if (h.column is not None and h.column in schema
                and not unwrapped(obj, "select")(_truthy(h.column, schema[h.column]).any()).item()):
            removed.add("holdout")
        if h.ids is not None and h.id_column is not None and h.id_column in schema:
            ids = pl.Series(list(h.ids)).cast(schema[h.id_column], strict=False).drop_nulls()
            if not unwrapped(obj, "select")(pl.col(h.id_column).is_in(ids.implode()).any()).item():
                removed.add("holdout")
    except Exception:  # a column Polars cannot compare: prove nothing more
        return frozenset(removed)
    return frozenset(removed)


# filter results, recorded by the filter handler: id(result) -> (result, parent, condition)
_filtered: dict[int, tuple[weakref.ref[Any], weakref.ref[Any], Condition]] = {}


def note_filtered(parent: Any, result: Any, cond: Condition) -> None:
    """Remember that ``result`` is ``parent`` filtered by ``cond``."""
    rid = id(result)

    def forget(ref: weakref.ref[Any], rid: int = rid) -> None:
        if _filtered.get(rid, (None,))[0] is ref:
            del _filtered[rid]

    try:
        _filtered[rid] = (weakref.ref(result, forget), weakref.ref(parent), cond)
    except TypeError:
        pass


def filtered_from(result: Any) -> tuple[Any, Condition] | None:
    """``(parent, condition)`` when ``result`` came from a recorded filter of a live parent."""
    entry = _filtered.get(id(result))
    if entry is None or entry[0]() is not result:
        return None
    parent = entry[1]()
    return None if parent is None else (parent, entry[2])


def partitions(parent: Any, a: Any, b: Any) -> bool:
    """True when eager ``a`` and ``b`` are disjoint rows of eager ``parent`` making all of it.

    Proved by complementary filter conditions, else by equal multisets of row hashes (the
    rows of ``a`` and ``b`` together are exactly the rows of ``parent``). Lazy frames: False.
    """
    if not (is_eager(parent) and is_eager(a) and is_eager(b)):
        return False
    if a.height == 0 or b.height == 0 or a.height + b.height != parent.height:
        return False
    fa, fb = filtered_from(a), filtered_from(b)
    if fa is not None and fb is not None and fa[0] is parent and fb[0] is parent and complementary(fa[1], fb[1]):
        return True
    if parent.schema != a.schema or parent.schema != b.schema or parent.height > MAX_HASHED_ROWS:
        return False
    import polars as pl

    try:
        whole = parent.hash_rows(seed=7).sort()
        both = pl.concat([a.hash_rows(seed=7), b.hash_rows(seed=7)]).sort()
        return bool(whole.equals(both))
    except Exception:
        return False


# -- leakguard.split ------------------------------------------------------------------------------

def unwrapped(obj: Any, method: str) -> Any:
    """``obj.method`` bound to Polars' own function, past leakguard's wrapper (leakguard's own calls are not the user's)."""
    fn = getattr(type(obj), method)
    return getattr(fn, "__leakguard_original__", fn).__get__(obj)


def split(frames: Sequence[Any], policy: Policy) -> tuple[list[Any], RowParts | None]:
    """``leakguard.split`` for Polars: ``[train, holdout, ...]`` per frame, and the masks (None when lazy)."""
    import polars as pl

    first = frames[0]
    if is_lazy(first):
        if len(frames) > 1:
            raise ValueError("leakguard.split cuts one LazyFrame at a time (rows of two plans cannot be aligned)")
        schema = schema_of(first)
        if schema is None:
            raise ValueError("leakguard.split: the LazyFrame's schema could not be resolved")
        future, holdout, _ = part_exprs(policy, schema)
        return [unwrapped(first, "filter")(~(future | holdout)), unwrapped(first, "filter")(holdout)], None
    if not is_eager(first):
        raise TypeError(f"leakguard.split needs a DataFrame first, got {type(first).__name__}")
    for other in frames[1:]:
        if not (is_eager(other) or is_series(other)) or len(other) != first.height:
            raise ValueError(
                f"leakguard.split: all inputs must be eager Polars data with the same number of rows ({first.height})"
            )
    parts = row_parts(first, policy)
    train, held = pl.Series(parts.train), pl.Series(parts.holdout)
    out: list[Any] = []
    for frame in frames:
        out.append(unwrapped(frame, "filter")(train))
        out.append(unwrapped(frame, "filter")(held))
    return out, parts
