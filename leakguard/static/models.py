"""Models and transformers: estimators, pipelines, search objects, Keras-style models, resamplers, metrics.

A class from a modelling library called with ``()`` is an :class:`Estimator`; what kind of
learner it is (model, transformer, search, resampler) comes from its name when the catalog
has no entry for it. Its methods emit the kernel's events: ``fit`` a ``Fit``;
``fit_transform`` a ``Fit`` whose state feeds the transformed rows; ``fit_resample`` a
``Fit`` and synthetic rows; ``score``/``evaluate`` and a metric over ``predict(...)`` an
``Evaluate`` (kind ``score``); Keras ``validation_data=`` and boosting ``eval_set=`` an
``Evaluate`` of kind ``validation``; a search's ``fit`` an ``Evaluate`` of kind ``search``;
``cross_val_score`` and friends a ``Fit`` and an ``Evaluate`` of kind ``cross-validate``.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from leakguard.libraries.api import Api
from leakguard.libraries.imblearn.catalog import SAMPLERS
from leakguard.libraries.pandas.features import STATISTIC, WHOLE_GROUP_STATS, group_callable
from leakguard.libraries.sklearn.catalog import (
    CROSS_VALIDATIONS,
    CURVES,
    FACTORIES,
    FITTED_ATTRIBUTES,
    FOLD_SPLIT_METHOD,
    LABEL_CODERS,
    RESAMPLE_REPLACE,
    SEARCH_ENDINGS,
    STATELESS,
    TRANSFORMER_ENDINGS,
    cv_keeps_time_order,
    is_fold_splitter,
)
from leakguard.libraries.torch.catalog import MODULE_BASES, is_network
from leakguard.lineage.events import Derive, Evaluate, Fit, NodeId
from leakguard.static import folds, timeorder
from leakguard.static.emitted import event
from leakguard.static.resolve import normalise
from leakguard.static.values import (
    UNKNOWN,
    Const,
    Data,
    Estimator,
    Func,
    GroupBy,
    Label,
    Method,
    Seq,
    Unknown,
    Value,
    data_in,
    text,
)

if TYPE_CHECKING:
    from leakguard.static.calls import Args, Kwargs, Site
    from leakguard.static.interp import Interp

_LIBRARIES = ("sklearn.", "xgboost.", "lightgbm.", "catboost.", "imblearn.", "keras.", "statsmodels.",
              "category_encoders.", "feature_engine.", "torch.")
_FACTORIES = frozenset(FACTORIES)
_SEARCH = SEARCH_ENDINGS
_TRANSFORMER_ENDINGS = TRANSFORMER_ENDINGS
_NO_LEARNING = frozenset(STATELESS)
_RESAMPLERS = SAMPLERS
_FIT = frozenset({"fit", "partial_fit", "train"})
_TRANSFORM = frozenset({"transform", "inverse_transform"})
_PREDICT = frozenset({"predict", "predict_proba", "predict_log_proba", "decision_function", "__call__"})
_SCORE = frozenset({"score", "evaluate"})
_FITTED_VALUES = FITTED_ATTRIBUTES
_CV = frozenset(CROSS_VALIDATIONS)


def classify(path: str) -> tuple[str, bool, bool]:
    """``(learner, learns, encodes_target)`` of an estimator class, from its name."""
    name = path.rsplit(".", 1)[-1]
    if name.endswith(_SEARCH) or name.startswith(("GridSearch", "RandomizedSearch", "HalvingGridSearch",
                                                   "HalvingRandomSearch")):
        return "search", True, False
    if name in _RESAMPLERS or (path.startswith("imblearn.") and ("sampl" in path or "combine" in path)):
        return "resampler", True, False
    if is_fold_splitter(name):
        return "splitter", False, False
    if name == "TargetEncoder" or (path.startswith("category_encoders.") and "Target" in name):
        return "transformer", True, True
    if name.endswith(_TRANSFORMER_ENDINGS) or path.startswith(("sklearn.preprocessing.", "sklearn.impute.",
                                                                "sklearn.feature_selection.",
                                                                "sklearn.decomposition.",
                                                                "sklearn.feature_extraction.")):
        return "transformer", name not in _NO_LEARNING, False
    return "model", True, False


def construct(it: Interp, path: str, site: Site) -> Estimator | None:
    """``StandardScaler()``, ``Pipeline([...])``, ``GridSearchCV(model, ...)``: an estimator, or None."""
    args, kwargs = site.args, site.kwargs
    path = normalise(path)
    name = path.rsplit(".", 1)[-1]
    if not path.startswith(_LIBRARIES) or not (name[:1].isupper() or name in _FACTORIES):
        return None
    learner, learns, encodes = _role(it, path)
    if is_network(path):
        path = MODULE_BASES[0]  # a layer or a network: what calling it means is the Module's (its outputs)
    est = Estimator(path, called(name, site), keras=path.startswith("keras."), learner=learner, learns=learns,
                    encodes_target=encodes)
    est.steps = _steps(site.values)
    if learner == "search":
        est.params["cv"] = kwargs.get("cv")  # the folds it validates on: do they keep time order?
    inner = kwargs.get("estimator") or kwargs.get("base_estimator") or (args[0] if args else None)
    if isinstance(inner, Estimator):
        est.wraps = inner
    if est.steps:
        if name in ("Pipeline", "make_pipeline"):
            last = est.steps[-1]
            est.learner = "model" if last.learner in ("model", "search") else "transformer"
            est.learns = any(s.learns for s in est.steps)
            est.encodes_target = any(s.encodes_target for s in est.steps)
        elif learner == "transformer":
            est.learns = any(s.learns for s in est.steps)
            est.encodes_target = any(s.encodes_target for s in est.steps)
    return est


_ROLES = {"model": ("model", True, False), "transformer": ("transformer", True, False),
          "stateless": ("transformer", False, False), "target-encoder": ("transformer", True, True),
          "search": ("search", True, False)}


def _role(it: Interp, path: str) -> tuple[str, bool, bool]:
    """``(learner, learns, encodes_target)``: the catalog's role for the class when it lists one, else by name."""
    for method in ("fit", "fit_resample"):
        api = it.index.class_method(path, method)
        if api is not None and api.role in _ROLES:
            return _ROLES[api.role]
        if api is not None and api.kind == "resample":
            return "resampler", True, False
    return classify(path)


