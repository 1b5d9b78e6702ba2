"""Versioning: byte-identical re-exports, v<N+1> for a changed kept cell, none for an inspection change,
nothing ever overwritten, all-or-nothing writes, and ``--diff``."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from leakguard.pipeline.api import export
from leakguard.pipeline.versions import VersionError, write_version
from tests.export.helpers import CHURN, write_events, write_notebook


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_events(tmp_path, rows=500)
    write_notebook(tmp_path / "churn.ipynb", CHURN)
    return tmp_path


def test_same_notebook_and_data_export_byte_identical_files(project: Path) -> None:
    a = export(project / "churn.ipynb", output_dir=project / "out")
    first = {p.name: p.read_bytes() for p in (project / "out" / "churn").iterdir()}
    (project / "out").rename(project / "first")
    b = export(project / "churn.ipynb", output_dir=project / "out")
    second = {p.name: p.read_bytes() for p in (project / "out" / "churn").iterdir()}
    assert a.status == b.status == "written"
    assert sorted(first) == ["v1.lock.json", "v1.py"]
    assert first == second


def test_exporting_again_writes_nothing(project: Path) -> None:
    first = export(project / "churn.ipynb", output_dir=project / "out")
    before = _digest(project / "out" / "churn")
    again = export(project / "churn.ipynb", output_dir=project / "out")
    assert (first.status, again.status, again.version) == ("written", "unchanged", 1)
    assert _digest(project / "out" / "churn") == before
    assert "no change since version 1" in again.text()


def test_a_changed_kept_cell_makes_the_next_version(project: Path) -> None:
    export(project / "churn.ipynb", output_dir=project / "out")
    v1 = _digest(project / "out" / "churn")
    cells = list(CHURN)
    cells[6] = cells[6].replace("max_iter=1000", "max_iter=500")
    write_notebook(project / "churn.ipynb", cells)
    result = export(project / "churn.ipynb", output_dir=project / "out")
    assert (result.status, result.version) == ("written", 2)
    after = _digest(project / "out" / "churn")
    assert {k: after[k] for k in v1} == v1  # version 1 untouched
    assert "max_iter: int = 500" in (project / "out" / "churn" / "v2.py").read_text()


def test_a_changed_inspection_cell_makes_no_new_version(project: Path) -> None:
    export(project / "churn.ipynb", output_dir=project / "out")
    cells = list(CHURN)
    cells[4] = "train.describe().T\ntrain.head(20)"  # only looks at the data
    cells.insert(5, "train.info()")                  # a new inspection cell moves the later cells down
    write_notebook(project / "churn.ipynb", cells, counts=list(range(1, len(cells) + 1)))
    result = export(project / "churn.ipynb", output_dir=project / "out")
    assert (result.status, result.version) == ("unchanged", 1)
    assert sorted(p.name for p in (project / "out" / "churn").iterdir()) == ["v1.lock.json", "v1.py"]


def test_changed_data_makes_a_new_version(project: Path) -> None:
    export(project / "churn.ipynb", output_dir=project / "out")
    write_events(project, rows=520)
    result = export(project / "churn.ipynb", output_dir=project / "out")
    assert (result.status, result.version) == ("written", 2)


def test_nothing_already_written_is_overwritten(project: Path) -> None:
    folder = project / "out" / "churn"
    folder.mkdir(parents=True)
    (folder / "v1.py").write_text("# someone's own file\n")
    result = export(project / "churn.ipynb", output_dir=project / "out")
    assert (result.status, result.version) == ("written", 2)
    assert (folder / "v1.py").read_text() == "# someone's own file\n"


def test_writes_are_all_or_nothing(tmp_path: Path) -> None:
    (tmp_path / "v3.py").write_text("old\n")
    with pytest.raises(VersionError, match="already exists"):
        write_version(tmp_path, [("v3.lock.json", b"{}\n"), ("v3.py", b"new\n")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v3.py"]  # the lock it wrote first is gone again
    assert (tmp_path / "v3.py").read_text() == "old\n"
    written = write_version(tmp_path, [("v4.lock.json", b"{}\n"), ("v4.py", b"x = 1\n")])
    assert [p.read_bytes() for p in written] == [b"{}\n", b"x = 1\n"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_diff_shows_what_changed_and_writes_nothing(project: Path) -> None:
    export(project / "churn.ipynb", output_dir=project / "out")
    cells = list(CHURN)
    cells[6] = cells[6].replace('"support_tickets"]', '"support_tickets", "plan_code"]')
    cells.insert(6, 'train["plan_code"] = train["plan"].astype("category").cat.codes\n'
                    'test["plan_code"] = test["plan"].astype("category").cat.codes')
    write_notebook(project / "churn.ipynb", cells)
    before = _digest(project / "out" / "churn")
    result = export(project / "churn.ipynb", output_dir=project / "out", diff=True)
    assert (result.status, result.version) == ("diff", 1)
    assert _digest(project / "out" / "churn") == before
    assert "--- v1.py" in result.diff and "+++ v2.py" in result.diff
    assert '+    train["plan_code"] = train["plan"].astype("category").cat.codes' in result.diff
    unchanged = export(project / "churn.ipynb", output_dir=project / "out", diff=False)
    assert unchanged.version == 2
    assert export(project / "churn.ipynb", output_dir=project / "out", diff=True).diff == "no changes since version 2"


def test_diff_reports_changed_data(project: Path) -> None:
    export(project / "churn.ipynb", output_dir=project / "out")
    write_events(project, rows=520)
    result = export(project / "churn.ipynb", output_dir=project / "out", diff=True)
    assert "input data/events.parquet changed" in result.diff
