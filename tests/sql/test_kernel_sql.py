"""The SQL guard in a real shell: %%sql, DuckDB, sqlite3, pandas.read_sql, SQLAlchemy; modes; bad input."""

from __future__ import annotations

import sqlite3

import duckdb
import pandas as pd
import pytest

from leakguard.errors import LeakageError
from tests.conftest import POLICY, Kernel, make_events

CUTOFF = pd.Timestamp("2024-06-01")


def test_sql_cell_on_a_dataframe_peeks_future_and_holdout(loaded_events: Kernel) -> None:
    r = loaded_events.run("%%sql\nSELECT plan, count(*) AS n FROM df GROUP BY plan")
    assert r.rules == ["peek-future", "peek-holdout"]
    assert isinstance(r.result, pd.DataFrame) and r.result["n"].sum() == 1000


def test_sql_cell_relating_the_label_is_peek_label(loaded_events: Kernel) -> None:
    assert loaded_events.run("%%sql\nSELECT plan, avg(churned) FROM df GROUP BY plan").rules == ["peek-label"]


def test_sql_on_the_train_part_is_clean(loaded_events: Kernel) -> None:
    loaded_events.run("train, test = leakguard.split(df)")
    assert loaded_events.run("%%sql\nSELECT plan, avg(churned) FROM train GROUP BY plan").findings == []


def test_output_frame_enters_lineage_without_future_when_bounded(loaded_events: Kernel) -> None:
    r = loaded_events.run("%%sql -o recent\nSELECT * FROM df WHERE event_ts <= '2024-06-01'")
    assert r.findings == []
    node = loaded_events.session.node_for_name("recent")
    assert node is not None and not node.rows.has("future") and "label" in node.taint
    assert (loaded_events.ns["recent"]["event_ts"] <= CUTOFF).all()
    unbounded = loaded_events.run("%%sql -o everything\nSELECT * FROM df")
    assert loaded_events.session.node_for_name("everything").rows.has("future")
    assert unbounded.findings == []  # a read, not an inspection
    assert loaded_events.run("everything.describe()").rules == ["peek-future", "peek-holdout"]


def test_block_mode_refuses_before_the_query_runs(loaded_events: Kernel) -> None:
    loaded_events.run("leakguard.policy(mode='block', holdout=None)")
    r = loaded_events.run("%%sql -o out\nSELECT max(event_ts) FROM df", raises=True)
    assert isinstance(r.error, LeakageError)
    assert "out" not in loaded_events.ns
    assert loaded_events.run("%%sql\nSELECT max(event_ts) FROM df WHERE event_ts <= '2024-06-01'").error is None


def test_unparseable_sql_runs_unchanged_with_one_info(loaded_events: Kernel) -> None:
    loaded_events.run("leakguard.policy(mode='block')")
    r = loaded_events.run("import duckdb\nduckdb.sql(\"SELECT 'it''s' AS a FROM range(1) WHERE\")", raises=True)
    assert r.error is not None and not isinstance(r.error, LeakageError)  # DuckDB's own error, not leakguard's
    assert [(f.rule, f.severity) for f in r.findings] == [("peek-future", "info")]


def test_duckdb_module_and_connection_calls_are_guarded(loaded_events: Kernel) -> None:
    loaded_events.run("import duckdb\ncon = duckdb.connect()")
    r = loaded_events.run("m = duckdb.sql('SELECT max(x) AS m FROM df').df()")
    assert r.rules == ["peek-future", "peek-holdout"]
    assert loaded_events.ns["m"]["m"][0] == pytest.approx(make_events()["x"].max())
    r = loaded_events.run("con.execute('SELECT count(*) FROM df WHERE event_ts < ? AND event_ts < DATE \\'2024-03-01\\'', ['2024-09-01']).fetchall()")
    assert r.rules == ["peek-holdout"]


