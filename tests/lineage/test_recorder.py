"""The recorder on hand-built events: which events are judged, de-duplication, block and safe mode.

The real rules judge the peek cases (a declared holdout makes ``describe()`` of unsplit rows a
``peek-holdout`` warning; the training part of a split is clean). A probe rule, registered
like any rule, shows which events reach the rules at all.
"""

from __future__ import annotations

import dataclasses

import pytest

from leakguard.finding import Finding
from leakguard.lineage.events import Derive, Evaluate, Event, Fit, Inspect, Query, Read, Split, SplitPart, Where
from leakguard.lineage.graph import LineageGraph
from leakguard.lineage.recorder import Recorder, judged
from leakguard.policy import Holdout, Mode, Policy
from leakguard.rules.registry import RULES, Rule

W = Where("c1", 1, 1)


class Stopped(Exception):
    def __init__(self, found: tuple[Finding, ...]) -> None:
        self.found = found


def _raise(found: tuple[Finding, ...]) -> None:
    raise Stopped(found)


def _graph(mode: Mode = "warn") -> LineageGraph:
    return LineageGraph(Policy(label=("y",), holdout=Holdout(fraction=0.2), mode=mode))


def _recorder(mode: Mode = "warn", **kw: object) -> Recorder:
    return Recorder(_graph(mode), stop=_raise, **kw)  # type: ignore[arg-type]


def _frame(rec: Recorder, out: str = "n1") -> str:
    return rec.value(Read(out, "d.csv", "df", W, ("x", "y"))).id


def _split(rec: Recorder, parent: str) -> tuple[str, str]:
    rec.record(Split(parent, (SplitPart("tr", "train", "train"), SplitPart("te", "holdout", "test")), "split", W))
    return "tr", "te"


class _Probe:
    """A rule that reports a warning for every event it is shown, and remembers them."""

    def __init__(self) -> None:
        self.seen: list[Event] = []

    def check(self, graph: LineageGraph, event: Event) -> list[Finding]:
        self.seen.append(event)
        line = len(self.seen)  # a new key each time: de-duplication does not hide a judged event
        return [Finding("probe", "warning", Where("c1", 1, line), f"saw {type(event).__name__}")]


def _probed(mode: Mode = "warn") -> tuple[Recorder, _Probe]:
    probe = _Probe()
    return _recorder(mode, rules=(*RULES, Rule("probe", "every event", probe.check))), probe


# -- which events are judged ---------------------------------------------------------------------


def test_values_entering_or_derived_are_applied_but_not_judged() -> None:
    rec, probe = _probed()
    df = _frame(rec)
    made = rec.value(Derive("n2", (df,), "dropna", "df2", W))
    assert made.id == "n2" and made.inputs == (df,)
    assert set(rec.graph.nodes) == {"n1", "n2"}
    assert probe.seen == [] and rec.findings == []


def test_an_unresolved_derivation_is_judged_once() -> None:
    rec, probe = _probed()
    df = _frame(rec)
    first = rec.record(Derive("n2", (df,), "XGB.fit", "m", W, rows="aggregate", unresolved=True))
    again = rec.record(Derive("n3", (df,), "XGB.fit", "m2", Where("c2", 2, 1), rows="aggregate", unresolved=True))
    assert [type(e).__name__ for e in probe.seen] == ["Derive", "Derive"]
    assert [f.rule for f in first if f.rule != "probe"] == ["unresolved"]
    assert [f.rule for f in again if f.rule != "probe"] == []  # the unresolved rule reports an op once


@pytest.mark.parametrize("event", [
    Inspect("n1", "describe", W),
    Split("n1", (SplitPart("p1", "train", "tr"), SplitPart("p2", "holdout", "te")), "split", W),
    Fit("m1", "LogisticRegression", "n1", W),
    Evaluate("m1", "n1", W),
    Query("select 1", "duckdb", (), W),
])
def test_every_other_event_is_judged(event: Event) -> None:
    rec, probe = _probed()
    _frame(rec)
    rec.record(event)
    assert probe.seen == [event]
    assert judged(event)


# -- de-duplication ------------------------------------------------------------------------------


def test_a_finding_is_kept_once_per_key() -> None:
    kept: list[Finding] = []
    rec = _recorder(kept=kept.append)
    df = _frame(rec)
    first = rec.record(Inspect(df, "describe", W))
    second = rec.record(Inspect(df, "describe", W))
    assert [f.rule for f in first] == ["peek-holdout"]
    assert second == []
    assert rec.findings == first and kept == first


def test_the_same_look_on_another_line_is_a_new_finding() -> None:
    rec = _recorder()
    df = _frame(rec)
    rec.record(Inspect(df, "describe", W))
    other = rec.record(Inspect(df, "describe", Where("c1", 1, 5)))
    assert [f.where.line for f in other] == [5]
    assert len(rec.findings) == 2


def test_a_cell_run_again_forgets_its_findings_only() -> None:
    rec = _recorder()
    df = _frame(rec)
    rec.record(Inspect(df, "describe", W))
    rec.record(Inspect(df, "describe", Where("c2", 2, 1)))
    rec.forget_cell("c1")
    assert [f.where.cell for f in rec.findings] == ["c2"]
    again = rec.record(Inspect(df, "describe", W))  # reported again: the earlier run was forgotten
    assert [f.where.cell for f in again] == ["c1"]


