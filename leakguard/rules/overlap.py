"""overlap: the same rows on both sides of the split.

A model trained on rows it is then tested on (trained on all data and tested on a subset,
test rows concatenated back into train), rows resampled or augmented before the split
(copies or synthetic neighbours of a test row in the training rows), duplicates across
the split (found by row identity or content), and a training score presented as a test
score. The finding fires at the evaluation: that is where the inflated score is made.
"""

from __future__ import annotations

from leakguard.finding import Finding, provenance_of
from leakguard.libraries.numpy.catalog import ROW_REPEATS, ROW_STACKS
from leakguard.libraries.sklearn.catalog import GROUP_SPLITTERS, RANDOM_SPLITS
from leakguard.lineage.events import Evaluate, Event, Where
from leakguard.lineage.graph import LineageGraph, Node
from leakguard.rules._modelling import fit_of, holdout_exists, row_lineage, same_rows, steps
from leakguard.rules._text import at, class_name, clip

ID = "overlap"

# steps that copy rows by hand (a stack holding a piece twice, repeated rows), named apart from resampling
_COPYING = frozenset({"copies", *ROW_STACKS, *ROW_REPEATS})
_SPLIT_FIRST = ("split first and fit on the training part only: "
                "`X_train, X_test, y_train, y_test = train_test_split(X, y)`, `model.fit(X_train, y_train)`, "
                "`model.score(X_test, y_test)`")


def check(graph: LineageGraph, event: Event) -> list[Finding]:
    """An error when an evaluation scores rows the model was trained on (or copies of them)."""
    if not isinstance(event, Evaluate):
        return []
    if event.kind in ("cross-validate", "search"):
        return _resampled_before_cv(graph, event)
    data = graph.get(event.data)
    found = fit_of(graph, event.model)
    if data is None or found is None:
        return []
    model, fit = found
    train = graph.get(fit.data)
    if train is None:
        return []
    subject = data.name
    est, scored, trained = class_name(fit.estimator), clip(data.name, 24), clip(train.name, 24)
    if same_rows(graph, train.id, data.id):
        if data.rows.known and data.rows.has("holdout") and holdout_exists(graph):
            return [Finding(
                ID, "error", event.where, f"{est} scored on {scored}, rows it was trained on ({trained})",
                f"{fit.estimator} was trained on {train.name}, which holds the rows of {data.name}: the test rows "
                "were trained on, so the score says nothing about new rows.",
                hint=f"{_SPLIT_FIRST}.", subject=subject,
                provenance=steps(graph, [train, model]) + provenance_of(graph, data.id, 4),
            )]
        if not holdout_exists(graph):
            return [Finding(
                ID, "warning", event.where, f"{est} scored on {scored}, the rows it was trained on",
                "No rows are held out: this is a training score, not an estimate of how the model does on new "
                "rows.",
                hint=f"hold rows out before fitting and score on them: {_SPLIT_FIRST}.",
                subject=subject, provenance=steps(graph, [train, model]),
            )]
        return []  # a training score next to a real test set: fine
    origin = _synthetic_origin(graph, data) if data.synthetic else None
    if origin is not None and (origin.id == train.id or any(a.id == origin.id for a in graph.ancestors(train.id))):
        # the training rows come from the same resampling (a separate test file resampled alone copies no
        # training row into it)
        how = "rows copied" if any(step in _COPYING for step in origin.op.split("→")) else "resampled"
        return [Finding(
            ID, "error", event.where, f"{est} scored on {scored}, {how} before the split ({at(origin.where)})",
            f"The rows of {data.name} come from data resampled or augmented before the split ({origin.op}, "
            f"{origin.where.short()}): copies or synthetic neighbours of the test rows are in the training rows.",
            hint=("split first, then resample the training part only "
                  "(`X_res, y_res = sampler.fit_resample(X_train, y_train)`), or use "
                  "`imblearn.pipeline.make_pipeline(sampler, model)`."),
            subject=subject, provenance=provenance_of(graph, data.id, 8),
        )]
    if train.rows.known and train.rows.has("holdout") and _test_rows_only(data) and holdout_exists(graph):
        return [Finding(
            ID, "error", event.where, f"{est} trained on {trained}, which includes the test rows of {scored}",
            f"{fit.estimator} was trained on rows that include the holdout and is now scored on holdout rows "
            f"({data.name}): the test rows were trained on.",
            hint=f"{_SPLIT_FIRST}.", subject=subject,
            provenance=steps(graph, [train, model]),
        )]
    if event.shared_rows:
        return [Finding(
            ID, "error", event.where, f"{event.shared_rows:,} rows of {scored} are also training rows ({trained})",
            f"{fit.estimator} is scored on rows that are among its training rows too, by row identity or "
            "identical content: copies across the split.",
            hint=("drop duplicates before splitting (`df = df.drop_duplicates()`), or split by entity "
                  "(`GroupShuffleSplit(...).split(X, y, groups=df['customer_id'])`) so a row and its copy stay "
                  "on one side."),
            subject=subject, provenance=steps(graph, [train, model]) + provenance_of(graph, data.id, 4),
        )]
    return _shared_entities(graph, event, train, data, est)


