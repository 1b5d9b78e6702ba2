"""Splits in the kernel: a Split event for live parts, and hand-made splits recognised after a cell.

Every split the kernel sees (``train_test_split``, ``leakguard.split``, two frames whose
rows partition one parent) becomes one ``Split`` through the session's recorder; each
part's object is registered so later cells find its node.
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, Any

from leakguard.kernel import evidence
from leakguard.kernel import frames as fr
from leakguard.lineage.events import NodeId, Split, SplitPart
from leakguard.splitting import looks_like_holdout

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.lineage.graph import Node

_RECENT_SUBSETS = 8  # subsets of one parent remembered to pair with a later one


def register_split(s: Session, parent_id: NodeId, parts: list[tuple[Any, str]], method: str, *,
                   inferred: bool, names: list[str] | None = None, removes: frozenset[str] = frozenset(),
                   frame: types.FrameType | None = None, after_cell: bool = False) -> None:
    """Record a Split of ``parent_id`` into live ``parts`` (object, role) and register each part's object."""
    where = s.where(frame)
    split_parts = []
    for i, (obj, role) in enumerate(parts):
        label = names[i] if names and i < len(names) else f"<{role} part>"
        split_parts.append(SplitPart(s.graph.new_id(), role, label, fr.columns_of(obj),  # type: ignore[arg-type]
                                     fr.row_count(obj), removes))
    parent_node, parent_obj = s.graph.nodes.get(parent_id), s.tracker.object_of(parent_id)
    time = evidence.rows_time_column(s, parent_node, parent_obj, where) \
        if parent_node is not None and fr.is_frame(parent_obj) else s.policy.time
    if time is None and parent_node is not None:
        # rows a sort put in time order, split as an expression (``train_test_split(df[cols], ...)``), or
        # out of order since (separately sorted parts concatenated): the split is judged on their times
        time = evidence.recorded_time_column(s, parent_node) or s.graph.time_column()
    ordered = fr.time_ordered([o for o, _ in parts], [r for _, r in parts], time)
    train = [o for o, r in parts if r == "train" and fr.is_frame(o)]
    test = [o for o, r in parts if r == "holdout" and fr.is_frame(o)]
    if ordered is None and not s.policy.time and time is not None and parent_node is not None and train and test:
        # the parts lack the time column (``X`` without the date): their rows' times are the parent's sources'
        ordered = evidence.parts_time_ordered(s, parent_node, train[0], test[0], time)
    s.recorder.record(Split(parent_id, tuple(split_parts), method, where, time_ordered=ordered, inferred=inferred,
                            after_cell=after_cell))
    for part, (obj, _role) in zip(split_parts, parts, strict=True):
        node = s.graph.nodes[part.out]
        node.n_rows = part.rows
        s.tracker.register(obj, part.out)
    outs = {p.out for p in split_parts}
    for name, nid in list(s.bindings.items()):
        obj = s.user_ns.get(name)
        if obj is not None and s.tracker.node_of(obj) in outs:
            s.bindings[name] = s.tracker.node_of(obj) or nid


def find_partitions(s: Session, made: list[tuple[str, Node, Any]]) -> None:
    """Recognise hand-made splits among the values a cell bound: two frames whose rows partition one parent."""
    for name, node, value in made:
        if not fr.is_row_data(value) or len(node.inputs) != 1:
            continue
        parent_id = node.inputs[0]
        parent = s.tracker.object_of(parent_id)
        siblings = s.subsets.setdefault(parent_id, [])
        if parent is not None:
            for sib_id in siblings:
                sib = s.tracker.object_of(sib_id)
                if sib is None or sib is value:
                    continue
                if fr.partitions(parent, sib, value):
                    _record_partition(s, parent_id, (sib_id, sib), (node.id, value), name)
                    break
        siblings.append(node.id)
        del siblings[:-_RECENT_SUBSETS]


def _record_partition(s: Session, parent_id: NodeId, a: tuple[NodeId, Any], b: tuple[NodeId, Any],
                      b_name: str) -> None:
    """The part named like a holdout (or else the smaller) is the holdout."""
    a_test = looks_like_holdout(s.graph.nodes[a[0]].name)
    b_test = looks_like_holdout(b_name)
    if a_test == b_test:
        na, nb = fr.row_count(a[1]), fr.row_count(b[1])
        a_test = na is not None and nb is not None and na < nb
    holdout, train = (a, b) if a_test else (b, a)
    register_split(s, parent_id, [(train[1], "train"), (holdout[1], "holdout")], "row partition",
                   inferred=True, names=[s.graph.nodes[train[0]].name, s.graph.nodes[holdout[0]].name],
                   after_cell=True)
