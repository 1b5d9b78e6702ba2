"""Export is crash-safe: an export killed between its two files leaves no version that blocks the next one,
killed exports' temporary files are cleaned, and exported files get the user's usual permissions."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from leakguard.pipeline.api import export
from tests.export.helpers import CHURN, ROOT, write_events, write_notebook

pytestmark = pytest.mark.slow

# Runs the real export in a child that SIGKILLs itself at the n-th os.link (a version's file taking its
# final name): n=2 dies after the lock is in place, with the module's temporary file written.
KILLED_EXPORT = textwrap.dedent("""
    import os, signal, sys
    import leakguard.pipeline.versions as versions
    from leakguard.pipeline.api import export
    real_link, calls = os.link, []
    def link(src, dst):
        calls.append(dst)
        if len(calls) == int(sys.argv[3]):
            os.kill(os.getpid(), signal.SIGKILL)
        real_link(src, dst)
    versions.os.link = link
    export(sys.argv[1], output_dir=sys.argv[2])
""")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_events(tmp_path, rows=300)
    write_notebook(tmp_path / "churn.ipynb", CHURN)
    return tmp_path


def _killed_export(project: Path, at_link: int) -> None:
    proc = subprocess.run([sys.executable, "-c", KILLED_EXPORT, str(project / "churn.ipynb"), str(project / "out"),
                           str(at_link)], cwd=project, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_an_export_killed_between_lock_and_module_is_replaced_next_time(project: Path) -> None:
    _killed_export(project, at_link=2)
    folder = project / "out" / "churn"
    left = _names(folder)
    assert "v1.lock.json" in left and "v1.py" not in left
    assert [n for n in left if n.endswith(".tmp")]  # the module's temporary file, written before the kill
    again = export(project / "churn.ipynb", output_dir=project / "out")
    assert (again.status, again.version) == ("written", 1), again.text()
    assert _names(folder) == ["v1.lock.json", "v1.py"]
    assert "version 1: exported by leakguard" in (folder / "v1.py").read_text()
    # and the version is now complete: the same notebook is unchanged
    assert export(project / "churn.ipynb", output_dir=project / "out").status == "unchanged"


def test_a_killed_second_version_does_not_hide_behind_the_first(project: Path) -> None:
    assert export(project / "churn.ipynb", output_dir=project / "out").version == 1
    cells = list(CHURN)
    cells[6] = cells[6].replace("max_iter=1000", "max_iter=500")
    write_notebook(project / "churn.ipynb", cells)
    _killed_export(project, at_link=2)
    folder = project / "out" / "churn"
    assert "v2.lock.json" in _names(folder) and "v2.py" not in _names(folder)
    v1 = (folder / "v1.py").read_bytes()
    result = export(project / "churn.ipynb", output_dir=project / "out")
    assert (result.status, result.version) == ("written", 2), result.text()
    assert "max_iter: int = 500" in (folder / "v2.py").read_text()
    assert (folder / "v1.py").read_bytes() == v1
    assert _names(folder) == ["v1.lock.json", "v1.py", "v2.lock.json", "v2.py"]


def test_a_lone_file_leakguard_did_not_write_is_kept_and_numbered_past(project: Path) -> None:
    # negative twin of the clean-up: someone's own v1.lock.json is not a killed export's leftover
    folder = project / "out" / "churn"
    folder.mkdir(parents=True)
    (folder / "v1.lock.json").write_text('{"mine": true}\n')
    result = export(project / "churn.ipynb", output_dir=project / "out")
    assert (result.status, result.version) == ("written", 2)
    assert (folder / "v1.lock.json").read_text() == '{"mine": true}\n'


def test_exported_files_get_the_usual_permissions(project: Path) -> None:
    old = os.umask(0o022)
    try:
        result = export(project / "churn.ipynb", output_dir=project / "out")
    finally:
        os.umask(old)
    assert result.status == "written"
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in result.files} == {"v1.py": 0o644, "v1.lock.json": 0o644}
