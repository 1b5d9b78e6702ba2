"""Reading Polars expressions and lazy plans without running them.

- ``condition_of``: a ``filter`` condition from its expression's JSON tree
  (``expr.meta.serialize(format="json")``): a comparison of a column with a literal
  (``col <= T``, ``~(col > T)``, either side), conjunctions of them, and what bounding the
  policy's time column removes.
- ``plan_aggregates``: whether a LazyFrame's plan aggregates rows, from
  ``explain(optimized=False)`` (text only: a plan over in-memory data would serialise
  the data itself): an ``AGGREGATE`` node (``group_by().agg``), or a ``SELECT`` whose
  every expression aggregates its columns (``select(pl.col("x").mean())``).

>>> import polars as pl
>>> from leakguard.policy import Policy
>>> p = Policy(time="ts", cutoff="2024-06-01")
>>> c = condition_of((pl.col("ts") <= "2024-05-01",), {}, p)
>>> sorted(c.removes), c.compare
(['future'], ('ts', 'le', '{"Scalar": {"String": "2024-05-01"}}'))
>>> plan_aggregates(pl.LazyFrame({"a": [1]}).select(pl.col("a").mean())) is not None
True
>>> plan_aggregates(pl.LazyFrame({"a": [1]}).with_columns(b=pl.col("a") * 2)) is None
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

from leakguard.libraries.polars.catalog import EXPR_AGGREGATIONS, PLAN_AGGREGATIONS
from leakguard.lineage import conditions
from leakguard.policy import Policy

_FLIP = {"Lt": "gt", "LtEq": "ge", "Gt": "lt", "GtEq": "le"}     # literal on the left: T < col is col > T
_OPS = {"Lt": "lt", "LtEq": "le", "Gt": "gt", "GtEq": "ge"}
_NOT = {"lt": "ge", "le": "gt", "gt": "le", "ge": "lt"}
_SYMBOL = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}  # as lineage/conditions.py writes them
_UNITS = {"Nanoseconds": 1_000_000_000, "Microseconds": 1_000_000, "Milliseconds": 1_000}
_EPOCH = dt.datetime(1970, 1, 1)


def root_names(expr: Any) -> list[str]:
    """The columns an expression reads (``expr.meta.root_names()``), [] for anything else."""
    meta = getattr(expr, "meta", None)
    if meta is None or type(expr).__module__.partition(".")[0] != "polars":
        return []
    try:
        return [str(n) for n in meta.root_names()]
    except Exception:
        return []


@dataclasses.dataclass(frozen=True)
class Condition:
    """What a filter keeps, as far as leakguard can read it."""

    key: str | None = None                          # the whole condition, serialised (a single expression)
    compare: tuple[str, str, str] | None = None     # (column, le|lt|ge|gt, literal as JSON) at the top
    removes: frozenset[str] = frozenset()
    negated: bool = False                           # the condition is ``~something``


def _tree(expr: Any) -> Any:
    if type(expr).__module__.partition(".")[0] != "polars" or not hasattr(expr, "meta"):
        return None
    try:
        return json.loads(expr.meta.serialize(format="json"))
    except Exception:
        return None


def _column(node: Any) -> str | None:
    if isinstance(node, dict) and isinstance(node.get("Column"), str):
        return str(node["Column"])
    return None


def _literal(node: Any) -> Any:
    if isinstance(node, dict) and "Literal" in node:
        return node["Literal"]
    return None


def _comparison(node: Any) -> tuple[str, str, Any] | None:
    """``(column, op, literal)`` for ``col op literal``, ``literal op col`` or ``~(...)`` of those."""
    if not isinstance(node, dict):
        return None
    fn = node.get("Function")
    if isinstance(fn, dict) and fn.get("function") == {"Boolean": "Not"} and len(fn.get("input", ())) == 1:
        inner = _comparison(fn["input"][0])
        return None if inner is None else (inner[0], _NOT[inner[1]], inner[2])
    bin_ = node.get("BinaryExpr")
    if not isinstance(bin_, dict) or bin_.get("op") not in _OPS:
        return None
    left, right, op = bin_.get("left"), bin_.get("right"), bin_["op"]
    if _column(left) is not None and _literal(right) is not None:
        return str(_column(left)), _OPS[op], _literal(right)
    if _column(right) is not None and _literal(left) is not None:
        return str(_column(right)), _FLIP[op], _literal(left)
    return None


def _conjuncts(node: Any) -> Iterator[Any]:
    bin_ = node.get("BinaryExpr") if isinstance(node, dict) else None
    if isinstance(bin_, dict) and bin_.get("op") in ("And", "LogicalAnd"):
        yield from _conjuncts(bin_.get("left"))
        yield from _conjuncts(bin_.get("right"))
    else:
        yield node


def literal_time(lit: Any) -> dt.datetime | None:
    """A literal's value as a naive (UTC) datetime, when it is a date, datetime or ISO text."""
    scalar = lit.get("Scalar") if isinstance(lit, dict) else None
    if not isinstance(scalar, dict):
        return None
    try:
        if "Datetime" in scalar:
            value, unit = scalar["Datetime"][0], scalar["Datetime"][1]
            return _EPOCH + dt.timedelta(microseconds=value * 1_000_000 / _UNITS[unit])
        if "Date" in scalar:
            return _EPOCH + dt.timedelta(days=int(scalar["Date"]))
        if "String" in scalar:
            parsed = dt.datetime.fromisoformat(str(scalar["String"]).strip())
            return parsed if parsed.tzinfo is None else parsed.astimezone(dt.UTC).replace(tzinfo=None)
    except (ValueError, TypeError, KeyError, OverflowError):
        return None
    return None


