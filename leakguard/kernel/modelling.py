"""What happens around modelling calls: fit, transform, predict, score, metrics, cross-validation, resampling.

Each before-function emits its events *before* the library runs (so block mode stops
the fit or the score), then records what the call returned. ``Fit`` says which rows an
estimator learned from; ``Evaluate`` which rows a model is scored on, with row facts the
data proves (copies across the split, time order). Safe mode does not apply here: the
findings say so and their hints show the corrected code.
"""

from __future__ import annotations

import dataclasses
import types
from typing import TYPE_CHECKING, Any

from leakguard.kernel import evidence, folds
from leakguard.kernel import frames as fr
from leakguard.kernel.calls import (
    argument,
    call_node,
    estimator_name,
    estimator_node,
    mark_handled,
    note_made,
    note_prediction,
    register_result,
    value_node,
)
from leakguard.kernel.wrapping import Plan
from leakguard.libraries.sklearn.catalog import LABEL_CODERS, PREDICTION_KEYWORDS, RESAMPLE_REPLACE
from leakguard.lineage.events import Evaluate, Event, Fit, NodeId
from leakguard.lineage.graph import holds_rows
from leakguard.rules._modelling import PREDICTORS, fit_of

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.libraries.api import Api
    from leakguard.lineage.graph import Node

KINDS = ("fit", "fit-transform", "fit-predict", "transform", "predict", "score", "metric", "cross-validate",
         "resample", "transform-function")
SAFE_NOTE = ("safe mode restricts exploration only; modelling findings are reported as in warn mode and their "
             "hints show the corrected code.")
_ROLES = {  # catalog role -> (learner, learns from rows, encodes the target)
    "model": ("model", True, False), "transformer": ("transformer", True, False),
    "stateless": ("transformer", False, False), "target-encoder": ("transformer", True, True),
    "search": ("search", True, False),
}
_PRED_ARGS = PREDICTION_KEYWORDS



def _emit(s: Session, event: Event) -> None:
    new = s.recorder.record(event)
    if new and s.policy.mode == "safe" and any(f.severity != "info" for f in new):
        s.note(SAFE_NOTE)


def _pick(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, names: tuple[str, ...]) -> Any:
    if index < len(args):
        return args[index]
    for name in names:
        if name in kwargs:
            return kwargs[name]
    return None


_BY_CLASS: dict[tuple[str, str], Api] = {}


def class_api(api: Api, est: Any) -> Api:
    """The catalog entry of the estimator's own class for this method.

    A wrapper sits on the class that defines the method, often a base shared by models and
    transformers; the role and options come from the most specific class listed.
    """
    if not _BY_CLASS:
        from leakguard.libraries.registry import all_entries

        for entry in all_entries():
            owner, _, method = entry.qualname.rpartition(".")
            _BY_CLASS.setdefault((owner, method), entry)
    for klass in type(est).__mro__:
        found = _BY_CLASS.get((klass.__name__, api.name))
        if found is not None:
            return found
    return api


def _role(api: Api, est: Any) -> tuple[str, bool, bool]:
    api = class_api(api, est)
    if api.role in _ROLES:
        return _ROLES[api.role]
    if hasattr(est, "predict") or hasattr(est, "predict_proba"):
        return _ROLES["model"]
    return _ROLES["transformer"]


def _where_and_call(s: Session, api: Api) -> tuple[types.FrameType | None, Any]:
    frame = s.cell_frame()
    return frame, call_node(s, frame, api.name)


def _coded_column(est: Any, data: Node) -> tuple[str, ...] | None:
    """``LabelEncoder().fit_transform(df["species"])``: the one column coded, still named so (catalog LABEL_CODERS)."""
    if type(est).__name__ in LABEL_CODERS and data.columns is not None and len(data.columns) == 1:
        return data.columns
    return None


def _op(est: Any, api: Api) -> str:
    return f"{type(est).__name__}.{api.name}"


# -- fit ----------------------------------------------------------------------------------------


