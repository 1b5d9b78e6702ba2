"""A per-cell AST scan: which names each top-level statement reads, writes and mutates.

This is how lineage crosses cells without line tracing: after a cell runs, every name it
wrote derives from the names its statement read (followed through names the same cell
wrote earlier). Wrapped library calls refine this with exact events; the scan is the
fallback that keeps an untracked value from looking clean.

>>> import ast
>>> scan = scan_cell(ast.parse("m = df['age'].mean()\\nx = m + 1"))
>>> sorted(scan.deps_of("x"))
['df']
"""

from __future__ import annotations

import ast
import dataclasses

from leakguard.libraries.pandas.catalog import SCHEMA_ATTRIBUTES
from leakguard.libraries.stdlib import catalog as stdlib_catalog

# Methods that change their receiver in place: the receiver then depends on the arguments.
MUTATORS = frozenset({
    "append", "extend", "insert", "update", "setdefault", "add", "fit", "partial_fit",
    "fit_transform", "fit_resample", "set_params", "__setitem__", "pop", "remove",
})
Span = tuple[int, int, int, int]


@dataclasses.dataclass(frozen=True, slots=True)
class Statement:
    """One top-level statement: its lines, and the names it reads, writes and mutates."""

    lineno: int
    end_lineno: int
    reads: frozenset[str]
    writes: frozenset[str]
    # a loop, ``with``, ``if`` or ``try``: its names are written and read all through its body
    compound: bool = False
    # in a compound statement, a name bound only by plain assignments inside it (``m = X_te["plan"] == p``
    # in a loop that also scores): what those assignments read, not everything the loop reads
    assigned_from: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)

    def reads_of(self, name: str) -> frozenset[str]:
        """The names ``name``'s value was made from, as far as this statement tells."""
        return self.assigned_from.get(name, self.reads)


