"""Cross-validation written by hand, in the kernel: the pairs ``splitter.split(X, y)`` yields.

The generator the splitter returns is passed on wrapped: every (train, validation) pair of
positions it yields is remembered with the rows it was cut from. A value a modelling call
receives that holds exactly those rows (``X.iloc[va]``, ``X[va]``, ``df[cols].iloc[va]``) is
a part of that fold, derived from the folded rows; predicting or scoring a validation part
is then judged like ``cross_val_score`` (an ``Evaluate`` of kind ``cross-validate`` over the
folded rows), as the static engine does (leakguard/static/folds.py).
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from leakguard.kernel import frames as fr
from leakguard.kernel.wrapping import Plan
from leakguard.lineage.events import Derive, Evaluate, NodeId
from leakguard.rules._modelling import fit_of, row_lineage

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.libraries.api import Api
    from leakguard.lineage.graph import Node

_KEEP = 4  # the folds of the last few passes: a part is taken in the pass that yielded its positions
# (folded rows, their node, train positions, validation positions, whether the splitter keeps time order)
_Fold = tuple[Any, NodeId, Any, Any, bool | None]


class FoldState:
    """The session's fold bookkeeping (``Session.folds``): recent folds, the parts seen, the models validated."""

    def __init__(self) -> None:
        self.folds: list[_Fold] = []
        self.roles: dict[NodeId, tuple[NodeId, str, bool | None]] = {}  # part -> (folded rows, role, order kept)
        self.models: dict[NodeId, NodeId] = {}  # model validated on a fold -> the folded rows' node


def _state(s: Session) -> FoldState:
    return s.folds


def before_folds(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """``kf.split(X, ...)``: the pairs it yields are remembered with ``X``'s node."""
    from leakguard.kernel import evidence  # imports calls, which asks this module for fold parts
    from leakguard.kernel.calls import argument, call_node, value_node

    frame = s.cell_frame()
    X = args[1] if len(args) > 1 else kwargs.get("X")
    if frame is None or X is None or fr.row_count(X) is None:
        return None
    parent = value_node(s, X, frame, argument(call_node(s, frame, api.name), 0, ("X",)))
    if parent is None:
        return None
    ordered = evidence.cv_time_ordered(args[0]) if evidence.rows_time_column(s, parent, X, s.where(frame)) else None
    return Plan(wrap=lambda result: _passes(s, (X, parent.id, ordered), result))


def _passes(s: Session, source: tuple[Any, NodeId, bool | None], pairs: Iterator[Any]) -> Iterator[Any]:
    """The splitter's own pairs, unchanged, each remembered before the loop body sees it."""
    for pair in pairs:
        try:
            train, valid = pair
            folds = _state(s).folds
            rows, parent, ordered = source
            folds.append((rows, parent, train, valid, ordered))
            del folds[:-_KEEP]
        except Exception as exc:  # never break the user's loop with leakguard's own error
            s.internal_error("split()", exc)
        yield pair


def part_node(s: Session, obj: Any, name: str, frame: types.FrameType | None) -> Node | None:
    """A node for ``obj`` when it holds exactly the rows of a remembered fold part, else None."""
    state = _state(s)
    for rows, parent, train, valid, ordered in reversed(state.folds):
        for role, positions in (("train", train), ("holdout", valid)):
            if parent in s.graph.nodes and _same_rows(rows, obj, positions):
                # row data whatever its type (numpy parts have fewer rows than their parent: no aggregate)
                node = s.recorder.value(Derive(s.graph.new_id(), (parent,), "fold part", name, s.where(frame),
                                               rows="unknown", columns=fr.columns_of(obj), kind=fr.kind_of(obj)))
                node.n_rows = fr.row_count(obj)
                s.tracker.register(obj, node.id)
                state.roles[node.id] = (parent, role, ordered)
                return node
    return None


def is_part(s: Session, obj: Any) -> bool:
    """Whether ``obj`` holds the rows of a remembered fold part (the two parts of a fold are no hand-made split)."""
    return any(_same_rows(rows, obj, positions) for rows, _, train, valid, _ in _state(s).folds
               for positions in (train, valid))


def out_of_fold(s: Session, model: NodeId, rows: NodeId) -> bool:
    """Whether a metric of ``model`` on ``rows`` is cross-validation: the model predicted validation folds of
    those rows (``oof[va] = model.predict(X.iloc[va])``, then ``metric(y, oof)``)."""
    folded = _state(s).models.get(model) or _trained_on_fold(s, model)
    return folded is not None and (rows == folded or rows in row_lineage(s.graph, folded))


def _trained_on_fold(s: Session, model: NodeId) -> NodeId | None:
    """The folded rows' node when ``model`` was fit on a fold's training part (or on values made from it)."""
    found = fit_of(s.graph, model)
    roles = _state(s).roles
    for nid in row_lineage(s.graph, found[1].data) if found is not None else ():
        if nid in roles and roles[nid][1] == "train":
            return roles[nid][0]
    return None


def _same_rows(rows: Any, obj: Any, positions: Any) -> bool:
    """``obj`` is ``rows`` at ``positions`` (same index for pandas, same values for numpy), some columns."""
    try:
        if getattr(obj, "shape", (None,))[0] != len(positions):
            return False
        if hasattr(rows, "columns") and hasattr(obj, "index"):
            # columns of the folded frame (``y.iloc[va]`` of another series is not a part of ``X``)
            names = list(getattr(obj, "columns", [getattr(obj, "name", None)]))
            return all(n in rows.columns for n in names) and bool(obj.index.equals(rows.index[positions]))
        import numpy as np

        if isinstance(rows, np.ndarray) and isinstance(obj, np.ndarray) and obj.shape[1:] == rows.shape[1:]:
            return bool(np.array_equal(obj, rows[positions], equal_nan=obj.dtype.kind == "f"))
    except Exception:
        return False
    return False


def validated(s: Session, model: NodeId, data: Node, target: Node | None, *, frame: types.FrameType | None,
              op: str) -> None:
    """A prediction or a score on a validation fold: the model is cross-validated on the folded rows."""
    found = _state(s).roles.get(data.id)
    if found is None or found[1] != "holdout":
        return
    _state(s).models[model] = found[0]
    held = _state(s).roles.get(target.id) if target is not None else None
    y = held[0] if held is not None else target.id if target is not None else None
    s.recorder.record(Evaluate(model, found[0], s.where(frame), y,
                               op=f"{op} per fold", kind="cross-validate", time_ordered=found[2]))
