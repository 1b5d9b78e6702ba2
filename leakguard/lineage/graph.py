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
import os
from collections.abc import Iterator

from leakguard.libraries.pandas.catalog import DEDUPLICATES
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
from leakguard.lineage.inference import Inferred
from leakguard.policy import Policy

# Taints a value can carry.
LABEL = "label"
HOLDOUT = "holdout"
FUTURE = "future"
FIT_ON_HOLDOUT = "fit-on-holdout"
LOOK_AHEAD = "look-ahead"  # values computed with later rows across the split (bfill, shift(-1), centred windows)

EVENT_HISTORY = 20_000


@dataclasses.dataclass(frozen=True, slots=True)
class TimeOrder:
    """Rows sorted by ``column`` (oldest first when ``ascending``): set by a sort, read by time-order inference.

    ``within``: the keys sorted by first (``sort_values(["store", "date"])``): the rows are in time order within
    each group of those keys only (one entity's history after another's), not as a whole.
    """

    column: str
    ascending: bool = True
    within: tuple[str, ...] = ()


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
    # Column-level facts for frames: taint only some columns carry (disjoint from the frame-wide
    # part of ``taint``, which still includes it), and the columns a derived column was computed
    # from row by row (a column absent here is its own source).
    column_taint: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    column_sources: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    synthetic: bool = False
    assigned: str | None = None  # the column a column assignment (re)computed
    # columns unknown: the columns of its first input but these (``df.drop(columns=ids)``; ``()``: the same ones)
    dropped: tuple[str, ...] | None = None
    order: TimeOrder | None = None  # the sort that made these rows (kernel: the live data confirms it)

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
        self.fits: dict[NodeId, Fit] = {}
        # the nearest fit behind a node, by (node, learners) (rules/_modelling.fit_of): nodes and their inputs never
        # change once added, so an answer stands until the next fit
        self.fit_memo: dict[tuple[NodeId, tuple[str, ...]], tuple[Node, Fit] | None] = {}
        self.evaluations: list[Evaluate] = []
        # what inference found (label, holdout, time guesses and where from); see lineage/inference.py
        self.inferred = Inferred()
        # the source node of each file read (``Read.path``): a SQL scan of the same file reads those rows
        self.files: dict[str, NodeId] = {}
        self.read_paths: dict[NodeId, str] = {}  # every read of a file, by node: its path
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

    def file_node(self, path: str | None) -> Node | None:
        """The source node of the file at ``path`` (a ``file_key``) when a reader has read it."""
        return self.get(self.files.get(path)) if path is not None else None

    def first_read(self, node_id: NodeId) -> NodeId | None:
        """The first read of the file ``node_id`` read (a DuckDB scan of it before ``pd.read_csv``), if another."""
        path = self.read_paths.get(node_id)
        first = self.files.get(path) if path is not None else None
        return first if first != node_id else None

    def time_column(self) -> str | None:
        """The time column the rules use: the declared one, else the first inferred (a parsed, sorted datetime)."""
        if self.policy.time:
            return self.policy.time
        found = self.inferred.values("time")
        return found[0] if found else None

    # -- applying events -------------------------------------------------------------------

    def apply(self, event: Event) -> Node | None:
        """Record ``event`` and update the nodes it creates; returns the main node it made."""
        self.events.append(event)
        if isinstance(event, Read):
            if event.path is not None:
                self.files.setdefault(event.path, event.out)
                self.read_paths[event.out] = event.path
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
        if isinstance(event, Evaluate):
            self.evaluations.append(event)
            return None
        if isinstance(event, (Inspect, Query)):
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
        if e.column is not None and inputs and inputs[0].id == e.inputs[0]:
            return self._assign_column(e, inputs[0], inputs[1:])
        keep = e.columns if e.rows != "aggregate" else None
        dropped = None
        if keep is None and e.dropped is not None and inputs and inputs[0].id == e.inputs[0] \
                and inputs[0].columns is None:
            dropped = e.dropped
            # the same columns but the dropped ones: column facts stay per column (a dropped column's go with it)
            base = inputs[0]
            frame = frame_taint(base).union(*(n.taint for n in inputs[1:]))
            col_taint = {c: t for c, t in base.column_taint.items() if c not in e.dropped}
            col_sources = {c: s for c, s in base.column_sources.items() if c not in e.dropped}
        else:
            frame, col_taint, col_sources = _carry_columns(inputs, keep)
        if e.label_derived:
            frame |= {LABEL}
        if e.looks_ahead and self._spans_parts(in_rows):
            frame |= {LOOK_AHEAD}
        if e.rows == "aggregate":
            frame |= _row_taint(in_rows.without(*e.removes))
            rows = NONE
        else:
            rows = in_rows.without(*e.removes)
        return self._add(_with_columns(
            Node(e.out, e.name, e.kind, rows, e.where, e.op, e.inputs, e.columns, frame,
                 synthetic=e.synthetic or (e.rows != "aggregate" and not _dedupes(e.op)
                                           and any(n.synthetic and holds_rows(n) for n in inputs)),
                 dropped=dropped),
            col_taint, col_sources))

    def _assign_column(self, e: Derive, base: Node, others: list[Node]) -> Node:
        """``base`` with column ``e.column`` computed from ``others`` and from base columns ``e.column_inputs``."""
        assert e.column is not None
        frame = frame_taint(base)
        col_taint = dict(base.column_taint)
        taint: frozenset[str] = frozenset().union(*(n.taint for n in others)) if others else frozenset()
        for c in e.column_inputs:
            taint |= col_taint.get(c, frozenset())
        if e.label_derived:
            taint |= {LABEL}
        if e.looks_ahead and self._spans_parts(join_all([base.rows, *(n.rows for n in others)])):
            taint |= {LOOK_AHEAD}
        col_taint[e.column] = taint
        col_sources = dict(base.column_sources)
        col_sources[e.column] = frozenset().union(*(col_sources.get(c, frozenset({c})) for c in e.column_inputs)) \
            if e.column_inputs else frozenset()
        columns = e.columns if e.columns is not None else (
            base.columns + ((e.column,) if e.column not in base.columns else ()) if base.columns is not None else None)
        node = Node(e.out, e.name, base.kind, base.rows.without(*e.removes), e.where, e.op, e.inputs, columns,
                    frame, synthetic=base.synthetic, assigned=e.column)
        return self._add(_with_columns(node, col_taint, col_sources))

    def _split_part(self, e: Split, index: int) -> Node:
        part = e.parts[index]
        parent = self.nodes.get(e.parent)
        prows = parent.rows if parent else UNKNOWN
        if prows.known and not prows.has("holdout") and part.role != "future":
            rows = prows  # a validation split of training rows: both parts are still training rows
        elif part.role == "train":
            rows = prows.without("holdout")
        elif part.role == "holdout":
            rows = prows.without("train")
        else:
            rows = prows.without("train", "holdout")
        rows = rows.without(*part.removes)
        taint = frame_taint(parent) if parent else frozenset()
        node = Node(part.out, part.name, parent.kind if parent else "frame", rows, e.where,
                    e.method, (e.parent,), part.columns, taint, split_role=part.role,
                    synthetic=parent.synthetic if parent else False)
        if parent is not None:
            if node.columns is None or node.columns == parent.columns:
                # a split keeps every column: column facts go to each part as they are (also with unknown columns)
                node.columns = parent.columns
                _with_columns(node, dict(parent.column_taint), dict(parent.column_sources))
            else:
                frame, col_taint, col_sources = _carry_columns([parent], node.columns)
                node.taint |= frame
                _with_columns(node, col_taint, col_sources)
        return self._add(node)

    def _fit(self, e: Fit) -> Node:
        self.fits[e.out] = e
        self.fit_memo.clear()
        inputs = self._inputs((e.data,) + ((e.target,) if e.target else ()))
        in_rows = join_all(n.rows for n in inputs) if inputs else UNKNOWN
        taint: frozenset[str] = frozenset()
        if e.learns:
            taint = frozenset().union(*(n.taint for n in inputs)) if inputs else frozenset()
            taint |= _row_taint(in_rows)
            if in_rows.has("holdout"):
                taint |= {FIT_ON_HOLDOUT}
            if e.encodes_target and e.target is not None:
                taint |= {LABEL}
        return self._add(Node(e.out, e.estimator, "model", NONE, e.where, e.op,
                              tuple(n.id for n in inputs), None, taint))

    def _spans_parts(self, rows: Rows) -> bool:
        """True when ``rows`` may mix parts (train with holdout, or future with a cutoff): a look-ahead then crosses."""
        parts = rows.parts if self.policy.has_future else rows.parts - {"future"}
        return not rows.known or len(parts) > 1

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

    def made_by_model(self, node_id: NodeId) -> bool:
        """True when a model's output is behind ``node_id`` (predictions, scores, importances): a plot of it is an
        evaluation's picture, not a look at rows (``plt.scatter(y_test, model.predict(X_test))``)."""
        node = self.nodes.get(node_id)
        return node is not None and (node.kind == "model" or any(n.kind == "model" for n in self.ancestors(node_id)))

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


