"""What sqlglot's scopes say about one SELECT: its sources, filtering predicates, column roles, outputs.

Small pure functions over sqlglot trees, used by the analysis (``leakguard/sql/analysis.py``).

>>> import sqlglot
>>> q = sqlglot.parse_one("SELECT plan, avg(y) FROM t GROUP BY plan")
>>> aggregates(q), [role_of(c, q) for c in q.find_all(sqlglot.exp.Column)]
(True, ['projection', 'aggregate', 'group'])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from leakguard.libraries.sql.catalog import DUCKDB_UNTYPED_AGGREGATES, WINDOW_RANKS
from leakguard.sql.bounds import Bound
from leakguard.sql.tables import TableRef, table_ref

# DuckDB aggregates sqlglot parses as anonymous functions: without this list ``histogram(label)``
# would read as a plain projection of the label, and a query of them alone as a listing
UNTYPED_AGGREGATES = DUCKDB_UNTYPED_AGGREGATES


def is_aggregate(node: exp.Expr) -> bool:
    """True for an aggregate function call, typed by sqlglot or one of ``UNTYPED_AGGREGATES``."""
    return isinstance(node, exp.AggFunc) or (
        isinstance(node, exp.Anonymous) and node.name.lower() in UNTYPED_AGGREGATES)


def finds_aggregate(expr: exp.Expr) -> bool:
    """True when ``expr`` calls an aggregate function anywhere inside."""
    return any(is_aggregate(n) for n in expr.find_all(exp.AggFunc, exp.Anonymous))


def source_named(sources: Mapping[str, object], alias: str) -> str:
    """The key of ``sources`` that is ``alias`` (lower-cased) in its own spelling."""
    return next(a for a in sources if a.lower() == alias)


def output_names(scope: Scope) -> list[str]:
    """The lower-cased names of a scope's output columns (a set operation's: its first branch's)."""
    expr = scope.expression
    while isinstance(expr, exp.SetOperation):
        expr = expr.this
    return [n.lower() for n in expr.named_selects] if isinstance(expr, exp.Select) else []


def sources_of(scope: Scope) -> dict[str, tuple[exp.Expr, object]]:
    """FROM and JOIN sources of a SELECT in order, semi/anti joins included: alias → (node, source)."""
    expr = scope.expression
    found: dict[str, tuple[exp.Expr, object]] = {}
    from_ = expr.args.get("from_") or expr.args.get("from")
    nodes = [from_.this] if from_ is not None else []
    nodes += [j.this for j in expr.args.get("joins") or ()]
    for node in nodes:
        name = node.alias_or_name
        source = scope.sources.get(name, node)
        if isinstance(node, exp.Subquery) and not isinstance(source, Scope):
            continue
        found[name] = (node, source)
    return found


def predicates(expr: exp.Select, sources: Mapping[str, object]) -> Iterator[tuple[exp.Expr, set[str] | None]]:
    """Conjuncts that filter rows, each with the sources it restricts (None: all of them)."""
    where = expr.args.get("where")
    if where is not None:
        for part in where.this.flatten() if isinstance(where.this, exp.And) else [where.this]:
            yield part, None
    for join in expr.args.get("joins") or ():
        on = join.args.get("on")
        if on is None:
            continue
        side = (join.side or "").upper()
        kind = (join.kind or "").upper()
        if side in ("FULL", "RIGHT"):
            continue
        target: set[str] | None = None
        if side == "LEFT" or kind in ("SEMI", "ANTI"):
            target = {join.this.alias_or_name.lower()}
        for part in on.flatten() if isinstance(on, exp.And) else [on]:
            yield part, target


def equalities(pred: exp.Expr) -> Iterator[tuple[exp.Column, exp.Column]]:
    if isinstance(pred, exp.EQ) and isinstance(pred.this, exp.Column) and isinstance(pred.expression, exp.Column):
        yield pred.this, pred.expression


class EqualColumns:
    """Columns made equal by ``a.x = b.y``: a bound on one holds for all."""

    def __init__(self) -> None:
        self.groups: list[set[tuple[str, str]]] = []

    def union(self, a: tuple[str, str] | None, b: tuple[str, str] | None) -> None:
        if a is None or b is None:
            return
        hits = [g for g in self.groups if a in g or b in g]
        merged = {a, b}.union(*hits)
        self.groups = [g for g in self.groups if g not in hits] + [merged]

    def spread(self, per_source: dict[str, dict[str, list[Bound]]]) -> None:
        for group in self.groups:
            bounds = [b for alias, col in group for b in per_source.get(alias, {}).get(col, [])]
            for alias, col in group:
                have = per_source.setdefault(alias, {}).setdefault(col, [])
                have.extend(b for b in bounds if b not in have)


