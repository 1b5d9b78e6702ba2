"""Spark benchmark: leakguard's cost on Spark actions, against the same cells without it, in one run.

One real IPython ``InteractiveShell`` and one local SparkSession (``local[2]``, 2 GB
driver, no UI, 2 shuffle partitions). A table of a few hundred thousand rows is written
to parquet once and read by Spark. Each timed cell holds a Spark action (the work a
person waits for); samples alternate one run at a time between the shell with
``%load_ext leakguard`` and the same shell after ``%unload_ext leakguard`` (plain,
leakguard, leakguard, plain, ...), so drift and other processes' load fall on both
alike. Every figure is a median; the ratio is leakguard / plain.

    python benchmarks/bench_spark.py            # the figures of docs/spark.md
    python benchmarks/bench_spark.py --quick    # a smoke run (fewer rows and samples)

Exit status 1 when a cell's overhead is over the target (2%).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from IPython.core.interactiveshell import InteractiveShell

TARGET = 1.02
POLICY = 'leakguard.policy(label="churned", time="event_ts", cutoff="2024-06-01", holdout=0.2)'
SETUP = [
    "import leakguard",
    "from pyspark.sql import functions as F",
    "df = spark.read.parquet(DATA)",
    POLICY,
    "df.createOrReplaceTempView('events')",
]
# (label, cell): each runs a Spark job over every row
WORK = [
    ("summary().collect()", "s = df.summary().collect()"),
    ("groupBy().agg().toPandas()", "g = df.groupBy('plan').agg(F.mean('x0'), F.stddev('x1'), F.max('churned')).toPandas()"),
    ("filter + count", "n = df.filter(F.col('x0') > 0.1).count()"),
    ("select(mean).collect() (action on an aggregate)", "m = df.select(F.mean('x2')).collect()"),
    ("spark.sql aggregate .collect()", "q = spark.sql('SELECT plan, avg(x3), count(*) FROM events GROUP BY plan').collect()"),
    ("randomSplit + count", "tr, te = df.randomSplit([0.8, 0.2], seed=1)\nn = tr.count()"),
    ("withColumn ×3 + count", "d = df.withColumn('r', F.col('x0') / (F.col('x1') + 1)).withColumns("
     "{'s': F.col('x2') * 2, 'u': F.col('x3') - F.col('x4')})\nd = d.withColumn('v', F.col('r') + F.col('s'))\n"
     "n = d.filter(F.col('v') > 0).count()"),
]


class _Sink(io.TextIOBase):
    def write(self, s: str) -> int:
        return len(s)


def make_data(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    cols: dict[str, Any] = {
        "event_ts": pd.date_range("2024-01-01", "2024-09-01", periods=rows).as_unit("us"),
        "plan": rng.choice(["a", "b", "c"], rows),
        "churned": rng.integers(0, 2, rows),
    }
    for i in range(8):
        cols[f"x{i}"] = rng.normal(size=rows)
    pd.DataFrame(cols).to_parquet(path)


class Bench:
    """One shell and one SparkSession; leakguard loaded and unloaded between samples."""

    def __init__(self, spark: Any, data: Path) -> None:
        self.shell = InteractiveShell.instance()
        self.shell.history_manager.enabled = False
        self.spark, self.data = spark, data
        self.loaded: bool | None = None

    def run(self, cell: str) -> int:
        start = time.perf_counter_ns()
        result = self.shell.run_cell(cell, store_history=True)
        elapsed = time.perf_counter_ns() - start
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            raise RuntimeError(f"benchmark cell failed: {cell!r}: {error!r}")
        return elapsed

    def switch(self, leakguard: bool) -> None:
        if leakguard == self.loaded:
            return
        if leakguard or self.loaded:
            self.run("%load_ext leakguard" if leakguard else "%unload_ext leakguard")
        self.loaded = leakguard
        self.shell.user_ns.update({"spark": self.spark, "DATA": str(self.data)})
        for cell in SETUP:
            self.run(cell)


def measure(bench: Bench, cell: str, pairs: int) -> tuple[float, float]:
    """Median seconds of ``cell`` without and with leakguard, samples interleaved ABBA."""
    plain: list[int] = []
    guarded: list[int] = []
    for condition in (False, True):  # warm both: JIT of the plan, file cache
        bench.switch(condition)
        bench.run(cell)
    order = [False, True, True, False]
    for i in range(pairs * 2):
        condition = order[i % 4]
        bench.switch(condition)
        (guarded if condition else plain).append(bench.run(cell))
    return statistics.median(plain) / 1e9, statistics.median(guarded) / 1e9


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100k rows, 3 pairs per cell")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--pairs", type=int, default=None)
    args = parser.parse_args()
    rows = args.rows or (100_000 if args.quick else 500_000)
    pairs = args.pairs or (3 if args.quick else 10)
    warnings.filterwarnings("ignore")
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").appName("leakguard-bench")
             .config("spark.driver.memory", "2g").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2")
             .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "events.parquet"
        make_data(data, rows)
        bench = Bench(spark, data)
        saved = sys.stdout
        results = []
        try:
            sys.stdout = _Sink()  # cells' reprs and leakguard's reports are not part of the timing output
            for label, cell in WORK:
                plain, guarded = measure(bench, cell, pairs)
                results.append((label, plain, guarded))
        finally:
            sys.stdout = saved
            bench.switch(False)
    spark.stop()
    print(f"leakguard Spark benchmark: {rows:,} rows, {pairs} ABBA pairs per cell, medians; "
          f"python {platform.python_version()}, pyspark {__import__('pyspark').__version__}, "
          f"{os.cpu_count()} cores, load average at start {load[0]:.2f}")
    print(f"{'cell':<52} {'plain':>9} {'leakguard':>10} {'ratio':>7}")
    failed = False
    for label, plain, guarded in results:
        ratio = guarded / plain
        failed |= ratio > TARGET
        print(f"{label:<52} {plain * 1000:8.1f}ms {guarded * 1000:9.1f}ms {ratio:7.3f}")
    total = sum(g for _, _, g in results) / sum(p for _, p, _ in results)
    print(f"{'all cells (sum of medians)':<52} {'':>9} {'':>10} {total:7.3f}   target < {TARGET:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
