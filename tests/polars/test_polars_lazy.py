"""LazyFrame.collect: an aggregating plan is an inspection, plain rows are not; leakguard never collects."""

from __future__ import annotations

from tests.conftest import Kernel


def test_collect_of_an_aggregate_plan_is_a_peek(pl_events: Kernel) -> None:
    assert pl_events.run("lf.select(pl.col('x').mean(), pl.col('z').max()).collect()").rules == [
        "peek-future", "peek-holdout"]


def test_collect_of_plain_rows_is_not_a_finding(pl_events: Kernel) -> None:
    for cell in ("lf.head(5).collect()", "lf.with_columns(y=pl.col('x') * 2).collect()",
                 "lf.filter(pl.col('x') > 0).select('x', 'plan').collect()",
                 "lf.select(pl.col('x').mean().over('plan')).collect()"):
        assert pl_events.run(cell).findings == [], cell


def test_collect_of_an_inspection_already_judged_is_not_judged_again(pl_events: Kernel) -> None:
    assert pl_events.run("m = lf.mean()").rules == ["peek-future", "peek-holdout"]
    assert pl_events.run("m.collect()").findings == []
    assert pl_events.run("q = pl.sql('SELECT avg(x) FROM lf')").rules == ["peek-future", "peek-holdout"]
    assert pl_events.run("q.collect()").findings == []


def test_collected_rows_keep_the_lineage_of_the_plan(pl_events: Kernel) -> None:
    pl_events.run("tr, te = leakguard.split(lf)")
    pl_events.run("rows = tr.collect()\nall_rows = lf.collect()")
    assert pl_events.run("rows.describe()").findings == []
    assert pl_events.run("all_rows.describe()").rules == ["peek-future", "peek-holdout"]


def test_collect_of_a_label_group_rate_built_out_of_view_is_peek_label(pl_events: Kernel) -> None:
    pl_events.run("plan = lf.group_by('plan').agg(pl.col('churned').mean())")  # kept, judged here
    r = pl_events.run("lf2 = pl.LazyFrame(lf.collect()).group_by('plan').agg(pl.col('churned').sum())\n"
                      "lf2.collect()")
    assert "peek-label" in r.rules


def test_warn_mode_never_collects_a_lazy_frame(pl_events: Kernel) -> None:
    pl_events.run("calls = []\n"
                  "def spy(s):\n    calls.append(len(s))\n    return s\n"
                  "watched = lf.with_columns(pl.col('x').map_batches(spy, return_dtype=pl.Float64))")
    cells = [
        "watched.mean()", "g = watched.group_by('plan').agg(pl.col('churned').mean())",
        "a = watched.filter(pl.col('event_ts') < dt.datetime(2024, 4, 1))\n"
        "b = watched.filter(pl.col('event_ts') >= dt.datetime(2024, 4, 1))",
        "tr, te = leakguard.split(watched)", "tr.select(pl.col('x').mean())", "pl.sql('SELECT avg(x) FROM watched')",
        "watched.sql('SELECT plan, count(*) FROM self GROUP BY plan')", "watched.select(pl.col('x').std())",
        "%leakguard mode safe", "watched.mean()", "watched.group_by('plan').agg(pl.col('x').mean())",
        "%leakguard mode warn",
    ]
    for cell in cells:
        pl_events.run(cell)
        assert pl_events.ns["calls"] == [], cell
    pl_events.run("watched.select(pl.col('x').mean()).collect()")  # the user's own collect runs the plan
    assert sum(pl_events.ns["calls"]) == 1000
