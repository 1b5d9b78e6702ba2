"""peek-holdout: an inspection over rows that will be (or are) held out for testing."""

from __future__ import annotations

from leakguard.finding import Finding, provenance_of
from leakguard.lineage.events import Event, Inspect, Query
from leakguard.lineage.graph import LineageGraph
from leakguard.rules._peek import inspected, op_text, relates_label
from leakguard.rules._text import clip
from leakguard.rules.peek_label import query_inputs, query_relates_label, unanalysed_finding

ID = "peek-holdout"


def check(graph: LineageGraph, event: Event) -> list[Finding]:
    """A warning when an inspection sees holdout rows; info when leakguard cannot tell."""
    if isinstance(event, Query):
        return _query(graph, event)
    if not isinstance(event, Inspect) or not graph.policy.holdout.declared:
        return []
    node = inspected(graph, event)
    if node is None or relates_label(graph, event, node):
        return []
    holdout = graph.policy.holdout.describe()
    if node.rows.known and node.rows.has("holdout"):
        return [Finding(
            ID, "warning", event.where, f"{op_text(event, node)} sees the holdout rows",
            f"The rows held out for testing ({holdout}) are among the rows it looks at; what you see there "
            "shapes your choices and inflates the test score.",
            hint=f"split first (`train, test = leakguard.split({graph.named(node.id)})`) and inspect `train`, "
                 "or run `%leakguard mode safe` to see training rows only.",
            subject=node.name, provenance=provenance_of(graph, node.id),
        )]
    if not node.rows.known:
        return [Finding(
            ID, "info", event.where, f"{op_text(event, node)}: cannot tell whether it sees holdout rows",
            f"leakguard does not know where the rows of {node.name} come from, so it cannot place them against "
            f"the holdout ({holdout}).",
            hint="derive the value from a split's training part so its rows are known.",
            subject=node.name, provenance=provenance_of(graph, node.id),
        )]
    return []


def _query(graph: LineageGraph, event: Query) -> list[Finding]:
    """A query over holdout rows (a test-only table, or a table holding the holdout), or a write to a test-only table."""
    if event.unanalysed:
        return unanalysed_finding(graph, event, ID)
    holdout = graph.policy.holdout
    found: list[Finding] = []
    subject = "SQL: " + ", ".join(event.tables[:3])
    if event.writes:
        found.append(Finding(
            ID, "warning", event.where, f"SQL writes to {clip(', '.join(event.writes), 48)}, a test-only table",
            f"The policy marks {', '.join(event.writes)} as test-only; changing the test data after seeing "
            "results makes the test score meaningless.",
            hint="write derived data to a new table and leave the test-only tables as they are.",
            subject=f"SQL write: {', '.join(event.writes)}",
        ))
    if not holdout.declared or not event.inspects or query_relates_label(graph, event):
        return found
    nodes = query_inputs(graph, event)
    seen = [n for n in nodes if n.rows.known and n.rows.has("holdout")]
    if seen:
        names = ", ".join(dict.fromkeys(n.name for n in seen))
        found.append(Finding(
            ID, "warning", event.where, f"SQL query on {clip(names)} sees the holdout rows",
            f"It computes over rows held out for testing ({names}; holdout: {holdout.describe()}); what you see "
            "there shapes your choices and inflates the test score.",
            hint="query the training part (split first: DuckDB can query a `train` DataFrame by name), "
                 "or run `%leakguard mode safe` to have leakguard exclude holdout rows it can identify in SQL.",
            subject=subject, provenance=provenance_of(graph, seen[0].id),
        ))
    elif any(not n.rows.known for n in nodes) and not graph.policy.has_future:
        found.append(Finding(
            ID, "info", event.where, "SQL query: cannot tell whether it sees holdout rows",
            "It reads tables whose columns leakguard could not learn, so it cannot place their rows against the "
            f"holdout ({holdout.describe()}).",
            hint="query a split's training part, or a connection leakguard can ask for its schema.",
            subject=subject,
        ))
    return found
