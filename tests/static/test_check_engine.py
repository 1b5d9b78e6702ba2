"""The abstract interpreter: each pattern of the issue with a positive case and its negative twin."""

from __future__ import annotations

from pathlib import Path

import pytest

from leakguard.static.engine import check_path
from tests.static.helpers import HEAD, POLICY, TIME_POLICY, check_code, rules

PEEK = ["peek-holdout"]


@pytest.mark.parametrize(("code", "expected"), [
    # aliases
    ("import pandas as pds\nd = pds.read_csv('e.csv')\nd.describe()", PEEK),
    ("from pandas import read_parquet as rp\nd = rp('e.parquet')\nd.describe()", PEEK),
    ("import pandas\nd = pandas.read_csv('e.csv')\ne = d\ne.describe()", PEEK),
    ("import numpy as pd\nd = pd.read_csv('e.csv')\nd.describe()", []),  # not pandas: nothing known
    # names rebound across cells
    (HEAD + "# %%\ntrain, test = leakguard.split(df)\n# %%\ndf = train\n# %%\ndf.describe()", []),
    (HEAD + "# %%\ntrain, test = leakguard.split(df)\ntrain = df\n# %%\ntrain.describe()", PEEK),
    # tuple unpacking, starred
    (HEAD + "a, (b, c) = 1, (df, 2)\nb.describe()", PEEK),
    (HEAD + "first, *rest = [df, df, df]\nrest[0].describe()", PEEK),
    (HEAD + "parts = leakguard.split(df)\ntrain, test = parts\ntrain.describe()", []),
    # attribute and method chains
    (HEAD + "df.dropna().reset_index(drop=True).describe()", PEEK),
    (HEAD + "df.dropna().reset_index(drop=True).shape", []),
    # loops and comprehensions
    (HEAD + "for c in ['x', 'z']:\n    print(df[c].mean())", PEEK),
    (HEAD + "i = 0\nwhile i < 2:\n    i += 1\n    df.describe()", PEEK),
    (HEAD + "means = [df[c].mean() for c in ['x', 'z']]", []),  # the kernel's scan: not shown
    (HEAD + "train, test = leakguard.split(df)\nfor c in ['x']:\n    print(train[c].mean())", []),
    # helpers followed into their bodies
    (HEAD + "def look(d, col='x'):\n    return d[col].describe()\nlook(df)", PEEK),
    (HEAD + "def look(d):\n    return d.describe()\ntrain, test = leakguard.split(df)\nlook(train)", []),
    (HEAD + "look = lambda d: d.describe()\nlook(df)", PEEK),
    (HEAD + "def f(d):\n    return f(d)\nf(df)", []),  # recursion: not followed forever
    # consumed statistic vs kept
    (HEAD + "df['x'] = df['x'].fillna(df['x'].mean())", []),
    (HEAD + "m = df['x'].mean()", PEEK),
    (HEAD + "print(f\"{df['x'].mean()}\")", []),  # an f-string is not shown (as in the kernel)
])
def test_patterns(code: str, expected: list[str]) -> None:
    assert rules(check_code(code)) == expected


def test_filters_at_the_cutoff_and_masks_on_the_holdout_column() -> None:
    code = HEAD + "past = df[df.event_ts <= '2024-06-01']\npast.describe()"
    assert rules(check_code(code, TIME_POLICY)) == ["peek-holdout"]
    code = HEAD + "recent = df[(df.event_ts > '2024-01-01') & (df.x > 0)]\nrecent.describe()"
    assert rules(check_code(code, TIME_POLICY)) == ["peek-future", "peek-holdout"]
    code = HEAD + "past = df[(df.event_ts < '2024-05-01') & (df.x > 0)]\npast.describe()"
    assert rules(check_code(code, TIME_POLICY)) == ["peek-holdout"]
    held = POLICY.updated({"holdout": None, "holdout_column": "is_test"}, "t")
    assert rules(check_code(HEAD + "df[~df['is_test']].describe()", held)) == []
    assert rules(check_code(HEAD + "df[df['is_test']].describe()", held)) == ["peek-holdout"]


def test_hand_made_splits() -> None:
    for split in ("test = df.sample(frac=0.2)\ntrain = df.drop(test.index)",
                  "m = df.x > 0\ntrain = df[m]\ntest = df[~m]",
                  "train = df.iloc[:400]\ntest = df.iloc[400:]",
                  "train = df[df.x <= 1]\ntest = df[df.x > 1]"):
        assert rules(check_code(HEAD + split + "\n# %%\ntrain.describe()")) == [], split
        assert rules(check_code(HEAD + split + "\n# %%\ntest.describe()")) == PEEK, split
    # two unrelated subsets are not a split
    code = HEAD + "a = df[df.x > 0]\nb = df[df.z > 0]\na.describe()"
    assert rules(check_code(code)) == PEEK


