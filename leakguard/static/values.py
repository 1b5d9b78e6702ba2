"""Abstract values: what the static engine knows about a Python value without running the code.

A value is one of: a reference to something imported (``Ref('pandas.read_csv')``), tracked
data bound to a lineage node (``Data``), a group-by, an estimator, a sequence, a constant,
a function defined in the notebook, a bound method, or ``Unknown``. Data values are
*pending* until something needs their node: a chain such as ``df[df.x > 0].dropna()``
becomes one lineage node when it is bound to a name or looked at, as in the kernel.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import Any

from leakguard.lineage.events import NodeId

Label = str | ast.AST  # source text, or the expression it is made from when asked


@dataclasses.dataclass(slots=True, eq=False)
class Ref:
    """A module, function or class reached through an import: ``pandas.read_csv``."""

    path: str


@dataclasses.dataclass(slots=True, eq=False)
class Data:
    """Row data or a statistic that carries lineage.

    ``node`` is set once the value has its own lineage node; until then ``inputs`` and
    the pending facts (``ops``, ``removes``...) say how to make it.
    """

    kind: str                                   # frame, series, array, scalar, value
    label: Label                                # source text (or the expression, turned into text when needed)
    node: NodeId | None = None
    inputs: tuple[NodeId, ...] = ()
    ops: tuple[str, ...] = ()
    columns: tuple[str, ...] | None = None
    removes: frozenset[str] = frozenset()
    aggregate: bool = False
    label_derived: bool = False
    sorted_by: str | None = None               # the column the rows are known to be ordered by
    filter: tuple[Any, ...] | None = None       # the condition tree of a boolean mask (see dataops)
    origin: tuple[NodeId, str, Any] | None = None  # (parent node, how, detail) for hand-made split detection
    pred: tuple[NodeId, NodeId] | None = None      # (fitted model, data) when made by predict()
    colsrc: frozenset[str] | None = None            # columns of the base frame a series is computed from, row by row
    looks_ahead: bool = False                       # a row's value uses later rows (bfill, shift(-1), centred windows)
    synthetic: bool = False                         # rows made from other rows (resampling, augmentation)
    unresolved: bool = False                        # made by a call the engine does not know
    lib: str = ""                                   # "" pandas/numpy; "spark", "polars", "polars.lazy"
    peeked: bool = False                            # the result of a recorded inspection (an action on it is no new look)
    descending: bool = False                        # sorted_by newest first (``sort_values(c, ascending=False)``)
    datetime: bool = False                          # a column of datetimes (``pd.to_datetime(...)``, ``astype``)
    dropped: tuple[str, ...] | None = None          # columns unknown: its input's columns but these (Derive.dropped)
    draw: tuple[Any, ...] | None = None            # rows named by a random draw: (token, lower, upper) (splits.py)
    time_index: str | None = None                   # the index is this datetime column (``set_index``, ``index_col``)
    buckets: bool = False                           # rows grouped into time buckets (``resample("W")``)
    entity_index: bool = False                      # time_index is a level after entity keys (``set_index(["store", "date"])``)
    same_columns: bool = False                      # unknown columns, but exactly those of the frame it came from
    chosen: bool = False                            # some columns of its input, which ones the code does not show
    rows_by: tuple[str, ...] = ()                   # columns a mask chose its rows by (``df[df.y == 1]``)
    ordered: bool = False                           # ``columns`` are in the data's real order: positions name them

    def keeps_columns_of(self, base: Data) -> None:
        """This value holds exactly ``base``'s columns, whose names are unknown (rows selected, reordered...)."""
        self.same_columns = self.columns is None and base.kind == "frame" and self.kind == "frame" and (
            base.node is not None or base.same_columns)

    @property
    def text(self) -> str:
        """The value's source text, for names in messages (computed once, only when asked)."""
        label = self.label
        if isinstance(label, str):
            return label
        made = self.label = text(label)
        return made


@dataclasses.dataclass(slots=True, eq=False)
class GroupBy:
    """``df.groupby(keys)[selection]``: the grouped data, its key columns and selected columns."""

    data: Data
    keys: tuple[str, ...]
    selection: tuple[str, ...] | None = None
    text: str = ""


@dataclasses.dataclass(slots=True, eq=False)
class Estimator:
    """An instance of a model or transformer class (``StandardScaler()``, a ``Pipeline``)."""

    cls: str
    text: str
    steps: list[Estimator] = dataclasses.field(default_factory=list)
    fitted: NodeId | None = None
    wraps: Estimator | None = None   # a search CV's or wrapper's estimator
    keras: bool = False
    learner: str = "model"           # model | transformer | search | resampler | splitter
    learns: bool = True              # False: fitting learns nothing from rows (Normalizer, FunctionTransformer)
    encodes_target: bool = False     # the fitted state encodes the target per group (TargetEncoder)
    params: dict[str, Any] = dataclasses.field(default_factory=dict)  # literal parameters (Spark ML: labelCol...)


@dataclasses.dataclass(slots=True, eq=False)
class Seq:
    """A tuple, list, set or dict display; dict keys are kept when they are constants."""

    items: list[Value]
    kind: str = "tuple"
    keys: list[Any] | None = None


@dataclasses.dataclass(slots=True, eq=False)
class Const:
    """A literal: ``'churned'``, ``0.2``, ``None``, ``'2024-06-01'``."""

    value: Any


@dataclasses.dataclass(slots=True, eq=False)
class Func:
    """A function or lambda defined in the notebook, followed into its body when called."""

    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    name: str
    generator: bool = False  # its body yields: calling it returns a generator, not its return value


