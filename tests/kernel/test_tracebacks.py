"""A user's error reads as the user's own: no leakguard frame in the traceback IPython shows.

Each case runs a failing cell twice in the same real IPython shell, with leakguard loaded
and after ``%unload_ext leakguard``, and compares what IPython displays (the structured
traceback handed to ``_showtraceback``), modulo cell numbers and memory addresses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

import leakguard
from tests.conftest import Kernel

LEAKGUARD_DIR = str(Path(leakguard.__file__).parent)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Shown:
    """The tracebacks IPython displays, as plain text."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, etype: Any, evalue: Any, stb: list[str]) -> None:
        self.texts.append(_ANSI.sub("", "\n".join(stb)))


@pytest.fixture
def shown(kernel: Kernel, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shown]:
    record = Shown()
    monkeypatch.setattr(kernel.shell, "_showtraceback", record)
    yield record


def _normalised(text: str) -> str:
    text = re.sub(r"In\[\d+\]", "In[N]", text)
    return re.sub(r"0x[0-9a-fA-F]+", "0x?", text)


def _shown_for(kernel: Kernel, shown: Shown, cell: str) -> tuple[str, BaseException]:
    shown.texts.clear()
    run = kernel.run(cell, raises=True)
    assert run.error is not None, cell
    assert len(shown.texts) == 1, shown.texts
    return shown.texts[0], run.error


def _with_and_without(kernel: Kernel, shown: Shown, setup: str, cell: str) -> tuple[str, str, BaseException,
                                                                                       BaseException]:
    """The traceback shown for ``cell`` with leakguard loaded, then without it."""
    kernel.run(setup)
    loaded, err_loaded = _shown_for(kernel, shown, cell)
    kernel.run("%unload_ext leakguard")
    kernel.run(setup)
    plain, err_plain = _shown_for(kernel, shown, cell)
    kernel.run("%load_ext leakguard")
    return loaded, plain, err_loaded, err_plain


SETUP = "import pandas as pd, sqlite3\ndf = pd.DataFrame({'plan': ['a', 'b', 'a'], 'x': [1.0, 2.0, 3.0]})"

CASES = {
    # a wrapped call (DataFrame.agg) running the user's function, which raises
    "user function in a wrapped call": "df.agg(lambda s: 1 / 0)",
    # a wrapped call nested in another (Series.quantile called by the user's function inside agg)
    "nested wrapped calls": "df[['x']].agg(lambda s: s.quantile(2))",
    # pandas itself refusing an argument of a wrapped call
    "pandas error in a wrapped call": "df.describe(percentiles=[2])",
    "wrapped reader": "pd.read_csv('no-such-file.csv')",
    "wrapped group statistic": "df.groupby('plan').agg(lambda s: 1 / 0)",
    "user function in a helper": "def f(d):\n    return d.x.quantile(7)\n\nf(df)",
    # sqlite3 connections made while leakguard is loaded are guarded ones
    "guarded sqlite3 execute": "con = sqlite3.connect(':memory:')\ncon.execute('SELECT * FROM nope')",
    "guarded sqlite3 cursor": "con = sqlite3.connect(':memory:')\ncon.cursor().execute('SELEC 1')",
    "guarded sqlite3 executemany": "con = sqlite3.connect(':memory:')\ncon.executemany('INSERT INTO t VALUES (?)', [(1,)])",
}


@pytest.mark.parametrize("cell", CASES.values(), ids=CASES.keys())
def test_user_error_traceback_is_the_same_as_without_leakguard(kernel: Kernel, shown: Shown, cell: str) -> None:
    loaded, plain, err_loaded, err_plain = _with_and_without(kernel, shown, SETUP, cell)
    assert LEAKGUARD_DIR not in loaded
    assert "hidden" not in loaded  # no "[... skipping hidden N frame]" line either
    assert type(err_loaded) is type(err_plain) and str(err_loaded) == str(err_plain)
    assert _normalised(loaded) == _normalised(plain)


def test_user_error_in_sql_cell_shows_duckdbs_error_without_leakguard_frames(kernel: Kernel, shown: Shown) -> None:
    text, err = _shown_for(kernel, shown, "%%sql\nSELECT * FROM no_such_table")
    assert LEAKGUARD_DIR not in text and "<leakguard>" not in text
    with pytest.raises(duckdb.Error) as plain:
        duckdb.connect().sql("SELECT * FROM no_such_table")
    assert type(err) is type(plain.value) and str(err) == str(plain.value)
    assert text.rstrip().endswith(f"{type(err).__name__}: {err}")


def test_user_error_in_sql_cell_on_a_sqlite_connection(kernel: Kernel, shown: Shown) -> None:
    kernel.run("import sqlite3\ncon = sqlite3.connect(':memory:')")
    text, err = _shown_for(kernel, shown, "%%sql con\nSELECT * FROM nope")
    assert LEAKGUARD_DIR not in text
    assert type(err).__name__ == "OperationalError" and str(err) == "no such table: nope"


def test_safe_mode_fallback_does_not_chain_leakguards_attempt(kernel: Kernel, shown: Shown) -> None:
    """A restricted call that fails is retried on all rows; the user's error carries no trace of the attempt."""
    kernel.run("import pandas as pd, leakguard\n"
               "df = pd.DataFrame({'y': [0, 1, 0, 1], 'x': [1.0, 2.0, 3.0, 4.0]})\n"
               "leakguard.policy(label='y', holdout=0.5, mode='safe')")
    text, err = _shown_for(kernel, shown, "df.describe(percentiles=[2])")
    assert isinstance(err, ValueError)
    assert err.__context__ is None and "During handling" not in text
    assert LEAKGUARD_DIR not in text


def test_policy_error_shows_the_users_line_not_leakguards(kernel: Kernel, shown: Shown) -> None:
    kernel.run("import leakguard")
    text, err = _shown_for(kernel, shown, "leakguard.policy(mode='loud')")
    assert type(err).__name__ == "PolicyError" and "mode must be one of" in str(err)
    assert LEAKGUARD_DIR not in text and "hidden" not in text
    assert "----> 1 leakguard.policy(mode='loud')" in text
    assert text.rstrip().endswith(f"PolicyError: {err}")


def test_policy_error_from_split_shows_the_users_line(kernel: Kernel, shown: Shown) -> None:
    kernel.run("import pandas as pd, leakguard\ndf = pd.DataFrame({'x': [1, 2]})\n"
               "leakguard.policy(label='y', time='t', cutoff='2024-01-01')")
    text, err = _shown_for(kernel, shown, "train, test = leakguard.split(df)")
    assert type(err).__name__ == "PolicyError"
    assert LEAKGUARD_DIR not in text
    assert "----> 1 train, test = leakguard.split(df)" in text


def test_the_exception_object_itself_carries_no_leakguard_frame(kernel: Kernel) -> None:
    """Not only the display: `traceback`, `%debug` and logging see the same frames as without leakguard."""
    kernel.run("import pandas as pd\ndf = pd.DataFrame({'x': [1.0, 2.0]})")
    run = kernel.run("df.x.quantile(2)", raises=True)
    assert isinstance(run.error, ValueError)
    tb = run.error.__traceback__
    files = []
    while tb is not None:
        files.append(tb.tb_frame.f_code.co_filename)
        tb = tb.tb_next
    assert not any(f.startswith(LEAKGUARD_DIR) for f in files)
    assert files[-1].endswith("_validators.py")  # the frame that raised is pandas', as without leakguard
