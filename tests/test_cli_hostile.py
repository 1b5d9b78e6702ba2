"""The real ``leakguard`` command (a subprocess) over hostile input: every bad file is that file's error.

Each run is bounded in time (a FIFO or ``/dev/zero`` must not hang it); the assertions are
the exit status, one clear line per bad file, no traceback, and the good files' reports.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LEAKY = "import pandas as pd\ndf = pd.read_csv('e.csv')\ndf.describe()\n"
TIMEOUT = 120  # seconds per command; a hang fails the test instead of the suite
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2  # linux/prctl.h, linux/capability.h

pytestmark = pytest.mark.slow


def _nb(*sources: str, nbformat: int = 4) -> str:
    cells = [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "outputs": [], "execution_count": None,
              "source": s} for i, s in enumerate(sources)]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": nbformat, "nbformat_minor": 5})


def _without_root_reads() -> None:
    """In the child, before exec: root loses the right to read files whatever their mode (as users have)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def leakguard(*args: str, cwd: Path, as_user: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``leakguard ARGS`` in ``cwd``; ``as_user``: file permissions hold even when the tests run as root."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    drop = _without_root_reads if as_user and os.geteuid() == 0 else None
    return subprocess.run([sys.executable, "-m", "leakguard.faces.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT, preexec_fn=drop, check=False)


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr


# file name → the one line `check` must print for it (after "<path>: error: ")
BAD = {
    "deep.ipynb": "JSON nested too deeply to read",
    "bigint.ipynb": "unreadable JSON (Exceeds the limit (4300 digits)",
    "bigint.py": "nothing could be checked: line 1: syntax error (Exceeds the limit (4300 digits)",
    "py2.py": "nothing could be checked: line 1: syntax error (Missing parentheses in call to 'print'",
    "fifo.ipynb": "not a regular file",
    "zero.py": "not a regular file",
    "malformed.ipynb": "invalid JSON at line 1 column 2",
    "empty.ipynb": "invalid JSON at line 1 column 1",
    "junk.py": "binary file, not a notebook or a Python script",
    "latin1.py": "not UTF-8 text (byte 8)",
    "nbformat5.ipynb": "unsupported notebook format 5",
    "denied.py": "cannot read: Permission denied",
    "locked": "cannot read the folder: Permission denied",
}


@pytest.fixture
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "leakguard.toml").write_text('label = "churned"\nholdout = 0.2\n')
    (folder / "good.py").write_text(LEAKY)
    (folder / "good.ipynb").write_text(_nb(LEAKY))
    (folder / "deep.ipynb").write_text('{"cells": ' + "[" * 5000 + "]" * 5000 + "}")
    (folder / "bigint.ipynb").write_text('{"cells": [], "n": ' + "9" * 5000 + "}")
    (folder / "bigint.py").write_text("x = " + "9" * 5000 + "\n")
    (folder / "py2.py").write_text('print "x"\n')
    os.mkfifo(folder / "fifo.ipynb")
    (folder / "zero.py").symlink_to("/dev/zero")
    (folder / "malformed.ipynb").write_text("{nope")
    (folder / "empty.ipynb").write_text("")
    (folder / "junk.py").write_bytes(bytes(range(256)) * 8)
    (folder / "latin1.py").write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    (folder / "nbformat5.ipynb").write_text(_nb("x = 1", nbformat=5))
    (folder / "x.ipynb").mkdir()  # a directory with a notebook's name: walked, not read
    (folder / "x.ipynb" / "inner.py").write_text(LEAKY)
    (folder / "x.ipynb" / "leakguard.toml").write_text('label = "churned"\nholdout = 0.2\n')
    denied = folder / "denied.py"
    denied.write_text(LEAKY)
    denied.chmod(0)
    (folder / "locked").mkdir()
    (folder / "locked" / "hidden.py").write_text(LEAKY)
    (folder / "locked").chmod(0)
    return folder


def test_check_reports_each_bad_file_and_keeps_the_good_reports(hostile: Path) -> None:
    proc = leakguard("check", "--no-progress", ".", cwd=hostile, as_user=True)
    no_traceback(proc)
    assert proc.returncode == 2
    lines = proc.stdout.splitlines()
    for name, message in BAD.items():
        mine = [ln for ln in lines if ln.startswith(f"{name}: ")]
        assert len(mine) == 1 and mine[0].startswith(f"{name}: error: {message}"), (name, mine)
    for good in ("good.py:3:1: warning [peek-holdout]", "good.ipynb:cell 1:3:1: warning [peek-holdout]",
                 "x.ipynb/inner.py:3:1: warning [peek-holdout]"):
        assert any(ln.startswith(good) for ln in lines), good
    assert lines[-1] == (f"leakguard check: 3 finding(s) in 3 of 3 checked file(s); "
                         f"{len(BAD)} file(s) could not be checked")


def test_check_json_still_lists_every_file(hostile: Path) -> None:
    proc = leakguard("check", "--format", "json", ".", cwd=hostile, as_user=True)
    no_traceback(proc)
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert doc["summary"]["errors"] == len(BAD) and doc["summary"]["findings"] == 3
    assert len([ln for ln in proc.stderr.splitlines() if ln.startswith("leakguard check: ")]) == len(BAD)


def test_an_unparseable_script_alone_is_exit_2_like_a_notebook(hostile: Path) -> None:
    for name in ("py2.py", "bigint.py", "bigint.ipynb", "deep.ipynb"):
        proc = leakguard("check", name, cwd=hostile)
        no_traceback(proc)
        assert proc.returncode == 2 and "nothing could be checked" in proc.stderr, name
    # negative twin: a script with one block in Python 2 and one that parses is checked (and has its finding)
    (hostile / "half.py").write_text('print "x"\n\n' + LEAKY)
    proc = leakguard("check", "half.py", cwd=hostile)
    assert proc.returncode == 1 and "[peek-holdout]" in proc.stdout and "problem: line 1: syntax error" in proc.stdout


def test_report_and_baseline_that_cannot_be_written(hostile: Path) -> None:
    for args in (["-o", "missing/dir/r.json"], ["--write-baseline", "."], ["--format", "json", "-o", "."]):
        proc = leakguard("check", *args, "good.py", cwd=hostile)
        no_traceback(proc)
        assert proc.returncode == 2, args
        assert proc.stderr.strip().startswith("leakguard check: cannot write the"), (args, proc.stderr)
    # negative twin: the same report to a folder that exists is written, status 1 (a finding)
    assert leakguard("check", "-o", "r.json", "good.py", cwd=hostile).returncode == 1
    assert "peek-holdout" in (hostile / "r.json").read_text()


def test_a_newline_in_a_path_stays_one_finding_per_line(tmp_path: Path) -> None:
    (tmp_path / "leakguard.toml").write_text('label = "churned"\nholdout = 0.2\n')
    (tmp_path / "a\nb.py").write_text(LEAKY)
    proc = leakguard("check", ".", cwd=tmp_path)
    assert proc.returncode == 1
    finding = [ln for ln in proc.stdout.splitlines() if "[peek-holdout]" in ln]
    assert finding == [ln for ln in finding if ln.startswith("a\\nb.py:3:1: warning [peek-holdout]")] and finding


@pytest.fixture
def notebook(tmp_path: Path) -> Path:
    from tests.export.helpers import CHURN, write_events, write_notebook

    write_events(tmp_path, rows=300)
    return write_notebook(tmp_path / "churn.ipynb", CHURN)


def test_export_that_cannot_write_says_why_and_exits_2(notebook: Path) -> None:
    folder = notebook.parent
    (folder / "a_file").write_text("")
    (folder / "read_only").mkdir(mode=0o555)
    cases = {
        ("-o", "a_file"): "cannot write a_file/churn: Not a directory",
        ("-o", "read_only"): "cannot write read_only/churn: Permission denied",
        ("--name", "n" * 300): "--name is 300 characters long; at most 100",
        ("--name", "class"): "--name 'class' is a Python keyword",
    }
    for args, reason in cases.items():
        proc = leakguard("export", "churn.ipynb", *args, cwd=folder, as_user=True)
        no_traceback(proc)
        assert proc.returncode == 2, args
        head, why = proc.stdout.splitlines()[:2]
        assert head == "churn.ipynb: cannot export; nothing written" and why.startswith(f"  {reason}"), proc.stdout
    assert sorted(p.name for p in (folder / "read_only").iterdir()) == []
    assert not (folder / "pipelines").exists()
    # negative twin: the same export with a usable folder and name is written (exit 0)
    proc = leakguard("export", "churn.ipynb", "--name", "churn_ok", cwd=folder, as_user=True)
    assert proc.returncode == 0 and (folder / "pipelines" / "churn_ok" / "v1.py").is_file(), proc.stdout


def test_export_of_hostile_files_is_one_error_each(hostile: Path) -> None:
    reasons = {"deep.ipynb": "JSON nested too deeply to read", "bigint.ipynb": "unreadable JSON (Exceeds the limit",
               "fifo.ipynb": "cannot read (not a regular file", "zero.py": "cannot read (not a regular file",
               "junk.py": "binary file", "denied.py": "cannot read: Permission denied",
               "x.ipynb": "cannot read (is a directory)"}
    for name, reason in reasons.items():
        proc = leakguard("export", name, cwd=hostile, as_user=True)
        no_traceback(proc)
        assert proc.returncode == 2, name
        assert proc.stdout.startswith(f"{name}: cannot export; nothing written\n  {name}: {reason}"), proc.stdout
    assert not (hostile / "pipelines").exists()


BLOCKED_RUN = ("import sys\nfor name in sys.argv[1].split(','):\n    sys.modules[name] = None  # Python's own 'not importable'\n"
               "from leakguard.faces.cli import main\nsys.exit(main(sys.argv[2:]))")


def test_run_of_hostile_files_is_one_error_each(hostile: Path) -> None:
    for name, reason in {"fifo.ipynb": "not a regular file", "deep.ipynb": "not a readable notebook (RecursionError",
                         "bigint.ipynb": "not a readable notebook (",
                         "denied.py": "cannot read: Permission denied"}.items():
        proc = leakguard("run", name, cwd=hostile, as_user=True)
        no_traceback(proc)
        assert proc.returncode == 2, name
        assert proc.stderr.startswith(f"leakguard: {name}: {reason}") and proc.stderr.count("\n") == 1, proc.stderr


def test_run_without_the_lab_extra_names_it_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_text(_nb("x = 1"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", BLOCKED_RUN, "nbclient,ipykernel", "run", "nb.ipynb"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    no_traceback(proc)
    assert proc.returncode == 2
    assert proc.stderr == ("leakguard run: needs nbclient, ipykernel, which are not installed: "
                           "pip install 'leakguard[lab]'\n")
    # negative twin: with the extra installed the dependency check passes (a missing notebook is the only error)
    proc = subprocess.run([sys.executable, "-c", BLOCKED_RUN, "", "run", "missing.ipynb"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert proc.returncode == 2 and "not installed" not in proc.stderr and "missing.ipynb: no such file" in proc.stderr
