"""Safe mode keeps the user's SQL: same result column names, the plain query's rows on training rows, same errors.

Each query runs three ways on real DuckDB and real sqlite3: as written on a table that holds
only the training rows (the expectation), as written on the whole table in warn mode, and in
safe mode on the whole table. Safe mode must give the first one's column names and rows.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from tests.conftest import Kernel, make_events

CUTOFF = pd.Timestamp("2024-06-01")

BOTH = [
    "SELECT count(*), avg(x) FROM ev",
    "select Count(*) as n, AVG(x), min(z) from ev",
    'SELECT e."plan" AS "Plan", count(*) AS "N rows" FROM "ev" AS e GROUP BY e."plan" ORDER BY 1',
    "SELECT count(*) FROM ev WHERE ev.x > 0",
    "WITH s AS (SELECT plan, x FROM ev WHERE x > 0) SELECT plan, avg(x) FROM s GROUP BY plan ORDER BY plan",
    "SELECT p.label, sum(e.z) FROM ev e JOIN plans p ON e.plan = p.plan GROUP BY p.label ORDER BY 1",
    "SELECT plan, count(*) FROM ev WHERE x > (SELECT avg(x) FROM ev) GROUP BY plan ORDER BY plan",
    "SELECT 'pos' AS side, count(*) FROM ev WHERE x > 0 UNION ALL SELECT 'neg', count(*) FROM ev WHERE x <= 0 "
    "ORDER BY side",
    "SELECT count(*) FROM ev a JOIN ev b ON a.event_ts = b.event_ts AND a.plan = b.plan",
]
DUCKDB_ONLY = [
    "SELECT plan, max_by(x, event_ts), list(x ORDER BY event_ts)[1] AS first_x, string_agg(plan, ',') "
    "FROM ev GROUP BY plan ORDER BY plan",
    "SELECT max(event_ts)::VARCHAR, min(x)::DECIMAL(8, 3), arg_min(plan, x) FROM ev",
    "FROM ev SELECT plan, count(*) FILTER (WHERE x > 0) GROUP BY ALL ORDER BY ALL",
    "SELECT date_trunc('month', event_ts) AS m, count(*) FROM ev GROUP BY m ORDER BY m",
]
SQLITE_ONLY = [
    "SELECT plan, group_concat(plan), total(z) FROM ev GROUP BY plan ORDER BY plan",
    "SELECT max(event_ts), substr(min(event_ts), 1, 7) FROM ev",
    "SELECT [plan], count(*) FROM `ev` GROUP BY [plan] ORDER BY 1",
]
# queries SQLite rejects as written: safe mode must not make them valid
SQLITE_FAILING = [
    "SELECT count(*), max_by(x, event_ts) FROM ev",
    "SELECT avg(x)::VARCHAR FROM ev",
    "SELECT plan, list(x) FROM ev GROUP BY plan",
    "SELECT count(*) FROM ev WHERE x > 0 QUALIFY 1",
]
DUCKDB_FAILING = [
    "SELECT count(*), total(x) FROM ev",
    "SELECT avg(nosuch) FROM ev",
]


def _rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows with floats rounded: the same sums over the same rows may differ in the last bits."""
    return [tuple(round(v, 9) if isinstance(v, float) and math.isfinite(v) else v for v in row) for row in rows]


def _setup(k: Kernel, engine: str) -> None:
    data = make_events()
    k.ns.update(all_rows=data, train_rows=data[data["event_ts"] <= CUTOFF].reset_index(drop=True))
    k.run("import duckdb, sqlite3, leakguard")
    if engine == "duckdb":
        k.run("con, ref = duckdb.connect(), duckdb.connect()\n"
              "con.execute('CREATE TABLE ev AS SELECT * FROM all_rows'); ref.execute('CREATE TABLE ev AS SELECT * FROM train_rows')")
    else:
        k.run("con, ref = sqlite3.connect(':memory:'), sqlite3.connect(':memory:')\n"
              "all_rows.to_sql('ev', con, index=False); train_rows.to_sql('ev', ref, index=False)")
    # a small table without a time column, made in SQL: nothing to restrict there
    k.run("for c in (con, ref):\n"
          "    c.execute('CREATE TABLE plans (plan TEXT, label TEXT)')\n"
          "    c.execute(\"INSERT INTO plans VALUES ('a', 'basic'), ('b', 'basic'), ('c', 'pro')\")")
    k.run("leakguard.policy(label='churned', time='event_ts', cutoff='2024-06-01', holdout=None)")


def _query(k: Kernel, con: str, sql: str, engine: str) -> Any:
    k.ns["q"] = sql
    if engine == "duckdb":
        return k.run(f"rel = {con}.sql(q)\nnames, rows = rel.columns, rel.fetchall()", raises=True)
    return k.run(f"cur = {con}.execute(q)\nnames, rows = [d[0] for d in cur.description], cur.fetchall()",
                 raises=True)


@pytest.mark.parametrize(("engine", "sql"), [*(("duckdb", q) for q in BOTH + DUCKDB_ONLY),
                                             *(("sqlite", q) for q in BOTH + SQLITE_ONLY)])
