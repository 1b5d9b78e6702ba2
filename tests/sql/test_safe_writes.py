"""Tables made in SQL, DuckDB's own aggregates and COPY ... TO: warn, block and safe act on what they read."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from leakguard.errors import LeakageError
from tests.conftest import Kernel, make_events

CUTOFF = pd.Timestamp("2024-06-01")
MADE = "CREATE TABLE t AS SELECT event_ts, plan, x FROM ev WHERE x > 0"
MADE_BOUNDED = "CREATE TABLE t AS SELECT event_ts, plan, x FROM ev WHERE x > 0 AND event_ts <= '2024-06-01'"


@pytest.fixture
def ev(loaded_events: Kernel, events_file: Path) -> Kernel:
    """``%%sql``'s DuckDB holds ``ev`` (the events file); the policy's holdout is off, so safe mode cuts at the cutoff."""
    loaded_events.run("leakguard.policy(holdout=None)")
    loaded_events.run(f"%%sql\nCREATE TABLE ev AS SELECT * FROM '{events_file}'")
    return loaded_events


def _positive(bounded: bool) -> int:
    data = make_events()
    keep = (data["x"] > 0) & ((data["event_ts"] <= CUTOFF) if bounded else True)
    return int(keep.sum())


def test_a_table_made_earlier_in_the_same_cell_is_restricted_in_safe_mode(ev: Kernel) -> None:
    ev.run("leakguard.policy(mode='safe')")
    r = ev.run(f"%%sql -o out\n{MADE};\nSELECT count(*) AS n FROM t")
    assert r.findings == [] and any(n.startswith("safe mode restricted") and "t: event_ts" in n for n in r.notes)
    assert int(ev.ns["out"]["n"][0]) == _positive(bounded=True)
    r = ev.run("%%sql -o everything\nSELECT count(*) AS n FROM t WHERE event_ts > '2000-01-01'")
    assert r.findings == [] and int(ev.ns["everything"]["n"][0]) == _positive(bounded=True)  # later cells too


def test_a_table_made_of_bounded_rows_is_not_restricted(ev: Kernel) -> None:
    ev.run("leakguard.policy(mode='safe')")
    r = ev.run(f"%%sql -o out\n{MADE_BOUNDED};\nSELECT count(*) AS n FROM t")
    assert r.findings == [] and not any("safe mode" in n for n in r.notes)
    assert int(ev.ns["out"]["n"][0]) == _positive(bounded=True)


def test_block_mode_stops_the_cell_that_makes_and_reads_the_table(ev: Kernel) -> None:
    ev.run("leakguard.policy(mode='block')")
    r = ev.run(f"%%sql\n{MADE};\nSELECT plan, avg(x) FROM t GROUP BY plan", raises=True)
    assert isinstance(r.error, LeakageError)
    r = ev.run("%%sql -o tables\nSELECT count(*) AS n FROM information_schema.tables WHERE table_name = 't'")
    assert int(ev.ns["tables"]["n"][0]) == 0  # nothing was sent: the table was not made either
    assert ev.run(f"%%sql\n{MADE_BOUNDED};\nSELECT plan, avg(x) FROM t GROUP BY plan").error is None


def test_block_mode_on_a_table_made_in_an_earlier_cell(ev: Kernel) -> None:
    ev.run(f"%%sql\n{MADE}")
    ev.run("%%sql\nCREATE TABLE b AS SELECT event_ts, x FROM ev WHERE event_ts <= '2024-06-01'")
    ev.run("leakguard.policy(mode='block')")
    assert isinstance(ev.run("%%sql\nSELECT avg(x) FROM t", raises=True).error, LeakageError)
    assert ev.run("%%sql\nSELECT avg(x) FROM b").error is None


@pytest.mark.parametrize(("sql", "rules"), [
    ("SELECT histogram(churned) FROM ev", ["peek-label"]),  # as avg(churned): the label finding
    ("SELECT plan, histogram(churned) FROM ev GROUP BY plan", ["peek-label"]),
    ("SELECT entropy(churned) FROM ev", ["peek-label"]),
    ("SELECT entropy(churned) FROM ev WHERE event_ts <= '2024-06-01'", []),  # training rows only: no holdout here
    ("SELECT histogram(plan) FROM ev WHERE event_ts <= '2024-06-01'", []),
    ("SELECT churned FROM ev WHERE event_ts <= '2024-06-01'", []),  # a listing of the label reads it
])
def test_duckdb_aggregates_sqlglot_does_not_type_are_aggregates(ev: Kernel, sql: str, rules: list[str]) -> None:
    r = ev.run(f"%%sql\n{sql}")
    assert sorted({f.rule for f in r.findings}) == rules


def test_histogram_in_safe_mode_keeps_its_name_and_counts_training_rows(ev: Kernel) -> None:
    ev.run("leakguard.policy(mode='safe')")
    r = ev.run("%%sql -o h\nSELECT histogram(plan) FROM ev")
    assert r.findings == [] and any(n.startswith("safe mode restricted") for n in r.notes)
    assert list(ev.ns["h"].columns) == ["histogram(plan)"]
    data = make_events()
    assert ev.ns["h"]["histogram(plan)"][0] == data[data["event_ts"] <= CUTOFF]["plan"].value_counts().to_dict()


def test_copy_of_a_query_to_a_file_is_restricted_in_safe_mode(ev: Kernel, tmp_path: Path) -> None:
    ev.run("%%sql\nCOPY (SELECT * FROM ev) TO 'all.csv' (HEADER)")
    r = ev.run("%%sql\nCOPY (SELECT plan, count(*) AS n FROM ev GROUP BY plan) TO 'warn.csv' (HEADER)")
    assert sorted(f.rule for f in r.findings) == ["peek-future"]
    ev.run("leakguard.policy(mode='safe')")
    r = ev.run("%%sql\nCOPY (SELECT plan, count(*) AS n FROM ev GROUP BY plan) TO 'safe.csv' (HEADER)")
    assert r.findings == [] and any(n.startswith("safe mode restricted") for n in r.notes)
    data = make_events()
    train = int((data["event_ts"] <= CUTOFF).sum())
    written = {name: open(tmp_path / name).read().splitlines() for name in ("safe.csv", "warn.csv", "all.csv")}
    assert sum(int(line.split(",")[1]) for line in written["safe.csv"][1:]) == train
    assert sum(int(line.split(",")[1]) for line in written["warn.csv"][1:]) == len(data)
    assert len(written["all.csv"]) == len(data) + 1  # a copy of every row is a read: not restricted
