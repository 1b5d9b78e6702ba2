"""Policy values the data cannot honour are refused with a PolicyError naming the key (issue 13).

A ``holdout_column`` must be a mask: booleans (or 0/1 flags). Any other column would be
read through ``astype(bool)``, making every non-empty string (or every fold but 0) a
holdout row, so safe mode would compute on no training row at all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import leakguard
from leakguard.errors import PolicyError
from leakguard.policy import Policy
from leakguard.splitting import row_parts, split
from tests.conftest import Kernel

MASK = Policy().updated({"holdout_column": "split"}, "test")


def _frame(split_values: list[object]) -> pd.DataFrame:
    n = len(split_values)
    return pd.DataFrame({"x": np.arange(n, dtype=float), "split": split_values})


@pytest.mark.parametrize(("values", "shown"), [
    (["train", "test", "train", "train"], "'train'"),
    ([0, 1, 2, 3], "2"),                      # fold numbers, not a mask
    ([0.5, 0.0, 1.0, 0.0], "0.5"),
    (list(pd.date_range("2024-01-01", periods=4)), "2024-01-01"),
])
def test_non_boolean_holdout_column_is_refused_naming_the_key(values: list[object], shown: str) -> None:
    with pytest.raises(PolicyError) as err:
        row_parts(_frame(values), MASK)
    text = str(err.value)
    assert text.startswith("holdout_column 'split'") and "boolean" in text and shown in text


@pytest.mark.parametrize(("values", "holdout"), [
    ([False, True, False, True], [False, True, False, True]),
    ([0, 1, 0, 0], [False, True, False, False]),
    ([0.0, 1.0, np.nan, 0.0], [False, True, False, False]),
    ([True, None, False, True], [True, False, False, True]),
    (pd.array([True, None, False, False], dtype="boolean"), [True, False, False, False]),
    ([np.True_, np.False_, np.False_, np.False_], [True, False, False, False]),
])
def test_boolean_and_flag_holdout_columns_are_masks(values: list[object], holdout: list[bool]) -> None:
    """The negative twin: booleans (nullable too) and 0/1 flags assign rows as before."""
    parts = row_parts(_frame(list(values)), MASK)
    assert parts.holdout.tolist() == holdout
    assert parts.train.tolist() == [not h for h in holdout]


def test_split_with_a_string_holdout_column_raises_policy_error() -> None:
    with pytest.raises(PolicyError, match="holdout_column 'split'"):
        split(_frame(["train", "test", "train", "train"]), policy=MASK)


def test_policy_with_data_checks_the_holdout_column(kernel: Kernel) -> None:
    kernel.run("import pandas as pd, leakguard\ndf = pd.DataFrame({'x': [1.0, 2.0], 'split': ['train', 'test']})")
    run = kernel.run("leakguard.policy(df, holdout_column='split')", raises=True)
    assert isinstance(run.error, PolicyError) and str(run.error).startswith("holdout_column 'split'")
    ok = kernel.run("df['is_test'] = df.split == 'test'\nleakguard.policy(df, holdout_column='is_test')")
    assert ok.error is None and kernel.session.policy.holdout.column == "is_test"


def test_safe_mode_with_a_string_holdout_column_says_why_and_runs_on_all_rows(kernel: Kernel) -> None:
    """Before: ``describe`` ran on 0 training rows. Now: a note naming the key; the cell's result is the real one."""
    kernel.run("import pandas as pd, leakguard\n"
               "df = pd.DataFrame({'y': [0, 1, 0, 1], 'x': [1.0, 2.0, 3.0, 4.0], 'split': ['a', 'b', 'a', 'b']})\n"
               "leakguard.policy(label='y', holdout_column='split', mode='safe')")
    run = kernel.run("df.describe()")
    assert run.result["x"]["count"] == 4
    assert any("holdout_column 'split'" in n for n in run.notes), run.notes
    assert not any("ran on the 0 training row" in n for n in run.notes)


def test_safe_mode_with_a_boolean_holdout_column_still_restricts(kernel: Kernel) -> None:
    kernel.run("import pandas as pd, leakguard\n"
               "df = pd.DataFrame({'y': [0, 1, 0, 1], 'x': [1.0, 2.0, 3.0, 4.0], 'split': [False, True, False, False]})\n"
               "leakguard.policy(label='y', holdout_column='split', mode='safe')")
    run = kernel.run("df.describe()")
    assert run.result["x"]["count"] == 3
    assert any("ran on the 3 training row(s)" in n for n in run.notes), run.notes


def test_magic_list_of_labels_sets_two_labels(kernel: Kernel) -> None:
    kernel.run("%leakguard policy label=[y,nope]")
    assert kernel.session.policy.label == ("y", "nope")


def test_magic_malformed_list_is_refused_and_the_policy_kept(kernel: Kernel, capsys: pytest.CaptureFixture[str]
                                                               ) -> None:
    kernel.run("%leakguard policy label=churned")
    capsys.readouterr()
    kernel.run("%leakguard policy label=[y, nope]")
    assert "leakguard: label" in capsys.readouterr().out
    assert kernel.session.policy.label == ("churned",)


@pytest.mark.parametrize(("call", "key"), [
    ("leakguard.policy(holdout_ids=5, id_column='cid')", "holdout_ids"),
    ("leakguard.policy(holdout_ids=[[1, 2]], id_column='cid')", "holdout_ids"),
    ("leakguard.policy(holdout_column=3)", "holdout_column"),
    ("leakguard.policy(label=['y', 4])", "label"),
])
def test_bad_policy_values_in_a_cell_raise_policy_error_naming_the_key(kernel: Kernel, call: str, key: str) -> None:
    kernel.run("import leakguard")
    before = kernel.session.policy
    run = kernel.run(call, raises=True)
    assert isinstance(run.error, PolicyError) and str(run.error).startswith(key)
    assert kernel.session.policy == before  # a refused value changes nothing
    package = str(Path(leakguard.__file__).parent)
    tb = run.error.__traceback__
    while tb is not None:  # the error points at the user's line: no frame of leakguard's package
        assert not tb.tb_frame.f_code.co_filename.startswith(package)
        tb = tb.tb_next


def test_polars_string_holdout_column_is_refused_naming_the_key() -> None:
    import polars as pl
    frame = pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "split": ["train", "test", "train", "train"]})
    with pytest.raises(PolicyError, match="holdout_column 'split'"):
        split(frame, policy=MASK)
    with pytest.raises(PolicyError, match="holdout_column 'split'"):
        split(frame.lazy(), policy=MASK)


def test_polars_boolean_holdout_column_still_splits() -> None:
    import polars as pl
    frame = pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "split": [False, True, None, False]})
    train, test = split(frame, policy=MASK)
    assert train["x"].to_list() == [1.0, 3.0, 4.0] and test["x"].to_list() == [2.0]