def called(name: str, site: Site) -> str:
    """``LogisticRegression(C=0.1)``: the estimator as constructed (literal arguments shown), for telling
    candidates apart as the kernel does with the estimator's repr."""
    parts = [_shown(a, n) for a, n in zip(site.args, site.node.args, strict=False)]
    parts += [f"{k.arg}={_shown(site.kwargs.get(k.arg or ''), k.value)}" for k in site.node.keywords if k.arg]
    text = f"{name}({', '.join(parts)})"
    return text if len(text) <= 80 else text[:77] + "…)"


def _shown(value: Value | None, node: ast.expr) -> str:
    if isinstance(value, Const):
        return repr(value.value)
    if isinstance(value, Estimator):
        return value.text
    if isinstance(value, Seq):
        return f"[{', '.join(_shown(v, node) for v in value.items[:4])}]"
    return text(node)


def _steps(values: list[Value]) -> list[Estimator]:
    out: list[Estimator] = []
    for v in values:
        if isinstance(v, Estimator):
            out.append(v)
        elif isinstance(v, Seq):
            out.extend(_steps(v.items))
    return out


# -- events -----------------------------------------------------------------------------------------


def _xy(args: Args, kwargs: Kwargs) -> tuple[Value | None, Value | None]:
    x = kwargs.get("X", kwargs.get("x", kwargs.get("data", args[0] if args else None)))
    if _is_container(x):
        return _unpack(x)  # ``bst.predict(dtest)``: the rows of X (and y) a container holds
    y = kwargs.get("y", args[1] if len(args) > 1 else None)
    return x, y


