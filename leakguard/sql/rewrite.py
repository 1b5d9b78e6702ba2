"""Safe mode for SQL: restrict scans on the AST, then generate the query again.

Each restricted scan ``FROM events AS e`` becomes
``FROM (SELECT * FROM events WHERE event_ts <= CAST('2024-06-01 00:00:00' AS TIMESTAMP)) AS e``:
the rows of that one scan are cut, whatever join, CTE or UNION branch it sits in, and
every column reference keeps working through the alias. A test-only table becomes an
empty selection of itself (``WHERE 1 = 0``), so the query still binds. Parameter markers
(``?``, ``:name``, ``$1``...) are kept exactly as written; when they cannot be, the
rewrite is refused rather than changing what the query means.

>>> import sqlglot
>>> from leakguard.policy import Policy
>>> from leakguard.sql.analysis import analyse
>>> p = Policy(time="ts", cutoff="2024-06-01")
>>> a = analyse("SELECT count(*) FROM events e WHERE e.x = ?", "sqlite", p)
>>> restrict(a, {id(a.scans[0]): Restriction(time_column="ts")}, p)
"SELECT COUNT(*) FROM (SELECT * FROM events WHERE JULIANDAY(ts) <= JULIANDAY('2024-06-01 00:00:00')) AS e WHERE e.x = ?"
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokenizer_core import Token, TokenType

from leakguard.policy import Policy
from leakguard.sql.analysis import Analysis
from leakguard.sql.bounds import naive

_KEEP_ARGS = {"this", "db", "catalog", "alias", "sample"}
_NUMERIC = ("INT", "REAL", "FLOA", "DOUB", "NUM", "DEC")


class RewriteError(Exception):
    """The query cannot be restricted safely; the reason is the message."""


@dataclasses.dataclass(frozen=True, slots=True)
class Restriction:
    """What to cut from one scan: rows past the cutoff, holdout-marked rows, or every row."""

    time_column: str | None = None
    time_type: str = ""
    exact_names: bool = False         # names come from the database's schema: quote them as stored
    holdout_column: str | None = None
    id_column: str | None = None
    holdout_ids: tuple[Any, ...] = ()
    empty: bool = False

    def describe(self, table: str, policy: Policy) -> str:
        """``events: event_ts <= 2024-06-01`` for the note safe mode shows."""
        if self.empty:
            return f"{table}: no rows (a test-only table)"
        parts = []
        if self.time_column:
            parts.append(f"{self.time_column} <= {policy.cutoff}")
        if self.holdout_column:
            parts.append(f"not {self.holdout_column}")
        if self.id_column:
            parts.append(f"{self.id_column} not among the {len(self.holdout_ids)} holdout ids")
        return f"{table}: " + " and ".join(parts)


def cutoff_literal(policy: Policy, dialect: str, column_type: str = "") -> exp.Expr:
    """The cutoff as a literal comparable with a column of ``column_type`` in ``dialect``."""
    cutoff = policy.cutoff_datetime
    assert cutoff is not None
    value = naive(cutoff)
    text = value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
    kind = column_type.upper()
    if dialect == "sqlite":
        if any(k in kind for k in _NUMERIC):
            return exp.Literal.number(int(value.replace(tzinfo=dt.UTC).timestamp()))
        return exp.Literal.string(text)
    if kind in ("DATE", "DATE32"):
        return exp.cast(exp.Literal.string(value.date().isoformat()), "DATE")
    if any(k in kind for k in ("CHAR", "TEXT", "STRING")):
        return exp.Literal.string(text)
    if "TIME ZONE" in kind or kind.startswith("TIMESTAMPTZ"):
        return exp.cast(exp.Literal.string(text + "+00:00"), "TIMESTAMPTZ")
    if dialect == "bigquery" and kind.startswith("DATETIME"):
        return exp.cast(exp.Literal.string(text), "DATETIME")
    return exp.cast(exp.Literal.string(text), "TIMESTAMP")


def _column(name: str, exact: bool) -> exp.Column:
    return exp.column(exp.to_identifier(name, quoted=True if exact else None))


def _literal(value: Any) -> exp.Expr:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return exp.Literal.string(str(value))
    return exp.Literal.number(value)


def predicate(r: Restriction, policy: Policy, dialect: str) -> exp.Expr:
    """The condition that keeps a scan's allowed rows."""
    if r.empty:
        return exp.EQ(this=exp.Literal.number(1), expression=exp.Literal.number(0))
    parts: list[exp.Expr] = []
    if r.time_column:
        col: exp.Expr = _column(r.time_column, r.exact_names)
        limit = cutoff_literal(policy, dialect, r.time_type)
        if dialect == "sqlite" and isinstance(limit, exp.Literal) and limit.is_string:
            # sqlite keeps times as text in several spellings ('T' or ' ', fractions, dates alone): compare instants
            col, limit = exp.func("JULIANDAY", col), exp.func("JULIANDAY", limit)
        parts.append(exp.LTE(this=col, expression=limit))
    if r.holdout_column:
        parts.append(exp.not_(exp.func("COALESCE", _column(r.holdout_column, r.exact_names), exp.false())))
    if r.id_column and r.holdout_ids:
        col = _column(r.id_column, r.exact_names)
        outside = exp.Not(this=exp.In(this=col, expressions=[_literal(v) for v in r.holdout_ids]))
        parts.append(exp.paren(exp.or_(outside, exp.Is(this=col.copy(), expression=exp.Null()))))
    if not parts:
        raise RewriteError("nothing to restrict")
    return exp.and_(*parts) if len(parts) > 1 else parts[0]