def _data_and_target(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]
                     ) -> tuple[types.FrameType, Any, Any, Node, Node | None] | None:
    """``(frame, X, y, X's node, y's node)`` of a fit or score call; None when it is not the user's or X is untracked."""
    frame, call = _where_and_call(s, api)
    if frame is None:
        return None
    mark_handled(s, frame)
    X, y = _pick(args, kwargs, 1, ("X", "x")), _pick(args, kwargs, 2, ("y",))
    data = value_node(s, X, frame, argument(call, 0, ("X", "x")))
    if data is None:
        return None
    target = value_node(s, y, frame, argument(call, 1, ("y",))) if y is not None else None
    return frame, X, y, data, target


def _emit_fit(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]
              ) -> tuple[NodeId, Node, types.FrameType | None] | None:
    """Emit the Fit (and the evaluations a fit makes on other data); None when the data is not tracked."""
    est = args[0]
    found = _data_and_target(s, api, args, kwargs)
    if found is None:
        return None
    frame, X, y, data, target = found
    learner, learns, encodes = _role(api, est)
    proxies = evidence.label_proxies_of(s, data.id, target.id if target else None, X, y) \
        if learner in PREDICTORS and y is not None else ()
    fit_id = s.graph.new_id()
    where = s.where(frame)
    _emit(s, Fit(fit_id, estimator_name(est), data.id, where, target.id if target else None, op=_op(est, api),
                 learner=learner, learns=learns, encodes_target=encodes, label_proxies=proxies))
    if learner == "transformer" and learns:
        note_made(s, fit_id, frame)  # pd.DataFrame(StandardScaler().fit_transform(X)) still carries the statistic
    if learner == "search":
        ordered = evidence.cv_time_ordered(getattr(est, "cv", None)) \
            if evidence.rows_time_column(s, data, X, where) else None
        _emit(s, Evaluate(fit_id, data.id, where, target.id if target else None, op=_op(est, api), kind="search",
                          time_ordered=ordered))
    for option in class_api(api, est).options:
        for vx, vy in _validation_pairs(option, kwargs):
            if vx is X:
                continue  # monitoring the training rows themselves
            vdata = value_node(s, vx, frame)
            if vdata is None or vdata.id == data.id:
                continue
            vtarget = value_node(s, vy, frame) if vy is not None else None
            _emit(s, Evaluate(fit_id, vdata.id, where, vtarget.id if vtarget else None,
                              op=f"{_op(est, api)}({option}=...)", kind="validation"))
    return fit_id, data, frame


def _validation_pairs(option: str, kwargs: dict[str, Any]) -> list[tuple[Any, Any]]:
    """``validation_data=(X, y)``, ``eval_set=[(X, y), ...]`` or ``X_val=..., y_val=...`` as (X, y) pairs."""
    if "+" in option:
        xs, ys = option.split("+", 1)
        return [(kwargs[xs], kwargs.get(ys))] if kwargs.get(xs) is not None else []
    value = kwargs.get(option)
    if value is None:
        return []
    if isinstance(value, tuple) and value and not isinstance(value[0], tuple):
        return [(value[0], value[1] if len(value) > 1 else None)]
    if isinstance(value, list):
        return [(v[0], v[1] if len(v) > 1 else None) for v in value if isinstance(v, tuple) and v]
    return [(value, None)]


