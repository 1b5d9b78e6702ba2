"""target: features that carry the label.

The label left inside ``X``; a column computed from the label row by row
(``df["ratio"] = df["refund"] / df["churned"]``); a target encoding (group means of the
label) computed over rows that include the holdout; a column the engine found to
reproduce the target on its own (an id or a timestamp that encodes the label). The
finding fires at the model fit.
"""

from __future__ import annotations

import re

from leakguard.finding import Finding, provenance_of
from leakguard.libraries.numpy.catalog import TABLE_COPIES
from leakguard.libraries.pandas.catalog import EVERY_COLUMN
from leakguard.lineage.events import Evaluate, Event, Fit, NodeId
from leakguard.lineage.graph import LABEL, LineageGraph, Node
from leakguard.rules._modelling import (
    PREDICTORS,
    label_names,
    label_statistic,
    origins,
    protected,
    split_names,
    steps,
)
from leakguard.rules._text import at, class_name, clip, listed

ID = "target"
# ``StandardScaler.transform``: one estimator applied to one value, column for column (a composite
# such as ``select→transform`` may have dropped columns first, so it is not followed)
_TRANSFORM = re.compile(r"(\w+\.)?(fit_)?transform")
_MAX_STEPS = 12


def check(graph: LineageGraph, event: Event) -> list[Finding]:
    """An error for the label (or a row-wise copy) among the features; a warning for leaky encodings and proxies."""
    fit = _fit_on_folds(graph, event) if isinstance(event, Evaluate) else event
    if not isinstance(fit, Fit) or fit.learner not in PREDICTORS:
        return []
    return _judge(graph, fit)


def _judge(graph: LineageGraph, event: Fit) -> list[Finding]:
    data = graph.get(event.data)
    if data is None:
        return []
    labels = label_names(graph, event.target)
    found: list[Finding] = []
    data = _with_columns(graph, data)
    if data.columns is None and labels:
        inside = _label_kept(graph, data, event.target, labels)
        if inside:
            found.append(_label_inside(graph, event, data, inside))
    if data.columns is not None and labels:
        inside = [c for c in data.columns if c in labels]
        if inside:
            found.append(_label_inside(graph, event, data, inside))
        copies = {c: sorted(data.column_sources[c] & labels) for c in data.columns
                  if c not in labels and data.column_sources.get(c, frozenset()) & labels}
        for col, srcs in list(copies.items())[:3]:
            maker = _assignment_of(graph, data, col)
            found.append(Finding(
                ID, "error", event.where,
                f"feature {clip(col, 24)} is computed from the label {clip(', '.join(srcs), 24)}"
                f"{f' ({at(maker.where)})' if maker else ''}",
                f"{col} of {data.name} is computed row by row from the label"
                f"{f' ({maker.where.short()})' if maker else ''}: at prediction time it does not exist.",
                hint=f"drop {col!r} from the features, or build it only from columns known before the outcome.",
                subject=col, provenance=provenance_of(graph, maker.id if maker else data.id, 6),
            ))
    found.extend(_encodings(graph, event, data))
    if event.label_proxies:
        cols = listed(event.label_proxies, 4)
        found.append(Finding(
            ID, "warning", event.where, f"{clip(cols, 40)} of {clip(data.name, 24)} reproduce the target on their own",
            f"In {data.name} a single threshold on {cols} separates the classes, or the values track the target "
            "exactly: an id, timestamp or outcome field that encodes the label?",
            hint=f"check how {cols} is recorded; if it is assigned after (or because of) the outcome, drop it.",
            subject=event.label_proxies[0], provenance=provenance_of(graph, data.id, 6),
        ))
    return found


def _fit_on_folds(graph: LineageGraph, event: Evaluate) -> Fit | None:
    """``cross_val_score(model, X, y)`` fits a copy of ``model`` on folds of ``X`` with ``y`` and no fit of the
    user's own follows: the fit the rule judges. A fold loop's evaluation of a model the user fitted is not one
    (that fit was judged when it ran)."""
    if event.kind not in ("cross-validate", "search") or event.target is None or event.model in graph.fits:
        return None
    model = graph.get(event.model)
    estimator = class_name(model.name) if model is not None else event.op
    return Fit(event.model, estimator, event.data, event.where, event.target, op=event.op)


def _label_inside(graph: LineageGraph, event: Fit, data: Node, inside: list[str]) -> Finding:
    return Finding(
        ID, "error", event.where,
        f"the label {clip(', '.join(inside), 24)} is a feature of {clip(data.name, 24)} ({at(event.where)})",
        f"{event.estimator} is trained on {data.name}, which holds the label: the model can read the answer.",
        hint=f"drop it from the features: `X = {data.name}.drop(columns={inside!r})`.",
        subject=inside[0], provenance=provenance_of(graph, data.id, 6),
    )


