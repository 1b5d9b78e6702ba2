"""temporal: the future in the past (needs a time column: declared in the policy, or inferred).

Without a declared ``time``, the time column is inferred (a column parsed as datetimes that
the rows are sorted by; see ``LineageGraph.time_column``) and the findings that need no
cutoff fire on it: shuffled splits and folds of time-ordered rows, look-ahead features.

A random split of time-ordered rows (the model is tested on rows older than some of its
training rows), training on rows after the cutoff, and features computed with later rows
across the split (backfill, negative shifts, centred windows, rolling or cumulative
computations over rows not in time order). Fires at the fit or the score.
"""

from __future__ import annotations

from leakguard.finding import Finding, provenance_of
from leakguard.lineage.events import Evaluate, Event, Fit
from leakguard.lineage.graph import LOOK_AHEAD, LineageGraph, Node
from leakguard.rules._modelling import (
    PREDICTORS,
    fit_of,
    on_holdout,
    origins,
    same_rows,
    split_siblings,
    steps,
    written,
)
from leakguard.rules._text import at, class_name, clip

ID = "temporal"


def check(graph: LineageGraph, event: Event) -> list[Finding]:
    """A warning for training on future rows or look-ahead features, and for testing on older rows than trained on."""
    if not graph.time_column():
        return []
    if isinstance(event, Fit) and event.learner in PREDICTORS:
        return _at_fit(graph, event)
    if isinstance(event, Evaluate):
        return _at_evaluation(graph, event)
    return []


def _at_fit(graph: LineageGraph, event: Fit) -> list[Finding]:
    policy = graph.policy
    column = graph.time_column()
    data = graph.get(event.data)
    if data is None:
        return []
    found: list[Finding] = []
    if policy.has_future and data.rows.known and data.rows.has("future"):
        found.append(Finding(
            ID, "warning", event.where,
            f"{class_name(event.estimator)} trained on rows of {clip(data.name, 24)} after the cutoff {policy.cutoff}",
            f"{data.name} holds rows whose {policy.time} is after {policy.cutoff}: in production those rows do not "
            "exist yet when the model is trained.",
            hint=(f"keep rows at or before the cutoff (`df = df[df[{policy.time!r}] <= {policy.cutoff!r}]`) or "
                  "split with `train, test = leakguard.split(df)`, which sets them aside."),
            subject=data.name, provenance=provenance_of(graph, data.id, 6),
        ))
    for origin, path in origins(graph, data.id, LOOK_AHEAD):
        found.append(Finding(
            ID, "warning", event.where,
            f"{clip(_feature(graph, origin), 36)} looks ahead across the split ({at(origin.where)})",
            f"{data.name} holds values computed with later rows ({origin.op}, {origin.where.short()}): each "
            "training row then knows something about rows that come after it, including test rows.",
            hint=(f"sort by time first (`df = df.sort_values({column!r})`) and use only backward-looking "
                  "computations (`rolling(7).mean()` without `center=True`, `shift(1)`, `ffill()`), or compute "
                  "the feature after the split on each part."),
            subject=origin.name, provenance=steps(graph, path),
        ))
        break
    return found


def _at_evaluation(graph: LineageGraph, event: Evaluate) -> list[Finding]:
    time, column = _time(graph), graph.time_column()
    data = graph.get(event.data)
    if data is None:
        return []
    if event.kind in ("cross-validate", "search") and event.time_ordered is False:
        # the score (and a search's choice) comes from folds validated on rows older than their training rows
        return [Finding(
            ID, "warning", event.where, f"{event.op} folds of {clip(data.name, 24)} are not in time order",
            f"The folds ignore {time}: each fold trains on rows newer than the rows it validates on, so the "
            "score is measured with the future known.",
            hint=f"pass `cv=TimeSeriesSplit(n_splits=5)` after `df.sort_values({column!r})`.",
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
        f"{class_name(fit.estimator)} tested on {clip(data.name, 24)}, older than some training rows",
        f"Some of its training rows{f' ({train.name})' if train else ''} are newer ({time}) than test rows: "
        f"{method} shuffled time-ordered rows, so the model learned from the future of what it is tested on.",
        hint=("split by time: `train, test = leakguard.split(df)` (the most recent rows are the test set), or "
              f"`train_test_split(X, y, shuffle=False)` after `df.sort_values({column!r})`."),
        subject=data.name, provenance=provenance_of(graph, data.id, 6),
    )]


def _feature(graph: LineageGraph, origin: Node) -> str:
    """The look-ahead feature as the user wrote it: the assigned column of a frame, or the expression."""
    name = written(graph, origin)
    return f"column {origin.assigned} of {name}" if origin.assigned is not None and origin.assigned not in name else name


def _time(graph: LineageGraph) -> str:
    """The time column, marked ``(inferred)`` when the policy did not declare it."""
    time = graph.time_column() or "?"
    return time if graph.policy.time else f"{time} (inferred)"
