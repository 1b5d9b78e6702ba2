"""Filters on Polars frames: bounds at the cutoff, complementary pairs as splits, hand-made partitions."""

from __future__ import annotations

import pytest

from tests.conftest import Kernel


@pytest.mark.parametrize("frame", ["df", "lf"])
def test_filter_at_the_cutoff_removes_future_but_not_holdout(pl_events: Kernel, frame: str) -> None:
    pl_events.run(f"past = {frame}.filter(pl.col('event_ts') <= dt.datetime(2024, 6, 1))")
    assert pl_events.run("past.mean()").rules == ["peek-holdout"]


@pytest.mark.parametrize("cond", ["pl.col('event_ts') <= dt.datetime(2024, 5, 1)", "pl.col('event_ts') < dt.date(2024, 6, 1)",
                                  "~(pl.col('event_ts') > dt.datetime(2024, 6, 1))",
                                  "(pl.col('event_ts') <= dt.datetime(2024, 6, 1)) & (pl.col('x') > 0)"])
def test_bounds_written_other_ways_remove_future(pl_events: Kernel, cond: str) -> None:
    pl_events.run(f"past = df.filter({cond})")
    assert pl_events.run("past.describe()").rules == ["peek-holdout"]


@pytest.mark.parametrize("frame", ["df", "lf"])
def test_filter_after_the_cutoff_keeps_future(pl_events: Kernel, frame: str) -> None:
    pl_events.run(f"recent = {frame}.filter(pl.col('event_ts') > dt.datetime(2024, 3, 1))")
    assert pl_events.run("recent.mean()").rules == ["peek-future", "peek-holdout"]


def test_filter_only_after_the_cutoff_is_future_rows_only(pl_events: Kernel) -> None:
    pl_events.run("late = lf.filter(pl.col('event_ts') > dt.datetime(2024, 7, 1))")
    assert pl_events.run("late.mean()").rules == ["peek-future"]


@pytest.mark.parametrize(("op", "rules"), [(">", ["peek-future"]), (">=", ["peek-future", "peek-holdout"])])
def test_rows_at_the_cutoff_are_not_future_rows(pl_events: Kernel, op: str, rules: list[str]) -> None:
    # future means strictly after the cutoff: ``>= cutoff`` still keeps the rows at the cutoff
    pl_events.run(f"late = lf.filter(pl.col('event_ts') {op} dt.datetime(2024, 6, 1))")
    assert pl_events.run("late.mean()").rules == rules


def test_filter_on_another_column_removes_nothing(pl_events: Kernel) -> None:
    pl_events.run("pos = df.filter(pl.col('x') > 0)")
    assert pl_events.run("pos.describe()").rules == ["peek-future", "peek-holdout"]


@pytest.mark.parametrize("frame", ["df", "lf"])
def test_complementary_filters_at_a_time_are_a_split(pl_events: Kernel, frame: str) -> None:
    pl_events.run(f"early = {frame}.filter(pl.col('event_ts') < dt.datetime(2024, 4, 1))\n"
                  f"later = {frame}.filter(pl.col('event_ts') >= dt.datetime(2024, 4, 1))")
    split = pl_events.session.graph.splits[-1]
    assert split.method == "filter at 2024-04-01 00:00:00"
    assert split.time_ordered is True and split.inferred is True
    assert [p.role for p in split.parts] == ["train", "holdout"]
    assert pl_events.run("early.mean()").findings == []
    assert pl_events.run("later.mean()").rules == ["peek-future", "peek-holdout"]


def test_complementary_filters_in_two_cells_are_a_split(pl_events: Kernel) -> None:
    pl_events.run("late = df.filter(pl.col('event_ts') > dt.datetime(2024, 5, 1))")
    pl_events.run("early = df.filter(pl.col('event_ts') <= dt.datetime(2024, 5, 1))")
    assert pl_events.session.graph.splits[-1].parts[0].rows == pl_events.ns["early"].height
    assert pl_events.run("early.describe()").findings == []


def test_negated_condition_pair_is_a_split_with_the_smaller_side_held_out(pl_events: Kernel) -> None:
    pl_events.run("cond = pl.col('plan') == 'a'\nrare = df.filter(cond)\nrest = df.filter(~cond)")
    split = pl_events.session.graph.splits[-1]
    assert split.method == "filter" and split.time_ordered is None
    assert split.parts[1].rows == pl_events.ns["rare"].height
    assert pl_events.run("rest.describe()").rules == ["peek-future"]  # a split by hand keeps the future rows


def test_filters_that_do_not_complement_are_no_split(pl_events: Kernel) -> None:
    pl_events.run("a = df.filter(pl.col('event_ts') < dt.datetime(2024, 4, 1))\n"
                  "b = df.filter(pl.col('event_ts') >= dt.datetime(2024, 5, 1))")
    pl_events.run("c = df.filter(pl.col('x') > 0)\nd = df.filter(pl.col('z') <= 0)")
    assert pl_events.session.graph.splits == []
    assert pl_events.run("a.describe()").rules == ["peek-holdout"]


def test_head_and_tail_that_partition_a_frame_are_a_split(pl_events: Kernel) -> None:
    pl_events.run("n = df.height\nfirst = df.head(800)\nrest = df.tail(n - 800)")
    assert pl_events.session.graph.splits[-1].method == "row partition"
    assert pl_events.run("first.describe()").rules == ["peek-future"]


def test_overlapping_slices_are_no_split(pl_events: Kernel) -> None:
    pl_events.run("first = df.head(800)\nrest = df.tail(201)")
    assert pl_events.session.graph.splits == []
    pl_events.run("s1 = df.sample(800, seed=1)\ns2 = df.sample(200, seed=2)")
    assert pl_events.session.graph.splits == []
