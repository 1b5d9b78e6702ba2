"""New columns of Spark frames (withColumn, withColumns, select of aliases) carry column lineage to the target rule."""

from __future__ import annotations

import pytest

from tests.conftest import Kernel
from tests.spark.conftest import job_ids

ML = """
from pyspark.sql import Window
from pyspark.ml.feature import VectorAssembler
from pyspark.ml.classification import LogisticRegression
"""
FIT = """
data = VectorAssembler(inputCols=['x', 'ratio'], outputCol='features').transform(df2)
train, test = data.randomSplit([0.8, 0.2], seed=1)
model = LogisticRegression(featuresCol='features', labelCol='churned', maxIter=5).fit(train)
"""


@pytest.mark.parametrize(("make", "expected"), [
    # computed row by row from the label: an error at the fit
    ("df2 = df.withColumn('ratio', F.col('z') / (F.col('churned') + 1))", "error"),
    ("df2 = df.withColumns({'ratio': F.col('churned') * 2, 'w': F.col('x') + 1})", "error"),
    ("df2 = df.select('x', 'churned', (F.col('z') * F.col('churned')).alias('ratio'))", "error"),
    ("df2 = df.withColumn('r0', F.col('churned') + 1).withColumn('ratio', F.col('r0') * F.col('z'))", "error"),
    # a per-group statistic of the label over every row, broadcast back: a target encoding (warning)
    ("df2 = df.withColumn('ratio', F.avg('churned').over(Window.partitionBy('plan')))", "warning"),
    # twins: no label inside
    ("df2 = df.withColumn('ratio', F.col('z') / F.col('x'))", None),
    ("df2 = df.withColumns({'ratio': F.col('z') * 2})", None),
    ("df2 = df.select('x', 'churned', (F.col('z') * 2).alias('ratio'))", None),
    ("df2 = df.withColumn('ratio', F.avg('z').over(Window.partitionBy('plan')))", None),
    # the label replaced by something else, then used under another name: clean
    ("df2 = df.withColumn('ratio', F.col('z')).withColumn('churned', F.col('churned'))", None),
])
def test_new_columns_carry_the_label(sk: Kernel, make: str, expected: str | None) -> None:
    sk.run(ML)
    r = sk.run(make)
    assert r.findings == []
    r = sk.run(FIT)
    found = [f for f in r.findings if f.rule == "target"]
    if expected is None:
        assert found == [], [f.message for f in found]
    else:
        assert [f.severity for f in found] == [expected], [f.message for f in found]
    assert not sk.session._internal_errors


def test_the_window_statistic_over_the_training_part_is_clean(sk: Kernel) -> None:
    sk.run(ML)
    sk.run("tr, te = leakguard.split(df)\n"
           "df2 = tr.withColumn('ratio', F.avg('churned').over(Window.partitionBy('plan')))")
    r = sk.run("data = VectorAssembler(inputCols=['x', 'ratio'], outputCol='features').transform(df2)\n"
               "model = LogisticRegression(featuresCol='features', labelCol='churned', maxIter=5).fit(data)")
    assert "target" not in r.rules


def test_label_only_as_label_col_is_clean(sk: Kernel) -> None:
    sk.run(ML)
    sk.run("df2 = df.withColumn('ratio', F.col('z') / F.col('x'))")
    r = sk.run(FIT)
    assert "target" not in r.rules  # (temporal: the policy's cutoff, randomSplit keeps later rows)


def test_the_finding_names_the_assignment_and_no_job_runs(sk: Kernel, spark: object) -> None:
    sk.run(ML)
    before = job_ids(spark)
    sk.run("df2 = df.withColumn('ratio', F.col('z') / (F.col('churned') + 1))\n"
           "df3 = df2.withColumns({'a': F.col('x') * 2})\n"
           "df4 = df3.select('x', (F.col('a') + 1).alias('b'))\n"
           "df5 = df.select(F.mean('x').alias('m'))")
    assert job_ids(spark) == before  # leakguard started no job
    graph = sk.session.graph
    node = graph.nodes[sk.session.tracker.node_of(sk.ns["df2"])]  # type: ignore[index]
    assert node.assigned == "ratio" and node.column_sources["ratio"] == {"z", "churned"}
    assert node.columns == (*sk.ns["df"].columns, "ratio")
    four = graph.nodes[sk.session.tracker.node_of(sk.ns["df4"])]  # type: ignore[index]
    assert four.columns == ("x", "b") and four.column_sources["b"] == {"x"}
    assert sk.session.tracker.node_of(sk.ns["df5"]) is None or graph.nodes[
        sk.session.tracker.node_of(sk.ns["df5"])].assigned is None  # type: ignore[index]
    r = sk.run(FIT)
    [f] = [f for f in r.findings if f.rule == "target"]
    assert "churned" in f.message


def test_a_failing_with_column_still_fails_as_without_leakguard(sk: Kernel) -> None:
    r = sk.run("df2 = df.withColumn('r', F.col('nope') + 1)", raises=True)
    assert r.error is not None and "nope" in str(r.error).lower()
    r = sk.run("df2 = df.withColumn('r', 1)", raises=True)  # not a Column: pyspark's own error
    assert r.error is not None
    r = sk.run("df2 = df.withColumn('w', F.col('x') + 1)")
    assert r.error is None and sk.ns["df2"].columns[-1] == "w"
    assert not sk.session._internal_errors
