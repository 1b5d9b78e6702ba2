"""warn / block / safe: exactly the design's semantics."""

from __future__ import annotations

import pandas as pd

import leakguard
from leakguard.errors import LeakageError
from tests.conftest import Kernel


def test_warn_runs_the_cell_and_reports(loaded_events: Kernel) -> None:
    r = loaded_events.run("d = df.describe()")
    assert r.rules == ["peek-future", "peek-holdout"]
    assert isinstance(loaded_events.ns["d"], pd.DataFrame)


def test_block_raises_before_the_call_and_leaves_namespace_unchanged(loaded_events: Kernel) -> None:
    loaded_events.run("%leakguard mode block")
    before = dict(loaded_events.ns)
    r = loaded_events.run("d = df.describe()", raises=True)
    assert isinstance(r.error, LeakageError)
    assert {f.rule for f in r.error.findings} == {"peek-future", "peek-holdout"}
    assert "d" not in loaded_events.ns
    assert set(loaded_events.ns) - set(before) <= {"_i", "_ii", "_iii"} | {k for k in loaded_events.ns if k.startswith("_i")}
    assert loaded_events.ns["df"] is before["df"]


def test_block_does_not_stop_clean_calls(loaded_events: Kernel) -> None:
    loaded_events.run("%leakguard mode block")
    loaded_events.run("train, test = leakguard.split(df)")
    r = loaded_events.run("d = train.describe()")
    assert r.findings == []
    assert len(loaded_events.ns["d"].columns) == 4


def test_block_raises_only_leakage_error_and_renders_compactly(loaded_events: Kernel) -> None:
    loaded_events.run("%leakguard mode block")
    r = loaded_events.run("df.groupby('plan')['churned'].mean()", raises=True)
    assert type(r.error) is LeakageError
    rendered = "\n".join(r.error._render_traceback_())
    assert "peek-label" in rendered and "mode warn" in rendered


def test_safe_describe_equals_describe_of_split_train_rows(loaded_events: Kernel) -> None:
    loaded_events.run("%leakguard mode safe")
    r = loaded_events.run("safe_d = df.describe()")
    assert r.findings == []
    assert any("safe mode" in n and "training row" in n for n in r.notes)
    loaded_events.run("%leakguard mode warn")
    loaded_events.run("train, test = leakguard.split(df)")
    loaded_events.run("train_d = train.describe()")
    pd.testing.assert_frame_equal(loaded_events.ns["safe_d"], loaded_events.ns["train_d"])


def test_safe_groupby_runs_on_training_rows(loaded_events: Kernel) -> None:
    loaded_events.run("%leakguard mode safe")
    loaded_events.run("safe_rate = df.groupby('plan')['churned'].mean()")
    loaded_events.run("%leakguard mode warn")
    loaded_events.run("train, test = leakguard.split(df)")
    loaded_events.run("rate = train.groupby('plan')['churned'].mean()")
    pd.testing.assert_series_equal(loaded_events.ns["safe_rate"], loaded_events.ns["rate"])


def test_safe_series_statistic_is_restricted_through_the_source_frame(loaded_events: Kernel) -> None:
    loaded_events.run("%leakguard mode safe")
    r = loaded_events.run("m = df['x'].mean()")
    assert r.findings == []
    loaded_events.run("%leakguard mode warn")
    loaded_events.run("train, test = leakguard.split(df)")
    assert loaded_events.ns["m"] == loaded_events.ns["train"]["x"].mean()


def test_safe_mode_on_clean_data_does_not_restrict(loaded_events: Kernel) -> None:
    loaded_events.run("train, test = leakguard.split(df)")
    loaded_events.run("%leakguard mode safe")
    r = loaded_events.run("d = train.describe()")
    assert r.notes == [] and r.findings == []


def test_policy_mode_from_api(loaded_events: Kernel) -> None:
    loaded_events.run("leakguard.policy(mode='block');")
    assert leakguard.policy().mode == "block"
    r = loaded_events.run("df.describe()", raises=True)
    assert isinstance(r.error, LeakageError)


def test_a_cell_run_again_supersedes_its_findings(loaded_events: Kernel) -> None:
    class Info:
        store_history = True
        cell_id = "cell-abc"

    session = loaded_events.session
    # what Jupyter does: the same cell id across runs
    def same_cell(info: object) -> None:
        session.pre_run_cell(Info())

    loaded_events.shell.events.unregister("pre_run_cell", session.pre_run_cell)
    loaded_events.shell.events.register("pre_run_cell", same_cell)
    try:
        assert loaded_events.run("df.describe()").rules == ["peek-future", "peek-holdout"]
        # the same cell again: reported again (not swallowed as a duplicate)
        assert loaded_events.run("df.describe()").rules == ["peek-future", "peek-holdout"]
        assert len([f for f in session.findings if f.where.cell == "cell-abc"]) == 2
        # fixed and run again: its old findings are gone
        loaded_events.run("train, test = leakguard.split(df)\ntrain.describe()")
        assert [f for f in session.findings if f.where.cell == "cell-abc"] == []
    finally:
        loaded_events.shell.events.unregister("pre_run_cell", same_cell)
        loaded_events.shell.events.register("pre_run_cell", session.pre_run_cell)


def _calls_setup(k: Kernel) -> int:
    """User functions that record every call (one needs 250 rows a group); the number of training rows."""
    k.run("calls = []\n"
          "def needs_rows(s):\n"
          "    calls.append(len(s))\n"
          "    if len(s) < 250:\n"
          "        raise ValueError(f'only {len(s)} rows')\n"
          "    return s.mean()\n"
          "def counted_mean(s):\n"
          "    calls.append(len(s))\n"
          "    return s.mean()")
    k.run("train, test = leakguard.split(df)")
    return len(k.ns["train"])


def test_safe_mode_runs_the_users_function_once_and_a_failure_is_theirs(loaded_events: Kernel) -> None:
    _calls_setup(loaded_events)
    loaded_events.run("%leakguard mode safe")
    r = loaded_events.run("rates = df.groupby('plan')['x'].agg(needs_rows)", raises=True)
    assert isinstance(r.error, ValueError) and str(r.error).startswith("only ")  # the user's own error
    calls = loaded_events.ns["calls"]
    assert calls and all(n < 250 for n in calls)  # never run again on all rows (a group there has ~330)
    safe_notes = [n for n in r.notes if n.startswith("safe mode")]
    assert len(safe_notes) == 1 and "raised ValueError" in safe_notes[0] and "not run again" in safe_notes[0]
    assert "rates" not in loaded_events.ns


def test_safe_mode_runs_a_working_function_once_on_training_rows(loaded_events: Kernel) -> None:
    n_train = _calls_setup(loaded_events)
    loaded_events.run("%leakguard mode safe")
    r = loaded_events.run("rates = df.groupby('plan')['x'].agg(counted_mean)")
    assert r.findings == [] and sum(loaded_events.ns["calls"]) == n_train  # once, on the training rows
    safe_notes = [n for n in r.notes if n.startswith("safe mode")]
    assert len(safe_notes) == 1 and "training row" in safe_notes[0]
    pd.testing.assert_series_equal(loaded_events.ns["rates"], loaded_events.ns["train"].groupby("plan")["x"].mean())
