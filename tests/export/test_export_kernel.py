"""``leakguard.export()`` from a live kernel (what the sidebar's button calls)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Kernel
from tests.export.helpers import CHURN, write_events, write_notebook


def test_export_from_the_kernel_leaves_the_session_alone(kernel: Kernel, tmp_path: Path) -> None:
    write_events(tmp_path, rows=300)
    write_notebook(tmp_path / "churn.ipynb", CHURN)
    kernel.run("import leakguard")
    nodes = len(kernel.session.graph.nodes)
    run = kernel.run('result = leakguard.export("churn.ipynb")')
    result = kernel.ns["result"]
    assert result.ok and result.status == "written", result.text()
    assert (tmp_path / "pipelines" / "churn" / "v1.py").exists()
    # reading the inputs to record their schema happened off the kernel's main thread: no lineage, no findings
    assert len(kernel.session.graph.nodes) == nodes
    assert run.findings == [] and run.error is None
    assert result.to_dict()["status"] == "written"
