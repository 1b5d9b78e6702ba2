"""What happens around a wrapped call, per catalog kind (read, inspect, split, groupby...).

Every wrapper follows one shape: if leakguard is already inside a wrapped call (pandas
calling itself) or on another thread, call straight through. Otherwise plan (emit events,
maybe raise LeakageError in block mode, maybe restrict rows in safe mode), call the
original, and record what it returned. Any failure of leakguard's own is caught and
reported once; the user's call always runs.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import os
import sys
import threading
import types
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from leakguard.errors import LeakageError
from leakguard.kernel import calls as modelling_calls
from leakguard.kernel import evidence, features, folds, modelling
from leakguard.kernel import frames as fr
from leakguard.kernel.calls import innermost
from leakguard.kernel.splits import register_split, rows_chosen_by
from leakguard.kernel.wrapping import Before, Plan
from leakguard.libraries.api import Api
from leakguard.libraries.pandas import catalog as pandas_catalog
from leakguard.libraries.plotting import catalog as plotting_catalog
from leakguard.libraries.registry import INSIDE_LIBRARIES
from leakguard.lineage.events import Derive, Inspect, Read
from leakguard.lineage.graph import file_key
from leakguard.sql.guard import withdraw_claims
from leakguard.sql.kernel import before_query
from leakguard.tracebacks import drop_own_frames

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.lineage.graph import Node

_ORIGIN = "_leakguard_origin"
_COMPREHENSIONS = frozenset({"<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"})




# Kinds whose handlers finish their work after each cell (leakguard/kernel/aftercell.py).
ATTACH_KINDS = frozenset(modelling.KINDS) | frozenset(features.KINDS)


# Libraries that look up names in their caller's frame, skipping frames of their own
# modules. DuckDB resolves a table name it does not know (a *replacement scan*,
# ``duckdb.sql("SELECT * FROM df")``) among the locals, then globals, of the first Python
# frame whose module ``__name__`` does not start with ``duckdb``. Were that leakguard's
# wrapper, DuckDB would search the wrapper's variables instead of the user's, and a query
# naming a local DataFrame (in a function, on a thread, nested in another call) would fail
# only because leakguard is loaded. So the wrappers of these modules' callables run with
# globals whose ``__name__`` falls inside the library's prefix: the library skips the
# wrapper's frame as one of its own and finds the code that called it, as without leakguard.
CALLER_FRAME_MODULES: dict[str, str] = {"duckdb": "duckdb._leakguard_wrapper"}
_DISGUISED_GLOBALS: dict[str, dict[str, Any]] = {}


def _frame_module(api: Api) -> str | None:
    """The module name the wrapper of ``api`` must appear to run in, if it matters."""
    top = api.module.split(".", 1)[0]
    return CALLER_FRAME_MODULES.get(top)


def _disguised(wrapper: Callable[..., Any], name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """``wrapper`` rebuilt to run with this module's globals under the module name ``name``."""
    space = _DISGUISED_GLOBALS.get(name)
    if space is None:
        space = _DISGUISED_GLOBALS[name] = {**vars(sys.modules[__name__]), "__name__": name}
    code = wrapper.__code__
    rebuilt = types.FunctionType(code, space, code.co_name, wrapper.__defaults__, wrapper.__closure__)
    return functools.update_wrapper(rebuilt, original)


# Libraries whose calls have handlers of their own: a module with ``BEFORE: dict[kind, Before]``.
# A kind it does not list falls back to the shared handler in ``BEFORE`` below.
LIBRARY_HANDLERS: dict[str, str] = {
    "polars": "leakguard.libraries.polars.live",
    "pyspark": "leakguard.libraries.spark.live",
}


def before_for(api: Api) -> Before:
    """The handler for ``api``: its library's own for the kind when there is one, else the shared one."""
    name = LIBRARY_HANDLERS.get(api.module.partition(".")[0])
    if name is not None:
        try:
            own: dict[str, Before] = importlib.import_module(name).BEFORE
        except ImportError:
            own = {}
        if api.kind in own:
            return own[api.kind]
    return BEFORE[api.kind]


