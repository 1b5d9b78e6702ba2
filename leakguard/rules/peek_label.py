"""peek-label: an inspection that relates the label to other columns before the split."""

from __future__ import annotations

from leakguard.finding import Finding, provenance_of
from leakguard.lineage.events import Event, Inspect
from leakguard.lineage.graph import LineageGraph
from leakguard.rules._peek import columns_of, inspected, op_text, relates_label

ID = "peek-label"


def check(graph: LineageGraph, event: Event) -> list[Finding]:
    """A warning when an inspection relates the label to other columns on non-training rows."""
    if not isinstance(event, Inspect):
        return []
    node = inspected(graph, event)
    if node is None or not relates_label(graph, event, node):
        return []
    label = graph.policy.label
    cols = columns_of(node, event) or ()
    others = [c for c in cols if c not in label][:4]
    rows = "rows of unknown origin" if not node.rows.known else f"rows: {node.rows.name}"
    return [Finding(
        ID, "warning", event.where,
        f"{op_text(event, node)} relates the label {', '.join(c for c in cols if c in label)} to "
        f"{', '.join(others)} over data that is not only training rows ({rows}); "
        "choices made from it carry the test labels into the model.",
        hint=f"split first (`train, test = leakguard.split({graph.named(node.id)})`) and study the label on `train`.",
        subject=node.name, provenance=provenance_of(graph, node.id),
    )]
