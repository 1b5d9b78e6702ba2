"""DuckDB reads the notebook's DataFrames by name while leakguard is loaded, and leakguard keeps none of them alive."""

from __future__ import annotations

import pytest

from tests.conftest import Kernel, make_events

ROWS = len(make_events())


def alive(kernel: Kernel) -> bool:
    kernel.run("import gc\ngc.collect()")
    return kernel.ns["ref"]() is not None


@pytest.mark.parametrize("query", [
    "n = duckdb.sql('SELECT count(*) FROM tmp').fetchall()[0][0]",
    "n = len(duckdb.sql('SELECT x FROM tmp').df())",
    "n = con.sql('SELECT count(*) FROM tmp').fetchall()[0][0]",
    "n = con.execute('SELECT count(*) FROM tmp').fetchall()[0][0]",
    "n = duckdb.query(query='SELECT count(*) FROM tmp').fetchall()[0][0]",
    "n = int(duckdb.sql('SELECT count(*) AS n FROM tmp WHERE event_ts <= \\'2024-06-01\\'').df()['n'][0])",
])
def test_a_queried_frame_is_not_kept_alive(loaded_events: Kernel, query: str) -> None:
    k = loaded_events
    k.run("import duckdb, weakref\ncon = duckdb.connect()\ntmp = df.copy()\nref = weakref.ref(tmp)")
    k.run(query)
    assert k.ns["n"] in (ROWS, int((make_events()["event_ts"] <= "2024-06-01").sum()))
    k.run("del tmp")
    assert not alive(k)


def test_sql_cell_does_not_keep_the_frame_alive(loaded_events: Kernel) -> None:
    k = loaded_events
    k.run("import weakref\ntmp = df.copy()\nref = weakref.ref(tmp)")
    r = k.run("%%sql -o out\nSELECT plan, count(*) AS n FROM tmp GROUP BY plan")
    assert r.rules == ["peek-future", "peek-holdout"] and k.ns["out"]["n"].sum() == ROWS
    k.run("del tmp")
    assert not alive(k)


def test_a_relation_keeps_working_and_holds_its_frame_as_duckdb_does(loaded_events: Kernel) -> None:
    k = loaded_events
    k.run("import duckdb, weakref\ntmp = df.copy()\nref = weakref.ref(tmp)")
    k.run("rel = duckdb.sql('SELECT x FROM tmp WHERE x > 0')")
    k.run("del tmp")
    assert alive(k)  # the relation holds it (DuckDB's own reference, as without leakguard)
    r = k.run("got = rel.df()\nn = len(got)")  # a wrapped fetch, in a later cell
    assert r.error is None and k.ns["n"] == int((make_events()["x"] > 0).sum())
    k.run("del rel, got")
    assert not alive(k)


def test_a_failing_query_does_not_keep_the_frame_alive(loaded_events: Kernel) -> None:
    k = loaded_events
    k.run("import duckdb, weakref\ntmp = df.copy()\nref = weakref.ref(tmp)")
    r = k.run("duckdb.sql('SELECT no_such_column FROM tmp')", raises=True)
    assert r.error is not None and "no_such_column" in str(r.error)  # DuckDB's own error
    k.run("del tmp")
    assert not alive(k)


def test_names_are_found_as_the_calling_code_sees_them(loaded_events: Kernel) -> None:
    k = loaded_events
    k.run("import duckdb\n"
          "def count_recent(frame):\n"
          "    local_rows = frame.head(7)\n"
          "    return duckdb.sql('SELECT count(*) FROM local_rows').fetchall()[0][0]")
    assert k.run("count_recent(df)").result == 7
    # names the wrapper itself uses for its own variables
    for name in ("result", "plan", "args", "kwargs", "s", "session", "original", "api"):
        r = k.run(f"{name} = df.head(3)\nm = duckdb.sql('SELECT count(*) AS m FROM {name} AS t').fetchall()[0][0]")
        assert r.error is None and k.ns["m"] == 3, name
        k.run(f"{name} = df.head(4)\nm = duckdb.sql('SELECT count(*) FROM {name}').fetchall()[0][0]")
        assert k.ns["m"] == 4, name


def test_unanalysable_sql_still_reads_frames(loaded_events: Kernel) -> None:
    k = loaded_events
    k.run("import duckdb\nsmall = df.head(5)")
    # DuckDB's FROM-first syntax with a trailing GROUP BY ALL: whatever sqlglot makes of it, DuckDB must still find `small`
    r = k.run("n = duckdb.sql('FROM small SELECT count(*) AS n').fetchall()[0][0]")
    assert r.error is None and k.ns["n"] == 5


def test_a_local_frame_is_found_on_another_thread(loaded_events: Kernel) -> None:
    k = loaded_events
    k.run("import duckdb, threading\n"
          "out = []\n"
          "def work(frame):\n"
          "    try:\n"
          "        local_df = frame.head(6)\n"
          "        out.append(duckdb.sql('SELECT count(*) FROM local_df').fetchall()[0][0])\n"
          "    except Exception as exc:\n"
          "        out.append(exc)\n"
          "t = threading.Thread(target=work, args=(df,))\n"
          "t.start()\n"
          "t.join()")
    assert k.ns["out"] == [6]


def test_a_local_frame_is_found_in_a_call_nested_in_a_tracked_call(loaded_events: Kernel) -> None:
    k = loaded_events
    # duckdb.sql runs inside a wrapped pandas call (SeriesGroupBy.agg): leakguard is busy and calls straight through
    r = k.run("import duckdb\n"
              "def count_part(s):\n"
              "    part = s.to_frame()\n"
              "    return duckdb.sql('SELECT count(*) FROM part').fetchall()[0][0]\n"
              "counts = df.groupby('plan')['x'].agg(count_part)")
    assert r.error is None
    assert k.ns["counts"].to_dict() == make_events().groupby("plan").size().to_dict()
    # the same, with the session marked busy by hand (any wrapped call in progress)
    k.session.busy = True
    try:
        k.run("def count_head(frame):\n"
              "    head_rows = frame.head(4)\n"
              "    return duckdb.sql('SELECT count(*) FROM head_rows').fetchall()[0][0]\n"
              "m = count_head(df)")
    finally:
        k.session.busy = False
    assert k.ns["m"] == 4


def test_a_local_frame_is_found_on_the_main_path_and_analysed(loaded_events: Kernel) -> None:
    k = loaded_events
    k.run("import duckdb\n"
          "def recent(frame):\n"
          "    local_events = frame\n"
          "    return duckdb.sql(\"SELECT count(*) FROM local_events WHERE event_ts > '2024-06-01'\").fetchall()[0][0]")
    r = k.run("n = recent(df)")
    assert r.error is None and k.ns["n"] == int((make_events()["event_ts"] > "2024-06-01").sum())
    assert "peek-future" in r.rules  # the query's frame was found for the analysis too


def test_the_duckdb_wrapper_stays_a_faithful_stand_in(loaded_events: Kernel) -> None:
    import duckdb

    wrapped = duckdb.sql
    original = wrapped.__leakguard_original__
    assert wrapped.__wrapped__ is original and wrapped.__name__ == original.__name__
    assert wrapped.__globals__["__name__"].startswith("duckdb.")  # DuckDB skips the wrapper's frame
