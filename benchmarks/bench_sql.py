"""SQL guard cost: analysis p50/p99 over the fixture set, the rewrite's extra cost, beside DuckDB's own time.

The analysis is timed once sqlglot has parsed the query's shape (one untimed run); the
rewrite is not warmed, so its samples include the first rewrite in each dialect, which pays
sqlglot's one-time set-up of its generator (printed on its own line too). Wall-clock and
CPU time (of this thread) are both printed: on a busy machine wall-clock percentiles
measure the other processes.

    python benchmarks/bench_sql.py [--rows 1000000] [--repeat 30]

DuckDB runs the same queries on a table of ``--rows`` rows (the fixture schema filled with
generated data); the printout gives leakguard's overhead as a ratio of that time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb

from leakguard.policy import Policy
from leakguard.sql.analysis import Analysis, analyse
from leakguard.sql.rewrite import Restriction, restrict
from tests.sql.fixtures import POLICY, SCHEMA, load_cases


class DuckSchema:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.tables: dict[str, dict[str, str]] = {}
        for table, column, dtype in con.sql(
                "SELECT table_name, column_name, data_type FROM information_schema.columns").fetchall():
            self.tables.setdefault(table.lower(), {})[column] = dtype

    def columns(self, ref: object) -> dict[str, str] | None:
        return self.tables.get(getattr(ref, "key", ""))


def fill(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    con.execute(SCHEMA)
    con.execute(f"""
        INSERT INTO orders SELECT i, i % 10000, TIMESTAMP '1992-01-01' + to_seconds(i * 200), random() * 1000,
               CASE WHEN i % 3 = 0 THEN 'open' ELSE 'done' END FROM range({rows}) t(i);
        INSERT INTO lineitem SELECT i % {max(rows // 4, 1)}, i % 50, random() * 100, random() / 10,
               TIMESTAMP '1992-01-01' + to_seconds(i * 200) FROM range({rows}) t(i);
        INSERT INTO customer SELECT i, 'c' || i, i % 25, 'seg' || (i % 5) FROM range(10000) t(i);
        INSERT INTO nation SELECT i, 'n' || i, i % 5 FROM range(25) t(i);
        INSERT INTO churn SELECT i, (i % 7 = 0)::INT, DATE '1995-01-01' + (i % 2000)::INT FROM range(10000) t(i);
        INSERT INTO test_customers SELECT i, (i % 5 = 0)::INT, DATE '1997-01-01' FROM range(2000) t(i);
    """)


def restrictions(a: Analysis) -> dict[int, Restriction]:
    """Safe mode's restriction for every scan of the time-bearing tables that is not bounded at the cutoff."""
    return {id(s): Restriction(time_column="ts", time_type=s.types.get("ts", ""))
            for s in a.scans if s.column("ts") and not s.bounded}


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    policy = Policy().updated(POLICY, "bench")
    cases = load_cases()
    con = duckdb.connect()
    fill(con, args.rows)
    schema = DuckSchema(con)
    analysis_t: list[float] = []
    rewrite_t: list[float] = []
    rewrite_cpu: list[float] = []
    first_rewrite: dict[str, float] = {}
    duck_t: list[float] = []
    for case in cases:
        analyse(case.sql, case.dialect, policy, schema)  # warm sqlglot's caches once per shape
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            a = analyse(case.sql, case.dialect, policy, schema)
            analysis_t.append(time.perf_counter() - t0)
        a = analyse(case.sql, case.dialect, policy, schema)
        if a.kind == "query" and restrictions(a):
            for _ in range(args.repeat):  # not warmed: the first rewrite in each dialect is among the samples
                b = analyse(case.sql, case.dialect, policy, schema)
                plan = restrictions(b)
                t0, c0 = time.perf_counter(), time.thread_time()
                restrict(b, plan, policy)
                rewrite_t.append(time.perf_counter() - t0)
                rewrite_cpu.append(time.thread_time() - c0)
                first_rewrite.setdefault(case.dialect, rewrite_t[-1])
        if case.dialect == "duckdb" and a.kind == "query":
            try:
                for _ in range(3):
                    t0 = time.perf_counter()
                    con.sql(case.sql).fetchall()
                    duck_t.append(time.perf_counter() - t0)
            except duckdb.Error:
                pass
    p50, p99 = ms(analysis_t, 0.5), ms(analysis_t, 0.99)
    r50, r99 = ms(rewrite_t, 0.5), ms(rewrite_t, 0.99)
    d50 = ms(duck_t, 0.5)
    print(f"fixture queries: {len(cases)} ({args.repeat} runs each); DuckDB table: {args.rows:,} rows")
    print(f"analysis       p50 {p50:7.3f} ms   p99 {p99:7.3f} ms   (budget: p50 < 5 ms, p99 < 50 ms)")
    print(f"rewrite        p50 {r50:7.3f} ms   p99 {r99:7.3f} ms   (budget: < 1 ms; "
          f"CPU time p50 {ms(rewrite_cpu, 0.5):.3f} ms, p99 {ms(rewrite_cpu, 0.99):.3f} ms; {len(rewrite_t)} rewrites)")
    firsts = ", ".join(f"{d} {v * 1e3:.2f}" for d, v in first_rewrite.items())
    print(f"first rewrite in each dialect (sqlglot sets up its generator once per process): {firsts} ms")
    print(f"DuckDB itself  p50 {d50:7.3f} ms   mean {statistics.mean(duck_t) * 1e3:7.3f} ms")
    print(f"overhead ratio analysis/DuckDB p50: {p50 / d50:.3f}; (analysis+rewrite)/DuckDB p50: {(p50 + r50) / d50:.3f}")

if __name__ == "__main__":
    main()
