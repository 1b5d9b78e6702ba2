"""Hand-written fold loops in the static engine: time order follows the splitter, as for cross_val_score."""

from __future__ import annotations

from pathlib import Path

from leakguard.static.engine import check_path

_LOOP = '''import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, TimeSeriesSplit

df = pd.read_csv("days.csv", parse_dates=["ts"]).sort_values("ts")
X, y = df[["a"]], df["c"]
for tr, va in {}.split(X):
    m = LogisticRegression().fit(X.iloc[tr], y.iloc[tr])
    m.score(X.iloc[va], y.iloc[va])
'''


def _rules(tmp_path: Path, splitter: str) -> set[str]:
    script = tmp_path / "cv.py"
    script.write_text(_LOOP.format(splitter), encoding="utf-8")
    report = check_path(script)
    assert report.error is None
    return {f.rule for f in report.findings}


def test_a_shuffled_fold_loop_on_rows_in_time_order_is_told(tmp_path: Path) -> None:
    assert "temporal" in _rules(tmp_path, "KFold(3, shuffle=True)")


def test_a_timeseriessplit_loop_keeps_time_order(tmp_path: Path) -> None:
    assert "temporal" not in _rules(tmp_path, "TimeSeriesSplit(3)")
