"""What leakguard does around Polars calls, per catalog kind (``leakguard/libraries/polars/catalog.py``).

- ``inspect``: statistics of a DataFrame, LazyFrame or Series, GroupBy / LazyGroupBy
  aggregates (keys from ``group_by``, columns from the expressions' root names): an
  ``Inspect`` when the result is shown or kept. Safe mode runs the call on training rows:
  eager data filtered by the policy's masks, a LazyFrame with the train condition added
  to its plan (nothing collected).
- ``groupby``: remembers what a ``group_by`` grouped, for the aggregate that follows.
- ``filter``: a condition bounding the policy's time column removes row parts
  (``time <= T``, T at or before the cutoff: no future rows); two filters of one frame
  with complementary conditions are a ``Split`` (``polars_split.py``).
- ``action``: ``LazyFrame.collect`` of a plan that aggregates rows, which no recorded
  inspection made, is an ``Inspect``; plain rows are not (like ``head()``).
- ``select``: ``DataFrame.select`` whose every expression aggregates (``pl.col("x").mean()``,
  ``pl.corr("x", "y")``, ``pl.all().std()``; windows such as ``.over(...)`` are per-row values) is an
  inspection like ``inspect``, of the columns the expressions read, relating them when more than one;
  a select of plain columns is nothing. Read from expression metadata (nothing runs); calls Polars makes
  of its own (``Series`` arithmetic goes through ``select``) are passed by at once.
- ``query``: ``pl.sql``, ``DataFrame.sql``, ``LazyFrame.sql`` and ``SQLContext.execute``
  go through the SQL guard (dialect ``duckdb``), tables found by name as Polars finds them.

Reads use the shared handler. Plans are judged from ``LazyFrame.explain`` text (no data is
serialised, nothing runs).
"""

from __future__ import annotations

import dataclasses
import sys
import types
import warnings
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from leakguard.kernel import frames as fr
from leakguard.kernel.handlers import call_span, is_shown, keep_result
from leakguard.kernel.wrapping import Plan
from leakguard.libraries.api import Api
from leakguard.libraries.polars import frames as plf
from leakguard.libraries.polars.catalog import SEQUENTIAL
from leakguard.libraries.polars.plan import (
    Broadcast,
    aggregating_select,
    broadcast_stats,
    condition_of,
    plan_aggregates,
    root_names,
)
from leakguard.libraries.polars.split import record_filter
from leakguard.lineage.events import Derive, Inspect, NodeId, Where

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.lineage.graph import Node

_ORIGIN = "_leakguard_origin"
_KEYS_ONLY = ("len", "count")


# -- inspect ------------------------------------------------------------------------------------

@dataclasses.dataclass
class _Subject:
    data: Any
    columns: tuple[str, ...] | None
    relates: bool
    group: tuple[Any, tuple[Any, ...], dict[str, Any]] | None = None  # (data, by, named_by) of a group_by


