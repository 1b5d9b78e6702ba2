"""peek-future: an inspection over rows past the policy's cutoff."""

from __future__ import annotations

from leakguard.finding import Finding, provenance_of
from leakguard.lineage.events import Event, Inspect, Query
from leakguard.lineage.graph import LineageGraph
from leakguard.rules._peek import inspected, op_text, relates_label
from leakguard.rules._text import clip
from leakguard.rules.peek_label import query_inputs, query_relates_label, unanalysed_finding

ID = "peek-future"


def check(graph: LineageGraph, event: Event) -> list[Finding]:
    """A warning when an inspection sees rows after the cutoff; info when leakguard cannot tell."""
    policy = graph.policy
    if isinstance(event, Query):
        return _query(graph, event)
    if not isinstance(event, Inspect) or not policy.has_future:
        return []
    node = inspected(graph, event)
    if node is None or relates_label(graph, event, node):
        return []
    name = graph.named(node.id)
    if node.rows.known and node.rows.has("future"):
        return [Finding(
            ID, "warning", event.where, f"{op_text(event, node)} sees rows after the cutoff {policy.cutoff}",
            f"Rows whose {policy.time} is after {policy.cutoff} are among the rows it looks at; in production "
            "nobody sees those rows when the model is trained.",
            hint=f"keep rows at or before the cutoff (`{name}[{name}[{policy.time!r}] <= {policy.cutoff!r}]`), "
                 "split with `leakguard.split`, or use `%leakguard mode safe`.",
            subject=node.name, provenance=provenance_of(graph, node.id),
        )]
    if not node.rows.known:
        return [Finding(
            ID, "info", event.where, f"{op_text(event, node)}: cannot tell whether it sees rows after the cutoff",
            f"leakguard does not know where the rows of {node.name} come from, so it cannot tell whether they "
            f"reach past the cutoff {policy.cutoff} ({policy.time}).",
            hint="filter at the cutoff or derive the value from a split's training part.",
            subject=node.name, provenance=provenance_of(graph, node.id),
        )]
    return []


def _query(graph: LineageGraph, event: Query) -> list[Finding]:
    """A query that computes over rows past the cutoff: some scan of a time-bearing table is not bounded."""
    policy = graph.policy
    if event.unanalysed:
        return unanalysed_finding(graph, event, ID)
    if not policy.has_future or not event.inspects or query_relates_label(graph, event):
        return []
    nodes = query_inputs(graph, event)
    future = [n for n in nodes if n.rows.known and n.rows.has("future")]
    subject = "SQL: " + ", ".join(event.tables[:3])
    if future:
        names = ", ".join(dict.fromkeys(n.name for n in future))
        return [Finding(
            ID, "warning", event.where, f"SQL query on {clip(names)} sees rows after the cutoff {policy.cutoff}",
            f"It scans {names} without bounding {policy.time} at or before the cutoff {policy.cutoff}, so it "
            "computes over rows that nobody sees when the model is trained.",
            hint=f"add `{policy.time} <= '{policy.cutoff}'` to the WHERE of each scan of {names} (a predicate in "
                 "an outer query over a CTE counts), or run `%leakguard mode safe` to have leakguard add it.",
            subject=subject, provenance=provenance_of(graph, future[0].id),
        )]
    unknown = [n for n in nodes if not n.rows.known]
    if unknown:
        return [Finding(
            ID, "info", event.where, "SQL query: cannot tell whether it sees rows after the cutoff",
            f"It reads {', '.join(dict.fromkeys(n.name for n in unknown))}, whose columns leakguard could not "
            f"learn, so it cannot tell whether the rows reach past the cutoff {policy.cutoff}.",
            hint=f"bound {policy.time} at the cutoff in the query, or query through a connection leakguard can ask "
                 "for its schema.",
            subject=subject,
        )]
    return []
