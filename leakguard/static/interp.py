"""Abstract interpretation of a notebook's cells: statements and expressions → lineage events.

The interpreter walks each cell's AST in order, keeping an environment of abstract
values (:mod:`leakguard.static.values`) across cells, so aliases, rebinding, tuple
unpacking and helper functions resolve as they would at run time. Calls are handed to
:mod:`leakguard.static.calls`, which turns catalog semantics into the kernel's events. Every
event goes through the same :class:`~leakguard.lineage.graph.LineageGraph` and the same
rules as in the kernel.

Loops run their body once per element of a literal sequence (at most ``MAX_UNROLL``),
otherwise twice (so "the same call repeated" shows); both branches of an ``if`` run; a
helper is followed into its body up to ``MAX_DEPTH`` calls deep. A step budget bounds the
work per cell: past it the rest of the cell is reported as not analysed.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path

from leakguard.finding import Finding
from leakguard.libraries.pandas.catalog import DEDUPLICATES
from leakguard.lineage.events import Derive, Event, Inspect, NodeId, Where
from leakguard.lineage.graph import LineageGraph, holds_rows
from leakguard.lineage.recorder import Recorder
from leakguard.policy import Policy
from leakguard.static import dataops, splits
from leakguard.static.emitted import event
from leakguard.static.exprs import EXPRESSIONS
from leakguard.static.resolve import CatalogIndex, catalog_index
from leakguard.static.statements import STATEMENTS, Break, Continue, Returned
from leakguard.static.values import (
    LOOP_ITEM,
    UNKNOWN,
    Const,
    Data,
    Estimator,
    Func,
    Instance,
    Klass,
    Label,
    Ref,
    Seq,
    Unknown,
    Value,
    data_in,
    text,
)

MAX_UNROLL = 12
MAX_NAMES = 48  # constants (column names) a loop or a comprehension unrolls
MAX_DEPTH = 4
STEP_BUDGET = 20_000
_BUILTINS = frozenset({
    "print", "display", "len", "list", "dict", "tuple", "set", "sorted", "sum", "min", "max", "abs", "round",
    "range", "enumerate", "zip", "map", "filter", "isinstance", "type", "str", "int", "float", "bool", "repr",
    "open", "any", "all", "iter", "next", "reversed", "getattr", "hasattr", "vars", "id", "hash", "format",
})


class Blocked(Exception):
    """Block mode: the call would raise LeakageError, so the rest of the cell does not run."""


class _Budget(Exception):
    pass


@dataclasses.dataclass(slots=True)
class Located:
    """A finding and the column of the call that produced it."""

    finding: Finding
    col: int


class Interp:
    """The abstract interpreter for one file: environment, lineage graph, findings and notes."""

    def __init__(self, policy: Policy, base_dir: Path,
                 mentioned: Callable[[], frozenset[str]] = frozenset) -> None:
        self.graph = LineageGraph(policy)
        # the one judge, as in the kernel: block mode ends the cell; restricting a look costs nothing here,
        # so safe mode restricts every one
        self.recorder = Recorder(self.graph, stop=_blocked, kept=self._kept, replaced=self._replaced,
                                 restrict_every_inspection=True)
        self.index: CatalogIndex = catalog_index()
        self.base_dir = base_dir
        self.datetimes: dict[str, str] = {}  # columns parsed as datetimes -> how (see static/timeorder.py)
        self._mentioned = mentioned
        self._mentioned_cache: frozenset[str] | None = None
        self.globals: dict[str, Value] = {}
        self.scopes: list[dict[str, Value]] = [self.globals]
        self.found: list[Located] = []
        self.notes: list[tuple[Where, str]] = []
        self._noted: set[str] = set()
        self.cell_id = "cell 1"
        self.execution_count: int | None = None
        self.line = 1
        self.col = 1
        self.shown_override: bool | None = None
        # ``counts = df.nunique()``: the call whose result a plain assignment keeps, and the column-choosing
        # statistics kept that way, not looked at until shown (``print(counts)``): id -> (the value, the look)
        self.kept_call: ast.expr | None = None
        self.kept_choosers: dict[int, tuple[Value, Inspect]] = {}
        self.active: list[Func] = []
        self.steps = 0
        self.subsets: dict[NodeId, list[tuple[str, Data]]] = {}
        self.views: dict[str, Data] = {}          # Spark temp views by lower-cased name
        self.networks: dict[NodeId, Estimator] = {}  # the estimator whose state a model node is (its predictions' losses)
        self.star_imports: list[str] = []         # modules imported with ``*`` whose names resolve by path
        self._where: Where | None = None

    # -- cells -------------------------------------------------------------------------------

    @property
    def policy(self) -> Policy:
        return self.graph.policy

    def run_cell(self, tree: ast.Module, cell_id: str, execution_count: int | None) -> None:
        """Interpret one parsed cell; block mode and the step budget end it early."""
        self.cell_id, self.execution_count = cell_id, execution_count
        self.steps = 0
        try:
            for stmt in tree.body:
                self.exec(stmt)
        except Blocked:
            pass
        except _Budget:
            self.cut_short("step budget", f"the cell is too complex to analyse past line {self.line}",
                           f"leakguard stopped after {STEP_BUDGET:,} steps; the rest of the cell was not checked")
        except (Returned, Break, Continue):
            pass
        except RecursionError:
            self.cut_short("nesting", f"the expression at line {self.line} is nested too deeply to analyse",
                           "the rest of the cell was not checked")

    def assumed_columns(self) -> tuple[str, ...] | None:
        """Columns a frame read from a file that is not at hand is taken to hold: the policy's columns
        that the code names somewhere (so ``df.corr()`` relates the label as it would at run time)."""
        if self._mentioned_cache is None:
            self._mentioned_cache = self._mentioned()
        cols = tuple(c for c in self.policy.protected_columns if c in self._mentioned_cache)
        return cols or None

    def where(self) -> Where:
        """Where the current call happens (one object per line, shared by its events)."""
        w = self._where
        if w is None or w.line != self.line or w.cell != self.cell_id:
            w = self._where = Where(self.cell_id, self.execution_count, self.line)
        return w

    def note(self, text: str) -> None:
        """A message about what the engine could not do, shown with the cell's findings."""
        if text not in self._noted:
            self._noted.add(text)
            self.notes.append((self.where(), text))

    def cut_short(self, limit: str, title: str, detail: str) -> None:
        """An analysis limit cut the check short here: an ``info`` finding says so and where (never silent)."""
        self._kept(Finding(
            "unresolved", "info", self.where(), title, f"{detail}, so it is not counted as clean.",
            hint="split the code into smaller cells or helpers; what follows the limit was not judged.",
            subject=f"analysis limit: {limit}"))

    # -- events ------------------------------------------------------------------------------

    def emit(self, event: Event) -> list[Finding]:
        """Record ``event`` through the recorder (the kernel's judge); block mode ends the cell."""
        return self.recorder.record(event)

    def _kept(self, finding: Finding) -> None:
        self.found.append(Located(finding, self.col))

    def _replaced(self, old: Finding, new: Finding) -> None:
        self.found[:] = [Located(new, x.col) if x.finding is old else x for x in self.found]

    def node(self, d: Data, name: str | None = None) -> NodeId:
        """The lineage node of ``d``, made now (one Derive for a pending chain) if it has none yet."""
        if d.node is not None:
            return d.node
        nid = self.graph.new_id()
        op = "→".join(d.ops[-3:]) if d.ops else "assign"
        self.emit(event(Derive, out=nid, inputs=d.inputs, op=op, name=name or d.text, where=self.where(),
                        rows="aggregate" if d.aggregate else "unknown", columns=d.columns, removes=d.removes,
                        kind=d.kind, label_derived=d.label_derived, looks_ahead=d.looks_ahead,
                        synthetic=d.synthetic, unresolved=d.unresolved,
                        dropped=d.dropped if d.dropped is not None else (() if d.same_columns else None)))
        d.node = nid
        return nid

    def derive(self, inputs: Iterable[Value], kind: str, text: Label, op: str, *,
               columns: tuple[str, ...] | None = None, removes: frozenset[str] = frozenset(),
               aggregate: bool = False, label_derived: bool = False) -> Data:
        """A pending value computed from ``inputs`` (their tracked data) by ``op``."""
        ids: list[NodeId] = []
        ops: tuple[str, ...] = ()
        sorted_by = None
        colsrc: frozenset[str] | None = frozenset()
        ahead = synthetic = False
        preds = []
        lib = ""
        for v in inputs:
            datas = (v,) if type(v) is Data else data_in(v)
            for d in datas:
                lib = lib or d.lib
                node = d.node
                if node is None and not (d.removes or d.aggregate or d.label_derived or d.unresolved
                                         or d.dropped is not None or d.chosen):
                    ids.extend(d.inputs)
                    ops = ops or d.ops
                    ahead = ahead or d.looks_ahead
                    synthetic = synthetic or d.synthetic
                else:
                    ids.append(node if node is not None else self.node(d))
                if sorted_by is None:
                    sorted_by = d.sorted_by
                if colsrc is not None and not d.aggregate and d.kind != "model":
                    colsrc = None if d.colsrc is None else colsrc | d.colsrc
                if d.pred is not None:
                    preds.append(d.pred)
        if aggregate:
            sorted_by = colsrc = None
        # positional, in the field order of Data (this is the engine's hottest constructor)
        return Data(kind, text, None, tuple(dict.fromkeys(ids)) if len(ids) > 1 else tuple(ids), (*ops, op),
                    columns, removes, aggregate, label_derived, sorted_by, None, None,
                    preds[0] if len(preds) == 1 else None, colsrc, ahead, synthetic and op not in DEDUPLICATES, False, lib)

    def unknown_from(self, values: Iterable[Value], text: Label, op: str) -> Value:
        """What an unresolved call returns: Unknown, carrying lineage when tracked data went in."""
        vals = list(values)
        if not any(data_in(v) for v in vals):
            return UNKNOWN
        return Unknown(op, self.derive(vals, "value", text, op))

    # -- names -------------------------------------------------------------------------------

    def lookup(self, name: str) -> Value:
        scope = self.scopes[-1]
        if name in scope:
            return scope[name]
        if name in self.globals:
            return self.globals[name]
        if name in _BUILTINS:
            return Ref(f"builtins.{name}")
        if name == "spark":
            # the session notebook platforms (Databricks, EMR, Synapse) define before the first cell
            return Ref("pyspark.sql.session.SparkSession")
        if self.star_imports:
            return Ref(f"{self.star_imports[-1]}.{name}")
        return Unknown(f"undefined name {name}")

    def bind(self, target: ast.expr, value: Value) -> None:
        """Assign ``value`` to an assignment target (names, tuples, subscripts, attributes)."""
        if isinstance(target, ast.Name):
            self.bind_name(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(target.elts, value)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value)
        elif isinstance(target, ast.Subscript):
            dataops.set_item(self, target, value)
        elif isinstance(target, ast.Attribute):
            dataops.set_attr(self, target, value)

    def _unpack(self, elts: list[ast.expr], value: Value) -> None:
        star = next((i for i, e in enumerate(elts) if isinstance(e, ast.Starred)), None)
        if isinstance(value, Seq) and star is None and len(value.items) == len(elts):
            for t, v in zip(elts, value.items, strict=True):
                self.bind(t, v)
            return
        if isinstance(value, Seq) and star is not None and len(value.items) >= len(elts) - 1:
            after = len(elts) - star - 1
            for t, v in zip(elts[:star], value.items[:star], strict=True):
                self.bind(t, v)
            self.bind(elts[star], Seq(value.items[star:len(value.items) - after], "list"))
            for t, v in zip(elts[star + 1:], value.items[len(value.items) - after:], strict=True):
                self.bind(t, v)
            return
        for t in elts:
            if isinstance(value, Data) and value.aggregate and not isinstance(t, ast.Starred):
                # ``lo, hi = np.percentile(df.x, [1, 99])``: each item is the statistic's, as ``bounds[1]`` is
                self.bind(t, self.derive([value], "scalar", text(t), "item", aggregate=True,
                                         label_derived=value.label_derived))
                continue
            if isinstance(value, Unknown) and value.reason == LOOP_ITEM:
                # ``for i, c in enumerate(model.classes_)``: each part of this pass's item is this pass's own
                self.bind(t, Unknown(LOOP_ITEM, value.data))
                continue
            self.bind(t, self.unknown_from([value], text(t), "unpack"))

    def bind_name(self, name: str, value: Value) -> None:
        if isinstance(value, Data):
            if value.node is None:
                if value.origin is not None:
                    self.node(value, name)
                else:
                    # stays pending (no event until something needs it), under the name people gave it
                    value.label = name
            else:
                node = self.graph.nodes.get(value.node)
                if node is not None and node.name.startswith("<"):
                    node.name = name
            if len(self.scopes) == 1 and value.origin is not None:
                value = splits.find_partition(self, name, value)
        elif isinstance(value, Unknown) and value.data is not None and value.data.node is None:
            value.data.label = name
        self.scopes[-1][name] = value

    # -- statements --------------------------------------------------------------------------

    def exec_block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.exec(stmt)

    def exec(self, s: ast.stmt) -> None:
        self.steps += 1
        if self.steps > STEP_BUDGET:
            raise _Budget
        if self.shown_override is None:
            self.line = s.lineno
        handler = STATEMENTS.get(type(s))
        if handler is not None:
            handler(self, s)

    max_unroll = MAX_UNROLL  # passes made over a loop of known items

    def iterate(self, iterable: Value, text: str) -> list[Value]:
        """The values a loop over ``iterable`` binds, one per pass the engine makes."""
        if isinstance(iterable, Seq) and iterable.kind == "dict" and iterable.keys is not None:
            return [Const(k) for k in iterable.keys[:MAX_UNROLL]]
        if isinstance(iterable, Seq) and iterable.kind == "container":
            # ``for xb, yb in loader``: batches of the rows it holds; one pass stands for all of them (an evaluation
            # summed over the batches of a test loader is one evaluation)
            return [Seq(list(iterable.items))]
        if isinstance(iterable, Seq) and (len(iterable.items) <= MAX_UNROLL or (len(iterable.items) <= MAX_NAMES
                                          and all(isinstance(v, Const) for v in iterable.items))):
            return list(iterable.items)  # names (``for c in df.columns``) unroll further: a wide frame's columns
        if isinstance(iterable, Data) and iterable.kind == "index" and self._of_statistic(iterable):
            # ``for c in skewed[skewed > .75].index``: the labels of a statistic, names of columns; what chose
            # them is a look (peek rules), not a value of any row (as the kernel skips names holding column names)
            return [Unknown(LOOP_ITEM), Unknown(LOOP_ITEM)]
        item = self.unknown_from([iterable], f"{text}[i]", "iterate")
        # two passes, two values of the loop (``y_test == c`` for two classes c are two sets of labels)
        data = item.data if isinstance(item, Unknown) else None
        return [Unknown(LOOP_ITEM, data), Unknown(LOOP_ITEM, data)]

    def _of_statistic(self, d: Data) -> bool:
        """True when ``d`` was computed from statistics only (no value holding rows went in)."""
        ids = (d.node,) if d.node is not None else d.inputs
        nodes = [self.graph.nodes[i] for i in ids if i in self.graph.nodes]
        return bool(nodes) and not any(holds_rows(n) for n in nodes)

    # -- expressions -------------------------------------------------------------------------

    def eval(self, node: ast.expr | None, shown: bool = False) -> Value:
        """The abstract value of ``node``; ``shown`` says its result is shown or kept (peek semantics)."""
        if node is None:
            return Const(None)
        self.steps += 1
        if self.steps > STEP_BUDGET:
            raise _Budget
        handler = EXPRESSIONS.get(type(node))
        if handler is None:
            return UNKNOWN
        return handler(self, node, shown)

    def shown(self, shown: bool) -> bool:
        """Inside a helper, an inspection is shown when its result is shown or kept in the helper's body (returned,
        bound) and the helper's call in the cell is too: ``fillna(data.x.mean())`` in a helper is no look (as in the
        kernel)."""
        return shown if self.shown_override is None else shown and self.shown_override

    def instantiate(self, klass: Klass, args: list[Value], kwargs: dict[str, Value], site: ast.Call) -> Value:
        """``Klass(...)``: a new instance, its ``__init__`` followed with ``self`` bound."""
        obj = Instance(klass)
        init = klass.methods.get("__init__")
        if init is not None:
            self.call_func(init, [obj, *args], kwargs, site, False)
        return obj

    def call_method(self, obj: Instance, name: str, args: list[Value], kwargs: dict[str, Value], site: ast.Call, *,
                    shown: bool) -> Value:
        """``obj.name(...)`` on an instance of a notebook class: the method followed with ``self`` bound.

        ``fit_transform`` without its own definition is ``fit`` then ``transform`` (scikit-learn's mixin)."""
        method = obj.klass.methods.get(name)
        if method is not None:
            return self.call_func(method, [obj, *args], kwargs, site, shown)
        fit, transform = obj.klass.methods.get("fit"), obj.klass.methods.get("transform")
        if name == "fit_transform" and fit is not None and transform is not None:
            self.call_func(fit, [obj, *args], kwargs, site, False)
            return self.call_func(transform, [obj, *args[:1]], {}, site, shown)
        return self.unknown_from([obj, *args, *kwargs.values()], f"{obj.klass.name}.{name}()", name)

    def call_func(self, f: Func, args: list[Value], kwargs: dict[str, Value], site: ast.Call, shown: bool) -> Value:
        """Follow a notebook-defined function into its body with its arguments bound."""
        if len(self.active) >= MAX_DEPTH or f in self.active:
            why = "calls itself" if f in self.active else f"is called {MAX_DEPTH} helpers deep"
            self.cut_short("call depth", f"{f.name}() {why}: not followed",
                           f"leakguard did not follow {f.name}() into its body at line {self.line}; "
                           "what it does with its arguments is not known")
            return self.unknown_from([*args, *kwargs.values()], f"{f.name}()", f.name)
        fn = f.node
        local: dict[str, Value] = {}
        params = [*fn.args.posonlyargs, *fn.args.args]
        defaults = fn.args.defaults
        for i, p in enumerate(params):
            if i < len(args):
                local[p.arg] = args[i]
            elif p.arg in kwargs:
                local[p.arg] = kwargs[p.arg]
            else:
                k = i - (len(params) - len(defaults))
                local[p.arg] = self.eval(defaults[k]) if 0 <= k < len(defaults) else UNKNOWN
        if fn.args.vararg is not None:
            local[fn.args.vararg.arg] = Seq(list(args[len(params):]))
        for p, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True):
            local[p.arg] = kwargs.get(p.arg) or (self.eval(d) if d is not None else UNKNOWN)
        if fn.args.kwarg is not None:
            rest = {k: v for k, v in kwargs.items() if k not in local}
            local[fn.args.kwarg.arg] = Seq(list(rest.values()), "dict", list(rest))
        outer = self.shown_override
        if outer is None:
            self.shown_override = shown
            self.line, self.col = site.lineno, site.col_offset + 1
        self.scopes.append(local)
        self.active.append(f)
        try:
            if isinstance(fn, ast.Lambda):
                return self.eval(fn.body, shown=True)
            if f.generator:
                return self.unknown_from(args, f"{f.name}()", "generator")
            self.exec_block(fn.body)
            return Const(None)
        except Returned as r:
            return r.value
        except (Break, Continue):
            return UNKNOWN
        finally:
            self.active.pop()
            self.scopes.pop()
            self.shown_override = outer


def _blocked(found: tuple[Finding, ...]) -> None:
    """Block mode in the static engine: the call would raise, so the rest of the cell does not run."""
    raise Blocked