def _is_container(v: Value | None) -> bool:
    return isinstance(v, Seq) and v.kind == "container"


def _unpack(v: Value | None) -> tuple[Value | None, Value | None]:
    """``(X, y)`` of a container (``xgb.DMatrix(X, label=y)``); a plain value is X alone."""
    if isinstance(v, Seq) and v.kind == "container":
        return v.items[0], v.items[1] if len(v.items) > 1 else None
    return v, None


def _node(it: Interp, v: Value | None) -> NodeId | None:
    if v is None:
        return None
    datas = data_in(v)
    if not datas:
        return None
    if len(datas) == 1:
        return it.node(datas[0])
    return it.node(it.derive(datas, "frame", "<data>", "combine"))


def fit(it: Interp, est: Estimator, x: Value | None, y: Value | None, op: str) -> NodeId:
    """A ``Fit`` of ``est`` on ``x`` (and ``y``); the estimator then holds the fitted state."""
    data = _node(it, x)
    if data is None:
        data = it.node(it.derive([], "frame", "<data>", "unresolved"))
    out = it.graph.new_id()
    learner = est.learner if est.learner in ("model", "search", "transformer") else "transformer"
    it.emit(event(Fit, out=out, estimator=est.text, data=data, where=it.where(), target=_node(it, y),
                  op=f"{est.cls.rsplit('.', 1)[-1]}.{op}", learner=learner, learns=est.learns,
                  encodes_target=est.encodes_target))
    est.fitted = out
    if est.wraps is not None:
        est.wraps.fitted = out
    return out


def model_node(it: Interp, est: Estimator) -> NodeId:
    """The fitted state of ``est``; an estimator used before any visible fit gets one of unknown origin."""
    if est.fitted is None:
        nid = it.graph.new_id()
        it.emit(Derive(nid, (), "unfitted", est.text, it.where(), rows="aggregate", kind="model"))
        est.fitted = nid
    return est.fitted


def evaluate(it: Interp, model: NodeId, x: Value | None, y: Value | None, op: str, *, kind: str = "score",
             time_ordered: bool | None = None, predictions: Value | None = None, sweeps: bool = False) -> Data:
    """An ``Evaluate`` of ``model`` on ``x`` (and ``y``), of ``predictions`` when a metric was given them."""
    data = _node(it, x)
    if kind == "score":
        folds.validated(it, model, x, y, op)
    if data is not None:
        target = _node(it, y)
        it.emit(event(Evaluate, model=model, data=data, where=it.where(), target=target, op=op, kind=kind,
                      time_ordered=time_ordered, labels=_labels_key(y, target), predictions=_node(it, predictions),
                      sweeps=sweeps))
    return _score(it, model, x, y, op)


def _labels_key(y: Value | None, target: NodeId | None) -> str | None:
    """Which label rows are scored, when the code tells them apart (``Evaluate.labels``); None: the labels as given.

    ``y_test == c`` (one class against the rest) and ``y_test[mask]`` (a group) by their condition, so a fixed
    one scored again is the same labels; ``y[idx]`` (a bootstrap draw, rows by position) by its node, new per call.
    """
    if not isinstance(y, Data) or target is None:
        return None
    if y.filter is not None:
        return f"labels {y.filter!r}"
    how = y.origin[1] if y.origin is not None else None
    if how == "mask" and y.origin is not None:
        return f"rows {y.origin[2]!r}"
    if how == "loop item" and y.origin is not None:  # ``y_test == c`` for each c of a loop (static/dataops.py)
        return f"labels == loop item {y.origin[2]}"
    if how in ("index", "draw") or (bool(y.ops) and y.ops[-1] in ("filter", "[]")):
        return target
    return None


def _score(it: Interp, model: NodeId, x: Value | None, y: Value | None, op: str) -> Data:
    inputs = [Data("model", "model", node=model), *(v for v in (x, y) if v is not None)]
    return it.derive(inputs, "scalar", f"{op}()", op, aggregate=True)


