"""What the modelling rules share: the model behind an evaluation, row lineage, where a taint came from.

All of it reads the lineage graph only, so the kernel, the static checker and export
judge a notebook the same way.
"""

from __future__ import annotations

import collections
import re
import weakref
from collections.abc import Callable, Iterable

from leakguard.finding import ProvenanceStep
from leakguard.lineage.domain import NONE
from leakguard.lineage.events import Evaluate, Fit, NodeId
from leakguard.lineage.graph import FUTURE, HOLDOUT, LABEL, LineageGraph, Node, columns_taint, holds_rows
from leakguard.lineage.inference import label_columns

PREDICTORS = ("model", "search")


def holdout_exists(graph: LineageGraph) -> bool:
    """True when some rows are held out for testing: a declared (or inferred) holdout, or a split on record."""
    return graph.policy.holdout.declared or bool(graph.splits)


def protected(graph: LineageGraph) -> tuple[str, ...]:
    """The taints that mean "learned from rows the model must not see": holdout, and future with a cutoff."""
    return (HOLDOUT, FUTURE) if graph.policy.has_future else (HOLDOUT,)


def label_statistic(graph: LineageGraph, node: Node) -> bool:
    """True when ``node`` is a statistic of the label (a target encoding's group means).

    Tainted so when the label was known as it was computed; else (the label inferred later,
    at the first fit) an aggregate whose recorded columns include the label.
    """
    if LABEL in node.taint:
        return True
    return node.rows == NONE and bool(node.columns) and bool(set(node.columns or ()) & set(graph.policy.label))


def fit_of(graph: LineageGraph, node_id: NodeId, learners: Iterable[str] = PREDICTORS) -> tuple[Node, Fit] | None:
    """The fit that made the model ``node_id`` is (or predicts with): the nearest Fit node, itself first."""
    wanted = tuple(learners)
    key = (node_id, wanted)
    if key in graph.fit_memo:
        return graph.fit_memo[key]
    found: tuple[Node, Fit] | None = None
    for node in _self_and_ancestors(graph, node_id):
        fit = graph.fits.get(node.id)
        if fit is not None and fit.learner in wanted:
            found = node, fit
            break
    if node_id in graph.nodes:  # a node not added yet may be added with other inputs
        graph.fit_memo[key] = found
    return found


def _self_and_ancestors(graph: LineageGraph, node_id: NodeId) -> Iterable[Node]:
    node = graph.get(node_id)
    if node is None:
        return
    yield node
    yield from graph.ancestors(node_id)


def row_lineage(graph: LineageGraph, node_id: NodeId) -> dict[NodeId, Node]:
    """The node and every node its rows come from (through row data only, not through aggregates or models)."""
    found: dict[NodeId, Node] = {}
    queue = collections.deque([node_id])
    while queue:
        nid = queue.popleft()
        node = graph.get(nid)
        if node is None or nid in found or (found and not holds_rows(node)):
            continue
        found[nid] = node
        queue.extend(node.inputs)
    return found


def same_rows(graph: LineageGraph, a: NodeId, b: NodeId) -> bool:
    """True when one value's rows are taken from the other's (a subset, the same rows, or a union with them)."""
    if a == b:
        return True
    return a in row_lineage(graph, b) or b in row_lineage(graph, a)


def split_siblings(graph: LineageGraph, train: NodeId, test: NodeId) -> tuple[str, bool | None] | None:
    """``(method, time_ordered)`` of the split whose training part ``train`` and evaluated part ``test`` come from."""
    train_rows, test_rows = row_lineage(graph, train), row_lineage(graph, test)
    for split in reversed(graph.splits):
        roles = {p.out: p.role for p in split.parts}
        if any(roles.get(n) == "train" for n in train_rows) and any(roles.get(n) == "holdout" for n in test_rows):
            return split.method, split.time_ordered
    return None


def origins(graph: LineageGraph, node_id: NodeId, taint: str,
            stop: Callable[[Node], bool] | None = None) -> list[tuple[Node, list[Node]]]:
    """Where ``taint`` on ``node_id`` came from: ``(origin, path)`` pairs, path running origin → ``node_id``.

    An origin carries the taint while none of its inputs do (a statistic over holdout rows,
    a fit). Column assignments are followed column-wise: a taint on a column the value no
    longer holds is not blamed. ``stop``: nodes taken as origins even when their inputs carry the
    taint too (a target encoding over every row of a frame an earlier statistic already tainted).
    """
    start = graph.get(node_id)
    if start is None:
        return []
    cols0 = None if start.columns is None else frozenset(start.columns)
    if taint not in columns_taint(start, _tuple(cols0)):
        return []
    parent: dict[NodeId, NodeId | None] = {start.id: None}
    queue: collections.deque[tuple[Node, frozenset[str] | None]] = collections.deque([(start, cols0)])
    found: list[tuple[Node, list[Node]]] = []
    while queue:
        node, cols = queue.popleft()
        carriers = [(i, c) for i, c in _inputs_with_columns(graph, node, cols)
                    if taint in columns_taint(i, _tuple(c))]
        if not carriers or (stop is not None and node.id != start.id and stop(node)):
            found.append((node, _path(graph, parent, node.id)))
            continue
        for inp, c in carriers:
            if inp.id not in parent:
                parent[inp.id] = node.id
                queue.append((inp, c))
    return found


