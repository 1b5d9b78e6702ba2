"""``leakguard export`` on the command line and ``leakguard.export()`` from Python."""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from pathlib import Path

import pytest

import leakguard
from leakguard.faces.cli import main
from leakguard.pipeline.statements import Aliases, statements
from tests.export.helpers import CHURN, POLICY, write_events, write_notebook


def test_exit_codes_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_events(tmp_path, rows=300)
    clean = write_notebook(tmp_path / "churn.ipynb", CHURN)
    out = str(tmp_path / "pipelines")
    assert main(["export", str(clean), "-o", out, "--name", "churn"]) == 0
    text = capsys.readouterr().out
    assert "exported version 1" in text and "cell 5 (id c5)" in text and "dropped  inspection-only" in text
    assert main(["export", str(clean), "-o", out, "--name", "churn"]) == 0
    assert "no change since version 1" in capsys.readouterr().out
    (tmp_path / "leakguard.toml").write_text(POLICY)
    leaky = write_notebook(tmp_path / "leaky.ipynb", [*CHURN[:2], "df.describe()", *CHURN[3:]])
    assert main(["export", str(leaky), "-o", out]) == 1
    assert "export refused" in capsys.readouterr().out
    assert main(["export", str(leaky), "-o", out, "--drop-leaky", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "written" and report["files"][0].endswith("leaky/v1.py")
    assert {c["cell"]: c["reason"] for c in report["cells"]}[3] == "leaky"
    assert main(["export", str(tmp_path / "nope.ipynb"), "-o", out]) == 2


def test_diff_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_events(tmp_path, rows=300)
    nb = write_notebook(tmp_path / "churn.ipynb", CHURN)
    assert main(["export", str(nb), "-o", str(tmp_path / "p"), "--diff"]) == 0
    assert "no version yet; export would write version 1" in capsys.readouterr().out
    assert not (tmp_path / "p").exists()


def test_the_python_api(tmp_path: Path) -> None:
    importlib.import_module("leakguard.pipeline.api")  # importing the package's modules must not hide the function
    # a plain function: no module is callable in its place, so `leakguard.export` is what its signature says
    assert inspect.isfunction(leakguard.export)
    assert "leakguard.export" not in sys.modules

    write_events(tmp_path, rows=300)
    nb = write_notebook(tmp_path / "churn.ipynb", CHURN)
    result = leakguard.export(nb, tmp_path / "pipelines", outputs=("features",))
    assert result.ok and result.status == "written"
    assert [p.name for p in result.files] == ["v1.py", "v1.lock.json"]
    assert "exported version 1" in repr(result)
    assert result.to_dict()["cells"][0] == {"cell": 1, "id": "c1", "kept": True, "reason": "needed", "detail": ""}
    refused = leakguard.export(tmp_path / "missing.ipynb", tmp_path / "pipelines")
    assert not refused.ok and refused.files == []


@pytest.mark.parametrize(("code", "kind", "mutates"), [
    ("df.describe()", "inspection", set()),
    ("df.dropna(inplace=True)", "code", {"df"}),
    ('df["x"] = 1', "code", {"df"}),
    ("model.fit(X, y)", "code", {"model"}),
    ("LogisticRegression().fit(X, y)", "code", set()),
    ("items.append(3)", "code", {"items"}),
    ("shuffle_rows(df)", "code", {"df"}),             # an unknown call may change what it is given
    ("plt.plot(df.x)", "inspection", set()),
    ("np.random.seed(1)", "state", set()),
    ('os.environ["A"] = "1"', "state", {"os"}),
    ("leakguard.policy(label='y')", "policy", set()),
])
def test_statement_facts(code: str, kind: str, mutates: set[str]) -> None:
    from leakguard.pipeline.notebook import CodeCell

    header = "import os\nimport numpy as np\nimport matplotlib.pyplot as plt\nimport leakguard\n"
    cell = CodeCell(1, "c1", header + code, header + code, None)
    stmt = statements([cell], Aliases())[-1]
    assert (stmt.kind, set(stmt.mutates)) == (kind, mutates)
