"""What happens around PySpark calls: reads, inspections, filters and splits, actions, temp views and SQL.

Spark is lazy, and leakguard stays lazy with it: every handler reads schemas and the
analysed logical plan on the driver, never starts a job of its own, and in safe mode
restricts an inspection by adding the policy's train condition to the plan
(``leakguard/libraries/spark/frames.py``). Spark ML (fit, transform, evaluate) is in
``leakguard/libraries/spark/ml.py``. ``BEFORE`` maps catalog kinds to these handlers
(``leakguard/kernel/handlers.py`` falls back to the shared handler for a kind not listed).
"""

from __future__ import annotations

import os
import types
import weakref
from typing import TYPE_CHECKING, Any

from leakguard.kernel.handlers import call_span, is_shown
from leakguard.kernel.wrapping import Before, Plan
from leakguard.libraries.spark import frames as sf
from leakguard.libraries.spark import ml as spark_ml
from leakguard.libraries.spark.plan import (
    Condition,
    Expression,
    aggregate_columns,
    aggregates,
    condition,
    expression,
    plan_text,
    referenced,
)
from leakguard.lineage.conditions import removes
from leakguard.lineage.events import Derive, Inspect, NodeId, Read, Split, SplitPart

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.kernel.state import SparkState
    from leakguard.libraries.api import Api
    from leakguard.lineage.graph import Node

_ORIGIN = "_leakguard_origin"
_MAX_FILTERS = 8
_ANCESTORS = 64


def state_of(s: Session) -> SparkState:
    """The Spark handlers' part of the session."""
    return s.spark


def _statement_key(s: Session, frame: types.FrameType | None) -> tuple[str, int | None, int] | None:
    if frame is None:
        return None
    st = s.scan.statement_at(frame.f_lineno)
    return (s.cell_id, s.execution_count, st.lineno if st is not None else frame.f_lineno)


def _mark_inspected(s: Session, frame: types.FrameType | None) -> None:
    key = _statement_key(s, frame)
    if key is not None:
        state_of(s).statements.add(key)


# -- read ------------------------------------------------------------------------------------------


