"""Wording helpers every rule shares: short names for titles, the cell a finding points at."""

from __future__ import annotations

from leakguard.lineage.events import Where

TITLE_NAME = 32  # a name longer than this is elided in a title (the detail and provenance keep it whole)


def clip(text: str, limit: int = TITLE_NAME) -> str:
    """``text`` on one line, elided with ``…`` past ``limit`` characters."""
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def at(where: Where) -> str:
    """``In[3]`` (kernel) or ``cell 3`` (static): the cell without the line, for titles."""
    return f"In[{where.execution_count}]" if where.execution_count is not None else where.cell


def class_name(estimator: str) -> str:
    """``StandardScaler`` from ``StandardScaler(with_mean=False)``."""
    return estimator.split("(", 1)[0]


def listed(names: list[str] | tuple[str, ...], limit: int = 3) -> str:
    """``a, b, c`` or ``a, b and 2 more``."""
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"
