"""peek-holdout / peek-future / peek-label on Polars frames, eager and lazy: each positive case and its negative twin."""

from __future__ import annotations

import pytest

from tests.conftest import Kernel

PEEK = ["peek-future", "peek-holdout"]


@pytest.mark.parametrize("cell", [
    "df.describe()", "df.mean()", "df['x'].mean()", "df.get_column('x').std()", "m = df['x'].max()",
    "print(df['x'].median())", "df.quantile(0.9)", "df['plan'].value_counts()",
])
def test_eager_statistics_before_the_split_peek(pl_events: Kernel, cell: str) -> None:
    assert pl_events.run(cell).rules == PEEK


@pytest.mark.parametrize("cell", ["train.describe()", "train.mean()", "train['x'].mean()", "train.quantile(0.9)"])
def test_eager_statistics_of_the_train_part_are_clean(pl_events: Kernel, cell: str) -> None:
    pl_events.run("train, test = leakguard.split(df)")
    assert pl_events.run(cell).findings == []


def test_test_part_is_peek_holdout_only(pl_events: Kernel) -> None:
    pl_events.run("train, test = leakguard.split(df)")
    assert pl_events.run("test.describe()").rules == ["peek-holdout"]


@pytest.mark.parametrize("cell", ["lf.describe()", "lf.mean()", "m = lf.max()", "lf.select(pl.col('x').mean()).collect()"])
def test_lazy_statistics_before_the_split_peek(pl_events: Kernel, cell: str) -> None:
    assert pl_events.run(cell).rules == PEEK


@pytest.mark.parametrize("cell", ["ltrain.describe()", "ltrain.mean()", "ltrain.select(pl.col('x').mean()).collect()"])
def test_lazy_statistics_of_the_train_part_are_clean(pl_events: Kernel, cell: str) -> None:
    pl_events.run("ltrain, ltest = leakguard.split(lf)")
    assert pl_events.run(cell).findings == []


@pytest.mark.parametrize("frame", ["df", "lf"])
def test_group_rate_of_the_label_is_peek_label(pl_events: Kernel, frame: str) -> None:
    collect = ".collect()" if frame == "lf" else ""
    r = pl_events.run(f"{frame}.group_by('plan').agg(pl.col('churned').mean()){collect}")
    assert r.rules == ["peek-label"]
    assert "churned" in r.findings[0].message and "plan" in r.findings[0].message


@pytest.mark.parametrize("frame", ["df", "lf"])
def test_group_rate_of_the_label_on_train_is_clean(pl_events: Kernel, frame: str) -> None:
    pl_events.run(f"tr, te = leakguard.split({frame})")
    collect = ".collect()" if frame == "lf" else ""
    assert pl_events.run(f"tr.group_by('plan').agg(pl.col('churned').mean()){collect}").findings == []


def test_group_aggregate_without_the_label_is_a_plain_peek(pl_events: Kernel) -> None:
    assert pl_events.run("df.group_by('plan').agg(pl.col('x').mean())").rules == PEEK
    assert pl_events.run("df.group_by('plan').len()").rules == PEEK


def test_corr_with_the_label_is_peek_label_and_without_it_is_not(pl_events: Kernel) -> None:
    assert pl_events.run("df.select('x', 'z', 'churned').corr()").rules == ["peek-label"]
    assert pl_events.run("df.select('x', 'z').corr()").rules == PEEK


def test_label_alone_is_not_peek_label(pl_events: Kernel) -> None:
    assert pl_events.run("df['churned'].value_counts()").rules == PEEK


@pytest.mark.parametrize("cell", ["df.shape", "df.columns", "df.schema", "lf.collect_schema()", "len(df)", "df.head()"])
def test_schema_only_looks_are_not_findings(pl_events: Kernel, cell: str) -> None:
    assert pl_events.run(cell).findings == []


def test_statistic_consumed_by_another_expression_is_not_a_peek(pl_events: Kernel) -> None:
    r = pl_events.run("filled = df['x'].fill_null(df['x'].mean())")
    assert "peek-holdout" not in r.rules


def test_block_mode_raises_before_the_inspection(pl_events: Kernel) -> None:
    pl_events.run("%leakguard mode block")
    r = pl_events.run("out = df.describe()", raises=True)
    assert type(r.error).__name__ == "LeakageError"
    assert "out" not in pl_events.ns
    pl_events.run("train, test = leakguard.split(df)")
    assert pl_events.run("train.describe()").error is None