def _alias_for(node: exp.Table) -> exp.TableAlias:
    alias = node.args.get("alias")
    if isinstance(alias, exp.TableAlias):
        return alias.copy()
    this = node.this
    if isinstance(this, exp.Identifier):
        name = this.name
        if this.quoted and ("/" in name or "." in name):
            name = os.path.splitext(os.path.basename(name))[0] or "t"
        return exp.TableAlias(this=exp.to_identifier(name, quoted=this.quoted or None))
    raise RewriteError("a table function without an alias cannot be restricted")


def restrict_scan(node: exp.Table, condition: exp.Expr) -> None:
    """Replace the scan ``node`` by ``(SELECT * FROM node WHERE condition) AS alias`` in its tree."""
    extra = {k for k, v in node.args.items() if v and k not in _KEEP_ARGS}
    if extra:
        raise RewriteError(f"a scan with {', '.join(sorted(extra))} cannot be restricted")
    alias = _alias_for(node)
    inner = node.copy()
    inner.set("alias", None)
    select = exp.select("*").from_(inner, copy=False).where(condition, copy=False)
    node.replace(exp.Subquery(this=select, alias=alias))


T = TokenType
_NAMES = {T.VAR, T.NUMBER, T.IDENTIFIER}
# token shapes after the opening token: $1 / :name / ${name} / %s / %(name)s
_SHAPES: dict[Any, tuple[tuple[set[Any], ...], ...]] = {
    T.PARAMETER: ((_NAMES,), ({T.L_BRACE}, _NAMES, {T.R_BRACE})),
    T.COLON: ((_NAMES,),),
    T.MOD: (({T.VAR},), ({T.L_PAREN}, _NAMES, {T.R_PAREN}, {T.VAR})),
}


def markers(sql: str, dialect: str) -> list[str]:
    """The parameter markers of ``sql`` in order (``?``, ``:name``, ``$1``, ``%(x)s``...), from its tokens."""
    toks = Dialect.get_or_raise(dialect).tokenize(sql)
    found: list[str] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.token_type == T.PLACEHOLDER:
            found.append(sql[tok.start:tok.end + 1])
            i += 1
            continue
        shapes = _SHAPES.get(tok.token_type, ())
        glued_to_previous = i > 0 and toks[i - 1].end + 1 == tok.start and toks[i - 1].token_type in _NAMES
        matched = 0 if glued_to_previous else _match_shape(toks, i, shapes)
        if matched and (tok.token_type != T.MOD or toks[i + matched].text == "s"):
            found.append(sql[tok.start:toks[i + matched].end + 1])
            i += matched + 1
        else:
            i += 1
    return found


def _marker_name(marker: str) -> str:
    """``:name`` → ``name``, ``$1`` → ``1``, ``%(x)s`` → ``x``; anonymous ``?`` / ``%s`` → ``""``."""
    if marker in ("?", "%s"):
        return ""
    if marker.startswith("%("):
        return marker[2:-2]
    return marker.lstrip("$@:").strip("{}")


def _match_shape(toks: list[Token], i: int, shapes: tuple[tuple[set[Any], ...], ...]) -> int:
    """How many tokens after ``toks[i]`` form a marker with it (0: none)."""
    for shape in sorted(shapes, key=len, reverse=True):
        end = toks[i].end
        for k, allowed in enumerate(shape, start=1):
            if i + k >= len(toks) or toks[i + k].start != end + 1 or toks[i + k].token_type not in allowed:
                break
            end = toks[i + k].end
        else:
            return len(shape)
    return 0


def restrict(analysis: Analysis, restrictions: Mapping[int, Restriction], policy: Policy) -> str:
    """The SQL with each scan in ``restrictions`` (keyed by ``id(scan)``) restricted; raises RewriteError.

    The analysis's trees are changed in place: analyse again to reuse them.
    """
    dialect = analysis.dialect
    original = markers(analysis.sql, dialect)
    for scan in analysis.scans:
        r = restrictions.get(id(scan))
        if r is not None:
            restrict_scan(scan.node, predicate(r, policy, dialect))
    if original:
        params = [n for tree in analysis.statements for n in tree.dfs()
                  if isinstance(n, (exp.Placeholder, exp.Parameter))]
        by_name = {_marker_name(m): m for m in original}
        for node in params:
            text = by_name.get(node.name if node.this is not None else "")
            if text is None:
                raise RewriteError("its parameter markers could not be matched")
            node.replace(exp.Var(this=text))
    sql = ";\n".join(tree.sql(dialect=dialect) for tree in analysis.statements)
    if original and markers(sql, dialect) != original:
        raise RewriteError("its parameter markers would not survive the rewrite")
    return sql
