"""Models and transformers: estimators, pipelines, search objects, Keras-style models, resamplers, metrics.

A class from a modelling library called with ``()`` is an :class:`Estimator`. Its methods
emit the kernel's events: ``fit`` (and ``fit_transform``, ``fit_resample``) a ``Fit`` of
the estimator on the rows of ``X`` (and ``y``); ``score``/``evaluate`` and a metric over
``predict(...)`` an ``Evaluate``; Keras ``fit(validation_data=...)`` and boosting
``eval_set=`` an ``Evaluate`` of the data used to choose. Pipelines, column transformers
and search objects are one estimator with steps, fit as one. Catalog entries of the
modelling kinds, where present, decide first.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from leakguard.catalog import Api
from leakguard.lineage.events import Derive, Evaluate, Fit, NodeId
from leakguard.static import dataops
from leakguard.static.values import UNKNOWN, Const, Data, Estimator, GroupBy, Method, Seq, Unknown, Value, data_in

if TYPE_CHECKING:
    from leakguard.static.calls import Args, Kwargs, Site
    from leakguard.static.interp import Interp

_LIBRARIES = ("sklearn.", "xgboost.", "lightgbm.", "catboost.", "imblearn.", "keras.", "statsmodels.",
              "category_encoders.", "feature_engine.", "torch.")
_FACTORIES = frozenset({"make_pipeline", "make_column_transformer", "make_union"})
_FIT = frozenset({"fit", "partial_fit", "train"})
_FIT_TRANSFORM = frozenset({"fit_transform"})
_TRANSFORM = frozenset({"transform", "inverse_transform"})
_PREDICT = frozenset({"predict", "predict_proba", "predict_log_proba", "decision_function", "__call__"})
_SCORE = frozenset({"score", "evaluate"})
_FITTED_VALUES = frozenset({"coef_", "intercept_", "feature_importances_", "best_params_", "best_score_",
                            "cv_results_", "classes_", "mean_", "scale_", "var_", "components_", "statistics_",
                            "categories_", "vocabulary_", "idf_", "n_features_in_", "feature_names_in_"})
_CV = frozenset({"cross_val_score", "cross_validate", "cross_val_predict", "learning_curve", "validation_curve",
                 "permutation_test_score"})


def construct(it: Interp, path: str, site: Site) -> Estimator | None:
    """``StandardScaler()``, ``Pipeline([...])``, ``GridSearchCV(model, ...)``: an estimator, or None."""
    from leakguard.static.resolve import normalise

    args, kwargs = site.args, site.kwargs
    path = normalise(path)
    name = path.rsplit(".", 1)[-1]
    if not path.startswith(_LIBRARIES) or not (name[:1].isupper() or name in _FACTORIES):
        return None
    est = Estimator(path, name, keras=path.startswith("keras."))
    est.steps = _steps(site.values)
    inner = kwargs.get("estimator") or kwargs.get("base_estimator") or (args[0] if args else None)
    if isinstance(inner, Estimator):
        est.wraps = inner
    if est.steps:
        est.text = f"{name}({', '.join(s.text for s in est.steps[:4])})"
    return est


def _steps(values: list[Value]) -> list[Estimator]:
    out: list[Estimator] = []
    for v in values:
        if isinstance(v, Estimator):
            out.append(v)
        elif isinstance(v, Seq):
            out.extend(_steps(v.items))
    return out


def short(est: Estimator) -> str:
    """The estimator's name for events and messages (``Pipeline(StandardScaler, LogisticRegression)``)."""
    return est.text


# -- methods ----------------------------------------------------------------------------------------


def _xy(args: Args, kwargs: Kwargs) -> tuple[Value | None, Value | None]:
    x = kwargs.get("X", kwargs.get("x", args[0] if args else None))
    y = kwargs.get("y", args[1] if len(args) > 1 else None)
    return x, y