def test_would_find_records_nothing() -> None:
    rec = _recorder()
    df = _frame(rec)
    events = len(rec.graph.events)
    assert [f.rule for f in rec.would_find(Inspect(df, "describe", W))] == ["peek-holdout"]
    assert rec.findings == [] and len(rec.graph.events) == events


# -- block mode ---------------------------------------------------------------------------------


def test_block_mode_stops_a_leaking_look_after_keeping_its_finding() -> None:
    rec = _recorder("block")
    df = _frame(rec)
    with pytest.raises(Stopped) as stopped:
        rec.record(Inspect(df, "describe", W))
    assert [f.rule for f in stopped.value.found] == ["peek-holdout"]
    assert [f.rule for f in rec.findings] == ["peek-holdout"]
    with pytest.raises(Stopped):  # refused every time, even once the finding is known
        rec.record(Inspect(df, "describe", W))


def test_block_mode_lets_a_clean_look_and_warn_mode_every_look_through() -> None:
    rec = _recorder("block")
    train, _test = _split(rec, _frame(rec))
    assert rec.record(Inspect(train, "describe", W)) == []
    warn = _recorder("warn")
    assert [f.rule for f in warn.record(Inspect(_frame(warn), "describe", W))] == ["peek-holdout"]


def test_block_mode_never_stops_a_split_or_a_value() -> None:
    rec, probe = _probed("block")
    df = _frame(rec)
    found = rec.record(Split(df, (SplitPart("p1", "train", "tr"), SplitPart("p2", "holdout", "te")), "split", W))
    rec.record(Derive("n9", (df,), "XGB.fit", "m", W, rows="aggregate", unresolved=True))
    assert [f.severity for f in found] == ["warning"]  # the probe's warning is kept, the split goes on
    assert len(probe.seen) == 2
    with pytest.raises(Stopped):
        rec.record(Fit("m1", "LogisticRegression", df, W))


def test_info_findings_never_stop() -> None:
    rec = _recorder("block")
    node = rec.value(Derive("n2", (), "untracked", "df", W, rows="unknown")).id  # rows leakguard cannot place
    found = rec.record(Inspect(node, "describe", W))
    assert found and {f.severity for f in found} == {"info"}


# -- safe mode -----------------------------------------------------------------------------------


def test_safe_mode_hands_a_leaking_look_to_the_engine_and_records_it_restricted() -> None:
    rec = _recorder("safe")
    df = _frame(rec)
    asked: list[Inspect] = []

    def restrict(event: Inspect) -> Inspect:
        asked.append(event)
        return event

    found = rec.inspect(Inspect(df, "describe", W), restrict)
    assert [e.restricted for e in asked] == [False]
    assert found == [] and rec.findings == []
    last = rec.graph.events[-1]
    assert isinstance(last, Inspect) and last.restricted


def test_safe_mode_records_the_look_as_is_when_the_engine_cannot_restrict() -> None:
    rec = _recorder("safe")
    df = _frame(rec)
    found = rec.inspect(Inspect(df, "describe", W), lambda event: None)
    assert [f.rule for f in found] == ["peek-holdout"]
    last = rec.graph.events[-1]
    assert isinstance(last, Inspect) and not last.restricted


def test_safe_mode_does_not_ask_to_restrict_a_clean_look() -> None:
    rec = _recorder("safe")
    train, _test = _split(rec, _frame(rec))
    asked: list[Inspect] = []
    assert rec.inspect(Inspect(train, "describe", W), lambda e: asked.append(e) or e) == []
    assert asked == []


def test_an_engine_can_restrict_every_look_in_safe_mode() -> None:
    rec = _recorder("safe", restrict_every_inspection=True)
    train, _test = _split(rec, _frame(rec))
    asked: list[Inspect] = []
    rec.inspect(Inspect(train, "describe", W), lambda e: asked.append(e) or e)
    assert len(asked) == 1
    last = rec.graph.events[-1]
    assert isinstance(last, Inspect) and last.restricted


def test_outside_safe_mode_nothing_is_restricted() -> None:
    for mode in ("warn", "block"):
        rec = _recorder(mode, restrict_every_inspection=True)  # type: ignore[arg-type]
        train, _test = _split(rec, _frame(rec))
        asked: list[Inspect] = []
        rec.inspect(Inspect(train, "describe", W), lambda e: asked.append(e) or e)
        assert asked == []


def test_a_restricted_query_is_the_one_recorded() -> None:
    rec = _recorder("safe")
    df = _frame(rec)
    query = Query("select avg(x) from t", "duckdb", ("t",), W, columns=("t.x:agg",), inputs=(df,))
    rewritten = "select avg(x) from t where not holdout"
    # what the rewritten query scans: the table's rows without the holdout (as the SQL guard derives it)
    scan = rec.value(Derive("n2", (df,), "sql scan", "t", W, rows="subset", removes=frozenset({"holdout"}))).id
    assert rec.would_find(query), "the query must be one the rules flag"
    found = rec.inspect(query, lambda q: dataclasses.replace(q, sql=rewritten, inputs=(scan,)))
    last = rec.graph.events[-1]
    assert isinstance(last, Query) and last.restricted and last.sql == rewritten and last.inputs == (scan,)
    assert found == []
