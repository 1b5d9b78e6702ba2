"""Calls: what calling a library function or method means, from the catalog and a little pandas knowledge.

Catalog kinds are handled as the kernel's handlers handle them: ``read`` makes a source
node, ``inspect`` emits an ``Inspect`` when its result is shown or kept (not when it only
feeds another expression), ``split`` emits a ``Split``, ``groupby`` remembers keys. Model
and transformer calls go to :mod:`leakguard.static.models`; splits to
:mod:`leakguard.static.splits`. A call the engine cannot resolve returns ``Unknown``
carrying the lineage of its data arguments, and is noted once — never silently clean.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import TYPE_CHECKING, Any

from leakguard.libraries.api import Api
from leakguard.libraries.numpy import catalog as numpy_catalog
from leakguard.libraries.pandas import catalog as pandas_catalog
from leakguard.libraries.pandas import static as pandasops
from leakguard.libraries.pandas.catalog import FRAME_ONLY_METHODS
from leakguard.libraries.pandas.features import (
    GROUP_ORDERED,
    LOOK_AHEAD,
    PAST_ONLY,
    PER_ENTITY_ROWS,
    TRAILING,
    group_callable,
)
from leakguard.libraries.plotting import catalog as plotting_catalog
from leakguard.libraries.polars import static as polarsops
from leakguard.libraries.spark import static as sparkops
from leakguard.libraries.spark import static_ml as sparkml
from leakguard.libraries.stdlib import catalog as stdlib_catalog
from leakguard.lineage.events import Inspect, Read, Split, SplitPart
from leakguard.lineage.graph import file_key
from leakguard.lineage.inference import Guess
from leakguard.splitting import looks_like_entity_id
from leakguard.static import dataops, lazyops, models, networks, splits, sqlbridge, timeorder
from leakguard.static.magics import line_magic, policy_call
from leakguard.static.reading.sources import MAGIC_CALL
from leakguard.static.values import (
    UNKNOWN,
    Conn,
    Const,
    Data,
    Estimator,
    Expr,
    Func,
    GroupBy,
    Instance,
    Klass,
    Method,
    Ref,
    Seq,
    Unknown,
    Value,
    arg,
    const_strings,
    data_in,
    text,
)

if TYPE_CHECKING:
    from leakguard.static.interp import Interp

Args = list[Value]
Kwargs = dict[str, Value]


@dataclasses.dataclass(slots=True)
class Site:
    """A call being interpreted: its node, evaluated arguments, and whether its result is shown or kept."""

    node: ast.Call
    args: Args
    kwargs: Kwargs
    shown: bool

    def arg(self, pos: int, name: str) -> Value | None:
        """The argument passed at position ``pos`` or by keyword ``name``."""
        return arg(self.args, self.kwargs, pos, name)

    @property
    def values(self) -> list[Value]:
        """Every argument value, positional then keyword."""
        return [*self.args, *self.kwargs.values()]

    @property
    def text(self) -> ast.Call:
        """The call, standing for its source text (made into text only when a message needs it)."""
        return self.node
# Libraries with semantics beyond the catalog (constants, pandas/numpy helpers, estimators, connections).
_KNOWN_LIBRARIES = ("pandas.", "numpy.", "datetime.", "sklearn.", "xgboost.", "lightgbm.", "catboost.", "imblearn.",
                    "keras.", "tensorflow.", "tf.", "statsmodels.", "category_encoders.", "feature_engine.", "torch.",
                    "duckdb.", "sqlalchemy.")
PRINTERS = frozenset({"builtins.print", "builtins.display", "builtins.repr", "builtins.str",
                      "IPython.display.display"})
# Frame methods distinctive enough that an unresolved receiver is taken to be data of unknown origin.
_FRAME_ONLY = FRAME_ONLY_METHODS


def call(it: Interp, node: ast.Call, shown: bool) -> Value:
    """The value of a call expression (events are emitted as a side effect)."""
    shown = it.shown(shown)  # inside a helper: shown in its body and at its call in the cell
    func = node.func
    if isinstance(func, ast.Attribute):
        receiver = it.eval(func.value, shown)
        # a plot shows what it is given (``sns.heatmap(df.corr())``, ``ax.bar(counts.index, counts.values)``)
        plots = func.attr in plotting_catalog.SHOWS_ARGUMENTS or (
            isinstance(receiver, Ref) and f"{receiver.path}.{func.attr}" in plotting_catalog.SHOWING_PATHS)
        args, kwargs = _arguments(it, node, shown and (func.attr in stdlib_catalog.HOLDING or plots))
        _here(it, node)
        return method_call(it, receiver, func.attr, Site(node, args, kwargs, shown))
    if isinstance(func, ast.Name) and func.id == MAGIC_CALL:
        _here(it, node)
        return line_magic(it, node)
    callee = it.eval(func)
    printing = (isinstance(callee, Ref) and callee.path in PRINTERS | plotting_catalog.SHOWING_PATHS) \
        or (isinstance(func, ast.Name) and func.id in stdlib_catalog.SHOWING)
    holding = isinstance(func, ast.Name) and func.id in stdlib_catalog.HOLDING
    args, kwargs = _arguments(it, node, shown and (printing or holding))
    _here(it, node)
    site = Site(node, args, kwargs, shown)
    if isinstance(callee, Ref):
        return ref_call(it, callee.path, site)
    if isinstance(callee, Func):
        return it.call_func(callee, args, kwargs, node, shown)
    if isinstance(callee, Klass):
        made = it.instantiate(callee, args, kwargs, node)
        return networks.network_class(callee, site) or made
    if isinstance(callee, Method):
        return method_call(it, callee.receiver, callee.name, site)
    if isinstance(callee, Estimator):
        return networks.method(it, callee, "__call__", site) or models.method(it, callee, "__call__", site)
    return it.unknown_from([callee, *site.values], site.text, "call")


def _here(it: Interp, node: ast.Call) -> None:
    if it.shown_override is None:
        it.line, it.col = node.lineno, node.col_offset + 1


def _arguments(it: Interp, node: ast.Call, shown: bool) -> tuple[Args, Kwargs]:
    if not node.keywords and not any(type(a) is ast.Starred for a in node.args):
        return [it.eval(a, shown) for a in node.args], {}
    args: Args = []
    for a in node.args:
        if isinstance(a, ast.Starred):
            v = it.eval(a.value, shown)
            args.extend(v.items if isinstance(v, Seq) else [v])
        else:
            args.append(it.eval(a, shown))
    kwargs: Kwargs = {}
    for k in node.keywords:
        v = it.eval(k.value, shown)
        if k.arg is None:
            if isinstance(v, Seq) and v.kind == "dict" and v.keys is not None:
                kwargs.update({str(key): item for key, item in zip(v.keys, v.items, strict=True)})
        else:
            kwargs[k.arg] = v
    return args, kwargs


# -- methods -------------------------------------------------------------------------------------


def method_call(it: Interp, receiver: Value, name: str, site: Site) -> Value:
    """``receiver.name(*args, **kwargs)``."""
    if type(receiver) is Data:
        if receiver.lib:
            return lib_method(it, receiver, name, site)
        result = data_method(it, receiver, name, site)
        inplace = site.kwargs.get("inplace") if site.kwargs else None
        if isinstance(inplace, Const) and inplace.value is True and isinstance(site.node.func, ast.Attribute):
            target = site.node.func.value
            if isinstance(target, ast.Name):
                it.bind_name(target.id, result if isinstance(result, Data) else receiver)
                return Const(None)
            column = dataops.column_target(target)
            if column is None and isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                    and not isinstance(target.slice, ast.Slice):
                column = target  # ``for c in cols: df[c].fillna(v, inplace=True)``: the key is a name
            if isinstance(result, Data) and column is not None:
                # ``df["x"].fillna(v, inplace=True)``: the column of ``df`` changes, as ``df["x"] = ...`` would
                it.bind(column, result)
                return Const(None)
        return result
    node, args, shown = site.node, site.args, site.shown
    if isinstance(receiver, Instance):
        return it.call_method(receiver, name, args, site.kwargs, node, shown=shown)
    if isinstance(receiver, Ref):
        return ref_call(it, f"{receiver.path}.{name}", site)
    if isinstance(receiver, GroupBy):
        if receiver.data.lib:
            lib = receiver.data.lib
            return sparkops.group_method(it, receiver, name, site) if lib == sparkops.LIB else \
                polarsops.group_method(it, receiver, name, site)
        return group_method(it, receiver, name, site)
    if isinstance(receiver, Expr):
        return lazyops.expr_method(it, receiver, name, site)
    if isinstance(receiver, Estimator):
        if receiver.cls.startswith("pyspark."):
            return sparkml.method(it, receiver, name, site)
        return networks.method(it, receiver, name, site) or models.method(it, receiver, name, site)
    if isinstance(receiver, Method):
        return accessor_call(it, receiver, name, site)
    if isinstance(receiver, Seq):
        return _seq_method(it, receiver, name, args)
    if isinstance(receiver, Const) and isinstance(receiver.value, str) and name in stdlib_catalog.NAME_METHODS:
        return _name_test(it, receiver.value, name, args)
    if isinstance(receiver, Conn):
        if receiver.lib == "polars":
            return polarsops.conn_method(it, receiver, name, site)
        return sqlbridge.conn_method(it, receiver, name, site)
    if isinstance(receiver, Const):
        if isinstance(receiver.value, str) and name in ("format", "join", "replace", "strip", "lower", "upper"):
            return Const(receiver.value if name in ("strip", "lower", "upper") else None)
        return UNKNOWN
    if isinstance(receiver, Unknown) and receiver.data is not None and receiver.data.lib:
        return lib_method(it, receiver.data, name, site)
    if isinstance(receiver, Unknown) and receiver.data is not None and it.index.method("frame", name) is not None:
        # what an unresolved call returned, used as data: its rows are its inputs' rows
        data = receiver.data
        if data.kind == "value":
            data.kind = "frame"
        return data_method(it, data, name, site)
    if isinstance(receiver, Unknown) and id(receiver) in it.kept_choosers and name in pandas_catalog.SAME_VALUES:
        return receiver  # kept column-chooser counts, sorted: still those counts (looked at where they are shown)
    if isinstance(receiver, Unknown) and receiver.data is None and name in _FRAME_ONLY and shown:
        data = it.derive([], "frame", text(node.func.value) if isinstance(node.func, ast.Attribute)
                         else "<value>", "unresolved")
        it.note(f"leakguard cannot tell where {data.text} comes from; its {name}() is reported as unknown")
        return data_method(it, data, name, site)
    return it.unknown_from([receiver, *site.values], site.text, name)


def lib_method(it: Interp, d: Data, name: str, site: Site) -> Value:
    """A method of a Spark or Polars frame (or Polars series)."""
    if d.lib == sparkops.LIB:
        return sparkops.method(it, d, name, site)
    if d.lib.startswith("polars"):
        return polarsops.method(it, d, name, site)
    return data_method(it, d, name, site)


def _name_test(it: Interp, value: str, name: str, args: Args) -> Value:
    plain: list[Any] = []
    for a in args:
        if isinstance(a, Const) and isinstance(a.value, (str, int)):
            plain.append(a.value)
        elif (names := const_strings(a)) is not None and name in ("startswith", "endswith"):
            plain.append(names)
        else:
            return UNKNOWN
    try:
        got = getattr(value, name)(*plain)
    except (TypeError, ValueError):
        return UNKNOWN
    return Seq([Const(x) for x in got], "list") if isinstance(got, list) else Const(got)


def _seq_method(it: Interp, seq: Seq, name: str, args: Args) -> Value:
    if name in ("append", "add") and args:
        seq.items.append(args[0])
        return Const(None)
    if name == "extend" and args and isinstance(args[0], Seq):
        seq.items.extend(args[0].items)
        return Const(None)
    if name == "items" and seq.kind == "dict":
        keys = seq.keys or [None] * len(seq.items)
        return Seq([Seq([Const(k), v]) for k, v in zip(keys, seq.items, strict=True)], "list")
    if name == "values":
        return Seq(list(seq.items), "list")
    if name == "keys" and seq.keys is not None:
        return Seq([Const(k) for k in seq.keys], "list")
    if name in ("copy", "sort"):
        return seq if name == "copy" else Const(None)
    if name in ("tolist", "to_list"):  # ``df.columns.tolist()``
        return Seq(list(seq.items), "list")
    if name in ("remove", "drop", "difference") and args:
        # ``features.remove(TARGET)`` in place; ``df.columns.drop(TARGET)`` / ``.difference([...])`` a new list
        gone = const_strings(args[0])
        if gone is None:
            return it.unknown_from(seq.items, name, name)
        kept = [v for v in seq.items if not (isinstance(v, Const) and v.value in gone)]
        if name != "remove":
            return Seq(kept, "list")
        seq.items[:] = kept
        return Const(None)
    if name in ("get", "pop") and seq.kind == "dict" and args and isinstance(args[0], Const) \
            and seq.keys is not None and args[0].value in seq.keys:
        return seq.items[seq.keys.index(args[0].value)]
    return it.unknown_from(seq.items, name, name)


def data_method(it: Interp, d: Data, name: str, site: Site) -> Value:
    """A method of tracked data: a catalog entry, a pandas operation, or an unresolved call."""
    args, kwargs = site.args, site.kwargs
    api = it.index.method(d.kind, name) if d.kind in ("frame", "series") else None
    if api is not None and api.kind == "inspect" and d.kind == "frame" and row_wise(name, args, kwargs):
        # ``df[["a", "b"]].max(axis=1)``: each row's own value, as the kernel records it
        out = it.derive([d], "series", site.text, f"{name}(axis=1)")
        out.colsrc = d.colsrc if d.colsrc is not None else (frozenset(d.columns) if d.columns else None)
        return out
    if d.buckets and name in pandas_catalog.AGGREGATIONS:
        return pandasops.bucket_rows(it, d, name, site)
    if api is not None and api.kind == "inspect" and name in pandas_catalog.COLUMN_CHOOSERS \
            and (not site.shown or site.node is it.kept_call):
        # it chooses columns; no value is made from it (as in the kernel); kept in a name (``counts =
        # df.nunique()``), it is looked at only where that name is shown (``print(counts)``: statements.py)
        if not site.shown:
            return UNKNOWN
        kept = Unknown(name)
        columns, relates = _subject(d, api, args, kwargs)
        it.kept_choosers[id(kept)] = (kept, Inspect(it.node(d), api.name, it.where(), columns, relates))
        return kept
    if api is not None and api.kind == "inspect":
        columns, relates = _subject(d, api, args, kwargs)
        return inspect(it, d, api.name, site, columns=columns, relates=relates)
    if api is not None and api.kind == "groupby":
        by = arg(args, kwargs, 0, "by")
        keys = const_strings(by) if by is not None else None
        if keys is None and isinstance(by, Data) and by.columns:
            keys = by.columns
        return GroupBy(d, keys or (), None, text(site.node))
    if name == "plot":
        return _plot(it, d, site)
    if api is None and d.kind not in ("frame", "series", "index"):
        tensor = networks.tensor_method(it, d, name, site)  # ``torch.tensor(X).float()``, ``loss.backward()``
        if tensor is not None:
            return tensor
    if api is not None:
        handled = models.pandas_api(it, d, api, site)
        if handled is not None:
            return handled
    return pandasops.method(it, d, name, site)


def row_wise(name: str, args: Args, kwargs: Kwargs) -> bool:
    """A frame statistic taken along each row (``axis=1`` / ``axis="columns"``), not over rows."""
    axis = arg(args if name in pandas_catalog.AXIS_FIRST else [], kwargs, 0, "axis")
    return isinstance(axis, Const) and axis.value in pandas_catalog.ROW_WISE_AXES


def _subject(d: Data, api: Api, args: Args, kwargs: Kwargs) -> tuple[tuple[str, ...] | None, bool]:
    """(columns touched, relates) for an inspection method, as the kernel's handler decides them."""
    name = api.name
    if name == "pivot_table":
        named = tuple(v for k in ("values", "index", "columns") for v in (const_strings(kwargs.get(k, Const(None)))
                                                                          or ()))
        return (named or d.columns), True
    if name == "corrwith" and args:
        other = args[0].columns if isinstance(args[0], Data) else None
        return (d.columns or ()) + (other or ()), True
    if name == "value_counts" and d.kind == "frame":
        subset = const_strings(arg(args, kwargs, 0, "subset") or Const(None)) or ()
        chosen = subset or d.columns or ()
        return chosen, len(chosen) > 1
    return d.columns, api.relates


