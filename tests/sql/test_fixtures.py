"""Every SQL fixture case through the real guard (real shell, real DuckDB schema), one runner for all."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from leakguard.lineage.events import Where
from leakguard.sql.guard import guard
from tests.conftest import Kernel
from tests.sql.fixtures import POLICY, SCHEMA, Case, load_cases

CASES = load_cases()


@pytest.fixture
def warehouse(kernel: Kernel) -> Any:
    con = duckdb.connect()
    con.execute(SCHEMA)
    s = kernel.session
    s.set_policy(s.policy.updated(POLICY, origin="fixtures"))
    return con


def found(kernel: Kernel, con: Any, case: Case, n: int) -> list[str]:
    s = kernel.session
    s.cell_findings = []
    guard(s, case.sql, con, Where(f"case{n}", n, 1), dialect=case.dialect)
    return sorted(f.rule if f.severity != "info" else f"{f.rule}:info" for f in s.cell_findings)


def test_every_dialect_has_cases_with_and_without_findings() -> None:
    dialects = {c.dialect for c in CASES}
    assert dialects >= {"duckdb", "sqlite", "postgres", "snowflake", "bigquery", "spark"}
    for rule in ("peek-future", "peek-holdout", "peek-label"):
        assert any(rule in c.expect for c in CASES), rule
    assert any(not c.expect for c in CASES)
    for d in dialects:
        assert any(c.expect for c in CASES if c.dialect == d) and any(not c.expect for c in CASES if c.dialect == d), d


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixture(kernel: Kernel, warehouse: Any, case: Case) -> None:
    assert found(kernel, warehouse, case, CASES.index(case)) == list(case.expect), case.sql
