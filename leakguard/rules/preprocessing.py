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
from leakguard.rules._modelling import (
    PREDICTORS,
    holdout_exists,
    label_statistic,
    origins,
    protected,
    row_lineage,
    split_names,
    steps,
    target_name,
    written,
)
from leakguard.rules._text import at, class_name, clip

ID = "preprocessing"

_PART_WORDS = {"holdout": "rows held out for testing", "future": "rows after the cutoff"}


def check(graph: LineageGraph, event: Event) -> list[Finding]:
    """A warning at a model fit (or cross-validation) whose data carries statistics of rows it must not see."""
    if isinstance(event, Fit) and event.learner in PREDICTORS:
        return _at_fit(graph, event)
    if isinstance(event, Fit) and event.learner == "transformer" and event.learns:
        return _fit_on_test_rows(graph, event)
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
            if label_statistic(graph, origin) or origin.id == data.id:
                continue  # a statistic of the label: the target rule's
            found.append(_finding(graph, event, data, (origin, path), part))
            break
        if found:
            break
    return found


def _fit_on_test_rows(graph: LineageGraph, event: Fit) -> list[Finding]:
    """``X_test = scaler.fit_transform(X_test)``: a step fit on the test rows alone transforms them with their own statistics."""
    data = graph.get(event.data)
    if data is None or not data.rows.known or not data.rows.has("holdout") or data.rows.has("train") \
            or not (holdout_exists(graph) or graph.inferred.holdout):
        return []
    est = class_name(event.estimator)
    train, test = split_names(graph, event.data)
    title = f"{est} fit on {clip(data.name, 24)}, the test rows ({at(event.where)})"
    detail = (f"The test rows are transformed with statistics learned from themselves, which new rows in production "
              f"never come with; the test score no longer says how {est} with training statistics performs.")
    hint = (f"fit {est} on the training part and only transform the test part: "
            f"`step = {event.estimator}.fit({train})`, then `step.transform({test})`.")
    return [Finding(ID, "warning", event.where, title, detail, hint=hint, subject=data.name,
                    provenance=steps(graph, [data]))]


def _statistic(graph: LineageGraph, origin: Node) -> tuple[str, Node | None]:
    """What learned the statistic (``StandardScaler fit`` or ``df['x'].mean()``) and the rows it was learned on."""
    fit = graph.fits.get(origin.id)
    if fit is not None:
        return f"{class_name(fit.estimator)} fit", graph.get(fit.data)
    over = [graph.nodes[i] for i in origin.inputs if i in graph.nodes and holds_rows(graph.nodes[i])]
    return clip(written(graph, origin), 40), (over[0] if over else None)


def _finding(graph: LineageGraph, event: Fit, data: Node, cause: tuple[Node, list[Node]], part: str) -> Finding:
    origin, path = cause
    stat, over = _statistic(graph, origin)
    if part == "future":
        when = "with rows after the cutoff"
    elif over is not None and over.rows.known and over.rows.has("train") and over.rows.has("holdout"):
        when = "before the split"
    else:
        when = "with test rows"
    # a fitted step names the rows it was fit on; a hand-written statistic's own text already does
    on = f" on {clip(over.name, 24)}" if over is not None and origin.id in graph.fits else " computed"
    title = f"{stat}{on} {when} ({at(origin.where)})"
    detail = (f"{class_name(event.estimator)} is trained on {data.name} ({at(event.where)}), whose values use "
              f"statistics learned from {_PART_WORDS[part]}: they shaped the training data, so the test score "
              "is optimistic.")
    return Finding(ID, "warning", event.where, title, detail, hint=_hint(graph, event, origin), subject=origin.name,
                   provenance=steps(graph, path))


def _hint(graph: LineageGraph, event: Fit, origin: Node) -> str:
    train, test = split_names(graph, event.data)
    y = target_name(graph, event.target)
    fit = graph.fits.get(origin.id)
    if fit is not None:
        est = class_name(fit.estimator)
        var = est.lower() if est.isidentifier() else "step"
        return (f"fit {est} on the training part only: `{var} = {fit.estimator}.fit({train})`, then "
                f"`{var}.transform({train})` and `{var}.transform({test})`; or put it in a pipeline: "
                f"`make_pipeline({fit.estimator}, model).fit({train}, {y})`.")
    return (f"compute the statistic on the training part and apply it to both parts, e.g. "
            f"`fill = {train}['x'].mean()`, then `{train}['x'] = {train}['x'].fillna(fill)` and "
            f"`{test}['x'] = {test}['x'].fillna(fill)`.")


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
        # over those rows, or over a column of them (``df["x"].mean()`` filled back into ``df``)
        computed_over = [i for i in node.inputs if i in rows or rows.keys() & row_lineage(graph, i).keys()]
        if not computed_over:
            continue
        over = graph.nodes[computed_over[0]]
        stat = f"{class_name(fit.estimator)} fit" if fit is not None else clip(written(graph, node), 40)
        title = f"{stat} on all of {clip(over.name, 24)} before cross-validation ({at(node.where)})"
        detail = (f"{event.op} validates on folds of {data.name}, but the statistic was learned from every fold "
                  "first, so each validation fold shaped the training folds' features.")
        est = fit.estimator if fit is not None else "the step"
        hint = (f"move {est} into the estimator, so it is fit inside each fold: "
                f"`cross_val_score(make_pipeline({est}, model), X, y)`.")
        return [Finding(ID, "warning", event.where, title, detail, hint=hint, subject=node.name,
                        provenance=steps(graph, [node, data]))]
    return []
