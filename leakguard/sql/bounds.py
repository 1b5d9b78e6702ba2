"""Time bounds: which predicates keep a time column at or before the cutoff.

A comparison such as ``CAST(ts AS DATE) < DATE '2024-06-01'`` is read as an *atom*: the
chain of truncations applied to the column (``day`` here), the operator and the literal.
Pushed through a projection (a CTE selecting ``date_trunc('month', ts) AS m``) the chain
grows; at the scan the atom becomes an upper limit on the raw column, which is compared
with the cutoff. Anything leakguard cannot evaluate (``now()``, a parameter, a
subquery) bounds nothing.

>>> import datetime as dt
>>> Atom((), "<=", dt.datetime(2024, 6, 1)).limit()
(datetime.datetime(2024, 6, 1, 0, 0), True)
>>> Atom(("day",), "<=", dt.datetime(2024, 5, 31)).limit()   # CAST(ts AS DATE) <= '2024-05-31'
(datetime.datetime(2024, 6, 1, 0, 0), False)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

from sqlglot import exp

from leakguard.lineage.conditions import (  # the literal reader shared with every engine
    add,
    floor_to,
    literal_int,
    literal_time,
    unit_name,
)

Unit = str  # second, minute, hour, day, week, month, quarter, year
Limit = tuple[dt.datetime, bool]  # (value, inclusive)

_DATE_TYPES = {exp.DataType.Type.DATE, exp.DataType.Type.DATE32}
_SAME_TYPES = {
    exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIMESTAMPLTZ,
    exp.DataType.Type.TIMESTAMPNTZ, exp.DataType.Type.DATETIME, exp.DataType.Type.DATETIME64,
    exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR, exp.DataType.Type.NVARCHAR,
    exp.DataType.Type.TIMESTAMP_S, exp.DataType.Type.TIMESTAMP_MS, exp.DataType.Type.TIMESTAMP_NS,
}


def _through(limit: Limit, unit: Unit) -> Limit:
    """A bound on ``trunc(unit, x)`` turned into a bound on ``x``."""
    value, inclusive = limit
    floor = floor_to(value, unit)
    if inclusive:  # trunc(x) <= v  ⇔  x < floor(v) + 1 unit
        return add(floor, unit, 1), False
    return (value if floor == value else add(floor, unit, 1)), False  # trunc(x) < v ⇔ x < ceil(v)


@dataclasses.dataclass(frozen=True, slots=True)
class Atom:
    """``chain(column) op value``: truncations (outermost first), ``<``/``<=``, and the literal."""

    chain: tuple[Unit, ...]
    op: str
    value: dt.datetime

    def limit(self) -> Limit:
        """The upper limit this atom puts on the raw column: (value, inclusive)."""
        limit: Limit = (self.value, self.op == "<=")
        for unit in self.chain:
            limit = _through(limit, unit)
        return limit

    def under(self, inner: tuple[Unit, ...]) -> Atom:
        """The same atom seen through a projection that applied ``inner`` to the column."""
        return Atom(self.chain + inner, self.op, self.value)


# A bound is an OR of branches, each an AND of atoms on one column.
Bound = tuple[tuple[Atom, ...], ...]


def bound_limit(bound: Bound) -> Limit | None:
    """The weakest branch's tightest limit, or None when some branch has no atom."""
    worst: Limit | None = None
    for branch in bound:
        if not branch:
            return None
        best = min((a.limit() for a in branch), key=_order)
        if worst is None or _order(best) > _order(worst):
            worst = best
    return worst


def _order(limit: Limit) -> tuple[dt.datetime, int]:
    return limit[0], 1 if limit[1] else 0


def within(bound: Bound, cutoff: dt.datetime) -> bool:
    """True when ``bound`` keeps the column at or before ``cutoff``."""
    limit = bound_limit(bound)
    return limit is not None and limit[0] <= cutoff


def map_bound(bound: Bound, inner: tuple[Unit, ...]) -> Bound:
    """``bound`` pushed through a projection applying ``inner``."""
    return tuple(tuple(a.under(inner) for a in branch) for branch in bound)


# -- the column side --------------------------------------------------------------------------

_FORMAT_UNITS = (("%S", "second"), ("%M", "minute"), ("%H", "hour"), ("%d", "day"), ("%j", "day"),
                 ("%m", "month"), ("%Y", "year"))


def _format_unit(fmt: str) -> Unit | None:
    """The finest unit a strftime format keeps, when it keeps a sortable prefix of Y-m-d H:M:S."""
    for token, unit in _FORMAT_UNITS:
        if token in fmt:
            return None if unit == "second" else unit
    return None


