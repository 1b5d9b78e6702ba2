"""The session owns its state: the handlers' parts are typed fields, and every event goes through its recorder."""

from __future__ import annotations

import importlib
import pkgutil
import weakref
from pathlib import Path

import leakguard
from leakguard.kernel.calls import State
from leakguard.kernel.session import Session
from leakguard.kernel.state import PolarsState, SparkState
from leakguard.lineage.recorder import Recorder
from leakguard.sql.state import SqlState
from tests.conftest import Kernel

PACKAGE = Path(leakguard.__file__).parent


def test_each_session_has_its_own_typed_state(kernel: Kernel) -> None:
    a, b = Session(kernel.shell), Session(kernel.shell)
    assert isinstance(a.recorder, Recorder) and a.recorder.graph is a.graph
    for part, kind in (("modelling", State), ("sql", SqlState), ("spark", SparkState), ("polars", PolarsState)):
        assert isinstance(getattr(a, part), kind)
        assert getattr(a, part) is not getattr(b, part)


def test_the_handlers_keep_their_facts_on_the_session(loaded_events: Kernel) -> None:
    k = loaded_events
    k.run("import duckdb\nfrom sklearn.linear_model import LogisticRegression")
    k.run("duckdb.sql('select plan, avg(x) from df group by plan').fetchall()")
    assert k.session.sql.last_sql == "select plan, avg(x) from df group by plan"
    k.run("train, test = leakguard.split(df)")
    k.run("m = LogisticRegression().fit(train[['x', 'z']], train['churned'])")
    assert len(k.session.modelling.label_proxies) == 1  # computed once for this (X, y) pair, kept on the session


def test_no_module_keeps_a_table_keyed_by_session() -> None:
    tables = []
    for folder in ("kernel", "sql"):
        for info in pkgutil.iter_modules([str(PACKAGE / folder)]):
            module = importlib.import_module(f"leakguard.{folder}.{info.name}")
            tables += [f"{module.__name__}.{name}" for name, value in vars(module).items()
                       if isinstance(value, weakref.WeakKeyDictionary)]
    assert tables == []


def test_the_kernel_engines_reach_the_graph_only_through_the_recorder() -> None:
    direct = [f"{path.relative_to(PACKAGE)}:{n}"
              for folder in ("kernel", "sql") for path in sorted((PACKAGE / folder).glob("*.py"))
              for n, line in enumerate(path.read_text().splitlines(), 1)
              if "graph.apply(" in line or "run_rules(" in line]
    assert direct == []


def test_findings_are_the_recorders(loaded_events: Kernel) -> None:
    r = loaded_events.run("df.describe()")
    assert r.rules == ["peek-future", "peek-holdout"]
    assert loaded_events.session.findings == loaded_events.session.recorder.findings == r.findings
