"""The SQL guard: queries analysed with sqlglot, restricted in safe mode, refused in block mode.

Nothing here imports sqlglot or a database driver until SQL is actually used, so
``import leakguard`` and ``%load_ext leakguard`` stay cheap. See ``docs/sql.md``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["use_dialect"]


def use_dialect(connection: Any, dialect: str) -> None:
    """Read the SQL sent through ``connection`` as ``dialect`` (``postgres``, ``snowflake``...)."""
    from leakguard.sql.connections import override_dialect

    override_dialect(connection, dialect)
