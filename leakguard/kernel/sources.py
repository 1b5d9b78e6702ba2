"""Sources that are not pandas readers: what a ``read`` entry with a role returned, tied to lineage.

``np.loadtxt`` returns an array, ``load_iris(return_X_y=True)`` a pair ``(X, y)``, ``load_iris()`` a
Bunch whose ``data``/``target``/``frame`` hold the rows, ``pickle.load`` anything. The source is one
``Read`` node; each part that holds rows is registered as derived from it, so ``X`` and ``y`` of one
dataset share their origin. A loaded value that is not row data (a fitted model, settings) is left
alone: its own handlers know what it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leakguard.kernel import frames as fr
from leakguard.libraries.sklearn.catalog import BUNCH_PARTS
from leakguard.lineage.events import Derive, Read, Where

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.libraries.api import Api

_BUNCH_PARTS = BUNCH_PARTS
ARCHIVE = "archive"  # the kind of a source whose members are arrays of rows (session.derive_node reads it)


def holds_rows(obj: Any) -> bool:
    """Rows of data: a frame or series, an array of one or more dimensions, a sparse matrix."""
    if fr.is_row_data(obj):
        return True
    module = type(obj).__module__
    return (module.startswith("numpy") and getattr(obj, "ndim", 0) >= 1) or module.startswith("scipy.sparse")


def _parts(result: Any) -> list[tuple[str, Any]]:
    """The row-holding parts of a pair or a Bunch, by name."""
    if isinstance(result, tuple):
        return [(f"[{i}]", part) for i, part in enumerate(result) if holds_rows(part)]
    if isinstance(result, dict):
        return [(f".{key}", result[key]) for key in _BUNCH_PARTS
                if key in result and result[key] is not None and holds_rows(result[key])]
    return []


def register_read(s: Session, api: Api, result: Any, *, source: str, name: str, where: Where) -> None:
    """Record the source ``result`` came from and tie it (and its row-holding parts) to lineage."""
    parts = _parts(result)
    if api.role == "object" and not parts and not holds_rows(result):
        return
    whole_rows = holds_rows(result)
    # an .npz archive (np.load) hands out its arrays by name, each read when asked: they are its rows
    kind = fr.kind_of(result) if whole_rows else ARCHIVE if hasattr(result, "files") else "frame"
    node = s.recorder.value(Read(s.graph.new_id(), source, name, where,
                                 fr.columns_of(result) if whole_rows else None, kind=kind))
    assert node is not None
    # a Bunch or an (X, y) pair: its parts hold the same rows, so an array made from one (``np.array(b.data)``,
    # which reads the name ``b``) is told from a statistic by their row count
    counts = {fr.row_count(part) for _, part in parts}
    node.n_rows = fr.row_count(result) if whole_rows else counts.pop() if len(counts) == 1 else None
    s.tracker.register(result, node.id)
    for suffix, part in parts:
        made = s.recorder.value(Derive(s.graph.new_id(), (node.id,), suffix, f"{name}{suffix}", where, rows="same",
                                       columns=fr.columns_of(part), kind=fr.kind_of(part)))
        assert made is not None
        made.n_rows = fr.row_count(part)
        s.tracker.register(part, made.id)
