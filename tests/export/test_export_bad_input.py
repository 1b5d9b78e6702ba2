"""Notebooks export cannot take as they are: clear messages, and nothing written, not even the folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from leakguard.pipeline.api import export
from tests.export.helpers import CHURN, POLICY, write_events, write_notebook

MODEL = ("from sklearn.linear_model import LogisticRegression\n"
         'model = LogisticRegression().fit(train[["tenure_months"]], train["churned"])')


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_events(tmp_path, rows=300)
    return tmp_path


def _refused(project: Path, cells: list[str], **options: object) -> tuple[str, list[str]]:
    result = export(write_notebook(project / "nb.ipynb", cells, **options), output_dir=project / "out")  # type: ignore[arg-type]
    assert not result.ok
    assert not (project / "out").exists()
    return result.status, result.reasons


def test_a_cell_with_a_syntax_error(project: Path) -> None:
    status, reasons = _refused(project, [*CHURN[:3], "train, test = leakguard.split(df\n", *CHURN[6:]])
    assert status == "error"
    assert "cells that do not parse" in reasons[0] and "cell 4 (id c4), line 1: syntax error ('(' was never closed)" in reasons[0]


def test_a_name_used_before_its_definition(project: Path) -> None:
    cells = ["import pandas as pd\nimport leakguard", "train, test = leakguard.split(df)",
             'df = pd.read_parquet("data/events.parquet")', MODEL]
    status, reasons = _refused(project, cells)
    assert status == "error"
    assert reasons == ["cell 2 line 1 uses `df` before it is defined (cell 3 line 1 defines it later): the notebook "
                       "only works when run out of order — move that cell up and re-run the notebook top to bottom"]


def test_out_of_order_execution_without_a_record_warns(project: Path) -> None:
    cells = ["import pandas as pd\nimport leakguard", 'df = pd.read_parquet("data/events.parquet")',
             "train, test = leakguard.split(df)", MODEL]
    write_notebook(project / "nb.ipynb", cells, counts=[1, 4, 2, 3])
    result = export(project / "nb.ipynb", output_dir=project / "out")
    assert result.status == "written"
    assert any("out-of-order execution: cell 3 ran as In[2] before cell 2 (In[4])" in w for w in result.warnings)


@pytest.mark.parametrize("record", [
    {"leakguard": {"order": [["c1", 1], ["c3", 2], ["c2", 3], ["c4", 4]]}},           # the sidebar's record
    {"leakguard": {"execution": [{"cell_id": "c1", "execution_count": 1}, {"cell_id": "c3", "execution_count": 2},
                                 {"cell_id": "c2", "execution_count": 3}, {"cell_id": "c4", "execution_count": 4}]}},
])
def test_a_recorded_run_order_is_followed(project: Path, record: dict[str, object]) -> None:
    cells = ["import pandas as pd\nimport leakguard", "train, test = leakguard.split(df)",
             'df = pd.read_parquet("data/events.parquet")', MODEL]
    write_notebook(project / "nb.ipynb", cells, metadata=record)
    result = export(project / "nb.ipynb", output_dir=project / "out")
    assert result.status == "written", result.text()
    assert not result.warnings
    code = (project / "out" / "nb" / "v1.py").read_text()
    assert code.index("df = pd.read_parquet(path)") < code.index("train, test = leakguard.split(df")


def test_a_notebook_without_a_model(project: Path) -> None:
    status, reasons = _refused(project, [*CHURN[:6]])
    assert status == "error"
    assert reasons[0].startswith("no model: the notebook fits no model and writes no file, and no --output was named")


def test_a_leaky_notebook_is_refused_with_its_findings(project: Path) -> None:
    (project / "leakguard.toml").write_text(POLICY)
    cells = [*CHURN[:2], "df.describe()", "train, test = leakguard.split(df)", MODEL]
    result = export(write_notebook(project / "nb.ipynb", cells), output_dir=project / "out")
    assert result.status == "refused" and not (project / "out").exists()
    assert result.reasons[0].startswith("refused: leakage findings in cell 3 (listed below)")
    assert any("cell 3 line 1: warning [peek-holdout]" in f for f in result.findings)
    assert "(fix: " in result.findings[0]


def test_missing_input_data(tmp_path: Path) -> None:
    status, reasons = _refused(tmp_path, CHURN)
    assert status == "error"
    assert reasons == [f"input 'data/events.parquet' not found (looked for {tmp_path / 'data' / 'events.parquet'}): "
                       "export records a hash and the schema of every input, so the data must be at hand"]


def test_needed_ipython_syntax_and_sql_cells(project: Path) -> None:
    cells = ["import pandas as pd", 'names = !ls data\ndf = pd.read_parquet("data/" + names[0])',
             "import leakguard\ntrain, test = leakguard.split(df)", MODEL]
    _, reasons = _refused(project, cells)
    assert reasons == ["cell 2 line 1: `names = !ls data` is IPython syntax that export cannot translate, and the "
                       "pipeline needs what it makes"]
    cells = ["import leakguard", "%%sql -o df\nselect * from 'data/events.parquet'",
             "train, test = leakguard.split(df)", MODEL]
    _, reasons = _refused(project, cells)
    assert reasons[0].startswith("cell 2 (id c2): a %%sql cell the pipeline needs (df); export does not translate")


def test_files_that_are_not_notebooks(tmp_path: Path) -> None:
    result = export(tmp_path / "missing.ipynb", output_dir=tmp_path / "out")
    assert result.status == "error" and "cannot read" in result.reasons[0]
    (tmp_path / "broken.ipynb").write_text("{not json")
    result = export(tmp_path / "broken.ipynb", output_dir=tmp_path / "out")
    assert result.status == "error" and "invalid JSON" in result.reasons[0]
    result = export(write_notebook(tmp_path / "nb.ipynb", CHURN), output_dir=tmp_path / "out", name="2-churn")
    assert result.reasons == ["--name '2-churn' is not a Python identifier (the pipeline is imported by that name)"]
    assert not (tmp_path / "out").exists()
