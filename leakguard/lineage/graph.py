"""The lineage graph: the one model every engine feeds and every rule reads.

Nodes are values at a point in time (a variable after a cell, a column, a SQL table, a
fitted model); edges are derivations. Each node carries its row domain, the columns it
holds (when known) and a taint set. Taint and domains propagate when an event is
applied; a split cuts them.

>>> from leakguard.lineage.events import Read, Derive, Where
>>> g = LineageGraph()
>>> w = Where("c1", 1, 1)
>>> src = g.apply(Read(g.new_id(), "events.parquet", "df", w, ("x", "y")))
>>> m = g.apply(Derive(g.new_id(), (src.id,), "mean", "m", w, rows="aggregate", kind="scalar"))
>>> m.rows.name, sorted(m.taint)
('none', ['future', 'holdout'])
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
from collections.abc import Iterator

from leakguard.lineage.domain import ALL, NONE, UNKNOWN, Rows, join_all
from leakguard.lineage.events import (
    Derive,
    Evaluate,
    Event,
    Fit,
    Inspect,
    NodeId,
    Query,
    Read,
    Split,
    Where,
)
from leakguard.policy import Policy

# Taints a value can carry.
LABEL = "label"
HOLDOUT = "holdout"
FUTURE = "future"
FIT_ON_HOLDOUT = "fit-on-holdout"

EVENT_HISTORY = 20_000


@dataclasses.dataclass(slots=True)
class Node:
    """A value at a point in time, with its row domain, columns and taint."""

    id: NodeId
    name: str
    kind: str
    rows: Rows
    where: Where
    op: str
    inputs: tuple[NodeId, ...] = ()
    columns: tuple[str, ...] | None = None
    taint: frozenset[str] = frozenset()
    split_role: str | None = None
    seq: int = 0
    n_rows: int | None = None

    def describe(self) -> str:
        """``df (In[2] line 1, read_parquet, rows: all)`` for provenance text."""
        return f"{self.name} ({self.where.short()}, {self.op}, rows: {self.rows.name})"


class LineageGraph:
    """Values and derivations, the policy in force, and the recent events."""

    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or Policy()
        self.nodes: dict[NodeId, Node] = {}
        self.events: collections.deque[Event] = collections.deque(maxlen=EVENT_HISTORY)
        self.splits: list[Split] = []
        self._ids = itertools.count(1)

    def new_id(self) -> NodeId:
        """A fresh node id."""
        return f"n{next(self._ids)}"

    def node(self, node_id: NodeId) -> Node:
        """The node called ``node_id`` (KeyError when it does not exist)."""
        return self.nodes[node_id]

    def get(self, node_id: NodeId | None) -> Node | None:
        """The node, or None for a missing id."""
        return None if node_id is None else self.nodes.get(node_id)

    # -- applying events -------------------------------------------------------------------

    def apply(self, event: Event) -> Node | None:
        """Record ``event`` and update the nodes it creates; returns the main node it made."""
        self.events.append(event)
        if isinstance(event, Read):
            return self._add(Node(event.out, event.name, event.kind, ALL, event.where, event.source,
                                  columns=event.columns))
        if isinstance(event, Derive):
            return self._derive(event)
        if isinstance(event, Split):
            self.splits.append(event)
            made = [self._split_part(event, i) for i in range(len(event.parts))]
            return made[0] if made else None
        if isinstance(event, Fit):
            return self._fit(event)
        if isinstance(event, Query) and event.out is not None:
            return self._add(Node(event.out, event.out, "frame", ALL, event.where, "sql"))
        if isinstance(event, (Inspect, Evaluate, Query)):
            return None
        raise TypeError(f"not a lineage event: {event!r}")

    def _add(self, node: Node) -> Node:
        node.seq = len(self.nodes)
        self.nodes[node.id] = node
        return node

    def _inputs(self, ids: tuple[NodeId, ...]) -> list[Node]:
        return [self.nodes[i] for i in ids if i in self.nodes]

    def _derive(self, e: Derive) -> Node:
        inputs = self._inputs(e.inputs)
        in_rows = join_all(n.rows for n in inputs) if inputs else UNKNOWN
        taint = frozenset().union(*(n.taint for n in inputs)) if inputs else frozenset()
        if e.label_derived:
            taint |= {LABEL}
        if e.rows == "aggregate":
            taint |= _row_taint(in_rows.without(*e.removes))
            rows = NONE
        else:
            rows = in_rows.without(*e.removes)
        return self._add(Node(e.out, e.name, e.kind, rows, e.where, e.op, e.inputs, e.columns, taint))

    def _split_part(self, e: Split, index: int) -> Node:
        part = e.parts[index]
        parent = self.nodes.get(e.parent)
        prows = parent.rows if parent else UNKNOWN
        if part.role == "train":
            rows = prows.without("holdout")
        elif part.role == "holdout":
            rows = prows.without("train")
        else:
            rows = prows.without("train", "holdout")
        rows = rows.without(*part.removes)
        taint = parent.taint if parent else frozenset()
        return self._add(Node(part.out, part.name, parent.kind if parent else "frame", rows, e.where,
                              e.method, (e.parent,), part.columns, taint, split_role=part.role))

    def _fit(self, e: Fit) -> Node:
        inputs = self._inputs((e.data,) + ((e.target,) if e.target else ()))
        in_rows = join_all(n.rows for n in inputs) if inputs else UNKNOWN
        taint = frozenset().union(*(n.taint for n in inputs)) if inputs else frozenset()
        taint |= _row_taint(in_rows)
        if in_rows.has("holdout"):
            taint |= {FIT_ON_HOLDOUT}
        return self._add(Node(e.out, e.estimator, "model", NONE, e.where, e.op,
                              tuple(n.id for n in inputs), None, taint))

    # -- reading ---------------------------------------------------------------------------

    def ancestors(self, node_id: NodeId) -> Iterator[Node]:
        """Every node ``node_id`` derives from, nearest first (breadth-first), without repeats."""
        seen = {node_id}
        queue = collections.deque(self.nodes[node_id].inputs if node_id in self.nodes else ())
        while queue:
            nid = queue.popleft()
            if nid in seen or nid not in self.nodes:
                continue
            seen.add(nid)
            node = self.nodes[nid]
            yield node
            queue.extend(node.inputs)

    def provenance(self, node_id: NodeId, limit: int = 12) -> tuple[Node, ...]:
        """The chain that made ``node_id``: its ancestors (up to ``limit``) and itself, oldest first."""
        if node_id not in self.nodes:
            return ()
        chain = list(itertools.islice(self.ancestors(node_id), limit))
        chain.sort(key=lambda n: n.seq)
        return (*chain, self.nodes[node_id])

    def sources(self, node_id: NodeId) -> list[Node]:
        """The Read nodes ``node_id`` comes from."""
        return [n for n in self.ancestors(node_id) if not n.inputs] or (
            [self.nodes[node_id]] if node_id in self.nodes and not self.nodes[node_id].inputs else []
        )

    def named(self, node_id: NodeId) -> str:
        """The nearest name a person wrote for this value or what it came from (``df``), for hints."""
        node = self.nodes.get(node_id)
        if node is None:
            return "df"
        for n in (node, *self.ancestors(node_id)):
            if n.name.isidentifier():
                return n.name
        return node.name

    def has_column(self, node_id: NodeId, column: str) -> bool | None:
        """Whether the value holds ``column``: True, False, or None when its columns are unknown."""
        node = self.nodes.get(node_id)
        if node is None or node.columns is None:
            return None
        return column in node.columns


def _row_taint(rows: Rows) -> frozenset[str]:
    taint: set[str] = set()
    if rows.has("holdout"):
        taint.add(HOLDOUT)
    if rows.has("future"):
        taint.add(FUTURE)
    return frozenset(taint)
