"""The example notebook, exported: the module runs end to end and reproduces the notebook's metric.

The notebook runs in a real Jupyter kernel (nbclient) with leakguard loaded, as a person runs it;
the exported module runs as production runs it (``python -m``, a fresh interpreter). Both compute
the AUC of the same model on the same holdout rows, so they must agree to the last bit; the
stated tolerance is 1e-12.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from leakguard.pipeline.api import export
from tests.export.helpers import ROOT, write_events

TOLERANCE = 1e-12
EXAMPLE = ROOT / "examples" / "churn_clean.ipynb"


def _run_in_kernel(path: Path, extra: str) -> list[str]:
    """Run the notebook (plus one extra cell, in memory only) in a real kernel; the streams of the extra cell."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(extra))
    spec_dir = path.parent / "kernels" / "lg-export-test"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "leakguard export test", "language": "python"}))
    km = KernelManager(kernel_name="lg-export-test", transport="ipc",
                       kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(path.parent / "kernels")]),
                       connection_file=str(path.parent / "kernel.json"))
    NotebookClient(nb, km=km, timeout=300, resources={"metadata": {"path": str(path.parent)}}).execute()
    return [o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream"]


@pytest.mark.slow
def test_exported_example_reproduces_the_notebooks_metric(tmp_path: Path) -> None:
    work = tmp_path / "project"
    notebook = work / "churn_clean.ipynb"
    work.mkdir()
    shutil.copyfile(EXAMPLE, notebook)
    write_events(work, rows=6_000)
    before = hashlib.sha256(notebook.read_bytes()).hexdigest()

    result = export(notebook, output_dir=work / "pipelines")
    assert result.status == "written", result.text()
    module = work / "pipelines" / "churn_clean" / "v1.py"
    assert result.files == [module, module.with_suffix(".lock.json")]
    assert hashlib.sha256(notebook.read_bytes()).hexdigest() == before  # the notebook's bytes are untouched
    assert hashlib.sha256(EXAMPLE.read_bytes()).hexdigest() == before

    streams = _run_in_kernel(notebook, "print(repr(auc))")
    notebook_auc = float("".join(streams).strip())

    proc = subprocess.run([sys.executable, "-m", "pipelines.churn_clean.v1"], cwd=work, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    found = re.search(r"^auc: (\S+)$", proc.stdout, re.MULTILINE)
    assert found is not None, proc.stdout
    pipeline_auc = float(found.group(1))
    assert abs(pipeline_auc - notebook_auc) <= TOLERANCE, (pipeline_auc, notebook_auc)
    assert 0.5 < pipeline_auc < 1.0
    assert "model: LogisticRegression(max_iter=1000)" in proc.stdout
    assert hashlib.sha256(notebook.read_bytes()).hexdigest() == before


def test_exported_example_keeps_the_right_cells_and_passes_ruff(tmp_path: Path) -> None:
    shutil.copyfile(EXAMPLE, tmp_path / "churn_clean.ipynb")
    write_events(tmp_path, rows=600)
    result = export(tmp_path / "churn_clean.ipynb", output_dir=tmp_path / "out", name="churn")
    assert result.ok, result.text()
    kept = [d.cell.number for d in result.decisions if d.kept]
    assert kept == [2, 3, 5, 9, 10]  # imports, read, split, fit, evaluation (cell 1 is markdown)
    dropped = {d.cell.number: d.reason for d in result.decisions if not d.kept}
    assert dropped == {4: "policy", 6: "inspection-only", 7: "inspection-only", 8: "inspection-only"}
    module = (tmp_path / "out" / "churn" / "v1.py").read_text()
    assert "leakguard.split(df, policy=split_policy)" in module
    assert "LogisticRegression(max_iter=max_iter)" in module
    assert "# cell 9 (id 08ed3b65)" in module
    assert "%load_ext" not in module and "describe" not in module and "groupby" not in module
    ruff = [sys.executable, "-m", "ruff"]
    lint = subprocess.run([*ruff, "check", "--isolated", "--select", "E,F,W,I,B,UP,C4", "--line-length", "120",
                           "out/churn/v1.py"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout
    fmt = subprocess.run([*ruff, "format", "--isolated", "--diff", "out/churn/v1.py"], cwd=tmp_path,
                         capture_output=True, text=True, check=False)
    assert fmt.returncode == 0, fmt.stdout
