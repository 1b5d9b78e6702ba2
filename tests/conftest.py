"""Shared fixtures: a real IPython shell that runs cells given as strings, with leakguard loaded."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell

from leakguard.finding import Finding


@dataclasses.dataclass
class CellRun:
    """What one cell produced: leakguard's findings and notes, the result, the error."""

    findings: list[Finding]
    notes: list[str]
    result: Any
    error: BaseException | None

    @property
    def rules(self) -> list[str]:
        return sorted(f.rule for f in self.findings)


class Kernel:
    """A real IPython shell driven with cells as strings."""

    def __init__(self, shell: InteractiveShell) -> None:
        self.shell = shell

    @property
    def ns(self) -> dict[str, Any]:
        return self.shell.user_ns

    @property
    def session(self) -> Any:
        from leakguard.kernel.extension import loaded

        state = loaded()
        assert state is not None, "leakguard is not loaded"
        return state.session

    def run(self, cell: str, *, raises: bool = False) -> CellRun:
        result = self.shell.run_cell(cell, store_history=True)
        error = result.error_in_exec or result.error_before_exec
        if error is not None and not raises:
            raise AssertionError(f"cell raised {error!r}:\n{cell}")
        from leakguard.kernel.extension import loaded

        state = loaded()
        findings = list(state.session.cell_findings) if state else []
        notes = list(state.session.cell_notes) if state else []
        return CellRun(findings, notes, result.result, error)

    def run_all(self, cells: str) -> list[CellRun]:
        """Run cells separated by lines holding only ``# %%``."""
        return [self.run(c) for c in cells.split("# %%\n") if c.strip()]


@pytest.fixture(scope="session")
def _shell() -> InteractiveShell:
    shell = InteractiveShell.instance()
    shell.history_manager.enabled = False
    return shell


@pytest.fixture
def kernel(_shell: InteractiveShell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kernel]:
    """A shell with leakguard loaded in an empty folder; unloaded and reset afterwards."""
    monkeypatch.chdir(tmp_path)
    _shell.reset(new_session=False)
    _shell.run_cell("%load_ext leakguard", store_history=True)
    k = Kernel(_shell)
    try:
        yield k
    finally:
        _shell.run_cell("%unload_ext leakguard", store_history=True)
        _shell.reset(new_session=False)


def make_events(n: int = 1000, seed: int = 0) -> pd.DataFrame:
    """A small time-ordered events table with a label (churned), a time column (event_ts) and features."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "event_ts": pd.date_range("2024-01-01", periods=n, freq="6h"),
        "plan": rng.choice(["a", "b", "c"], n),
        "x": rng.normal(size=n),
        "z": rng.normal(size=n),
        "churned": rng.integers(0, 2, n),
    })


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    """``events.parquet`` in the test's folder (1,000 rows, Jan–Sep 2024)."""
    path = tmp_path / "events.parquet"
    make_events().to_parquet(path)
    return path


POLICY = "leakguard.policy(label='churned', time='event_ts', cutoff='2024-06-01', holdout=0.2, seed=7);"


@pytest.fixture
def loaded_events(kernel: Kernel, events_file: Path) -> Kernel:
    """The kernel with ``df`` read from events.parquet and the standard policy set."""
    kernel.run("import pandas as pd, leakguard")
    kernel.run(f"df = pd.read_parquet({str(events_file)!r})")
    kernel.run(POLICY)
    return kernel


def corpus_folder(tmp: Path, corpus: Path) -> Path:
    """A scratch folder that sees the corpus's data and its policy file, as a kernel run of the corpus does."""
    data = next((d / "data" for d in (corpus, corpus.parent) if (d / "data").is_dir()), None)
    if data is not None:
        (tmp / "data").symlink_to(data.resolve(), target_is_directory=True)
    if (corpus / "leakguard.toml").is_file():
        (tmp / "leakguard.toml").write_bytes((corpus / "leakguard.toml").read_bytes())
    return tmp


def _spark_reads_from(folder: Path) -> None:
    """A Spark JVM started earlier in this process (tests/spark's session) resolves relative paths against the
    folder it started in: point its local file system at ``folder``, as a kernel started there would have it."""
    import sys

    if "pyspark" not in sys.modules:
        return
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is None:
        return
    jvm = active._jvm  # type: ignore[attr-defined]
    local = jvm.org.apache.hadoop.fs.FileSystem.getLocal(active._jsc.hadoopConfiguration())  # type: ignore[attr-defined]
    local.setWorkingDirectory(jvm.org.apache.hadoop.fs.Path(str(folder.resolve())))


def run_in_shell(shell: InteractiveShell, fixture: Any, folder: Path) -> frozenset[tuple[str, int | None]]:
    """Where the kernel engine's warnings and errors land for one fixture, run cell by cell in ``shell``.

    The same work as a spawned kernel run (leakguard loaded first in ``folder``, blank cells left
    out, cell errors kept, not raised), without starting a process: the shell is reset before and
    after, and leakguard is unloaded, so fixtures do not see each other's names or findings.
    """
    import os
    import sys

    from leakguard.kernel.extension import loaded
    from leakguard.static.reading.sources import read_source

    kept = [c for c in read_source(fixture.path).cells if c.raw.strip()]
    here = os.getcwd()
    os.chdir(folder)  # the policy is read from the working folder, as in a kernel started there
    _spark_reads_from(folder)
    shell.reset(new_session=False)
    shell.run_cell("%load_ext leakguard", store_history=True)
    try:
        cell_of: dict[int | None, int] = {}
        for cell in kept:
            cell_of[shell.execution_count] = cell.number
            shell.run_cell(cell.raw, store_history=True)
        state = loaded()
        assert state is not None, "leakguard is not loaded"
        return frozenset((f.rule, cell_of.get(f.where.execution_count)) for f in state.session.findings
                         if f.severity != "info")
    finally:
        shell.run_cell("%unload_ext leakguard", store_history=True)
        shell.reset(new_session=False)
        if "matplotlib.pyplot" in sys.modules:  # figures a fixture left open would pile up over the corpus
            sys.modules["matplotlib.pyplot"].close("all")
        os.chdir(here)