@dataclasses.dataclass(slots=True, eq=False)
class Klass:
    """A class defined in the notebook: its methods are followed like functions (``self`` bound)."""

    name: str
    methods: dict[str, Func]
    bases: tuple[str, ...] = ()      # the dotted paths of its imported base classes (``torch.nn.Module``)


@dataclasses.dataclass(slots=True, eq=False)
class Instance:
    """An instance of a notebook class: the attributes its methods set (``self.means = frame.mean()``)."""

    klass: Klass
    attrs: dict[str, Value] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True, eq=False)
class Method:
    """``obj.name`` not called yet (``f = df.describe``)."""

    receiver: Value
    name: str


@dataclasses.dataclass(slots=True, eq=False)
class Conn:
    """A database connection (or cursor) whose queries the SQL analysis reads, in ``dialect``.

    ``lib`` names a frame library's own SQL front end (``polars`` for ``pl.SQLContext``), whose
    ``tables`` are the frames registered by name. ``result`` is the result of the last query a
    cursor ran: what is fetched from it, or the cursor itself read as rows (``list(cur)``)."""

    dialect: str
    lib: str = ""
    tables: dict[str, Data] = dataclasses.field(default_factory=dict)
    cursor: bool = False
    result: Data | None = None


@dataclasses.dataclass(slots=True, eq=False)
class Expr:
    """A column expression of a lazy frame library: Spark's ``F.col("x") > 0``, Polars' ``pl.col("x").mean()``.

    ``columns`` are the columns it references (None: every column, ``pl.all()``), ``aggregate``
    that it reduces rows to a statistic, ``filter`` the condition tree when it is a row condition
    (see :mod:`leakguard.static.dataops`)."""

    lib: str
    columns: tuple[str, ...] | None = ()
    aggregate: bool = False
    filter: tuple[Any, ...] | None = None
    window: bool = False            # evaluated over a window (``.over(...)``): one value per row, not a reduction
    derived: bool = False           # computed from its columns (not the column itself): conditions name the expression
    # statistics of the frame's rows the expression computes (Polars ``pl.col("x").mean()``), as (text, op, columns):
    # a per-row expression holding one broadcasts a statistic of every row onto each row
    stats: tuple[tuple[Label, str, tuple[str, ...] | None], ...] = ()
    values: tuple[Data, ...] = ()   # tracked values it uses (``pl.col("x") - mu``): their lineage goes with it


@dataclasses.dataclass(slots=True, eq=False)
class Unknown:
    """A value the engine cannot resolve; ``data`` holds lineage when it was computed from tracked data."""

    reason: str = ""
    data: Data | None = None


Value = Ref | Data | GroupBy | Estimator | Seq | Const | Func | Klass | Instance | Method | Conn | Expr | Unknown

UNKNOWN = Unknown()
LOOP_ITEM = "iterate"  # the reason of a loop's item over values the engine does not know (one object per pass)


def arg(args: list[Value], kwargs: dict[str, Value], pos: int, name: str) -> Value | None:
    """The argument passed at position ``pos`` or by keyword ``name``."""
    if name in kwargs:
        return kwargs[name]
    return args[pos] if pos < len(args) else None


def const_strings(value: Value) -> tuple[str, ...] | None:
    """The strings of a constant or a sequence of constants (column names), else None."""
    if isinstance(value, Const) and isinstance(value.value, str):
        return (value.value,)
    if isinstance(value, Seq):
        out: list[str] = []
        for item in value.items:
            if not (isinstance(item, Const) and isinstance(item.value, str)):
                return None
            out.append(item.value)
        return tuple(out)
    return None


def data_in(value: Value) -> list[Data]:
    """Every tracked data value inside ``value`` (through sequences, group-bys and unknowns)."""
    if isinstance(value, Data):
        return [value]
    if isinstance(value, GroupBy):
        return [value.data]
    if isinstance(value, Seq):
        out: list[Data] = []
        for item in value.items:
            out.extend(data_in(item))
        return out
    if isinstance(value, Unknown) and value.data is not None:
        return [value.data]
    if isinstance(value, Method):
        return data_in(value.receiver)
    if isinstance(value, Conn) and value.result is not None:
        return [value.result]
    if isinstance(value, Instance):
        out = []
        for item in value.attrs.values():
            if not isinstance(item, Instance):  # an attribute holding another instance (or itself) is not followed
                out.extend(data_in(item))
        return out
    return []


def text(node: ast.AST | str, limit: int = 60) -> str:
    """Short source text of an expression, cheaply (no unparse for the common shapes)."""
    if isinstance(node, str):
        return node
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{text(node.value, limit)}.{node.attr}"
    if isinstance(node, ast.Subscript):
        inner = node.slice
        if isinstance(inner, ast.Constant):
            key = repr(inner.value)
        elif isinstance(inner, ast.List) and all(isinstance(e, ast.Constant) for e in inner.elts):
            key = "[" + ", ".join(repr(e.value) for e in inner.elts if isinstance(e, ast.Constant)) + "]"
            key = key if len(key) <= limit else key[: limit - 2] + "…]"
        elif isinstance(inner, ast.Name):
            key = inner.id
        else:
            key = "…"
        return f"{text(node.value, limit)}[{key}]"
    if isinstance(node, ast.Call):
        return f"{text(node.func, limit)}()"
    if isinstance(node, ast.Constant):
        return repr(node.value)[:limit]
    return "<expr>"
