"""SQL analysis: what a query scans, whether each scan is bounded at the cutoff, where the label goes.

``analyse`` parses the text in its dialect, walks sqlglot's scopes (CTEs, derived tables,
subqueries, UNION branches) from the outermost query inwards, carrying the predicates an
outer query puts on a CTE's columns down to the scans that produce them, and reports:

- every scan of a table or file, with its columns (from the schema and from use) and
  whether a predicate keeps the policy's time column at or before the cutoff;
- label columns used other than as a plain projection (filter, join, group key,
  aggregate, window, order), and whether the label reaches the result;
- whether the query computes over rows (aggregates, GROUP BY, windows, DISTINCT);
- tables written by DDL/DML.

It never raises on bad SQL: the result says why it could not analyse instead.

>>> from leakguard.policy import Policy
>>> p = Policy(label=("churned",), time="ts", cutoff="2024-06-01")
>>> a = analyse("SELECT plan, avg(churned) FROM events WHERE ts <= '2024-06-01' GROUP BY 1", "duckdb", p)
>>> [(s.ref.name, s.bounded) for s in a.scans], a.label_uses
([('events', True)], ('churned:aggregate',))
"""

from __future__ import annotations

import contextvars
import dataclasses
import logging
from collections.abc import Iterable, Mapping
from typing import Literal, Protocol

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.optimizer.scope import Scope, build_scope
from sqlglot.tokenizer_core import Token

from leakguard.lineage.conditions import naive
from leakguard.policy import Policy
from leakguard.sql.bounds import Bound, constraints, map_bound, time_ref, within
from leakguard.sql.markers import markers, markers_in
from leakguard.sql.scopes import (
    EqualColumns,
    aggregated_columns,
    aggregates,
    computes,
    counts_rows,
    created_columns,
    equalities,
    finds_aggregate,
    output_names,
    predicates,
    pushable_projection,
    role_of,
    source_named,
    sources_of,
    statistic_inputs,
    targets,
)
from leakguard.sql.tables import TableRef, find_column, lower_map, table_ref

MAX_SQL = 1_000_000
MAX_VISITS = 5_000
Kind = Literal["query", "write", "other", "empty", "unanalysed"]

_WRITES: tuple[type[exp.Expr], ...] = (
    exp.Create, exp.Insert, exp.Update, exp.Delete, exp.Drop, exp.Alter, exp.Merge, exp.TruncateTable, exp.Copy,
)
_OTHER: tuple[type[exp.Expr], ...] = (
    exp.Describe, exp.Pragma, exp.Show, exp.Use, exp.Set, exp.Transaction, exp.Commit, exp.Rollback,
)
_STATS: tuple[type[exp.Expr], ...] = (exp.AggFunc, exp.Group, exp.Window, exp.Distinct)
_quiet = contextvars.ContextVar("leakguard_sql_quiet", default=False)


class _QuietWhileAnalysing(logging.Filter):
    """sqlglot warns about unsupported syntax through logging; in a notebook that would print."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _quiet.get()


logging.getLogger("sqlglot").addFilter(_QuietWhileAnalysing())


class Schema(Protocol):
    """Where table columns come from: ``{column: type}``, or None when unknown."""

    def columns(self, table: TableRef) -> Mapping[str, str] | None: ...


class NoSchema:
    """A schema that knows nothing (columns are then learned from use only)."""

    def columns(self, table: TableRef) -> Mapping[str, str] | None:
        return None


@dataclasses.dataclass(slots=True)
class Scan:
    """One scan of a table or file (a table read twice is two scans)."""

    ref: TableRef
    node: exp.Table
    columns: dict[str, str] | None      # lower-cased name → stored name (None: unknown)
    types: dict[str, str]               # lower-cased name → type, where known
    used: set[str] = dataclasses.field(default_factory=set)
    bounded: bool = True                # every visit found a bound at the cutoff
    computed: bool = False              # a query level that computes over rows reads this scan's rows

    def column(self, name: str | None) -> str | None:
        """The stored spelling of ``name`` when this scan has it (known or seen in use)."""
        if name is None:
            return None
        found = find_column(self.columns, name)
        return found if found is not None else (name if name.lower() in self.used else None)

    def holds_any(self, names: Iterable[str | None]) -> bool:
        """True when this scan holds (or uses) any of ``names``: the policy's columns, say."""
        return any(self.column(n) for n in names if n)

    @property
    def known(self) -> bool:
        return self.columns is not None


