"""Polars fixtures: the standard events table read eagerly (``df``) and lazily (``lf``), with the standard policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import POLICY, Kernel


@pytest.fixture
def pl_events(kernel: Kernel, events_file: Path) -> Kernel:
    """``df = pl.read_parquet(...)``, ``lf = pl.scan_parquet(...)`` and the standard policy (holdout 20%, cutoff June)."""
    kernel.run("import polars as pl, leakguard, datetime as dt")
    kernel.run(f"df = pl.read_parquet({str(events_file)!r})")
    kernel.run(f"lf = pl.scan_parquet({str(events_file)!r})")
    kernel.run(POLICY)
    return kernel
