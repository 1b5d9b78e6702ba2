"""Execute a notebook headless in a real Jupyter kernel with leakguard loaded, and collect its findings.

The notebook file is never modified: the run works on an in-memory copy, in a kernel
that loads leakguard as it starts. Findings come back through the machine-readable
part of each cell's leakguard report (``application/vnd.leakguard.findings+json``).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from leakguard.finding import FINDINGS_MIME as MIME

KERNEL_NAME = "leakguard-python"


@dataclasses.dataclass
class CellResult:
    """One executed code cell: its index in the notebook, first source line, findings, notes, error."""

    index: int
    source_head: str
    findings: list[dict[str, Any]]
    notes: list[str]
    error: str | None = None
    error_name: str | None = None


@dataclasses.dataclass
class RunResult:
    """All cells of a run."""

    path: Path
    cells: list[CellResult]

    @property
    def findings(self) -> list[dict[str, Any]]:
        return [f for c in self.cells for f in c.findings]


class NotebookError(Exception):
    """The notebook cannot be read or run (not the cells' own errors)."""


def _kernel_manager(tmp: Path, startup: list[str]) -> Any:
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec_dir = tmp / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    # leakguard loads as the kernel starts (an IPython profile of the run's own), so the
    # notebook's cells keep their own execution counts and no cell is added to the notebook
    profile = tmp / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_kernel_config.py").write_text(
        f"c.InteractiveShellApp.extensions = ['leakguard']\nc.InteractiveShellApp.exec_lines = {startup!r}\n"
    )
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (leakguard run)", "language": "python",
        "env": {"IPYTHONDIR": str(tmp / "ipython")},
    }))
    ksm = KernelSpecManager(kernel_dirs=[str(tmp / "kernels")])
    return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm, transport="ipc",
                         connection_file=str(tmp / "kernel.json"))


def run_notebook(path: Path | str, *, mode: str | None = None, timeout: int = 600,
                 setup: str = "") -> RunResult:
    """Run every code cell of ``path`` with leakguard loaded; cell errors are collected, not raised."""
    import nbformat
    from nbclient import NotebookClient

    from leakguard.static.reading.sources import MAX_BYTES, InputError, read_limited

    path = Path(path)
    try:  # a regular file, its size checked first: a FIFO or /dev/zero named *.ipynb must not hang the run
        data = read_limited(path, MAX_BYTES)
    except InputError as exc:
        raise NotebookError(f"{path}: {exc}") from None
    try:
        nb = nbformat.reads(data.decode("utf-8-sig"), as_version=4)
    except Exception as exc:  # RecursionError and digit-limit ValueErrors of hostile JSON too
        raise NotebookError(f"{path}: not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})") from None
    originals = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    startup = ([f"%leakguard mode {mode}"] if mode else []) + ([setup] if setup else [])
    with tempfile.TemporaryDirectory(prefix="leakguard-run-") as tmp:
        km = _kernel_manager(Path(tmp), startup)
        client = NotebookClient(nb, km=km, timeout=timeout, allow_errors=True,
                                resources={"metadata": {"path": str(path.parent.resolve())}})
        try:
            client.execute()
        finally:
            # nbclient leaves a kernel manager it was given alone: stop the kernel here, or it
            # lingers until this process exits (one per notebook run)
            if km.has_kernel:
                km.shutdown_kernel(now=True)
    results: list[CellResult] = []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for index, cell in zip(originals, code_cells, strict=True):
        findings: list[dict[str, Any]] = []
        notes: list[str] = []
        error = error_name = None
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if MIME in data:
                payload = data[MIME]
                findings.extend(payload.get("findings", []))
                notes.extend(payload.get("notes", []))
            if out.get("output_type") == "error":
                error_name = out.get("ename")
                error = f"{out.get('ename')}: {out.get('evalue')}"
        head_line = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
        results.append(CellResult(index, head_line[:100], findings, notes, error, error_name))
    return RunResult(path, results)