def inspect(it: Interp, d: Data, op: str, site: Site, *, columns: tuple[str, ...] | None, relates: bool,
            holds: tuple[str, ...] | None = None) -> Data:
    """An inspection: an ``Inspect`` event when its result is shown or kept, and the statistic it returns
    (holding the columns ``holds``, when known)."""
    if d.rows_by and columns is not None:
        # ``df[df.churned == 1].spend.mean()``: a statistic of rows chosen by a column relates it to that column
        columns, relates = tuple(dict.fromkeys((*columns, *d.rows_by))), True
    label = it.policy.label
    label_used = bool(label) and any(c in label for c in columns or ())
    text = f"{d.text}.{op}()"
    if not site.shown:
        if d.pred is not None or d.node is None:  # ``(pred - y_te).abs().mean() ** 0.5`` still scores
            it.recorder.hand_scored(it.node(d), op, it.where())
        return it.derive([d], "value", text, op, aggregate=True, label_derived=label_used, columns=holds)
    nid = it.node(d)
    restricted = False

    def restrict(event: Inspect) -> Inspect:
        nonlocal restricted
        restricted = True
        it.note(f"safe mode: {op}() on {d.text} would run on training rows only")
        return event

    it.recorder.inspect(Inspect(nid, op, it.where(), columns, relates), restrict)
    return it.derive([d], "value", text, op, aggregate=True, label_derived=label_used, columns=holds,
                     removes=frozenset({"holdout", "future"}) if restricted else frozenset())


