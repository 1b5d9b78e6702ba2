"""peek-holdout: an inspection over rows that will be (or are) held out for testing."""

from __future__ import annotations

from leakguard.finding import Finding, provenance_of
from leakguard.lineage.events import Event, Inspect
from leakguard.lineage.graph import LineageGraph
from leakguard.rules._peek import inspected, op_text, relates_label

ID = "peek-holdout"


def check(graph: LineageGraph, event: Event) -> list[Finding]:
    """A warning when an inspection sees holdout rows; info when leakguard cannot tell."""
    if not isinstance(event, Inspect) or not graph.policy.holdout.declared:
        return []
    node = inspected(graph, event)
    if node is None or relates_label(graph, event, node):
        return []
    holdout = graph.policy.holdout.describe()
    if node.rows.known and node.rows.has("holdout"):
        return [Finding(
            ID, "warning", event.where,
            f"{op_text(event, node)} looks at rows that are held out for testing (holdout: {holdout}); "
            "what you see there shapes your choices and inflates the test score.",
            hint=f"split first (`train, test = leakguard.split({graph.named(node.id)})`) and inspect `train`, "
                 "or run `%leakguard mode safe` to see training rows only.",
            subject=node.name, provenance=provenance_of(graph, node.id),
        )]
    if not node.rows.known:
        return [Finding(
            ID, "info", event.where,
            f"{op_text(event, node)}: leakguard cannot tell whether these rows include holdout rows "
            f"(holdout: {holdout}).",
            hint="derive the value from a split's training part so its rows are known.",
            subject=node.name, provenance=provenance_of(graph, node.id),
        )]
    return []