def handled(api: Api) -> bool:
    """Whether the kernel has a handler for ``api``'s kind (the native boosting APIs are read statically only)."""
    try:
        before_for(api)
    except KeyError:
        return False
    return True


def make_wrapper(session: Session, api: Api, original: Callable[..., Any]) -> Callable[..., Any]:
    """The wrapper that stands in for ``original`` while the extension is loaded."""
    before = before_for(api)
    if api.kind in ATTACH_KINDS:
        from leakguard.kernel.aftercell import attach

        attach(session)  # the modelling handlers finish their work after each cell
    get_ident = threading.get_ident

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # a pass-through frame, never the user's (leakguard/tracebacks.py)
        try:
            s = session
            if s.busy or get_ident() != s.main_thread:
                return original(*args, **kwargs)
            s.busy = True
            notes_before = len(s.cell_notes)
            try:
                try:
                    plan = before(s, api, args, kwargs)
                except LeakageError:
                    raise
                except Exception as exc:
                    s.internal_error(f"{api.name}()", exc)
                    plan = None
                if plan is not None and (plan.args is not None or plan.kwargs is not None):
                    retry = False
                    try:
                        result = original(*(args if plan.args is None else plan.args),
                                          **(kwargs if plan.kwargs is None else plan.kwargs))
                    except Exception as exc:
                        if not _restricted_call_failed(s, api, plan, exc, notes_before):
                            raise  # the user's own error, from their code run once on the training rows
                        retry = True
                    if retry:
                        # outside the handler, so an error of the query as written is not chained to
                        # leakguard's attempt; a query failing by itself raises its own error here
                        result = original(*args, **kwargs)
                        assert plan.retry_unrestricted is not None
                        plan.retry_unrestricted()
                        s.note(f"safe mode could not run the restricted query of {api.name}(); it ran on all rows.")
                else:
                    result = original(*args, **kwargs)
                if plan is not None and plan.after is not None:
                    try:
                        plan.after(result)
                    except Exception as exc:
                        s.internal_error(f"{api.name}()", exc)
                return result if plan is None or plan.wrap is None else plan.wrap(result)
            finally:
                s.busy = False
        except BaseException as exc:
            drop_own_frames(exc)  # the error reaches the user's code as if leakguard were not there
            raise

    module = _frame_module(api)
    return wrapper if module is None else _disguised(wrapper, module, original)


def _restricted_call_failed(s: Session, api: Api, plan: Plan, exc: Exception, notes_before: int) -> bool:
    """The restricted call raised: True when it is to be sent again unchanged (SQL reads only).

    The notes planning added say the call ran restricted; it did not finish, so they give
    way to at most one note. Otherwise the user's code is not run a second time.
    """
    withdraw_claims(s, notes_before)
    if plan.retry_unrestricted is not None:
        return True
    s.note(f"safe mode ran {api.name}() on training rows only and it raised {type(exc).__name__}; "
           "the error is your code's, on those rows (it was not run again on all rows).")
    return False


# -- read ----------------------------------------------------------------------------------


