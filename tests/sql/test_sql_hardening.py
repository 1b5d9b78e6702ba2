"""Hostile-input hardening of the SQL faces: ``%%sql -o`` names, user connection classes for sqlite3."""

from __future__ import annotations

import builtins

import pytest

from tests.conftest import Kernel

REFUSED = ["__builtins__", "__name__", "__x__", "print", "len", "list", "class", "None", "Out", "In", "get_ipython", "sel-ect", "1bad"]


@pytest.mark.parametrize("name", REFUSED)
def test_sql_out_refuses_dunders_keywords_and_builtins(kernel: Kernel, name: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    missing = object()
    before = kernel.ns.get(name, missing)
    public = {k for k in kernel.ns if not k.startswith("_")}
    r = kernel.run(f"%%sql -o {name}\nSELECT 1 AS x")
    assert r.error is None and r.result is None
    said = capsys.readouterr().out
    assert "leakguard %%sql: -o" in said and repr(name) in said
    assert kernel.ns.get(name, missing) is before  # nothing assigned
    assert {k for k in kernel.ns if not k.startswith("_")} == public
    assert kernel.ns["__builtins__"] in (builtins, vars(builtins))
    assert kernel.run("print(len([1, 2]))").error is None


@pytest.mark.parametrize("name", ["result", "train_rows", "_private", "Print", "df2"])
def test_sql_out_accepts_plain_names(kernel: Kernel, name: str) -> None:
    kernel.run(f"%%sql -o {name}\nSELECT 1 AS x")
    assert list(kernel.ns[name]["x"]) == [1]


def test_sqlite_user_connection_class_keeps_its_type_and_methods(loaded_events: Kernel) -> None:
    loaded_events.run(
        "import sqlite3\n"
        "calls = []\n"
        "class MyConn(sqlite3.Connection):\n"
        "    def execute(self, sql, *args):\n"
        "        calls.append(sql)\n"
        "        return super().execute(sql, *args)\n"
        "con = sqlite3.connect(':memory:', factory=MyConn)\n"
        "df.to_sql('events', con, index=False)\n"
        "kind = type(con)"
    )
    assert loaded_events.ns["kind"] is loaded_events.ns["MyConn"]
    r = loaded_events.run("rows = con.execute('SELECT avg(churned) FROM events').fetchall()")
    assert loaded_events.ns["calls"][-1] == "SELECT avg(churned) FROM events"
    assert r.rules == ["peek-label"]  # still guarded
    clean = loaded_events.run("n = con.execute('SELECT count(*) FROM events WHERE plan IS NULL').fetchone()[0]")
    assert loaded_events.ns["calls"][-1].startswith("SELECT count(*)") and "peek-label" not in clean.rules


def test_sqlite_user_connection_class_in_block_mode_is_stopped_before_it_runs(loaded_events: Kernel) -> None:
    loaded_events.run(
        "import sqlite3\n"
        "calls = []\n"
        "class MyConn(sqlite3.Connection):\n"
        "    def execute(self, sql, *args):\n"
        "        calls.append(sql)\n"
        "        return super().execute(sql, *args)\n"
        "con = sqlite3.connect(':memory:', factory=MyConn)\n"
        "df.to_sql('events', con, index=False)"
    )
    loaded_events.run("%leakguard mode block")
    r = loaded_events.run("rows = con.execute('SELECT avg(churned) FROM events').fetchall()", raises=True)
    assert type(r.error).__name__ == "LeakageError"
    assert "rows" not in loaded_events.ns


def test_sqlite_default_connection_is_still_guarded(loaded_events: Kernel) -> None:
    loaded_events.run("import sqlite3\ncon = sqlite3.connect(':memory:')\ndf.to_sql('events', con, index=False)")
    assert loaded_events.run("rows = con.execute('SELECT avg(churned) FROM events').fetchall()").rules == [
        "peek-label"]