def _node(it: Interp, v: Value | None) -> NodeId | None:
    if v is None:
        return None
    datas = data_in(v)
    if not datas:
        return None
    if len(datas) == 1:
        return it.node(datas[0])
    return it.node(it.derive(datas, "frame", "<data>", "combine"))


def fit(it: Interp, est: Estimator, x: Value | None, y: Value | None, op: str) -> NodeId | None:
    """A ``Fit`` of ``est`` on ``x`` (and ``y``); the estimator then holds the fitted state."""
    data = _node(it, x)
    if data is None:
        data = it.node(it.derive([], "frame", dataops.text(ast.Name("X")), "unresolved"))
    out = it.graph.new_id()
    it.emit(Fit(out, short(est), data, it.where(), _node(it, y), op))
    est.fitted = out
    if est.wraps is not None:
        est.wraps.fitted = out
    return out


def model_node(it: Interp, est: Estimator) -> NodeId:
    """The fitted state of ``est``; an estimator used before any visible fit gets an unknown one."""
    if est.fitted is None:
        nid = it.graph.new_id()
        it.emit(Derive(nid, (), "unfitted", short(est), it.where(), rows="aggregate", kind="model"))
        est.fitted = nid
    return est.fitted


def evaluate(it: Interp, model: NodeId, x: Value | None, y: Value | None, op: str) -> Data:
    """An ``Evaluate`` of ``model`` on ``x`` (and ``y``); returns the score."""
    data = _node(it, x)
    if data is not None:
        it.emit(Evaluate(model, data, it.where(), _node(it, y), op))
    return Data("scalar", f"{op}()", node=_score_node(it, model, x, y, op))


def _score_node(it: Interp, model: NodeId, x: Value | None, y: Value | None, op: str) -> NodeId:
    nid = it.graph.new_id()
    inputs = tuple(n for n in (model, _node(it, x), _node(it, y)) if n is not None)
    it.emit(Derive(nid, inputs, op, f"{op}()", it.where(), rows="aggregate", kind="scalar"))
    return nid


def method(it: Interp, est: Estimator, name: str, site: Site) -> Value:
    """``est.name(...)``: fit, transform, predict, score, resample, or an unresolved method."""
    args, kwargs = site.args, site.kwargs
    x, y = _xy(args, kwargs)
    label = site.text
    if name in _FIT:
        fitted = fit(it, est, x, y, name)
        for xv, yv, op in _validation(kwargs):
            if fitted is not None:
                evaluate(it, fitted, xv, yv, op)
        return est if not est.keras else Unknown("history")
    if name in _FIT_TRANSFORM or name == "fit_predict":
        fitted = fit(it, est, x, y, name)
        return _applied(it, fitted, x, label, name)
    if name == "fit_resample":
        fit(it, est, x, y, name)
        return Seq([it.derive([v], _kind(v), label, "fit_resample", columns=_columns(v))
                    for v in (x, y) if v is not None])
    if name in _TRANSFORM:
        return _applied(it, model_node(it, est), x, label, name)
    if name in _PREDICT:
        out = _applied(it, model_node(it, est), x, label, name)
        if isinstance(out, Data) and x is not None:
            xn = _node(it, x)
            if xn is not None:
                out.pred = (model_node(it, est), xn)
        return out
    if name in _SCORE:
        return evaluate(it, model_node(it, est), x, y, name)
    if name in ("compile", "set_params", "summary", "add"):
        return est if name == "set_params" else Const(None)
    if name in ("get_params", "get_feature_names_out"):
        return UNKNOWN
    return it.unknown_from([*args, *kwargs.values()], label, name)


def _validation(kwargs: Kwargs) -> list[tuple[Value, Value | None, str]]:
    out: list[tuple[Value, Value | None, str]] = []
    vd = kwargs.get("validation_data")
    if isinstance(vd, Seq) and vd.items:
        out.append((vd.items[0], vd.items[1] if len(vd.items) > 1 else None, "validation_data"))
    es = kwargs.get("eval_set")
    if isinstance(es, Seq):
        for pair in es.items:
            if isinstance(pair, Seq) and pair.items:
                out.append((pair.items[0], pair.items[1] if len(pair.items) > 1 else None, "eval_set"))
    return out