def time_ref(node: exp.Expr) -> tuple[exp.Column, tuple[Unit, ...], bool] | None:
    """``(column, truncations outermost first, compares as a year number)`` for an expression of one column."""
    chain: list[Unit] = []
    year_number = False
    while True:
        if isinstance(node, exp.Column):
            return node, tuple(chain), year_number
        if isinstance(node, exp.Paren):
            node = node.this
        elif isinstance(node, (exp.Cast, exp.TryCast)):
            to = node.to.this
            if to in _DATE_TYPES:
                chain.append("day")
            elif to not in _SAME_TYPES:
                return None
            node = node.this
        elif isinstance(node, (exp.Date, exp.TsOrDsToDate)) and not node.args.get("format"):
            chain.append("day")
            node = node.this
        elif isinstance(node, (exp.TsOrDsToTimestamp, exp.TsOrDsToDatetime, exp.TimeStrToTime)):
            node = node.this
        elif isinstance(node, (exp.DateTrunc, exp.TimestampTrunc, exp.DatetimeTrunc, exp.TimeTrunc)):
            unit = unit_name(node.args.get("unit"))
            if unit is None:
                return None
            chain.append(unit)
            node = node.this
        elif isinstance(node, exp.TimeToStr):
            fmt = node.args.get("format")
            unit = _format_unit(fmt.name) if isinstance(fmt, exp.Literal) else None
            if fmt is None or (unit is None and "%S" not in fmt.name):
                return None
            if unit is not None:
                chain.append(unit)
            node = node.this
        elif isinstance(node, exp.Year) or (isinstance(node, exp.Extract) and node.name.lower() == "year"):
            chain.append("year")
            year_number = True
            node = node.this if isinstance(node, exp.Year) else node.expression
        elif isinstance(node, exp.Anonymous) and node.name.lower() == "datetime" and len(node.expressions) == 1:
            node = node.expressions[0]
        else:
            return None


def _value(node: exp.Expr, year_number: bool) -> dt.datetime | None:
    if year_number:
        n = literal_int(node)
        if n is not None and 1 <= n <= 9999:
            return dt.datetime(n, 1, 1)
        return None
    return literal_time(node)


Constraint = tuple[exp.Column, Bound]


def _atoms(node: exp.Expr) -> Iterator[tuple[exp.Column, Atom]]:
    """The atoms one comparison states about the columns it compares."""
    if isinstance(node, exp.Not) and isinstance(node.this, (exp.GT, exp.GTE)):
        flipped = exp.LTE if isinstance(node.this, exp.GT) else exp.LT
        yield from _atoms(flipped(this=node.this.this, expression=node.this.expression))
        return
    if isinstance(node, exp.Paren):
        yield from _atoms(node.this)
        return
    if isinstance(node, exp.Between):
        ref = time_ref(node.this)
        value = _value(node.args["high"], ref[2]) if ref else None
        if ref and value is not None:
            yield ref[0], Atom(ref[1], "<=", value)
        return
    if isinstance(node, exp.In) and not node.args.get("query"):
        ref = time_ref(node.this)
        values = [_value(e, ref[2]) for e in node.expressions] if ref else []
        if ref and values and all(v is not None for v in values):
            yield ref[0], Atom(ref[1], "<=", max(v for v in values if v is not None))
        return
    ops: dict[type[exp.Expr], tuple[str, str]] = {exp.LT: ("<", ">"), exp.LTE: ("<=", ">="), exp.EQ: ("<=", "<="), exp.GT: (">", "<"),
           exp.GTE: (">=", "<=")}
    pair = ops.get(type(node))
    if pair is None:
        return
    left, right = node.this, node.expression
    for col_side, lit_side, op in ((left, right, pair[0]), (right, left, pair[1])):
        if op not in ("<", "<="):
            continue
        ref = time_ref(col_side)
        if ref is None:
            continue
        value = _value(lit_side, ref[2])
        if value is not None:
            yield ref[0], Atom(ref[1], op, value)


def _key(col: exp.Column) -> tuple[str, str]:
    return col.table.lower(), col.name.lower()


def constraints(predicate: exp.Expr) -> list[Constraint]:
    """Upper bounds a predicate (one conjunct) puts on columns: ``[(column, bound), ...]``."""
    if isinstance(predicate, exp.Paren):
        return constraints(predicate.this)
    if isinstance(predicate, exp.And):
        return [c for part in predicate.flatten() for c in constraints(part)]
    if isinstance(predicate, exp.Or):
        branches = [constraints(b) for b in predicate.flatten()]
        if not branches or not branches[0]:
            return []
        result: list[Constraint] = []
        first_keys = {_key(c): c for c, _ in branches[0]}
        for key, col in first_keys.items():
            merged: list[tuple[Atom, ...]] = []
            for branch in branches:
                atoms = tuple(a for c, b in branch if _key(c) == key for br in b for a in br)
                if not atoms:
                    break
                merged.append(atoms)
            else:
                result.append((col, tuple(merged)))
        return result
    return [(col, ((atom,),)) for col, atom in _atoms(predicate)]
