"""Safe mode for SQL: restrict scans in the text the user wrote.

Each restricted scan ``FROM events AS e`` becomes
``FROM (SELECT * FROM events WHERE event_ts <= CAST('2024-06-01 00:00:00' AS TIMESTAMP)) AS e``:
the rows of that one scan are cut, whatever join, CTE or UNION branch it sits in, and
every column reference keeps working through the alias. A test-only table becomes an
empty selection of itself (``WHERE 1 = 0``), so the query still binds. Only the table
reference's characters (``leakguard/sql/spans.py``) are replaced; the rest of the query
is not generated again, so its functions, casts, identifiers, result column names,
parameter markers and errors are exactly the user's. When a scan's place in the text
cannot be found exactly, the rewrite is refused rather than changing what the query means.

>>> import sqlglot
>>> from leakguard.policy import Policy
>>> from leakguard.sql.analysis import analyse
>>> p = Policy(time="ts", cutoff="2024-06-01")
>>> a = analyse("SELECT count(*) FROM events e WHERE e.x = ?", "sqlite", p)
>>> restrict(a, {id(a.scans[0]): Restriction(time_column="ts")}, p)
"SELECT count(*) FROM (SELECT * FROM events WHERE JULIANDAY(ts) <= JULIANDAY('2024-06-01 00:00:00')) AS e WHERE e.x = ?"
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from leakguard.lineage.conditions import naive
from leakguard.policy import Policy
from leakguard.sql.analysis import Analysis
from leakguard.sql.markers import markers
from leakguard.sql.spans import SpanError, scan_span

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


def _cast(value: exp.Expr, kind: str) -> exp.Cast:
    return exp.Cast(this=value, to=exp.DataType(this=exp.DataType.Type[kind]))


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
        return _cast(exp.Literal.string(value.date().isoformat()), "DATE")
    if any(k in kind for k in ("CHAR", "TEXT", "STRING")):
        return exp.Literal.string(text)
    if "TIME ZONE" in kind or kind.startswith("TIMESTAMPTZ"):
        return _cast(exp.Literal.string(text + "+00:00"), "TIMESTAMPTZ")
    if dialect == "bigquery" and kind.startswith("DATETIME"):
        return _cast(exp.Literal.string(text), "DATETIME")
    return _cast(exp.Literal.string(text), "TIMESTAMP")


def _column(name: str, exact: bool) -> exp.Column:
    return exp.column(exp.to_identifier(name, quoted=True if exact else None))


def _literal(value: Any) -> exp.Expr:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return exp.Literal.string(str(value))
    return exp.Literal.number(value)


def predicate(r: Restriction, policy: Policy, dialect: str) -> exp.Expr:
    """The condition that keeps a scan's allowed rows (built node by node: no SQL text is parsed)."""
    if r.empty:
        return exp.EQ(this=exp.Literal.number(1), expression=exp.Literal.number(0))
    parts: list[exp.Expr] = []
    if r.time_column:
        col: exp.Expr = _column(r.time_column, r.exact_names)
        limit = cutoff_literal(policy, dialect, r.time_type)
        if dialect == "sqlite" and isinstance(limit, exp.Literal) and limit.is_string:
            # sqlite keeps times as text in several spellings ('T' or ' ', fractions, dates alone): compare instants
            col, limit = _julianday(col), _julianday(limit)
        parts.append(exp.LTE(this=col, expression=limit))
    if r.holdout_column:
        kept = exp.Coalesce(this=_column(r.holdout_column, r.exact_names), expressions=[exp.false()])
        parts.append(exp.Not(this=kept))
    if r.id_column and r.holdout_ids:
        outside = exp.Not(this=exp.In(this=_column(r.id_column, r.exact_names),
                                      expressions=[_literal(v) for v in r.holdout_ids]))
        missing = exp.Is(this=_column(r.id_column, r.exact_names), expression=exp.Null())
        parts.append(exp.Paren(this=exp.Or(this=outside, expression=missing)))
    if not parts:
        raise RewriteError("nothing to restrict")
    condition = parts[0]
    for part in parts[1:]:
        condition = exp.And(this=condition, expression=part)
    return condition


def _julianday(value: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this="JULIANDAY", expressions=[value])


def restrict(analysis: Analysis, restrictions: Mapping[int, Restriction], policy: Policy) -> str:
    """The SQL with each scan in ``restrictions`` (keyed by ``id(scan)``) restricted; raises RewriteError.

    Only the characters of each restricted table reference change: every other character
    is the user's, so result column names, functions, casts and errors stay theirs.
    """
    dialect, sql = analysis.dialect, analysis.sql
    tokens = analysis.tokens or Dialect.get_or_raise(dialect).tokenize(sql)
    edits: list[tuple[int, int, str]] = []
    for scan in analysis.scans:
        r = restrictions.get(id(scan))
        if r is None:
            continue
        try:
            span = scan_span(scan.node, tokens, sql, dialect)
        except SpanError as exc:
            raise RewriteError(str(exc)) from None
        condition = predicate(r, policy, dialect).sql(dialect=dialect)
        restricted = f"SELECT * FROM {sql[span.start:span.name_end]} WHERE {condition}"
        # ``SUMMARIZE t`` takes a query, not an aliased subquery: ``SUMMARIZE SELECT * FROM t WHERE ...``
        summarized = isinstance(scan.node.parent, exp.Summarize)
        edits.append((span.start, span.end, restricted if summarized else f"({restricted}) AS {span.alias}"))
    edits.sort()
    if any(a[1] > b[0] for a, b in itertools.pairwise(edits)):
        raise RewriteError("two of its table references overlap")
    pieces: list[str] = []
    done = 0
    for start, end, text in edits:
        pieces += [sql[done:start], text]
        done = end
    new_sql = "".join(pieces) + sql[done:]
    original = analysis.markers()
    # the inserted text holds no marker; checked anyway where the driver binds parameters by position
    if original and markers(new_sql, dialect) != original:
        raise RewriteError("its parameter markers would not survive the rewrite")
    return new_sql
