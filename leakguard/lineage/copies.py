"""Copies made by stacking: pieces of one stack that hold the same rows (shared by both engines).

``np.vstack([X, X + noise])``, ``pd.concat([df, df[df.y == 1].sample(frac=.5)])``,
``pd.concat([df, df])``: a piece whose rows are another piece's (the same value, or rows
derived from it row by row: a noisy copy, a filter, a sample) puts a row, or a jittered
twin of it, twice into the result; after a random split one copy lands on each side.
Pieces that only share an ancestor (``concat([df[m], df[~m]])``, a train and a test part)
hold different rows and are not copies.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from leakguard.lineage.events import NodeId
from leakguard.lineage.graph import LineageGraph, holds_rows


def _row_ancestors(graph: LineageGraph, node_id: NodeId) -> set[NodeId]:
    """``node_id`` and every node its rows come from (through row data, never through aggregates or models)."""
    found: set[NodeId] = set()
    todo = [node_id]
    while todo:
        nid = todo.pop()
        node = graph.get(nid)
        if node is None or nid in found or not holds_rows(node):
            continue
        found.add(nid)
        todo.extend(node.inputs)
    return found


# Engine step names that keep some rows of their input only (a mask, a sample, a slice): two
# such pieces of one source may hold different rows.
SELECTING = frozenset({"filter", "sample", "head", "tail", "query", "iloc", "loc", "nlargest", "nsmallest", "drop",
                       "drop_duplicates", "split"})


@dataclasses.dataclass(frozen=True, slots=True)
class Piece:
    """One stacked piece: its node, or (an engine's value not yet recorded) the nodes it is computed from and how.

    ``ops`` is the chain of row-wise steps applied to ``inputs`` (``("select", "values", "add")``);
    a piece whose chain extends another's from the same inputs holds the other's rows.
    """

    node: NodeId | None
    inputs: tuple[NodeId, ...] = ()
    ops: tuple[str, ...] = ()


def stacked_copies(graph: LineageGraph, pieces: Sequence[Piece]) -> bool:
    """True when one stacked piece holds rows of another: the same value, or one derived from the other."""
    return any(i != j and _holds_rows_of(graph, q, p) for i, p in enumerate(pieces) for j, q in enumerate(pieces))


def _holds_rows_of(graph: LineageGraph, q: Piece, p: Piece) -> bool:
    if p.node is not None:
        node = graph.get(p.node)
        if node is None or not holds_rows(node):
            return False
        starts = (q.node,) if q.node is not None else q.inputs
        return any(p.node in _row_ancestors(graph, n) for n in starts)
    if not p.inputs:
        return False
    if q.node is None and q.inputs == p.inputs and len(q.ops) > len(p.ops) and q.ops[:len(p.ops)] == p.ops:
        return True  # ``X`` and ``X + noise``, ``X[m]`` and ``X[m] * 2``: the longer chain holds the shorter's rows
    if any(op in SELECTING for op in p.ops):
        return False  # ``df[m1]`` and ``df[m2]`` share a source, not rows
    # ``p`` holds every row of its sources; ``q`` holds rows of them too
    starts = (q.node,) if q.node is not None else q.inputs
    ancestry = set().union(*(_row_ancestors(graph, n) for n in starts)) if starts else set()
    return all(n in ancestry for n in p.inputs)
