"""Two Polars filters of one frame with complementary conditions: a split (contract D).

``df.filter(pl.col("ts") < T)`` and ``df.filter(pl.col("ts") >= T)`` (or ``cond`` and
``~cond``) separate the parent's rows. The side below the threshold is the training part
(no future rows when T is at or before the cutoff), the other the holdout part; for
``cond`` / ``~cond`` the smaller eager side, or the non-negated lazy side, is the holdout.
"""

from __future__ import annotations

import json
import types
import weakref
from typing import TYPE_CHECKING, Any

from leakguard.kernel import frames as fr
from leakguard.libraries.polars import frames as plf
from leakguard.libraries.polars.plan import Condition, complementary, literal_time, removes_of
from leakguard.lineage.events import NodeId, Split, SplitPart

if TYPE_CHECKING:
    from leakguard.kernel.session import Session

MAX_SIBLINGS = 8


def record_filter(s: Session, parent_id: NodeId, parent: Any, result: Any, cond: Condition, *,
                  frame: types.FrameType | None) -> None:
    """Remember a filter result; when an earlier one of the same parent is its complement, emit the split."""
    plf.note_filtered(parent, result, cond)
    if cond.key is None and cond.compare is None:
        return
    known = s.polars.filters.setdefault(parent_id, [])
    for ref, other in known:
        sib = ref()
        if sib is None or sib is result or not complementary(cond, other):
            continue
        known[:] = [(r, c) for r, c in known if r() is not sib]
        _emit(s, parent_id, (sib, other), (result, cond), frame)
        return
    try:
        known.append((weakref.ref(result), cond))
    except TypeError:
        return
    del known[:-MAX_SIBLINGS]


def _emit(s: Session, parent_id: NodeId, a: tuple[Any, Condition], b: tuple[Any, Condition],
          frame: types.FrameType | None) -> None:
    policy = s.policy
    compare = a[1].compare
    if compare is not None:
        lower, upper = (a, b) if a[1].compare is not None and a[1].compare[1] in ("le", "lt") else (b, a)
        column, _op, lit = compare
        shown = _literal_text(lit)
        method = f"filter at {shown}"
        is_time = column == policy.time
        train_removes = removes_of(column, "le", json.loads(lit), policy) & {"future"}
        ordered: bool | None = True if is_time else None
    else:
        ha, hb = fr.row_count(a[0]), fr.row_count(b[0])
        if ha is not None and hb is not None and ha != hb:
            upper, lower = (a, b) if ha < hb else (b, a)
        else:
            upper, lower = (b, a) if a[1].negated else (a, b)
        method, train_removes, ordered = "filter", frozenset(), None
    parts = [
        SplitPart(s.graph.new_id(), "train", "<train part>", fr.columns_of(lower[0]), fr.row_count(lower[0]),
                  train_removes),
        SplitPart(s.graph.new_id(), "holdout", "<holdout part>", fr.columns_of(upper[0]), fr.row_count(upper[0])),
    ]
    s.recorder.record(Split(parent_id, tuple(parts), method, s.where(frame), time_ordered=ordered, inferred=True))
    for part, obj in zip(parts, (lower[0], upper[0]), strict=True):
        node = s.graph.nodes[part.out]
        node.n_rows = part.rows
        s.tracker.register(obj, part.out)
    made = {p.out for p in parts}
    for name in list(s.bindings):  # a side bound by an earlier cell now names its part
        nid = s.tracker.node_of(s.user_ns.get(name))
        if nid in made:
            s.bindings[name] = nid


def _literal_text(lit: str) -> str:
    try:
        value = json.loads(lit)
    except ValueError:
        return lit
    when = literal_time(value)
    if when is not None:
        return when.isoformat(sep=" ")
    inner = value.get("Dyn") or value.get("Scalar") if isinstance(value, dict) else None
    if isinstance(inner, dict) and len(inner) == 1:
        return str(next(iter(inner.values())))
    return lit
