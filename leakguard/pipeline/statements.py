"""The top-level statements of a notebook's cells, with what each one defines, changes, uses and does.

Export slices statements, not lines: each top-level statement of each cell becomes a
:class:`Stmt` carrying the names it binds (``defs``), the objects it changes in place
(``mutates``: ``df["x"] = ...``, ``model.fit(...)``, ``inplace=True``), the names it reads
(``uses``, and ``late_uses`` inside function bodies, read when called), its kind (import,
magic, inspection, policy, global state, code) and the lineage events the static engine
placed on its lines (reads, fits, evaluations, splits).

>>> from leakguard.pipeline.notebook import CodeCell
>>> cell = CodeCell(1, "c1", "import pandas as pd\\ndf = pd.read_csv('a.csv')\\ndf.head()\\n", "", None)
>>> [(s.kind, sorted(s.defs), sorted(s.uses)) for s in statements([cell], Aliases())]
[('import', ['pd'], []), ('code', ['df'], ['pd']), ('inspection', [], ['df'])]
"""

from __future__ import annotations

import ast
import dataclasses
import symtable
from collections.abc import Iterable, Iterator

from leakguard.lineage.events import Evaluate, Event, Fit, Query, Read, Split
from leakguard.pipeline.notebook import CodeCell
from leakguard.static.reading.sources import MAGIC_CALL

# Calls whose result is only looked at (their statement is inspection when nothing else happens).
PURE_FUNCTIONS = frozenset({
    "print", "display", "len", "round", "repr", "str", "list", "sorted", "type", "sum", "min", "max", "abs",
    "dict", "set", "tuple", "isinstance", "id", "hash", "format", "help", "dir", "vars", "int", "float", "bool",
    "range", "enumerate", "zip", "any", "all", "HTML", "Markdown", "Image",
})
INSPECT_METHODS = frozenset({
    "head", "tail", "describe", "info", "sample", "value_counts", "corr", "cov", "mean", "median", "std", "var",
    "sum", "min", "max", "count", "nunique", "unique", "quantile", "mode", "skew", "kurt", "isna", "isnull",
    "notna", "notnull", "plot", "hist", "boxplot", "memory_usage", "to_string", "to_markdown", "to_html",
    "groupby", "agg", "aggregate", "pivot_table", "crosstab", "style", "background_gradient", "profile_report",
    "show", "display", "explain", "findings", "summary", "get_params", "score", "predict", "predict_proba",
    "transform", "copy", "query", "sort_values", "sort_index", "drop", "astype", "round", "abs", "items",
    "keys", "values", "tolist", "to_numpy", "to_dict", "to_list", "dropna", "fillna", "merge", "join",
    "reset_index", "set_index", "rename", "apply", "map", "filter", "select_dtypes", "duplicated",
    "drop_duplicates", "any", "all", "idxmax", "idxmin", "nlargest", "nsmallest", "between", "isin",
    "format", "upper", "lower", "startswith", "endswith", "replace", "strip", "split", "shape", "argmax",
})
MUTATING_METHODS = frozenset({
    "fit", "partial_fit", "fit_transform", "fit_predict", "fit_resample", "set_params", "compile", "append",
    "extend", "insert", "remove", "pop", "popitem", "clear", "update", "setdefault", "add", "discard",
    "sort", "reverse", "load_state_dict", "set_output", "set_fit_request", "__setitem__",
})
WRITE_METHODS = frozenset({
    "to_csv", "to_parquet", "to_json", "to_excel", "to_pickle", "to_feather", "to_hdf", "to_stata", "to_orc",
    "to_sql", "write_csv", "write_parquet", "write_json", "write_text", "write_bytes", "save", "save_model",
    "save_weights", "dump", "savetxt", "savez", "savez_compressed", "to_netcdf", "to_zarr",
})
INSPECT_MODULES = ("matplotlib", "seaborn", "plotly", "altair", "bokeh", "missingno", "ydata_profiling",
                   "pandas_profiling", "IPython.display", "sweetviz", "yellowbrick")
