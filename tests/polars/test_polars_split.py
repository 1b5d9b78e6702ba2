"""leakguard.split and safe mode on Polars frames: the same training rows as pandas, eager masks and lazy plans."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

from leakguard.libraries.polars import frames as plf
from leakguard.policy import Policy
from leakguard.splitting import row_parts
from tests.conftest import Kernel, make_events

POLICY = Policy(label=("churned",), time="event_ts", cutoff="2024-06-01").updated({"holdout": 0.2, "seed": 7}, "test")


def test_eager_masks_are_the_pandas_masks() -> None:
    pdf = make_events()
    expected = row_parts(pdf, POLICY)
    got = plf.row_parts(pl.from_pandas(pdf), POLICY)
    assert got.time_ordered and expected.time_ordered
    for part in ("train", "holdout", "future"):
        assert np.array_equal(getattr(got, part), getattr(expected, part)), part


def test_eager_masks_match_pandas_with_ties_and_missing_times() -> None:
    pdf = make_events(200)
    pdf.loc[5:40, "event_ts"] = pd.Timestamp("2024-02-01")
    pdf.loc[[3, 77], "event_ts"] = pd.NaT
    expected = row_parts(pdf, POLICY)
    got = plf.row_parts(pl.from_pandas(pdf), POLICY)
    assert np.array_equal(got.holdout, expected.holdout) and np.array_equal(got.train, expected.train)


def test_lazy_split_keeps_the_same_rows_as_the_eager_split() -> None:
    df = pl.from_pandas(make_events())
    (train, test), masks = plf.split([df], POLICY)
    (ltrain, ltest), none = plf.split([df.lazy()], POLICY)
    assert masks is not None and none is None
    assert ltrain.collect().equals(train) and ltest.collect().equals(test)


def test_hash_holdout_without_a_time_column_is_stable_across_subsets() -> None:
    policy = Policy().updated({"holdout": 0.3, "seed": 3}, "test")
    df = pl.from_pandas(make_events()).drop("event_ts")
    whole = plf.row_parts(df, policy).holdout
    part = plf.row_parts(df.tail(400), policy).holdout
    assert 0.2 < whole.mean() < 0.4
    assert np.array_equal(part, whole[-400:])


def test_missing_policy_column_is_a_policy_error() -> None:
    from leakguard.errors import PolicyError

    with pytest.raises(PolicyError, match="event_ts"):
        plf.split([pl.DataFrame({"x": [1, 2]})], POLICY)


def test_split_in_the_kernel_registers_parts(pl_events: Kernel, events_file: Path) -> None:
    r = pl_events.run("train, test = leakguard.split(df)")
    assert any("after the cutoff" in n for n in r.notes)
    pdf = pd.read_parquet(events_file)
    expected = row_parts(pdf, pl_events.session.policy)
    assert pl_events.ns["train"].height == int(expected.train.sum())
    assert pl_events.ns["test"].height == int(expected.holdout.sum())
    split = pl_events.session.graph.splits[-1]
    assert split.method == "leakguard.split" and [p.role for p in split.parts] == ["train", "holdout"]


def test_split_of_features_and_label(pl_events: Kernel) -> None:
    pl_events.run("X_tr, X_te, y_tr, y_te = leakguard.split(df, df['churned'])")
    assert pl_events.ns["X_tr"].height == pl_events.ns["y_tr"].len()
    assert pl_events.run("y_tr.mean()").findings == []


@pytest.mark.parametrize("cell", ["df.describe()", "df['x'].mean()", "df.group_by('plan').agg(pl.col('x').mean())",
                                  "df.select('x', 'z').corr()"])
def test_safe_mode_runs_eager_inspections_on_training_rows(pl_events: Kernel, cell: str) -> None:
    pl_events.run("train, test = leakguard.split(df)")
    expected = pl_events.run(cell.replace("df", "train")).result
    pl_events.run("%leakguard mode safe")
    r = pl_events.run(cell)
    assert r.findings == [] and any("safe mode" in n and "training row" in n for n in r.notes)
    if isinstance(expected, pl.DataFrame):
        assert r.result.sort(r.result.columns[0]).equals(expected.sort(expected.columns[0]))
    else:
        assert r.result == pytest.approx(expected)


@pytest.mark.parametrize("cell", ["lf.mean()", "lf.group_by('plan').agg(pl.col('churned').mean())"])
def test_safe_mode_adds_the_train_condition_to_a_lazy_plan(pl_events: Kernel, cell: str) -> None:
    pl_events.run("ltrain, ltest = leakguard.split(lf)")
    expected = pl_events.run(cell.replace("lf", "ltrain") + ".collect()").result
    pl_events.run("%leakguard mode safe")
    r = pl_events.run(f"out = {cell}")
    assert r.findings == [] and any("lazy plan" in n for n in r.notes)
    got = pl_events.ns["out"].collect()
    assert got.sort(got.columns[0]).equals(expected.sort(expected.columns[0]))


def test_safe_mode_without_policy_columns_runs_on_all_rows_and_says_so(pl_events: Kernel) -> None:
    pl_events.run("%leakguard mode safe")
    r = pl_events.run("lf.select('x').mean()")
    assert r.rules == ["peek-future", "peek-holdout"]
    assert any("could not restrict" in n for n in r.notes)


def test_safe_mode_runs_a_users_polars_function_once_and_its_error_is_theirs(pl_events: Kernel) -> None:
    pl_events.run("train, test = leakguard.split(df)")
    pl_events.run("calls = []\n"
                  "def needs_rows(s):\n"
                  "    calls.append(len(s))\n"
                  "    if len(s) < 250:\n"
                  "        raise ValueError(f'only {len(s)} rows')\n"
                  "    return s.mean()")
    pl_events.run("%leakguard mode safe")
    r = pl_events.run("df.group_by('plan').agg(pl.col('x').map_batches(needs_rows, return_dtype=pl.Float64, returns_scalar=True))",
                      raises=True)
    assert r.error is not None and "only " in str(r.error)  # the user's own error
    calls = pl_events.ns["calls"]
    assert calls and all(n < 250 for n in calls)  # never run again on all rows (a group there has ~330)
    safe_notes = [n for n in r.notes if n.startswith("safe mode")]
    assert len(safe_notes) == 1 and "not run again" in safe_notes[0]