def _plot_columns(kwargs: Kwargs) -> tuple[str, ...]:
    return tuple(v.value for k in ("x", "y", "by", "c") if isinstance(v := kwargs.get(k), Const)
                 and isinstance(v.value, str))


def _plot(it: Interp, d: Data, site: Site) -> Value:
    named = _plot_columns(site.kwargs)
    return inspect(it, d, "__call__", site, columns=named or d.columns, relates=len(named) > 1)


def group_method(it: Interp, g: GroupBy, name: str, site: Site) -> Value:
    """A method of a group-by: an aggregate inspection, a per-row transform, or a selection."""
    args = site.args
    api = it.index.method("groupby", name)
    touched = list(g.keys)
    if g.selection is not None:
        touched += g.selection
    elif g.data.columns is not None:
        touched += g.data.columns
    cols = tuple(dict.fromkeys(touched))
    if api is not None and api.kind == "inspect":
        # the result holds the selected columns (``groupby("port")["Survived"].mean()``), as the kernel's does
        return inspect(it, g.data, api.name, site, columns=cols, relates=len(cols) > 1, holds=g.selection)
    if api is not None and api.kind == "group-select" and args:
        return GroupBy(g.data, g.keys, const_strings(args[0]), text(site.node))
    if name in PER_ENTITY_ROWS:
        _entity_repeats(it, g, name)
    along = _along_rows(it, g, name, site)
    if along is not None:
        return along
    handled = models.group_api(it, g, name, site, cols)
    if handled is not None:
        return handled
    if name in pandas_catalog.GROUP_ROWS:  # some of the rows as they are (``get_group("north")``)
        return it.derive([g.data], g.data.kind, site.text, f"groupby.{name}", columns=g.data.columns)
    if name in pandas_catalog.GROUP_WINDOWS:  # a window within each group: its aggregates are per row
        window = it.derive([g.data], "window", site.text, f"groupby.{name}", columns=g.selection)
        window.colsrc = frozenset(g.selection or ()) | frozenset(g.keys)
        return window
    kind = "series" if g.selection and len(g.selection) == 1 else "frame"
    if name in GROUP_ORDERED:  # along each group's rows: as along a frame's (looks ahead on rows newest first)
        return pandasops.ordered(it, g.data, name, site, kind=kind, columns=g.selection,
                                 how=f"groupby(...).{name}()", keys=g.keys)
    if name in ("transform", "rolling", "expanding", "rank", "fillna"):
        if name != "transform":
            timeorder.used(it, g.data, f"groupby(...).{name}()")
        return it.derive([g.data, *args], "series" if g.selection and len(g.selection) == 1 else "frame",
                         site.text, f"groupby.{name}", columns=g.selection)
    return it.derive([g.data, *args], "frame", site.text, f"groupby.{name}", aggregate=True)


