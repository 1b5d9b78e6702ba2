"""End to end: a notebook through a real Jupyter kernel (nbclient), plain terminal IPython, and `leakguard run`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from leakguard.faces.cli import main
from leakguard.runner import run_notebook
from tests.conftest import POLICY

LEAKY = ["import pandas as pd, leakguard", "df = pd.read_parquet('events.parquet')", POLICY,
         "df.describe()", "df.groupby('plan')['churned'].mean()", "train, test = leakguard.split(df)",
         "train.describe()"]
CLEAN = ["import pandas as pd, leakguard", "df = pd.read_parquet('events.parquet')", POLICY,
         "train, test = leakguard.split(df)", "train.describe()", "train.groupby('plan')['churned'].mean()"]


def write_notebook(folder: Path, name: str, cells: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    path = folder / name
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_notebook_through_a_real_kernel(tmp_path: Path, events_file: Path) -> None:
    leaky = write_notebook(tmp_path, "leaky.ipynb", LEAKY)
    before = leaky.read_bytes()
    result = run_notebook(leaky)
    by_cell = {c.index: sorted(f["rule"] for f in c.findings) for c in result.cells}
    assert by_cell == {0: [], 1: [], 2: [], 3: ["peek-future", "peek-holdout"], 4: ["peek-label"], 5: [], 6: []}
    assert result.cells[3].findings[0]["provenance"][0]["op"].startswith("read_parquet(")
    # the notebook's own numbering: leakguard loads as the kernel starts, no cell is added
    assert result.cells[3].findings[0]["where"]["execution_count"] == 4
    assert leaky.read_bytes() == before  # the user's file is never modified
    clean = write_notebook(tmp_path, "clean.ipynb", CLEAN)
    assert run_notebook(clean).findings == []


@pytest.mark.slow
def test_plain_terminal_ipython(tmp_path: Path, events_file: Path) -> None:
    cells = ["%load_ext leakguard", *LEAKY[:3], "d = df.describe()", "r = df.groupby('plan')['churned'].mean()",
             "train, test = leakguard.split(df)", "d2 = train.describe()", "exit"]
    proc = subprocess.run(
        [sys.executable, "-m", "IPython", "--simple-prompt", "--no-banner", "--colors=NoColor"],
        input="\n".join(cells) + "\n", capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )
    out = proc.stdout
    assert "[peek-holdout]" in out and "[peek-future]" in out and "[peek-label]" in out
    assert out.count("finding(s)") == 2  # describe and groupby; nothing after the split


@pytest.mark.slow
def test_cli_run_exit_codes(tmp_path: Path, events_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    leaky = write_notebook(tmp_path, "leaky.ipynb", LEAKY)
    clean = write_notebook(tmp_path, "clean.ipynb", CLEAN)
    assert main(["run", str(leaky)]) == 1
    out = capsys.readouterr().out
    assert "peek-label" in out and "cell 5" in out
    assert main(["run", str(clean)]) == 0
    assert main(["run", "--fail-on", "error", str(leaky)]) == 0
    assert main(["run", str(tmp_path / "missing.ipynb")]) == 2
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    assert main(["run", str(broken), str(clean)]) == 2
    err = capsys.readouterr().err
    assert "broken.ipynb: not a readable notebook" in err


@pytest.mark.slow
def test_cli_run_block_mode_counts_leakage_errors_as_findings(tmp_path: Path, events_file: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    leaky = write_notebook(tmp_path, "leaky.ipynb", LEAKY)
    assert main(["run", "--mode", "block", "--format", "json", str(leaky)]) == 1
    out = capsys.readouterr().out
    assert '"error": "LeakageError' in out
    findings = [f for cell in json.loads(out)["notebooks"][0]["cells"] for f in cell["findings"]]
    assert main(["run", "--mode", "block", str(leaky)]) == 1
    text = capsys.readouterr().out
    # one line per finding (its title, marked blocked), the LeakageError in one line, no detail or fix
    for f in findings:
        assert f"[{f['rule']}]" in text and f["title"] in text
        assert f["detail"] not in text
    assert "(blocked)" in text and "    blocked: LeakageError" in text and "fix:" not in text
    assert all(not line.startswith("Traceback") for line in text.splitlines())
    assert main(["run", "--mode", "block", "-v", str(leaky)]) == 1
    verbose = capsys.readouterr().out
    assert "fix:" in verbose and all(f["detail"] in verbose for f in findings)


def _run_kernels() -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "ipykernel_launcher" in cmd and "leakguard-run-" in cmd:
            found.append(cmd)
    return found


@pytest.mark.slow
def test_the_kernel_of_a_run_is_stopped(tmp_path: Path, events_file: Path) -> None:
    clean = write_notebook(tmp_path, "clean.ipynb", CLEAN)
    run_notebook(clean)
    assert _run_kernels() == []
