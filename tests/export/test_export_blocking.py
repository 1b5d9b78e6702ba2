"""``ExportResult.blocking``: the cells whose findings refuse an export, once each, in notebook order."""

from __future__ import annotations

from pathlib import Path

from leakguard.pipeline.api import export
from tests.export.helpers import CHURN, write_events, write_notebook


def _notebook(folder: Path, inserted: list[str]) -> Path:
    write_events(folder, rows=200)
    cells = list(CHURN)
    cells[3:3] = inserted  # before the split: every row is looked at
    return write_notebook(folder / "nb.ipynb", cells, counts=list(range(1, len(cells) + 1)))


def test_blocking_lists_each_leaky_cell_once_in_notebook_order(tmp_path: Path) -> None:
    nb = _notebook(tmp_path, ["df.describe()\ndf.describe()\ndf.head()", 'df.groupby("plan")["churned"].mean()'])
    result = export(nb, output_dir=tmp_path / "pipelines")
    assert result.status == "refused"
    assert [(b["cell"], b["number"], b["execution_count"]) for b in result.blocking] == [("c4", 4, 4), ("c5", 5, 5)]
    # two describe() calls, two findings each: each rule once, in the order first found
    assert result.blocking[0]["rules"] == ["peek-holdout", "peek-future"]
    assert "peek-label" in result.blocking[1]["rules"]
    assert result.to_dict()["blocking"] == result.blocking


def test_blocking_is_empty_when_nothing_blocks(tmp_path: Path) -> None:
    clean = export(_notebook(tmp_path / "clean", []), output_dir=tmp_path / "p1")
    assert clean.ok and clean.blocking == []
    dropped = export(_notebook(tmp_path / "leaky", ["df.describe()"]), output_dir=tmp_path / "p2", drop_leaky=True)
    assert dropped.ok and dropped.blocking == []
