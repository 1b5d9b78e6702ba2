"""Where a table reference sits in the user's SQL text: the character span of a scan.

Safe mode replaces each restricted scan *in the text the user wrote*, not in a query
generated again from the tree: regenerating normalises function names, casts and
identifiers (``count(*)`` becomes ``COUNT(*)``, which renames SQLite's result column),
and can turn syntax the database rejects into syntax it accepts. sqlglot records each
identifier's position in ``meta``; the tokens of the text give the rest (a table
function's argument list, an alias's column list).

>>> import sqlglot
>>> from sqlglot.dialects.dialect import Dialect
>>> sql = 'SELECT avg(x) FROM main."Events" AS e WHERE e.x > 0'
>>> node = sqlglot.parse_one(sql).find(sqlglot.exp.Table)
>>> span = scan_span(node, Dialect.get_or_raise("duckdb").tokenize(sql), sql, "duckdb")
>>> sql[span.start:span.name_end], sql[span.start:span.end], span.alias
('main."Events"', 'main."Events" AS e', 'e')
"""

from __future__ import annotations

import bisect
import dataclasses
import os

from sqlglot import exp
from sqlglot.tokenizer_core import Token, TokenType

# what a scan may carry and still be cut by wrapping its name: anything else (a sample,
# hints, a time-travel clause, ONLY, pivots) sits between the name and the alias or after it
_PLAIN_ARGS = {"this", "db", "catalog", "alias"}


class SpanError(Exception):
    """The scan's place in the text cannot be found exactly; the reason is the message."""


@dataclasses.dataclass(frozen=True, slots=True)
class Span:
    """A scan's characters in the SQL: ``[start, name_end)`` is the table, ``[start, end)`` with its alias."""

    start: int
    name_end: int
    end: int
    alias: str          # the alias to give the restricted subquery, as SQL text


def scan_span(node: exp.Table, tokens: list[Token], sql: str, dialect: str) -> Span:
    """The span of the scan ``node`` in ``sql`` (whose tokens are ``tokens``); raises SpanError."""
    extra = sorted(k for k, v in node.args.items() if v and k not in _PLAIN_ARGS)
    if extra:
        raise SpanError(f"a scan with {', '.join(extra)} cannot be restricted")
    starts = [tok.start for tok in tokens]
    start, name_end = _name_span(node, tokens, starts, sql)
    alias = node.args.get("alias")
    if not isinstance(alias, exp.TableAlias):
        return Span(start, name_end, name_end, _implicit_alias(node, sql, dialect))
    ident = alias.this
    a_start, a_end = _position(ident)
    between = tokens[bisect.bisect_left(starts, name_end):bisect.bisect_left(starts, a_start)]
    if any(t.token_type != TokenType.ALIAS for t in between):
        raise SpanError("text between the table and its alias cannot be kept")
    end = a_end
    if alias.columns:  # ``AS e(a, b)``: the column list belongs to the alias
        end = _closing_paren(tokens, starts, a_end)
    return Span(start, name_end, end, sql[a_start:end])


def _position(node: exp.Expr) -> tuple[int, int]:
    """``[start, end)`` of a node's own token, from sqlglot's meta."""
    meta = node.meta
    start, end = meta.get("start"), meta.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        raise SpanError("the parser did not record where the table is written")
    return start, end + 1


def _name_span(node: exp.Table, tokens: list[Token], starts: list[int], sql: str) -> tuple[int, int]:
    begins: list[int] = []
    ends: list[int] = []
    for part in (node.args.get("catalog"), node.args.get("db"), node.this):
        if part is None:
            continue
        start, end = _position(part)
        if isinstance(part, exp.Func):  # a table function: its name's token, then its argument list
            end = _closing_paren(tokens, starts, end)
        elif isinstance(part, exp.Identifier) and part.name.lower() not in sql[start:end].lower():
            raise SpanError("the table's recorded position does not hold its name")
        begins.append(start)
        ends.append(end)
    if not begins:
        raise SpanError("the table has no name")
    return min(begins), max(ends)


def _closing_paren(tokens: list[Token], starts: list[int], after: int) -> int:
    """The end of the parenthesised list that opens right after character ``after``."""
    i = bisect.bisect_left(starts, after)
    if i >= len(tokens) or tokens[i].token_type != TokenType.L_PAREN:
        raise SpanError("a parenthesised list was expected")
    depth = 0
    for tok in tokens[i:]:
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return tok.end + 1
    raise SpanError("an unclosed parenthesis")


def _implicit_alias(node: exp.Table, sql: str, dialect: str) -> str:
    """The name the query already uses for a scan without an alias, as SQL text."""
    this = node.this
    if not isinstance(this, exp.Identifier):
        raise SpanError("a table function without an alias cannot be restricted")
    if this.quoted and ("/" in this.name or "." in this.name) and not node.args.get("db"):
        stem = os.path.splitext(os.path.basename(this.name))[0] or "t"  # DuckDB names a file scan by its stem
        return exp.to_identifier(stem).sql(dialect=dialect)
    start, end = _position(this)
    written = sql[start:end]
    if written.strip('"`[]').lower() == this.name.lower():
        return written  # exactly as the user wrote it, quotes included
    # one token holding several parts (BigQuery's `project.dataset.table`): name the last part
    return exp.to_identifier(this.name, quoted=this.quoted or None).sql(dialect=dialect)
