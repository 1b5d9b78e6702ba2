"""Polars benchmark: leakguard's overhead on Polars queries over a 1M-row frame (target: under 5%).

One real IPython ``InteractiveShell`` runs each query as a cell, with and without
leakguard, in the same process: every round unloads (``%unload_ext leakguard``) and
loads (``%load_ext leakguard``, the policy set again, one untimed warm-up cell per query)
the extension, and the order of the two conditions alternates round by round (plain
first, then leakguard first, ...), so drift and the load of other processes fall on both
alike. Each figure is the median over the rounds; the ratio is leakguard / plain.

    python benchmarks/bench_polars.py            # the figures of docs/polars.md
    python benchmarks/bench_polars.py --quick    # a smoke run on 100k rows, few rounds

Exit status 1 when the overall ratio misses the target.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
from IPython.core.interactiveshell import InteractiveShell

POLICY = 'leakguard.policy(label="churned", time="event_ts", cutoff="2024-06-01", holdout=0.2)'
TARGET = 1.05

QUERIES: dict[str, str] = {
    "eager describe": "df.describe()",
    "group_by().agg": "df.group_by('plan').agg(pl.col('x0').mean(), pl.col('churned').mean())",
    "filter at the cutoff": "past = df.filter(pl.col('event_ts') <= dt.datetime(2024, 6, 1))",
    "Series statistic": "df['x1'].std()",
    "lazy collect (aggregate)": "lf.group_by('plan').agg(pl.col('x2').mean()).collect()",
    "lazy collect (rows)": "lf.filter(pl.col('x3') > 1.5).select('x3', 'plan').collect()",
    "select (plain columns)": "df.select('x5', 'plan', pl.col('x6') * 2)",
    "select (aggregates)": "df.select(pl.col('x5').mean(), pl.col('x6').std(), pl.corr('x7', 'churned'))",
    "pl.sql": "pl.sql('SELECT plan, avg(x4) AS m FROM df GROUP BY plan', eager=True)",
}


def make_data(path: Path, n: int) -> None:
    rng = np.random.default_rng(0)
    start = np.datetime64("2023-01-01T00:00:00", "s")
    frame = pl.DataFrame({
        "event_ts": (start + (np.arange(n) * (600 * 86_400 // n)).astype("timedelta64[s]")).astype("datetime64[us]"),
        "plan": rng.choice(["a", "b", "c"], n),
        **{f"x{i}": rng.normal(size=n) for i in range(8)},
        "churned": rng.integers(0, 2, n),
    })
    frame.write_parquet(path)


def run(shell: InteractiveShell, cell: str) -> float:
    """Seconds one cell takes (its output swallowed, in both conditions alike)."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        t0 = time.perf_counter()
        result = shell.run_cell(cell, store_history=True)
        elapsed = time.perf_counter() - t0
    if not result.success:
        raise RuntimeError(f"cell failed: {cell}\n{sink.getvalue()[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k rows, 5 rounds")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    n = args.rows or (100_000 if args.quick else 1_000_000)
    rounds = args.rounds or (5 if args.quick else 21)
    folder = Path(tempfile.mkdtemp(prefix="leakguard-bench-polars-"))
    data = folder / "events.parquet"
    make_data(data, n)
    os.chdir(folder)
    shell = InteractiveShell.instance()
    if shell.history_manager is not None:
        shell.history_manager.enabled = False
    for cell in ("import warnings; warnings.filterwarnings('ignore')",
                 "import polars as pl, datetime as dt, leakguard",
                 f"df = pl.read_parquet({str(data)!r})", f"lf = pl.scan_parquet({str(data)!r})"):
        run(shell, cell)
    times: dict[str, dict[str, list[float]]] = {q: {"plain": [], "leakguard": []} for q in QUERIES}

    def plain() -> None:
        run(shell, "%unload_ext leakguard")
        for name, cell in QUERIES.items():
            times[name]["plain"].append(run(shell, cell))

    def guarded() -> None:
        run(shell, "%load_ext leakguard")
        run(shell, POLICY)
        for cell in QUERIES.values():  # warm-up: the first look at df checks its rows once per session
            run(shell, cell)
        for name, cell in QUERIES.items():
            times[name]["leakguard"].append(run(shell, cell))

    for cell in QUERIES.values():  # warm Polars itself (thread pool, parquet metadata)
        run(shell, cell)
    for i in range(rounds):
        for step in ((plain, guarded) if i % 2 == 0 else (guarded, plain)):
            step()
    run(shell, "%unload_ext leakguard")

    print(f"Polars {pl.__version__}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; {n:,} rows, {rounds} rounds, medians")
    print(f"{'query':<28}{'plain ms':>10}{'leakguard ms':>14}{'ratio':>8}")
    total_plain = total_guarded = 0.0
    for name in QUERIES:
        p = statistics.median(times[name]["plain"]) * 1000
        g = statistics.median(times[name]["leakguard"]) * 1000
        total_plain += p
        total_guarded += g
        print(f"{name:<28}{p:>10.1f}{g:>14.1f}{g / p:>8.3f}")
    overall = total_guarded / total_plain
    print(f"{'all queries (sum of medians)':<28}{total_plain:>10.1f}{total_guarded:>14.1f}{overall:>8.3f}")
    ok = overall < TARGET
    print(f"target: overall ratio < {TARGET:.2f}: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
