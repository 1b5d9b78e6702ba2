"""Policy inference with no policy declared: the fixtures of tests/fixtures/infer in both engines, and the pieces.

Each fixture runs in ``leakguard check`` (static) and cell by cell in a real IPython shell with leakguard
loaded (kernel); both must report exactly the rules the fixture expects (parity), warnings and errors only.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from leakguard.lineage.events import Derive, Fit, Inspect, Read, Split, SplitPart, Where
from leakguard.lineage.graph import LineageGraph
from leakguard.lineage.inference import (
    Pick,
    holdout_named,
    marker_pick,
    stacked_part,
    stacked_slice,
    train_named,
    wait_for_label,
)
from leakguard.lineage.recorder import Recorder
from leakguard.policy import Policy, load_policy
from leakguard.static.engine import check_path
from leakguard.static.evaluation import load_corpus, reported
from tests.conftest import Kernel

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "infer"
DATA = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "data"
CASES = load_corpus(FIXTURES)


def test_the_fixtures_declare_no_policy_file() -> None:
    assert load_policy(FIXTURES) == Policy()
    assert sum(bool(fx.expect) for fx in CASES) >= 5 and sum(not fx.expect for fx in CASES) >= 4


@pytest.mark.parametrize("fx", CASES, ids=[fx.name for fx in CASES])
def test_static_engine(fx: object) -> None:
    assert reported(check_path(fx.path)) == fx.expect  # type: ignore[attr-defined]


@pytest.mark.parametrize("fx", CASES, ids=[fx.name for fx in CASES])
def test_kernel_engine(fx: object, kernel: Kernel, tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    for cell in _cells(fx.path):  # type: ignore[attr-defined]
        kernel.run(cell)
    assert frozenset(f.rule for f in kernel.session.findings if f.severity != "info") == fx.expect  # type: ignore[attr-defined]


def _cells(path: Path) -> list[str]:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return path.read_text().split("# %%\n")[1:]


# -- the pieces ---------------------------------------------------------------------------------


def test_holdout_names_are_whole_words_of_the_stem() -> None:
    for name in ("test.csv", "data/X_test.parquet", "df_holdout", "eval_set.csv", "TEST.CSV", "s3://b/test-2024.csv"):
        assert holdout_named(name), name
    for name in ("contest.csv", "latest.csv", "testament.txt", "train.csv", "events.csv", "test_dir/train.csv",
                 "evaluation_notes.csv"):
        assert not holdout_named(name), name


def _graph() -> tuple[LineageGraph, Recorder, Where]:
    g = LineageGraph()
    rec = Recorder(g, stop=lambda found: None)
    w = Where("c1", 1, 1)
    rec.record(Read("df", "events.csv", "df", w, ("x", "plan", "churn")))
    return g, rec, w


def test_a_split_reveals_the_holdout_and_the_earlier_describe_becomes_a_peek() -> None:
    g, rec, _ = _graph()
    assert rec.record(Inspect("df", "describe", Where("c2", 2, 1))) == []
    new = rec.record(Split("df", (SplitPart("tr", "train", "train"), SplitPart("te", "holdout", "test")),
                           "train_test_split", Where("c9", 9, 3), inferred=True))
    assert [f.rule for f in new] == ["peek-holdout"]
    assert new[0].where.cell == "c2"  # the looking cell
    assert "In[2] line 1's describe() looked at the rows that In[9] line 3's train_test_split" in new[0].message
    assert "holdout" in g.policy.inferred
    assert g.inferred.holdout[0].origin == "test part of train_test_split in In[9] line 3"
    assert "(inferred: test part of train_test_split in In[9] line 3)" in g.policy.summary()
    # the training part explored afterwards stays clean, and the peek is reported once
    assert rec.record(Inspect("tr", "describe", Where("c10", 10, 1))) == []
    assert rec.record(Split("df", (SplitPart("a", "train", "a"), SplitPart("b", "holdout", "b")),
                            "train_test_split", Where("c11", 11, 1), inferred=True)) == []


def test_a_fit_reveals_the_label_and_the_earlier_label_rate_becomes_a_peek() -> None:
    g, rec, w = _graph()
    look = Inspect("df", "mean", Where("c2", 2, 1), columns=("plan", "churn"), relates=True)
    assert rec.record(look) == []
    rec.value(Derive("y", ("df",), "['churn']", "y", w, rows="same", columns=("churn",), kind="series"))
    rec.value(Derive("X", ("df",), "drop", "X", w, rows="same", columns=("x", "plan")))
    new = rec.record(Fit("m", "LogisticRegression", "X", Where("c5", 5, 1), target="y"))
    assert [f.rule for f in new] == ["peek-label"]
    assert g.policy.label == ("churn",) and "label" in g.policy.inferred
    assert "uses as the label" in new[0].message


def test_a_declared_label_wins_and_the_guess_is_still_kept() -> None:
    g, rec, w = _graph()
    g.policy = g.policy.updated({"label": "x"}, "test")
    rec.value(Derive("y", ("df",), "['churn']", "y", w, rows="same", columns=("churn",), kind="series"))
    rec.record(Fit("m", "LogisticRegression", "df", Where("c5", 5, 1), target="y"))
    assert g.policy.label == ("x",) and "label" not in g.policy.inferred
    assert [guess.value for guess in g.inferred.label] == ["churn"]


def test_infer_off_infers_nothing_and_drops_what_was_inferred() -> None:
    g, rec, w = _graph()
    rec.value(Derive("y", ("df",), "['churn']", "y", w, rows="same", columns=("churn",), kind="series"))
    rec.record(Fit("m", "LogisticRegression", "df", Where("c5", 5, 1), target="y"))
    assert g.policy.label == ("churn",)
    g.policy = g.policy.updated({"infer": "off"}, "%leakguard policy")
    assert g.policy.label == () and not g.policy.infer and "infer=off" in g.policy.summary()
    g2, rec2, _ = _graph()
    g2.policy = g2.policy.updated({"infer": False}, "test")
    rec2.record(Split("df", (SplitPart("tr", "train", "train"), SplitPart("te", "holdout", "test")),
                      "train_test_split", Where("c9", 9, 3), inferred=True))
    assert not g2.policy.holdout.declared


def test_infer_switch_is_read_from_files(tmp_path: Path) -> None:
    (tmp_path / "leakguard.toml").write_text("infer = false\n")
    assert load_policy(tmp_path).infer is False
    (tmp_path / "leakguard.toml").write_text("infer = true\n")
    assert load_policy(tmp_path).infer is True


def test_a_declared_label_without_holdout_shows_the_default_holdout_as_inferred() -> None:
    text = Policy().updated({"label": "churn"}, "test").summary()
    assert "holdout=20% (seed 0) (inferred: default for a declared label)" in text


def test_policy_shows_what_was_inferred_in_the_kernel(kernel: Kernel, tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    kernel.run("import pandas as pd, leakguard\nfrom sklearn.model_selection import train_test_split\n"
               "from sklearn.linear_model import LogisticRegression\ndf = pd.read_csv('data/events.csv')")
    kernel.run("df.describe()")
    split = kernel.run("X_tr, X_te, y_tr, y_te = train_test_split(df[['x', 'z']], df['churned'])")
    # the peek is shown under the revealing cell, located at the looking cell
    assert [f.rule for f in split.findings] == ["peek-holdout"]
    assert split.findings[0].where.cell != kernel.session.cell_id and 'describe()' in split.findings[0].message
    kernel.run("LogisticRegression().fit(X_tr, y_tr)")
    text = repr(kernel.ns["leakguard"].policy())
    assert "label=churned (inferred: y of LogisticRegression.fit in" in text
    assert "(inferred: test part of train_test_split in" in text
    kernel.run("%leakguard policy infer=off")
    assert kernel.session.policy.label == () and not kernel.session.policy.infer


def _check(path: Path, fmt: str) -> dict[str, object]:
    """``leakguard check --format fmt`` in a real subprocess, parsed."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-m", "leakguard.faces.cli", "check", str(path), "--format", fmt],
                          capture_output=True, text=True, env=env, check=False, timeout=120)
    assert done.returncode == 1, done.stderr
    data: dict[str, object] = json.loads(done.stdout)
    return data


