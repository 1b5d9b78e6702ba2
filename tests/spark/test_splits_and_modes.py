"""randomSplit and filters as splits, leakguard.split, safe and block modes, jobs, unload."""

from __future__ import annotations

import datetime as dt

from leakguard.errors import LeakageError
from leakguard.libraries.api import resolve
from leakguard.libraries.spark.catalog import ENTRIES
from leakguard.lineage.events import Split
from tests.conftest import Kernel
from tests.spark.conftest import job_ids


def last_split(k: Kernel) -> Split:
    return k.session.graph.splits[-1]


def test_random_split_makes_train_and_holdout_parts(sk: Kernel) -> None:
    sk.run("tr, va, te = df.randomSplit([0.7, 0.1, 0.2], seed=1)")
    split = last_split(sk)
    assert split.method == "randomSplit" and split.inferred
    assert [p.role for p in split.parts] == ["train", "holdout", "holdout"]
    assert sk.session.node_for_name("tr").split_role == "train"
    # the train part still holds rows past the cutoff: peek-future, not peek-holdout
    assert sk.run("tr.summary()").rules == ["peek-future"]
    assert "peek-holdout" in sk.run("te.summary()").rules


def test_random_split_infers_the_holdout_fraction(kernel: Kernel, spark: object, events_parquet: object) -> None:
    kernel.ns["spark"] = spark
    kernel.run(f"import leakguard\ndf = spark.read.parquet({str(events_parquet)!r})")
    kernel.run("leakguard.policy(label='churned')")
    kernel.run("a, b = df.randomSplit([3.0, 1.0], seed=3)")
    h = kernel.session.policy.holdout
    assert h.fraction == 0.25 and "holdout" in kernel.session.policy.inferred


def test_random_split_after_a_cutoff_filter_gives_clean_training_rows(sk: Kernel) -> None:
    sk.run("past = df.filter(F.col('event_ts') <= '2024-06-01')\ntr, te = past.randomSplit([0.8, 0.2], seed=1)")
    assert sk.run("tr.summary()").findings == []


def test_filter_at_the_cutoff_removes_the_future(sk: Kernel) -> None:
    sk.run("past = df.filter(F.col('event_ts') <= '2024-06-01')")
    sk.run("later = df.where('event_ts > \"2024-07-01\"')")
    sk.run("other = df.filter(F.col('x') > 0)")
    assert not sk.session.node_for_name("past").rows.has("future")
    assert sk.session.node_for_name("later").rows.parts == frozenset({"future"})
    assert sk.session.node_for_name("other").rows.has("future")
    assert sk.session.graph.splits == []  # no complementary pair among these


def test_complementary_filters_are_a_time_ordered_split(sk: Kernel) -> None:
    sk.run("train = df.filter(F.col('event_ts') < '2024-05-01')\ntest = df.filter(F.col('event_ts') >= '2024-05-01')")
    split = last_split(sk)
    assert split.method == "filter at 2024-05-01 00:00:00" and split.time_ordered and split.inferred
    roles = {sk.session.graph.nodes[p.out].name: p.role for p in split.parts}
    assert roles == {"train": "train", "test": "holdout"}
    assert sk.run("train.summary()").findings == []
    assert "peek-holdout" in sk.run("test.summary()").rules


def test_negated_condition_pairs_are_a_split_too(sk: Kernel) -> None:
    sk.run("cond = F.col('x') > 0.5\nbig = df.filter(~cond)\nsmall_test = df.filter(cond)")
    split = last_split(sk)
    roles = {sk.session.graph.nodes[p.out].name: p.role for p in split.parts}
    assert roles == {"big": "train", "small_test": "holdout"}


def test_non_complementary_filters_are_not_a_split(sk: Kernel) -> None:
    sk.run("a = df.filter(F.col('event_ts') < '2024-05-01')\nb = df.filter(F.col('event_ts') >= '2024-05-02')")
    assert sk.session.graph.splits == []


def test_leakguard_split_is_lazy_and_exact(sk: Kernel, spark: object) -> None:
    before = job_ids(spark)
    sk.run("train, test = leakguard.split(df)")
    assert job_ids(spark) == before  # no job to split
    train, test = sk.ns["train"], sk.ns["test"]
    assert train.filter("event_ts > '2024-06-01'").count() == 0
    assert test.filter("event_ts > '2024-06-01'").count() == 0
    n_train, n_test = train.count(), test.count()
    assert n_train + n_test == 609  # rows up to the cutoff
    assert abs(n_test - 0.2 * 609) <= 3  # the most recent 20% of them (an approximate percentile)
    newest_train = train.agg({"event_ts": "max"}).collect()[0][0]
    oldest_test = test.agg({"event_ts": "min"}).collect()[0][0]
    assert newest_train < oldest_test


def test_leakguard_split_without_a_time_column_draws_a_seeded_hash(kernel: Kernel, spark: object,
                                                                    events_parquet: object) -> None:
    # no time column: the holdout is a seeded hash of each row (xxhash64), the same rows every time
    sk = kernel
    sk.ns["spark"] = spark
    sk.run(f"import leakguard\nfrom pyspark.sql import functions as F\ndf = spark.read.parquet({str(events_parquet)!r})")
    sk.run("leakguard.policy(label='churned', holdout=0.25, seed=3)")
    before = job_ids(spark)
    r = sk.run("train, test = leakguard.split(df)")
    assert r.error is None and job_ids(spark) == before
    train, test = sk.ns["train"], sk.ns["test"]
    n_train, n_test = train.count(), test.count()
    assert n_train + n_test == 1000
    assert 200 <= n_test <= 300  # about a quarter
    assert train.join(test, on="event_ts").count() == 0  # disjoint
    again = sk.run("train2, test2 = leakguard.split(df)")
    assert again.error is None
    assert sorted(r[0] for r in sk.ns["test2"].select("event_ts").collect()) == \
        sorted(r[0] for r in test.select("event_ts").collect())
    assert sk.run("train.groupBy('plan').agg(F.mean('churned')).collect()").findings == []


