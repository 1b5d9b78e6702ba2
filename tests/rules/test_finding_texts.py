"""Finding texts per rule, in both engines: a short title in the notebook's own names, a detail, a fix.

Every positive modelling fixture (tests/kernel/modelling_cases.py) runs in a real IPython
shell and through the static engine; the rule's finding must have the title below (``@``
stands for the cell, ``In[n]`` in the kernel and ``cell n`` in the static engine; ``None``
where an engine does not report that case), a detail, and a fix that promises nothing absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from leakguard.finding import Finding
from leakguard.policy import Policy
from tests.conftest import POLICY, Kernel
from tests.kernel.modelling_cases import CASES, Case, cells_of
from tests.static.helpers import check_code

# (case name, kernel title, static title)
TITLES: list[tuple[str, str | None, str | None]] = [
    ('scaler fit on all rows, then split',
     "StandardScaler fit on past[['x', 'z']] before the split (@)",
     "StandardScaler fit on past[['x', 'z']] before the split (@)"),
    ('fillna with the mean of all rows',
     "past['x'].mean() computed before the split (@)",
     "past['x'].mean() computed before the split (@)"),
    ('standardised by hand over all rows',
     "past['x'].mean() computed before the split (@)",
     "past['x'].mean() computed before the split (@)"),
    ('feature selection on all rows',
     "SelectKBest fit on past[['x', 'z']] before the split (@)",
     "SelectKBest fit on past[['x', 'z']] before the split (@)"),
    ('scaled outside cross-validation',
     'StandardScaler fit on all of X_tr before cross-validation (@)',
     'StandardScaler fit on all of X_tr before cross-validation (@)'),
    ('scaled inside a DataFrame constructor',
     "StandardScaler fit on past[['x', 'z']] before the split (@)",
     "StandardScaler fit on past[['x', 'z']] before the split (@)"),
    ('qcut edges learned over all rows',
     'qcut quantile edges of past computed before the split (@)',
     "past['x'] qcut edges computed before the split (@)"),
    ('trained on all rows, tested on the holdout',
     "LogisticRegression trained on past[['x', 'z']], which includes the test rows of X_te",
     "LogisticRegression trained on past[['x', 'z']], which includes the test rows of X_te"),
    ('test part concatenated back into train',
     'LogisticRegression scored on X_te, rows it was trained on (pd.concat([X_tr, X_te]))',
     'LogisticRegression scored on X_te, rows it was trained on (pd.concat())'),
    ('test arrays stacked into the training arrays',
     'LogisticRegression trained on X_all, which includes the test rows of X_te.values',
     'LogisticRegression trained on X_all, which includes the test rows of X_te.values'),
    ('oversampled before the split',
     'LogisticRegression scored on X_te, resampled before the split (@)',
     'LogisticRegression scored on X_te, resampled before the split (@)'),
    ('SMOTE before the split',
     'LogisticRegression scored on X_te, resampled before the split (@)',
     'LogisticRegression scored on X_te, resampled before the split (@)'),
    ('SMOTE before cross-validation',
     'cross_val_score on X_res, resampled before the folds (@)',
     'cross_val_score on X_res, resampled before the folds (@)'),
    ('duplicate rows across the split',
     'LogisticRegression scored on X_te, rows copied before the split (@)',
     'LogisticRegression scored on X_te, rows copied before the split (@)'),
    ('training score presented as the test score',
     "609 rows of past[['x', 'z']] are also training rows (past[['x', 'z']])",
     None),
    ('two models compared on the test set',
     'the test set X_te has scored 2 candidates (@)',
     'the test set X_te has scored 2 candidates (@)'),
    ('tuning loop scored on the test set',
     'the test set X_te has scored 3 candidates (@)',
     'the test set X_te has scored 3 candidates (@)'),
    ('threshold chosen on the test set',
     'f1_score on X_te scored in a loop (@)',
     'f1_score on X_te scored in a loop (@)'),
    ('grid search over rows that include the holdout',
     "GridSearchCV.fit tunes on folds of past[['x', 'z']], which holds test rows",
     "GridSearchCV.fit tunes on folds of past[['x', 'z']], which holds test rows"),
    ('early stopping on the test set',
     'HistGradientBoostingClassifier.fit(X_va… monitors X_te, which holds test rows',
     None),
    ('the label left inside X',
     "the label churned is a feature of tr.drop(columns=['event… (@)",
     'the label churned is a feature of tr.drop() (@)'),
    ('a column computed from the label',
     'feature ratio is computed from the label churned (@)',
     'feature ratio is computed from the label churned (@)'),
    ('a column computed from the label with assign',
     'feature ratio is computed from the label churned (@)',
     'feature ratio is computed from the label churned (@)'),
    ('a column computed from the label with an assign lambda',
     'feature ratio is computed from the label churned (@)',
     'feature ratio is computed from the label churned (@)'),
    ('target encoding over all rows',
     'target encoding past.mean() learned with test rows (@)',
     'target encoding rate learned with test rows (@)'),
    ('target encoding by groupby transform',
     'target encoding groupby transform(mean) of past learned with test rows (@)',
     "target encoding past.groupby()['churned'].transform… learned with test rows (@)"),
    ('random split of time-ordered rows',
     'LogisticRegression tested on X_te, older than some training rows',
     None),
    ('trained on rows after the cutoff',
     'LogisticRegression trained on rows of X_tr after the cutoff 2024-06-01',
     'LogisticRegression trained on rows of X_tr after the cutoff 2024-06-01'),
    ('next value as a feature (shift(-1)) before the split',
     "past['x'].shift() looks ahead across the split (@)",
     'column x_next of past looks ahead across the split (@)'),
    ('centred rolling window across the split',
     "past['x'].rolling(...).mean() looks ahead across the split (@)",
     'column x_roll of past looks ahead across the split (@)'),
    ('cumulative sum over rows not in time order',
     "shuffled['x'].cumsum() looks ahead across the split (@)",
     'column x_cum of shuffled looks ahead across the split (@)'),
]
_BY_NAME = {c.name: c for c in CASES}
_AT = re.compile(r"\((In\[\d+\]|cell \d+)\)")


def _normal(title: str) -> str:
    return _AT.sub("(@)", title)


def _well_written(f: Finding) -> None:
    assert "\n" not in f.title and len(f.title) <= 90, f.title
    assert not f.title.endswith("."), f.title
    assert "<" not in f.title and "<" not in f.detail, f  # no engine placeholder such as <train part>
    assert f.detail and f.detail.endswith("."), f.detail
    assert f.message == f"{f.title}. {f.detail}"
    assert "below" not in f.hint and f.hint.count("`") % 2 == 0, f.hint


def _kernel_findings(kernel: Kernel, case: Case, events_file: Path) -> list[Finding]:
    found: list[Finding] = []
    for cell in cells_of(case, str(events_file)):
        found += [f for f in kernel.run(cell).findings if f.rule == case.rule]
    return found


def _static_findings(case: Case, events_file: Path) -> list[Finding]:
    report = check_code("\n# %%\n".join(cells_of(case, str(events_file))), Policy(), folder=events_file.parent)
    return [f.finding for f in report.findings if f.rule == case.rule]


@pytest.mark.parametrize(("name", "kernel_title", "static_title"), TITLES, ids=[t[0] for t in TITLES])
def test_titles_in_both_engines(name: str, kernel_title: str | None, static_title: str | None, kernel: Kernel,
                                events_file: Path) -> None:
    case = _BY_NAME[name]
    for found, expected in ((_kernel_findings(kernel, case, events_file), kernel_title),
                            (_static_findings(case, events_file), static_title)):
        assert [_normal(f.title) for f in found][:1] == ([expected] if expected else []), found
        for f in found:
            _well_written(f)


def test_every_positive_case_is_in_the_table() -> None:
    assert {t[0] for t in TITLES} == {c.name for c in CASES if c.fires}


_HOLDOUT = ("peek-holdout", "describe() on df sees the holdout rows")
_FUTURE = ("peek-future", "describe() on df sees rows after the cutoff 2024-06-01")
_SQL = "import duckdb\nduckdb.sql('SELECT plan, avg({col}) FROM df GROUP BY plan').df()"
_STUMP = ("import numpy as np\nfrom sklearn.model_selection import train_test_split\n"
          "class Stump:\n    def fit(self, X, y):\n        return self\n\n"
          "X_tr, X_te, y_tr, y_te = train_test_split(df[['x']], df['churned'], shuffle=False)\nStump().fit(X_tr, y_tr)")
Expected = list[tuple[str, str]] | None  # (rule, title) per finding, info included; None: not run in that engine
PEEKS: list[tuple[str, str, Expected, Expected]] = [
    ("describe", "df.describe()", [_HOLDOUT, _FUTURE], [_HOLDOUT, _FUTURE]),
    ("label", "df.groupby('plan')['churned'].mean()", [("peek-label", "mean() on df relates the label churned to plan")],
     [("peek-label", "mean() on df relates the label churned to plan")]),
    ("sql", _SQL.format(col="x"),
     [("peek-holdout", "SQL query on df sees the holdout rows"),
      ("peek-future", "SQL query on df sees rows after the cutoff 2024-06-01")],
     [("peek-holdout", "SQL query on df sees the holdout rows"),
      ("peek-future", "SQL query on df sees rows after the cutoff 2024-06-01")]),
    ("sql label", _SQL.format(col="churned"),
     [("peek-label", "SQL query uses the label (churned as aggregate) over df")],
     [("peek-label", "SQL query uses the label (churned as aggregate) over df")]),
    ("unknown rows", "from mylib import load\nu = load()\nu.describe()", None,
     [("peek-holdout", "describe() on u: cannot tell whether it sees holdout rows"),
      ("peek-future", "describe() on u: cannot tell whether it sees rows after the cutoff")]),
    ("unresolved call", "import json\nout = json.loads(df)\nout.describe()", None,
     [("unresolved", "loads() on df: not judged"), ("peek-holdout", "describe() on out sees the holdout rows"),
      ("peek-future", "describe() on out sees rows after the cutoff 2024-06-01")]),
    ("unresolved fit", _STUMP, [("unresolved", "Stump().fit() on X_tr, y_tr: not judged")], None),
    ("schema only (twin)", "df.shape, df.columns", [], []),
    ("after the split (twin)", "train, test = leakguard.split(df)\ntrain.describe()", [], []),
]


@pytest.mark.parametrize(("name", "code", "in_kernel", "in_static"), PEEKS, ids=[p[0] for p in PEEKS])
def test_peek_and_unresolved_titles_in_both_engines(name: str, code: str, in_kernel: Expected, in_static: Expected,
                                                    kernel: Kernel, events_file: Path) -> None:
    cells = ["import pandas as pd, leakguard", f"df = pd.read_parquet({str(events_file)!r})", POLICY, code]
    if in_kernel is not None:
        found = [f for cell in cells for f in kernel.run(cell).findings]
        assert [(f.rule, f.title) for f in found] == in_kernel
        for f in found:
            _well_written(f)
    if in_static is not None:
        report = check_code("\n# %%\n".join(cells), Policy(), folder=events_file.parent)
        assert [(f.rule, f.finding.title) for f in report.findings] == in_static
        for f in report.findings:
            _well_written(f.finding)


def test_static_engine_gives_no_count_for_a_loop_it_cannot_list() -> None:
    code = ("import pandas as pd, leakguard\nfrom sklearn.model_selection import train_test_split\n"
            "from sklearn.linear_model import LogisticRegression\nfrom mylib import load_grid\n"
            "df = pd.read_csv('e.csv')\nXa, Xb, ya, yb = train_test_split(df[['x']], df['churned'])\n"
            "for C in load_grid():\n    LogisticRegression(C=C).fit(Xa, ya).score(Xb, yb)\n")
    listed = code.replace("load_grid()", "[1, 2, 3]")
    unknown = [f.finding.title for f in check_code(code).findings if f.rule == "multi-test"]
    assert unknown == ["LogisticRegression.score on Xb scored in a loop (cell 1)"]
    counted = [f.finding.title for f in check_code(listed).findings if f.rule == "multi-test"]
    assert counted == ["the test set Xb has scored 3 candidates (cell 1)"]