def test_check_marks_what_findings_relied_on_as_inferred_in_json_and_sarif() -> None:
    path = FIXTURES / "infer_groupby_label_then_pop.py"
    doc = _check(path, "json")
    found = {f["rule"]: f["properties"]["inferred"] for f in doc["files"][0]["findings"]}  # type: ignore[index]
    assert found == {"peek-holdout": ["holdout"], "peek-label": ["label"]}
    assert doc["files"][0]["policy"]["inferred"] == ["holdout", "label"]  # type: ignore[index]
    sarif = _check(path, "sarif")
    results = sarif["runs"][0]["results"]  # type: ignore[index]
    assert sorted(tuple(r["properties"]["inferred"]) for r in results) == [("holdout",), ("label",)]


def test_check_marks_nothing_inferred_when_the_policy_is_declared(tmp_path: Path) -> None:
    script = tmp_path / "declared.py"
    script.write_text("import pandas as pd\nimport leakguard\nleakguard.policy(label='churned', holdout=0.2)\n"
                      "df = pd.read_csv('events.csv')\ndf.describe()\n")
    doc = _check(script, "json")
    assert [f["properties"]["inferred"] for f in doc["files"][0]["findings"]] == [[]]  # type: ignore[index]


def test_policy_magic_shows_origins(kernel: Kernel, tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    kernel.run("import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
               "df = pd.read_csv('data/events.csv')\ntr, te = train_test_split(df, test_size=0.3)")
    shown = kernel.run("%leakguard policy")
    assert shown.error is None
    assert "holdout=30% (seed 0) (inferred: test part of train_test_split in" in kernel.session.policy.summary()
    kernel.run("%leakguard policy infer=off")
    assert not kernel.session.policy.holdout.declared and "infer=off" in kernel.session.policy.summary()
    kernel.run("%leakguard policy infer=on")
    assert kernel.session.policy.infer


def test_a_test_named_read_holds_holdout_rows_and_is_a_holdout_guess() -> None:
    g = LineageGraph()
    rec = Recorder(g, stop=lambda found: None)
    test = rec.value(Read("t", "data/X_test.parquet", "X_test", Where("c1", 1, 2)))
    train = rec.value(Read("r", "data/train.csv", "train", Where("c1", 1, 1)))
    latest = rec.value(Read("l", "latest.csv", "latest", Where("c1", 1, 3)))
    # beside a test file, the train-named one holds training rows; another name proves nothing
    assert test.rows.name == "holdout" and train.rows.name == "train" and latest.rows.name == "all"
    assert [guess.origin for guess in g.inferred.holdout] == ["read of data/X_test.parquet in In[1] line 2"]
    off = LineageGraph(Policy(infer=False))
    assert Recorder(off, stop=lambda found: None).value(Read("t", "test.csv", "t", Where("c1", 1, 1))).rows.name == "all"
    assert off.inferred.holdout == []


def test_a_fit_that_reveals_the_label_never_judges_looks_as_peeks_at_the_holdout(tmp_path: Path) -> None:
    """The holdout came from a test-named file; the fit reveals only the label, so it names no held-out rows."""
    script = tmp_path / "kaggle.py"
    script.write_text(
        "import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
        "from sklearn.ensemble import RandomForestClassifier\n"
        "train = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')\n"
        "train.describe()\n"
        "X = train.drop(['churned'], axis=1)\ny = train['churned']\n"
        "X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.2)\n"
        "model = RandomForestClassifier().fit(X_tr, y_tr)\n", encoding="utf-8")
    report = check_path(script)
    assert not [f for f in report.findings if f.rule == "peek-holdout" and ".fit set aside" in f.finding.title]


def test_a_train_named_read_holds_training_rows_only_beside_a_test_file() -> None:
    """Read first, the train file is ``all`` until the test file comes; so are the values made from it alone."""
    g = LineageGraph()
    rec = Recorder(g, stop=lambda found: None)
    w = Where("c1", 1, 1)
    train = rec.value(Read("r", "data/train.csv", "train", w))
    mean = rec.value(Derive("m", ("r",), "mean", "train.x.mean()", w, rows="aggregate", kind="scalar"))
    other = rec.value(Read("o", "stores.csv", "stores", w))
    assert train.rows.name == "all" and "holdout" in mean.taint
    rec.value(Read("t", "data/test.csv", "test", w))
    assert train.rows.name == "train" and "holdout" not in mean.taint and other.rows.name == "all"
    alone = LineageGraph()
    assert Recorder(alone, stop=lambda found: None).value(Read("r", "train.csv", "t", w)).rows.name == "all"
    assert not train_named("strain.csv") and not train_named("train_test.csv") and train_named("X_train.parquet")


def test_a_slice_of_training_rows_stacked_over_test_rows_is_one_or_the_other() -> None:
    g = LineageGraph()
    rec = Recorder(g, stop=lambda found: None)
    w = Where("c1", 1, 1)
    rec.value(Read("r", "train.csv", "train", w))
    rec.value(Read("t", "test.csv", "test", w))
    rec.value(Derive("full", ("r", "t"), "concat", "full", w, rows="combine"))
    rec.value(Derive("dum", ("full",), "get_dummies", "full", w, rows="same"))
    assert stacked_slice(g, "dum", head=True) == {"holdout"}
    assert stacked_slice(g, "dum", head=False) == {"train"}
    rec.value(Derive("back", ("t", "r"), "concat", "back", w, rows="combine"))
    assert stacked_slice(g, "back", head=True) == frozenset()  # test rows first: nothing proved


def _stack(columns: bool) -> tuple[LineageGraph, Recorder, Where]:
    g = LineageGraph()
    rec = Recorder(g, stop=lambda found: None)
    w = Where("c1", 1, 1)
    rec.value(Read("r", "train.csv", "train", w, ("x", "y") if columns else None))
    rec.value(Read("t", "test.csv", "test", w, ("x",) if columns else None))
    rec.value(Derive("full", ("r", "t"), "concat", "full", w, rows="combine"))
    return g, rec, w


def test_a_stack_of_files_is_taken_back_by_the_label_a_marker_or_a_key() -> None:
    """``full[full.y.notna()]``, ``full[full.is_train == 1]``, ``full.loc["test"]``: one file's rows each."""
    g, _, _ = _stack(columns=True)
    assert stacked_part(g, "full", Pick("present", column="y")) == {"holdout"}
    assert stacked_part(g, "full", Pick("missing", column="y")) == {"train"}
    assert stacked_part(g, "full", Pick("present", column="x")) == frozenset()  # both files have x: a plain filter
    assert stacked_part(g, "full", Pick("named", word="test")) == {"train"}
    assert stacked_part(g, "full", Pick("named", word="Train")) == {"holdout"}
    assert stacked_part(g, "full", Pick("named", word="male")) == frozenset()
    assert marker_pick("is_train", 1) == Pick("named", word="train")
    assert marker_pick("is_train", 0) == Pick("named", word="test")
    assert marker_pick("is_test", True) == Pick("named", word="test")
    assert marker_pick("Pclass", 1) is None and marker_pick("source", "train") == Pick("named", word="train")


def test_a_presence_split_back_with_unknown_columns_waits_for_the_label() -> None:
    """Without the files' headers, ``full[full.y.notna()]`` is proved the train rows once a fit names ``y``."""
    g, rec, w = _stack(columns=False)
    assert stacked_part(g, "full", Pick("present", column="y")) == frozenset()  # not yet: which file had y?
    rec.value(Derive("tr", ("full",), "filter", "train", w, rows="same"))
    rec.value(Derive("age", ("tr",), "mean", "train.age.mean()", w, rows="aggregate", kind="scalar"))
    wait_for_label(g, "tr", "full", Pick("present", column="y"))
    assert g.nodes["tr"].rows.name == "train+holdout"
    rec.value(Derive("lab", ("tr",), "getitem", "y", w, rows="same", columns=("y",), kind="series"))
    rec.record(Fit("m", "LogisticRegression", "tr", Where("c2", 2, 1), target="lab"))
    assert g.nodes["tr"].rows.name == "train" and "holdout" not in g.nodes["age"].taint


def test_a_split_of_a_frame_with_unknown_columns_keeps_its_column_taint() -> None:
    """``full["x"] = full["x"].fillna(full["x"].mean())`` then a split: the parts still carry the statistic."""
    g = LineageGraph()
    rec = Recorder(g, stop=lambda found: None)
    w = Where("c1", 1, 1)
    rec.value(Read("r", "events.csv", "full", w))
    rec.value(Derive("m", ("r",), "mean", "full.x.mean()", w, rows="aggregate", kind="scalar"))
    rec.value(Derive("f", ("r", "m"), "set column", "full", w, rows="same", column="x"))
    rec.record(Split("f", (SplitPart("tr", "train", "train"), SplitPart("te", "holdout", "test")), "slice", w))
    assert "holdout" in g.nodes["tr"].taint
