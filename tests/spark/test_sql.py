"""spark.sql through the SQL guard: temp views carry lineage; warn, safe (rewritten, lazily) and block."""

from __future__ import annotations

import datetime as dt

from leakguard.errors import LeakageError
from leakguard.lineage.events import Query
from tests.conftest import Kernel
from tests.spark.conftest import job_ids

AGG = "SELECT plan, avg(x) AS m, max(event_ts) AS newest FROM events GROUP BY plan"


def test_aggregate_over_a_temp_view_of_all_rows_peeks(sk: Kernel) -> None:
    sk.run("df.createOrReplaceTempView('events')")
    r = sk.run(f"q = spark.sql({AGG!r})")
    assert r.rules == ["peek-future", "peek-holdout"]
    query = next(e for e in reversed(sk.session.graph.events) if isinstance(e, Query))
    assert query.dialect == "spark" and query.tables == ("events",)


def test_label_related_in_spark_sql(sk: Kernel) -> None:
    sk.run("df.createOrReplaceTempView('events')")
    assert "peek-label" in sk.run("spark.sql('SELECT plan, avg(churned) FROM events GROUP BY plan')").rules


def test_view_of_training_rows_is_clean(sk: Kernel) -> None:
    sk.run("train, test = leakguard.split(df)\ntrain.createOrReplaceTempView('tr')")
    assert sk.run("spark.sql('SELECT plan, avg(churned) FROM tr GROUP BY plan')").findings == []


def test_plain_rows_from_spark_sql_are_not_a_finding(sk: Kernel) -> None:
    sk.run("df.createOrReplaceTempView('events')")
    assert sk.run("spark.sql('SELECT * FROM events LIMIT 5').toPandas()").findings == []


def test_a_bound_at_the_cutoff_leaves_no_future(sk: Kernel) -> None:
    sk.run("df.createOrReplaceTempView('events')")
    r = sk.run("spark.sql(\"SELECT avg(x) FROM events WHERE event_ts <= '2024-06-01'\")")
    assert "peek-future" not in r.rules


def test_the_result_of_a_query_is_not_judged_again_by_its_action(sk: Kernel) -> None:
    sk.run("df.createOrReplaceTempView('events')")
    sk.run(f"q = spark.sql({AGG!r})")
    assert sk.run("q.collect()").findings == []


def test_global_temp_views_are_tracked(sk: Kernel) -> None:
    sk.run("train, test = leakguard.split(df)\ntest.createOrReplaceGlobalTempView('te')")
    assert "peek-holdout" in sk.run("spark.sql('SELECT avg(x) FROM global_temp.te')").rules


def test_safe_mode_rewrites_the_query_lazily(sk: Kernel, spark: object) -> None:
    sk.run("df.createOrReplaceTempView('events')")
    sk.run("%leakguard mode safe")
    before = job_ids(spark)
    r = sk.run(f"q = spark.sql({AGG!r})")
    assert job_ids(spark) == before, "safe mode started a job"
    assert "peek-future" not in r.rules
    assert any("safe mode restricted this query" in n for n in r.notes)
    newest = max(row["newest"] for row in sk.ns["q"].collect())
    assert newest <= dt.datetime(2024, 6, 1)


def test_block_mode_raises_before_the_query_is_sent(sk: Kernel, spark: object) -> None:
    sk.run("df.createOrReplaceTempView('events')")
    sk.run("%leakguard mode block")
    before = job_ids(spark)
    r = sk.run(f"q = spark.sql({AGG!r})", raises=True)
    assert isinstance(r.error, LeakageError) and "q" not in sk.ns
    assert job_ids(spark) == before


def test_hostile_view_and_column_names(kernel: Kernel, spark: object) -> None:
    kernel.ns["spark"] = spark
    kernel.run("import leakguard\nfrom tests.conftest import make_events\n"
               "h = spark.createDataFrame(make_events().rename(columns={'event_ts': 'ti me', 'x': 'we`ird'}))")
    kernel.run("leakguard.policy(label='churned', time='ti me', cutoff='2024-06-01', holdout=0.2)")
    kernel.run("h.createOrReplaceTempView('Odd_View')")
    r = kernel.run("spark.sql('SELECT avg(`we``ird`) FROM odd_view')")
    assert {"peek-future", "peek-holdout"} <= set(r.rules)
    kernel.run("%leakguard mode safe")
    r = kernel.run("q = spark.sql('SELECT max(`ti me`) AS t FROM odd_view')")
    assert not any("internal problem" in n for n in r.notes)
    assert kernel.ns["q"].collect()[0]["t"] <= dt.datetime(2024, 6, 1)
