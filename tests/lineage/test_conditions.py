"""The one row-condition model (leakguard/lineage/conditions.py): negate, flip, complement, what a
condition removes under the policy, and condition text read by sqlglot (unknown, never an error)."""

from __future__ import annotations

import datetime as dt

import pytest

from leakguard.lineage import conditions as c
from leakguard.policy import Holdout, Policy

TIME = Policy(time="ts", cutoff="2024-06-01")


def test_negate_pushes_into_comparisons_and_cancels_double_negation() -> None:
    lt = c.cmp("ts", "<", "2024-06-01")
    assert c.negate(lt) == ("cmp", "ts", ">=", "2024-06-01")
    assert c.negate(c.negate(lt)) == lt
    assert c.negate(c.cmp("flag", "truthy", None)) == ("cmp", "flag", "falsy", None)
    assert c.negate(c.cmp("x", "in", "[1]")) == ("cmp", "x", "not in", "[1]")
    both = ("and", lt, c.cmp("x", ">", 0))
    assert c.negate(both) == ("not", both)  # no De Morgan: the negation of a conjunction stays one


def test_flip_is_the_comparison_seen_from_the_other_side() -> None:
    assert [c.flip(op) for op in ("<", "<=", ">", ">=", "==", "!=")] == [">", ">=", "<", "<=", "==", "!="]
    assert c.flip("in") is None


@pytest.mark.parametrize(("a", "b", "expected"), [
    (("cmp", "ts", "<", 1), ("cmp", "ts", ">=", 1), True),
    (("cmp", "ts", "<=", 1), ("cmp", "ts", ">", 1), True),
    (("cmp", "ts", "<", 1), ("cmp", "ts", ">", 1), False),     # the rows at 1 are in neither
    (("cmp", "ts", "<", 1), ("cmp", "ts", ">=", 2), False),
    (("cmp", "ts", "<", 1), ("cmp", "other", ">=", 1), False),
    (("opaque", "k"), ("not", ("opaque", "k")), True),
    (("and", ("cmp", "a", "<", 1), ("cmp", "b", "==", 2)), ("not", ("and", ("cmp", "a", "<", 1), ("cmp", "b", "==", 2))), True),
])
def test_complementary(a: c.Cond, b: c.Cond, expected: bool) -> None:
    assert c.complementary(a, b) is expected
    assert c.complementary(b, a) is expected
    assert c.complementary(a, c.complement(a))


def test_removes_under_the_policy() -> None:
    assert c.removes(("cmp", "ts", "<=", "2024-05-01"), TIME) == {"future"}
    assert c.removes(("cmp", "ts", "<", "2024-06-01"), TIME) == {"future"}
    assert c.removes(("cmp", "ts", "<=", "2024-07-01"), TIME) == frozenset()
    assert c.removes(("cmp", "ts", ">", "2024-06-01"), TIME) == {"train", "holdout"}
    assert c.removes(("cmp", "ts", ">=", "2024-06-01"), TIME) == frozenset()   # keeps the rows at the cutoff
    assert c.removes(("cmp", "ts", ">", "2024-06-01"), TIME, after_cutoff=False) == frozenset()
    assert c.removes(("not", ("cmp", "ts", ">", dt.date(2024, 5, 1))), TIME) == {"future"}
    assert c.removes(("cmp", "TS", "<", "2024-01-01"), TIME) == frozenset()
    assert c.removes(("cmp", "TS", "<", "2024-01-01"), TIME, ignore_case=True) == {"future"}
    # and: what either side removes; or: what both remove
    early, late = ("cmp", "ts", "<", "2024-01-01"), ("cmp", "ts", ">", "2025-01-01")
    assert c.removes(("and", early, ("cmp", "x", ">", 0)), TIME) == {"future"}
    assert c.removes(("or", early, ("cmp", "x", ">", 0)), TIME) == frozenset()
    assert c.removes(("or", early, late), TIME) == frozenset()
    assert c.removes(None, TIME) == frozenset()
    assert c.removes(("cmp", "ts", "<", "not a date"), TIME) == frozenset()
    assert c.removes(("cmp", "ts", "<", "2024-01-01"), Policy()) == frozenset()


def test_removes_compares_zoned_times_in_utc() -> None:
    zoned = Policy(time="ts", cutoff="2024-06-01T00:00:00+00:00")
    assert c.removes(("cmp", "ts", "<=", "2024-06-01T01:00:00+02:00"), zoned) == {"future"}  # 23:00 UTC
    assert c.removes(("cmp", "ts", "<=", dt.datetime(2024, 5, 1)), zoned) == {"future"}


def test_holdout_column() -> None:
    p = Policy(holdout=Holdout(column="is_test"))
    assert c.removes(("cmp", "is_test", "==", 0), p) == {"holdout"}
    assert c.removes(("cmp", "is_test", "falsy", None), p) == {"holdout"}
    assert c.removes(("cmp", "is_test", "==", True), p) == {"train"}


@pytest.mark.parametrize(("text", "expected"), [
    ("ts < '2020-01-01'", ("cmp", "ts", "<", "2020-01-01")),
    ("'2020-01-01' > ts", ("cmp", "ts", "<", "2020-01-01")),
    ("date < '2020-01-01' and x >= 3", ("and", ("cmp", "date", "<", "2020-01-01"), ("cmp", "x", ">=", 3))),
    ("a = 1 OR b <> 'x'", ("or", ("cmp", "a", "==", 1), ("cmp", "b", "!=", "x"))),
    ("NOT (ts >= '2020-01-01')", ("not", ("cmp", "ts", ">=", "2020-01-01"))),
    ("`event ts` <= DATE '2020-01-01'", ("cmp", "event ts", "<=", "2020-01-01")),
    ("flag = false", ("cmp", "flag", "==", False)),
    ("x > -2.5", ("cmp", "x", ">", -2.5)),
    ("ts < '2020-01-01' + INTERVAL 1 DAY", ("cmp", "ts", "<", dt.datetime(2020, 1, 2))),
])
def test_sql_text_is_read_by_sqlglot(text: str, expected: c.Cond) -> None:
    assert c.parse_sql(text) == expected


def test_typed_time_literals_as_times() -> None:
    assert c.parse_sql("ts <= TIMESTAMP '2020-01-01 10:00'", keep_text=False) == (
        "cmp", "ts", "<=", dt.datetime(2020, 1, 1, 10))
    assert c.parse_sql("ts < CAST('2020-01-01 10:00' AS DATE)", keep_text=False) == (
        "cmp", "ts", "<", dt.datetime(2020, 1, 1))


@pytest.mark.parametrize("text", [
    "", "   ", "garbage ((", "ts < (SELECT max(ts) FROM t)", "f(ts) < 3", "ts IS NULL", "t.ts < '2020'",
    "ts < other", "ts IN (1, 2)", "x = 1; DROP TABLE t", "'", "ts <", "(" * 500 + "x < 1" + ")" * 500,
    "x < 1 AND " * 400 + "y > 2", "\x00\x01", "ts < now()", "ts BETWEEN 1 AND 2",
])
def test_hostile_or_unsupported_text_is_unknown_and_never_raises(text: str) -> None:
    assert c.parse_sql(text) is None


def test_not_text_is_unknown() -> None:
    assert c.parse_sql(None) is None  # type: ignore[arg-type]
    assert c.parse_sql(b"x < 1") is None  # type: ignore[arg-type]
