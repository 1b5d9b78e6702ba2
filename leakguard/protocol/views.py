"""leakguard's model objects as protocol values: policy, findings, cell reports, provenance graphs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from leakguard.finding import Finding
from leakguard.lineage.graph import LineageGraph, Node
from leakguard.policy import Policy
from leakguard.protocol import messages as m

GRAPH_LIMIT = 40


def policy_view(policy: Policy) -> m.PolicyView:
    """The policy for people; a holdout of any kind becomes one description."""
    return {
        "label": list(policy.label), "time": policy.time, "cutoff": policy.cutoff,
        "holdout": policy.holdout.describe(), "mode": policy.mode,
        "inferred": sorted(policy.inferred), "mode_declared": policy.origin_of("mode") is not None,
        "checking": checking(policy),
    }


def _source(policy: Policy, key: str) -> str:
    """``declared`` or ``inferred from train_test_split``."""
    origin = policy.origin_of(key)
    if key in policy.inferred:
        return f"inferred from {origin}" if origin else "inferred"
    return "declared"


def checking(policy: Policy) -> list[str]:
    """What the rules check under ``policy`` and what they cannot yet, one short sentence per part.

    The sentences follow what the rules do: peek-label needs a label, declared or inferred from
    the ``y`` of the first fit; peek-holdout needs a holdout, declared or inferred from the first
    split. With inference on, looks made before the split or fit that reveals them are judged
    again then (retroactive peeks); with it off, nothing is inferred. peek-future and the cutoff
    checks of temporal need a time column and a cutoff.
    """
    lines: list[str] = []
    if policy.label:
        lines.append(f"label: {', '.join(policy.label)} ({_source(policy, 'label')})")
    elif policy.infer:
        lines.append("label: none yet — taken from the y of the first fit; earlier looks at it are judged then")
    else:
        lines.append("label: none declared and inference is off — label peeks are not checked")
    if policy.holdout.declared:
        lines.append(f"holdout: {policy.holdout.describe()} ({_source(policy, 'holdout')})")
    elif policy.infer:
        lines.append("holdout: none yet — taken from the first split; earlier looks at its test rows are judged then")
    else:
        lines.append("holdout: none declared and inference is off — peeks at test rows are not checked")
    if policy.has_future:
        lines.append(f"future: rows with {policy.time} after {policy.cutoff} ({_source(policy, 'cutoff')})")
    elif policy.time is not None:
        lines.append(f"time: {policy.time} ({_source(policy, 'time')}) — no cutoff, so no rows count as future; "
                     "shuffled time splits are checked")
    else:
        lines.append("time: none declared — rows after a cutoff and shuffled time splits are not checked")
    return lines


def finding_view(finding: Finding) -> m.Finding:
    """The protocol form of a finding (the same shape as ``Finding.to_dict``)."""
    # Defaults for the fields a finding may not carry yet; an empty title shows the message.
    return cast(m.Finding, {"title": "", "detail": "", "blocked": False, **finding.to_dict()})


def cell_report(cell: str, execution_count: int | None, findings: Iterable[Finding],
                notes: Iterable[str]) -> m.CellReport:
    """One cell's report."""
    return {"cell": cell, "execution_count": execution_count,
            "findings": [finding_view(f) for f in findings], "notes": list(notes)}


def graph_node(node: Node) -> m.GraphNode:
    """One value of a provenance graph."""
    return {
        "id": node.id, "name": node.name, "op": node.op, "kind": node.kind, "rows": node.rows.name,
        "taint": sorted(node.taint), "cell": node.where.cell,
        "execution_count": node.where.execution_count, "line": node.where.line,
    }


def provenance_graph(graph: LineageGraph, node: Node, limit: int = GRAPH_LIMIT) -> m.Graph:
    """``node`` and up to ``limit`` of its ancestors, with the derivation edges between them."""
    chain = graph.provenance(node.id, limit)
    present = {n.id for n in chain}
    edges: list[m.GraphEdge] = [
        {"source": i, "target": n.id} for n in chain for i in n.inputs if i in present
    ]
    return {"nodes": [graph_node(n) for n in chain], "edges": edges, "focus": node.id}
