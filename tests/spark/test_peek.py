"""Peek rules on Spark DataFrames: inspections and actions on aggregates, positive and negative twins."""

from __future__ import annotations

import pytest

from leakguard.lineage.events import Inspect
from tests.conftest import Kernel


def last_inspect(k: Kernel) -> Inspect:
    return next(e for e in reversed(k.session.graph.events) if isinstance(e, Inspect))


def test_summary_before_the_split_peeks_at_holdout_and_future(sk: Kernel) -> None:
    assert sk.run("df.summary()").rules == ["peek-future", "peek-holdout"]


def test_summary_of_split_train_rows_is_clean(sk: Kernel) -> None:
    sk.run("train, test = leakguard.split(df)")
    assert sk.run("train.summary()").findings == []
    assert sk.run("train.describe('x', 'z')").findings == []


def test_describe_then_show_is_one_inspection(sk: Kernel) -> None:
    r = sk.run("df.describe('x').show()")
    assert r.rules == ["peek-future", "peek-holdout"]
    assert {f.where.line for f in r.findings} == {1}


@pytest.mark.parametrize("cell", [
    "df.approxQuantile('x', [0.5], 0.01)",
    "df.freqItems(['plan'])",
    "df.agg(F.max('x'))",
])
def test_statistics_peek(sk: Kernel, cell: str) -> None:
    assert "peek-holdout" in sk.run(cell).rules


def test_label_related_to_a_feature_before_the_split(sk: Kernel) -> None:
    assert "peek-label" in sk.run("df.groupBy('plan').agg(F.mean('churned'))").rules
    assert "peek-label" in sk.run("df.stat.corr('x', 'churned')").rules
    assert "peek-label" in sk.run("df.crosstab('plan', 'churned')").rules


def test_label_on_training_rows_is_clean(sk: Kernel) -> None:
    sk.run("train, test = leakguard.split(df)")
    assert sk.run("train.groupBy('plan').agg(F.mean('churned'))").findings == []
    assert sk.run("train.groupBy('plan').mean('churned')").findings == []
    assert sk.run("train.stat.corr('x', 'churned')").findings == []


def test_group_keys_and_columns_are_what_the_aggregate_reads(sk: Kernel) -> None:
    sk.run("train, test = leakguard.split(df)")
    # one feature, no label: nothing relates the label
    assert sk.run("df.groupBy('plan').agg(F.max(F.col('x') + 1))").rules == ["peek-future", "peek-holdout"]
    event = last_inspect(sk)
    assert set(event.columns) == {"plan", "x"} and event.relates


def test_a_statistic_consumed_by_another_expression_is_not_a_peek(sk: Kernel) -> None:
    assert sk.run("q = len(df.describe('x').columns)").findings == []


def test_action_on_an_aggregate_plan_is_an_inspection(sk: Kernel) -> None:
    r = sk.run("df.select(F.mean('x')).collect()")
    assert r.rules == ["peek-future", "peek-holdout"]
    assert last_inspect(sk).op == "collect" and last_inspect(sk).columns == ("x",)
    assert "peek-label" in sk.run("agg = df.groupBy('plan').count()\nrows = df.select('plan', 'churned')"
                                  ".groupBy('plan').sum('churned').toPandas()").rules


def test_actions_on_plain_rows_are_not_findings(sk: Kernel) -> None:
    assert sk.run("df.limit(5).toPandas()").findings == []
    assert sk.run("df.show(3)").findings == []
    assert sk.run("df.take(2)").findings == []
    assert sk.run("df.filter(F.col('x') > 0).first()").findings == []


def test_action_on_a_recorded_inspection_is_not_judged_twice(sk: Kernel) -> None:
    sk.run("s = df.summary()")
    assert sk.run("s.collect()").findings == []
    sk.run("g = df.groupBy('plan').agg(F.mean('x'))")
    assert sk.run("g.orderBy('plan').toPandas()").findings == []


def test_action_on_an_aggregate_of_training_rows_is_clean(sk: Kernel) -> None:
    sk.run("train, test = leakguard.split(df)")
    assert sk.run("train.select(F.mean('x')).collect()").findings == []


def test_hostile_column_names(kernel: Kernel, spark: object) -> None:
    kernel.ns["spark"] = spark
    kernel.run("import leakguard, pandas as pd\nfrom pyspark.sql import functions as F\n"
               "from tests.conftest import make_events\n"
               "p = make_events().rename(columns={'event_ts': 'ti me', 'churned': 'lab`el', 'x': \"q'x \u00fc\"})")
    kernel.run("h = spark.createDataFrame(p)")
    kernel.run("leakguard.policy(label='lab`el', time='ti me', cutoff='2024-06-01', holdout=0.2, seed=7)")
    r = kernel.run("h.groupBy('plan').agg(F.mean(F.col('`lab``el`')))")
    assert "peek-label" in r.rules and r.notes == []
    r = kernel.run("past = h.filter(F.col('`ti me`') <= '2024-06-01')")
    assert r.notes == []
    assert not kernel.session.node_for_name("past").rows.has("future")
    kernel.run("tr, te = leakguard.split(h)")
    n_train, n_test = kernel.ns["tr"].count(), kernel.ns["te"].count()
    assert n_train + n_test == 609 and 100 < n_test < 140  # rows up to the cutoff; ~20% of them held out
    r = kernel.run("%leakguard mode safe")
    r = kernel.run("s = h.select('ti me', \"q'x \u00fc\").summary()")
    assert r.findings == [] or all(f.rule != "peek-holdout" for f in r.findings)
    assert any("safe mode" in n for n in r.notes), r.notes
    assert not any("internal problem" in n for n in r.notes)
