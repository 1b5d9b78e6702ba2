"""Sliding windows: which positional slices hold only rows before the loop position."""

import ast

import pytest

from leakguard.lineage.windows import past_window, window_columns


def _slice(code: str) -> ast.Slice:
    node = ast.parse(code, mode="eval").body
    assert isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice)
    return node.slice


@pytest.mark.parametrize("code", ["s[i - 20:i]", "s[i - w:i]", "s[t - 20:t - 1]", "s[i - w:i - h]"])
def test_past_windows(code: str) -> None:
    assert past_window(_slice(code))


@pytest.mark.parametrize("code", ["s[i - 5:i + 5]", "s[i:i + w]", "s[:n]", "s[n:]", "s[0:10]", "s[i - 20:i:2]",
                                  "s[j - 20:i]"])
def test_not_past_windows(code: str) -> None:
    assert not past_window(_slice(code))


def test_window_columns() -> None:
    assert window_columns(("Close",)) == ("Close (past window)",)
    assert window_columns(None) is None
