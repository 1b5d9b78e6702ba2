"""temporal: the future in the past (needs a time column in the policy).

A random split of time-ordered rows (the model is tested on rows older than some of its
training rows), training on rows after the cutoff, and features computed with later rows
across the split (backfill, negative shifts, centred windows, rolling or cumulative
computations over rows not in time order). Fires at the fit or the score.
"""

from __future__ import annotations

from leakguard.finding import Finding, provenance_of
from leakguard.lineage.events import Evaluate, Event, Fit
from leakguard.lineage.graph import LOOK_AHEAD, LineageGraph
from leakguard.rules._modelling import (
    PREDICTORS,
    SAFE_MODE_NOTE,
    fit_of,
    on_holdout,
    origins,
    same_rows,
    split_siblings,
    steps,
    what,
)

ID = "temporal"


def check(graph: LineageGraph, event: Event) -> list[Finding]:
    """A warning for training on future rows or look-ahead features, and for testing on older rows than trained on."""
    if not graph.policy.time:
        return []
    if isinstance(event, Fit) and event.learner in PREDICTORS:
        return _at_fit(graph, event)
    if isinstance(event, Evaluate):
        return _at_evaluation(graph, event)
    return []


def _at_fit(graph: LineageGraph, event: Fit) -> list[Finding]:
    policy = graph.policy
    data = graph.get(event.data)
    if data is None:
        return []
    found: list[Finding] = []
    if policy.has_future and data.rows.known and data.rows.has("future"):
        found.append(Finding(
            ID, "warning", event.where,
            f"{event.estimator} is trained on {data.name}, which holds rows after the cutoff {policy.cutoff} "
            f"({policy.time}): in production those rows do not exist yet when the model is trained.",
            hint=(f"keep rows at or before the cutoff (`df = df[df[{policy.time!r}] <= {policy.cutoff!r}]`) or "
                  f"split with `train, test = leakguard.split(df)`, which sets them aside; {SAFE_MODE_NOTE}."),
            subject=data.name, provenance=provenance_of(graph, data.id, 6),
        ))
    for origin, path in origins(graph, data.id, LOOK_AHEAD):
        found.append(Finding(
            ID, "warning", event.where,
            f"{data.name} holds values computed with later rows across the split: {what(origin)}. Each "
            "training row then knows something about rows that come after it, including test rows.",
            hint=(f"sort by time first (`df = df.sort_values({policy.time!r})`) and use only backward-looking "
                  "computations (`rolling(7).mean()` without `center=True`, `shift(1)`, `ffill()`), or compute "
                  f"the feature after the split on each part; {SAFE_MODE_NOTE}."),
            subject=origin.name, provenance=steps(graph, path),
        ))
        break
    return found


def _at_evaluation(graph: LineageGraph, event: Evaluate) -> list[Finding]:
    policy = graph.policy
    data = graph.get(event.data)
    if data is None:
        return []
    if event.kind == "cross-validate" and event.time_ordered is False:
        return [Finding(
            ID, "info", event.where,
            f"{event.op} validates on folds of {data.name} that are not in time order ({policy.time}): each fold "
            "trains on rows newer than the rows it validates on.",
            hint=f"pass `cv=TimeSeriesSplit(n_splits=5)` after sorting by {policy.time}; {SAFE_MODE_NOTE}.",
            subject=data.name, provenance=provenance_of(graph, data.id, 4),
        )]
    if event.kind not in ("score", "validation") or not on_holdout(graph, event):
        return []
    found = fit_of(graph, event.model)
    if found is None:
        return []
    _model, fit = found
    if same_rows(graph, fit.data, data.id) or event.shared_rows:
        return []  # trained on the very rows (or copies): overlap's finding
    ordered = event.time_ordered
    method = "the split"
    if ordered is None:
        sib = split_siblings(graph, fit.data, data.id)
        if sib is not None:
            method, ordered = sib
    if ordered is not False:
        return []
    train = graph.get(fit.data)
    return [Finding(
        ID, "warning", event.where,
        f"{fit.estimator} is tested on {data.name}, but some of its training rows"
        f"{f' ({train.name})' if train else ''} are newer ({policy.time}) than test rows: {method} shuffled "
        "time-ordered rows, so the model learned from the future of what it is tested on.",
        hint=(f"split by time: `train, test = leakguard.split(df)` (the most recent rows are the test set), or "
              f"`train_test_split(X, y, shuffle=False)` after `df.sort_values({policy.time!r})`; {SAFE_MODE_NOTE}."),
        subject=data.name, provenance=provenance_of(graph, data.id, 6),
    )]