def _along_rows(it: Interp, g: GroupBy, name: str, site: Site) -> Value | None:
    """``groupby(k)[c].transform(lambda s: s.shift(1).expanding().mean())`` (or ``apply``): a callable made of
    row-order steps along each group (the shared ``group_callable``) is a computation along the group's rows,
    not a statistic of all of them: a lag first reads earlier rows only, a lead or a centred window later ones."""
    if name not in ("transform", "apply"):
        return None
    fn = arg(site.args, site.kwargs, 0, "func")
    if not isinstance(fn, Func):
        return None
    shape = group_callable(fn.node)
    if shape is None or shape[0] not in (PAST_ONLY, TRAILING, LOOK_AHEAD):
        return None
    kind = "series" if g.selection and len(g.selection) == 1 else "frame"
    return pandasops.ordered(it, g.data, name, site, kind=kind, columns=g.selection,
                             how=f"groupby(...).{name}({fn.name})", keys=g.keys, lag=shape[0] == PAST_ONLY,
                             ahead=shape[0] == LOOK_AHEAD)


def _entity_repeats(it: Interp, g: GroupBy, name: str) -> None:
    """``df.groupby("patient_id").cumcount()``: the code shows several rows per entity (for the ``overlap`` rule)."""
    for key in g.keys:
        if looks_like_entity_id(key):
            where = it.where()
            it.graph.inferred.add("group", Guess(key, f"groupby({key!r}).{name}() in {where.short()}", where))