def frame_taint(node: Node) -> frozenset[str]:
    """The part of ``node.taint`` every column carries (not only some columns)."""
    if not node.column_taint:
        return node.taint
    return node.taint - frozenset().union(*node.column_taint.values())


def columns_taint(node: Node, columns: tuple[str, ...] | None) -> frozenset[str]:
    """The taint of ``columns`` of ``node`` (all of its taint when ``columns`` is None)."""
    if columns is None or not node.column_taint:
        return node.taint
    extra = [node.column_taint[c] for c in columns if c in node.column_taint]
    return frame_taint(node).union(*extra)


def _carry_columns(inputs: list[Node], columns: tuple[str, ...] | None, *, same: bool = False
                   ) -> tuple[frozenset[str], dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(frame-wide taint, column taint, column sources) of a value made from ``inputs`` holding ``columns``.

    Column facts survive only for columns the output still holds; with unknown columns
    every column's taint becomes frame-wide (never lost), unless the output is known to hold
    the same columns as its inputs (``same``).
    """
    frame: frozenset[str] = frozenset().union(*(frame_taint(n) for n in inputs)) if inputs else frozenset()
    col_taint: dict[str, frozenset[str]] = {}
    col_sources: dict[str, frozenset[str]] = {}
    for n in inputs:
        if columns is None and not same:
            frame = frame.union(*n.column_taint.values())
            continue
        for c, t in n.column_taint.items():
            if columns is None or c in columns:
                col_taint[c] = col_taint.get(c, frozenset()) | t
        for c, src in n.column_sources.items():
            if columns is None or c in columns:
                col_sources[c] = col_sources.get(c, frozenset()) | src
    return frame, col_taint, col_sources


def _with_columns(node: Node, col_taint: dict[str, frozenset[str]], col_sources: dict[str, frozenset[str]]) -> Node:
    """Set column facts, keeping column taint disjoint from the frame-wide taint (already in ``node.taint``)."""
    frame = node.taint
    node.column_taint = {c: t - frame for c, t in col_taint.items() if t - frame}
    node.column_sources = col_sources
    node.taint = frame.union(*node.column_taint.values())
    return node


def _dedupes(op: str) -> bool:
    """True for a step that drops repeated rows (its result holds no copies, whatever its input held)."""
    return op.rsplit("→", 1)[-1] in DEDUPLICATES


def holds_rows(node: Node) -> bool:
    """True for row data (a frame, a split part); False for aggregates and fitted models (rows ``none``)."""
    return not (node.rows.known and not node.rows.parts)




def _row_taint(rows: Rows) -> frozenset[str]:
    taint: set[str] = set()
    if rows.has("holdout"):
        taint.add(HOLDOUT)
    if rows.has("future"):
        taint.add(FUTURE)
    return frozenset(taint)


def file_key(path: object, base: str | os.PathLike[str] | None = None) -> str | None:
    """One identity per file: ``path`` (relative to ``base``, else the working folder) resolved and normalised.

    ``pd.read_csv("data/x.csv")`` and DuckDB's ``FROM 'data/x.csv'`` (or ``./data/x.csv``) name one file, so
    both engines tie their reads of it to one source node. None for what names no single local file (a URL,
    a glob, a buffer).
    """
    if not isinstance(path, (str, os.PathLike)):
        return None
    text = os.fspath(path)
    if not isinstance(text, str) or not text or "://" in text or any(c in text for c in "*?["):
        return None
    folder = os.fspath(base) if base is not None else os.getcwd()
    return os.path.normcase(os.path.normpath(os.path.join(folder, os.path.expanduser(text))))
