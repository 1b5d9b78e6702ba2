"""Spark ML: ``Estimator.fit`` → ``Fit``, ``Transformer.transform`` → rows carrying the fitted state, ``Evaluator.evaluate`` → ``Evaluate``.

The same events as scikit-learn (``leakguard/kernel/modelling.py``), so the same rules
judge them. The role comes from the estimator: a feature estimator
(``pyspark.ml.feature``: StandardScaler, StringIndexer, Imputer, PCA...) learns a
transformer's statistics; anything else that fits is a model, whose target is its
``labelCol``; ``CrossValidator`` / ``TrainValidationSplit`` search; a ``Pipeline`` is a
model when a stage is one (its feature stages learn from the same rows). The data a fit
learns from is the columns it reads (``featuresCol``, ``inputCol(s)``), so the label
column beside them in the DataFrame is not taken for a feature. Nothing here starts a job.
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, Any

from leakguard.kernel.calls import mark_handled
from leakguard.kernel.wrapping import Plan
from leakguard.libraries.spark import frames as sf
from leakguard.lineage.events import Derive, Evaluate, Event, Fit, NodeId

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.libraries.api import Api
    from leakguard.lineage.graph import Node

_MAX_NAME = 80



def _emit(s: Session, event: Event) -> None:
    from leakguard.kernel.modelling import SAFE_NOTE

    new = s.recorder.record(event)
    if new and s.policy.mode == "safe" and any(f.severity != "info" for f in new):
        s.note(SAFE_NOTE)


def _param(obj: Any, name: str) -> Any:
    """The value of Spark ML param ``name`` (set or default), None when the object has no such param."""
    try:
        if obj.hasParam(name) and obj.isDefined(name):
            return obj.getOrDefault(name)
    except Exception:
        return None
    return None


def _stages(est: Any) -> list[Any]:
    if type(est).__name__ in ("Pipeline", "PipelineModel"):
        try:
            stages = est.getStages() if type(est).__name__ == "Pipeline" else est.stages
        except Exception:
            return []
        return list(stages or [])
    return []


def _is_feature(obj: Any) -> bool:
    return type(obj).__module__.startswith("pyspark.ml.feature")


def _is_estimator(obj: Any) -> bool:
    from pyspark.ml.base import Estimator

    return isinstance(obj, Estimator)


def role(est: Any) -> tuple[str, bool, Any]:
    """``(learner, learns from rows, the predictor whose labelCol is the target or None)``."""
    module = type(est).__module__
    if module.startswith("pyspark.ml.tuning"):
        inner = _param(est, "estimator")
        found = role(inner)[2] if inner is not None else None
        return "search", True, found
    stages = _stages(est)
    if stages:
        models = [st for st in stages if _is_estimator(st) and not _is_feature(st) and _stages(st) == []]
        if models:
            return "model", True, models[-1]
        return "transformer", any(_is_estimator(st) for st in stages), None
    if _is_feature(est):
        return "transformer", True, est if _param(est, "labelCol") is not None else None
    return "model", True, est if _param(est, "labelCol") is not None else None


def _inputs(est: Any) -> tuple[str, ...]:
    """The columns a stage reads: featuresCol, inputCol or inputCols."""
    for name in ("inputCols", "inputCol", "featuresCol"):
        value = _param(est, name)
        if isinstance(value, str):
            return (value,)
        if isinstance(value, (list, tuple)) and value:
            return tuple(str(v) for v in value)
    return ()


def spark_name(est: Any) -> str:
    """``StandardScaler(inputCol='features', outputCol='scaled')``: the class and the params set on it."""
    stages = _stages(est)
    if stages:
        text = f"{type(est).__name__}({', '.join(type(st).__name__ for st in stages)})"
    else:
        try:
            params = ", ".join(f"{p.name}={v!r}" for p, v in est._paramMap.items())
        except Exception:
            params = ""
        text = f"{type(est).__name__}({params})"
    return text if len(text) <= _MAX_NAME else text[: _MAX_NAME - 1] + "…"


def _select(s: Session, data: Node, columns: tuple[str, ...], frame: types.FrameType | None, what: str) -> Node:
    """A node of ``columns`` of ``data``'s rows (the features a stage reads, a label column)."""
    if not columns or data.columns is None or not all(c in data.columns for c in columns):
        return data
    node = s.recorder.value(Derive(s.graph.new_id(), (data.id,), f"select {what}", f"{data.name}[{', '.join(columns)}]",
                                   s.where(frame), rows="same", columns=columns, kind="frame"))
    assert node is not None
    return node