@dataclasses.dataclass(slots=True)
class Analysis:
    """What leakguard learned from one piece of SQL."""

    sql: str
    dialect: str
    kind: Kind
    statements: list[exp.Expr] = dataclasses.field(default_factory=list)
    scans: list[Scan] = dataclasses.field(default_factory=list)
    label_uses: tuple[str, ...] = ()
    label_out: bool = False
    inspects: bool = False
    # a bare row count of whole tables (``SELECT COUNT(*) FROM t``): their size, a schema-only look that is no
    # finding (``inspects`` False); safe mode still runs it on the rows it may see, as any look
    counts: bool = False
    aggregate: bool = False
    writes: tuple[TableRef, ...] = ()
    write_sources: tuple[Scan, ...] = ()
    columns: tuple[str, ...] = ()
    # output columns computed from a statistic over every row the query reads (a window over whole
    # partitions, a rank, an aggregate subquery or CTE), each with the columns that statistic reads
    statistics: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # the same for the rows ``CREATE TABLE t AS query`` writes (the last such statement's)
    write_statistics: tuple[tuple[str, tuple[str, ...]], ...] = ()
    problem: str = ""
    tokens: list[Token] = dataclasses.field(default_factory=list, repr=False)  # of ``sql``, for its markers

    def markers(self) -> list[str]:
        """The parameter markers of the SQL, in order (from the tokens the parse read)."""
        return markers_in(self.tokens, self.sql) if self.tokens else markers(self.sql, self.dialect)

    def looked(self, nodes: Mapping[int, str]) -> tuple[str, ...]:
        """The nodes (``id(scan)`` → node) of the scans a computation reads: all of them when none is marked
        (a label filter over a listing looks at every row it returns)."""
        computed = [nodes[id(s)] for s in self.scans if s.computed and id(s) in nodes]
        return tuple(dict.fromkeys(computed or nodes.values()))

    @property
    def tables(self) -> tuple[str, ...]:
        """Names of the tables and files read, in order, without repeats."""
        return tuple(dict.fromkeys(s.ref.name for s in self.scans))


def analyse(sql: str, dialect: str, policy: Policy, schema: Schema | None = None) -> Analysis:
    """Analyse ``sql`` written in ``dialect`` under ``policy``; never raises for bad SQL."""
    if not sql.strip() or not sql.strip().strip(";").strip():
        return Analysis(sql, dialect, "empty")
    if len(sql) > MAX_SQL:
        return Analysis(sql, dialect, "unanalysed", problem=f"the query is longer than {MAX_SQL:,} characters")
    token = _quiet.set(True)
    try:
        try:
            reader = Dialect.get_or_raise(dialect)
            tokens = reader.tokenize(sql)
            trees = [t for t in reader.parser().parse(tokens, sql) if t is not None]
        except sqlglot.errors.SqlglotError as exc:
            return Analysis(sql, dialect, "unanalysed", problem=_short_error(exc))
        except (ValueError, RecursionError) as exc:  # unknown dialect name, absurd nesting
            return Analysis(sql, dialect, "unanalysed", problem=_short_error(exc))
        result = _Analyser(sql, dialect, policy, schema or NoSchema()).run(trees)
        result.tokens = tokens
        return result
    except (sqlglot.errors.SqlglotError, RecursionError, KeyError, AttributeError, TypeError) as exc:
        return Analysis(sql, dialect, "unanalysed", problem=f"leakguard could not follow it ({_short_error(exc)})")
    finally:
        _quiet.reset(token)


def _copied_query(tree: exp.Expr) -> exp.Query | None:
    """The query of ``COPY (query) TO ...``, or None."""
    if not isinstance(tree, exp.Copy) or tree.args.get("kind"):
        return None
    inner: exp.Expr | None = tree.this
    while isinstance(inner, exp.Subquery):
        inner = inner.this
    return inner if isinstance(inner, exp.Query) else None


def _short_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