def aggregates(expr: exp.Expr) -> bool:
    """True when a SELECT returns groups (GROUP BY, or aggregates outside windows and subqueries)."""
    while isinstance(expr, exp.SetOperation):
        expr = expr.this
    if not isinstance(expr, exp.Select):
        return False
    if expr.args.get("group"):
        return True
    return any(is_aggregate(n) and not _inside(n, (exp.Window, exp.Subquery), p)
               for p in expr.expressions for n in p.find_all(exp.AggFunc, exp.Anonymous))


def counts_rows(expr: exp.Expr) -> bool:
    """True for a bare row count of one whole table (``SELECT COUNT(*) FROM t``, ``COUNT(1)``): the table's size,
    a schema-only look like ``len(df)``. A condition, group, join, ``DISTINCT``, ``FILTER``, sample, subquery or any
    other output makes it a statistic of the rows."""
    if not isinstance(expr, exp.Select) or not expr.expressions:
        return False
    # what it may say besides its projections and its one table (``SELECT COUNT(*) FROM t LIMIT 1``)
    if any(v for k, v in expr.args.items() if k not in ("expressions", "from", "from_", "limit", "offset", "order")):
        return False
    source = expr.args.get("from_") or expr.args.get("from")
    table = source.this if isinstance(source, exp.From) else None
    if not isinstance(table, exp.Table) or any(v for k, v in table.args.items()
                                                if k not in ("this", "db", "catalog", "alias")):
        return False
    return all(_counts_every_row(p.unalias()) for p in expr.expressions)


def _counts_every_row(node: exp.Expr) -> bool:
    """``COUNT(*)`` or ``COUNT(1)``: every row counted, whatever its values."""
    if not isinstance(node, exp.Count) or any(v for k, v in node.args.items() if k not in ("this", "big_int")):
        return False
    arg = node.this
    return isinstance(arg, exp.Star) or (isinstance(arg, exp.Literal) and not arg.is_string)


def computes(expr: exp.Expr) -> bool:
    """True when a query level computes over rows itself (aggregates, GROUP BY, windows, DISTINCT), its
    subqueries aside."""
    if not isinstance(expr, exp.Select):
        return False
    if expr.args.get("group") or expr.args.get("distinct"):
        return True
    nested = (exp.Query, exp.Subquery)
    return any(isinstance(n, exp.Window) or is_aggregate(n)
               for n in expr.walk(prune=lambda n: n is not expr and isinstance(n, nested)) if n is not expr)


def _inside(node: exp.Expr, kinds: tuple[type[exp.Expr], ...], stop: exp.Expr) -> bool:
    parent = node.parent
    while parent is not None and parent is not stop.parent:
        if isinstance(parent, kinds):
            return True
        parent = parent.parent
    return False


def _names(node: exp.Expr | None) -> list[str]:
    return [c.name for c in node.find_all(exp.Column)] if node is not None else []


def statistic_inputs(proj: exp.Expr) -> tuple[str, ...] | None:
    """The columns a statistic over every row in output column ``proj`` reads, or None when it is row-wise.

    A statistic: a window aggregate over whole partitions (``AVG(churned) OVER (PARTITION BY plan)``,
    ``spend - AVG(spend) OVER ()``), a rank among the rows (``NTILE(10) OVER (ORDER BY spend)``), or an
    aggregate subquery (``spend - (SELECT AVG(spend) FROM t)``). Running and sliding windows
    (``ORDER BY ts``, ``ROWS BETWEEN``) and ``LAG`` are not: they read neighbouring rows.
    """
    found: list[str] = []
    hit = False
    for window in proj.find_all(exp.Window):
        if _inside(window, (exp.Subquery,), proj):
            continue
        fn = window.this
        name = fn.name.lower() if isinstance(fn, exp.Anonymous) else fn.key
        partition = [n for p in window.args.get("partition_by") or () for n in _names(p)]
        if name in WINDOW_RANKS:
            hit = True
            found += [*_names(fn), *partition, *_names(window.args.get("order"))]
        elif is_aggregate(fn) and not window.args.get("order") and not window.args.get("spec"):
            hit = True
            found += [*_names(fn), *partition]
    for sub in proj.find_all(exp.Subquery):
        inner = sub.this
        if isinstance(inner, exp.Select) and aggregates(inner) and not _inside(sub, (exp.Subquery,), proj):
            hit = True
            found += [n for p in inner.expressions for a in p.find_all(exp.AggFunc, exp.Anonymous)
                      if is_aggregate(a) for n in _names(a)]
    return tuple(dict.fromkeys(found)) if hit else None