def removes_of(column: str, op: str, lit: Any, policy: Policy) -> frozenset[str]:
    """Row parts ``column op lit`` provably removes (contract D): bounds on the policy's time column only."""
    value = literal_time(lit)
    if value is None:
        return frozenset()
    return conditions.removes(conditions.cmp(column, _SYMBOL[op], value), policy)


def condition_of(predicates: tuple[Any, ...], constraints: dict[str, Any], policy: Policy) -> Condition:
    """What ``filter(*predicates, **constraints)`` keeps; an empty Condition when leakguard cannot read it."""
    trees = [_tree(p) for p in predicates]
    removes: set[str] = set()
    for tree in trees:
        for part in _conjuncts(tree):
            found = _comparison(part)
            if found is not None:
                removes |= removes_of(*found, policy)
    if len(trees) != 1 or trees[0] is None or constraints:
        return Condition(removes=frozenset(removes))
    tree = trees[0]
    key = json.dumps(tree, sort_keys=True, separators=(",", ":"))
    found = _comparison(tree)
    compare = None if found is None else (found[0], found[1], json.dumps(found[2], sort_keys=True))
    fn = tree.get("Function") if isinstance(tree, dict) else None
    negated = isinstance(fn, dict) and fn.get("function") == {"Boolean": "Not"}
    return Condition(key, compare, frozenset(removes), negated)


def negation(key: str) -> str:
    """The serialised ``~cond`` for a serialised ``cond`` (as ``condition_of`` writes keys)."""
    return '{"Function":{"function":{"Boolean":"Not"},"input":[' + key + ']}}'


def complementary(a: Condition, b: Condition) -> bool:
    """True when exactly one of ``a`` and ``b`` holds for every row (nulls aside)."""
    if a.key is not None and b.key is not None and (a.key == negation(b.key) or b.key == negation(a.key)):
        return True
    if a.compare is None or b.compare is None:
        return False
    return conditions.complementary(conditions.cmp(a.compare[0], _SYMBOL[a.compare[1]], a.compare[2]),
                                    conditions.cmp(b.compare[0], _SYMBOL[b.compare[1]], b.compare[2]))


# -- plans ------------------------------------------------------------------------------------------

_AGGS = frozenset({*EXPR_AGGREGATIONS, *PLAN_AGGREGATIONS})
_COL = re.compile(r'\bcol\("(?:[^"\\]|\\.)*"\)|\bcols\(\[|\ball\(\)|\blen\(\)|\bcount\(\)')


@dataclasses.dataclass(frozen=True)
class Aggregation:
    grouped: bool  # a group-by (keys related to aggregated columns), not only whole-column statistics


def plan_aggregates(lf: Any) -> Aggregation | None:
    """How a LazyFrame's plan aggregates rows, or None when it brings plain rows back."""
    try:
        text = lf.explain(optimized=False)
    except Exception:
        return None
    grouped = selects = False
    for line in text.splitlines():
        head = line.strip()
        if head.startswith("AGGREGATE"):
            grouped = True
        elif head.startswith("SELECT [") and _all_aggregate(head[len("SELECT "):]):
            selects = True
    return Aggregation(grouped) if grouped or selects else None