def _shared_entities(graph: LineageGraph, event: Evaluate, train: Node, data: Node, est: str) -> list[Finding]:
    """Rows of one entity (a customer, a patient) on both sides of a random split: measured, or seen in the code."""
    scored = clip(data.name, 24)
    hint = (f"split by entity: `GroupShuffleSplit(test_size=0.2).split(X, y, groups=df[{{col!r}}])` "
            f"(or {', '.join(f'`{c}`' for c in GROUP_SPLITTERS[1:3])} for folds), so each entity's rows stay on "
            "one side.")
    if event.shared_groups is not None:
        col, count = event.shared_groups
        if count <= 0:
            return []
        return [Finding(
            ID, "error", event.where, f"{count:,} {col} values are on both sides of the split ({est} on {scored})",
            f"The split drew rows at random, but rows of one {col} belong together: {count:,} {col} values have "
            f"rows among the training rows ({train.name}) and among the test rows ({data.name}). The model can "
            "recognise the entity instead of predicting for a new one.",
            hint=hint.format(col=col), subject=data.name, provenance=steps(graph, [train]) +
            provenance_of(graph, data.id, 4),
        )]
    found = _random_split_parent(graph, train, data)
    if found is None:
        return []
    parent, where = found
    for guess in graph.inferred.group:
        # the entity column among the split rows' sources (or a source whose columns are not known)
        if any(n.columns is None or guess.value in n.columns for n in row_lineage(graph, parent.id).values()):
            return [Finding(
                ID, "warning", event.where, f"{est} scored on {scored}, a random split of rows sharing {guess.value}",
                f"{parent.name} holds several rows per {guess.value} ({guess.origin}), and the split at "
                f"{at(where)} drew rows at random: the same {guess.value} is likely among the training and the "
                "test rows.",
                hint=hint.format(col=guess.value), subject=data.name, provenance=provenance_of(graph, data.id, 6),
            )]
    return []


def _random_split_parent(graph: LineageGraph, train: Node, data: Node) -> tuple[Node, Where] | None:
    """The parent of the random split (not in time order) ``train`` and ``data`` are the two sides of."""
    train_rows, test_rows = row_lineage(graph, train.id), row_lineage(graph, data.id)
    for split in reversed(graph.splits):
        roles = {p.out: p.role for p in split.parts}
        if any(roles.get(n) == "train" for n in train_rows) and any(roles.get(n) == "holdout" for n in test_rows):
            parent = graph.get(split.parent)
            if split.method not in RANDOM_SPLITS or split.time_ordered or parent is None:
                return None
            return parent, split.where
    return None


def _test_rows_only(node: Node) -> bool:
    """True for a value known to hold held-out rows and no training rows (a test part and what derives from it)."""
    return node.rows.known and node.rows.has("holdout") and not node.rows.has("train")


def _synthetic_origin(graph: LineageGraph, node: Node) -> Node:
    """The resampling step furthest up the rows' lineage (the first node marked synthetic)."""
    marked = [n for n in row_lineage(graph, node.id).values() if n.synthetic]
    return min(marked, key=lambda n: n.seq) if marked else node


def _resampled_before_cv(graph: LineageGraph, event: Evaluate) -> list[Finding]:
    data = graph.get(event.data)
    if data is None or not data.synthetic:
        return []
    origin = _synthetic_origin(graph, data)
    return [Finding(
        ID, "warning", event.where,
        f"{event.op} on {clip(data.name, 24)}, resampled before the folds ({at(origin.where)})",
        f"{data.name} was resampled before cross-validation made its folds ({origin.op}, {origin.where.short()}): "
        "copies or synthetic neighbours of each validation row sit in the training folds.",
        hint=("resample inside each fold: `cross_val_score(imblearn.pipeline.make_pipeline(sampler, model), "
              "X_train, y_train)`."),
        subject=data.name, provenance=provenance_of(graph, data.id, 8),
    )]