def aggregated_columns(expr: exp.Expr) -> tuple[str, ...]:
    """The columns a grouping SELECT aggregates and groups by (a CTE of group means: the columns it learns from)."""
    found = [n for a in expr.find_all(exp.AggFunc, exp.Anonymous) if is_aggregate(a) for n in _names(a)]
    group = expr.args.get("group")
    return tuple(dict.fromkeys([*found, *_names(group)]))


def pushable_projection(expr: exp.Select, name: str) -> exp.Expr | None:
    """The expression of output column ``name`` when an outer filter on it may be applied inside."""
    if expr.args.get("limit") or expr.args.get("offset") or expr.args.get("qualify"):
        return None
    if any(p.find(exp.Window) for p in expr.expressions):
        return None
    group = expr.args.get("group")
    aggregated = bool(group) or any(finds_aggregate(p) for p in expr.expressions)
    for i, proj in enumerate(expr.expressions):
        if proj.alias_or_name.lower() != name:
            continue
        inner: exp.Expr = proj.this if isinstance(proj, exp.Alias) else proj
        if aggregated:
            keys = {g.sql().lower() for g in (group.expressions if group else ())}
            if not ({inner.sql().lower(), proj.alias_or_name.lower(), str(i + 1)} & keys):
                return None
        return inner
    star = any(isinstance(p, exp.Star) or (isinstance(p, exp.Column) and isinstance(p.this, exp.Star))
               for p in expr.expressions)
    return exp.column(name) if star and not aggregated else None


def role_of(col: exp.Column, stop: exp.Expr) -> str:
    kinds: set[type[exp.Expr]] = set()
    node = col.parent
    while node is not None and node is not stop:
        kinds.add(type(node))
        if is_aggregate(node):
            kinds.add(exp.AggFunc)
        node = node.parent
    for klass, role in ((exp.Window, "window"), (exp.AggFunc, "aggregate"), (exp.Where, "filter"),
                        (exp.Having, "filter"), (exp.Qualify, "filter"), (exp.Join, "join"),
                        (exp.Group, "group"), (exp.Order, "order")):
        if klass in kinds:
            return role
    return "projection"


class _Scanned(Protocol):
    columns: dict[str, str] | None


def created_columns(tree: exp.Create, query: exp.Query, scans: Iterable[_Scanned]) -> dict[str, str] | None:
    """The columns ``CREATE ... AS query`` gives its table (lower-cased → as written), or None when unknown.

    A ``*`` stands for the columns of the scans the query reads (None when one is unknown).
    """
    schema = tree.this
    if isinstance(schema, exp.Schema) and schema.expressions:
        return {c.name.lower(): c.name for c in schema.expressions if c.name}
    while isinstance(query, exp.SetOperation):
        query = query.this
    if not isinstance(query, exp.Select):
        return None
    found: dict[str, str] = {}
    for proj in query.expressions:
        if isinstance(proj, exp.Star) or (isinstance(proj, exp.Column) and isinstance(proj.this, exp.Star)):
            for scan in scans:
                if scan.columns is None:
                    return None
                found.update(scan.columns)
        elif proj.alias_or_name:
            found[proj.alias_or_name.lower()] = proj.alias_or_name
    return found


def targets(tree: exp.Expr) -> list[TableRef]:
    found: list[TableRef] = []
    if isinstance(tree, exp.TruncateTable):
        nodes = [e for e in tree.expressions if isinstance(e, exp.Table)]
    else:
        target = tree.this
        if isinstance(target, exp.Schema):
            target = target.this
        nodes = [target] if isinstance(target, exp.Table) else []
        if isinstance(tree, exp.Copy) and not tree.args.get("kind"):
            nodes = []  # COPY ... TO writes a file, not a table
    for node in nodes:
        ref = table_ref(node)
        if ref is not None:
            found.append(ref)
    return found