def method(it: Interp, est: Estimator, name: str, site: Site) -> Value:
    """``est.name(...)``: fit, transform, predict, score, resample, or an unresolved method."""
    args, kwargs = site.args, site.kwargs
    x, y = _xy(args, kwargs)
    label = site.text
    short = est.cls.rsplit(".", 1)[-1]
    meaning = _meaning(it, est, name)
    if meaning == "fit":
        if est.learner == "resampler":
            return est
        fitted = fit(it, est, x, y, name)
        if est.learner == "search":
            ordered = _cv_time_ordered(est.params.get("cv")) if timeorder.time_of(it, x) else None
            evaluate(it, fitted, x, y, f"{short}.fit", kind="search", time_ordered=ordered)
        for xv, yv, op in _validation(kwargs):
            evaluate(it, fitted, xv, yv, op, kind="validation")
        return est if not est.keras else Unknown("history")
    if meaning in ("fit-transform", "fit-predict"):
        fitted = fit(it, est, x, y, name)
        return _applied(it, fitted, x, label, name, columns=_coded_column(est, x))
    if name in ("fit_resample", "fit_sample"):
        # resampling makes rows from rows (no statistic reaches the features): synthetic rows, no Fit
        parts: list[Value] = []
        for v in (x, y):
            if v is not None:
                d = it.derive([v], _kind(v), label, f"{short}.{name}", columns=_columns(v))
                d.synthetic = not short.endswith(("UnderSampler", "NearMiss", "TomekLinks", "Centroids",
                                                  "EditedNearestNeighbours", "CondensedNearestNeighbour"))
                parts.append(d)
        return Seq(parts)
    if meaning == "transform":
        return _applied(it, model_node(it, est), x, label, name, columns=_coded_column(est, x))
    if meaning == "predict":
        it.networks[model_node(it, est)] = est
        folds.validated(it, model_node(it, est), x, None, name)
        out = _applied(it, model_node(it, est), x, label, name)
        xn = _node(it, x)
        if isinstance(out, Data) and xn is not None:
            out.pred = (model_node(it, est), xn)
        return out
    if meaning == "score":
        return evaluate(it, model_node(it, est), x, y, f"{short}.{name}")
    if name == FOLD_SPLIT_METHOD and est.learner == "splitter":
        return folds.split(it, args, label, cv_keeps_time_order(short))
    if name in ("compile", "summary", "add", "get_params", "get_feature_names_out", "set_output"):
        return Const(None) if name != "set_output" else est
    if name == "set_params":
        return est
    if any(data_in(v) for v in site.values):
        d = it.derive(site.values, "value", label, f"{short}.{name}")
        d.unresolved = True
        return Unknown(name, d)
    return UNKNOWN


def _meaning(it: Interp, est: Estimator, name: str) -> str:
    """What calling method ``name`` of ``est`` does (a catalog kind): the catalog's entry for the class when it
    lists one (``Tokenizer.fit_on_texts`` fits, ``TextVectorization.adapt`` fits), else by the method's name;
    calling a transformer itself (a Keras preprocessing layer, ``vectorize(texts)``) applies it."""
    api = it.index.class_method(est.cls, name)
    if api is not None and api.kind in ("fit", "fit-transform", "fit-predict", "transform", "predict", "score"):
        return api.kind
    if api is not None and api.kind == "forward":
        return "predict"
    if name in _FIT:
        return "fit"
    if name == "fit_transform":
        return "fit-transform"
    if name == "fit_predict":
        return "fit-predict"
    if name in _TRANSFORM or (name == "__call__" and est.learner == "transformer"):
        return "transform"
    if name in _PREDICT:
        return "predict"
    return "score" if name in _SCORE else ""