def _source_text(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    src = args[0] if args else next(iter(kwargs.values()), None)
    if isinstance(src, (str, os.PathLike)):
        return os.fspath(src)[:300]
    subset = kwargs.get("subset")  # fetch_20newsgroups(subset="test") names its part as a file name would
    if isinstance(subset, str):
        return subset
    return "…" if src is None or isinstance(src, (bool, int, float)) else type(src).__name__


def before_read(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan:
    frame = s.cell_frame()
    where = s.where(frame)
    source = f"{api.name}({_source_text(args, kwargs)})"
    # ``events = pl.scan_parquet(...)`` then ``events.describe()`` in the same cell: name the
    # node after the one name its statement binds, so findings say ``events``, not ``<read>``
    st = s.scan.statement_at(frame.f_lineno) if frame is not None else None
    name = next(iter(st.writes)) if st is not None and len(st.writes) == 1 else "<read>"
    path = file_key(args[0] if args else next(iter(kwargs.values()), None))

    def after(result: Any) -> None:
        if api.role:  # np.loadtxt, load_iris, pickle.load: the shape the catalog names
            from leakguard.kernel.sources import register_read

            register_read(s, api, result, source=source, name=name, where=where)
            return
        node = s.recorder.value(Read(s.graph.new_id(), source, name, where, fr.columns_of(result),
                                     kind=fr.kind_of(result), path=path))
        assert node is not None
        node.n_rows = fr.row_count(result)
        s.tracker.register(result, node.id)

    return Plan(after=after)


# -- inspect ---------------------------------------------------------------------------------


def _position(frame: types.FrameType) -> tuple[int | None, int | None, int | None, int | None] | None:
    index = frame.f_lasti // 2
    return next(itertools.islice(frame.f_code.co_positions(), index, index + 1), None)


def call_span(s: Session, frame: types.FrameType | None) -> tuple[int, int, int, int] | None:
    """The source span of the call the cell is making right now, if it is one the scan saw."""
    if frame is None or not s.scan.statements:
        return None
    pos = _position(frame)
    if pos is None:
        return None
    line, end_line, col, end_col = pos
    if line is None or end_line is None or col is None or end_col is None:
        return None
    return (line, end_line, col, end_col)


def is_shown(s: Session, span: tuple[int, int, int, int] | None) -> bool:
    """False when the call's result only feeds another expression (consumed, not looked at)."""
    if span is None or s.scan.statement_at(span[0]) is None or span not in s.scan.calls:
        return True
    return span in s.scan.shown


def _groupby_parts(gb: Any) -> tuple[Any, tuple[str, ...]]:
    """The grouped data object and the columns a GroupBy aggregate touches (keys + selection)."""
    keys = gb.keys
    key_list = list(keys) if isinstance(keys, (list, tuple)) else [keys]
    cols = [k for k in key_list if isinstance(k, str)]
    origin = getattr(gb, _ORIGIN, None)
    selection = origin[3] if origin else getattr(gb, "_selection", None)
    obj = gb.obj
    if selection is not None:
        sel = list(selection) if isinstance(selection, (list, tuple)) else [selection]
        cols += [str(c) for c in sel]
    elif fr.is_series(obj) and obj.name is not None:
        cols.append(str(obj.name))
    elif fr.is_frame(obj):
        cols += [str(c) for c in obj.columns]
    for k in key_list:
        name = getattr(k, "name", None)
        if fr.is_series(k) and name is not None:
            cols.append(str(name))
    data = origin[0]() if origin and origin[0]() is not None else obj
    return data, tuple(dict.fromkeys(cols))


def _subject(api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, tuple[str, ...] | None, bool]:
    """(data object, columns touched, relates) for an inspection call."""
    if api.qualname.startswith(("DataFrameGroupBy.", "SeriesGroupBy.")):
        data, touched = _groupby_parts(args[0])
        return data, touched, len(touched) > 1
    if api.qualname == "PlotAccessor.__call__":
        data = args[0]._parent
        xy = [kwargs.get(k) for k in ("x", "y", "by", "c")]
        named = tuple(str(v) for v in xy if isinstance(v, str))
        return data, named or fr.columns_of(data), len(named) > 1
    if api.role == "plot":  # sns.countplot(x="churned", data=df), plt.scatter(df.age, df.spend)
        datas = [a for a in (kwargs.get("data"), *args, *(kwargs.get(k) for k in plotting_catalog.COLUMN_KEYWORDS))
                 if a is not None and not isinstance(a, str) and fr.is_frame_like(a)]
        if not datas:
            return None, None, False
        series = [str(d.name) for d in datas if fr.is_series(d) and d.name is not None]
        columns, relates = plotting_catalog.plotted(kwargs, series or fr.columns_of(datas[0]))
        return datas[0], columns, relates
    if "." not in api.qualname:  # module function: crosstab, pivot_table
        datas = [a for a in (*args, *kwargs.values()) if fr.is_frame_like(a)]
        found: list[str] = []
        for d in datas:
            found += list(fr.columns_of(d) or ())
        for key in ("index", "columns", "values"):
            v = kwargs.get(key)
            if isinstance(v, str):
                found.append(v)
        return (datas[0] if datas else None), tuple(dict.fromkeys(found)), True
    data = args[0]
    if api.qualname == "DataFrame.pivot_table":
        named = tuple(v for k in ("values", "index", "columns") for v in _as_list(kwargs.get(k)))
        return data, named or fr.columns_of(data), True
    if api.name in ("corrwith",) and len(args) > 1:
        return data, (fr.columns_of(data) or ()) + (fr.columns_of(args[1]) or ()), True
    if api.name == "value_counts" and fr.is_frame(data):
        subset = tuple(_as_list(kwargs.get("subset", args[1] if len(args) > 1 else None)))
        chosen = subset or fr.columns_of(data) or ()
        return data, chosen, len(chosen) > 1
    return data, fr.columns_of(data), api.relates


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return []


def _row_wise(api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """``df[["a", "b"]].max(axis=1)``: one value per row from its own columns, not a statistic over rows."""
    if not api.qualname.startswith("DataFrame.") or not fr.is_frame(args[0]):
        return False
    axis = kwargs.get("axis", args[1] if len(args) > 1 and api.name in pandas_catalog.AXIS_FIRST else None)
    return isinstance(axis, (int, str)) and axis in pandas_catalog.ROW_WISE_AXES


def before_inspect(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    caller = str(sys._getframe(2).f_globals.get("__name__", ""))
    in_query = caller.startswith(pandas_catalog.QUERY_EVALUATOR)  # an ``@`` expression of a query string: consumed
    if caller.startswith(INSIDE_LIBRARIES) and not in_query:
        return None  # pandas using a statistic of its own (``pd.to_datetime`` calls ``unique()``): not a look
    if _row_wise(api, args, kwargs):
        return None  # a per-row feature: the column assignment that keeps it records its columns
    frame = s.cell_frame()
    inner = innermost(frame)
    # in a comprehension (its own frame since Python 3.11) the call's place is in that frame
    in_comprehension = inner is not None and inner.f_back is frame and inner.f_code.co_name in _COMPREHENSIONS
    span = call_span(s, inner if in_comprehension else frame)
    if in_query or not is_shown(s, span) or modelling_calls.consumed_in_helper(s, frame):
        if api.name in pandas_catalog.COLUMN_CHOOSERS:
            return None  # it chooses columns (``if df[c].nunique() > 1``); no value is made from it
        return _consumed(s, api, args, kwargs, frame=frame, span=span)
    data, columns, relates = _subject(api, args, kwargs)
    if data is None or not fr.is_frame_like(data):
        return None
    if api.role == "plot" and _plots_model_output(s, (*args, *kwargs.values())):
        return None  # predictions against the labels: the picture of an evaluation, not a look at rows
    node = s.node_of(data, name=s.scan.receiver_text(span), frame=frame, reads=s.scan.receiver_names(span))
    chosen_by = rows_chosen_by(s, node, data) if columns is not None else ()
    if chosen_by and columns is not None:
        # ``df[df.churned == 1].spend.mean()``: a statistic of rows chosen by a column relates it to that column
        columns, relates = tuple(dict.fromkeys((*columns, *chosen_by))), True
    if api.name in pandas_catalog.COLUMN_CHOOSERS and span in s.scan.kept and frame is inner:
        # ``counts = df.nunique()``: it chooses columns until the name is shown (``print(counts)``: aftercell.py)
        look = Inspect(node.id, api.name, s.where(frame), columns, relates)
        return Plan(after=lambda result: _keep_chooser(s, result, look))
    plan = Plan(after=keep_result(s, node, api, columns, frame))

    def restrict(event: Inspect) -> Inspect | None:
        # safe mode (the recorder asks): run the call on the rows leakguard.split would keep for training
        nonlocal plan
        restricted = _restrict_call(s, api, args, kwargs, node)
        if not isinstance(restricted, tuple):
            s.note(f"safe mode could not restrict {api.name}() on {node.name} to training rows ({restricted}); "
                   "it ran on all rows.")
            return None
        new_args, kept, total = restricted
        s.restricted_note(api.name, node, kept, total)
        plan = Plan(args=new_args, after=keep_result(s, node, api, columns, frame, restricted=True))
        return event

    s.recorder.inspect(Inspect(node.id, api.name, s.where(frame), columns, relates), restrict)
    return plan


def _plots_model_output(s: Session, values: tuple[Any, ...]) -> bool:
    """True when a plotted value came from a model (``model.predict(X_test)``, a column of ``predict_proba``)."""
    for value in values:
        for obj in (value, getattr(value, "base", None)):  # ``proba[:, 1]`` is a view of the predictions
            nid = s.tracker.node_of(obj) or s.result_node(obj) if obj is not None else None
            if nid is not None and s.graph.made_by_model(nid):
                return True
    return False


def _keep_chooser(s: Session, result: Any, look: Inspect) -> None:
    if len(s.kept_choosers) >= 64:
        s.kept_choosers.pop(next(iter(s.kept_choosers)))
    s.kept_choosers[id(result)] = (result, look)


def _consumed(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any], *,
              frame: types.FrameType | None, span: tuple[int, int, int, int] | None) -> Plan | None:
    """A statistic that only feeds another expression (``fillna(df.x.mean())``): no peek, but it keeps its lineage."""
    data, columns, _relates = _subject(api, args, kwargs)
    if data is None or not fr.is_frame_like(data):
        return None
    node = s.node_of(data, name=s.scan.receiver_text(span), frame=frame, reads=s.scan.receiver_names(span))
    s.recorder.hand_scored(node.id, api.name, s.where(frame))  # ``(pred - y_te).abs().mean() ** 0.5`` scores
    return Plan(after=keep_result(s, node, api, columns, frame))


def keep_result(s: Session, node: Node, api: Api, columns: tuple[str, ...] | None,
                 frame: types.FrameType | None, *, restricted: bool = False) -> Callable[[Any], None]:
    """Record the statistic an inspection returns, so a name bound to it carries its lineage."""
    label = s.policy.label

    def after(result: Any) -> None:
        made = s.recorder.value(Derive(
            s.graph.new_id(), (node.id,), api.name, f"{node.name}.{api.name}()", s.where(frame), rows="aggregate",
            columns=fr.columns_of(result), kind=fr.kind_of(result),
            label_derived=bool(label) and any(c in label for c in columns or ()),
            removes=frozenset({"holdout", "future"}) if restricted else frozenset(),
        ))
        if made is not None:
            s.remember_result(result, made.id)
            from leakguard.kernel.features import note_consumed

            note_consumed(s, made.id, frame)  # what the statement binds derives from it (helpers, chains)

    return after


# -- safe mode -----------------------------------------------------------------------------------


def training_rows(s: Session, obj: Any, node: Node) -> tuple[Any, int, int] | str:
    """``(obj restricted to training rows, kept, total)``, or the reason it cannot be done."""
    from leakguard.errors import PolicyError
    from leakguard.splitting import needed_columns, row_parts

    policy = s.policy
    if fr.is_frame(obj) and all(c in obj.columns for c in needed_columns(policy)):
        try:
            parts = row_parts(obj, policy)
        except PolicyError as exc:
            return str(exc)
        return obj.iloc[parts.train], int(parts.train.sum()), len(obj)
    root = s.root_object(node)
    if root is None:
        needed = ", ".join(repr(c) for c in needed_columns(policy))
        return f"neither it nor a live source frame has the policy column(s) {needed}"
    if not root.index.is_unique:
        return f"the index of {s.graph.nodes[s.tracker.node_of(root) or node.id].name} has duplicate labels"
    try:
        parts = row_parts(root, policy)
    except PolicyError as exc:  # a policy the data cannot honour: say why, run on all rows
        return str(exc)
    keep = obj.index.isin(root.index[parts.train])
    return obj[keep], int(keep.sum()), len(obj)


def _restrict_call(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any],
                   node: Node) -> tuple[tuple[Any, ...], int, int] | str:
    if api.qualname.startswith(("DataFrameGroupBy.", "SeriesGroupBy.")):
        gb = args[0]
        origin = getattr(gb, _ORIGIN, None)
        if origin is None or origin[0]() is None:
            return "the grouping was not made in view of leakguard"
        data = origin[0]()
        got = training_rows(s, data, node)
        if isinstance(got, str):
            return got
        restricted, kept, total = got
        new_gb = restricted.groupby(origin[1], **origin[2])
        if origin[3] is not None:
            new_gb = new_gb[origin[3]]
        return (new_gb, *args[1:]), kept, total
    if api.qualname == "PlotAccessor.__call__":
        got = training_rows(s, args[0]._parent, node)
        if isinstance(got, str):
            return got
        restricted, kept, total = got
        return (type(args[0])(restricted), *args[1:]), kept, total
    if "." not in api.qualname:
        return "module-level functions are not restricted"
    got = training_rows(s, args[0], node)
    if isinstance(got, str):
        return got
    restricted, kept, total = got
    return (restricted, *args[1:]), kept, total


# -- groupby bookkeeping --------------------------------------------------------------------------


def before_groupby(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan:
    data = args[0]
    by = args[1] if len(args) > 1 else kwargs.get("by")
    rest = {k: v for k, v in kwargs.items() if k != "by"}

    def after(gb: Any) -> None:
        object.__setattr__(gb, _ORIGIN, (weakref.ref(data), by, rest, None))

    return Plan(after=after)


def before_group_select(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    origin = getattr(args[0], _ORIGIN, None)
    if origin is None or len(args) < 2:
        return None
    key = args[1]

    def after(sub: Any) -> None:
        object.__setattr__(sub, _ORIGIN, (origin[0], origin[1], origin[2], key))

    return Plan(after=after)


# -- splits -------------------------------------------------------------------------------------


def before_split(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan:
    frame = s.cell_frame()
    inputs = list(args)
    span = call_span(s, frame)

    def after(result: Any) -> None:
        parts = list(result)
        # the names the statement unpacks the parts into, so findings in this very cell name them
        names = s.scan.unpacked.get(frame.f_lineno) if frame is not None else None
        names = names if names is not None and len(names) == len(parts) else None
        # the holdout is inferred before the split is recorded, so that inference sees it revealed
        if not s.policy.holdout.declared and s.policy.infer:
            size = kwargs.get("test_size")
            fraction = size if isinstance(size, float) and 0 < size < 1 else 0.25
            s.graph.policy = s.policy.updated({"holdout": fraction}, api.name, inferred=True)
        for i, data in enumerate(inputs):
            if 2 * i + 1 >= len(parts):
                break
            # an unregistered argument (``df["text"]``) derives from what it reads, not from the other arguments
            parent = s.node_of(data, frame=frame, reads=s.scan.argument_names(span, i))
            register_split(s, parent.id, [(parts[2 * i], "train"), (parts[2 * i + 1], "holdout")],
                           api.name, inferred=True, frame=frame,
                           names=list(names[2 * i: 2 * i + 2]) if names else None)
            evidence.note_split_parts(s, parent.id, data, [parts[2 * i], parts[2 * i + 1]])

    return Plan(after=after)


def before_nothing(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Kinds whose meaning only a library's own handlers know (``filter``, ``action``, ``select``): call through."""


BEFORE: dict[str, Before] = {
    "read": before_read,
    "inspect": before_inspect,
    "split": before_split,
    "folds": folds.before_folds,
    "groupby": before_groupby,
    "group-select": before_group_select,
    **modelling.BEFORE,
    **features.BEFORE,
    "query": before_query,
    "filter": before_nothing,
    "schema": before_nothing,
    "action": before_nothing,
    "select": before_nothing,
}