def _features(est: Any, learner: str, predictor: Any, data: Node, labels: frozenset[str]) -> tuple[str, ...]:
    if _stages(est) or learner == "search":
        return tuple(c for c in data.columns or () if c not in labels)
    return _inputs(est)


def _dataset(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return args[1] if len(args) > 1 else kwargs.get("dataset")


def before_fit(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    est, dataset = args[0], _dataset(args, kwargs)
    frame = s.cell_frame()
    if frame is None or not sf.is_row_data(dataset):
        return None
    mark_handled(s, frame)
    data = s.node_of(dataset, frame=frame)
    learner, learns, predictor = role(est)
    label = _param(predictor, "labelCol") if predictor is not None else None
    labels = frozenset(s.policy.label) | ({label} if isinstance(label, str) else set())
    features = _select(s, data, _features(est, learner, predictor, data, labels), frame, "features")
    target = _select(s, data, (label,), frame, "label") if isinstance(label, str) else None
    if target is data:
        target = None
    fit_id = s.graph.new_id()
    where = s.where(frame)
    op = f"{type(est).__name__}.fit"
    _emit(s, Fit(fit_id, spark_name(est), features.id, where, target.id if target else None, op=op,
                 learner=learner, learns=learns))
    if learner == "search":
        _emit(s, Evaluate(fit_id, features.id, where, target.id if target else None, op=op, kind="search"))

    def after(result: Any) -> None:
        for model in result if isinstance(result, list) else [result]:
            s.tracker.register(model, fit_id)

    return Plan(after=after)


def _estimator_node(s: Session, est: Any, frame: types.FrameType | None) -> Node:
    nid = s.tracker.node_of(est)
    if nid is not None and nid in s.graph.nodes:
        return s.graph.nodes[nid]
    node = s.recorder.value(Derive(s.graph.new_id(), (), "estimator", spark_name(est), s.where(frame), rows="aggregate",
                                   kind="model"))
    assert node is not None
    s.tracker.register(est, node.id)
    return node


def before_transform(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    est, dataset = args[0], _dataset(args, kwargs)
    frame = s.cell_frame()
    if frame is None or not sf.is_row_data(dataset):
        return None
    mark_handled(s, frame)
    data = s.node_of(dataset, frame=frame)
    model = _estimator_node(s, est, frame)
    out = _param(est, "outputCol")
    reads = _inputs(est)
    op = f"{type(est).__name__}.transform"

    def after(result: Any) -> None:
        columns = sf.columns_of(result)
        if isinstance(out, str) and reads and not _stages(est):  # one new column, computed row by row
            event = Derive(s.graph.new_id(), (data.id, model.id), op, f"<{data.name} ({op})>", s.where(frame),
                           rows="same", columns=columns, column=out, column_inputs=reads)
        else:
            event = Derive(s.graph.new_id(), (model.id, data.id), op, f"<{data.name} ({op})>", s.where(frame),
                           rows="same", columns=columns)
        node = s.recorder.value(event)
        if node is not None:
            s.tracker.register(result, node.id)

    return Plan(after=after)


def before_evaluate(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    evaluator, dataset = args[0], _dataset(args, kwargs)
    frame = s.cell_frame()
    if frame is None or not sf.is_row_data(dataset):
        return None
    mark_handled(s, frame)
    from leakguard.kernel.modelling import model_and_rows

    pred = s.node_of(dataset, frame=frame)
    model_id, rows_id = model_and_rows(s, pred)
    rows = s.graph.nodes[rows_id]
    label = _param(evaluator, "labelCol")
    target = _select(s, rows, (label,), frame, "label") if isinstance(label, str) else None
    op = f"{type(evaluator).__name__}.evaluate"
    _emit(s, Evaluate(model_id, rows_id, s.where(frame), target.id if target is not None and target is not rows
                      else None, op=op))
    inputs: tuple[NodeId, ...] = (pred.id,)

    def after(result: Any) -> None:
        node = s.recorder.value(Derive(s.graph.new_id(), inputs, op, f"{op}({pred.name})", s.where(frame),
                                       rows="aggregate", kind="scalar"))
        if node is not None:
            s.remember_result(result, node.id)

    return Plan(after=after)


BEFORE = {
    "fit": before_fit,
    "transform": before_transform,
    "metric": before_evaluate,
}
