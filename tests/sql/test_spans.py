"""Safe mode's text rewrite across dialects: only the table reference changes, or the rewrite is refused."""

from __future__ import annotations

import pytest

from leakguard.policy import Policy
from leakguard.sql.analysis import analyse
from leakguard.sql.rewrite import Restriction, RewriteError, restrict

POLICY = Policy(time="ts", cutoff="2024-06-01")


def rewritten(sql: str, dialect: str) -> str:
    a = analyse(sql, dialect, POLICY)
    return restrict(a, {id(s): Restriction(time_column="ts") for s in a.scans if s.ref.name != "plans"}, POLICY)


@pytest.mark.parametrize(("dialect", "sql", "replaced", "table", "alias"), [
    ("duckdb", "SELECT count(*) FROM ev", "ev", "ev", "ev"),
    ("duckdb", 'SELECT count(*) FROM main."Ev" AS e', 'main."Ev" AS e', 'main."Ev"', "e"),
    ("duckdb", "SELECT count(*) FROM read_parquet('d/ev.parquet', hive_partitioning = true) AS p(a, ts)",
     "read_parquet('d/ev.parquet', hive_partitioning = true) AS p(a, ts)",
     "read_parquet('d/ev.parquet', hive_partitioning = true)", "p(a, ts)"),
    ("duckdb", "SELECT count(*) FROM 'd/ev.parquet'", "'d/ev.parquet'", "'d/ev.parquet'", "ev"),
    ("duckdb", "SELECT count(*) FROM ev USING SAMPLE 10%", "ev", "ev", "ev"),  # the query's sample stays outside
    ("bigquery", "SELECT COUNT(*) FROM `proj.ds.ev` t", "`proj.ds.ev` t", "`proj.ds.ev`", "t"),
    ("bigquery", "SELECT COUNT(*) FROM `proj.ds.ev`", "`proj.ds.ev`", "`proj.ds.ev`", "`ev`"),
    ("snowflake", "SELECT count(*) FROM db.sch.EV e", "db.sch.EV e", "db.sch.EV", "e"),
    ("spark", "SELECT count(*) FROM `ev` AS e", "`ev` AS e", "`ev`", "e"),
    ("postgres", "SELECT count(*) FROM ev e JOIN plans p USING (plan)", "ev e", "ev", "e"),
])
def test_only_the_table_reference_changes(dialect: str, sql: str, replaced: str, table: str, alias: str) -> None:
    new = rewritten(sql, dialect)
    head, tail = sql.split(replaced)
    assert new.startswith(head) and new.endswith(tail)
    middle = new[len(head):len(new) - len(tail)]
    assert middle.startswith(f"(SELECT * FROM {table} WHERE ") and middle.endswith(f") AS {alias}")


@pytest.mark.parametrize(("dialect", "sql"), [
    ("duckdb", "SELECT count(*) FROM ev TABLESAMPLE 10%"),
    ("postgres", "SELECT count(*) FROM ONLY ev"),
    ("duckdb", "SELECT count(*) FROM read_parquet('d/ev.parquet')"),  # a table function needs an alias
])
def test_a_scan_that_cannot_be_cut_exactly_is_refused(dialect: str, sql: str) -> None:
    with pytest.raises(RewriteError):
        rewritten(sql, dialect)


def test_two_restricted_scans_and_markers_stay_where_they_were() -> None:
    sql = "SELECT a.x, count(*) FROM ev a JOIN ev b ON a.id = b.id WHERE a.x > ? AND b.y = :name GROUP BY a.x"
    new = rewritten(sql, "sqlite")
    assert new.count("(SELECT * FROM ev WHERE JULIANDAY(ts) <= JULIANDAY('2024-06-01 00:00:00'))") == 2
    assert new.startswith("SELECT a.x, count(*) FROM (") and new.endswith(
        ") AS b ON a.id = b.id WHERE a.x > ? AND b.y = :name GROUP BY a.x")
