"""multi-test: the test set used to choose.

Every real evaluation on holdout rows is counted per notebook. One final evaluation (with
as many metrics as you like) is fine. The finding is a choice made with the test set:
a second candidate (another model, hyperparameters, feature set) scored on it, the same
model scored again and again from one line (a threshold or tuning loop), early stopping
or ``validation_data`` on it, or a search whose folds include it.
"""

from __future__ import annotations

from leakguard.finding import Finding, provenance_of
from leakguard.lineage.events import Evaluate, Event
from leakguard.lineage.graph import LineageGraph
from leakguard.rules._modelling import SAFE_MODE_NOTE, candidate, on_holdout

ID = "multi-test"

_USE_VALIDATION = ("choose on a validation split of the training part (`X_fit, X_val, y_fit, y_val = "
                   "train_test_split(X_train, y_train)`) or with cross-validation on the training part "
                   "(`GridSearchCV(model, grid).fit(X_train, y_train)`), then score the one chosen model on "
                   "the test set once")


def check(graph: LineageGraph, event: Event) -> list[Finding]:
    """A warning when the holdout scores a second candidate, a tuning loop, early stopping or a search."""
    if not isinstance(event, Evaluate) or not on_holdout(graph, event):
        return []
    data = graph.get(event.data)
    name = data.name if data is not None else "the test set"
    prov = provenance_of(graph, event.data, 6)
    if event.kind == "validation":
        return [Finding(
            ID, "warning", event.where,
            f"{event.op} monitors {name}, which holds test rows: early stopping and epoch or round choices then "
            "follow the test score, so it no longer estimates performance on new rows.",
            hint=f"pass a validation split of the training part instead ({_USE_VALIDATION}); {SAFE_MODE_NOTE}.",
            subject=name, provenance=prov,
        )]
    if event.kind == "search":
        return [Finding(
            ID, "warning", event.where,
            f"{event.op} chooses hyperparameters by scores on folds of {name}, which holds test rows: the "
            "choice is made with the test set.",
            hint=f"search on the training part only: `search.fit(X_train, y_train)`; {SAFE_MODE_NOTE}.",
            subject=name, provenance=prov,
        )]
    earlier = [e for e in graph.evaluations if e is not event and e.kind in ("score", "cross-validate")
               and on_holdout(graph, e)]
    mine = candidate(graph, event)
    if _repeated_here(graph, event, earlier, mine):
        return [Finding(
            ID, "warning", event.where,
            f"{event.op} scores {mine.split(' on [')[0]} on {name} again and again from one line (a loop over "
            "thresholds or settings): whatever is kept is chosen with the test set.",
            hint=f"tune on a validation split or by cross-validation instead ({_USE_VALIDATION}); {SAFE_MODE_NOTE}.",
            subject=name, provenance=prov,
        )]
    others: dict[str, Evaluate] = {}
    for e in earlier:
        key = candidate(graph, e)
        if key != mine:
            others.setdefault(key, e)
    if not others:
        return []
    listed = "; ".join(f"{k.split(' on [')[0]} ({e.where.short()})" for k, e in list(others.items())[:3])
    return [Finding(
        ID, "warning", event.where,
        f"the test set ({name}) has now scored {len(others) + 1} candidates: {mine.split(' on [')[0]}, and before "
        f"it {listed}. Choosing between them by this score makes the test score of the winner optimistic.",
        hint=f"{_USE_VALIDATION}; {SAFE_MODE_NOTE}.", subject=name, provenance=prov,
    )]


def _repeated_here(graph: LineageGraph, event: Evaluate, earlier: list[Evaluate], mine: str) -> bool:
    """True when the same line of the same cell run already scored this candidate with this op (a loop)."""
    w = event.where
    return w.line is not None and any(
        e.op == event.op and e.where.cell == w.cell and e.where.execution_count == w.execution_count
        and e.where.line == w.line and candidate(graph, e) == mine for e in earlier)