def test_safe_mode_rewrite_on_duckdb_returns_exactly_the_rows_at_or_before_the_cutoff(loaded_events: Kernel) -> None:
    loaded_events.run("leakguard.policy(mode='safe', holdout=None)")
    r = loaded_events.run("%%sql -o got\nSELECT event_ts, x FROM df WHERE x > -10 ORDER BY event_ts")
    assert r.findings == []  # a read: nothing to restrict
    r = loaded_events.run("%%sql -o agg\nSELECT count(*) AS n, max(event_ts) AS last FROM df")
    assert any("safe mode restricted" in n for n in r.notes)
    data = make_events()
    expected = data[data["event_ts"] <= CUTOFF]
    assert int(loaded_events.ns["agg"]["n"][0]) == len(expected)
    assert pd.Timestamp(loaded_events.ns["agg"]["last"][0]) == expected["event_ts"].max()
    assert not loaded_events.session.node_for_name("agg").taint & {"future"}


def test_safe_mode_rewrite_on_sqlite_matches_a_hand_filter(loaded_events: Kernel) -> None:
    # the hand filter in plain Python: pandas calls in this process are guarded too
    hand: dict[str, int] = {}
    for ts, plan, x in zip(make_events()["event_ts"].tolist(), make_events()["plan"].tolist(),
                           make_events()["x"].tolist(), strict=True):
        if ts <= CUTOFF and x > 0:
            hand[plan] = hand.get(plan, 0) + 1
    loaded_events.run("leakguard.policy(mode='safe', holdout=None)")
    loaded_events.run("import sqlite3\ncon = sqlite3.connect(':memory:')\ndf.to_sql('events', con, index=False)")
    r = loaded_events.run("rows = con.execute('SELECT plan, count(*) FROM events WHERE x > ? GROUP BY plan ORDER BY plan', (0,)).fetchall()")
    assert r.rules == [] and any("safe mode restricted" in n for n in r.notes)
    assert dict(loaded_events.ns["rows"]) == hand
    r = loaded_events.run("got = con.execute('SELECT * FROM events e WHERE e.x > 0').fetchall()")
    assert len(loaded_events.ns["got"]) == sum(1 for x in make_events()["x"].tolist() if x > 0)  # a read


def test_safe_mode_rewrites_a_query_passed_by_keyword(loaded_events: Kernel) -> None:
    data = make_events()
    bounded = int((data["event_ts"] <= CUTOFF).sum())
    positive = int(((data["event_ts"] <= CUTOFF) & (data["x"] > 0)).sum())
    k = loaded_events
    k.run("leakguard.policy(mode='safe', holdout=None)")
    k.run("import sqlite3, duckdb\ncon = sqlite3.connect(':memory:')\ndf.to_sql('events', con, index=False)")
    r = k.run("got = pd.read_sql(sql='SELECT count(*) AS n FROM events WHERE x > ?', con=con, params=(0,))")
    assert r.rules == [] and any("safe mode restricted" in n for n in r.notes)
    assert int(k.ns["got"]["n"][0]) == positive
    r = k.run("n = duckdb.sql(query='SELECT count(*) FROM df').fetchall()[0][0]")
    assert r.rules == [] and any("safe mode restricted" in n for n in r.notes) and k.ns["n"] == bounded
    r = k.run("n = duckdb.connect().execute(query='SELECT count(*) FROM df').fetchall()[0][0]")
    assert r.rules == [] and k.ns["n"] == bounded
    k.run("leakguard.policy(mode='warn')")  # the same call in warn mode: all rows, a finding
    r = k.run("got = pd.read_sql(sql='SELECT count(*) AS n FROM events WHERE x > ?', con=con, params=(0,))")
    assert r.rules == ["peek-future"] and int(k.ns["got"]["n"][0]) == int((data["x"] > 0).sum())


def test_read_sql_with_sqlite_peeks_and_block_mode_stops_it(loaded_events: Kernel) -> None:
    loaded_events.run("import sqlite3\ncon = sqlite3.connect(':memory:')\ndf.to_sql('events', con, index=False)")
    r = loaded_events.run("pd.read_sql('SELECT plan, avg(churned) FROM events GROUP BY plan', con)")
    assert r.rules == ["peek-label"]
    assert "df" in r.findings[0].message  # the table's lineage is the frame written to it
    loaded_events.run("leakguard.policy(mode='block')")
    assert isinstance(loaded_events.run("pd.read_sql('SELECT max(x) FROM events', con)", raises=True).error,
                      LeakageError)


