"""preprocessing: statistics learned from rows that include the holdout reach the model.

A scaler, imputer, encoder, selector, decomposition or a hand-written statistic
(``fillna(df.x.mean())``, ``qcut``, ``get_dummies``) computed over all rows, before the
split, puts information from the test rows into the training rows. The leak becomes real
when a model is trained on those values (the finding fires at that fit, blaming the
statistic), or when cross-validation scores data whose statistics already saw every fold.
"""

from __future__ import annotations

from leakguard.finding import Finding
from leakguard.lineage.events import Evaluate, Event, Fit
from leakguard.lineage.graph import LABEL, LineageGraph, Node, holds_rows
from leakguard.rules._modelling import PREDICTORS, SAFE_MODE_NOTE, origins, protected, row_lineage, steps, what

ID = "preprocessing"

_PART_WORDS = {"holdout": "rows held out for testing", "future": "rows after the cutoff"}


def check(graph: LineageGraph, event: Event) -> list[Finding]:
    """A warning at a model fit (or cross-validation) whose data carries statistics of rows it must not see."""
    if isinstance(event, Fit) and event.learner in PREDICTORS:
        return _at_fit(graph, event)
    if isinstance(event, Evaluate) and event.kind in ("cross-validate", "search"):
        return _at_cross_validation(graph, event)
    return []


def _at_fit(graph: LineageGraph, event: Fit) -> list[Finding]:
    data = graph.get(event.data)
    if data is None or not data.rows.known:
        return []
    found: list[Finding] = []
    for part, taint in zip(("holdout", "future"), protected(graph), strict=False):
        if data.rows.has(part):
            continue  # trained on those rows outright: overlap / temporal judge that
        for origin, path in origins(graph, data.id, taint):
            if LABEL in origin.taint or origin.id == data.id:
                continue  # a statistic of the label: the target rule's
            found.append(_finding(graph, event, data, (origin, path), part))
            break
        if found:
            break
    return found


def _finding(graph: LineageGraph, event: Fit, data: Node, cause: tuple[Node, list[Node]], part: str) -> Finding:
    origin, path = cause
    message = (f"{event.estimator} is trained on {data.name}, whose values use statistics learned from "
               f"{_PART_WORDS[part]}: {what(origin)}. The test rows shaped the training data, so the test "
               "score is optimistic.")
    return Finding(ID, "warning", event.where, message, hint=_hint(graph, origin), subject=origin.name,
                   provenance=steps(graph, path))


def _hint(graph: LineageGraph, origin: Node) -> str:
    fit = graph.fits.get(origin.id)
    if fit is not None:
        est = fit.estimator.split("(", 1)[0]
        return (f"fit {est} on the training part only (`{est.lower()} = {fit.estimator}.fit(X_train)`, then "
                f"`{est.lower()}.transform(X_train)` and `.transform(X_test)`), or put it in a pipeline: "
                f"`make_pipeline({fit.estimator}, model).fit(X_train, y_train)`; {SAFE_MODE_NOTE}.")
    return ("compute the statistic on the training part and apply it to both parts, e.g. "
            "`fill = train['x'].mean()`, then `train['x'] = train['x'].fillna(fill)` and "
            f"`test['x'] = test['x'].fillna(fill)`; {SAFE_MODE_NOTE}.")


def _at_cross_validation(graph: LineageGraph, event: Evaluate) -> list[Finding]:
    """A statistic fit on the very rows cross-validation later splits into folds saw every validation fold."""
    data = graph.get(event.data)
    if data is None:
        return []
    rows = row_lineage(graph, data.id)
    for node in graph.ancestors(data.id):
        if holds_rows(node) or node.id in rows or LABEL in node.taint:
            continue
        fit = graph.fits.get(node.id)
        if fit is not None and (not fit.learns or fit.learner in PREDICTORS):
            continue
        computed_over = [i for i in node.inputs if i in rows]
        if not computed_over:
            continue
        over = graph.nodes[computed_over[0]]
        message = (f"{event.op} validates on folds of {data.name}, but {what(node)} was computed over "
                   f"all of {over.name} first, so every validation fold shaped the training folds' features.")
        est = fit.estimator if fit is not None else "the step"
        hint = (f"move {est} into the estimator: `cross_val_score(make_pipeline({est}, model), X, y)` "
                f"fits it inside each fold; {SAFE_MODE_NOTE}.")
        return [Finding(ID, "warning", event.where, message, hint=hint, subject=node.name,
                        provenance=steps(graph, [node, data]))]
    return []