def _source(api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if len(args) > 1:
        return args[1]
    for key in ("path", "tableName", "data", "url", "paths"):
        if key in kwargs:
            return kwargs[key]
    return None


def before_read(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan:
    frame = s.cell_frame()
    where = s.where(frame)
    src = _source(api, args, kwargs)
    made_from: Node | None = None
    if api.name == "createDataFrame" and src is not None:
        nid = s.tracker.node_of(src)
        made_from = s.graph.nodes.get(nid) if nid is not None else None
    if isinstance(src, (str, os.PathLike)):
        text = os.fspath(src)[:300]
    elif isinstance(src, (list, tuple)) and src and isinstance(src[0], str):
        text = ", ".join(src)[:300]
    else:
        text = type(src).__name__
    source = f"{api.name}({text})"

    def after(result: Any) -> None:
        columns, kind = sf.columns_of(result), sf.kind_of(result) or "frame"
        if made_from is not None:  # a tracked pandas frame handed to Spark: the same rows
            node = s.recorder.value(Derive(s.graph.new_id(), (made_from.id,), api.name, f"<{made_from.name} in Spark>",
                                           where, rows="same", columns=columns, kind=kind))
        else:
            node = s.recorder.value(Read(s.graph.new_id(), source, "<read>", where, columns, kind=kind))
        assert node is not None
        s.tracker.register(result, node.id)

    return Plan(after=after)


# -- inspect ---------------------------------------------------------------------------------------


def _as_names(values: tuple[Any, ...]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        out += list(v) if isinstance(v, (list, tuple)) else [v]
    return out


def _subject(api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, tuple[str, ...] | None, bool]:
    """(the DataFrame inspected, the columns touched, whether it relates columns)."""
    receiver = args[0]
    rest = args[1:]
    if api.qualname.startswith("GroupedData."):
        origin = getattr(receiver, _ORIGIN, None)
        data = origin[0] if origin is not None else getattr(receiver, "_df", None)
        cols = sf.columns_of(data)
        keys = referenced(_as_names(origin[2]), cols) if origin is not None else ()
        if api.name == "count":
            touched = keys
        elif api.name == "agg" or rest:
            touched = keys + referenced(_as_names(rest), cols)
        else:  # mean() / sum()... of every numeric column
            touched = keys + (cols or ())
        touched = tuple(dict.fromkeys(touched))
        return data, touched or cols, len(touched) > 1
    data = receiver
    cols = sf.columns_of(data)
    name = api.name
    if name == "describe":
        named = referenced(_as_names(rest), cols)
        return data, named or cols, False
    if name in ("approxQuantile", "freqItems"):
        first = rest[0] if rest else kwargs.get("col", kwargs.get("cols"))
        named = referenced(_as_names((first,)), cols) if first is not None else ()
        return data, named or cols, len(named) > 1
    if name in ("corr", "cov", "crosstab"):
        pair = [rest[i] if len(rest) > i else kwargs.get(f"col{i + 1}") for i in range(2)]
        named = referenced([p for p in pair if p is not None], cols)
        return data, named or cols, True
    if name == "agg":
        named = referenced(_as_names(rest), cols)
        return data, named or cols, len(named) > 1
    return data, cols, api.relates


def before_inspect(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    frame = s.cell_frame()
    if frame is None:
        return None  # a library's own use of the API, not the person's
    span = call_span(s, frame)
    data, columns, relates = _subject(api, args, kwargs)
    if not sf.is_row_data(data):
        return None
    node = s.node_of(data, name=s.scan.receiver_text(span), frame=frame, reads=s.scan.receiver_names(span))
    _mark_inspected(s, frame)
    if not is_shown(s, span):
        return Plan(after=keep_result(s, node, api, columns, frame))
    plan = Plan(after=keep_result(s, node, api, columns, frame))

    def restrict(event: Inspect) -> Inspect | None:
        # safe mode (the recorder asks): the plan gets the train condition; no job starts
        nonlocal plan
        restricted = _restricted_args(s, api, args, data)
        if not isinstance(restricted, tuple):
            s.note(f"safe mode could not restrict {api.name}() on {node.name} to training rows ({restricted}); "
                   "it ran on all rows.")
            return None
        new_args, text = restricted
        s.note(f"safe mode: {api.name}() ran on the training rows of {node.name} (the plan now keeps only "
               f"rows with {text}; no job was started to do this).")
        plan = Plan(args=new_args, after=keep_result(s, node, api, columns, frame, restricted=True))
        return event

    s.recorder.inspect(Inspect(node.id, api.name, s.where(frame), columns, relates), restrict)
    return plan


def _restricted_args(s: Session, api: Api, args: tuple[Any, ...], data: Any) -> tuple[tuple[Any, ...], str] | str:
    """The call's arguments with the receiver restricted to training rows (lazily), or why it cannot be."""
    from leakguard.errors import PolicyError

    try:
        found = sf.conditions(data, s.policy)
    except PolicyError as exc:
        return str(exc)
    train = data.filter(found.train)
    if api.qualname.startswith("GroupedData."):
        origin = getattr(args[0], _ORIGIN, None)
        if origin is None:
            return "the grouping was not made in view of leakguard"
        _data, method, gargs, gkwargs = origin
        return (getattr(train, method)(*gargs, **gkwargs), *args[1:]), found.text
    return (train, *args[1:]), found.text


def keep_result(s: Session, node: Node, api: Api, columns: tuple[str, ...] | None,
                 frame: types.FrameType | None, *, restricted: bool = False) -> Any:
    """Record what an inspection returned (a lazy frame of statistics, a list, a number) as an aggregate."""
    label = s.policy.label

    def after(result: Any) -> None:
        made = s.recorder.value(Derive(
            s.graph.new_id(), (node.id,), api.name, f"{node.name}.{api.name}()", s.where(frame), rows="aggregate",
            columns=sf.columns_of(result), kind=sf.kind_of(result) or "value",
            label_derived=bool(label) and any(c in label for c in columns or ()),
            removes=frozenset({"holdout", "future"}) if restricted else frozenset(),
        ))
        if made is not None:
            state_of(s).inspected.add(made.id)
            s.remember_result(result, made.id)

    return after


# -- groupby bookkeeping ------------------------------------------------------------------------------


def before_groupby(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan:
    data, keys = args[0], args[1:]

    def after(gb: Any) -> None:
        # the frame is already held by the GroupedData itself: nothing is kept alive longer
        setattr(gb, _ORIGIN, (data, api.name, keys, dict(kwargs)))

    return Plan(after=after)


# -- filters and splits -------------------------------------------------------------------------------


def _removes(cond: Condition, s: Session) -> frozenset[str]:
    if cond.column is None or cond.value is None:
        return frozenset()
    return removes(("cmp", cond.column, cond.op, cond.value), s.policy, ignore_case=True)


def before_filter(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    frame = s.cell_frame()
    if frame is None:
        return None
    data = args[0]
    st = s.scan.statement_at(frame.f_lineno)
    writes = st.writes if st is not None else frozenset()

    def after(result: Any) -> None:
        parent = s.node_of(data, frame=frame)
        cond = condition(result, s.policy.time) or Condition("")
        removes = _removes(cond, s)
        columns = parent.columns if parent.columns is not None else sf.columns_of(result)  # a filter keeps them
        node = s.recorder.value(Derive(s.graph.new_id(), (parent.id,), api.name, f"<{parent.name}.{api.name}()>",
                                       s.where(frame), rows="subset", columns=columns, removes=removes,
                                       kind="frame"))
        assert node is not None
        s.tracker.register(result, node.id)
        if cond.text:
            _pair_filters(s, parent, (result, node.id, cond, writes), frame)

    return Plan(after=after)


def _pair_filters(s: Session, parent: Node, mine: tuple[Any, NodeId, Condition, frozenset[str]],
                  frame: types.FrameType | None) -> None:
    """Two filters of one parent with complementary conditions: a split at the condition's threshold."""
    filters = state_of(s).filters.setdefault(parent.id, [])
    result, nid, cond, writes = mine
    for ref, other_id, other, other_writes in filters:
        obj = ref()
        if obj is None or obj is result or not cond.complements(other):
            continue
        first, second = (obj, other_id, other, other_writes), (result, nid, cond, writes)
        if cond.column is not None:
            train, holdout = (first, second) if other.upper else (second, first)
        else:
            from leakguard.splitting import looks_like_holdout

            names_first = " ".join(sorted(other_writes))
            train, holdout = (second, first) if looks_like_holdout(names_first) and not looks_like_holdout(
                " ".join(sorted(writes))) else (first, second)
        _register_filter_split(s, parent, train, holdout, frame)
        filters.remove((ref, other_id, other, other_writes))
        return
    filters.append((weakref.ref(result), nid, cond, writes))
    del filters[:-_MAX_FILTERS]


def _register_filter_split(s: Session, parent: Node, train: tuple[Any, NodeId, Condition, frozenset[str]],
                           holdout: tuple[Any, NodeId, Condition, frozenset[str]],
                           frame: types.FrameType | None) -> None:
    cond = train[2]
    policy = s.policy
    on_time = cond.column is not None and policy.time is not None and cond.column.lower() == policy.time.lower()
    method = f"filter at {cond.value.isoformat(sep=' ')}" if cond.value is not None else "filter and its negation"
    _emit_split(s, parent, [(train[0], "train", _removes(cond, s) & {"future"}), (holdout[0], "holdout", frozenset())],
                method, time_ordered=True if on_time else None, frame=frame)


def _emit_split(s: Session, parent: Node, parts: list[tuple[Any, str, frozenset[str]]], method: str, *,
                time_ordered: bool | None, frame: types.FrameType | None) -> None:
    """A ``Split`` of ``parent`` into live parts (role, removed row parts); parts keep the parent's columns."""
    made = tuple(SplitPart(s.graph.new_id(), role, f"<{role} part of {parent.name}>",  # type: ignore[arg-type]
                           parent.columns if parent.columns is not None else sf.columns_of(obj), None, removes)
                 for obj, role, removes in parts)
    s.recorder.record(Split(parent.id, made, method, s.where(frame), time_ordered=time_ordered, inferred=True))
    for part, (obj, _role, _removes) in zip(made, parts, strict=True):
        s.tracker.register(obj, part.out)
    _rebind(s, {p.out for p in made})


def _rebind(s: Session, outs: set[NodeId]) -> None:
    for name in list(s.bindings):
        obj = s.user_ns.get(name)
        nid = s.tracker.node_of(obj) if obj is not None else None
        if nid in outs:
            s.bindings[name] = nid


def before_split(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """``randomSplit(weights, seed)``: the first part trains, every other part is held out."""
    frame = s.cell_frame()
    if frame is None:
        return None
    data = args[0]
    weights = args[1] if len(args) > 1 else kwargs.get("weights")

    def after(result: Any) -> None:
        parts = list(result)
        if len(parts) < 2:
            return
        parent = s.node_of(data, frame=frame)
        none: frozenset[str] = frozenset()
        roles = [(parts[0], "train", none)] + [(p, "holdout", none) for p in parts[1:]]
        _emit_split(s, parent, roles, "randomSplit", time_ordered=None, frame=frame)
        if not s.policy.holdout.declared and isinstance(weights, (list, tuple)) and weights:
            total = float(sum(weights))
            fraction = float(weights[-1]) / total if total > 0 else 0.0
            if 0 < fraction < 1:
                s.graph.policy = s.policy.updated({"holdout": fraction}, "randomSplit", inferred=True)

    return Plan(after=after)


# -- new columns: withColumn, withColumns, select of aliased expressions ---------------------------------


def _is_column(value: Any) -> bool:
    return type(value).__name__ == "Column" and type(value).__module__.startswith("pyspark.sql")


def _new_columns(api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[tuple[str | None, Any]]:
    """``(name, Column)`` of each column the call computes (the name is the alias for ``select``)."""
    if api.name == "withColumn":
        key = args[1] if len(args) > 1 else kwargs.get("colName")
        col = args[2] if len(args) > 2 else kwargs.get("col")
        return [(key, col)] if isinstance(key, str) and _is_column(col) else []
    if api.name == "withColumns":
        mapping = args[1] if len(args) > 1 else next(iter(kwargs.values()), None)
        if not isinstance(mapping, dict):
            return []
        return [(k, v) for k, v in mapping.items() if isinstance(k, str) and _is_column(v)]
    return [(None, v) for v in _as_names(args[1:]) if _is_column(v)]


def before_with_column(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """A new column's lineage: the columns its expression reads (row by row), or a statistic over a window.

    ``df.withColumn("ratio", F.col("refund") / F.col("churned"))`` makes ``ratio`` computed from
    ``refund`` and ``churned``; ``F.avg("churned").over(w)`` is a statistic of the label over the
    frame's rows, broadcast back (as pandas' ``groupby(...).transform``). The expression's text is
    read (one call to the JVM per expression); the frame's columns come from its node. No job.
    """
    frame = s.cell_frame()
    if frame is None:
        return None
    new = _new_columns(api, args, kwargs)
    data = args[0]
    if not new or not sf.is_row_data(data):
        return None

    def after(result: Any) -> None:
        if not sf.is_row_data(result):
            return
        nid = s.tracker.node_of(data)
        tracked = s.graph.nodes.get(nid) if nid is not None else None
        known = tracked.columns if tracked is not None and tracked.columns is not None else sf.columns_of(data)
        made = [(key, expression(col, known)) for key, col in new]
        if api.name == "select":
            made = [(e.alias, e) for _key, e in made if e.alias is not None]
            if not made or str(result._jdf.queryExecution().analyzed().nodeName()) != "Project":
                return  # no aliased expression, or an aggregate (select(F.mean("x").alias("m"))): rows differ
        base = s.node_of(data, frame=frame)
        if api.name == "select":
            # the new columns on the frame they read (their inputs may be dropped by the same select),
            # then only the selected columns
            node = _assign(s, base, made, None, op=api.name, frame=frame)
            picked = s.recorder.value(Derive(s.graph.new_id(), (node.id,), "select", f"<{base.name}.select()>",
                                             s.where(frame), rows="same", columns=sf.columns_of(result), kind="frame"))
            assert picked is not None
            node = picked
        else:
            columns = _columns_after(known, [key for key, _e in made])
            if columns is None:
                columns = sf.columns_of(result)
            node = _assign(s, base, made, columns, op=api.name, frame=frame)
        s.tracker.register(result, node.id)

    return Plan(after=after)


def _columns_after(known: tuple[str, ...] | None, keys: list[str | None]) -> tuple[str, ...] | None:
    """The columns after ``withColumn(s)`` of ``keys``: replaced in place or appended; None when unsure."""
    if known is None:
        return None
    out = list(known)
    lowered = {c.lower() for c in out}
    for key in keys:
        if key is None:
            return None
        if key not in out:
            if key.lower() in lowered:
                return None  # Spark matches names case-insensitively: ask the schema
            out.append(key)
            lowered.add(key.lower())
    return tuple(out)


def _assign(s: Session, base: Node, made: list[tuple[str | None, Expression]], columns: tuple[str, ...] | None,
            *, op: str, frame: types.FrameType | None) -> Node:
    """One column assignment per new column, chained on ``base``; the last node."""
    label = s.policy.label
    where = s.where(frame)
    node = base
    for key, e in made:
        assert key is not None
        others: tuple[NodeId, ...] = ()
        reads = e.columns
        if e.window and any(c in label for c in reads):
            # a statistic of the label over the frame's rows, broadcast back to each row
            stat = s.recorder.value(Derive(s.graph.new_id(), (base.id,), "window statistic",
                                           f"{key} (a window statistic of {base.name})", where, rows="aggregate",
                                           kind="value", label_derived=True))
            assert stat is not None
            others, reads = (stat.id,), ()
        out = s.recorder.value(Derive(s.graph.new_id(), (node.id, *others), f"{op}({key!r})", f"<{base.name}.{op}()>",
                                      where, rows="same", columns=columns, kind="frame", column=key,
                                      column_inputs=reads))
        assert out is not None
        node = out
    return node


# -- actions --------------------------------------------------------------------------------------------


def _from_inspection(s: Session, nid: NodeId | None) -> bool:
    if nid is None:
        return False
    inspected = state_of(s).inspected
    if nid in inspected:
        return True
    for i, node in enumerate(s.graph.ancestors(nid)):
        if node.id in inspected or i > _ANCESTORS:
            return node.id in inspected
    return False


def before_action(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """An action on a plan that aggregates rows leakguard did not see being inspected: an inspection."""
    data = args[0]
    if not sf.is_row_data(data):
        return None
    frame = s.cell_frame()
    if frame is None:
        return None
    key = _statement_key(s, frame)
    if key is not None and key in state_of(s).statements:
        return None  # the statement's inspection was judged where it was asked for
    if _from_inspection(s, s.tracker.node_of(data)):
        return None
    if not aggregates(plan_text(data)):
        return None  # plain rows (show, limit(5).toPandas()): like head()
    span = call_span(s, frame)
    node = s.node_of(data, name=s.scan.receiver_text(span), frame=frame, reads=s.scan.receiver_names(span))
    if _from_inspection(s, node.id):
        return None
    columns = aggregate_columns(data) or sf.columns_of(data)

    def cannot(event: Inspect) -> None:
        s.note(f"safe mode cannot restrict {api.name}() of an aggregate already planned; restrict the rows before "
               "aggregating (e.g. `train, test = leakguard.split(df)`, then aggregate `train`).")

    s.recorder.inspect(Inspect(node.id, api.name, s.where(frame), columns, bool(columns) and len(columns or ()) > 1),
                       cannot)
    return None


# -- temp views and spark.sql -----------------------------------------------------------------------------


def before_query(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """Temp views tie a view name to the frame's node; ``spark.sql`` goes through the SQL guard."""
    from leakguard.sql.kernel import before_query as guarded
    from leakguard.sql.state import state_of as sql_state

    if api.qualname.startswith("DataFrame."):
        data = args[0]
        name = args[1] if len(args) > 1 else kwargs.get("name")
        if not isinstance(name, str) or not sf.is_row_data(data):
            return None
        spark = data.sparkSession
        key = name.lower()
        if api.name == "createOrReplaceGlobalTempView":
            key = f"global_temp.{key}"
        nid = s.node_of(data, frame=s.cell_frame()).id
        state = sql_state(s)

        def tie(result: Any) -> None:
            state.tables[(state.key_of(spark), key)] = nid
            state.schema(spark).invalidate()

        return Plan(after=tie)
    plan = guarded(s, api, args, kwargs)
    if plan is None:
        return None
    frame = s.cell_frame()
    inner = plan.after

    def after(result: Any) -> None:
        if inner is not None:
            inner(result)
        nid = s.tracker.node_of(result)
        if nid is not None:  # the query was judged as a whole: its actions are not judged again
            state_of(s).inspected.add(nid)
        _mark_inspected(s, frame)

    return Plan(args=plan.args, kwargs=plan.kwargs, after=after)


BEFORE: dict[str, Before] = {
    "read": before_read,
    "inspect": before_inspect,
    "groupby": before_groupby,
    "filter": before_filter,
    "split": before_split,
    "with-column": before_with_column,
    "action": before_action,
    "query": before_query,
    **spark_ml.BEFORE,
}
