"""Polars SQL through the SQL guard: pl.sql, DataFrame.sql, LazyFrame.sql, SQLContext.execute; warn, safe, block."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tests.conftest import Kernel

PEEK = ["peek-future", "peek-holdout"]


@pytest.mark.parametrize("cell", [
    "pl.sql('SELECT avg(x) FROM df').collect()", "pl.sql('SELECT avg(x) FROM lf', eager=True)",
    "df.sql('SELECT avg(x) FROM self')", "lf.sql('SELECT max(z) AS m FROM t', table_name='t').collect()",
    "pl.SQLContext(df=df).execute('SELECT avg(x) FROM df', eager=True)",
])
def test_sql_aggregate_over_all_rows_peeks(pl_events: Kernel, cell: str) -> None:
    assert pl_events.run(cell).rules == PEEK


@pytest.mark.parametrize("cell", [
    "pl.sql('SELECT avg(x) FROM train').collect()", "train.sql('SELECT avg(x) FROM self')",
    "pl.SQLContext(train=train).execute('SELECT avg(x) FROM train', eager=True)",
])
def test_sql_aggregate_over_the_train_part_is_clean(pl_events: Kernel, cell: str) -> None:
    pl_events.run("train, test = leakguard.split(df)")
    assert pl_events.run(cell).findings == []


def test_sql_bounded_at_the_cutoff_removes_future(pl_events: Kernel) -> None:
    r = pl_events.run("pl.sql(\"SELECT avg(x) FROM df WHERE event_ts <= '2024-06-01'\").collect()")
    assert r.rules == ["peek-holdout"]


def test_sql_label_rate_by_group_is_peek_label(pl_events: Kernel) -> None:
    r = pl_events.run("lf.sql('SELECT plan, avg(churned) FROM self GROUP BY plan').collect()")
    assert r.rules == ["peek-label"]
    pl_events.run("tr, te = leakguard.split(lf)")
    assert pl_events.run("tr.sql('SELECT plan, avg(churned) FROM self GROUP BY plan').collect()").findings == []


def test_sql_finds_frames_local_to_a_function(pl_events: Kernel) -> None:
    pl_events.run("def rate():\n    local = pl.DataFrame({'k': [1, 2, 3]})\n"
                  "    return pl.sql('SELECT sum(k) AS s FROM local', eager=True)\nout = rate()")
    assert pl_events.ns["out"]["s"][0] == 6


@pytest.fixture
def marked(pl_events: Kernel) -> Kernel:
    """A policy whose holdout is a mask column, so SQL can exclude it exactly."""
    pl_events.run("df = df.with_columns(is_test=pl.col('x') > 1.0)")
    pl_events.run("leakguard.policy(label='churned', time='event_ts', cutoff='2024-06-01', holdout_column='is_test')")
    return pl_events


def test_safe_mode_restricts_polars_sql(marked: Kernel) -> None:
    marked.run("%leakguard mode safe")
    r = marked.run("got = pl.sql('SELECT avg(x) AS m FROM df', eager=True)")
    assert r.findings == [] and any("safe mode restricted" in n for n in r.notes)
    df: pl.DataFrame = marked.ns["df"]
    expected = df.filter((pl.col("event_ts") <= dt.datetime(2024, 6, 1)) & ~pl.col("is_test"))["x"].mean()
    assert marked.ns["got"]["m"][0] == pytest.approx(expected)


def test_safe_mode_restricts_frame_sql_lazily(marked: Kernel) -> None:
    marked.run("%leakguard mode safe")
    r = marked.run("q = df.lazy().sql('SELECT count(*) AS n FROM self')")
    assert r.findings == []
    df: pl.DataFrame = marked.ns["df"]
    expected = df.filter((pl.col("event_ts") <= dt.datetime(2024, 6, 1)) & ~pl.col("is_test")).height
    assert marked.ns["q"].collect()["n"][0] == expected


def test_warn_mode_runs_the_sql_unchanged(marked: Kernel) -> None:
    # (a bare count of a whole table is a row count, no look: an average beside it makes the query a look)
    r = marked.run("got = pl.sql('SELECT count(*) AS n, avg(x) AS m FROM df', eager=True)")
    assert r.rules == PEEK and marked.ns["got"]["n"][0] == 1000


def test_a_bare_row_count_in_polars_sql_is_no_look(marked: Kernel) -> None:
    r = marked.run("got = pl.sql('SELECT count(*) AS n FROM df', eager=True)")
    assert r.rules == [] and marked.ns["got"]["n"][0] == 1000


def test_block_mode_raises_before_the_query(pl_events: Kernel) -> None:
    pl_events.run("%leakguard mode block")
    r = pl_events.run("got = pl.sql('SELECT avg(x) FROM df', eager=True)", raises=True)
    assert type(r.error).__name__ == "LeakageError" and "got" not in pl_events.ns
    assert pl_events.run("rows = pl.sql('SELECT x FROM df LIMIT 3', eager=True)").error is None