def _skip_string(text: str, i: int) -> int:
    """Index after the string literal starting at ``text[i] == '"'``."""
    i += 1
    while i < len(text) and text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _close(text: str, i: int) -> int:
    """Index of the bracket closing the one opened at ``text[i]``."""
    depth = 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            i = _skip_string(text, i)
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(text)


def _top_level(items: str) -> list[str]:
    """``[a, f(b, c)]`` → ``["a", "f(b, c)"]``."""
    inner = items.strip()
    if inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1]
    out: list[str] = []
    start = i = 0
    while i < len(inner):
        ch = inner[i]
        if ch == '"':
            i = _skip_string(inner, i)
            continue
        if ch in "([{":
            i = _close(inner, i) + 1
            continue
        if ch == ",":
            out.append(inner[start:i])
            start = i + 1
        i += 1
    out.append(inner[start:])
    return [o.strip() for o in out if o.strip()]


def _all_aggregate(items: str) -> bool:
    exprs = _top_level(items)
    kinds = [_expr_kind(e) for e in exprs]
    return "row" not in kinds and "agg" in kinds


def _expr_kind(expr: str) -> str:
    """``agg`` (one value per column), ``row`` (a value per row) or ``const`` (no column read)."""
    if ".over(" in expr or ".rolling(" in expr:
        return "row"
    covered: list[tuple[int, int]] = []
    refs: list[tuple[int, bool]] = []
    for m in _COL.finditer(expr):
        start = m.start()
        if expr[start:].startswith(("len()", "count()")):
            refs.append((start, True))
            continue
        i = _close(expr, m.end() - 1) + 1 if expr[m.end() - 1] in "([" else m.end()
        if expr[start:].startswith("cols(["):
            i = _close(expr, expr.index("(", start)) + 1
        aggregated = False
        while i < len(expr) and expr[i] == ".":
            name = re.match(r"\.(\w+)\(", expr[i:])
            if name is None:
                break
            open_at = i + len(name.group(0)) - 1
            end = _close(expr, open_at)
            if name.group(1) in _AGGS:
                aggregated = True
                covered.append((open_at, end))
            i = end + 1
        refs.append((start, aggregated))
    if not refs:
        return "const"
    for start, aggregated in refs:
        if not aggregated and not any(a < start < b for a, b in covered):
            return "row"
    return "agg"


# -- eager selects ----------------------------------------------------------------------------------

# ``Function`` nodes that reduce a column to a statistic (the ``Agg`` node covers mean, sum, std...)
_AGG_FUNCTIONS = frozenset({
    "Quantile", "ApproxNUnique", "NullCount", "Product", "Skew", "Kurtosis", "Entropy", "ArgMax", "ArgMin",
    "ValueCounts", "UniqueCounts", "Mode", "Unique", "Correlation", "MinBy", "MaxBy", "Hist", "Any", "All",
})
# nodes whose shape is their one child's (``.alias``, ``.cast``, ``.sort``, ``.filter`` of what they wrap)
_CHILD = {"KeepName": None, "RenameAlias": "expr", "Cast": "expr", "Sort": "expr", "SortBy": "expr",
          "Filter": "input"}
_MAX_DEPTH = 200


def _fn_name(fn: Any) -> str | None:
    if isinstance(fn, str):
        return fn
    if isinstance(fn, dict) and len(fn) == 1:
        key, value = next(iter(fn.items()))
        if key == "Boolean":
            return _fn_name(value)
        return str(key)
    return None


def expr_shape(node: Any, depth: int = 0) -> str:
    """``agg`` (one value per column), ``row`` (a value per row) or ``const`` for a serialised expression.

    Unknown nodes are ``row``: an expression leakguard cannot read is never taken for a statistic.
    """
    if depth > _MAX_DEPTH:
        return "row"
    if node == "Len":
        return "agg"
    if not isinstance(node, dict) or len(node) != 1:
        return "row"
    key, body = next(iter(node.items()))
    if key == "Agg":
        return "agg"
    if key == "Literal":
        return "row" if isinstance(body, dict) and "Series" in body else "const"
    if key == "Alias" and isinstance(body, list) and body:
        return expr_shape(body[0], depth + 1)
    if key in _CHILD:
        field = _CHILD[key]
        return expr_shape(body if field is None else body.get(field) if isinstance(body, dict) else None, depth + 1)
    if key == "BinaryExpr" and isinstance(body, dict):
        return _combined([body.get("left"), body.get("right")], depth)
    if key == "Ternary" and isinstance(body, dict):
        return _combined([body.get("predicate"), body.get("truthy"), body.get("falsy")], depth)
    if key == "Function" and isinstance(body, dict):
        if _fn_name(body.get("function")) in _AGG_FUNCTIONS:
            return "agg"
        inputs = body.get("input")
        return _combined(inputs if isinstance(inputs, list) else [None], depth)
    return "row"  # columns, selectors, windows (``over``), slices, UDFs, anything else


