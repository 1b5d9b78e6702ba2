"""Reading Spark plans and expressions on the driver: no job, only the analysed plan and expression text.

- ``aggregates(frame)``: whether the frame's analysed logical plan aggregates rows (an
  ``Aggregate`` node), and the columns that aggregate reads;
- ``condition(frame)``: the condition of a ``filter``'s plan as SQL text and, when it
  compares one column with a time literal, the bound it states (``event_ts <= 2024-06-01``);
- ``referenced(values, columns)``: the columns that strings and ``Column`` expressions
  name, among a frame's columns (Spark prints names unquoted: each known name is looked
  for as a whole word in the expression's text);
- ``expression(column, columns)``: what one ``Column`` computes a new column from (the
  columns it reads, whether it is a window function, its alias), from its text alone.

>>> referenced(["plan", {"x": "mean"}], ("plan", "x", "y"))
('plan', 'x')
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from leakguard.lineage.conditions import as_time, complementary, normalise, parse_sql, parse_time

_AGGREGATE_LINE = re.compile(r"^[\s:|+\-]*Aggregate \[", re.MULTILINE)
_MAX_WALK = 200


def plan_text(frame: Any) -> str:
    """The analysed logical plan as text (one call to the JVM)."""
    return str(frame._jdf.queryExecution().analyzed().toString())


def aggregates(text: str) -> bool:
    """True when a plan's text holds an ``Aggregate`` node."""
    return _AGGREGATE_LINE.search(text) is not None


def aggregate_columns(frame: Any) -> tuple[str, ...] | None:
    """The columns the plan's first ``Aggregate`` reads (grouping keys and aggregated columns); None if not found."""
    queue = [frame._jdf.queryExecution().analyzed()]
    seen = 0
    while queue and seen < _MAX_WALK:
        node = queue.pop(0)
        seen += 1
        if str(node.nodeName()) == "Aggregate":
            refs = node.references().toSeq()
            return tuple(dict.fromkeys(str(refs.apply(i).name()) for i in range(refs.size())))
        children = node.children()
        queue += [children.apply(i) for i in range(children.size())]
    return None


def referenced(values: Iterable[Any], columns: tuple[str, ...] | None) -> tuple[str, ...]:
    """Columns of ``columns`` that ``values`` (names, lists, dicts of name → function, Columns) refer to."""
    known = {c.lower(): c for c in columns or ()}
    found: list[str] = []
    for value in values:
        if isinstance(value, str):
            found.append(known.get(value.lower(), value) if value != "*" else "")
        elif isinstance(value, dict):
            found += referenced(value.keys(), columns)
        elif isinstance(value, (list, tuple)):
            found += referenced(value, columns)
        elif type(value).__module__.startswith("pyspark.sql"):
            found += _expression_columns(str(value), known)
    return tuple(c for c in dict.fromkeys(found) if c)


@dataclasses.dataclass(frozen=True, slots=True)
class Expression:
    """One ``Column`` read from its text: the frame's columns it names, a window (``OVER``), its alias."""

    columns: tuple[str, ...]
    window: bool = False
    alias: str | None = None


_ALIAS = re.compile(r" AS (`(?:[^`]|``)+`|[^\s`()]+)$")


def expression(value: Any, columns: tuple[str, ...] | None) -> Expression:
    """The columns of ``columns`` a Spark ``Column`` reads, whether it is evaluated over a window, its alias.

    One call to the JVM (the expression's text, ``/(refund, +(churned, 1))``); no plan.

    >>> class Column:  # a stand-in with the text Spark prints
    ...     def __str__(self) -> str: return "Column<'avg(churned) OVER (PARTITION BY plan) AS rate'>"
    >>> expression(Column(), ("plan", "churned", "x"))
    Expression(columns=('plan', 'churned'), window=True, alias='rate')
    """
    text = str(value)
    if text.startswith("Column<'") and text.endswith("'>"):
        text = text[8:-2]
    alias = None
    found = _ALIAS.search(text)
    if found is not None:
        alias = found.group(1)
        if alias.startswith("`"):
            alias = alias[1:-1].replace("``", "`")
        text = text[: found.start()]
    known = {c.lower(): c for c in columns or ()}
    return Expression(tuple(dict.fromkeys(_expression_columns(text, known))), " OVER (" in text, alias)


def _expression_columns(text: str, known: dict[str, str]) -> list[str]:
    """Columns of the frame named in an expression's text.

    Spark prints an expression's column names unquoted (``avg(lab`el)``), so each known
    name is looked for as a whole word, not followed by ``(`` (a function of that name).
    """
    if text.startswith("Column<'") and text.endswith("'>"):
        text = text[8:-2]
    lowered = text.lower()
    found: list[str] = []
    for key, column in known.items():
        start = lowered.find(key)
        while start >= 0:
            end = start + len(key)
            before = lowered[start - 1] if start else " "
            after = lowered[end] if end < len(lowered) else " "
            if not _word(before) and not _word(after) and after != "(":
                found.append(column)
                break
            start = lowered.find(key, start + 1)
    return found


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


# -- filter conditions ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Condition:
    """A filter's condition: its SQL text and, when it is one, the time bound it states."""

    text: str
    column: str | None = None    # the column compared with a time literal
    op: str = ""                 # <, <=, >, >=
    value: dt.datetime | None = None

    def complements(self, other: Condition) -> bool:
        """True when this condition and ``other`` keep disjoint rows that together make all (nulls aside)."""
        if self.column is not None and other.column is not None:
            return complementary(("cmp", self.column.lower(), self.op, self.value),
                                 ("cmp", other.column.lower(), other.op, other.value))
        return self.text == f"(NOT {other.text})" or other.text == f"(NOT {self.text})"

    @property
    def upper(self) -> bool:
        """True for ``column < T`` / ``column <= T`` (the earlier side)."""
        return self.op in ("<", "<=")


def condition(frame: Any, time: str | None) -> Condition | None:
    """The condition of the ``Filter`` at the top of ``frame``'s analysed plan; None when there is none.

    Its SQL is parsed for a time bound only when it names the column ``time`` (else only its
    text is kept, which is enough to pair ``cond`` with ``~cond``).
    """
    plan = frame._jdf.queryExecution().analyzed()
    if str(plan.nodeName()) != "Filter":
        return None
    text = str(plan.condition().sql())
    if time is None or time.lower() not in text.lower():
        return Condition(text)
    return parse_condition(text)


def parse_condition(text: str) -> Condition:
    """``Condition`` of Spark's SQL text of a condition (a time bound when it is a single comparison)."""
    tree = parse_sql(text, "spark", keep_text=False)
    if tree is None:
        return Condition(text)
    tree = normalise(tree)
    if tree[0] != "cmp" or tree[2] not in ("<", "<=", ">", ">="):
        return Condition(text)
    value = parse_time(tree[3]) if isinstance(tree[3], str) else as_time(tree[3])  # '2024' is a time in SQL
    if value is None:
        return Condition(text)
    return Condition(text, tree[1], tree[2], value)
