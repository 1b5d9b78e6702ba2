"""Tables and files a query names: identity, display, and the policy's test-only list.

>>> import sqlglot
>>> from sqlglot import exp
>>> ref = table_ref(sqlglot.parse_one("SELECT * FROM main.Events AS e").find(exp.Table))
>>> ref.name, ref.key
('main.Events', 'main.events')
>>> table_ref(sqlglot.parse_one("SELECT * FROM 'data/test.parquet'", read="duckdb").find(exp.Table)).path
'data/test.parquet'
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from leakguard.libraries.sql.catalog import DUCKDB_TABLE_READERS

if TYPE_CHECKING:
    from sqlglot import exp

    from leakguard.policy import Policy

_FILE_SUFFIXES = (
    ".parquet", ".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".txt", ".gz", ".zst", ".arrow", ".feather",
    ".avro", ".orc", ".xlsx", ".ipc",
)
_READERS = DUCKDB_TABLE_READERS


@dataclasses.dataclass(frozen=True, slots=True)
class TableRef:
    """One table or file a query reads or writes."""

    name: str                       # as people wrote it: ``main.events``, ``data/events.parquet``
    key: str                        # for lookups: lower-cased dotted name, or ``file:<path>``
    parts: tuple[str, ...] = ()     # catalog, schema, table (those given), for asking the database
    path: str | None = None         # a file path, for files

    @property
    def table(self) -> str:
        """The last part of the name (the table itself)."""
        return self.parts[-1] if self.parts else self.name


def _looks_like_path(text: str) -> bool:
    lowered = text.lower()
    return "/" in text or "\\" in text or lowered.endswith(_FILE_SUFFIXES) or "*" in text


def table_ref(node: exp.Table) -> TableRef | None:
    """The table or file an ``exp.Table`` scans, or None for table functions that read no data."""
    from sqlglot import exp

    this = node.this
    if isinstance(this, exp.Identifier):
        parts = tuple(p for p in (node.catalog, node.db, node.name) if p)
        if this.quoted and len(parts) == 1 and _looks_like_path(this.name):
            return TableRef(this.name, f"file:{os.path.normpath(this.name)}", parts, path=this.name)
        name = ".".join(parts)
        return TableRef(name, name.lower(), parts)
    if isinstance(this, exp.Func):
        fname = (this.name if isinstance(this, exp.Anonymous) else this.sql_name()).lower()
        if fname in _READERS or fname.startswith("read_") or isinstance(this, (exp.ReadParquet, exp.ReadCSV)):
            paths = [e.name for e in this.find_all(exp.Literal) if e.is_string]
            if paths:
                return TableRef(paths[0], f"file:{os.path.normpath(paths[0])}", (paths[0],), path=paths[0])
    return None


def is_holdout(ref: TableRef, patterns: Iterable[str]) -> bool:
    """True when the policy's ``holdout_tables`` names this table or file (names, paths or globs)."""
    for pattern in patterns:
        if ref.path is not None:
            if _same_path(ref.path, pattern) or fnmatch.fnmatch(os.path.basename(ref.path), pattern):
                return True
            continue
        lowered = pattern.lower()
        if lowered in (ref.key, ref.table.lower()) or fnmatch.fnmatch(ref.key, lowered):
            return True
    return False


def rows_yet_to_split(policy: Policy) -> bool:
    """True when the notebook declares nothing (no holdout, label or time) and inference is on: a table then holds
    every row (the split that comes later says which are held out), whatever columns it has and whether they are
    known. A declared policy keeps its own reading of which tables bear the protected rows."""
    inferred = policy.inferred
    return (policy.infer and not policy.holdout.declared and (not policy.label or "label" in inferred)
            and (not policy.time or "time" in inferred))


def _same_path(a: str, b: str) -> bool:
    if os.path.normpath(a) == os.path.normpath(b) or fnmatch.fnmatch(a, b):
        return True
    try:
        return os.path.abspath(a) == os.path.abspath(b)
    except (OSError, ValueError):
        return False


def lower_map(names: Iterable[str]) -> dict[str, str]:
    """``{lower-cased name: name}``: SQL compares most identifiers without case."""
    return {n.lower(): n for n in names}


def find_column(columns: Mapping[str, str] | None, name: str | None) -> str | None:
    """The stored spelling of column ``name`` in ``columns`` (a lower_map), or None."""
    if columns is None or name is None:
        return None
    return columns.get(name.lower())