def accessor_call(it: Interp, acc: Method, name: str, site: Site) -> Value:
    """``df.plot.hist()``, ``s.str.lower()`` and other accessor methods."""
    base = acc.receiver
    if isinstance(base, Data) and base.lib == sparkops.LIB:
        return sparkops.accessor(it, base, acc.name, name, site)
    if isinstance(base, Data) and base.lib and name == "__call__":
        return lib_method(it, base, acc.name, site)
    if isinstance(base, Data) and acc.name == "plot":
        return _plot(it, base, site)
    if isinstance(base, Data):
        return it.derive([base, *site.args], base.kind, site.text, f"{acc.name}.{name}", columns=base.columns)
    if name == "__call__":
        return method_call(it, base, acc.name, site)
    return it.unknown_from([base, *site.args], site.text, name)


# -- functions ---------------------------------------------------------------------------------------


def ref_call(it: Interp, path: str, site: Site) -> Value:
    """A call of something imported: a catalog function, a class, a known helper or an unresolved call."""
    if path.startswith("builtins."):
        return _builtin(it, path[9:], site)
    if path == "leakguard.policy":
        return policy_call(it, site.kwargs)
    if path == "leakguard.split":
        return splits.split(it, site, "leakguard.split")
    if path.startswith(("pyspark.", "polars.")):
        lib_made = sparkops.ref_call(it, path, site) if path[1] == "y" else polarsops.ref_call(it, path, site)
        if lib_made is not None:
            return lib_made
    if path in stdlib_catalog.COUNTING and any(data_in(v) for v in site.values):
        return it.derive(site.values, "value", site.text, path.rsplit(".", 1)[-1], aggregate=True)
    api = it.index.function(path)
    if api is not None:
        if api.kind == "read":
            return read(it, api, site)
        if api.kind == "inspect":
            return _module_inspect(it, api, site)
        if api.kind == "split":
            return splits.split(it, site, api.name)
        if api.kind == "dataset-split":
            return _dataset_split(it, api, site)
        if api.kind == "query":
            return sqlbridge.catalog_call(it, api.qualname, api.module, site)
        handled = (networks.function(it, api, site) if api.module.startswith(("torch", "tqdm")) else None) \
            or models.function(it, api, site)
        if handled is not None:
            return handled
    if path.startswith("numpy.") and path.count(".") == 1 and path[6:] in numpy_catalog.BLOCK_SPLITS:
        cut = splits.blocks(it, site)
        if cut is not None:
            return cut
    if path.startswith(numpy_catalog.RANDOM_MODULE + "."):
        drawn = splits.draw(it, path, site)
        if drawn is not None:
            return drawn
    if path.startswith(_KNOWN_LIBRARIES):
        known = sqlbridge.connect(path) or pandasops.function(it, path, site)
        if known is None:
            known = models.library_function(it, path, site)
        if known is not None:
            return known
        made = models.construct(it, path, site)
        if made is not None:
            return made
    short = path.rsplit(".", 1)[-1]
    if not any(data_in(v) for v in site.values):
        return UNKNOWN
    it.note(f"{short}() is not in leakguard's catalog; its result is taken to carry the rows of its inputs")
    derived = it.derive(site.values, "value", site.text, short)
    derived.unresolved = True
    return Unknown(short, derived)


