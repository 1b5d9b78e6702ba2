"""unresolved: a call leakguard does not know, made on tracked data, reported once (never taken as clean).

An engine that meets a call it has no catalog entry for (``XGBClassifier().fit(X_train, y)``
with no entry for xgboost) marks the value it made as unresolved; this rule says so once
per operation, so the person knows the modelling rules could not judge it.
"""

from __future__ import annotations

from leakguard.finding import Finding, provenance_of
from leakguard.lineage.events import Derive, Event
from leakguard.lineage.graph import LineageGraph
from leakguard.rules._text import clip

ID = "unresolved"


def check(graph: LineageGraph, event: Event) -> list[Finding]:
    """An info finding the first time an unresolved operation is met."""
    if not isinstance(event, Derive) or not event.unresolved:
        return []
    for earlier in graph.events:
        if earlier is event:
            break
        if isinstance(earlier, Derive) and earlier.unresolved and earlier.op == event.op:
            return []
    inputs = [graph.nodes[i].name for i in event.inputs if i in graph.nodes][:3]
    return [Finding(
        ID, "info", event.where, f"{clip(event.op, 40)}() on {clip(', '.join(inputs) or 'tracked data', 32)}: not judged",
        f"leakguard does not know what {event.op}() does with {', '.join(inputs) or 'its inputs'}; the modelling "
        "rules cannot judge it, so it is not counted as clean.",
        hint="if it fits, transforms or scores, the same rules apply: fit on the training part only and score "
             "the holdout once. A catalog entry (leakguard/libraries/) lets leakguard check it.",
        subject=event.op, provenance=provenance_of(graph, event.out, 4),
    )]
