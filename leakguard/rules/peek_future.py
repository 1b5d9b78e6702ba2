"""peek-future: an inspection over rows past the policy's cutoff."""

from __future__ import annotations

from leakguard.finding import Finding, provenance_of
from leakguard.lineage.events import Event, Inspect
from leakguard.lineage.graph import LineageGraph
from leakguard.rules._peek import inspected, op_text, relates_label

ID = "peek-future"


def check(graph: LineageGraph, event: Event) -> list[Finding]:
    """A warning when an inspection sees rows after the cutoff; info when leakguard cannot tell."""
    policy = graph.policy
    if not isinstance(event, Inspect) or not policy.has_future:
        return []
    node = inspected(graph, event)
    if node is None or relates_label(graph, event, node):
        return []
    name = graph.named(node.id)
    if node.rows.known and node.rows.has("future"):
        return [Finding(
            ID, "warning", event.where,
            f"{op_text(event, node)} includes rows after the cutoff {policy.cutoff} ({policy.time}); "
            "in production nobody sees those rows when the model is trained.",
            hint=f"keep rows at or before the cutoff (`{name}[{name}[{policy.time!r}] <= {policy.cutoff!r}]`), "
                 "split with `leakguard.split`, or use `%leakguard mode safe`.",
            subject=node.name, provenance=provenance_of(graph, node.id),
        )]
    if not node.rows.known:
        return [Finding(
            ID, "info", event.where,
            f"{op_text(event, node)}: leakguard cannot tell whether these rows reach past the cutoff "
            f"{policy.cutoff}.",
            hint="filter at the cutoff or derive the value from a split's training part.",
            subject=node.name, provenance=provenance_of(graph, node.id),
        )]
    return []
