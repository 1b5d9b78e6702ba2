"""Row conditions: one model of what a filter keeps, read by every engine.

A condition is a small tree of tuples (hashable, comparable, cheap to build while interpreting):

- ``("cmp", column, op, value)``: a column compared with a constant. ``op`` is one of
  ``< <= > >= == !=``, ``in`` / ``not in``, ``between`` (``value`` is the upper end),
  ``present`` / ``missing`` (not null / null), ``truthy`` / ``falsy`` (a boolean column itself).
  ``column`` may be a name standing for a computed expression (``<expr a,b>``).
- ``("and", a, b)``, ``("or", a, b)``, ``("not", a)``.
- ``("opaque", key)``: a condition leakguard cannot read, known only by identity, so that
  ``cond`` and ``~cond`` still pair up as a hand-made split.

What the engines read from a condition: ``negate`` / ``flip`` (a comparison seen from the other
side), ``normalise`` (negations pushed into comparisons), ``complementary`` (two masks that
partition their parent's rows) and ``removes`` (the row parts a condition provably removes
under the policy: ``future`` past the cutoff, ``train``/``holdout`` after it, holdout rows by the
holdout column). SQL-like condition text (Spark's ``filter("ts < '2020-01-01'")``, the text of
an analysed Spark plan) is parsed with sqlglot (``parse_sql``); text that is anything else
gives ``None`` (unknown) and never raises. Literal times (``DATE '2024-06-01'``, casts,
``+ INTERVAL 1 DAY``) are read by ``literal_time``, shared with the SQL guard (``sql/bounds.py``).

>>> from leakguard.policy import Policy
>>> p = Policy(time="ts", cutoff="2024-06-01")
>>> c = parse_sql("ts <= '2024-05-01' AND x > 0")
>>> c
('and', ('cmp', 'ts', '<=', '2024-05-01'), ('cmp', 'x', '>', 0))
>>> sorted(removes(c, p))
['future']
>>> complementary(("cmp", "ts", "<", "2024-06-01"), parse_sql("NOT (ts < '2024-06-01')"))
True
>>> parse_sql("ts < (SELECT max(ts) FROM t") is None
True
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlglot import exp

    from leakguard.policy import Policy

Cond = tuple[Any, ...]

NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "==", "in": "not in", "not in": "in",
          "present": "missing", "missing": "present", "truthy": "falsy", "falsy": "truthy"}
FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
UPPER = frozenset({"<", "<=", "between"})
LOWER = frozenset({">", ">="})
_MAX_TEXT = 2000


def cmp(column: str, op: str, value: Any) -> Cond:
    """``column op value``."""
    return ("cmp", column, op, value)


def flip(op: str) -> str | None:
    """The operator seen from the other side (``T < col`` is ``col > T``); None when it has no mirror."""
    return FLIP.get(op)


def negate(c: Cond) -> Cond:
    """``not c``, normalised (``not (t <= T)`` is ``t > T``)."""
    return normalise(("not", c))


def normalise(c: Cond) -> Cond:
    """Push negations into comparisons: ``not (t <= c)`` → ``t > c``; ``not not a`` → ``a``."""
    if c[0] == "not":
        inner = normalise(c[1])
        if inner[0] == "cmp" and inner[2] in NEGATE:
            return ("cmp", inner[1], NEGATE[inner[2]], inner[3])
        if inner[0] == "not":
            return normalise(inner[1])
        return ("not", inner)
    if c[0] in ("and", "or"):
        return (c[0], normalise(c[1]), normalise(c[2]))
    return c


def complement(c: Cond) -> Cond:
    """The condition keeping exactly the rows ``c`` drops (nulls aside)."""
    return negate(c)


def complementary(a: Cond, b: Cond) -> bool:
    """True when the masks ``a`` and ``b`` select complementary rows (nulls aside)."""
    return normalise(a) == normalise(("not", b))


def all_of(parts: list[Cond]) -> Cond | None:
    """``a and b and ...``; None for no parts."""
    out: Cond | None = None
    for part in parts:
        out = part if out is None else ("and", out, part)
    return out


# -- what a condition removes ------------------------------------------------------------------------


def naive(value: dt.datetime) -> dt.datetime:
    """Aware datetimes in UTC without their zone, so all comparisons are like with like."""
    if value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def as_time(value: Any) -> dt.datetime | None:
    """A constant as a naive (UTC) datetime: datetimes, dates and ISO text; None for anything else."""
    if isinstance(value, dt.datetime):
        return naive(value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return naive(dt.datetime.fromisoformat(value.strip()))
        except ValueError:
            return None
    return None


def removes(c: Cond | None, policy: Policy, *, after_cutoff: bool = True, ignore_case: bool = False) -> frozenset[str]:
    """Row parts ``c`` provably removes under ``policy`` (contract D).

    A bound at or before the cutoff on the policy's time column removes ``future``; with
    ``after_cutoff``, a bound past it (``t > T``, T >= cutoff; ``t >= T``, T > cutoff: rows at the
    cutoff are not future rows) keeps future rows only and removes ``train`` and ``holdout``; the
    holdout column compared with false / true removes the holdout / train rows. ``and`` removes
    what either side removes, ``or`` what both remove. ``ignore_case``: column names compare
    without case (Spark).
    """
    if c is None:
        return frozenset()
    c = normalise(c)
    if c[0] == "and":
        return (removes(c[1], policy, after_cutoff=after_cutoff, ignore_case=ignore_case)
                | removes(c[2], policy, after_cutoff=after_cutoff, ignore_case=ignore_case))
    if c[0] == "or":
        return (removes(c[1], policy, after_cutoff=after_cutoff, ignore_case=ignore_case)
                & removes(c[2], policy, after_cutoff=after_cutoff, ignore_case=ignore_case))
    if c[0] != "cmp":
        return frozenset()
    _, col, op, value = c

    def same(name: str | None) -> bool:
        if name is None or not isinstance(col, str):
            return False
        return col.lower() == name.lower() if ignore_case else col == name

    out: set[str] = set()
    cutoff = policy.cutoff_datetime
    if policy.has_future and cutoff is not None and same(policy.time) and (op in UPPER or op in LOWER):
        bound, limit = as_time(value), naive(cutoff)
        if bound is not None and op in UPPER and bound <= limit:
            out.add("future")
        elif bound is not None and after_cutoff and ((op == ">" and bound >= limit) or (op == ">=" and bound > limit)):
            out |= {"train", "holdout"}
    h = policy.holdout
    if same(h.column):
        if op == "falsy" or (op == "==" and value in (False, 0)) or (op == "!=" and value in (True, 1)):
            out.add("holdout")
        elif op == "truthy" or (op == "==" and value in (True, 1)):
            out.add("train")
    return frozenset(out)


# -- SQL-like condition text -------------------------------------------------------------------------


def parse_sql(text: str, dialect: str = "spark", *, keep_text: bool = True) -> Cond | None:
    """Condition text (``"event_ts <= '2024-06-01' AND x > 0"``) as a condition tree, parsed by sqlglot.

    Comparisons of an unqualified column with a literal (either side), joined by AND / OR / NOT;
    anything else (a function of a column, a subquery, ``IS NULL``, text that is not SQL) gives
    None: unknown, never an error. A typed time literal (``DATE '2024-06-01'``) keeps its text with
    ``keep_text`` (as the same constant written in Python), else it is read as the time it denotes.
    """
    if not isinstance(text, str) or len(text) > _MAX_TEXT or not text.strip():
        return None
    try:
        import sqlglot

        tree = sqlglot.parse_one(text, read=dialect)
        return _read(tree, keep_text)
    except Exception:  # hostile or unsupported text: unknown
        return None


def _read(node: exp.Expr, keep_text: bool) -> Cond | None:
    from sqlglot import exp

    if isinstance(node, exp.Paren):
        return _read(node.this, keep_text)
    if isinstance(node, exp.Not):
        inner = _read(node.this, keep_text)
        return None if inner is None else ("not", inner)
    if isinstance(node, (exp.And, exp.Or)):
        a, b = _read(node.this, keep_text), _read(node.expression, keep_text)
        if a is None or b is None:
            return None
        return ("and" if isinstance(node, exp.And) else "or", a, b)
    ops: dict[type[exp.Expr], str] = {exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">=", exp.EQ: "==",
                                      exp.NEQ: "!="}
    op = ops.get(type(node))
    if op is None:
        return None
    left, right = _unparen(node.this), _unparen(node.expression)
    if isinstance(right, exp.Column) and not isinstance(left, exp.Column):
        left, right, op = right, left, FLIP[op]
    if not isinstance(left, exp.Column) or left.table:
        return None
    found, value = _constant(right, keep_text)
    return ("cmp", left.name, op, value) if found else None


def _unparen(node: exp.Expr) -> exp.Expr:
    from sqlglot import exp

    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _constant(node: exp.Expr, keep_text: bool) -> tuple[bool, Any]:
    """``(True, value)`` for a literal: text (kept as text), a number, a boolean, a time expression."""
    from sqlglot import exp

    if isinstance(node, exp.Boolean):
        return True, bool(node.this)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return True, str(node.this)
        return _number(str(node.this))
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        found, value = _number(str(node.this.this))
        return found, -value if found else None
    if isinstance(node, exp.Concat) and node.expressions \
            and all(isinstance(e, exp.Literal) and e.is_string for e in node.expressions):
        return True, "".join(str(e.this) for e in node.expressions)  # Spark: 'it''s' is 'it' 's', "its"
    if keep_text and isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.this.is_string \
            and node.to.is_type(*_TIME_TYPES):
        return True, str(node.this.this)  # DATE '2024-06-01': its text, as Python code writes the constant
    value = literal_time(node)  # CAST(... AS DATE), '2024-06-01' + INTERVAL 1 DAY
    return (True, value) if value is not None else (False, None)


_TIME_TYPES = ("date", "timestamp", "timestamptz", "timestampltz", "timestampntz", "datetime")


def _number(text: str) -> tuple[bool, Any]:
    try:
        return True, int(text)
    except ValueError:
        pass
    try:
        return True, float(text)
    except ValueError:
        return False, None


# -- literal times (shared with the SQL guard) ---------------------------------------------------------

Unit = str  # second, minute, hour, day, week, month, quarter, year

UNIT_WORDS = {
    "s": "second", "sec": "second", "second": "second", "seconds": "second",
    "minute": "minute", "minutes": "minute", "min": "minute",
    "h": "hour", "hour": "hour", "hours": "hour",
    "d": "day", "day": "day", "days": "day",
    "w": "week", "week": "week", "weeks": "week", "isoweek": "week",
    "mon": "month", "month": "month", "months": "month", "mm": "month",
    "q": "quarter", "quarter": "quarter", "quarters": "quarter",
    "y": "year", "year": "year", "years": "year", "yyyy": "year",
}


def unit_name(node: exp.Expr | None) -> Unit | None:
    """``DAY``, ``'month'`` or a Var → the unit it names."""
    if node is None:
        return None
    return UNIT_WORDS.get(node.name.lower().strip("'"))


def floor_to(value: dt.datetime, unit: Unit) -> dt.datetime:
    """``value`` truncated to the start of its ``unit``."""
    if unit == "second":
        return value.replace(microsecond=0)
    if unit == "minute":
        return value.replace(second=0, microsecond=0)
    if unit == "hour":
        return value.replace(minute=0, second=0, microsecond=0)
    day = value.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        return day
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def add(value: dt.datetime, unit: Unit, n: int) -> dt.datetime:
    """``value`` plus ``n`` units (months and years clamp the day)."""
    if unit in ("month", "quarter", "year"):
        months = n * {"month": 1, "quarter": 3, "year": 12}[unit]
        total = value.year * 12 + value.month - 1 + months
        year, month = divmod(total, 12)
        for day in (value.day, 30, 29, 28):
            try:
                return value.replace(year=year, month=month + 1, day=day)
            except ValueError:
                continue
    seconds = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}.get(unit, 86400)
    return value + dt.timedelta(seconds=seconds * n)


def parse_time(text: str) -> dt.datetime | None:
    """``2024``, ``2024-06``, ``2024-06-01``, ``2024-06-01 12:00[:00][+02:00]`` → a naive datetime."""
    text = text.strip()
    try:
        if len(text) == 4 and text.isdigit():
            return dt.datetime(int(text), 1, 1)
        if len(text) == 7 and text[4] == "-":
            return dt.datetime(int(text[:4]), int(text[5:]), 1)
        return naive(dt.datetime.fromisoformat(text))
    except ValueError:
        return None


def label_period(text: str) -> tuple[dt.datetime, dt.datetime] | None:
    """The instants a partial date names as a row label (``df.loc["2024-06":]`` on a time index takes June whole):
    its start and the start of the next period, or None when ``text`` is no date.

    >>> [t.date().isoformat() for t in label_period("2024-06") or ()]
    ['2024-06-01', '2024-07-01']
    >>> [t.isoformat() for t in label_period("2024-12-31") or ()]
    ['2024-12-31T00:00:00', '2025-01-01T00:00:00']
    >>> label_period("plan"), label_period("12")
    (None, None)
    """
    text = text.strip()
    start = parse_time(text)
    if start is None or len(text) < 4:
        return None
    unit: Unit = "year" if len(text) == 4 else "month" if len(text) == 7 else "day" if len(text) == 10 else "second"
    return start, add(start, unit, 1)


def literal_int(node: exp.Expr) -> int | None:
    """An integer constant expression (``3``, ``-3``, ``2 * 7``)."""
    from sqlglot import exp

    if isinstance(node, exp.Literal):
        try:
            return int(float(node.this))
        except ValueError:
            return None
    if isinstance(node, exp.Neg):
        inner = literal_int(node.this)
        return None if inner is None else -inner
    if isinstance(node, exp.Mul):
        a, b = literal_int(node.this), literal_int(node.expression)
        return None if a is None or b is None else a * b
    if isinstance(node, exp.Paren):
        return literal_int(node.this)
    return None


def _interval(node: exp.Expr) -> tuple[Unit, int] | None:
    from sqlglot import exp

    if not isinstance(node, exp.Interval):
        return None
    text = node.this.name if node.this is not None else ""
    parts = text.split()
    unit = unit_name(node.args.get("unit")) or (UNIT_WORDS.get(parts[1].lower()) if len(parts) == 2 else None)
    try:
        n = int(parts[0]) if parts else None
    except ValueError:
        n = None
    return None if unit is None or n is None else (unit, n)


def literal_time(node: exp.Expr | None) -> dt.datetime | None:
    """The time a literal SQL expression denotes (dates, casts, ± intervals), or None."""
    from sqlglot import exp

    date_types = {exp.DataType.Type.DATE, exp.DataType.Type.DATE32}
    if node is None:
        return None
    if isinstance(node, exp.Paren):
        return literal_time(node.this)
    if isinstance(node, exp.Literal):
        return parse_time(node.this) if node.is_string else None
    if isinstance(node, (exp.Cast, exp.TryCast)):
        inner = literal_time(node.this)
        if inner is not None and node.to.this in date_types:
            return floor_to(inner, "day")
        return inner
    if isinstance(node, (exp.Date, exp.TsOrDsToDate, exp.DateStrToDate)) and not node.args.get("format"):
        inner = literal_time(node.this)
        return None if inner is None else floor_to(inner, "day")
    if isinstance(node, (exp.TsOrDsToTimestamp, exp.TimeStrToTime)):
        return literal_time(node.this)
    if isinstance(node, exp.Anonymous) and node.name.lower() in ("datetime", "timestamp") and len(node.expressions) == 1:
        return literal_time(node.expressions[0])
    if isinstance(node, (exp.Add, exp.Sub)):
        base, step = literal_time(node.this), _interval(node.expression)
        if base is None or step is None:
            return None
        return add(base, step[0], step[1] if isinstance(node, exp.Add) else -step[1])
    if isinstance(node, (exp.DateAdd, exp.DateSub, exp.TsOrDsAdd, exp.TimestampAdd, exp.TimestampSub,
                         exp.DatetimeAdd, exp.DatetimeSub)):
        base = literal_time(node.this)
        n = literal_int(node.expression)
        unit = unit_name(node.args.get("unit")) or "day"
        if base is None or n is None:
            return None
        sign = -1 if isinstance(node, (exp.DateSub, exp.TimestampSub, exp.DatetimeSub)) else 1
        return add(base, unit, sign * n)
    return None
