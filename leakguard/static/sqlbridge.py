"""SQL text seen statically (``%%sql`` cells, ``%sql`` lines, strings passed to known query calls).

When the SQL engine (:mod:`leakguard.sql`) offers a static analysis function, the query is
handed to it and its events are applied; otherwise one ``Query`` event records the query
and its result is a frame of unknown rows, reported as unresolved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from leakguard.lineage.events import Query
from leakguard.static.values import Data, Value

if TYPE_CHECKING:
    from leakguard.static.interp import Interp


def query(it: Interp, sql: str, dialect: str) -> Value:
    """The frame a query returns, after its events."""
    out = it.graph.new_id()
    it.emit(Query(sql[:2000], dialect, (), it.where(), out=out))
    it.note("SQL analysis is not available to the static checker; the query's rows are taken as all rows")
    return Data("frame", "<query>", node=out)
