"""Spark ML under the modelling rules: a scaler fit on all rows (preprocessing) and its clean twins."""

from __future__ import annotations

from leakguard.lineage.events import Evaluate, Fit
from tests.conftest import Kernel

IMPORTS = """
from pyspark.ml import Pipeline
from pyspark.ml.feature import VectorAssembler, StandardScaler
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.evaluation import BinaryClassificationEvaluator
asm = VectorAssembler(inputCols=['x', 'z'], outputCol='features')
data = asm.transform(df)
"""


def fits(k: Kernel) -> list[Fit]:
    return list(k.session.graph.fits.values())


def test_scaler_fit_on_all_rows_reaching_the_model_is_preprocessing(sk: Kernel) -> None:
    sk.run(IMPORTS)
    sk.run("scaler = StandardScaler(inputCol='features', outputCol='scaled').fit(data)\n"
           "scaled = scaler.transform(data)\n"
           "train, test = scaled.randomSplit([0.8, 0.2], seed=1)")
    r = sk.run("model = LogisticRegression(featuresCol='scaled', labelCol='churned', maxIter=5).fit(train)")
    assert "preprocessing" in r.rules
    assert "target" not in r.rules  # the label column beside the features is not a feature
    scaler_fit, model_fit = fits(sk)[-2:]
    assert scaler_fit.learner == "transformer" and model_fit.learner == "model"
    assert sk.session.graph.nodes[model_fit.target].columns == ("churned",)  # type: ignore[index]
    r = sk.run("auc = BinaryClassificationEvaluator(labelCol='churned').evaluate(model.transform(test))")
    evaluation = sk.session.graph.evaluations[-1]
    assert isinstance(evaluation, Evaluate) and evaluation.model in sk.session.graph.fits
    assert 0.0 <= sk.ns["auc"] <= 1.0


def test_scaler_fit_on_the_train_part_is_clean(sk: Kernel) -> None:
    sk.run(IMPORTS)
    sk.run("train, test = data.randomSplit([0.8, 0.2], seed=1)\n"
           "scaler = StandardScaler(inputCol='features', outputCol='scaled').fit(train)")
    r = sk.run("model = LogisticRegression(featuresCol='scaled', labelCol='churned', maxIter=5)"
               ".fit(scaler.transform(train))\n"
               "auc = BinaryClassificationEvaluator(labelCol='churned').evaluate(model.transform(scaler.transform(test)))")
    assert "preprocessing" not in r.rules and "target" not in r.rules


def test_pipeline_fit_on_train_is_clean(sk: Kernel) -> None:
    sk.run(IMPORTS)
    sk.run("train, test = leakguard.split(df)")
    r = sk.run("pipe = Pipeline(stages=[asm, StandardScaler(inputCol='features', outputCol='scaled'), "
               "LogisticRegression(featuresCol='scaled', labelCol='churned', maxIter=5)])\n"
               "model = pipe.fit(train)\n"
               "auc = BinaryClassificationEvaluator(labelCol='churned').evaluate(model.transform(test))")
    assert r.findings == []
    fit = fits(sk)[-1]
    assert fit.learner == "model" and fit.estimator.startswith("Pipeline(VectorAssembler, StandardScaler")


def test_label_among_the_assembled_features_is_the_target_rule(sk: Kernel) -> None:
    sk.run(IMPORTS)
    sk.run("leaky = VectorAssembler(inputCols=['x', 'churned'], outputCol='f2').transform(df)\n"
           "tr, te = leaky.randomSplit([0.8, 0.2], seed=1)")
    r = sk.run("m = LogisticRegression(featuresCol='f2', labelCol='churned', maxIter=5).fit(tr)")
    assert "target" in r.rules
