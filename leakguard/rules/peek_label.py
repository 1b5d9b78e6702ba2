"""peek-label: an inspection that relates the label to other columns before the split."""

from __future__ import annotations

from leakguard.finding import Finding, provenance_of
from leakguard.lineage.events import Event, Inspect, Query
from leakguard.lineage.graph import LineageGraph, Node
from leakguard.rules._peek import beyond_training, columns_of, inspected, op_text, relates_label
from leakguard.rules._text import clip, listed

ID = "peek-label"


def check(graph: LineageGraph, event: Event) -> list[Finding]:
    """A warning when an inspection relates the label to other columns on non-training rows."""
    if isinstance(event, Query):
        return _query(graph, event)
    if not isinstance(event, Inspect):
        return []
    node = inspected(graph, event)
    if node is None or not relates_label(graph, event, node):
        return []
    label = graph.policy.label
    cols = columns_of(node, event) or ()
    others = [c for c in cols if c not in label]
    rows = "rows of unknown origin" if not node.rows.known else f"rows: {node.rows.name}"
    labels = [c for c in cols if c in label]
    return [Finding(
        ID, "warning", event.where,
        f"{op_text(event, node)} relates the label {clip(', '.join(labels), 24)} to {clip(listed(others, 2), 28)}",
        f"It relates {', '.join(labels)} to {listed(others, 4)} over data that is not only training rows "
        f"({rows}); choices made from it carry the test labels into the model.",
        hint=f"split first (`train, test = leakguard.split({graph.named(node.id)})`) and study the label on `train`.",
        subject=node.name, provenance=provenance_of(graph, node.id),
    )]


# -- SQL ------------------------------------------------------------------------------------------


def query_inputs(graph: LineageGraph, event: Query) -> list[Node]:
    """The nodes of the rows a query's scans read (those still in the graph)."""
    return [n for n in (graph.get(i) for i in event.inputs) if n is not None]


def query_relates_label(graph: LineageGraph, event: Query) -> bool:
    """True when a query uses the label (filter, group, aggregate...) over rows not only for training."""
    if not graph.policy.label or not event.inspects or not label_uses(graph, event):
        return False
    return any(beyond_training(graph, n.rows) for n in query_inputs(graph, event))


def label_uses(graph: LineageGraph, event: Query) -> tuple[str, ...]:
    """How the query uses the label (``churned:aggregate``): as analysed when it ran, and as its columns show
    now that the label is known (inferred from a later fit, for a query that ran before it)."""
    labels = {c.lower() for c in graph.policy.label}
    found = list(event.label_columns)
    for entry in event.columns:
        body, _, role = entry.rpartition(":")
        name = body.rsplit(".", 1)[-1]
        if name.lower() in labels and role != "projection":
            found.append(f"{name}:{role}")
    return tuple(dict.fromkeys(found))


def unanalysed_finding(graph: LineageGraph, event: Query, rule: str) -> list[Finding]:
    """The one info finding for SQL leakguard could not analyse, reported by the first rule that applies."""
    policy = graph.policy
    owner = ("peek-future" if policy.has_future else "peek-holdout" if policy.holdout.declared
             else ID if policy.label else None)
    if not event.unanalysed or owner != rule:
        return []
    return [Finding(
        rule, "info", event.where, f"{event.dialect} query leakguard could not analyse",
        f"It ran unchanged ({event.unanalysed}), so it may see the label, holdout rows or rows past the cutoff "
        "unnoticed.",
        hint="simplify the query, or pass the dialect with `%%sql --dialect NAME` / `leakguard.sql.use_dialect`.",
        subject=_query_subject(event),
    )]


def _query_subject(event: Query) -> str:
    return "SQL: " + (", ".join(event.tables[:3]) or event.sql.strip()[:40])


def _query(graph: LineageGraph, event: Query) -> list[Finding]:
    if event.unanalysed:
        return unanalysed_finding(graph, event, ID)
    if not query_relates_label(graph, event):
        return []
    nodes = query_inputs(graph, event)
    wide = [n for n in nodes if beyond_training(graph, n.rows)]
    uses = ", ".join(u.replace(":", " as ") for u in label_uses(graph, event)[:4])
    tables = ", ".join(dict.fromkeys(n.name for n in wide))
    return [Finding(
        ID, "warning", event.where, f"SQL query uses the label ({clip(uses, 28)}) over {clip(tables, 24)}",
        f"The rows of {tables} are not only training rows (rows: {', '.join(dict.fromkeys(n.rows.name for n in wide))}); "
        "choices made from it carry the test labels into the model.",
        hint="split first and query the training part (DuckDB can query a `train` DataFrame by name), "
             "or leave the label out of exploratory queries.",
        subject=_query_subject(event), provenance=provenance_of(graph, wide[0].id),
    )]