def _dataset_split(it: Interp, api: Api, site: Site) -> Value:
    """``random_split(ds, [0.8, 0.2])``: each array the dataset holds split in two, the parts regrouped into a
    training and a holdout dataset; three lengths split the first part again (train, validation, test)."""
    held = networks.as_container(it, site.arg(0, api.data[0].partition(":")[2]) if api.data else None, site)
    if held is None:
        return it.unknown_from(site.values, site.text, api.name)
    lengths = site.arg(1, api.options[0].partition(":")[2]) if api.options else None
    n = len(lengths.items) if isinstance(lengths, Seq) else 2
    last = lengths.items[-1] if isinstance(lengths, Seq) and lengths.items else None
    size: Kwargs = {"test_size": last} if isinstance(last, Const) and isinstance(last.value, float) else {}
    parts = splits.split(it, Site(site.node, list(held.items), size, site.shown), api.name)
    assert isinstance(parts, Seq)
    train = Seq(parts.items[0::2], "container")
    test = Seq(parts.items[1::2], "container")
    if n < 3:
        return Seq([train, test])
    inner = splits.split(it, Site(site.node, list(train.items), {}, site.shown), api.name)
    assert isinstance(inner, Seq)
    return Seq([Seq(inner.items[0::2], "container"), Seq(inner.items[1::2], "container"), test])