def _key_names(by: tuple[Any, ...], named: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for key in (*by, *named.values()):
        for item in key if isinstance(key, (list, tuple)) else (key,):
            names += [item] if isinstance(item, str) else root_names(item)
    return names


def _subject(api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Subject | None:
    owner = api.qualname.split(".", 1)[0]
    if owner in ("GroupBy", "LazyGroupBy"):
        origin: tuple[Any, tuple[Any, ...], dict[str, Any]] | None = getattr(args[0], _ORIGIN, None)
        data = origin[0]() if origin is not None and origin[0] is not None else None
        if data is None:
            data = getattr(args[0], "df", None)  # an eager GroupBy made out of leakguard's view
            if data is None:
                return None
            origin = (None, tuple(getattr(args[0], "by", ())), dict(getattr(args[0], "named_by", {}) or {}))
        assert origin is not None
        by, named = origin[1], origin[2]
        keys = _key_names(by, named)
        if api.name == "agg":
            used = [n for e in (*args[1:], *kwargs.values()) for n in _expr_columns(e)]
        elif api.name in _KEYS_ONLY:
            used = []
        else:
            used = list(fr.columns_of(data) or ())
        cols = tuple(dict.fromkeys([*keys, *used]))
        return _Subject(data, cols, len(cols) > 1, (data, by, named))
    data = args[0]
    return _Subject(data, fr.columns_of(data), api.relates)


def _expr_columns(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _expr_columns(v)]
    return root_names(value)


def before_inspect(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any],
                   subject: _Subject | None = None) -> Plan | None:
    frame = s.cell_frame()
    span = call_span(s, frame)
    if subject is None:
        subject = _subject(api, args, kwargs)
    if subject is None or not plf.is_row_data(subject.data):
        return None
    node = s.node_of(subject.data, name=s.scan.receiver_text(span), frame=frame, reads=s.scan.receiver_names(span))
    if not is_shown(s, span):  # feeds another expression: no peek, but the statistic keeps its lineage
        return Plan(after=keep_result(s, node, api, subject.columns, frame))
    plan = Plan(after=keep_result(s, node, api, subject.columns, frame))

    def restrict(event: Inspect) -> Inspect | None:
        # safe mode (the recorder asks): the call runs on the training rows, with the train condition added
        nonlocal plan
        restricted = _restrict_call(s, api, args, subject, node)
        if not isinstance(restricted, tuple):
            s.note(f"safe mode could not restrict {api.name}() on {node.name} to training rows ({restricted}); "
                   "it ran on all rows.")
            return None
        new_args, kept, total = restricted
        _restricted_note(s, api.name, node, kept, total)
        plan = Plan(args=new_args, after=keep_result(s, node, api, subject.columns, frame, restricted=True))
        return event

    s.recorder.inspect(Inspect(node.id, api.name, s.where(frame), subject.columns, subject.relates), restrict)
    return plan


# -- select -----------------------------------------------------------------------------------------

_OWN_CALLERS = ("polars", "leakguard")


def before_select(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """``df.select(...)``: an inspection when every expression aggregates, else nothing (cheap: a frequent call)."""
    caller = sys._getframe(2).f_globals.get("__name__", "")  # 0: here, 1: the wrapper, 2: who called select
    if isinstance(caller, str) and caller.partition(".")[0] in _OWN_CALLERS:
        return None
    if not args or not plf.is_eager(args[0]):
        return None
    shape = aggregating_select(args[1:], kwargs)
    if shape is None:
        return _broadcast(s, api, args, kwargs)
    data = args[0]
    cols = shape.columns
    if shape.selectors:
        cols = tuple(dict.fromkeys([*cols, *_selected(data, args[1:], kwargs)]))
    return before_inspect(s, api, args, kwargs, _Subject(data, cols, len(cols) > 1))


def before_with_columns(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """``with_columns(...)`` (and a ``LazyFrame.select``): statistics its expressions put on every row."""
    caller = sys._getframe(2).f_globals.get("__name__", "")
    if isinstance(caller, str) and caller.partition(".")[0] in _OWN_CALLERS:
        return None
    if SEQUENTIAL.get(api.name, api.name) == "select" and aggregating_select(args[1:], kwargs) is not None:
        return None  # a lazy select of statistics: judged at collect()
    return _broadcast(s, api, args, kwargs)


def _broadcast(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """A statistic of the frame's rows inside a per-row expression (``pl.col("x") - pl.col("x").mean()``,
    ``pl.col("x").mean().over("g")``): recorded as a statistic of the frame's node (as pandas'
    ``df.x - df.x.mean()``), and the result derives from it."""
    if not args or not plf.is_row_data(args[0]):
        return None
    stats = broadcast_stats(args[1:], kwargs)
    if not stats:
        return None
    data = args[0]
    frame = s.cell_frame()
    span = call_span(s, frame)
    node = s.node_of(data, name=s.scan.receiver_text(span), frame=frame, reads=s.scan.receiver_names(span))
    where = s.where(frame)
    made = _stat_nodes(s, data, node, stats, where)
    op = SEQUENTIAL.get(api.name, api.name)

    def after(result: Any) -> None:
        if not plf.is_row_data(result):
            return
        out = s.recorder.value(Derive(s.graph.new_id(), (node.id, *made), op, f"{node.name}.{op}()",
                                      where, rows="same", columns=fr.columns_of(result), kind=fr.kind_of(result)))
        if out is not None:
            out.n_rows = fr.row_count(result)
            s.remember_result(result, out.id)
        _consumed(s, made, frame)

    return Plan(after=after)


def _stat_nodes(s: Session, data: Any, node: Node, stats: list[Broadcast], where: Where) -> list[NodeId]:
    """A statistic node of ``node``'s rows for each statistic an expression computes over them."""
    label = s.policy.label
    made: list[NodeId] = []
    for stat in stats:
        cols = stat.columns or fr.columns_of(data)
        event = s.recorder.value(Derive(
            s.graph.new_id(), (node.id,), stat.op, f"pl.col({', '.join(map(repr, cols or ('*',)))}).{stat.op}()", where,
            rows="aggregate", columns=cols, kind="value",
            label_derived=bool(label) and any(c in label for c in cols or ())))
        if event is not None:
            made.append(event.id)
    return made


def _consumed(s: Session, made: list[NodeId], frame: types.FrameType | None) -> None:
    from leakguard.kernel.features import note_consumed

    for nid in made:
        note_consumed(s, nid, frame)  # what the statement binds derives from it (chains, collect)


def _selected(data: Any, exprs: tuple[Any, ...], named: dict[str, Any]) -> list[str]:
    """The frame's columns a select with selectors reads: its output names that are columns, else every column."""
    columns = list(data.columns)
    try:
        names = plf.unwrapped(data.lazy(), "select")(*exprs, **named).collect_schema().names()
    except Exception:
        return columns
    found = [n for n in names if n in set(columns)]
    return found or columns


def _restricted_note(s: Session, op: str, node: Node, kept: int | None, total: int | None) -> None:
    if kept is not None and total is not None:
        s.restricted_note(op, node, kept, total)
    else:
        s.note(f"safe mode: {op}() on {node.name} ran on training rows only (the train condition was added to "
               "the lazy plan; nothing was collected by leakguard).")


# -- safe mode ----------------------------------------------------------------------------------

def training_rows(s: Session, obj: Any, node: Node) -> tuple[Any, int | None, int | None] | str:
    """``(obj restricted to training rows, kept, total)`` (counts None when lazy), or why it cannot be."""
    from leakguard.errors import PolicyError

    policy = s.policy
    needed = plf.needed_columns(policy)
    schema = plf.schema_of(obj)
    try:
        if schema is not None and all(c in schema for c in needed) and not plf.is_series(obj):
            if plf.is_lazy(obj):
                return plf.unwrapped(obj, "filter")(plf.train_expr(policy, schema)), None, None
            parts = plf.row_parts(obj, policy)
            return _masked(obj, parts.train), int(parts.train.sum()), len(parts.train)
        if plf.is_lazy(obj):
            return f"the LazyFrame has no policy column(s) {', '.join(map(repr, needed))}"
        root = _root(s, obj, node)
        if root is None:
            return (f"neither it nor a live source frame of the same height has the policy column(s) "
                    f"{', '.join(map(repr, needed))}")
        parts = plf.row_parts(root, policy)
        return _masked(obj, parts.train), int(parts.train.sum()), len(parts.train)
    except PolicyError as exc:
        return str(exc)


def _masked(obj: Any, mask: Any) -> Any:
    import polars as pl

    return plf.unwrapped(obj, "filter")(pl.Series(mask))


def _root(s: Session, obj: Any, node: Node) -> Any | None:
    """A live eager source frame of ``node`` holding the policy's columns, row for row the same rows as ``obj``."""
    height = fr.row_count(obj)
    needed = plf.needed_columns(s.policy)
    for src in [node, *s.graph.ancestors(node.id)]:
        cand = s.tracker.object_of(src.id)
        if cand is not None and plf.is_eager(cand) and cand.height == height and all(c in cand.columns for c in needed):
            return cand
    return None


def _restrict_call(s: Session, api: Api, args: tuple[Any, ...], subject: _Subject,
                   node: Node) -> tuple[tuple[Any, ...], int | None, int | None] | str:
    got = training_rows(s, subject.data, node)
    if isinstance(got, str):
        return got
    restricted, kept, total = got
    if subject.group is not None:
        _data, by, named = subject.group
        gb = plf.unwrapped(restricted, "group_by")(*by, **named)
        return (gb, *args[1:]), kept, total
    return (restricted, *args[1:]), kept, total


# -- groupby ------------------------------------------------------------------------------------

def before_groupby(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan:
    data = args[0]
    by = tuple(args[1:])
    named = {k: v for k, v in kwargs.items() if k != "maintain_order"}

    def after(gb: Any) -> None:
        object.__setattr__(gb, _ORIGIN, (weakref.ref(data), by, named))

    return Plan(after=after)


# -- filter -------------------------------------------------------------------------------------

def before_filter(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    data = args[0]
    if not plf.is_row_data(data):
        return None
    frame = s.cell_frame()
    span = call_span(s, frame)
    node = s.node_of(data, name=s.scan.receiver_text(span), frame=frame, reads=s.scan.receiver_names(span))
    cond = condition_of(args[1:], kwargs, s.policy)
    where = s.where(frame)
    # a statistic of every row inside the condition (``pl.col("x") > pl.col("x").mean()``) chooses the rows kept
    stats = _stat_nodes(s, data, node, broadcast_stats(args[1:], kwargs), where)

    def after(result: Any) -> None:
        made = s.recorder.value(Derive(s.graph.new_id(), (node.id, *stats), "filter", f"<filter of {node.name}>",
                                       where, rows="subset", columns=fr.columns_of(result), removes=cond.removes,
                                       kind=fr.kind_of(result)))
        assert made is not None
        made.n_rows = fr.row_count(result)
        s.tracker.register(result, made.id)
        record_filter(s, node.id, data, result, cond, frame=frame)
        _consumed(s, stats, frame)

    return Plan(after=after)


# -- action (LazyFrame.collect) -------------------------------------------------------------------

def before_action(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    lf = args[0]
    if not plf.is_lazy(lf):
        return None
    frame = s.cell_frame()
    span = call_span(s, frame)
    node = s.node_of(lf, name=s.scan.receiver_text(span), frame=frame, reads=s.scan.receiver_names(span))
    aggregated = node.rows.known and not node.rows.parts  # already an inspection's (or a query's) result
    if not aggregated and is_shown(s, span):
        found = plan_aggregates(lf)
        if found is not None:
            cols = fr.columns_of(lf)

            def cannot(event: Inspect) -> None:
                s.note(f"safe mode cannot restrict collect() of {node.name} to training rows (the plan aggregates "
                       "before leakguard sees it); it ran on all rows. Filter the source first, or split it with "
                       "leakguard.split.")

            s.recorder.inspect(Inspect(node.id, api.name, s.where(frame), cols, found.grouped and len(cols or ()) > 1),
                               cannot)
            return Plan(after=keep_result(s, node, api, cols, frame))
    return Plan(after=_same_rows(s, node, api, frame))


def _same_rows(s: Session, node: Node, api: Api, frame: types.FrameType | None) -> Callable[[Any], None]:
    def after(result: Any) -> None:
        made = s.recorder.value(Derive(s.graph.new_id(), (node.id,), api.name, f"{node.name}.{api.name}()",
                                       s.where(frame), rows="same", columns=fr.columns_of(result),
                                       kind=fr.kind_of(result)))
        if made is not None:
            made.n_rows = fr.row_count(result)
            s.remember_result(result, made.id)

    return after


# -- query ----------------------------------------------------------------------------------------

class _PolarsSQL:
    """Stands for Polars' SQL engine where the SQL guard wants a connection (its state is keyed by it)."""


ENGINE = _PolarsSQL()


def _sql_arg(args: tuple[Any, ...], kwargs: dict[str, Any], pos: int) -> tuple[str | None, bool]:
    if len(args) > pos:
        raw, positional = args[pos], True
    else:
        raw, positional = kwargs.get("query"), False
    return (raw if isinstance(raw, str) else None), positional


def before_query(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    from leakguard.sql import duckframes
    from leakguard.sql.guard import guard
    from leakguard.sql.lineage import result_node

    pos = 0 if api.qualname == "sql" else 1
    text, positional = _sql_arg(args, kwargs, pos)
    if text is None:
        return None
    names = duckframes.caller_lookup(s.user_ns)
    if api.qualname in ("DataFrame.sql", "LazyFrame.sql"):
        own, table = args[0], kwargs.get("table_name") or "self"

        def lookup(name: str) -> Any:
            return own if name.lower() == str(table).lower() else None
    else:
        def lookup(name: str) -> Any:
            found = names(name)
            return found if fr.is_row_data(found) or _arrow_or_pandas(found) else None

    where = s.where(s.cell_frame())
    with warnings.catch_warnings():  # the guard asks a LazyFrame for .columns: Polars would warn the user
        warnings.simplefilter("ignore")
        outcome = guard(s, text, ENGINE, where, dialect="duckdb", frames=lookup)
    new_args = new_kwargs = None
    if outcome.sql is not None:
        if positional:
            new_args = (*args[:pos], outcome.sql, *args[pos + 1:])
        else:
            new_kwargs = {**kwargs, "query": outcome.sql}

    def after(result: Any) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result_node(s, outcome, result, "<sql result>", where)

    return Plan(args=new_args, kwargs=new_kwargs, after=after)


def _arrow_or_pandas(obj: Any) -> bool:
    return type(obj).__module__.startswith(("pandas", "pyarrow")) and hasattr(obj, "columns")


BEFORE: dict[str, Callable[[Session, Api, tuple[Any, ...], dict[str, Any]], Plan | None]] = {
    "inspect": before_inspect,
    "groupby": before_groupby,
    "filter": before_filter,
    "action": before_action,
    "select": before_select,
    "with-column": before_with_columns,
    "query": before_query,
}