def test_sqlalchemy_over_sqlite(loaded_events: Kernel) -> None:
    loaded_events.run(
        "import sqlalchemy as sa\nengine = sa.create_engine('sqlite://')\n"
        "df.to_sql('events', engine, index=False)\nconn = engine.connect()"
    )
    r = loaded_events.run("conn.execute(sa.text('SELECT plan, count(*) FROM events WHERE x > :lo GROUP BY plan'), {'lo': 0}).fetchall()")
    assert r.rules == ["peek-future", "peek-holdout"]
    r = loaded_events.run("%%sql conn\nSELECT count(*) AS n FROM events WHERE event_ts <= '2024-06-01'")
    # SQLAlchemy stores times with microseconds: the user's own string bound leaves out the row at the cutoff
    assert r.rules == ["peek-holdout"] and int(r.result["n"][0]) == int((make_events()["event_ts"] < CUTOFF).sum())
    loaded_events.run("leakguard.policy(mode='safe', holdout=None)")
    r = loaded_events.run("conn.execute(sa.text('SELECT count(*) FROM events WHERE x > :lo'), {'lo': 0}).scalar()")
    data = make_events()
    assert r.result == int(((data["event_ts"] <= CUTOFF) & (data["x"] > 0)).sum())


def test_holdout_tables_and_writes_to_them(kernel: Kernel) -> None:
    kernel.run("import leakguard, duckdb\ncon = duckdb.connect()")
    kernel.run("con.execute('CREATE TABLE test_set (id INTEGER, churned INTEGER); CREATE TABLE train_set (id INTEGER, churned INTEGER)')")
    kernel.run("leakguard.policy(label='churned', holdout_tables=['test_set'])")
    assert kernel.run("con.sql('SELECT max(id) FROM test_set').fetchall()").rules == ["peek-holdout"]
    assert kernel.run("con.sql('SELECT max(id) FROM train_set').fetchall()").rules == []
    # a bare row count is the table's size, a schema-only look (LEAKAGE.md): no finding, even of the test table
    assert kernel.run("con.sql('SELECT count(*) FROM test_set').fetchall()").rules == []
    r = kernel.run("con.execute('INSERT INTO test_set SELECT * FROM train_set')")
    assert r.rules == ["peek-holdout"] and "writes to test_set" in r.findings[0].message
    assert kernel.run("con.execute('INSERT INTO train_set SELECT * FROM train_set')").rules == []


@pytest.mark.parametrize("sql", ["", "   ;  ", "SELECT 1; SELECT 2", "DROP TABLE IF EXISTS nothing_here",
                                 "SELECT 1 AS \"a\"\"; DROP TABLE x; --\""])
def test_bad_input_never_breaks_the_cell(loaded_events: Kernel, sql: str) -> None:
    # a connection of its own: a statement left pending must not hold up the default connection for later tests
    r = loaded_events.run(f"import duckdb\ntry:\n    duckdb.execute({sql!r}, connection=duckdb.connect())\n"
                          "except duckdb.Error:\n    pass")
    assert r.error is None
    assert [f for f in r.findings if f.severity != "info"] == []


def test_magic_usage_errors_and_unload(kernel: Kernel) -> None:
    r = kernel.run("%%sql nothing_here\nSELECT 1")
    assert r.result is None and r.error is None
    assert kernel.run("%%sql -o 1bad\nSELECT 1").error is None
    kernel.shell.run_cell("%unload_ext leakguard")
    assert "sql" not in kernel.shell.magics_manager.magics["cell"]
    assert sqlite3.connect is not None and duckdb.sql.__name__ == "module_sql"
    kernel.shell.run_cell("%load_ext leakguard")


def test_policy_fixture_sanity() -> None:
    assert "cutoff='2024-06-01'" in POLICY


def test_safe_mode_says_why_it_could_not_restrict_a_table_without_the_time_column(loaded_events: Kernel) -> None:
    loaded_events.run("leakguard.policy(mode='safe', holdout=None)")
    loaded_events.run("t = df.drop(columns=['event_ts'])")  # still holds rows past the cutoff, no way to tell them
    r = loaded_events.run("%%sql -o agg\nSELECT avg(x) AS m FROM t")
    note = next(n for n in r.notes if n.startswith("safe mode cannot restrict"))
    assert "no `event_ts` column" in note and "`t`" in note
    assert "fraction" not in note  # the policy has no fraction holdout: that is not the reason