def _validation(kwargs: Kwargs) -> list[tuple[Value, Value | None, str]]:
    out: list[tuple[Value, Value | None, str]] = []
    vd = kwargs.get("validation_data")
    if isinstance(vd, Seq) and vd.items:
        out.append((vd.items[0], vd.items[1] if len(vd.items) > 1 else None, "validation_data"))
    es = kwargs.get("eval_set")
    if isinstance(es, Seq) and es.items and not isinstance(es.items[0], Seq):
        es = Seq([es])  # CatBoost's ``eval_set=(X_val, y_val)``: one pair, not a list of them
    if isinstance(es, Seq):
        for pair in es.items:
            if isinstance(pair, Seq) and pair.items:
                out.append((pair.items[0], pair.items[1] if len(pair.items) > 1 else None, "eval_set"))
    return out


def _kind(v: Value | None) -> str:
    return v.kind if isinstance(v, Data) and v.kind not in ("scalar", "value") else "array"


def _columns(v: Value | None) -> tuple[str, ...] | None:
    return v.columns if isinstance(v, Data) else None


def _applied(it: Interp, model: NodeId, x: Value | None, label: Label, op: str, *,
             columns: tuple[str, ...] | None = None) -> Value:
    if x is None or not data_in(x):
        return it.unknown_from([], label, op)
    return it.derive([x, Data("model", "model", node=model)], _kind(x), label, op, columns=columns)


def _coded_column(est: Estimator, x: Value | None) -> tuple[str, ...] | None:
    """``LabelEncoder().fit_transform(df["species"])``: the one column coded, still named so (catalog LABEL_CODERS)."""
    if est.cls.rsplit(".", 1)[-1] in LABEL_CODERS and isinstance(x, Data) and x.columns is not None \
            and len(x.columns) == 1:
        return x.columns
    return None


# -- attributes, subscripts, functions ------------------------------------------------------------------


def attribute(it: Interp, est: Estimator, name: str, node: ast.AST) -> Value:
    """``search.best_estimator_``, ``pipe.named_steps``, ``model.coef_``..."""
    if name == "best_estimator_":
        return est
    if name == "named_steps":
        return Seq(list(est.steps), "dict", [s.text for s in est.steps])
    if name in ("steps", "estimators_"):
        return Seq(list(est.steps), "list")
    if name in _FITTED_VALUES:
        if est.fitted is None:
            return UNKNOWN
        return it.derive([Data("model", est.text, node=est.fitted)], "value", f"{est.text}.{name}", name,
                         aggregate=True)
    return Method(est, name)


def subscript(it: Interp, est: Estimator, key: Value) -> Value:
    """``pipe[-1]``: a step of a pipeline."""
    if isinstance(key, Const) and isinstance(key.value, int) and est.steps:
        try:
            return est.steps[key.value]
        except IndexError:
            return UNKNOWN
    return UNKNOWN


def function(it: Interp, api: Api, site: Site) -> Value | None:
    """A catalog function of a modelling kind; None when it is not one (the name-based fallback decides)."""
    if api.kind == "transform-function":
        return _transform_function(it, api, site)
    if api.kind == "container":
        return _container(api, site)
    if api.kind == "train-function":
        return _train_function(it, api, site)
    return library_function(it, f"{api.module}.{api.qualname}", site)


def _rows(api: Api, site: Site) -> list[Value | None]:
    """The values passed where the catalog entry says its rows go (``data``: "position:keyword" each)."""
    out: list[Value | None] = []
    for spec in api.data:
        pos, _, keyword = spec.partition(":")
        out.append(site.arg(int(pos), keyword))
    return out


def _container(api: Api, site: Site) -> Value | None:
    """``xgb.DMatrix(X, label=y)``, ``lgb.Dataset(X, y)``: the rows of X and y, held for a fit or a prediction."""
    rows = [v for v in _rows(api, site) if v is not None]
    if not rows or not data_in(rows[0]):
        return None
    return Seq(rows, "container")