def _builtin(it: Interp, name: str, site: Site) -> Value:
    args, kwargs, node = site.args, site.kwargs, site.node
    if name in ("print", "display", "len", "isinstance", "hasattr", "type", "id", "hash", "vars"):
        return Const(None)
    if name in ("list", "tuple", "set", "sorted", "reversed") and args and isinstance(args[0], Data) \
            and args[0].kind == "frame" and not args[0].lib:
        names = dataops.attr_of(it, args[0], "columns", node)  # ``list(df)``: a frame iterates its column names
        if isinstance(names, Seq):
            return names
    if name in ("list", "tuple", "set", "sorted", "reversed") and args and isinstance(args[0], Seq):
        return Seq(list(args[0].items), "list")
    if name == "zip" and args and all(isinstance(a, Seq) for a in args):
        seqs = [a.items for a in args if isinstance(a, Seq)]
        return Seq([Seq(list(t)) for t in zip(*seqs, strict=False)], "list")
    if name == "enumerate" and args and isinstance(args[0], Seq) and args[0].kind == "container":
        return Seq([Seq([UNKNOWN, batch]) for batch in it.iterate(args[0], "batches")], "list")
    if name == "enumerate" and args and isinstance(args[0], Seq):
        return Seq([Seq([Const(i), v]) for i, v in enumerate(args[0].items)], "list")
    if name == "range" and args and len(args) <= 3 and all(isinstance(a, Const) and type(a.value) is int for a in args):
        # ``for lag in range(1, 8)``: a short range of constants is unrolled (the lags' signs and column names known)
        bounds = [a.value for a in args if isinstance(a, Const)]
        if bounds[-1] != 0 or len(bounds) < 3:
            steps = range(*bounds)
            if len(steps) <= it.max_unroll:
                return Seq([Const(i) for i in steps], "list")
    if name == "dict" and not args:
        return Seq(list(kwargs.values()), "dict", list(kwargs))
    if name == "getattr" and len(args) >= 2 and isinstance(args[1], Const) and isinstance(args[1].value, str):
        return dataops.attr_of(it, args[0], args[1].value, node) if not isinstance(args[0], Data) else Method(
            args[0], args[1].value)
    if name in ("str", "int", "float", "bool") and args and isinstance(args[0], Const):
        try:
            return Const({"str": str, "int": int, "float": float, "bool": bool}[name](args[0].value))
        except (TypeError, ValueError):
            return UNKNOWN
    datas = [d for v in (*args, *kwargs.values()) for d in data_in(v)]
    if datas:
        first = datas[0]
        return it.derive(datas, first.kind if not first.aggregate else "scalar", text(node), name,
                         columns=first.columns, aggregate=first.aggregate,
                         label_derived=any(d.label_derived for d in datas))
    return UNKNOWN


def read(it: Interp, api: Api, site: Site) -> Value:
    """A reader: a source node holding every row (its columns from the call or the file's header).

    Readers that are not pandas' (``np.loadtxt``, ``load_iris``, ``pickle.load``) return the
    shape their catalog role names (``READ_SHAPES``): an array, ``(X, y)``, a dataset, anything.
    """
    if api.role:
        return _read_shaped(it, api, site)
    kwargs = site.kwargs
    src = site.arg(0, "filepath_or_buffer")
    where = src.value if isinstance(src, Const) and isinstance(src.value, str) else None
    columns = const_strings(kwargs.get("usecols") or kwargs.get("columns") or Const(None))
    # the header's names in the file's order (no column moved to the index): ``iloc[:, k]`` names a column
    ordered = False
    header = None
    if columns is None and where is not None:
        columns = header = pandasops.file_columns(it.base_dir, where, api.name, kwargs)
        ordered = columns is not None and kwargs.get(pandas_catalog.INDEX_COLUMN) is None
    if columns is None:
        columns = it.assumed_columns()
    nid = it.graph.new_id()
    source = f"{api.name}({where if where is not None else '…'})"
    it.emit(Read(nid, source, "<read>", it.where(), columns, path=file_key(where, it.base_dir)))
    out = Data("frame", "<read>", node=nid, columns=columns, ordered=ordered)
    timeorder.read_order(it, out, kwargs, api.name, header)
    index = kwargs.get(pandas_catalog.INDEX_COLUMN)
    if isinstance(index, Const) and type(index.value) is int and header is not None and 0 <= index.value < len(header):
        index = Const(header[index.value])  # ``index_col=0``: the header's first name
    if isinstance(index, Const) and isinstance(index.value, str) and index.value in it.datetimes:
        out.time_index = index.value
    return out