def _tuple(cols: frozenset[str] | None) -> tuple[str, ...] | None:
    return None if cols is None else tuple(cols)


def _inputs_with_columns(graph: LineageGraph, node: Node, cols: frozenset[str] | None
                         ) -> list[tuple[Node, frozenset[str] | None]]:
    inputs = [graph.nodes[i] for i in node.inputs if i in graph.nodes]
    if node.assigned is not None and inputs and inputs[0].id == node.inputs[0]:
        base, others = inputs[0], inputs[1:]
        a = node.assigned
        if cols is not None and a not in cols:
            return [(base, cols)]
        base_cols = None if cols is None else (cols - {a}) | node.column_sources.get(a, frozenset())
        return [(base, base_cols), *((o, None) for o in others)]
    out: list[tuple[Node, frozenset[str] | None]] = []
    for inp in inputs:
        keep = cols if cols is not None and holds_rows(inp) and holds_rows(node) and inp.columns is not None else None
        if keep is not None and node.column_sources:  # ``city_Leeds`` of get_dummies: computed from ``city``
            keep = keep.union(*(node.column_sources.get(c, frozenset()) for c in keep))
        out.append((inp, keep))
    return out


def _path(graph: LineageGraph, parent: dict[NodeId, NodeId | None], nid: NodeId) -> list[Node]:
    path: list[Node] = []
    cur: NodeId | None = nid
    while cur is not None:
        path.append(graph.nodes[cur])
        cur = parent[cur]
    return path