STATE_CALLS = frozenset({
    "seed", "manual_seed", "set_seed", "set_random_seed", "set_option", "set_config", "chdir",
    "use_deterministic_algorithms",
})
MODEL_LEARNERS = ("model", "search")


@dataclasses.dataclass(slots=True)
class Aliases:
    """Names bound by imports across the notebook: ``pd`` → ``pandas``, ``split`` → ``leakguard.split``."""

    modules: dict[str, str] = dataclasses.field(default_factory=dict)

    def learn(self, node: ast.stmt) -> None:
        """Record the names an import statement binds."""
        if isinstance(node, ast.Import):
            for a in node.names:
                self.modules[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                self.modules[a.asname or a.name] = f"{node.module}.{a.name}"

    def dotted(self, node: ast.expr) -> str | None:
        """``leakguard.split`` for ``lg.split`` (after ``import leakguard as lg``), else the plain dotted text."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(self.modules.get(node.id, node.id))
        return ".".join(reversed(parts))


@dataclasses.dataclass(slots=True, eq=False)
class Stmt:
    """One top-level statement of a cell (or a whole ``%%sql`` cell)."""

    index: int
    cell: CodeCell
    node: ast.stmt | None
    kind: str                                 # code | import | magic | inspection | policy | state | sql
    defs: frozenset[str] = frozenset()
    mutates: frozenset[str] = frozenset()
    uses: frozenset[str] = frozenset()
    late_uses: frozenset[str] = frozenset()
    events: tuple[Event, ...] = ()
    writes: bool = False
    looks_inspection: bool = False

    @property
    def line(self) -> int:
        return self.node.lineno if self.node is not None else 1

    @property
    def end_line(self) -> int:
        return (self.node.end_lineno or self.node.lineno) if self.node is not None else 1

    @property
    def where(self) -> str:
        """``cell 4 line 2`` for messages."""
        return f"{self.cell.label} line {self.line}"

    @property
    def reads(self) -> bool:
        """True when the statement reads data from outside (a file, a table, SQL)."""
        return any(isinstance(e, Read) or (isinstance(e, Query) and e.tables) for e in self.events)

    @property
    def fits_model(self) -> bool:
        """True when a model (or a search) learns here."""
        return any(isinstance(e, Fit) and e.learner in MODEL_LEARNERS for e in self.events)

    @property
    def evaluates(self) -> bool:
        return any(isinstance(e, Evaluate) and e.kind == "score" for e in self.events)

    @property
    def splits(self) -> bool:
        return any(isinstance(e, Split) for e in self.events)

    @property
    def changed(self) -> frozenset[str]:
        """Names whose value this statement sets or changes."""
        return self.defs | self.mutates


def statements(cells: Iterable[CodeCell], aliases: Aliases) -> list[Stmt]:
    """Every top-level statement of ``cells`` in order; imports are learned into ``aliases`` first."""
    cells = list(cells)
    for cell in cells:
        if cell.tree is None and cell.sql is None:
            cell.tree = ast.parse(cell.code)
        for node in cell.tree.body if cell.tree is not None else ():
            aliases.learn(node)
    out: list[Stmt] = []
    for cell in cells:
        if cell.sql is not None:
            out.append(_sql(len(out), cell))
            continue
        by_line = _events_by_line(cell)
        body = cell.tree.body if cell.tree is not None else []
        lines = cell.code.split("\n")
        for k, node in enumerate(body):
            alone = (node.col_offset == 0 and not getattr(node, "decorator_list", None) and (k == 0 or (body[k - 1].end_lineno or 0) < node.lineno)
                     and (k + 1 == len(body) or body[k + 1].lineno > (node.end_lineno or node.lineno)))
            text = "\n".join(lines[node.lineno - 1:node.end_lineno]) if alone else None
            stmt = _stmt(len(out), cell, node, aliases, text)
            end = node.end_lineno or node.lineno
            stmt.events = tuple(e for line in range(node.lineno, end + 1) for e in by_line.get(line, ()))
            out.append(stmt)
    return out


def _events_by_line(cell: CodeCell) -> dict[int, list[Event]]:
    found: dict[int, list[Event]] = {}
    for e in cell.events:
        where = e.where
        if where.cell == cell.label and where.line is not None:
            found.setdefault(where.line, []).append(e)
    return found


def _sql(index: int, cell: CodeCell) -> Stmt:
    parts = cell.sql_args.split()
    out = parts[parts.index("-o") + 1] if "-o" in parts and parts.index("-o") + 1 < len(parts) else None
    return Stmt(index, cell, None, "sql", defs=frozenset({out} if out else ()), events=tuple(cell.events))


def _stmt(index: int, cell: CodeCell, node: ast.stmt, aliases: Aliases, text: str | None = None) -> Stmt:
    defs, uses, late = _names(node, text)
    if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        uses.add(node.target.id)
    calls = [n for n in walk_scope(node) if isinstance(n, ast.Call)]
    mutates = _mutations(node, calls)
    stmt = Stmt(index, cell, node, "code", frozenset(defs - {MAGIC_CALL}), frozenset(mutates),
                frozenset((uses | mutates) - {MAGIC_CALL}), frozenset(late - uses))
    stmt.looks_inspection = any(_inspection_call(c, aliases) for c in calls)
    stmt.writes = any(_writes(c) for c in calls)
    if any(isinstance(c.func, ast.Name) and c.func.id == MAGIC_CALL for c in calls):
        stmt.kind = "magic"
    elif isinstance(node, ast.Import | ast.ImportFrom):
        stmt.kind = "import"
    elif isinstance(node, ast.Expr):
        stmt.kind, extra = _expression_kind(node.value, aliases)
        stmt.mutates |= extra
        stmt.uses |= extra
    elif any(aliases.modules.get(name) for name in mutates):  # os.environ[...] = ..., plt.rcParams[...] = ...
        stmt.kind = "inspection" if stmt.looks_inspection else "state"
    return stmt


def _names(node: ast.stmt, text: str | None = None) -> tuple[set[str], set[str], set[str]]:
    """(names bound, names read now, names read later inside function bodies) of one statement.

    ``text`` is the statement's own source when it has its lines to itself (saves unparsing it).
    """
    try:
        table = symtable.symtable(text if text is not None else ast.unparse(node), "<cell>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return set(), {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}, set()
    defs = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    uses = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    late: set[str] = set()
    for child in table.get_children():
        _free_globals(child, uses, late, deferred=_deferred(child))
    return defs, uses, late


def _deferred(table: symtable.SymbolTable) -> bool:
    """True for a function or lambda body (read when called), False for comprehensions and class bodies."""
    return table.get_type() == "function" and table.get_name() not in ("listcomp", "setcomp", "dictcomp", "genexpr")


def _free_globals(table: symtable.SymbolTable, now: set[str], later: set[str], deferred: bool) -> None:
    for s in table.get_symbols():
        if s.is_global() and s.is_referenced():
            (later if deferred else now).add(s.get_name())
    for child in table.get_children():
        _free_globals(child, now, later, deferred or _deferred(child))


def fitted_names(node: ast.stmt) -> list[str]:
    """Where a statement puts a fitted model: its assigned names, else the receivers of its ``fit`` calls."""
    if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    found = [root_name(c.func.value) for c in walk_scope(node) if isinstance(c, ast.Call)
             and isinstance(c.func, ast.Attribute) and c.func.attr.startswith(("fit", "partial_fit"))]
    return [n for n in found if n is not None]


def root_name(node: ast.expr) -> str | None:
    """The variable at the root of ``df.loc[...].x``: ``df`` (None past a call: ``make().fit()`` changes a new object)."""
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def callee_root(node: ast.expr) -> str | None:
    """The variable at the root of a callee, through calls: ``plt`` for ``plt.gca().plot``."""
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _targets(node: ast.stmt) -> Iterator[ast.expr]:
    if isinstance(node, ast.Assign):
        yield from node.targets
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        yield node.target
    elif isinstance(node, ast.Delete):
        yield from node.targets


def walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` without entering function, lambda and class bodies (they run later, in their own scope)."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef):
            todo.extend([*n.decorator_list, *n.args.defaults, *(d for d in n.args.kw_defaults if d is not None)])
        elif isinstance(n, ast.ClassDef):
            todo.extend([*n.decorator_list, *n.bases, *n.keywords])
        elif isinstance(n, ast.Lambda):
            todo.extend([*n.args.defaults, *(d for d in n.args.kw_defaults if d is not None)])
        else:
            todo.extend(ast.iter_child_nodes(n))


def _mutations(node: ast.stmt, calls: list[ast.Call]) -> set[str]:
    found: set[str] = set()
    for sub in walk_scope(node):
        if isinstance(sub, ast.stmt):
            for target in _targets(sub):
                for t in target.elts if isinstance(target, ast.Tuple | ast.List) else [target]:
                    if isinstance(t, ast.Subscript | ast.Attribute) and (name := root_name(t)) is not None:
                        found.add(name)
    for call in calls:
        if not isinstance(call.func, ast.Attribute):
            continue
        inplace = any(k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
                      for k in call.keywords)
        if (inplace or call.func.attr in MUTATING_METHODS) and (name := root_name(call.func.value)) is not None:
            found.add(name)
    return found


def _pure_call(call: ast.Call, aliases: Aliases) -> bool:
    func = call.func
    if any(k.arg == "inplace" for k in call.keywords):
        return False
    if isinstance(func, ast.Name):
        return func.id in PURE_FUNCTIONS or _module_of(func.id, aliases).startswith(INSPECT_MODULES)
    if isinstance(func, ast.Attribute):
        root = callee_root(func)
        if root is not None and _module_of(root, aliases).startswith(INSPECT_MODULES):
            return True
        dotted = aliases.dotted(func) or ""
        return func.attr in INSPECT_METHODS or dotted in ("leakguard.explain", "leakguard.findings")
    return False


def _module_of(name: str, aliases: Aliases) -> str:
    return aliases.modules.get(name, "")


def _inspection_call(call: ast.Call, aliases: Aliases) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in ("print", "display") or _module_of(func.id, aliases).startswith(INSPECT_MODULES)
    if isinstance(func, ast.Attribute):
        root = callee_root(func)
        return (func.attr in ("head", "tail", "describe", "info", "plot", "hist", "value_counts", "corr", "show")
                or (root is not None and _module_of(root, aliases).startswith(INSPECT_MODULES)))
    return False


def _writes(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name == "open":
        mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
        return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and any(c in mode.value for c in "wax")
    return name in WRITE_METHODS


def _expression_kind(value: ast.expr, aliases: Aliases) -> tuple[str, frozenset[str]]:
    """(kind, names an unknown call may change) of an expression statement."""
    if isinstance(value, ast.Call):
        dotted = aliases.dotted(value.func) or ""
        if dotted == "leakguard.policy":
            return "policy", frozenset()
        last = dotted.rsplit(".", 1)[-1]
        if last in STATE_CALLS or dotted in ("sys.path.append", "sys.path.insert"):
            return "state", frozenset()
    calls = [n for n in walk_scope(value) if isinstance(n, ast.Call)]
    if all(_pure_call(c, aliases) for c in calls):
        return "inspection", frozenset()
    # An unknown call made for its effect may change what it is given: count it as changing them.
    changed: set[str] = set()
    for c in calls:
        if _pure_call(c, aliases):
            continue
        root = root_name(c.func.value) if isinstance(c.func, ast.Attribute) else None
        if root is not None and not _module_of(root, aliases):
            changed.add(root)
        if isinstance(c.func, ast.Attribute) and c.func.attr in MUTATING_METHODS | WRITE_METHODS:
            continue  # known methods change their receiver (fit) or nothing (to_csv), not their arguments
        changed.update(a.id for a in c.args if isinstance(a, ast.Name))
        changed.update(k.value.id for k in c.keywords if isinstance(k.value, ast.Name))
    return "code", frozenset(changed)