@dataclasses.dataclass(slots=True)
class CellScan:
    """The scan of one cell: statements in order, and for each written name its pre-cell deps."""

    statements: list[Statement]
    deps: dict[str, frozenset[str]]
    shown: set[Span]
    calls: dict[Span, ast.Call] = dataclasses.field(default_factory=dict)
    # ``a, b = call(...)``: the names in order, by each line the statement spans, so a split's parts
    # are named as the user wrote them before the assignment binds them
    unpacked: dict[int, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    # calls whose result a plain assignment keeps in names (``counts = df.nunique()``)
    kept: set[Span] = dataclasses.field(default_factory=set)

    def receiver_names(self, span: Span | None) -> frozenset[str]:
        """Names read by what a method call at ``span`` is called on (``train`` in ``train["x"].max()``)."""
        call = self.calls.get(span) if span is not None else None
        if call is None or not isinstance(call.func, ast.Attribute):
            return frozenset()
        return frozenset(n.id for n in ast.walk(call.func.value) if isinstance(n, ast.Name))

    def argument_names(self, span: Span | None, index: int) -> frozenset[str]:
        """Names read by the ``index``-th positional argument of the call at ``span`` (``df`` in
        ``train_test_split(df["text"], y)`` for 0): empty when unknown or starred."""
        call = self.calls.get(span) if span is not None else None
        if call is None or index >= len(call.args) or any(isinstance(a, ast.Starred) for a in call.args[:index + 1]):
            return frozenset()
        return frozenset(n.id for n in ast.walk(call.args[index]) if isinstance(n, ast.Name))

    def receiver_text(self, span: Span | None, limit: int = 80) -> str | None:
        """The source text of what a method call at ``span`` is called on (``df.groupby('plan')['churned']``)."""
        call = self.calls.get(span) if span is not None else None
        if call is None or not isinstance(call.func, ast.Attribute):
            return None
        text = ast.unparse(call.func.value)
        return text if len(text) <= limit else text[: limit - 1] + "…"

    @property
    def writes(self) -> set[str]:
        """Every name the cell may bind or change."""
        return set(self.deps)

    def deps_of(self, name: str) -> frozenset[str]:
        """Pre-cell names the value of ``name`` derives from (after the whole cell)."""
        return self.deps.get(name, frozenset({name}))

    def statement_at(self, line: int) -> Statement | None:
        """The top-level statement spanning ``line``."""
        for st in self.statements:
            if st.lineno <= line <= st.end_lineno:
                return st
        return None

    def deps_at(self, line: int) -> frozenset[str]:
        """Pre-cell names feeding the statement at ``line``, through names bound earlier in the cell."""
        local: dict[str, frozenset[str]] = {}
        for st in self.statements:
            if st.lineno > line:
                break
            found = frozenset().union(*(local.get(n, frozenset({n})) for n in st.reads)) if st.reads else frozenset()
            if st.lineno <= line <= st.end_lineno:
                return found
            for w in st.writes:
                local[w] = found
        return frozenset()


EMPTY = CellScan([], {}, set())


class _Names(ast.NodeVisitor):
    """Collect loaded, stored and mutated names in a statement (not descending into nested scopes' stores)."""

    def __init__(self) -> None:
        self.reads: set[str] = set()
        self.writes: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.reads.add(node.id)
        else:
            self.writes.add(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name) and isinstance(node.ctx, ast.Load) and node.attr in SCHEMA_ATTRIBUTES:
            return  # ``X_tr.columns`` (``reindex(columns=X_tr.columns)``): the schema, none of its rows
        self.generic_visit(node)

    def _target_base(self, target: ast.expr) -> None:
        base = target
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        if isinstance(base, ast.Name) and base is not target:
            # df["x"] = ...: df is read and changed.
            self.reads.add(base.id)
            self.writes.add(base.id)

    def visit_Assign(self, node: ast.Assign) -> None:
        for t in node.targets:
            self._target_base(t)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._target_base(node.target)
        if isinstance(node.target, ast.Name):
            self.reads.add(node.target.id)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._target_base(node.target)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in stdlib_catalog.SIZING and len(node.args) == 1 \
                and not node.keywords and _sized(node.args[0]):
            self.reads.add(func.id)
            return  # ``len(X)``, ``len(X.index)``: how many rows, none of their values (as ``X.shape``)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            inplace = any(k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
                          for k in node.keywords)
            if inplace or func.attr in MUTATORS:
                self.reads.add(func.value.id)
                self.writes.add(func.value.id)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, (ast.Subscript, ast.Attribute)) \
                and isinstance(func.value.value, ast.Name) and any(
                    k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
                    for k in node.keywords):
            # ``df["x"].fillna(v, inplace=True)``: meant to change the column of ``df`` (it does before
            # pandas' copy-on-write; the static engine reads it so too)
            self.reads.add(func.value.value.id)
            self.writes.add(func.value.value.id)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.writes.add(node.name)
        inner = _Names()
        for stmt in node.body:
            inner.visit(stmt)
        for d in node.decorator_list:
            self.visit(d)
        self.reads |= inner.reads - inner.writes - {a.arg for a in node.args.args}

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.writes.add(node.name)
        inner = _Names()
        for stmt in node.body:
            inner.visit(stmt)
        self.reads |= inner.reads - inner.writes

    def visit_Lambda(self, node: ast.Lambda) -> None:
        inner = _Names()
        inner.visit(node.body)
        self.reads |= inner.reads - {a.arg for a in node.args.args}

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self.writes.add(alias.asname or alias.name.split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_Delete(self, node: ast.Delete) -> None:
        for t in node.targets:
            if isinstance(t, ast.Name):
                self.writes.add(t.id)
            else:
                self._target_base(t)
                self.visit(t)

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        inner = _Names()
        inner.generic_visit(node)
        self.reads |= inner.reads - inner.writes

    visit_ListComp = _comprehension
    visit_SetComp = _comprehension
    visit_GeneratorExp = _comprehension
    visit_DictComp = _comprehension


def _shown_calls(expr: ast.expr | None, out: set[Span]) -> None:
    """Record calls whose result is shown or kept: the statement's value and its method chain."""
    node = expr
    while node is not None:
        if isinstance(node, ast.Call):
            out.add(_span(node))
            func = node.func
            last = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if (isinstance(func, ast.Name) and last in stdlib_catalog.SHOWING) or last in stdlib_catalog.HOLDING:
                for arg in node.args:
                    _shown_calls(arg, out)
            elif isinstance(func, ast.Attribute) and last in stdlib_catalog.PLOTTING:
                for arg in (*node.args, *(k.value for k in node.keywords)):
                    _shown_calls(arg, out)
            node = func.value if isinstance(func, ast.Attribute) else None
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                _shown_calls(elt, out)
            node = None
        elif isinstance(node, ast.Dict):
            for value in node.values:
                _shown_calls(value, out)
            node = None
        elif isinstance(node, ast.Await):
            node = node.value
        else:
            node = None


def _span(node: ast.expr) -> Span:
    return (node.lineno, node.end_lineno or node.lineno, node.col_offset, node.end_col_offset or 0)


def _sized(arg: ast.expr) -> bool:
    """``X`` or ``X.index`` / ``X.columns``: a value whose length is only its number of rows (or columns)."""
    return isinstance(arg, ast.Name) or (isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name)
                                         and arg.attr in ("index", "columns"))


