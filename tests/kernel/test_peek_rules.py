"""peek-holdout / peek-future / peek-label in a real IPython shell: each positive case and its negative twin."""

from __future__ import annotations

import pytest

from tests.conftest import Kernel


def test_describe_before_split_peeks_holdout_and_future(loaded_events: Kernel) -> None:
    r = loaded_events.run("df.describe()")
    assert r.rules == ["peek-future", "peek-holdout"]
    f = r.findings[0]
    assert f.where.line == 1
    assert f.subject == "df"
    assert f.provenance[0].op.startswith("read_parquet(")
    assert f.provenance[0].rows == "all"
    assert "split" in f.hint


def test_describe_of_train_part_is_clean(loaded_events: Kernel) -> None:
    loaded_events.run("train, test = leakguard.split(df)")
    assert loaded_events.run("train.describe()").findings == []
    assert loaded_events.run("train['x'].mean()").findings == []


def test_groupby_label_rate_is_peek_label(loaded_events: Kernel) -> None:
    r = loaded_events.run("df.groupby('plan')['churned'].mean()")
    assert r.rules == ["peek-label"]
    assert "churned" in r.findings[0].message and "plan" in r.findings[0].message


def test_groupby_label_rate_on_train_is_clean(loaded_events: Kernel) -> None:
    loaded_events.run("train, test = leakguard.split(df)")
    assert loaded_events.run("train.groupby('plan')['churned'].mean()").findings == []


def test_corr_with_label_is_peek_label_and_without_it_is_not(loaded_events: Kernel) -> None:
    assert loaded_events.run("df[['x', 'z', 'churned']].corr()").rules == ["peek-label"]
    r = loaded_events.run("df[['x', 'z']].corr()")
    assert r.rules == ["peek-future", "peek-holdout"]


def test_label_alone_is_not_peek_label(loaded_events: Kernel) -> None:
    r = loaded_events.run("df['churned'].value_counts()")
    assert "peek-label" not in r.rules
    assert r.rules == ["peek-future", "peek-holdout"]


@pytest.mark.parametrize("cell", ["df.shape", "df.columns", "df.dtypes", "list(df.columns)", "len(df)"])
def test_schema_only_looks_are_not_findings(loaded_events: Kernel, cell: str) -> None:
    assert loaded_events.run(cell).findings == []


def test_statistic_consumed_by_another_expression_is_not_a_peek(loaded_events: Kernel) -> None:
    # the use (filling with a mean over all rows) is the preprocessing rule's business, not a peek
    r = loaded_events.run("filled = df['x'].fillna(df['x'].mean())")
    assert "peek-holdout" not in r.rules


def test_statistic_shown_through_print_is_a_peek(loaded_events: Kernel) -> None:
    assert loaded_events.run("print(df['x'].mean())").rules == ["peek-future", "peek-holdout"]


def test_statistic_kept_in_a_variable_is_a_peek(loaded_events: Kernel) -> None:
    assert loaded_events.run("m = df['x'].std()").rules == ["peek-future", "peek-holdout"]


def test_filter_at_cutoff_removes_future_but_not_holdout(loaded_events: Kernel) -> None:
    loaded_events.run("past = df[df['event_ts'] <= '2024-06-01']")
    r = loaded_events.run("past.describe()")
    assert r.rules == ["peek-holdout"]


def test_filter_not_at_cutoff_keeps_future(loaded_events: Kernel) -> None:
    loaded_events.run("recent = df[df['event_ts'] > '2024-03-01']")
    assert loaded_events.run("recent.describe()").rules == ["peek-future", "peek-holdout"]


def test_no_policy_no_peek_findings(kernel: Kernel, events_file: object) -> None:
    kernel.run("import pandas as pd")
    kernel.run(f"df = pd.read_parquet({str(events_file)!r})")
    assert kernel.run("df.describe()").findings == []


def test_findings_are_deduplicated_per_line_but_reported_per_cell(loaded_events: Kernel) -> None:
    r = loaded_events.run("for _ in range(5):\n    df.describe()")
    assert r.rules == ["peek-future", "peek-holdout"]
    assert loaded_events.run("df.describe()").rules == ["peek-future", "peek-holdout"]


def test_plot_accessor_and_hist_are_inspections(loaded_events: Kernel) -> None:
    loaded_events.run("import matplotlib\nmatplotlib.use('Agg')")
    assert loaded_events.run("ax = df.plot(x='x', y='churned', kind='scatter')").rules == ["peek-label"]


def test_crosstab_with_label_is_peek_label(loaded_events: Kernel) -> None:
    assert loaded_events.run("pd.crosstab(df['plan'], df['churned'])").rules == ["peek-label"]


def test_groupby_without_label_is_peek_holdout(loaded_events: Kernel) -> None:
    r = loaded_events.run("df.groupby('plan')['x'].mean()")
    assert r.rules == ["peek-future", "peek-holdout"]


def test_each_call_of_a_statement_gets_the_rows_of_its_own_receiver(loaded_events: Kernel) -> None:
    loaded_events.run("train, test = leakguard.split(df)")
    r = loaded_events.run("train['event_ts'].max(), test['event_ts'].min()")
    assert [(f.rule, f.subject) for f in r.findings] == [("peek-holdout", "test['event_ts']")]


@pytest.mark.parametrize("split", ["train, test = train_test_split(df, test_size=0.25, random_state=0)",
                                   "test = df.sample(frac=0.25, random_state=0)\ntrain = df.drop(test.index)"],
                         ids=["train_test_split", "by-hand"])
def test_label_rate_on_train_part_without_a_cutoff_is_clean(kernel: Kernel, events_file: object, split: str) -> None:
    # A policy with a label and no time column: no row is a future row, so the train part of a
    # random split holds training rows only (it used to count as "train+future").
    kernel.run("import pandas as pd, leakguard\nfrom sklearn.model_selection import train_test_split")
    kernel.run(f"df = pd.read_parquet({str(events_file)!r})")
    kernel.run("leakguard.policy(label='churned')")
    assert kernel.run("df.groupby('plan')['churned'].mean()").rules == ["peek-label"]
    kernel.run(split)
    assert kernel.run("train.groupby('plan')['churned'].mean()").findings == []
    assert kernel.run("test.groupby('plan')['churned'].mean()").rules == ["peek-label"]
