"""Cross-validation written by hand: ``for tr, va in kf.split(X, y): model.fit(X.iloc[tr], ...)``.

``splitter.split(X, ...)`` yields pairs of row positions; the engine follows one abstract
pass of the loop. Each position array remembers the rows it picks from (the first
argument) and its role (``train`` / ``holdout``); ``X.iloc[va]`` / ``X[va]`` /
``df.loc[df.index[va]]`` with such an array keep the role (``dataops.rows``). A model that
predicts or scores a validation part is then evaluated like ``cross_val_score``: an
``Evaluate`` of kind ``cross-validate`` over the rows the folds were cut from, so a
statistic learned from all of them before the loop is a preprocessing leak, the same
statistic learned inside the loop on the training part is not, and scoring each fold is
neither multi-test nor overlap (the folds are not the holdout).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from leakguard.lineage.events import Evaluate, NodeId
from leakguard.static import timeorder
from leakguard.static.emitted import event
from leakguard.static.values import Data, Label, Seq, Value, data_in

if TYPE_CHECKING:
    from leakguard.static.interp import Interp

FOLD = "fold"  # the ``how`` of a ``Data.origin`` made by a fold's positions: (parent, "fold", role)


def split(it: Interp, args: list[Value], label: Label, keeps_order: bool | None) -> Value:
    """``kf.split(X, y, groups)``: one (train positions, validation positions) pair over the rows of ``X``.

    ``keeps_order`` says whether the splitter validates only on rows after its training rows
    (``TimeSeriesSplit``); it matters only for rows in time order.
    """
    rows = data_in(args[0]) if args else []
    if not rows:
        return it.unknown_from(args, label, "folds")
    ordered = keeps_order if timeorder.time_of(it, rows[0]) else None
    parent = it.node(rows[0])
    parts: list[Value] = []
    for role, name in (("train", "<train fold>"), ("holdout", "<validation fold>")):
        positions = it.derive(args, "index", name, "folds")
        positions.origin = (parent, FOLD, (role, ordered))
        parts.append(positions)
    return Seq([Seq(parts, "tuple")], "list")


def role(v: Value | None) -> tuple[NodeId, str, bool | None] | None:
    """``(rows the folds were cut from, role, time order kept)`` when ``v`` is a fold part (``X.iloc[va]``)."""
    if isinstance(v, Data) and v.origin is not None and v.origin[1] == FOLD:
        part, ordered = v.origin[2]
        return v.origin[0], part, ordered
    return None


def validated(it: Interp, model: NodeId, x: Value | None, y: Value | None, op: str) -> None:
    """A prediction or a score on a validation fold: the model is cross-validated on the folds' rows."""
    part = role(x)
    if part is None or part[1] != "holdout":
        return
    target = role(y)
    y_node = target[0] if target is not None else None
    it.emit(event(Evaluate, model=model, data=part[0], where=it.where(), target=y_node, op=f"{op} per fold",
                  kind="cross-validate", time_ordered=part[2]))
