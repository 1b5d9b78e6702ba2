"""Spark ML seen statically: estimators, pipelines, fitted models, evaluators.

Every Spark estimator learns through ``fit(dataset)`` (catalog: ``pyspark.ml.base.Estimator.fit``
with role ``auto``), so the role comes from the class: a predictor (anything taking a
``labelCol``: ``LogisticRegression``, ``RandomForestClassifier``...) is a model whose target is
the ``labelCol`` column of the data and whose features are its ``featuresCol`` (or the input
columns of the pipeline's ``VectorAssembler``); a learning feature estimator
(``StandardScaler``, ``StringIndexer``, ``Imputer``...) is a transformer; ``CrossValidator`` and
``TrainValidationSplit`` are searches; stateless transformers (``VectorAssembler``,
``SQLTransformer``...) have no fit. ``fit`` returns a fitted model (a copy of the estimator
holding the ``Fit``), ``transform`` carries its state into the rows it is applied to, and an
evaluator's ``evaluate(predictions)`` scores the model that made them on the rows it scored.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from leakguard.lineage.events import Derive
from leakguard.static import dataops, models
from leakguard.static.emitted import event
from leakguard.static.values import UNKNOWN, Const, Data, Estimator, Ref, Seq, Value, const_strings, data_in

if TYPE_CHECKING:
    from leakguard.static.calls import Site
    from leakguard.static.interp import Interp

_STATELESS = frozenset({
    "VectorAssembler", "SQLTransformer", "Bucketizer", "Tokenizer", "RegexTokenizer", "StopWordsRemover",
    "HashingTF", "NGram", "Binarizer", "PolynomialExpansion", "ElementwiseProduct", "VectorSlicer", "Interaction",
    "FeatureHasher", "Normalizer", "DCT", "IndexToString", "VectorSizeHint",
})
_MODEL_MODULES = ("pyspark.ml.classification", "pyspark.ml.regression", "pyspark.ml.clustering",
                  "pyspark.ml.recommendation", "pyspark.ml.fpm")
_SEARCH = frozenset({"CrossValidator", "TrainValidationSplit"})
_ML_MODULES = ("pyspark.ml.feature", "pyspark.ml.tuning", "pyspark.ml.evaluation", "pyspark.ml.pipeline",
               "pyspark.ml.Pipeline", *_MODEL_MODULES)
_PLAIN = frozenset({"copy", "save", "write", "explainParams", "explainParam", "extractParamMap", "clear", "set",
                    "getParam", "hasParam", "isDefined", "isSet", "params", "read", "load"})


def construct(it: Interp, path: str, site: Site) -> Value | None:
    """``StandardScaler(inputCol=...)``, ``Pipeline(stages=[...])``, ``LogisticRegression(labelCol=...)``..."""
    name = path.rsplit(".", 1)[-1]
    if not name[:1].isupper() or (not path.startswith(_ML_MODULES) and not path.startswith("pyspark.ml.Pipeline")):
        return None
    if name == "ParamGridBuilder":
        return Ref(path)
    params: dict[str, Any] = {}
    for key, v in site.kwargs.items():
        if isinstance(v, Const):
            params[key] = v.value
        elif isinstance(v, Seq) and const_strings(v) is not None:
            params[key] = const_strings(v)
    est = Estimator(path, models.called(name, site), learner="model", params=params)
    if name.endswith("Evaluator"):
        est.learner, est.learns = "evaluator", False
    elif name in ("Pipeline", "PipelineModel"):
        stages = site.arg(0, "stages")
        est.steps = [s for s in stages.items if isinstance(s, Estimator)] if isinstance(stages, Seq) else []
        _pipeline_role(est)
    elif name in _SEARCH:
        inner = site.arg(0, "estimator")
        est.learner = "search"
        if isinstance(inner, Estimator):
            est.wraps = inner
    elif name in _STATELESS:
        est.learner, est.learns = "transformer", False
    elif path.startswith(_MODEL_MODULES) or "labelCol" in params:
        est.learner = "model"
    else:
        est.learner = "transformer"
    return est


def _pipeline_role(est: Estimator) -> None:
    steps = est.steps
    last = steps[-1] if steps else None
    est.learner = "model" if last is not None and last.learner in ("model", "search") else "transformer"
    est.learns = any(s.learns for s in steps)


def _label(est: Estimator) -> str:
    """The label column a predictor (or the predictor at the end of a pipeline, or a search's) learns."""
    inner = est.wraps or (est.steps[-1] if est.steps else None)
    if "labelCol" in est.params or inner is None:
        return str(est.params.get("labelCol", "label"))
    return _label(inner)


def _features(est: Estimator) -> tuple[str, ...] | None:
    """The columns a predictor's features are made of: a pipeline's VectorAssembler inputs, else its featuresCol."""
    stages = est.steps or (est.wraps.steps if est.wraps is not None else [])
    for stage in stages:
        if stage.cls.endswith("VectorAssembler") and isinstance(stage.params.get("inputCols"), tuple):
            cols: tuple[str, ...] = stage.params["inputCols"]
            return cols
    inner = est.wraps or (est.steps[-1] if est.steps else None)
    if inner is not None and "featuresCol" not in est.params:
        return _features(inner)
    return (str(est.params.get("featuresCol", "features")),)


def method(it: Interp, est: Estimator, name: str, site: Site) -> Value:
    """``est.fit(df)``, ``model.transform(df)``, ``evaluator.evaluate(predictions)``, setters and getters."""
    short = est.cls.rsplit(".", 1)[-1]
    if name == "fit" and est.learner != "evaluator":
        return _fit(it, est, site)
    if name == "transform":
        return _transform(it, est, site)
    if name == "evaluate" and est.learner == "evaluator":
        return _evaluate(it, est, site)
    if name.startswith("set") and len(name) > 3 and site.args:
        key = name[3].lower() + name[4:]
        v = site.args[0]
        est.params[key] = v.value if isinstance(v, Const) else const_strings(v)
        if key == "stages" and isinstance(v, Seq):
            est.steps = [s for s in v.items if isinstance(s, Estimator)]
            _pipeline_role(est)
        if key == "estimator" and isinstance(v, Estimator):
            est.wraps = v
        return est
    if name.startswith("get") and len(name) > 3:
        key = name[3].lower() + name[4:]
        return Const(est.params.get(key))
    if name in _PLAIN:
        return Const(None)
    if any(data_in(v) for v in site.values):
        it.note(f"{short}.{name}() is not known to leakguard; its result is taken to carry the rows of its inputs")
        d = it.derive(site.values, "value", site.text, f"{short}.{name}")
        d.unresolved = True
        return d
    return UNKNOWN


def _fit(it: Interp, est: Estimator, site: Site) -> Value:
    data = site.arg(0, "dataset")
    if not isinstance(data, Data):
        data = it.derive([data] if data is not None else [], "frame", "<data>", "unresolved")
    fitted = dataclasses.replace(est, steps=list(est.steps), params=dict(est.params))
    if est.learner in ("model", "search"):
        features = _features(est)
        x: Value = dataops.select(it, data, features, "features") if features is not None else data
        y: Value | None = dataops.column(it, data, _label(est), _label(est))
        out = models.fit(it, fitted, x, y, "fit")
        if est.learner == "search":
            models.evaluate(it, out, x, y, f"{est.cls.rsplit('.', 1)[-1]}.fit", kind="search")
    else:
        models.fit(it, fitted, data, None, "fit")
    return fitted


def _transform(it: Interp, est: Estimator, site: Site) -> Value:
    data = site.arg(0, "dataset")
    if not isinstance(data, Data):
        return it.unknown_from(site.values, site.text, "transform")
    out_col = est.params.get("outputCol") or est.params.get("predictionCol")
    cols = data.columns
    if cols is not None:
        added = [str(out_col)] if isinstance(out_col, str) else []
        if est.learner in ("model", "search"):
            added += ["prediction", "probability", "rawPrediction"]
        cols = tuple(dict.fromkeys((*cols, *added)))
    short = est.cls.rsplit(".", 1)[-1]
    reads = _reads(est)
    if isinstance(out_col, str) and reads and est.learner not in ("model", "search") and not est.steps \
            and not data.aggregate and data.columns is not None:
        # one new column computed row by row from its input columns (VectorAssembler: the feature vector);
        # only with known columns (column facts of a frame of unknown columns do not survive a split)
        inputs = [it.node(data)]
        if est.fitted is not None or est.learns:
            inputs.append(models.model_node(it, est))
        nid = it.graph.new_id()
        it.emit(event(Derive, out=nid, inputs=tuple(inputs), op=f"{short}.transform", name=f"{short}.transform",
                      where=it.where(), rows="same", columns=cols, kind="frame", column=out_col,
                      column_inputs=tuple(sorted(set(reads)))))
        return Data("frame", site.text, node=nid, columns=cols, lib=data.lib)
    if est.fitted is None and not est.learns:
        return it.derive([data], "frame", site.text, f"{short}.transform", columns=cols)
    model = models.model_node(it, est)
    out = it.derive([data, Data("model", est.text, node=model)], "frame", site.text, f"{short}.transform",
                    columns=cols)
    if est.learner in ("model", "search"):
        out.pred = (model, it.node(data))
    return out


def _reads(est: Estimator) -> tuple[str, ...]:
    """The columns a feature stage reads (``inputCols`` / ``inputCol``)."""
    cols = est.params.get("inputCols")
    if isinstance(cols, tuple):
        return cols
    col = est.params.get("inputCol")
    return (col,) if isinstance(col, str) else ()


def _evaluate(it: Interp, est: Estimator, site: Site) -> Value:
    preds = site.arg(0, "dataset")
    found = [d for d in data_in(preds) if d.pred is not None] if preds is not None else []
    if not found or found[0].pred is None:
        return it.derive([preds] if preds is not None else [], "scalar", site.text, "evaluate", aggregate=True)
    model, data = found[0].pred
    label = str(est.params.get("labelCol", "label"))
    y = dataops.column(it, found[0], label, label)
    return models.evaluate(it, model, Data("frame", "predictions", node=data), y,
                           f"{est.cls.rsplit('.', 1)[-1]}.evaluate")