def test_policy_from_the_notebook_and_inferred_holdout() -> None:
    from leakguard.policy import Policy

    code = "import pandas as pd, leakguard\ndf = pd.read_csv('e.csv')\n"
    assert rules(check_code(code + "df.describe()", Policy())) == []
    assert rules(check_code(code + "leakguard.policy(label='churned', holdout=0.3)\ndf.describe()", Policy())) == PEEK
    split = "from sklearn.model_selection import train_test_split\ntr, te = train_test_split(df, test_size=0.3)\n"
    assert rules(check_code(code + split + "te.describe()", Policy())) == PEEK
    assert rules(check_code(code + split + "tr.describe()", Policy())) == []


def test_unknown_sources_are_reported_as_unknown_not_clean() -> None:
    report = check_code("from mylib import load\ndf = load()\ndf.describe()")
    assert rules(report) == []
    assert rules(report, info=True) == ["peek-holdout"]
    assert any("cannot tell" in f.finding.message for f in report.findings)


def test_unresolved_library_call_on_tracked_data_is_noted() -> None:
    report = check_code(HEAD + "import somelib\nout = somelib.transform(df)\nout.describe()")
    assert rules(report) == PEEK  # the rows of its input are kept: never clean
    assert any("not in leakguard's catalog" in n[2] for n in report.notes)
    assert "unresolved" in rules(report, info=True)


MODEL = ("from sklearn.model_selection import train_test_split\nfrom sklearn.linear_model import LogisticRegression\n"
         "X = df[['x', 'z']]\ny = df['churned']\n")
SPLIT = "X_tr, X_te, y_tr, y_te = train_test_split(X, y)\n"


@pytest.mark.parametrize(("code", "expected"), [
    ("from sklearn.preprocessing import StandardScaler\nX = StandardScaler().fit_transform(X)\n" + SPLIT
     + "m = LogisticRegression().fit(X_tr, y_tr)", ["preprocessing"]),
    (SPLIT + "from sklearn.preprocessing import StandardScaler\ns = StandardScaler().fit(X_tr)\n"
     "m = LogisticRegression().fit(s.transform(X_tr), y_tr)\nm.score(s.transform(X_te), y_te)", []),
    ("from sklearn.pipeline import Pipeline\nfrom sklearn.compose import ColumnTransformer\n"
     "from sklearn.preprocessing import StandardScaler\n" + SPLIT
     + "pre = ColumnTransformer([('num', StandardScaler(), ['x', 'z'])])\n"
     "pipe = Pipeline([('pre', pre), ('clf', LogisticRegression())]).fit(X_tr, y_tr)\npipe.score(X_te, y_te)", []),
    ("from sklearn.impute import SimpleImputer\nfrom sklearn.pipeline import make_pipeline\n"
     "X = make_pipeline(SimpleImputer()).fit_transform(X)\n" + SPLIT + "LogisticRegression().fit(X_tr, y_tr)",
     ["preprocessing"]),
    (SPLIT + "m = LogisticRegression().fit(X_tr, y_tr)\nfor t in [0.2, 0.4]:\n"
     "    print(m.score(X_te, y_te))", ["multi-test"]),
    (SPLIT + "models = {'a': LogisticRegression(), 'b': LogisticRegression(C=2)}\n"
     "scores = {k: v.fit(X_tr, y_tr).score(X_te, y_te) for k, v in models.items()}", ["multi-test"]),
    (SPLIT + "import keras\nnet = keras.Sequential([])\nnet.fit(X_tr, y_tr, validation_data=(X_te, y_te))",
     ["multi-test"]),
    (SPLIT + "import tensorflow as tf\nnet = tf.keras.Sequential([])\nnet.fit(X_tr, y_tr, validation_split=0.1)\n"
     "net.evaluate(X_te, y_te)", []),
    ("Xa = pd.concat([X, X])\n" + SPLIT.replace("X, y", "Xa, pd.concat([y, y])")
     + "LogisticRegression().fit(X_tr, y_tr).score(X_te, y_te)", ["overlap"]),  # every row twice: copies
    ("Xa = pd.concat([X, X]).drop_duplicates()\n" + SPLIT.replace("X, y", "Xa, y")
     + "LogisticRegression().fit(X_tr, y_tr).score(X_te, y_te)", []),
])
def test_modelling_patterns(code: str, expected: list[str]) -> None:
    assert rules(check_code(HEAD + MODEL + code)) == expected


def test_helper_that_fits_is_followed() -> None:
    code = HEAD + MODEL + SPLIT + ("def train_and_score(model, X_fit, y_fit):\n    model.fit(X_fit, y_fit)\n"
                                   "    return model.score(X_te, y_te)\n"
                                   "a = train_and_score(LogisticRegression(), X_tr, y_tr)\n"
                                   "from sklearn.tree import DecisionTreeClassifier\n"
                                   "b = train_and_score(DecisionTreeClassifier(), X_tr, y_tr)\n")
    assert rules(check_code(code)) == ["multi-test"]