def steps(graph: LineageGraph, path: list[Node], limit: int = 10) -> tuple[ProvenanceStep, ...]:
    """Provenance steps for a path (origin first), led by what the origin was computed from."""
    nodes = list(path)
    if nodes:
        lead = [graph.nodes[i] for i in nodes[0].inputs if i in graph.nodes and holds_rows(graph.nodes[i])]
        nodes = lead[:1] + nodes
    if len(nodes) > limit:
        nodes = nodes[: limit // 2] + nodes[-(limit - limit // 2):]
    return tuple(ProvenanceStep(n.id, n.name, n.op, n.where, n.rows.name) for n in nodes)


def label_names(graph: LineageGraph, target: NodeId | None) -> frozenset[str]:
    """The label columns: the policy's, plus the target's own column name (inferred)."""
    names = set(graph.policy.label)
    node = graph.get(target)
    if node is not None and node.columns is not None and len(node.columns) == 1:
        # (``y = df["Close"].shift(-1)``: tomorrow's close is the label, today's ``Close`` a feature)
        names.update(label_columns(graph, node.id))
    return frozenset(names)


def evaluated_parts(graph: LineageGraph, event: Evaluate) -> frozenset[str]:
    """The row parts an evaluation scores (its data's and its target's, whichever is known)."""
    parts: set[str] = set()
    for nid in (event.data, event.target):
        node = graph.get(nid)
        if node is not None and node.rows.known:
            parts |= node.rows.parts
    return frozenset(parts)


def on_holdout(graph: LineageGraph, event: Evaluate) -> bool:
    """True when the evaluation scores rows held out for testing."""
    return holdout_exists(graph) and "holdout" in evaluated_parts(graph, event)


def candidate(graph: LineageGraph, event: Evaluate) -> str:
    """What an evaluation scores, for telling candidates apart: the estimator and its feature columns."""
    found = fit_of(graph, event.model)
    if found is not None:
        fit = found[1]
        data = graph.get(fit.data)
        cols = ",".join(data.columns) if data is not None and data.columns is not None else "?"
        return f"{fit.estimator} on [{cols}]"
    model = graph.get(event.model)
    data = graph.get(event.data)
    cols = ",".join(data.columns) if data is not None and data.columns is not None else "?"
    return f"{model.name if model else event.model} on [{cols}]"


def split_names(graph: LineageGraph, node_id: NodeId | None,
                default: tuple[str, str] = ("X_train", "X_test")) -> tuple[str, str]:
    """The names the user gave the train and test parts of the split ``node_id``'s rows come from, for hints.

    ``default`` when no split is on record (or its parts have no name a person wrote).
    """
    rows = row_lineage(graph, node_id) if node_id is not None else {}
    for split in reversed(graph.splits):
        outs = {p.role: p.out for p in split.parts}
        if rows and not any(o in rows for o in outs.values()):
            continue
        train, test = graph.get(outs.get("train")), graph.get(outs.get("holdout"))
        if train is not None and test is not None and train.name.isidentifier() and test.name.isidentifier():
            return train.name, test.name
        if rows:
            break
    return default


def target_name(graph: LineageGraph, target: NodeId | None, default: str = "y_train") -> str:
    """The name of a fit's target as the user wrote it, else ``default``."""
    node = graph.get(target)
    return node.name if node is not None and node.name.isidentifier() else default


_PLACEHOLDER = re.compile(r"<[^<>]*>")


def written(graph: LineageGraph, node: Node) -> str:
    """``node``'s name with engine placeholders (``<Series 609>``) replaced by the nearest name the user wrote."""
    if "<" not in node.name:
        return node.name
    return _PLACEHOLDER.sub(lambda _m: graph.named(node.id), node.name)


def hand_written_score(graph: LineageGraph, value: NodeId) -> tuple[NodeId, NodeId, NodeId] | None:
    """``(model, rows scored, labels)`` when ``value`` sets a model's predictions against labels row by row.

    ``clf.predict(X_te) == y_te`` or ``pred - y_test``: a look at it (its mean, a sum, a count)
    is a score written by hand, an evaluation of the model on the labels' rows, not a look at data.
    """
    node = graph.get(value)
    targets = _FitTargets(graph)
    for _ in range(8):  # through row-wise steps of the comparison: ``(pred - y).abs()``, ``** 2``
        if node is None or not holds_rows(node):
            return None
        found = hand_written_comparison(graph, node, targets)
        if found is not None:
            return found
        inputs = [graph.nodes[i] for i in node.inputs if i in graph.nodes]
        node = inputs[0] if len(inputs) == 1 else None
    return None


def hand_written_comparison(graph: LineageGraph, node: Node, targets: _FitTargets | None = None
                            ) -> tuple[NodeId, NodeId, NodeId] | None:
    """``(model, rows scored, labels)`` when ``node``'s own inputs are a model's predictions and labels."""
    targets = targets if targets is not None else _FitTargets(graph)
    model: NodeId | None = None
    rows: list[Node] = []
    labels: list[Node] = []
    for n in (graph.nodes[i] for i in node.inputs if i in graph.nodes):
        found = fit_of(graph, n.id)
        if found is not None:
            model = found[0].id
            if holds_rows(n):  # a prediction: the rows it was made for are the rows scored
                rows += [graph.nodes[i] for i in n.inputs if i in graph.nodes and holds_rows(graph.nodes[i])
                         and fit_of(graph, i) is None]
        elif holds_rows(n):
            (labels if _labels(graph, n, targets) else rows).append(n)
    if model is None or not labels:
        return None
    return model, (rows or labels)[0].id, labels[0].id


class _FitTargets:
    """The row lineage of every fitted predictor's ``y``, worked out once per question (not once per value
    looked at: a hand-written score is asked about each input of each row-wise step)."""

    def __init__(self, graph: LineageGraph) -> None:
        self._graph = graph
        self._lineages: list[dict[NodeId, Node]] | None = None
        # which values are labels, per node, while the fits, splits and label stay as they are
        stamp = (len(graph.fits), len(graph.splits), tuple(graph.policy.label))
        memo = _LABEL_MEMO.get(graph)
        if memo is None or memo[0] != stamp:
            memo = _LABEL_MEMO[graph] = (stamp, {})
        self.known: dict[NodeId, bool] = memo[1]

    def lineages(self) -> list[dict[NodeId, Node]]:
        if self._lineages is None:
            self._lineages = [row_lineage(self._graph, f.target) for f in self._graph.fits.values()
                              if f.target is not None and f.learner in PREDICTORS]
        return self._lineages


_LABEL_MEMO: weakref.WeakKeyDictionary[LineageGraph, tuple[tuple[object, ...], dict[NodeId, bool]]] = \
    weakref.WeakKeyDictionary()


def _labels(graph: LineageGraph, node: Node, targets: _FitTargets) -> bool:
    """True for label values: the label column(s), or a part of the split that also gave a fit its ``y``."""
    known = targets.known.get(node.id)
    if known is None:
        known = targets.known[node.id] = _labels_of(graph, node, targets)
    return known


def _labels_of(graph: LineageGraph, node: Node, targets: _FitTargets) -> bool:
    label = set(graph.policy.label)
    if node.columns and len(node.columns) <= 3 and label and set(node.columns) <= label:
        return True
    if not graph.splits:
        return False
    mine = row_lineage(graph, node.id)
    for split in graph.splits:
        outs = {p.out for p in split.parts}
        if outs & mine.keys() and any(outs & t.keys() for t in targets.lineages()):
            return True
    return False