class _Analyser:
    def __init__(self, sql: str, dialect: str, policy: Policy, schema: Schema) -> None:
        self.sql, self.dialect, self.policy, self.schema = sql, dialect, policy, schema
        self.time = policy.time.lower() if policy.time else None
        cutoff = policy.cutoff_datetime if policy.has_future else None
        self.cutoff = naive(cutoff) if cutoff is not None else None
        self.labels = {c.lower() for c in policy.label}
        self.scans: dict[int, Scan] = {}
        self.visits = 0
        self.uses: list[str] = []
        self.columns: list[str] = []
        self.created: dict[str, dict[str, str] | None] = {}  # tables this text creates → their columns

    def run(self, trees: list[exp.Expr]) -> Analysis:
        result = Analysis(self.sql, self.dialect, "other", statements=trees)
        if not trees:
            result.kind = "empty"
            return result
        writes: list[TableRef] = []
        write_sources: list[Scan] = []
        kinds: set[str] = set()
        counted: list[bool] = []  # per query statement: a bare row count?
        for tree in trees:
            copied = _copied_query(tree)
            if isinstance(tree, exp.Summarize):
                # DuckDB's SUMMARIZE t: min, max, mean, quantiles... of every column over every row, like describe()
                kinds.add("query")
                self.summarize(tree)
                result.inspects = True
                if tree is trees[-1]:
                    result.label_out, result.aggregate = False, True
            elif isinstance(tree, exp.Query) or copied is not None:
                # COPY (query) TO 'file': the query's rows are computed like any query's (and restricted so)
                read: exp.Expr = copied if copied is not None else tree
                kinds.add("query")
                root = build_scope(read)
                if root is None:
                    continue
                self.visit(root, {})
                self.label_pass(root)
                self.mark_computed(root)
                if tree is trees[-1] or len(trees) == 1:
                    result.label_out = self.label_out(root)
                    result.aggregate = aggregates(root.expression)
                    result.statistics = () if result.aggregate else self.statistics(root)
                counted.append(counts_rows(read))
                result.inspects = result.inspects or read.find(*_STATS) is not None or finds_aggregate(read)
            elif isinstance(tree, _WRITES):
                kinds.add("write")
                writes.extend(targets(tree))
                query = tree.expression if isinstance(tree, (exp.Create, exp.Insert)) else None
                if isinstance(query, exp.Query):
                    before = set(self.scans)
                    root = build_scope(query)
                    if root is not None:
                        self.visit(root, {})
                        # a table of groups keeps the rows' lineage (a read-back of it is a look at them)
                        result.write_statistics = () if aggregates(root.expression) else self.statistics(root)
                    made = [s for k, s in self.scans.items() if k not in before]
                    write_sources.extend(made)
                    if isinstance(tree, exp.Create):
                        # a later statement of this text reads the new table before the database can be asked
                        columns = created_columns(tree, query, made)
                        for target in targets(tree):
                            self.created[target.key] = columns
            elif isinstance(tree, _OTHER):
                kinds.add("other")
            else:
                return Analysis(self.sql, self.dialect, "unanalysed", statements=trees,
                                problem=f"leakguard does not understand a {type(tree).__name__} statement "
                                        f"in {self.dialect} SQL")
        source_ids = {id(s) for s in write_sources}
        result.scans = [s for s in self.scans.values() if id(s) not in source_ids]
        result.write_sources = tuple(write_sources)
        result.writes = tuple(writes)
        result.label_uses = tuple(dict.fromkeys(self.uses))
        result.inspects = result.inspects or bool(result.label_uses)
        if counted and all(counted) and not result.label_uses and "write" not in kinds:
            result.counts, result.inspects = True, False
        result.columns = tuple(dict.fromkeys(self.columns))[:64]
        result.kind = "query" if "query" in kinds else "write" if "write" in kinds else "other"
        return result

    def summarize(self, tree: exp.Summarize) -> None:
        """Visit what ``SUMMARIZE`` reads: a query, or a table (seen as ``SELECT * FROM`` it)."""
        target = tree.this
        before = set(self.scans)
        try:
            self._summarized(tree, target)
        finally:
            for key, scan in self.scans.items():
                scan.computed = scan.computed or key not in before

    def _summarized(self, tree: exp.Summarize, target: exp.Expr) -> None:
        if isinstance(target, exp.Query):
            root = build_scope(target)
            if root is not None:
                self.visit(root, {})
                self.label_pass(root)
            return
        if not isinstance(target, exp.Table):
            return
        wrapper = exp.Select(expressions=[exp.Star()])
        wrapper.set("from_" if "from_" in exp.Select.arg_types else "from", exp.From(this=target))
        try:
            root = build_scope(wrapper)
            if root is not None:
                self.visit(root, {})
        finally:
            tree.set("this", target)  # the table stays in the statement (a rewrite replaces it there)

    # -- scans and bounds ------------------------------------------------------------------

    def scan_for(self, node: exp.Table) -> Scan | None:
        scan = self.scans.get(id(node))
        if scan is None:
            ref = table_ref(node)
            if ref is None:
                return None
            cols = self.created[ref.key] if ref.key in self.created else self.schema.columns(ref)
            scan = Scan(ref, node, lower_map(cols) if cols is not None else None,
                        {k.lower(): v for k, v in (cols or {}).items()})
            alias = node.args.get("alias")
            if isinstance(alias, exp.TableAlias) and alias.columns:
                scan.columns = lower_map(c.name for c in alias.columns)
            self.scans[id(node)] = scan
        return scan

    def visit(self, scope: Scope, inherited: dict[str, list[Bound]]) -> None:
        """Walk ``scope`` knowing the bounds an outer query puts on its output columns."""
        self.visits += 1
        if self.visits > MAX_VISITS:
            raise RecursionError("the query nests too deeply to follow")
        expr = scope.expression
        if isinstance(expr, exp.SetOperation):
            pushable = not (expr.args.get("limit") or expr.args.get("offset"))
            names = output_names(scope.set_operation_scopes[0]) if scope.set_operation_scopes else []
            for branch in scope.set_operation_scopes:
                own = output_names(branch)
                mapped = {own[i]: inherited.get(n, []) for i, n in enumerate(names) if i < len(own)} if pushable else {}
                self.visit(branch, mapped)
            return
        if not isinstance(expr, exp.Select):
            for child in (*scope.table_scopes, *scope.subquery_scopes):
                self.visit(child, {})
            return
        sources = sources_of(scope)
        per_source: dict[str, dict[str, list[Bound]]] = {}
        classes = EqualColumns()
        for pred, applies_to in predicates(expr, sources):
            for col_a, col_b in equalities(pred):
                classes.union(self.owner(col_a, scope, sources, expr), self.owner(col_b, scope, sources, expr))
            for col, bound in constraints(pred):
                self.add_bound(per_source, self.owner(col, scope, sources, expr), bound, applies_to)
        for name, bounds in inherited.items():
            proj = pushable_projection(expr, name)
            if proj is None:
                continue
            ref = time_ref(proj)
            if ref is None or ref[2]:
                continue
            owner = self.owner(ref[0], scope, sources, expr)
            for b in bounds:
                self.add_bound(per_source, owner, map_bound(b, ref[1]), None)
        classes.spread(per_source)
        for alias, (node, source) in sources.items():
            found = per_source.get(alias.lower(), {})
            if isinstance(source, Scope):
                self.visit(source, found)
            elif isinstance(node, exp.Table):
                scan = self.scan_for(node)
                if scan is not None:
                    self.judge(scan, found)
        for child in scope.subquery_scopes:
            self.visit(child, {})
        for child in scope.udtf_scopes:
            self.visit(child, {})

    def add_bound(self, per_source: dict[str, dict[str, list[Bound]]], owner: tuple[str, str] | None,
                  bound: Bound, applies_to: set[str] | None) -> None:
        if owner is None or (applies_to is not None and owner[0] not in applies_to):
            return
        per_source.setdefault(owner[0], {}).setdefault(owner[1], []).append(bound)

    def judge(self, scan: Scan, bounds: dict[str, list[Bound]]) -> None:
        if self.time is None or self.cutoff is None:
            return
        ok = any(within(b, self.cutoff) for b in bounds.get(self.time, []))
        scan.bounded = scan.bounded and ok

    def owner(self, col: exp.Column, scope: Scope, sources: dict[str, tuple[exp.Expr, object]],
              expr: exp.Select) -> tuple[str, str] | None:
        """``(source alias, column)`` a column reference belongs to in this scope (lower-cased)."""
        name = col.name.lower()
        if col.table:
            alias = col.table.lower()
            return (alias, name) if alias in {a.lower() for a in sources} else None
        if len(sources) == 1:
            return next(iter(sources)).lower(), name
        having = [a for a, (node, src) in sources.items() if self.source_has(node, src, name)]
        if len(having) == 1:
            return having[0].lower(), name
        return None

    def source_has(self, node: exp.Expr, source: object, name: str) -> bool:
        if isinstance(source, Scope):
            return name in {n.lower() for n in output_names(source)}
        if isinstance(node, exp.Table):
            scan = self.scan_for(node)
            return scan is not None and scan.column(name) is not None
        return False

    # -- the label -------------------------------------------------------------------------

    def label_pass(self, root: Scope) -> None:
        """Record label columns used (other than plain projection) and every table column's role."""
        self._label_outputs: dict[int, set[str]] = {}
        for scope in root.traverse():
            expr = scope.expression
            if not isinstance(expr, exp.Select):
                continue
            sources = sources_of(scope)
            for col in scope.columns:
                owner = self.owner(col, scope, sources, expr)
                if owner is None:
                    role = role_of(col, expr)
                    if role != "projection":
                        # a table of unknown columns: kept by name, so a label known later finds its use
                        self.columns.append(f"{col.table or '?'}.{col.name}:{role}")
                    if self.labels and col.name.lower() in self.labels and not col.table and role != "projection":
                        self.uses.append(f"{col.name}:{role}")
                    continue
                node, source = sources[source_named(sources, owner[0])]
                role = role_of(col, expr)
                if isinstance(node, exp.Table) and not isinstance(source, Scope):
                    scan = self.scan_for(node)
                    if scan is not None:
                        scan.used.add(owner[1])
                        self.columns.append(f"{scan.ref.name}.{col.name}:{role}")
                if self._is_label(source, owner[1]) and role != "projection":
                    self.uses.append(f"{col.name}:{role}")
            self._label_outputs[id(scope)] = self._outputs_with_label(scope, sources)

    def _is_label(self, source: object, name: str) -> bool:
        if isinstance(source, Scope):
            return name in self._label_outputs.get(id(source), set())
        return name in self.labels

    def _outputs_with_label(self, scope: Scope, sources: dict[str, tuple[exp.Expr, object]]) -> set[str]:
        expr = scope.expression
        out: set[str] = set()
        if not isinstance(expr, exp.Select):
            return out
        for proj in expr.expressions:
            if isinstance(proj, exp.Star) or (isinstance(proj, exp.Column) and isinstance(proj.this, exp.Star)):
                table = proj.table.lower() if isinstance(proj, exp.Column) else ""
                for alias, (node, source) in sources.items():
                    if table and alias.lower() != table:
                        continue
                    out |= self._source_labels(node, source)
                continue
            for col in proj.find_all(exp.Column):
                owner = self.owner(col, scope, sources, expr)
                if (owner is not None and self._is_label(sources[source_named(sources, owner[0])][1], owner[1])) or (owner is None and col.name.lower() in self.labels):
                    out.add(proj.alias_or_name.lower())
        return out

    def _source_labels(self, node: exp.Expr, source: object) -> set[str]:
        if isinstance(source, Scope):
            return set(self._label_outputs.get(id(source), set()))
        if isinstance(node, exp.Table):
            scan = self.scan_for(node)
            if scan is not None and scan.columns is not None:
                return {c for c in scan.columns if c in self.labels}
        return set()

    def mark_computed(self, root: Scope) -> None:
        """Mark the scans a query level computing over rows reads (its own sources, and everything under them).

        ``SELECT test.*, spend - m FROM test, (SELECT AVG(spend) m FROM train)`` computes over ``train``
        only: the rows of ``test`` are transformed one by one.
        """
        for scope in root.traverse():
            if not computes(scope.expression):
                continue
            for node, source in sources_of(scope).values():
                inner = source.traverse() if isinstance(source, Scope) else ()
                tables = [node] if isinstance(node, exp.Table) and not isinstance(source, Scope) else []
                tables += [t for sub in inner for t, src in sub.selected_sources.values()
                           if isinstance(t, exp.Table) and not isinstance(src, Scope)]
                for table in tables:
                    scan = self.scans.get(id(table))
                    if scan is not None:
                        scan.computed = True

    def statistics(self, root: Scope) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The output columns of the query ``root`` that carry a statistic over rows, and what it reads."""
        expr = root.expression
        if not isinstance(expr, exp.Select):
            return ()
        sources = sources_of(root)
        found: list[tuple[str, tuple[str, ...]]] = []
        for proj in expr.expressions:
            name = proj.alias_or_name
            if not name or isinstance(proj, exp.Star):
                continue
            reads = list(statistic_inputs(proj) or ())
            hit = bool(reads) or statistic_inputs(proj) is not None
            for col in proj.find_all(exp.Column):
                owner = self.owner(col, root, sources, expr)
                source = sources[source_named(sources, owner[0])][1] if owner is not None else None
                if isinstance(source, Scope) and aggregates(source.expression):
                    # ``FROM t, (SELECT AVG(x) m FROM t)`` or a CTE of group means joined back
                    hit = True
                    reads += aggregated_columns(source.expression)
            if hit:
                found.append((name, tuple(dict.fromkeys(reads))))
        return tuple(found)

    def label_out(self, root: Scope) -> bool:
        scope = root
        while isinstance(scope.expression, exp.SetOperation) and scope.set_operation_scopes:
            scope = scope.set_operation_scopes[0]
        return bool(self._label_outputs.get(id(scope)))
