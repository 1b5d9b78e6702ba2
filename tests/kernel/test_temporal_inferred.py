"""Time order inferred without a declared policy, in both engines on the same cells (parity).

The rows of ``events.csv`` are written in random order, so a frame is time-ordered only
after ``sort_values``: the kernel proves it from the data, the static engine from the code.
No cell declares a policy (the label is the only thing the tests' leakguard.toml says).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leakguard.finding import Finding
from leakguard.static.engine import check_path
from tests.conftest import Kernel, make_events

HEAD = """import pandas as pd
from sklearn.model_selection import train_test_split, cross_val_score, KFold, TimeSeriesSplit
from sklearn.linear_model import LogisticRegression
"""
READ = 'df = pd.read_csv("events.csv", parse_dates=["event_ts"])\n'
FIT_SCORE = """
model = LogisticRegression().fit(train[["x", "z"]], train["churned"])
score = model.score(test[["x", "z"]], test["churned"])
"""

# (name, cells after the imports, expected temporal severity or None)
CASES: list[tuple[str, str, str | None]] = [
    ("shuffled split of sorted rows", READ + 'df = df.sort_values("event_ts")\n'
     "train, test = train_test_split(df, test_size=0.2, random_state=0)" + FIT_SCORE, "warning"),
    ("stratified split of sorted rows", READ + 'df = df.sort_values(by="event_ts")\n'
     'train, test = train_test_split(df, stratify=df["churned"], random_state=1)' + FIT_SCORE, "warning"),
    ("to_datetime then sort, shuffle=True", 'df = pd.read_csv("events.csv")\n'
     'df["event_ts"] = pd.to_datetime(df["event_ts"])\nrows = df.sort_values("event_ts")\n'
     "train, test = train_test_split(rows, shuffle=True)" + FIT_SCORE, "warning"),
    ("reversed chronological split", READ + 'df = df.sort_values("event_ts", ascending=False)\n'
     "train, test = train_test_split(df, shuffle=False)" + FIT_SCORE, "warning"),
    # negative twins
    ("shuffle=False on sorted rows", READ + 'df = df.sort_values("event_ts")\n'
     "train, test = train_test_split(df, test_size=0.2, shuffle=False)" + FIT_SCORE, None),
    ("random split of data with no time column", 'df = pd.read_csv("events.csv")\n'
     "train, test = train_test_split(df, test_size=0.2, random_state=0)" + FIT_SCORE, None),
    ("sorted by a column that is not a datetime", READ + 'df = df.sort_values("x")\n'
     "train, test = train_test_split(df, random_state=0)" + FIT_SCORE, None),
]

CV_CASES: list[tuple[str, str, str | None]] = [
    ("default cv over sorted rows", READ + 'df = df.sort_values("event_ts")\n\n'
     'scores = cross_val_score(LogisticRegression(), df[["x", "z"]], df["churned"])', "warning"),
    ("shuffled KFold over sorted rows", READ + 'df = df.sort_values("event_ts")\n\n'
     'X, y = df[["x", "z"]], df["churned"]\n\n'
     "scores = cross_val_score(LogisticRegression(), X, y, cv=KFold(5, shuffle=True, random_state=0))", "warning"),
    ("TimeSeriesSplit over sorted rows", READ + 'df = df.sort_values("event_ts")\n'
     'scores = cross_val_score(LogisticRegression(), df[["x", "z"]], df["churned"], cv=TimeSeriesSplit(5))', None),
    ("default cv over rows with no time column", 'df = pd.read_csv("events.csv")\n'
     'scores = cross_val_score(LogisticRegression(), df[["x", "z"]], df["churned"])', None),
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    events = make_events(400, seed=5)
    events = events.iloc[np.random.default_rng(0).permutation(len(events))]  # rows out of time order on disk
    events.to_csv(tmp_path / "events.csv", index=False)
    (tmp_path / "leakguard.toml").write_text('label = "churned"\nholdout = 0.2\nseed = 7\n')
    return tmp_path


def _temporal(findings: list[Finding]) -> str | None:
    found = [f for f in findings if f.rule == "temporal"]
    return found[0].severity if found else None


def _both(kernel: Kernel, folder: Path, code: str) -> tuple[list[Finding], list[Finding]]:
    live: list[Finding] = []
    for cell in (HEAD, *code.split("\n\n")):
        live += kernel.run(cell).findings
    script = folder / "case.py"
    script.write_text(HEAD + "\n" + code + "\n")
    return live, [r.finding for r in check_path(script).findings]


@pytest.mark.parametrize(("name", "code", "expected"), CASES + CV_CASES, ids=[c[0] for c in CASES + CV_CASES])
def test_time_order_is_inferred_in_both_engines(kernel: Kernel, folder: Path, name: str, code: str,
                                                expected: str | None) -> None:
    live, static = _both(kernel, folder, code)
    assert _temporal(live) == expected, [f.message for f in live]
    assert _temporal(static) == expected, [f.message for f in static]
    for f in (*live, *static):
        if f.rule == "temporal":
            assert "event_ts (inferred)" in f.message and "'event_ts'" in (f.hint or ""), f


def test_the_inferred_time_column_is_a_guess_with_its_origin(kernel: Kernel, folder: Path) -> None:
    _both(kernel, folder, CASES[0][1])
    guesses = kernel.session.graph.inferred.time
    assert [g.value for g in guesses] == ["event_ts"]
    assert "sorted" in guesses[0].origin


def test_a_declared_time_column_wins_over_the_inferred_one(kernel: Kernel, folder: Path) -> None:
    # the policy declares another time column that the frame does not hold: nothing is inferred, nothing fires
    code = "import leakguard\nleakguard.policy(time='signup_ts')\n\n" + CASES[0][1]
    live, static = _both(kernel, folder, code)
    assert _temporal(live) is None and _temporal(static) is None


SORTED = READ + 'df = df.sort_values("event_ts")\n\n'
FIT = """
train, test = train_test_split(df, test_size=0.2, shuffle=False)
model = LogisticRegression().fit(train[["x", "feat"]], train["churned"])
"""

# (name, the feature's cells, the rules expected at warning/error severity)
FEATURES: list[tuple[str, str, set[str]]] = [
    ("shift(-1)", SORTED + 'df["feat"] = df["x"].shift(-1).fillna(0)\n', {"temporal"}),
    ("shift(periods=-2)", SORTED + 'df["feat"] = df["x"].shift(periods=-2).fillna(0)\n', {"temporal"}),
    ("diff(-1)", SORTED + 'df["feat"] = df["x"].diff(-1).fillna(0)\n', {"temporal"}),
    ("pct_change(-1)", SORTED + 'df["feat"] = df["x"].pct_change(-1).fillna(0)\n', {"temporal"}),
    ("rolling(center=True)", SORTED + 'df["feat"] = df["x"].rolling(7, center=True, min_periods=1).mean()\n',
     {"temporal"}),
    ("bfill", SORTED + 'df["feat"] = df["x"].bfill()\n', {"temporal"}),
    ("interpolate", SORTED + 'df["feat"] = df["x"].interpolate()\n', {"temporal"}),
    ("frame-wide shift(-1), then a column", SORTED + 'ahead = df[["x", "z"]].shift(-1).fillna(0)\n\n'
     'df["feat"] = ahead["x"] * 2\n', {"temporal"}),
    ("cumsum over rows sorted newest first", READ + 'df = df.sort_values("event_ts", ascending=False)\n\n'
     'df["feat"] = df["x"].cumsum()\n\ndf = df.sort_values("event_ts")\n', {"temporal"}),
    ("label lead shift(-1)", SORTED + 'df["feat"] = df["churned"].shift(-1).fillna(0)\n', {"temporal", "target"}),
    # negative twins
    ("shift(1)", SORTED + 'df["feat"] = df["x"].shift(1).fillna(0)\n', set()),
    ("trailing rolling(7)", SORTED + 'df["feat"] = df["x"].rolling(7, min_periods=1).mean()\n', set()),
    ("ffill", SORTED + 'df["feat"] = df["x"].ffill()\n', set()),
    ("cumsum over ascending rows", SORTED + 'df["feat"] = df["x"].cumsum()\n', set()),
    ("label lag shift(1)", SORTED + 'df["feat"] = df["churned"].shift(1).fillna(0)\n', set()),
    ("trailing mean of past labels", SORTED
     + 'df["feat"] = df["churned"].shift(1).rolling(7, min_periods=1).mean().fillna(0)\n', set()),
    ("shift(-1) without a time column", 'df = pd.read_csv("events.csv")\n\n'
     'df["feat"] = df["x"].shift(-1).fillna(0)\n', set()),
    ("label lag without a time order stays target", 'df = pd.read_csv("events.csv")\n\n'
     'df["feat"] = df["churned"].shift(1).fillna(0)\n', {"target"}),
    ("label copied row by row stays target", SORTED + 'df["feat"] = df["churned"] * 2\n', {"target"}),
]


@pytest.mark.parametrize(("name", "code", "expected"), FEATURES, ids=[c[0] for c in FEATURES])
def test_look_ahead_features_and_label_lags_in_both_engines(kernel: Kernel, folder: Path, name: str, code: str,
                                                            expected: set[str]) -> None:
    live, static = _both(kernel, folder, code + "\n" + FIT)
    assert {f.rule for f in live if f.severity != "info"} == expected, [f.message for f in live]
    assert {f.rule for f in static if f.severity != "info"} == expected, [f.message for f in static]


# (name, cells after the imports, expected temporal severity): time order without an explicit sort
NO_SORT: list[tuple[str, str, str | None]] = [
    ("datetime index sorted, default folds", 'df = pd.read_csv("events.csv", index_col="event_ts", parse_dates=True)\n'
     'df = df.sort_index()\n\nscores = cross_val_score(LogisticRegression(), df[["x", "z"]], df["churned"])',
     "warning"),
    ("search with shuffled folds over sorted rows", 'from sklearn.model_selection import GridSearchCV\n' + SORTED
     + 'search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=KFold(3, shuffle=True, random_state=0))\n'
     'search.fit(df[["x", "z"]], df["churned"])', "warning"),
    ("search with TimeSeriesSplit over sorted rows", 'from sklearn.model_selection import GridSearchCV\n' + SORTED
     + 'search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=TimeSeriesSplit(3))\n'
     'search.fit(df[["x", "z"]], df["churned"])', None),
]


@pytest.mark.parametrize(("name", "code", "expected"), NO_SORT, ids=[c[0] for c in NO_SORT])
def test_time_order_from_index_and_searches_in_both_engines(kernel: Kernel, folder: Path, name: str, code: str,
                                                            expected: str | None) -> None:
    live, static = _both(kernel, folder, code)
    assert _temporal(live) == expected, [f.message for f in live]
    assert _temporal(static) == expected, [f.message for f in static]


def test_a_lag_over_rows_in_file_order_makes_them_time_ordered_when_the_data_says_so(kernel: Kernel,
                                                                                     folder: Path) -> None:
    # a lag says the user treats the file's order as time order: the static engine takes it at its word; the
    # kernel checks the rows, which this folder's file holds shuffled (so nothing is inferred there)
    code = (READ + 'df["x_lag"] = df["x"].shift(1)\n\n'
            "train, test = train_test_split(df.dropna(), random_state=0)" + FIT_SCORE)
    live, static = _both(kernel, folder, code)
    assert _temporal(static) == "warning", [f.message for f in static]
    assert _temporal(live) is None, [f.message for f in live]
    assert kernel.session.graph.inferred.values("time") == ()
