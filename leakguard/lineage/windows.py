"""Sliding windows over time-ordered rows: one model of what a positional window reads, read by every engine.

Time-series notebooks cut a series into windows with a loop variable ``i``: ``series[i - w:i]`` (the ``w``
values before row ``i``) predicts ``series[i]`` or ``series[i + h]``. A window that ends at or before ``i``
holds only earlier rows of the series: a forecasting lag (like ``y.shift(k)`` with ``k > 0``), not the
label's own value. A window that reaches past ``i`` (``series[i - 5:i + 5]``) may hold the row it predicts:
leakguard keeps it as the series itself (conservatively, the label among the features).
"""

from __future__ import annotations

import ast

PAST_WINDOW = " (past window)"  # a window of a column's earlier values is named ``Close (past window)``


def window_columns(columns: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The columns of a past window of ``columns``: each one's earlier values, not the column itself."""
    return None if columns is None else tuple(f"{c}{PAST_WINDOW}" for c in columns)


def _offset(expr: ast.expr | None, var: str) -> int | None:
    """``expr`` as ``var + k`` (``i`` → 0, ``i - 3`` → -3, ``i + 2`` → 2), or ``None``."""
    if isinstance(expr, ast.Name) and expr.id == var:
        return 0
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub)) and isinstance(expr.left, ast.Name) \
            and expr.left.id == var and isinstance(expr.right, ast.Constant) and isinstance(expr.right.value, int) \
            and not isinstance(expr.right.value, bool):
        return expr.right.value if isinstance(expr.op, ast.Add) else -expr.right.value
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Sub) and isinstance(expr.left, ast.Name) \
            and expr.left.id == var:
        return -1  # ``i - w`` with ``w`` a name: some rows before ``i``
    return None


def past_window(s: ast.Slice) -> bool:
    """``s`` is a window ending at or before a loop position: ``[i - w:i]``, ``[i - 20:i - 1]``, ``[i - w:i - h]``
    (a window of earlier rows, a lag). ``[i:i + w]``, ``[i - 5:i + 5]`` and constant slices are not."""
    if s.step is not None or not isinstance(s.upper, (ast.Name, ast.BinOp)):
        return False
    var = s.upper.id if isinstance(s.upper, ast.Name) else (
        s.upper.left.id if isinstance(s.upper.left, ast.Name) else None)
    if var is None:
        return False
    hi, lo = _offset(s.upper, var), _offset(s.lower, var)
    return hi is not None and hi <= 0 and lo is not None and lo <= hi