def _read_shaped(it: Interp, api: Api, site: Site) -> Value:
    src = site.arg(0, "fname" if api.module == "numpy" else "filename")
    where = src.value if isinstance(src, Const) and isinstance(src.value, str) else None
    # ``fetch_20newsgroups(subset="test")`` names its part as a file name would
    subset = site.kwargs.get("subset")
    if where is None and isinstance(subset, Const) and isinstance(subset.value, str):
        where = subset.value
    nid = it.graph.new_id()
    kind = "array" if api.role == "array" else "frame" if api.role == "dataset" else "value"
    it.emit(Read(nid, f"{api.name}({where if where is not None else '…'})", "<read>", it.where(), None, kind=kind))
    source = Data(kind, "<read>", node=nid)
    xy = site.kwargs.get("return_X_y")
    if api.role == "pair" or (api.role == "dataset" and isinstance(xy, Const) and xy.value is True):
        return Seq([it.derive([source], "array", site.text, "X"), it.derive([source], "array", site.text, "y")])
    if api.role == "object":
        return Unknown(api.name, source)  # data when used as data; a loaded model stays unknown
    if api.role == "splits":
        return _presplit(it, source, site)
    return source


def _presplit(it: Interp, source: Data, site: Site) -> Value:
    """``mnist.load_data()``: the source split into a train and a holdout part, each ``(x, y)``."""
    assert source.node is not None
    train = SplitPart(it.graph.new_id(), "train", "<train part>")
    test = SplitPart(it.graph.new_id(), "holdout", "<holdout part>")
    it.emit(Split(source.node, (train, test), "load_data", it.where(),
                  inferred=True))
    parts: list[Value] = []
    for part in (train, test):
        whole = Data("array", part.name, node=part.out)
        parts.append(Seq([it.derive([whole], "array", part.name, "x"), it.derive([whole], "array", part.name, "y")]))
    return Seq(parts)


def _plot_call(it: Interp, api: Api, site: Site) -> Value:
    """``sns.boxplot(x="churned", y="spend", data=df)`` / ``plt.hist(df.spend)``: a look at the data it draws."""
    kwargs = site.kwargs
    keyed = [kwargs.get(k) for k in ("data", *plotting_catalog.COLUMN_KEYWORDS)]
    datas = [v for v in (keyed[0], *site.args, *keyed[1:]) if isinstance(v, Data) and not v.aggregate]
    if not datas or any(d.pred is not None or it.graph.made_by_model(it.node(d)) for d in datas):
        # nothing the engine follows, or predictions against the labels: the picture of an evaluation
        return it.unknown_from(site.values, site.text, api.name)
    named: dict[str, object] = {}
    for key in plotting_catalog.COLUMN_KEYWORDS:
        v = kwargs.get(key)
        names = const_strings(v) if v is not None else None
        if names is not None:
            named[key] = list(names)
    series = [c for d in datas if d.kind == "series" and d.columns and len(d.columns) == 1 for c in d.columns]
    columns, relates = plotting_catalog.plotted(named, series or datas[0].columns)
    return inspect(it, datas[0], api.name, site, columns=columns or None, relates=relates)


def _module_inspect(it: Interp, api: Api, site: Site) -> Value:
    """``pd.crosstab(a, b)`` / ``pd.pivot_table(df, ...)``: the first data argument is inspected."""
    if api.role == "plot":
        return _plot_call(it, api, site)
    kwargs = site.kwargs
    datas = [v for v in site.values if isinstance(v, Data) and not v.aggregate]
    if not datas:
        return it.unknown_from(site.values, site.text, api.name)
    found: list[str] = []
    for d in datas:
        found += list(d.columns or ())
    for key in ("index", "columns", "values"):
        v = kwargs.get(key)
        if isinstance(v, Const) and isinstance(v.value, str):
            found.append(v.value)
    return inspect(it, datas[0], api.name, site, columns=tuple(dict.fromkeys(found)), relates=True)
