"""The generated module: parameters, steps, kept code, and the same results as the notebook's own cells."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import leakguard._hooks
from leakguard.pipeline.api import export
from tests.export.helpers import import_pipeline, write_events, write_notebook

RICH = [
    "import numpy as np\nimport pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier\n"
    "from sklearn.metrics import accuracy_score, roc_auc_score\nfrom sklearn.model_selection import train_test_split",
    '%matplotlib inline\nnp.random.seed(0)\nDATA = "data/events.parquet"\ndf = pd.read_parquet(DATA)\ndf.head()',
    'df = df[df["event_ts"] <= "2024-06-01"]\ndf["spend_per_month"] = df["monthly_spend"] / (df["tenure_months"] + 1)',
    'def add_flags(frame):\n    """Flags.\n\n    Indented docstring lines.\n    """\n'
    '    frame["many_tickets"] = (frame["support_tickets"] > 3).astype(int)  # why: tickets\n    return frame\n\n\n'
    "df = add_flags(df)",
    'RULE = """tenure_months >= 0\n  and monthly_spend >= 0"""\ndf = df.query(" ".join(RULE.split()))\n'
    'features = ["tenure_months", "monthly_spend", "support_tickets", "spend_per_month", "many_tickets"]\n'
    'X_train, X_test, y_train, y_test = train_test_split(\n    df[features], df["churned"], test_size=0.25, '
    "random_state=42\n)",
    "clf = RandomForestClassifier(n_estimators=30, max_depth=6, random_state=42)\nclf.fit(X_train, y_train)",
    "print(accuracy_score(y_test, clf.predict(X_test)))\nroc_auc_score(y_test, clf.predict_proba(X_test)[:, 1])",
    'df.to_csv("features_out.csv", index=False)',
]


def _run_cells(cells: list[str], folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The notebook's own code, run in order (magics left out), as its kernel would."""
    monkeypatch.chdir(folder)
    monkeypatch.setattr(leakguard._hooks, "_policy", None)
    namespace: dict[str, Any] = {}
    for cell in cells:
        code = "\n".join(line for line in cell.splitlines() if not line.startswith("%"))
        exec(compile(code, "<cell>", "exec"), namespace)
    return namespace


@pytest.fixture
def rich(tmp_path: Path) -> tuple[Path, Any]:
    write_events(tmp_path, rows=900)
    result = export(write_notebook(tmp_path / "rich.ipynb", RICH), output_dir=tmp_path / "out")
    assert result.status == "written", result.text()
    return tmp_path / "out" / "rich" / "v1.py", result


def test_literal_inputs_become_parameters(rich: tuple[Path, Any]) -> None:
    path, _ = rich
    module = import_pipeline(path)
    import inspect

    defaults = {k: v.default for k, v in inspect.signature(module.run).parameters.items()}
    assert defaults == {
        "path": str((path.parent / "../..").resolve() / "data/events.parquet"), "cutoff": "2024-06-01",
        "test_size": 0.25, "random_state": 42, "n_estimators": 30, "max_depth": 6,
        "output_path": str((path.parent / "../..").resolve() / "features_out.csv"),
    }
    code = path.read_text()
    assert "DATA = path" in code and 'df["event_ts"] <= cutoff' in code
    assert "RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth, random_state=random_state)" in code
    assert 'df.to_csv(output_path, index=False)' in code


def test_steps_comments_and_kept_text(rich: tuple[Path, Any]) -> None:
    path, result = rich
    code = path.read_text()
    for step in ("def load(", "def features(", "def train(", "def evaluate(", "def run(", "def main("):
        assert step in code
    assert "# cell 2 (id c2)" in code and "# cell 6 (id c6)" in code
    assert "np.random.seed(0)" in code and "%matplotlib" not in code and "df.head()" not in code
    assert '    RULE = """tenure_months >= 0\n  and monthly_spend >= 0"""\n' in code  # a string's content never moves
    assert '        """Flags.\n\n        Indented docstring lines.\n        """' in code  # docstrings do
    assert "# why: tickets" in code
    assert "accuracy = accuracy_score(y_test, clf.predict(X_test))" in code  # bare evaluations get names
    assert "roc_auc = roc_auc_score(" in code
    assert [d.reason for d in result.decisions] == ["needed", "needed", "needed", "needed", "needed", "needed",
                                                    "evaluation", "needed"]
    assert result.decisions[1].detail == "dropped line 1 (magic); dropped line 5 (inspection-only)"


def test_the_module_passes_ruff(rich: tuple[Path, Any]) -> None:
    path, _ = rich
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E4,E7,E9,F,I,W,UP",
                           path.name], cwd=path.parent, capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout


def test_the_module_gives_the_notebooks_results(rich: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = rich
    folder = path.parents[2]
    notebook = _run_cells(RICH, folder, monkeypatch)
    expected_auc = notebook["roc_auc_score"](notebook["y_test"], notebook["clf"].predict_proba(notebook["X_test"])[:, 1])
    written = (folder / "features_out.csv").read_bytes()
    (folder / "features_out.csv").unlink()
    monkeypatch.chdir(path.parent)  # the module finds its inputs wherever it runs
    result = import_pipeline(path).run()
    assert sorted(result) == ["accuracy", "clf", "roc_auc"]
    assert result["roc_auc"] == pytest.approx(expected_auc, abs=1e-12)
    assert (folder / "features_out.csv").read_bytes() == written


def test_a_notebook_with_helpers_mutations_and_a_policy_reproduces(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.export.helpers import FIXTURES, read_fixture

    cells = read_fixture(FIXTURES / "needed.cells").cells
    write_events(tmp_path, rows=700)
    result = export(write_notebook(tmp_path / "needed.ipynb", cells), output_dir=tmp_path / "out")
    assert result.status == "written", result.text()
    module = import_pipeline(tmp_path / "out" / "needed" / "v1.py")
    notebook = _run_cells(cells, tmp_path, monkeypatch)
    expected = notebook["clf"].score(notebook["test"][notebook["features"]], notebook["test"]["churned"])
    got = module.run()
    assert got["score"] == pytest.approx(expected, abs=1e-12)
    assert list(got) == ["clf", "score"]