def test_sql_strings_in_known_query_calls() -> None:
    code = HEAD + "import duckdb\nres = duckdb.sql('SELECT plan, avg(churned) FROM df GROUP BY plan').df()"
    assert rules(check_code(code)) == ["peek-label"]
    code = HEAD + "import sqlite3\ncon = sqlite3.connect('db.sqlite')\nout = pd.read_sql('SELECT 1 AS one', con)"
    assert rules(check_code(code)) == []
    code = HEAD + "import duckdb\nt = 'df'\nduckdb.sql(f'SELECT avg(x) FROM {t}')"
    assert rules(check_code(code)) == []


def test_block_mode_stops_the_cell_after_the_finding() -> None:
    code = HEAD + "leakguard.policy(mode='block')\n# %%\ndf.describe()\ndf.x.mean()\n# %%\ndf.z.std()"
    report = check_code(code)
    assert [(f.rule, f.line) for f in report.findings] == [("peek-holdout", 6), ("peek-holdout", 9)]


def test_safe_mode_restricts_inspections() -> None:
    report = check_code(HEAD + "leakguard.policy(mode='safe')\ndf.describe()")
    assert rules(report) == []
    assert any("safe mode" in n[2] for n in report.notes)


def test_a_huge_cell_is_cut_by_the_budget_not_by_time() -> None:
    body = "".join(f"v{i} = df['x'].fillna({i})\n" for i in range(12000))
    report = check_code(HEAD + body + "df.describe()")
    cut = [f for f in report.findings if f.finding.subject == "analysis limit: step budget"]
    assert [(f.rule, f.severity) for f in cut] == [("unresolved", "info")]
    assert "too complex to analyse past line" in cut[0].finding.title and cut[0].line is not None


def test_a_helper_past_the_call_depth_is_an_info_finding_where_it_stopped() -> None:
    helpers = "".join(f"def h{i}(d):\n    return h{i + 1}(d)\n" for i in range(6)) + "def h6(d):\n    return d\n"
    report = check_code(HEAD + helpers + "out = h0(df)\n")
    cut = [f for f in report.findings if f.finding.subject == "analysis limit: call depth"]
    assert [(f.rule, f.severity) for f in cut] == [("unresolved", "info")]
    assert cut[0].finding.title == "h4() is called 4 helpers deep: not followed"
    # negative twin: a helper chain within the depth is followed silently
    shallow = "def h0(d):\n    return h1(d)\ndef h1(d):\n    return d\n"
    report = check_code(HEAD + shallow + "out = h0(df)\n")
    assert not [f for f in report.findings if f.finding.subject.startswith("analysis limit")]


def test_deep_nesting_does_not_crash() -> None:
    report = check_code(HEAD + "x = " + " + ".join(["df.x"] * 700) + "\n# %%\ndf.describe()")
    assert report.error is None and rules(report) == PEEK
    assert any("nested too deeply" in f.finding.title and f.severity == "info" for f in report.findings)
    report = check_code(HEAD + "# %%\nx = " + " + ".join(["df.x"] * 5000) + "\n# %%\ndf.describe()")
    assert rules(report) == PEEK
    assert report.problems == ["cell 2: cannot parse (RecursionError); not checked"]


def test_columns_from_a_csv_header(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "e.csv").write_text("plan,x,churned\na,1,0\n")
    script = folder / "eda.py"
    script.write_text("import pandas as pd\ndf = pd.read_csv('e.csv')\ndf.corr(numeric_only=True)\n")
    (folder / "leakguard.toml").write_text('label = "churned"\nholdout = 0.2\n')
    assert rules(check_path(script)) == ["peek-label"]
    (folder / "e.csv").write_text("plan,x,z\na,1,0\n")
    assert rules(check_path(script)) == ["peek-holdout"]


def test_sql_over_a_parquet_file_reads_its_columns_and_safe_mode_cuts_like_the_kernel(tmp_path: Path) -> None:
    import pandas as pd

    pd.DataFrame({"event_ts": pd.to_datetime(["2024-01-01", "2024-07-01"]), "plan": ["a", "b"],
                  "churned": [0, 1]}).to_parquet(tmp_path / "events.parquet")
    cutoff_only = TIME_POLICY.updated({"holdout": None}, "tests")
    head = "import duckdb, leakguard\n"
    query = "duckdb.sql(\"SELECT plan, count(*) FROM 'events.parquet' GROUP BY plan\").df()\n"
    # the footer gives the columns: the time column is there and unbounded
    assert rules(check_code(head + query, cutoff_only, tmp_path)) == ["peek-future"]
    bounded = query.replace("GROUP BY", "WHERE event_ts <= TIMESTAMP '2024-06-01' GROUP BY")
    assert rules(check_code(head + bounded, cutoff_only, tmp_path)) == []
    # safe mode: the kernel adds the bound to the scan, so nothing is left to report
    assert rules(check_code(head + "leakguard.policy(mode='safe')\n" + query, cutoff_only, tmp_path)) == []
    # without a row holdout, a scan bounded at the cutoff relates the label to training rows only
    rate = bounded.replace("count(*)", "avg(churned)")
    assert rules(check_code(head + rate, cutoff_only, tmp_path)) == []
    assert "peek-label" in rules(check_code(head + rate, TIME_POLICY, tmp_path))
