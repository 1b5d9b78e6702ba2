"""What the three peek rules share: which inspections relate the label, and the wording."""

from __future__ import annotations

from leakguard.lineage.domain import Rows
from leakguard.lineage.events import Inspect
from leakguard.lineage.graph import LineageGraph, Node
from leakguard.rules._text import clip


def beyond_training(graph: LineageGraph, rows: Rows) -> bool:
    """True when ``rows`` may hold rows other than training rows: holdout rows, or future rows
    when the policy has a cutoff (without one, no row is a future row), or rows leakguard cannot place."""
    if not rows.known or rows.has("holdout"):
        return True
    return graph.policy.has_future and rows.has("future")


def inspected(graph: LineageGraph, event: Inspect) -> Node | None:
    """The inspected node, or None when the inspection is restricted or the node is gone."""
    if event.restricted:
        return None
    return graph.get(event.value)


def columns_of(node: Node, event: Inspect) -> tuple[str, ...] | None:
    """Columns the inspection touches: the event's own, else the node's."""
    return event.columns if event.columns is not None else node.columns


def relates_label(graph: LineageGraph, event: Inspect, node: Node) -> bool:
    """True when the inspection relates a label column to other columns over non-training rows."""
    label = graph.policy.label
    if not label or not event.relates:
        return False
    if not beyond_training(graph, node.rows):
        return False
    cols = columns_of(node, event)
    if cols is None:
        return False
    has_label = any(c in label for c in cols)
    has_other = any(c not in label for c in cols)
    return has_label and has_other


def op_text(event: Inspect, node: Node) -> str:
    """``describe() on df`` for titles (a long receiver is elided)."""
    return f"{event.op}() on {clip(node.name)}"