def _train_function(it: Interp, api: Api, site: Site) -> Value | None:
    """``xgb.train(params, dtrain, evals=[(dval, "val")])``: a new model fit on a container's rows, the containers
    of ``options`` scored every round (as a fit's ``eval_set``); ``xgb.cv(params, dtrain)``: folds of its rows."""
    train = _rows(api, site)[0] if api.data else None
    x, y = _unpack(train)
    if x is None or not data_in(x):
        return None
    est = Estimator(f"{api.module}.Booster", called(f"{api.module.split('.')[0]}.{api.name}", site))
    if api.role == "cross-validate":
        return _cross_validate(it, est, x, y, api.name, cv=site.kwargs.get("folds"))
    fitted = fit(it, est, x, y, api.name)
    for option in api.options:
        pos, _, keyword = option.partition(":")
        for scored in _containers(site.arg(int(pos), keyword)):
            if scored is train:
                continue  # monitoring the training rows themselves
            xv, yv = _unpack(scored)
            evaluate(it, fitted, xv, yv, f"{api.name}({keyword}=...)", kind="validation")
    return est


def _containers(v: Value | None) -> list[Value]:
    """The containers in ``evals=[(dtrain, "train"), (dval, "val")]`` or ``valid_sets=[train_set, valid_set]``."""
    if _is_container(v):
        return [v] if v is not None else []
    if isinstance(v, Seq):
        return [c for item in v.items for c in _containers(item.items[0] if isinstance(item, Seq) and not
                                                            _is_container(item) and item.items else item)]
    return []


def _transform_function(it: Interp, api: Api, site: Site) -> Value | None:
    """``scale(X)``: the transformer the function stands for, fit on X's rows and applied to them (as the kernel)."""
    from leakguard.libraries.sklearn.catalog import FUNCTION_FORMS

    x = site.arg(0, "X") or site.kwargs.get("y")
    if x is None or not data_in(x):
        return None
    learner, learns, encodes = _ROLES[api.role]
    cls = FUNCTION_FORMS[api.name][0] if api.name in FUNCTION_FORMS else api.name
    est = Estimator(f"sklearn.preprocessing.{cls}", f"{cls}()", learner=learner, learns=learns,
                    encodes_target=encodes)
    fitted = fit(it, est, x, None, api.name)
    return _applied(it, fitted, x, site.text, api.name)


def library_function(it: Interp, path: str, site: Site) -> Value | None:
    """Cross-validation helpers and metrics by name."""
    args, kwargs = site.args, site.kwargs
    name = path.rsplit(".", 1)[-1]
    if path.startswith("sklearn.") and name in _CV:
        # as in the kernel: an evaluation of the (unfitted) estimator on folds of X, no Fit of its own
        est = args[0] if args else kwargs.get("estimator")
        x = args[1] if len(args) > 1 else kwargs.get("X")
        y = args[2] if len(args) > 2 else kwargs.get("y")
        if not isinstance(est, Estimator) or x is None or not data_in(x):
            return None
        scored = _cross_validate(it, est, x, y, name, cv=kwargs.get("cv"))
        if name == "cross_val_predict":
            return it.derive([x, Data("model", est.text, node=model_node(it, est))], _kind(x), site.text, name)
        return scored
    if path.startswith("sklearn.utils.") and name in ("resample", "shuffle"):
        outs: list[Value] = []
        for v in args:
            d = it.derive([v], _kind(v), site.text, name, columns=_columns(v))
            d.synthetic = name == "resample" and _draws_copies(kwargs.get(RESAMPLE_REPLACE[0]))
            outs.append(d)
        return outs[0] if len(outs) == 1 else Seq(outs)
    if path.startswith("sklearn.metrics.") and (name.endswith(("_score", "_error", "_loss")) or name in (
            "classification_report", "confusion_matrix", "log_loss", *CURVES)):
        y_true = args[0] if args else kwargs.get("y_true")
        y_pred = args[1] if len(args) > 1 else kwargs.get("y_pred", kwargs.get("y_score", kwargs.get("probas_pred")))
        preds = [d for d in data_in(y_pred) if d.pred is not None] if y_pred is not None else []
        if not preds and y_true is not None and y_pred is not None \
                and any(d.pred is not None for d in data_in(y_true)):
            # ``accuracy_score(pred, y_test)``: the predictions passed first, as people often write it
            y_true, y_pred = y_pred, y_true
            preds = [d for d in data_in(y_pred) if d.pred is not None]
        if preds and preds[0].pred is not None:
            model, data = preds[0].pred
            return evaluate(it, model, Data("frame", "X", node=data), y_true, name, predictions=y_pred,
                            sweeps=name in CURVES)
        return it.derive([v for v in (y_true, y_pred) if v is not None], "scalar", site.text, name, aggregate=True)
    return None


