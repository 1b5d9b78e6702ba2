"""Per-session SQL state: schema caches per connection, tables tied to lineage, results awaiting a fetch.

Everything is keyed by ``id(connection)`` (through ``SqlState.key_of``: a connection's entries go with it, so a
new connection at a freed one's address starts with none) and holds lineage node ids, never data: a schema cache
holds its connection weakly, and no DataFrame is kept here.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from leakguard.lineage.events import NodeId
from leakguard.sql.connections import SchemaCache

if TYPE_CHECKING:
    from leakguard.kernel.session import Session


@dataclasses.dataclass(slots=True)
class Source:
    """What a table name resolved to: a namespace frame, a table with lineage, or a database table.

    ``obj`` (a namespace frame) lives only as long as the query being guarded.
    """

    kind: str                      # frame | lineage | table (its node: a file's, when a reader read it)
    columns: dict[str, str] | None
    node: NodeId | None = None
    obj: Any = None


class SqlState:
    """Per session: schema caches, tables written from tracked frames, pending results, the %%sql connection."""

    def __init__(self) -> None:
        self.schemas: dict[int, SchemaCache] = {}
        self.tables: dict[tuple[int, str], NodeId] = {}        # (connection, table key) → lineage written to it
        self.table_nodes: dict[tuple[int, str], NodeId] = {}   # (connection, table key) → its Read node
        self.pending: dict[int, NodeId] = {}                   # DB-API execute: the rows a later fetch returns
        self.duck: Any = None                                  # %%sql's own in-memory DuckDB
        self.last_sql = ""
        self._watched: dict[int, Callable[[], Any]] = {}

    def key_of(self, con: Any) -> int:
        """The key of ``con``'s entries; when ``con`` is freed they are forgotten (its id may pass to a new
        connection). A connection that cannot be weakly referenced (``sqlite3``) is held, as its schema cache holds
        it: its id then stays its own."""
        key = id(con)
        ref = self._watched.get(key)
        if ref is not None and ref() is con:
            return key
        if ref is not None:
            self._forget(key)  # entries of another connection, gone, that had this id

        def gone(r: weakref.ref[Any], key: int = key) -> None:
            self._forget(key, r)

        try:
            self._watched[key] = weakref.ref(con, gone)
        except TypeError:
            self._watched[key] = lambda: con
        return key

    def _forget(self, key: int, ref: Callable[[], Any] | None = None) -> None:
        if ref is not None and self._watched.get(key) is not ref:
            return  # a newer connection holds this id now
        self._watched.pop(key, None)
        self.schemas.pop(key, None)
        self.pending.pop(key, None)
        for table in (self.tables, self.table_nodes):
            for k in [k for k in table if k[0] == key]:
                del table[k]

    def schema(self, con: Any) -> SchemaCache:
        key = self.key_of(con)
        cache = self.schemas.get(key)
        if cache is None or cache.con() is not con:
            cache = self.schemas[key] = SchemaCache(con)
        return cache


def state_of(s: Session) -> SqlState:
    """The SQL guard's part of the session."""
    return s.sql