def _kind(v: Value | None) -> str:
    return v.kind if isinstance(v, Data) else "array"


def _columns(v: Value | None) -> tuple[str, ...] | None:
    return v.columns if isinstance(v, Data) else None


def _applied(it: Interp, model: NodeId | None, x: Value | None, label: str, op: str) -> Value:
    if x is None or not data_in(x):
        return it.unknown_from([], label, op)
    model_data = Data("model", "model", node=model) if model is not None else None
    inputs: list[Value] = [x] + ([model_data] if model_data is not None else [])
    return it.derive(inputs, _kind(x) if _kind(x) != "scalar" else "array", label, op, columns=_columns(x))


# -- attributes, subscripts, functions ------------------------------------------------------------------


def attribute(it: Interp, est: Estimator, name: str, node: ast.AST) -> Value:
    if name == "best_estimator_":
        return est
    if name in ("named_steps", "steps", "estimators_"):
        return Seq(list(est.steps), "dict", [s.text for s in est.steps]) if name == "named_steps" else Seq(
            list(est.steps), "list")
    if name in _FITTED_VALUES:
        if est.fitted is None:
            return UNKNOWN
        return it.derive([Data("model", est.text, node=est.fitted)], "value", f"{est.text}.{name}", name,
                         aggregate=True)
    return Method(est, name)


def subscript(it: Interp, est: Estimator, key: Value) -> Value:
    if isinstance(key, Const) and isinstance(key.value, int) and est.steps:
        try:
            return est.steps[key.value]
        except IndexError:
            return UNKNOWN
    return UNKNOWN


def function(it: Interp, api: Api, site: Site) -> Value | None:
    """A catalog function of a modelling kind; None when the kind is not one the static engine knows."""
    return None


def library_function(it: Interp, path: str, site: Site) -> Value | None:
    """Cross-validation helpers and metrics by name, when the catalog does not list them."""
    args, kwargs, node = site.args, site.kwargs, site.node
    name = path.rsplit(".", 1)[-1]
    if path.startswith("sklearn.") and name in _CV:
        est = args[0] if args else kwargs.get("estimator")
        x = args[1] if len(args) > 1 else kwargs.get("X")
        y = args[2] if len(args) > 2 else kwargs.get("y")
        if isinstance(est, Estimator):
            fitted = fit(it, est, x, y, name)
            return it.derive([Data("model", est.text, node=fitted)] if fitted else [], "array",
                             dataops.text(node), name, aggregate=True)
        return None
    if path.startswith("sklearn.metrics.") and (name.endswith(("_score", "_error", "_loss")) or name in (
            "classification_report", "confusion_matrix", "log_loss")):
        y_true = args[0] if args else kwargs.get("y_true")
        y_pred = args[1] if len(args) > 1 else kwargs.get("y_pred", kwargs.get("y_score", kwargs.get("probas_pred")))
        preds = [d for d in data_in(y_pred) if d.pred is not None] if y_pred is not None else []
        if preds and preds[0].pred is not None:
            model, data = preds[0].pred
            it.emit(Evaluate(model, data, it.where(), _node(it, y_true), name))
            return Data("scalar", f"{name}()", node=_score_node(it, model, None, y_true, name))
        return it.derive([v for v in (y_true, y_pred) if v is not None], "scalar", dataops.text(node), name,
                         aggregate=True)
    return None


def pandas_api(it: Interp, d: Data, api: Api, site: Site) -> Value | None:
    """A pandas catalog entry of a modelling kind (hand-written statistics); None when not one."""
    return None


def group_api(it: Interp, g: GroupBy, name: str, site: Site, cols: tuple[str, ...]) -> Value | None:
    """A group-by catalog entry of a modelling kind (target encoding); None when not one."""
    return None
