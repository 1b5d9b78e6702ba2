"""The shared reading of a callable given to ``groupby(...).transform`` / ``apply`` (both engines use it)."""

from __future__ import annotations

import ast

import pytest

from leakguard.libraries.pandas.features import LOOK_AHEAD, PAST_ONLY, STATISTIC, TRAILING, group_callable


@pytest.mark.parametrize(("src", "shape"), [
    ("lambda s: s.shift(1).expanding().mean()", PAST_ONLY),
    ("lambda x: x.rolling(3, min_periods=1).mean().shift(1)", PAST_ONLY),
    ("lambda g: g.shift().rolling(2).mean()", PAST_ONLY),
    ("lambda s: s.ewm(span=3).mean().shift(periods=2)", PAST_ONLY),
    ("lambda s: s.ffill().shift(1).fillna(0)", PAST_ONLY),
    ("lambda s: s.expanding().mean()", TRAILING),
    ("lambda s: s.cumsum()", TRAILING),
    ("lambda s: s.shift(0)", TRAILING),
    ("lambda s: s.shift(-1)", LOOK_AHEAD),
    ("lambda s: s.shift(1).bfill()", LOOK_AHEAD),
    ("lambda s: s.rolling(3, center=True).mean()", LOOK_AHEAD),
    ("lambda s: s.diff(-1)", LOOK_AHEAD),
    ("lambda s: s.mean()", STATISTIC),
    ("lambda s: s.shift(1).max()", STATISTIC),
    ("lambda s: s - s.mean()", None),
    ("lambda s: s.fillna(s.mean())", None),
    ("lambda s: s.shift(k)", None),
    ("lambda s: s.rolling(3)", None),
    ("lambda s: s.rolling(3, center=c).mean()", None),
    ("lambda s: other.shift(1)", None),
    ("lambda s, k: s.shift(k)", None),
    ("lambda s: s.mean().round(2)", None),
])
def test_lambdas(src: str, shape: str | None) -> None:
    got = group_callable(ast.parse(src, mode="eval").body)
    assert (got[0] if got else None) == shape


def test_named_functions() -> None:
    past = ast.parse('def past_mean(s):\n    """doc"""\n    return s.shift(1).expanding().mean()\n').body[0]
    assert group_callable(past) == (PAST_ONLY, "mean")
    whole = ast.parse("def m(s):\n    return s.mean()\n").body[0]
    assert group_callable(whole) == (STATISTIC, "mean")
    steps = ast.parse("def f(s):\n    t = s.shift(1)\n    return t.mean()\n").body[0]
    assert group_callable(steps) is None  # not one returned chain: unknown (fail closed)