def test_safe_mode_keeps_column_names_and_gives_the_rows_of_the_training_table(
        kernel: Kernel, engine: str, sql: str) -> None:
    _setup(kernel, engine)
    assert _query(kernel, "ref", sql, engine).error is None
    expected = list(kernel.ns["names"]), _rows(kernel.ns["rows"])
    plain = _query(kernel, "con", sql, engine)
    assert plain.error is None and plain.findings  # it looks at future rows: safe mode has work to do
    kernel.run("leakguard.policy(mode='safe')")
    r = _query(kernel, "con", sql, engine)
    assert r.error is None and r.findings == []
    assert any(n.startswith("safe mode restricted") for n in r.notes), r.notes
    assert (list(kernel.ns["names"]), _rows(kernel.ns["rows"])) == expected


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_a_bare_row_count_is_no_finding_but_safe_mode_still_restricts_it(kernel: Kernel, engine: str) -> None:
    # the table's size is a schema-only look (LEAKAGE.md): the finding and the restriction are decided apart
    sql = "SELECT count(*) AS n FROM ev"
    _setup(kernel, engine)
    assert _query(kernel, "ref", sql, engine).error is None
    expected = list(kernel.ns["names"]), kernel.ns["rows"]
    plain = _query(kernel, "con", sql, engine)
    assert plain.error is None and plain.findings == [] and plain.notes == []
    assert kernel.ns["rows"][0][0] == len(make_events())
    kernel.run("leakguard.policy(mode='safe')")
    r = _query(kernel, "con", sql, engine)
    assert r.error is None and r.findings == []
    assert any(n.startswith("safe mode restricted") for n in r.notes), r.notes
    assert (list(kernel.ns["names"]), kernel.ns["rows"]) == expected
    assert _query(kernel, "con", "SELECT count(*) AS n FROM ev WHERE churned = 1", engine).findings


@pytest.mark.parametrize(("engine", "sql"), [*(("sqlite", q) for q in SQLITE_FAILING),
                                             *(("duckdb", q) for q in DUCKDB_FAILING)])
def test_a_query_that_fails_as_written_fails_the_same_way_in_safe_mode(kernel: Kernel, engine: str, sql: str) -> None:
    _setup(kernel, engine)
    plain = _query(kernel, "con", sql, engine)
    assert plain.error is not None
    kernel.run("leakguard.policy(mode='safe')")
    r = _query(kernel, "con", sql, engine)
    assert type(r.error) is type(plain.error) and str(r.error) == str(plain.error)
    assert not any(n.startswith("safe mode") for n in r.notes), r.notes  # nothing was restricted, nor ran


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_a_query_bounded_by_the_user_is_sent_as_written(kernel: Kernel, engine: str) -> None:
    _setup(kernel, engine)
    sql = "SELECT count(*), avg(x) FROM ev WHERE event_ts <= '2024-06-01 00:00:00'"
    assert _query(kernel, "con", sql, engine).findings == []
    expected = list(kernel.ns["names"]), kernel.ns["rows"]
    kernel.run("leakguard.policy(mode='safe')")
    r = _query(kernel, "con", sql, engine)
    assert r.error is None and r.findings == [] and not any("safe mode" in n for n in r.notes)
    assert (list(kernel.ns["names"]), kernel.ns["rows"]) == expected
    assert expected[1][0][0] == int((make_events()["event_ts"] <= CUTOFF).sum())


@pytest.mark.parametrize("how", ["con.sql(q).fetchall()", "%%sql"])
def test_a_restriction_the_database_rejects_runs_as_written_and_says_so(kernel: Kernel, how: str) -> None:
    # times stored as epoch seconds: the cutoff, a TIMESTAMP, cannot be compared with them
    kernel.run("import duckdb, leakguard\ncon = duckdb.connect()\n"
               "con.execute('CREATE TABLE ev AS SELECT 1704067200 + range * 21600 AS event_ts, range % 7 AS x "
               "FROM range(1000)')")
    kernel.run("leakguard.policy(time='event_ts', cutoff='2024-06-01', holdout=None, mode='safe')")
    # (a statistic beside the count: a bare ``count(*)`` is restricted too, but it is no finding)
    kernel.ns["q"] = "SELECT count(*) AS n, max(x) AS top FROM ev"
    cell = "%%sql con -o got\nSELECT count(*) AS n, max(x) AS top FROM ev" if how == "%%sql" else f"got = {how}"
    r = kernel.run(cell)
    n = int(kernel.ns["got"]["n"][0]) if how == "%%sql" else kernel.ns["got"][0][0]
    assert n == 1000  # all rows, as the note says; and the finding is shown, not hidden by the failed restriction
    assert r.rules == ["peek-future"]
    assert [x for x in r.notes if x.startswith("safe mode")] == [
        x for x in r.notes if "could not run the restricted query" in x] and len(r.notes) == 1


def test_a_sql_cell_that_fails_as_written_fails_the_same_way_in_safe_mode(kernel: Kernel) -> None:
    _setup(kernel, "duckdb")
    cell = "%%sql con\nSELECT count(*), total(x) FROM ev"
    plain = kernel.run(cell, raises=True)
    kernel.run("leakguard.policy(mode='safe')")
    r = kernel.run(cell, raises=True)
    assert plain.error is not None and type(r.error) is type(plain.error) and str(r.error) == str(plain.error)
    assert not any(n.startswith("safe mode") for n in r.notes), r.notes