def _assigned_from(stmt: ast.stmt, writes: frozenset[str]) -> dict[str, frozenset[str]]:
    """For each name of ``writes`` that the body of compound ``stmt`` binds only by plain assignment
    (``x = ...``, ``a, b = ...``, ``x += ...``), the names those assignments read.

    A name bound any other way inside (a loop target, ``with ... as``, a method that changes it, an
    item or attribute assigned) is left out: all of the statement's reads stay its inputs.

    >>> tree = ast.parse("for p in ps:\\n    m = X['a'] == p\\n    s = f(y[m], q[m])\\n    out.append(s)")
    >>> {k: sorted(v) for k, v in sorted(_assigned_from(tree.body[0], frozenset({'p', 'm', 's', 'out'})).items())}
    {'m': ['X', 'p'], 's': ['f', 'm', 'q', 'y']}
    """
    plain: dict[str, set[str]] = {}
    other: set[str] = set()
    for node in ast.walk(stmt):
        if node is stmt or not isinstance(node, ast.stmt):
            continue
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            flat = [e for t in targets for e in (t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t])]
            if all(isinstance(e, ast.Name) for e in flat):
                names = _Names()
                names.visit(node)
                for e in flat:
                    if isinstance(e, ast.Name):
                        plain.setdefault(e.id, set()).update(names.reads)
                continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            other.add(node.name)
            continue
        names = _Names()
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try)):
            _targets_of(node, names)  # its body's statements come in this walk one by one
        else:
            names.visit(node)
        other |= names.writes
    return {name: frozenset(reads) for name, reads in plain.items() if name in writes and name not in other}


def _targets_of(node: ast.stmt, names: _Names) -> None:
    """The names a nested compound statement binds itself (loop targets, ``as`` names), not its body's."""
    if isinstance(node, (ast.For, ast.AsyncFor)):
        names.visit(node.target)
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        for item in node.items:
            if item.optional_vars is not None:
                names.visit(item.optional_vars)
    elif isinstance(node, ast.Try):
        names.writes.update(h.name for h in node.handlers if h.name)


def scan_cell(module: ast.Module) -> CellScan:
    """Scan a parsed cell: per-statement names, per-name deps, and calls whose result is shown or kept."""
    statements: list[Statement] = []
    deps: dict[str, frozenset[str]] = {}
    shown: set[Span] = set()
    for stmt in module.body:
        names = _Names()
        names.visit(stmt)
        reads, writes = frozenset(names.reads), frozenset(names.writes)
        compound = isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.If, ast.Try))
        statements.append(Statement(stmt.lineno, stmt.end_lineno or stmt.lineno, reads, writes, compound,
                                    _assigned_from(stmt, writes) if compound else {}))
        found = frozenset().union(*(deps.get(n, frozenset({n})) for n in reads)) if reads else frozenset()
        for w in writes:
            deps[w] = found
    calls: dict[Span, ast.Call] = {}
    unpacked: dict[int, tuple[str, ...]] = {}
    kept: set[Span] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Call):
            calls[_span(node)] = node
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and all(isinstance(t, ast.Name) for t in node.targets):
            kept.add(_span(node.value))
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], (ast.Tuple, ast.List)) \
                and all(isinstance(e, ast.Name) for e in node.targets[0].elts):
            targets = tuple(e.id for e in node.targets[0].elts if isinstance(e, ast.Name))
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                unpacked[line] = targets
        elif isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign, ast.Return)) and not (
                isinstance(node, ast.Assign) and all(isinstance(t, ast.Attribute) for t in node.targets)):
            # a value shown (the cell's last expression), kept in a name, or returned to the caller; one stored
            # on an object (``self.means = frame.mean()``) is state for later, not a look
            _shown_calls(node.value, shown)
    return CellScan(statements, deps, shown, calls, unpacked, kept)