def _label_kept(graph: LineageGraph, data: Node, target: NodeId | None, labels: frozenset[str]) -> list[str]:
    """Columns unknown (a file the static engine did not read): the label read off the very frame the
    features come from (``y = df["churned"]``, ``X = df.drop(columns=ids)``), dropped nowhere between."""
    owner = _column_owner(graph, target, labels)
    if owner is None:
        return []
    frame, label_columns = owner
    dropped: set[str] = set()
    cur = data
    for _ in range(_MAX_STEPS):
        if cur.id == frame:
            return sorted(c for c in label_columns if c not in dropped)
        if cur.dropped:
            dropped.update(cur.dropped)  # named columns dropped (``drop(columns=...)``, ``pop``, ``del``)
        elif _same_columns_input(graph, cur) is None:
            # a selection, a join, a model's output, ``df[key]`` with a key the engine could not read (rows or
            # columns?): which columns it holds is not known
            return []
        first = graph.get(cur.inputs[0]) if cur.inputs else None
        if first is None:
            return []
        cur = first
    return []


def _column_owner(graph: LineageGraph, target: NodeId | None,
                  labels: frozenset[str]) -> tuple[NodeId, tuple[str, ...]] | None:
    """The frame of unknown columns the label column(s) of ``target`` were selected from (through split parts
    and copies), and those columns."""
    cur = graph.get(target)
    for _ in range(_MAX_STEPS):
        if cur is None or cur.columns is None or not set(cur.columns) <= labels or len(cur.inputs) != 1:
            return None
        parent = graph.get(cur.inputs[0])
        if parent is not None and parent.columns is None:
            return (parent.id, cur.columns) if cur.split_role is None else None
        cur = parent
    return None


def _encodings(graph: LineageGraph, event: Fit, data: Node) -> list[Finding]:
    """Target encodings (label statistics) learned over rows the model must not see."""
    for origin, path in _label_statistics(graph, data):
        leaked = [t for t in protected(graph) if t in origin.taint]
        if not leaked or origin.id == data.id:
            continue
        where = "rows held out for testing" if "holdout" in leaked else "rows after the cutoff"
        part = "test rows" if "holdout" in leaked else "rows after the cutoff"
        fit = graph.fits.get(origin.id)
        maker = class_name(fit.estimator) if fit is not None else clip(origin.name, 36)
        train, test = split_names(graph, event.data)
        label = next(iter(sorted(graph.policy.label)), "label")
        return [Finding(
            ID, "warning", event.where, f"target encoding {maker} learned with {part} ({at(origin.where)})",
            f"{data.name} holds statistics of the label computed over {where} ({origin.op}, "
            f"{origin.where.short()}): the test labels are inside the training features.",
            hint=("compute the encoding on the training part and map it onto both parts, e.g. "
                  f"`enc = {train}.groupby('plan')[{label!r}].mean()`, `{train}['plan_te'] = {train}['plan'].map(enc)`, "
                  f"`{test}['plan_te'] = {test}['plan'].map(enc)` (or `TargetEncoder` in a pipeline)."),
            subject=origin.name, provenance=steps(graph, path),
        )]
    return []


def _label_statistics(graph: LineageGraph, data: Node) -> list[tuple[Node, list[Node]]]:
    """Statistics of the label behind ``data``: tainted as such, or found by their columns once the label is known."""
    found = origins(graph, data.id, LABEL)
    for taint in protected(graph):
        found += [(o, p) for o, p in origins(graph, data.id, taint, stop=lambda n: label_statistic(graph, n))
                  if label_statistic(graph, o)]
    return found


def _with_columns(graph: LineageGraph, node: Node) -> Node:
    """The node whose columns ``node`` holds: itself, or what an array of it was made from.

    A scaled or split array (``scaler.transform(X_tr)``, ``X_tr.values``) holds the columns of
    the frame it came from, in order; other derivations (``np.column_stack([df.x, df.z])``)
    say nothing about which columns survive, so the search stops there.
    """
    cur = node
    for _ in range(8):
        if cur.columns is not None:
            return cur
        same = _same_columns_input(graph, cur)
        if same is None:
            return node
        cur = same
    return node


def _same_columns_input(graph: LineageGraph, node: Node) -> Node | None:
    rows = [graph.nodes[i] for i in node.inputs if i in graph.nodes and graph.nodes[i].rows.parts]
    if len(rows) != 1:
        return None
    keeps = (node.split_role is not None or _TRANSFORM.fullmatch(node.op) is not None
             or node.name in (f"{rows[0].name}.values", f"{rows[0].name}.to_numpy()")
             or all(op in EVERY_COLUMN or op in TABLE_COPIES for op in node.op.split("→")))
    return rows[0] if keeps else None


def _assignment_of(graph: LineageGraph, node: Node, column: str) -> Node | None:
    """The column assignment that computed ``column`` (nearest first)."""
    for n in (node, *graph.ancestors(node.id)):
        if n.assigned == column:
            return n
    return None
