"""Per-session SQL state: schema caches per connection, tables tied to lineage, results awaiting a fetch.

Everything is keyed by ``id(connection)`` and holds lineage node ids, never data: a
schema cache holds its connection weakly, and no DataFrame is kept here.
"""

from __future__ import annotations

import dataclasses
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

    kind: str                      # frame | lineage | table
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

    def schema(self, con: Any) -> SchemaCache:
        cache = self.schemas.get(id(con))
        if cache is None or cache.con() is not con:
            cache = self.schemas[id(con)] = SchemaCache(con)
        return cache


def state_of(s: Session) -> SqlState:
    """The SQL guard's part of the session."""
    return s.sql
