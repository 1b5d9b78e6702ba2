"""multi-test: the test set used to choose.

Every real evaluation on holdout rows is counted per notebook. One final evaluation (with
as many metrics as you like) is fine. The finding is a choice made with the test set:
a second candidate (another model, hyperparameters, feature set) scored on it, the same
model scored again and again from one line (a threshold or tuning loop), predictions cut at a
threshold read off its ROC or precision-recall curve (the one that maximises F1), early stopping or ``validation_data`` on it, or a search whose folds include it.

The candidates finding counts every distinct candidate scored so far, so it is cumulative
(``registry.Rule.cumulative``): a later report from the same line replaces the earlier one
and a loop over four models says four, not two.
"""

from __future__ import annotations

from leakguard.finding import Finding, provenance_of
from leakguard.lineage.events import Evaluate, Event
from leakguard.lineage.graph import LineageGraph
from leakguard.rules._modelling import candidate, fit_of, on_holdout, split_names
from leakguard.rules._text import at, clip, listed

ID = "multi-test"


def _use_validation(train: str, y: str) -> str:
    return (f"choose on a validation split of the training part (`X_fit, X_val, y_fit, y_val = "
            f"train_test_split({train}, {y})`) or by cross-validation on it "
            f"(`GridSearchCV(model, grid).fit({train}, {y})`), then score the one chosen model on the test set once")


def check(graph: LineageGraph, event: Event) -> list[Finding]:
    """A warning when the holdout scores a second candidate, a tuning loop, early stopping or a search."""
    if not isinstance(event, Evaluate) or not on_holdout(graph, event):
        return []
    data = graph.get(event.data)
    name = data.name if data is not None else "the test set"
    short = clip(name, 24)
    prov = provenance_of(graph, event.data, 6)
    train, _test = split_names(graph, event.data)
    y = split_names(graph, event.target, ("y_train", "y_test"))[0] if event.target else "y_train"
    if event.kind == "validation":
        return [Finding(
            ID, "warning", event.where, f"{clip(event.op, 40)} monitors {short}, which holds test rows",
            "Early stopping and epoch or round choices then follow the test score, so it no longer estimates "
            "performance on new rows.",
            hint=f"pass a validation split of the training part instead: {_use_validation(train, y)}.",
            subject=name, provenance=prov,
        )]
    if event.kind == "search":
        return [Finding(
            ID, "warning", event.where, f"{clip(event.op, 40)} tunes on folds of {short}, which holds test rows",
            "The hyperparameters are chosen by scores on test rows: the choice is made with the test set.",
            hint=f"search on the training part only: `search.fit({train}, {y})`.",
            subject=name, provenance=prov,
        )]
    earlier = [e for e in graph.evaluations if e is not event and e.kind in ("score", "cross-validate")
               and on_holdout(graph, e)]
    chooser = _chosen_by(graph, event, earlier)
    if chooser is not None:
        return [Finding(
            ID, "warning", event.where,
            f"{clip(event.op, 28)} on {short} at a threshold read off its {clip(chooser.op, 28)} ({at(chooser.where)})",
            f"The predictions scored here were cut at a threshold taken from {chooser.op} on the same test set "
            f"({chooser.where.short()}), which scored every threshold: the best one was chosen with the test set, "
            "and this score of it is optimistic.",
            hint=f"read the threshold off a validation split or out-of-fold predictions of the training part "
                 f"instead: {_use_validation(train, y)}.",
            subject=name, provenance=prov,
        )]
    mine = candidate(graph, event)
    model = mine.split(" on [")[0]
    if _repeated_here(graph, event, earlier, mine):
        return [Finding(
            ID, "warning", event.where, f"{clip(event.op, 28)} on {short} scored in a loop ({at(event.where)})",
            f"{_what_is_scored(graph, event)} scored on the test set again and again from one line (thresholds "
            "or settings): whatever is kept is chosen with the test set.",
            hint=f"tune on a validation split or by cross-validation instead: {_use_validation(train, y)}.",
            subject=name, provenance=prov,
        )]
    others: dict[str, Evaluate] = {}
    for e in earlier:
        key = candidate(graph, e)
        if key != mine:
            others.setdefault(key, e)
    if not others:
        return []
    n = len(others) + 1
    before = [f"{k.split(' on [')[0]} ({e.where.short()})" for k, e in others.items()]
    return [Finding(
        ID, "warning", event.where, f"the test set {short} has scored {n} candidates ({at(event.where)})",
        f"The latest is {model}; before it {listed(before)}. Choosing between them by this score makes the "
        "winner's test score optimistic.",
        hint=f"{_use_validation(train, y)}.", subject=name, provenance=prov,
    )]


def _chosen_by(graph: LineageGraph, event: Evaluate, earlier: list[Evaluate]) -> Evaluate | None:
    """The earlier curve of the test set (``Evaluate.sweeps``) the scored predictions were made from, if any.

    ``best = thr[np.argmax(f1)]`` after ``precision_recall_curve(y_test, proba)``, then
    ``f1_score(y_test, proba >= best)``: the predictions derive from the curve's result (a node whose
    operation is that evaluation's and whose inputs hold the labels it scored). Only curves: a plain score
    among the ancestors may be the engine's over-approximation (a loop's names derive from all it reads).
    """
    if event.predictions is None or not earlier:
        return None
    results = {(e.op, e.target): e for e in earlier if e.sweeps and e.target is not None}
    if not results:
        return None
    for node in graph.ancestors(event.predictions):
        for target in node.inputs:
            found = results.get((node.op, target))
            if found is not None:
                return found
    return None


def _what_is_scored(graph: LineageGraph, event: Evaluate) -> str:
    found = fit_of(graph, event.model)
    return f"The same model ({found[1].estimator}) is" if found is not None else "The same predictions are"


def _repeated_here(graph: LineageGraph, event: Evaluate, earlier: list[Evaluate], mine: str) -> bool:
    """True when the same line of the same cell run already scored this candidate with this op (a loop).

    Not when the engine tells the label rows apart and they differ: one model's scores per group or per
    bootstrap sample of the test set (``accuracy_score(y_test[mask], pred[mask])`` in a loop) describe it.
    """
    w = event.where
    return w.line is not None and any(
        e.op == event.op and e.where.cell == w.cell and e.where.execution_count == w.execution_count
        and e.where.line == w.line and candidate(graph, e) == mine and not _other_rows(e, event) for e in earlier)


def _other_rows(a: Evaluate, b: Evaluate) -> bool:
    """True when the engine knows the two evaluations scored different label rows."""
    return a.labels is not None and b.labels is not None and a.labels != b.labels
