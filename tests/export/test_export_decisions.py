"""Kept/dropped decisions per cell, from fixtures: cells as strings in, the expected decision of each cell out.

Each ``fixtures/*.cells`` file opens a cell with ``# %% kept REASON`` or ``# %% dropped REASON``;
header lines give ``# options:`` (``--drop-leaky``, ``--output NAME``) and ``# error:`` (a part of
a message the export must refuse with).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from leakguard.pipeline.notebook import read_notebook
from leakguard.pipeline.slicing import plan
from tests.export.helpers import FIXTURES, POLICY, read_fixture, write_notebook

CASES = sorted(FIXTURES.glob("*.cells"))


def test_there_are_fixtures_for_each_kind_of_decision() -> None:
    reasons = {e for path in CASES for e in read_fixture(path).expected}
    assert {"kept needed", "kept evaluation", "dropped inspection-only", "dropped leaky", "dropped dead code",
            "dropped unused redefinition", "dropped magic", "dropped policy"} <= reasons


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_decisions(path: Path, tmp_path: Path) -> None:
    fx = read_fixture(path)
    (tmp_path / "leakguard.toml").write_text(POLICY)
    nb = write_notebook(tmp_path / f"{path.stem}.ipynb", fx.cells)
    outputs = tuple(fx.options[i + 1] for i, o in enumerate(fx.options) if o == "--output")
    p = plan(read_notebook(nb), outputs=outputs, drop_leaky="--drop-leaky" in fx.options)
    got = [("kept " if d.kept else "dropped ") + d.reason for d in p.decisions]
    assert got == fx.expected, fx.title
    for expected in fx.errors:
        assert any(expected in e for e in p.errors), (expected, p.errors)
    if not fx.errors:
        assert p.errors == []


def test_dropped_lines_of_kept_cells_are_reported(tmp_path: Path) -> None:
    fx = read_fixture(FIXTURES / "inspection.cells")
    (tmp_path / "leakguard.toml").write_text(POLICY)
    p = plan(read_notebook(write_notebook(tmp_path / "n.ipynb", fx.cells)))
    assert p.decisions[1].detail == "dropped line 2 (inspection-only)"  # df.head() after the read
    assert "kept     needed — dropped line 2 (inspection-only)" in p.decisions[1].text()