def test_warn_mode_starts_no_job_of_its_own(sk: Kernel, spark: object) -> None:
    # jobs started from this thread (where leakguard works) carry the group; other threads' do not
    spark.sparkContext.setJobGroup("leakguard-warn", "leakguard must start no job")  # type: ignore[attr-defined]
    r = sk.run("s = df.summary()\n"
               "g = df.groupBy('plan').agg(F.mean('churned'))\n"
               "past = df.filter(F.col('event_ts') <= '2024-06-01')\n"
               "tr, te = past.randomSplit([0.8, 0.2], seed=2)\n"
               "a = tr.filter(F.col('x') < 0)\nb = tr.filter(~(F.col('x') < 0))\n"
               "df.createOrReplaceTempView('ev')\n"
               "q = spark.sql('SELECT plan, avg(x) FROM ev GROUP BY plan')\n"
               "t1, t2 = leakguard.split(df)")
    assert {"peek-holdout", "peek-label"} <= set(r.rules)
    tracker = spark.sparkContext.statusTracker()  # type: ignore[attr-defined]
    assert tracker.getJobIdsForGroup("leakguard-warn") == [], "leakguard started a Spark job"
    # an action runs exactly the jobs it runs without leakguard
    sc = spark.sparkContext  # type: ignore[attr-defined]
    sc.setJobGroup("with-leakguard", "")
    sk.run("rows = df.groupBy('plan').agg(F.mean('x')).collect()")
    sk.run("%unload_ext leakguard")
    sc.setJobGroup("without-leakguard", "")
    sk.run("rows = df.groupBy('plan').agg(F.mean('x')).collect()")
    sk.run("%load_ext leakguard")
    with_lg, without = tracker.getJobIdsForGroup("with-leakguard"), tracker.getJobIdsForGroup("without-leakguard")
    assert len(with_lg) == len(without) >= 1
    sc.setLocalProperty("spark.jobGroup.id", None)


def test_safe_mode_restricts_lazily_and_equals_the_training_rows(sk: Kernel, spark: object) -> None:
    sk.run("%leakguard mode safe")
    before = job_ids(spark)
    r = sk.run("s = df.summary()\ng = df.groupBy('plan').agg(F.mean('x').alias('m'), F.count('*').alias('n'))")
    assert job_ids(spark) == before, "safe mode started a job"
    assert r.findings == [] and any("safe mode" in n and "training rows" in n for n in r.notes)
    sk.run("%leakguard mode warn")
    sk.run("train, test = leakguard.split(df)")
    assert sk.ns["s"].collect() == sk.ns["train"].summary().collect()
    got = sorted(sk.ns["g"].collect())
    want = sorted(sk.ns["train"].groupBy("plan").agg({"x": "mean", "*": "count"}).collect())
    assert [(r[0], round(r[1], 9), r[2]) for r in got] == [(r[0], round(r[2], 9), r[1]) for r in want] or \
        [(r.plan, r.m, r.n) for r in got] == [(w[0], w["avg(x)"], w["count(1)"]) for w in want]


def test_safe_mode_on_a_frame_without_the_policy_columns_says_so(sk: Kernel) -> None:
    sk.run("%leakguard mode safe")
    r = sk.run("df.select('x', 'plan').summary()")
    assert "peek-holdout" in r.rules
    assert any("could not restrict" in n for n in r.notes)


def test_block_mode_raises_before_the_call(sk: Kernel) -> None:
    sk.run("%leakguard mode block")
    r = sk.run("s = df.summary()", raises=True)
    assert isinstance(r.error, LeakageError) and "s" not in sk.ns
    r = sk.run("rows = df.select(F.max('x')).collect()", raises=True)
    assert isinstance(r.error, LeakageError) and "rows" not in sk.ns
    sk.run("train, test = leakguard.split(df)")
    assert sk.run("s = train.summary()").findings == []


def test_unload_restores_every_spark_api_by_identity(sk: Kernel) -> None:
    wrapped = {api.qualname: resolve(api) for api in ENTRIES}
    sk.run("%unload_ext leakguard")
    originals = {api.qualname: resolve(api) for api in ENTRIES}
    sk.run("%load_ext leakguard")
    assert all(v is not None for v in originals.values())
    for name, found in wrapped.items():
        assert found is not None and found[2] is not originals[name][2], name  # type: ignore[index]
    sk.run("%unload_ext leakguard")
    again = {api.qualname: resolve(api) for api in ENTRIES}
    for name, found in originals.items():
        assert again[name][2] is found[2], name  # type: ignore[index]
    sk.run("%load_ext leakguard")


def test_cutoff_literal_is_read_in_the_session_time_zone(sk: Kernel) -> None:
    sk.run("train, test = leakguard.split(df)")
    newest = sk.ns["train"].agg({"event_ts": "max"}).collect()[0][0]
    assert newest <= dt.datetime(2024, 6, 1)
