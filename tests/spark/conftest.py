"""One real local SparkSession for the whole test session, and a kernel with ``spark`` and events data in it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import POLICY, Kernel, make_events

pyspark = pytest.importorskip("pyspark")


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """A local[2] session with bounded memory, no UI, two shuffle partitions, quiet logs; stopped at the end."""
    from pyspark.sql import SparkSession

    warnings.filterwarnings("ignore", message=".*PySpark does not yet fully support pandas.*")
    session = (SparkSession.builder.master("local[2]").appName("leakguard-tests")
               .config("spark.driver.memory", "1g")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.session.timeZone", "UTC")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def events_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``events.parquet`` (1,000 rows, Jan–Sep 2024) with microsecond timestamps Spark reads."""
    path = tmp_path_factory.mktemp("spark") / "events.parquet"
    make_events().to_parquet(path, coerce_timestamps="us", allow_truncated_timestamps=True)
    return path


@pytest.fixture
def sk(kernel: Kernel, spark: object, events_parquet: Path) -> Kernel:
    """The kernel with ``spark``, ``F`` and ``df`` (events read by Spark) and the standard policy set."""
    kernel.ns["spark"] = spark
    kernel.run("import leakguard\nfrom pyspark.sql import functions as F")
    kernel.run(f"df = spark.read.parquet({str(events_parquet)!r})")
    kernel.run(POLICY)
    return kernel


def job_ids(spark: object) -> set[int]:
    """Every job id the status tracker knows (for counting the jobs a piece of work started)."""
    tracker = spark.sparkContext.statusTracker()  # type: ignore[attr-defined]
    return set(tracker.getJobIdsForGroup(None))