def _cross_validate(it: Interp, est: Estimator, x: Value, y: Value | None, name: str, *, cv: Value | None) -> Data:
    """As in the kernel: an evaluation of the (unfitted) estimator on folds of X, no Fit of its own; the score."""
    data = _node(it, x)
    assert data is not None
    model = model_node(it, est)
    ordered = _cv_time_ordered(cv) if timeorder.time_of(it, x) else None
    it.emit(event(Evaluate, model=model, data=data, where=it.where(), target=_node(it, y), op=name,
                  kind="search" if name == "validation_curve" else "cross-validate", time_ordered=ordered))
    return _score(it, model, x, y, name)


def _cv_time_ordered(cv: Value | None) -> bool | None:
    """Whether a cross-validation splitter keeps time order (the catalog's rule, by the splitter's name)."""
    if cv is None:
        return cv_keeps_time_order(None)
    if isinstance(cv, Const) and isinstance(cv.value, int):
        return cv_keeps_time_order(cv.value)
    if isinstance(cv, Estimator):
        return cv_keeps_time_order(cv.cls.rsplit(".", 1)[-1])
    return None


def pandas_api(it: Interp, d: Data, api: Api, site: Site) -> Value | None:
    """A pandas catalog entry of a modelling kind (hand-written statistics); None when not one."""
    return None


def group_api(it: Interp, g: GroupBy, name: str, site: Site, cols: tuple[str, ...]) -> Value | None:
    """``df.groupby(k)[label].transform('mean')``: a statistic of the group's rows mapped back onto them."""
    if name != "transform":
        return None
    label = it.policy.label
    # the aggregated columns stay on the statistic: a label inferred later (at the first fit) still finds it
    stat = it.derive([g.data], "value", f"{g.text}.{name}()", f"groupby.{name}", aggregate=True,
                     columns=tuple(g.selection) if g.selection and _named(site) is not None else None,
                     label_derived=bool(label) and any(c in label for c in g.selection or ()))
    out = it.derive([g.data, stat], "series" if g.selection and len(g.selection) == 1 else "frame",
                    site.text, f"groupby.{name}", columns=g.selection)
    out.colsrc = frozenset(g.keys)
    # a whole-group statistic over time-ordered rows: each row sees its group's later rows
    out.looks_ahead = _named(site) in WHOLE_GROUP_STATS and (timeorder.time_of(it, g.data) is not None
                                                            or timeorder.blocks_of(it, g.data) is not None)
    return out


def _draws_copies(replace: Value | None) -> bool:
    """``resample(..., replace=...)`` copies rows unless ``replace`` is a known false (an unknown value may copy)."""
    if replace is None:
        return RESAMPLE_REPLACE[1]
    return not (isinstance(replace, Const) and replace.value is False)


def _named(site: Site) -> str | None:
    """``transform("mean")``: the name of an aggregation over each whole group, also when a callable only computes it
    (``transform(lambda s: s.mean())``, the shared ``group_callable``); None for another callable (which may be a
    window of past rows)."""
    func = site.arg(0, "func")
    if isinstance(func, Const) and isinstance(func.value, str):
        return func.value
    shape = group_callable(func.node) if isinstance(func, Func) else None
    return shape[1] if shape is not None and shape[0] == STATISTIC else None