def _combined(children: list[Any], depth: int) -> str:
    shapes = {expr_shape(c, depth + 1) for c in children}
    return "row" if "row" in shapes else "agg" if "agg" in shapes else "const"


@dataclasses.dataclass(frozen=True)
class SelectShape:
    columns: tuple[str, ...]  # the columns the expressions read
    selectors: bool           # some expression picks columns by a selector (``pl.all()``, ``pl.col("a", "b")``)


def _flat(values: Any) -> Iterator[Any]:
    for v in values:
        if isinstance(v, (list, tuple)):
            yield from _flat(v)
        else:
            yield v


def aggregating_select(exprs: tuple[Any, ...], named: dict[str, Any]) -> SelectShape | None:
    """What ``df.select(*exprs, **named)`` reads when every expression aggregates (at least one a statistic,
    the others constants), else None. Reads expression metadata only: nothing is computed."""
    items = list(_flat((*exprs, *named.values())))
    if not items:
        return None
    shapes: list[str] = []
    columns: list[str] = []
    selectors = False
    for item in items:
        if isinstance(item, (str, bytes)) or type(item).__module__.partition(".")[0] != "polars":
            if isinstance(item, (str, bytes)) or hasattr(item, "__len__"):
                return None  # a column by name, a Series, an array: rows
            shapes.append("const")  # a Python scalar: a literal
            continue
        if not hasattr(item, "meta"):
            return None
        try:
            text = item.meta.serialize(format="json")
        except Exception:
            return None
        shape = expr_shape(json.loads(text))
        if shape == "row":
            return None
        shapes.append(shape)
        columns += root_names(item)
        selectors = selectors or '"Selector"' in text
    if "agg" not in shapes:
        return None
    return SelectShape(tuple(dict.fromkeys(columns)), selectors)


# -- statistics broadcast onto rows -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Broadcast:
    op: str                   # the aggregation (``mean``, ``std``, ``quantile``...)
    columns: tuple[str, ...]  # the columns it reduces


def _stats_in(node: Any, found: list[Broadcast], depth: int = 0) -> None:
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, list):
        for child in node:
            _stats_in(child, found, depth + 1)
        return
    if not isinstance(node, dict):
        return
    if len(node) == 1:
        key, body = next(iter(node.items()))
        name = None
        if key == "Agg" and isinstance(body, dict) and len(body) == 1:
            name = next(iter(body))
        elif key == "Function" and isinstance(body, dict) and _fn_name(body.get("function")) in _AGG_FUNCTIONS:
            name = _fn_name(body.get("function"))
        if name is not None:
            cols: list[str] = []
            _columns_in(body, cols, depth + 1)
            found.append(Broadcast(name.lower(), tuple(dict.fromkeys(cols))))
            return
    for child in node.values():
        _stats_in(child, found, depth + 1)


def _columns_in(node: Any, cols: list[str], depth: int) -> None:
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, list):
        for child in node:
            _columns_in(child, cols, depth + 1)
    elif isinstance(node, dict):
        for key, child in node.items():
            if key == "Column" and isinstance(child, str):
                cols.append(child)
            else:
                _columns_in(child, cols, depth + 1)


def broadcast_stats(exprs: tuple[Any, ...], named: dict[str, Any]) -> list[Broadcast]:
    """The statistics of the frame's rows that ``with_columns``/``select`` expressions put on every row:
    ``pl.col("x") - pl.col("x").mean()``, ``fill_null(pl.col("x").mean())``, ``pl.col("x").mean().over("g")``
    (a per-group statistic, as pandas' ``groupby(...).transform("mean")``). Reads expression metadata only."""
    found: list[Broadcast] = []
    for item in _flat((*exprs, *named.values())):
        if isinstance(item, (str, bytes)) or type(item).__module__.partition(".")[0] != "polars" \
                or not hasattr(item, "meta"):
            continue
        try:
            tree = json.loads(item.meta.serialize(format="json"))
        except Exception:
            continue
        _stats_in(tree, found)
    return list(dict.fromkeys(found))
