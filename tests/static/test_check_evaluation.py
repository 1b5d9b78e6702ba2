"""Corpus scoring (leakguard/static/evaluation.py): where a finding lands counts, per rule and per family."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from leakguard.rules.registry import RULE_IDS
from leakguard.static.engine import check_path
from leakguard.static.evaluation import (
    Fixture,
    as_notebook,
    baseline_data,
    judge,
    kernel_place,
    load_corpus,
    load_families,
    load_fixture,
    misplaced,
    placed,
    places_from_json,
    rule_family,
    score,
    score_families,
    score_places,
)

ROOT = Path(__file__).resolve().parents[2]

LEAKY = """# leakguard-fixture: expect=peek-holdout at=peek-holdout@{cell} runnable=no
# describe() before the split
# %%
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("data/events.csv")
# %%
df.describe()
# %%
train, test = train_test_split(df, test_size=0.2, random_state=0)
"""


def _script(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_script_header_gives_the_places(tmp_path: Path) -> None:
    fx = load_fixture(_script(tmp_path, "a.py", LEAKY.format(cell=3)))
    assert fx.expect == {"peek-holdout"}
    assert fx.at == {("peek-holdout", 3)}
    two = "# leakguard-fixture: expect=overlap,target at=overlap@4,target@2,target@5 runnable=yes\n"
    assert load_fixture(_script(tmp_path, "b.py", two)).at == {("overlap", 4), ("target", 2), ("target", 5)}
    assert load_fixture(_script(tmp_path, "c.py", "# leakguard-fixture: expect=none runnable=no\n")).at == set()


def test_a_notebook_gives_the_places_in_its_metadata(tmp_path: Path) -> None:
    nb = {"cells": [], "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"leakguard_fixture": {"expect": ["overlap"], "at": ["overlap@5"], "runnable": True}}}
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert load_fixture(path).at == {("overlap", 5)}


@pytest.mark.parametrize("bad", ["overlap", "overlap@", "overlap@x", "@3", "overlap@3;target@4"])
def test_a_malformed_place_is_an_error_not_ignored(tmp_path: Path, bad: str) -> None:
    path = _script(tmp_path, "bad.py", f"# leakguard-fixture: expect=overlap at={bad} runnable=no\n")
    with pytest.raises(ValueError, match="rule@cell"):
        load_fixture(path)


def test_a_finding_in_the_declared_cell_is_a_true_positive(tmp_path: Path) -> None:
    fx = load_fixture(_script(tmp_path, "a.py", LEAKY.format(cell=3)))
    got = placed(check_path(fx.path))
    assert ("peek-holdout", 3) in got
    assert list(judge(fx, got)) == [("peek-holdout", "tp")]
    counts = score_places([fx], {fx.id: got}, RULE_IDS)
    assert (counts["peek-holdout"].tp, counts["peek-holdout"].fp, counts["peek-holdout"].fn) == (1, 0, 0)


def test_the_rule_in_another_cell_is_a_false_positive_and_a_false_negative(tmp_path: Path) -> None:
    """Found the rule, wrong place: by place it counts against both figures; by rule set it is a hit."""
    fx = load_fixture(_script(tmp_path, "a.py", LEAKY.format(cell=4)))
    got = placed(check_path(fx.path))
    assert list(judge(fx, got)) == [("peek-holdout", "misplaced")]
    by_place = score_places([fx], {fx.id: got}, RULE_IDS)["peek-holdout"]
    assert (by_place.tp, by_place.fp, by_place.fn) == (0, 1, 1)
    by_set = score([fx], {fx.id: frozenset({"peek-holdout"})}, RULE_IDS)["peek-holdout"]
    assert (by_set.tp, by_set.fp, by_set.fn) == (1, 0, 0)
    assert misplaced([fx], {fx.id: got}) == ["a.py: peek-holdout expected in cell [4], found in [3]"]


def test_every_declared_place_must_be_found() -> None:
    fx = Fixture(Path("x.py"), frozenset({"target"}), False, at=frozenset({("target", 2), ("target", 5)}))
    assert list(judge(fx, frozenset({("target", 2)}))) == [("target", "misplaced")]
    assert list(judge(fx, frozenset({("target", 2), ("target", 5), ("target", 7)}))) == [("target", "tp")]
    assert list(judge(fx, frozenset({("overlap", 2)}))) == [("overlap", "fp"), ("target", "fn")]


def test_families_of_a_flat_corpus_are_the_rule_prefixes() -> None:
    assert rule_family("peek_holdout_describe.ipynb", RULE_IDS) == "peek-holdout"
    assert rule_family("multi_test_two_models.py", RULE_IDS) == "multi-test"
    assert rule_family("spark_peek_label_groupby_rate.ipynb", RULE_IDS) == "spark/peek-label"
    assert rule_family("order_recorded_split.ipynb", RULE_IDS) == "order"
    fixtures = load_corpus(ROOT / "tests" / "fixtures" / "corpus")
    assert {fx.family for fx in fixtures} >= {"peek-holdout", "overlap", "preprocessing", "spark/target"}
    assert all(fx.id == fx.name for fx in fixtures)


def test_families_of_a_folder_corpus_are_its_folders_and_a_clean_twins_alarm_counts(tmp_path: Path) -> None:
    for family in ("splits", "files"):
        (tmp_path / family).mkdir()
        _script(tmp_path / family, "leak.py", LEAKY.format(cell=3))
        _script(tmp_path / family, "leak_clean.py", "# leakguard-fixture: expect=none runnable=no\n# %%\nx = 1\n")
    (tmp_path / "data").mkdir()
    _script(tmp_path / "data", "gen.py", "x = 1\n")
    fixtures = load_families(tmp_path)
    assert [fx.id for fx in fixtures] == ["files/leak.py", "files/leak_clean.py", "splits/leak.py",
                                          "splits/leak_clean.py"]
    found = {"files/leak.py": frozenset({("peek-holdout", 3)}), "files/leak_clean.py": frozenset(),
             "splits/leak.py": frozenset({("peek-holdout", 3)}),
             "splits/leak_clean.py": frozenset({("peek-holdout", 2)})}
    fam = score_families(fixtures, found)
    assert (fam["files"].tp, fam["files"].fp, fam["files"].fn) == (1, 0, 0)
    assert (fam["splits"].tp, fam["splits"].fp, fam["splits"].fn) == (1, 1, 0)


def test_the_baseline_keeps_places_of_both_engines(tmp_path: Path) -> None:
    fx = load_fixture(_script(tmp_path, "a.py", LEAKY.format(cell=4)), key="a.py")
    data = baseline_data([fx], {"a.py": frozenset({("peek-holdout", 3)})}, {"a.py": frozenset({("peek-holdout", 3)})},
                         RULE_IDS)
    entry = data["fixtures"]["a.py"]  # type: ignore[index]
    assert entry["at"] == ["peek-holdout@4"]
    assert entry["static"] == ["peek-holdout"] and entry["static_at"] == [["peek-holdout", 3]]
    assert places_from_json(entry["kernel_at"]) == {("peek-holdout", 3)}
    assert data["rules"]["peek-holdout"] == {"tp": 1, "fp": 0, "fn": 0}  # type: ignore[index]
    assert data["rules_at"]["peek-holdout"] == {"tp": 0, "fp": 1, "fn": 1}  # type: ignore[index]


def test_a_kernel_run_numbers_cells_as_check_does(tmp_path: Path) -> None:
    """Markdown and empty cells are not run; each cell run knows its number in the fixture, as check counts."""
    sources = ["import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
               "df = pd.read_csv('data/events.csv')", None, "", "df.describe()",
               "train, test = train_test_split(df, test_size=0.2, random_state=0)"]
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "## look"} if s is None else
             {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": s}
             for s in sources]
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 4, "metadata": {
        "leakguard_fixture": {"expect": ["peek-holdout"], "at": ["peek-holdout@4"]}}}), encoding="utf-8")
    fx = load_fixture(path)
    out = tmp_path / "out"
    out.mkdir()
    notebook, numbers = as_notebook(fx, out)
    run = json.loads(notebook.read_text())["cells"]
    assert numbers == [1, 4, 5] and len(run) == 3
    assert run[1]["source"] == "df.describe()"
    assert list(judge(fx, placed(check_path(fx.path)))) == [("peek-holdout", "tp")]
    # the kernel's finding of the second cell run (no cell id from the runner) lands in cell 4
    finding = {"rule": "peek-holdout", "where": {"cell": "In[2]", "execution_count": 2, "line": 1}}
    assert kernel_place(finding, numbers) == ("peek-holdout", 4)
    assert kernel_place({**finding, "where": {"cell": "c2", "execution_count": 9}}, numbers) == ("peek-holdout", 5)


def test_the_script_prints_tables_per_rule_and_per_family(tmp_path: Path) -> None:
    (tmp_path / "splits").mkdir()
    _script(tmp_path / "splits", "leak.py", LEAKY.format(cell=4))
    _script(tmp_path / "splits", "leak_ok.py", "# leakguard-fixture: expect=none runnable=no\n# %%\nx = 1\n")
    docs = tmp_path / "check.md"
    docs.write_text("# check\n<!-- precision-recall: start -->\nSTALE TABLES\n<!-- precision-recall: end -->\nafter\n")
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "precision_recall.py"), "--corpus", str(tmp_path),
                          "--docs", str(docs)], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert "static, per rule, by place:" in out and "static, per family, by rule set:" in out
    family_rows = [line.split() for line in out.splitlines() if line.startswith("splits ")]
    assert family_rows == [["splits", "1", "0", "0", "100.0%", "100.0%"], ["splits", "0", "1", "1", "0.0%", "0.0%"]]
    assert "splits/leak.py: peek-holdout expected in cell [4], found in [3]" in out
    written = docs.read_text()
    assert "STALE TABLES" not in written and written.endswith("<!-- precision-recall: end -->\nafter\n")
    assert "| splits | 0 | 1 | 1 | 0.0% | 0.0% | 100.0% | 100.0% |" in written  # by place, then by rule set
    assert "- splits/leak.py: peek-holdout expected in cell [4], found in [3]" in written