def before_fit(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    emitted = _emit_fit(s, api, args, kwargs)
    if emitted is None:
        return None
    fit_id = emitted[0]
    est = args[0]

    def after(result: Any) -> None:
        s.tracker.register(est, fit_id)

    return Plan(after=after)


def before_fit_transform(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    emitted = _emit_fit(s, api, args, kwargs)
    if emitted is None:
        return None
    fit_id, data, frame = emitted
    est = args[0]

    def after(result: Any) -> None:
        s.tracker.register(est, fit_id)
        out = result[0] if isinstance(result, tuple) and result else result
        register_result(s, out, (fit_id, data.id), _op(est, api), name=f"{data.name} ({_op(est, api)})",
                        frame=frame, columns=_coded_column(est, data))

    return Plan(after=after)


def before_transform_function(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """``scale(X)``: the transformer the function stands for is fit on X's rows and applied to them."""
    from leakguard.libraries.sklearn.catalog import FUNCTION_FORMS

    frame, call = _where_and_call(s, api)
    if frame is None:
        return None
    mark_handled(s, frame)
    X = _pick(args, kwargs, 0, ("X", "y"))
    data = value_node(s, X, frame, argument(call, 0, ("X", "y")))
    if data is None:
        return None
    learner, learns, encodes = _ROLES[api.role]
    cls = FUNCTION_FORMS[api.name][0] if api.name in FUNCTION_FORMS else api.name
    fit_id = s.graph.new_id()
    _emit(s, Fit(fit_id, f"{cls}()", data.id, s.where(frame), None, op=api.name, learner=learner, learns=learns,
                 encodes_target=encodes))
    if learns:
        note_made(s, fit_id, frame)

    def after(result: Any) -> None:
        register_result(s, result, (fit_id, data.id), api.name, name=f"{data.name} ({api.name})", frame=frame)

    return Plan(after=after)


# -- transform / predict ----------------------------------------------------------------------------


def before_transform(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    est = args[0]
    frame, call = _where_and_call(s, api)
    if frame is None:
        return None
    mark_handled(s, frame)
    X = _pick(args, kwargs, 1, ("X", "x"))
    data = value_node(s, X, frame, argument(call, 0, ("X", "x")))
    if data is None:
        return None
    model = estimator_node(s, est, frame)

    def after(result: Any) -> None:
        register_result(s, result, (model.id, data.id), _op(est, api), name=f"{data.name} ({_op(est, api)})",
                        frame=frame, columns=_coded_column(est, data))

    return Plan(after=after)


def before_predict(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    """As a transform; a prediction for a validation fold is also cross-validation (kernel/folds.py)."""
    plan = before_transform(s, api, args, kwargs)
    frame = s.cell_frame()
    X = _pick(args, kwargs, 1, ("X", "x"))
    data = s.graph.get(s.tracker.node_of(X) or s.result_node(X) or "") if plan is not None and X is not None else None
    if data is not None:
        folds.validated(s, estimator_node(s, args[0], frame).id, data, None, frame=frame, op=_op(args[0], api))
    if plan is not None and plan.after is not None:
        registered = plan.after

        def after(result: Any) -> None:
            registered(result)
            nid = s.tracker.node_of(result) or s.result_node(result)
            if nid is not None and fit_of(s.graph, nid) is not None:  # (a model whose fit leakguard saw)
                note_prediction(s, result, nid)  # known by its values once wrapped: ``pd.Series(pred, index=...)``

        plan = dataclasses.replace(plan, after=after)
    return plan


# -- scoring ----------------------------------------------------------------------------------------


def _facts(s: Session, model: NodeId, data: Node) -> tuple[int | None, bool | None]:
    found = fit_of(s.graph, model)
    train = s.graph.get(found[1].data) if found else None
    if train is None or train.id == data.id:
        return (None, None)
    return evidence.evaluation_facts(s, train, data)


def _groups(s: Session, model: NodeId, data: Node, ordered: bool | None) -> tuple[str, int] | None:
    found = fit_of(s.graph, model)
    train = s.graph.get(found[1].data) if found else None
    if train is None or train.id == data.id:
        return None
    return evidence.shared_entities(s, train, data, ordered)


def before_score(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    est = args[0]
    found = _data_and_target(s, api, args, kwargs)
    if found is None:
        return None
    frame, _X, _y, data, target = found
    model = estimator_node(s, est, frame)
    folds.validated(s, model.id, data, target, frame=frame, op=_op(est, api))
    shared, ordered = _facts(s, model.id, data)
    _emit(s, Evaluate(model.id, data.id, s.where(frame), target.id if target else None, op=_op(est, api),
                      shared_rows=shared, time_ordered=ordered, shared_groups=_groups(s, model.id, data, ordered)))
    inputs = (model.id, data.id) + ((target.id,) if target else ())

    def after(result: Any) -> None:
        register_result(s, result, inputs, _op(est, api), name=f"{_op(est, api)}({data.name})", frame=frame,
                        rows="aggregate")

    return Plan(after=after)


def model_and_rows(s: Session, pred: Node) -> tuple[NodeId, NodeId]:
    """The model a prediction comes from and the rows it predicted (the prediction itself when unknown)."""
    found = fit_of(s.graph, pred.id)
    if found is None:
        # a model whose fit leakguard never saw (the refit inside a search, predicting through its pipeline's
        # steps): its predictions are still one candidate, the estimator's, not one per prediction
        nodes = [s.graph.nodes[i] for i in pred.inputs if i in s.graph.nodes]
        est = next((n for n in nodes if n.kind == "model" and n.op == "estimator"), None)
        rows = [n.id for n in nodes if holds_rows(n)]
        return (est.id, rows[0] if rows else pred.id) if est is not None else (pred.id, pred.id)
    model_id = found[0].id
    for node in (pred, *s.graph.ancestors(pred.id)):
        # (rows, not a prediction made from them: ``pred[in_plan]`` of a Series known by its values)
        rows = [i for i in node.inputs if i in s.graph.nodes and holds_rows(s.graph.nodes[i])
                and fit_of(s.graph, i) is None]
        if any(_made_by(s, i, model_id) for i in node.inputs) and rows:
            if len(rows) > 1:
                # the names of a whole statement (``pred = pd.Series(m.fit(X_tr, y_tr).predict(X_te), ...)``, a
                # value leakguard could not follow): the rows the model was not fitted on are the ones it predicted
                fitted = {a.id for a in s.graph.ancestors(model_id)}
                rows = [r for r in rows if r not in fitted] or rows
            return model_id, rows[0]
    return model_id, pred.id


def _made_by(s: Session, nid: NodeId, model_id: NodeId) -> bool:
    found = fit_of(s.graph, nid)
    return found is not None and found[0].id == model_id and s.graph.nodes[nid].kind == "model"


def _prediction_column(s: Session, obj: Any) -> Node | None:
    """``model.predict_proba(X_test)[:, 1]``: a column of a prediction leakguard saw (a numpy view of it, every row)
    is that prediction, made by the model that made it (not by whatever the statement's names were bound to: the
    best pipeline of a search predicts through its steps)."""
    base = getattr(obj, "base", None)
    if base is None or s.tracker.node_of(obj) is not None or fr.row_count(base) != fr.row_count(obj):
        return None
    nid = s.tracker.node_of(base) or s.result_node(base)
    node = s.graph.nodes.get(nid) if nid is not None else None
    if node is None or not any(i in s.graph.nodes and s.graph.nodes[i].kind == "model" for i in node.inputs):
        return None
    return node


def before_metric(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    frame, call = _where_and_call(s, api)
    if frame is None:
        return None
    mark_handled(s, frame)
    y_true = _pick(args, kwargs, 0, ("y_true",))
    y_pred = _pick(args, kwargs, 1, _PRED_ARGS)
    pred = _prediction_column(s, y_pred) or value_node(s, y_pred, frame, argument(call, 1, _PRED_ARGS))
    if pred is None:
        return None
    target = value_node(s, y_true, frame, argument(call, 0, ("y_true",)))
    model_id, rows_id = model_and_rows(s, pred)
    if model_id == pred.id and target is not None and fit_of(s.graph, target.id) is not None:
        # ``accuracy_score(pred, y_test)``: the predictions passed first, as people often write it
        pred, target = target, pred
        model_id, rows_id = model_and_rows(s, pred)
    rows = s.graph.nodes[rows_id]
    shared, ordered = _facts(s, model_id, rows) if model_id != pred.id else (None, None)
    groups = _groups(s, model_id, rows, ordered) if model_id != pred.id else None
    kind = "cross-validate" if folds.out_of_fold(s, model_id, rows_id) else "score"  # ``metric(y, oof)``
    _emit(s, Evaluate(model_id, rows_id, s.where(frame), target.id if target else None, op=api.name,
                      shared_rows=shared, time_ordered=ordered, shared_groups=groups, kind=kind,
                      labels=fr.digest(y_true) if target is not None else None,
                      predictions=pred.id if model_id != pred.id else None, sweeps=api.role == "curve"))
    inputs = (pred.id,) + ((target.id,) if target else ())

    def after(result: Any) -> None:
        node = register_result(s, result, inputs, api.name, name=f"{api.name}({pred.name})", frame=frame,
                               rows="aggregate")
        if node is not None and isinstance(result, tuple):
            # a curve's arrays (``fpr, tpr, thresholds = roc_curve(...)``): each is the evaluation's result, so a
            # threshold read off one of them derives from it
            for part in result:
                s.remember_result(part, node.id)

    return Plan(after=after)


def before_cross_validate(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    frame, call = _where_and_call(s, api)
    if frame is None:
        return None
    mark_handled(s, frame)
    est = _pick(args, kwargs, 0, ("estimator",))
    X, y = _pick(args, kwargs, 1, ("X",)), _pick(args, kwargs, 2, ("y",))
    data = value_node(s, X, frame, argument(call, 1, ("X",)))
    if data is None or est is None:
        return None
    target = value_node(s, y, frame, argument(call, 2, ("y",))) if y is not None else None
    model = estimator_node(s, est, frame)
    ordered = evidence.cv_time_ordered(kwargs.get("cv")) \
        if evidence.rows_time_column(s, data, X, s.where(frame)) else None
    _emit(s, Evaluate(model.id, data.id, s.where(frame), target.id if target else None, op=api.name,
                      kind="search" if api.role == "search" else "cross-validate", time_ordered=ordered))
    inputs = (model.id, data.id) + ((target.id,) if target else ())
    per_row = api.name == "cross_val_predict"

    def after(result: Any) -> None:
        register_result(s, result, inputs, api.name, name=f"{api.name}({data.name})", frame=frame,
                        rows="same" if per_row else "aggregate")

    return Plan(after=after)


# -- resampling -----------------------------------------------------------------------------------------


def before_resample(s: Session, api: Api, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Plan | None:
    frame, _call = _where_and_call(s, api)
    if frame is None:
        return None
    if api.name == "sample" and not fr.is_frame_like(args[0]):
        return None
    if api.name == "sample":  # DataFrame.sample: copies rows only with replacement
        if not (kwargs.get("replace") is True or (len(args) > 3 and args[3] is True)):
            return None
        inputs_objs: list[Any] = [args[0]]
        synthetic = True
    elif api.name == "fit_resample":
        inputs_objs = [_pick(args, kwargs, 1, ("X",)), _pick(args, kwargs, 2, ("y",))]
        synthetic = not type(args[0]).__module__.startswith("imblearn.under_sampling")
    else:  # sklearn.utils.resample(*arrays, replace=True, ...)
        inputs_objs = list(args)
        synthetic = kwargs.get(RESAMPLE_REPLACE[0], RESAMPLE_REPLACE[1]) is not False
    mark_handled(s, frame)
    nodes = [value_node(s, obj, frame) for obj in inputs_objs]
    ids = tuple(n.id for n in nodes if n is not None)
    if not ids:
        return None
    op = _op(args[0], api) if api.name == "fit_resample" else api.name

    def after(result: Any) -> None:
        outs = list(result) if isinstance(result, (tuple, list)) and not fr.is_frame_like(result) else [result]
        for i, out in enumerate(outs):
            own = nodes[i] if i < len(nodes) and nodes[i] is not None else None
            register_result(s, out, ids, op, name=f"{own.name if own else 'rows'} ({op})", frame=frame, rows="combine",
                            synthetic=synthetic)

    return Plan(after=after)


BEFORE = {
    "fit": before_fit,
    "fit-transform": before_fit_transform,
    "fit-predict": before_fit_transform,
    "transform": before_transform,
    "predict": before_predict,
    "score": before_score,
    "metric": before_metric,
    "cross-validate": before_cross_validate,
    "resample": before_resample,
    "transform-function": before_transform_function,
}
