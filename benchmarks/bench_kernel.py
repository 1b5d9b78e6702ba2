"""Kernel engine benchmark: leakguard's cost per cell, on pandas/sklearn work, and its own memory.

Two worker processes each drive a real IPython ``InteractiveShell`` with cells given as
strings: one plain, one with ``%load_ext leakguard``, both set up the same way (the same
1M-row frame read from parquet, the same policy). Samples alternate between them one run
at a time (plain, leakguard, leakguard, plain, ...), so drift and the load of other
processes fall on both alike; every figure is a median. Then, in this process, 200 cells
that read, derive, inspect and split the frame run under tracemalloc to measure the
memory leakguard keeps, and a weak-reference check shows that no frame outlives its names.

    python benchmarks/bench_kernel.py           # the figures of docs/benchmarks.md (see there)
    python benchmarks/bench_kernel.py --quick   # a smoke run on a 100k-row frame, few samples
    python benchmarks/bench_kernel.py --inference  # no policy declared; a third worker with inference off

Exit status 1 when a target fails.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import dis
import gc
import io
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
import types
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from IPython.core.interactiveshell import InteractiveShell

LEAKGUARD_DIR = str(Path(__import__("leakguard").__file__).resolve().parent)
POLICY = 'leakguard.policy(label="churned", time="event_ts", cutoff="2024-06-01", holdout=0.2)'
LOAD_AT_START = os.getloadavg()
N_FEATURES = 17  # + event_ts, plan, churned = 20 columns
FEATURES = [f"x{i}" for i in range(N_FEATURES)]

# Cells run after (re)loading, in both conditions, before anything is timed.
SETUP = [
    "import warnings; warnings.filterwarnings('ignore')",
    "import numpy as np, pandas as pd, leakguard",
    "from sklearn.model_selection import train_test_split",
    "from sklearn.linear_model import LogisticRegression",
    "from sklearn.preprocessing import StandardScaler",
    "df = pd.read_parquet(DATA)",
    POLICY,
    f"feats = {FEATURES!r}",
    "plans = pd.DataFrame({'plan': ['a', 'b', 'c'], 'price': [10.0, 20.0, 30.0]})",
    "X = df[feats]\ny = df['churned']",
    "Xs, ys = X.iloc[:100_000], y.iloc[:100_000]",
]
TRIVIAL = "x = 1"
RESPLIT_FIT = "re-split then fit+score 100k"
RESPLIT_FIT_FULL = "re-split then fit+score, all rows"
# (label, cell): cells whose time is pandas/sklearn work on the 1M-row frame.
WORK = [
    ("filter rows", 'sub = df[df["x0"] > 0]'),
    ("assign a column", 'df2 = df.assign(r=df["x0"] * 2 + df["x1"])'),
    ("groupby mean (inspect)", 'by_plan = df.groupby("plan")["x1"].mean()'),
    ("sort_values", 'srt = df.sort_values("x2")'),
    ("merge", 'mrg = df.merge(plans, on="plan")'),
    ("corr (inspect)", "cor = df[feats].corr()"),
    ("train_test_split", "X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0)"),
    ("StandardScaler.fit_transform", "Xz = StandardScaler().fit_transform(X)"),
    ("LogisticRegression.fit 100k", "model = LogisticRegression(max_iter=100).fit(Xs, ys)"),
    (RESPLIT_FIT, "sc = LogisticRegression(max_iter=100).fit(Xtr, ytr).score(Xte, yte)"),
    (RESPLIT_FIT_FULL, "sc1 = LogisticRegression(max_iter=100).fit(Xtr1, ytr1).score(Xte1, yte1)"),
]
# An untimed cell run before each timed run of a cell: a fresh 75k/25k split of the 100k-row sample (or a
# 750k/250k split of the whole frame) before each fit+score, so the split's row facts (copies across it,
# time order) are proven anew every time.
BEFORE = {
    RESPLIT_FIT: "Xtr, Xte, ytr, yte = train_test_split(Xs, ys, test_size=0.25)",
    RESPLIT_FIT_FULL: "Xtr1, Xte1, ytr1, yte1 = train_test_split(X, y, test_size=0.25)",
}
# Cells reported for information (their pandas work is too small to dominate).
INFO = [
    ("len(df) (trivial, reads df)", "n = len(df)"),
    ("df['x0'].mean() shown (small inspect)", 'df["x0"].mean()'),
]
DESCRIBE = "df.describe()"

# The 200 memory cells cycle through these; every 25th cell re-reads the frame.
MEMORY_CELLS = [
    'sub = df[df["x0"] > 0]',
    'm = df["x1"].mean()',
    'df["r"] = df["x0"] * 2',
    'g = df.groupby("plan")["x2"].agg(["mean", "std"])',
    'd = df[["x0", "x1", "x2"]].describe()',
    "tr, te = leakguard.split(df)",
    "a = df.sample(frac=0.8, random_state=1)\nb = df.drop(a.index)",
    'vc = sub["plan"].value_counts()',
    'X_tr, X_te, y_tr, y_te = train_test_split(df[feats], df["churned"], test_size=0.2)',
    "df.head()",
    "x = 1",
    'c = df[["x3", "x4", "churned"]].corr()',
]


@dataclasses.dataclass
class Config:
    rows: int
    pairs: tuple[int, int]  # fewest and most alternating pairs per cell
    trivial_block: int
    budget: float  # seconds of timed plain runs per cell
    cap: float  # seconds of timed runs per cell, both conditions
    memory_cells: int
    quick: bool
    inference: bool = False  # no policy cell; a third worker, leakguard with inference off


class _Sink(io.TextIOBase):
    def write(self, s: str) -> int:
        return len(s)


def make_data(path: Path, rows: int) -> None:
    """A 20-column events table: time, plan, label and 17 numeric features, across the cutoff."""
    rng = np.random.default_rng(0)
    cols: dict[str, Any] = {
        "event_ts": pd.date_range("2024-01-01", "2024-09-01", periods=rows),
        "plan": rng.choice(["a", "b", "c"], rows),
        "churned": rng.integers(0, 2, rows),
    }
    for f in FEATURES:
        cols[f] = rng.normal(size=rows)
    pd.DataFrame(cols).to_parquet(path)


class Bench:
    """One shell, toggled between plain and leakguard-loaded, cells run as strings."""

    def __init__(self, data: Path, policy: bool = True, infer: bool = True) -> None:
        self.shell = InteractiveShell.instance()
        self.shell.history_manager.enabled = False  # as the tests do; a smaller plain cost is stricter
        self.data = data
        self.loaded = False
        self.policy = policy  # False: nothing declared, as in real notebooks (leakguard infers)
        self.infer = infer

    def run(self, cell: str) -> int:
        """Run one cell; its wall time in ns. A cell that raises stops the benchmark."""
        return self.timed(cell)[0]

    def timed(self, cell: str) -> tuple[int, int]:
        """Run one cell; its wall time and the CPU time of this process (all threads) in ns."""
        cpu = time.process_time_ns()
        start = time.perf_counter_ns()
        result = self.shell.run_cell(cell, store_history=True)
        elapsed = time.perf_counter_ns() - start
        cpu = time.process_time_ns() - cpu
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            raise RuntimeError(f"benchmark cell failed: {cell!r}: {error!r}")
        return elapsed, cpu

    def switch(self, leakguard: bool) -> None:
        """Fresh user namespace, leakguard loaded or not, the setup cells run."""
        if self.loaded:
            self.run("%unload_ext leakguard")
            self.loaded = False
        self.shell.reset(new_session=False)
        gc.collect()
        if leakguard:
            self.run("%load_ext leakguard")
            self.loaded = True
            if not self.infer:
                self.run("%leakguard policy infer=off")
        self.shell.user_ns["DATA"] = str(self.data)
        for cell in SETUP:
            if cell != POLICY or self.policy:
                self.run(cell)
        gc.collect()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Cell output (describe tables, leakguard's findings) is rendered but not printed."""
    with contextlib.redirect_stdout(_Sink()), contextlib.redirect_stderr(_Sink()):
        yield


# -- timing --------------------------------------------------------------------------------


def worker(conn: Any, leakguard: bool, data: str, policy: bool = True, infer: bool = True) -> None:
    """A shell of its own, plain or with leakguard, that runs the cells it is sent and replies with their times."""
    home = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp, quiet():
        os.chdir(tmp)  # no policy file of the current folder reaches the session
        try:
            bench = Bench(Path(data), policy, infer)
            bench.switch(leakguard)
            conn.send("ready")
            while (msg := conn.recv()) is not None:
                cell, n, before = msg
                try:
                    times = []
                    for _ in range(n):
                        if before is not None:
                            bench.run(before)  # untimed
                        times.append(bench.timed(cell))
                    conn.send(times)
                except Exception as exc:
                    conn.send(repr(exc))
        finally:
            os.chdir(home)


PLAIN, LG, OFF = "plain", "leakguard", "leakguard, inference off"


class Workers:
    """The plain and the leakguard worker (and with ``inference``, leakguard with inference off, no policy declared
    in any of them); ``run`` times a cell in one of them."""

    def __init__(self, data: Path, inference: bool = False) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conns = {}
        self.procs = []
        self.conditions = (PLAIN, LG, OFF) if inference else (PLAIN, LG)
        for cond in self.conditions:
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=worker, args=(child, cond != PLAIN, str(data), not inference, cond != OFF),
                               daemon=True)
            proc.start()
            self.conns[cond] = parent
            self.procs.append(proc)
        for conn in self.conns.values():
            if conn.recv() != "ready":
                raise RuntimeError("a benchmark worker did not start")

    def run(self, cond: str, cell: str, n: int = 1, before: str | None = None) -> list[tuple[int, int]]:
        """``n`` timed runs of ``cell``, each after an untimed run of ``before`` (when given)."""
        conn = self.conns[cond]
        conn.send((cell, n, before))
        reply = conn.recv()
        if isinstance(reply, str):
            raise RuntimeError(f"benchmark cell failed ({cond}): {cell!r}: {reply}")
        return list(reply)

    def close(self) -> None:
        for conn in self.conns.values():
            conn.send(None)
        for proc in self.procs:
            proc.join(timeout=30)


@dataclasses.dataclass
class Samples:
    """Wall times (ns) of one cell per condition, in the order they alternated; CPU times alike."""

    plain: list[int] = dataclasses.field(default_factory=list)
    lg: list[int] = dataclasses.field(default_factory=list)
    plain_cpu: list[int] = dataclasses.field(default_factory=list)
    lg_cpu: list[int] = dataclasses.field(default_factory=list)
    off: list[int] = dataclasses.field(default_factory=list)  # leakguard with inference off (``--inference``)
    off_cpu: list[int] = dataclasses.field(default_factory=list)

    def add(self, cond: str, runs: list[tuple[int, int]]) -> None:
        wall, cpu = {PLAIN: (self.plain, self.plain_cpu), LG: (self.lg, self.lg_cpu), OFF: (self.off, self.off_cpu)}[cond]
        wall.extend(w for w, _ in runs)
        cpu.extend(c for _, c in runs)


def timing(workers: Workers, cfg: Config) -> dict[str, Samples]:
    """Each cell: two untimed runs per worker, then pairs of runs alternating plain/lg, lg/plain, ...

    The number of pairs fits ``cfg.budget`` seconds of plain runs by the plain warm-up time,
    within ``cfg.pairs``, so quick cells get the samples their noise needs; a cell whose two
    runs take over ``cfg.cap`` / 3 seconds gets 3 pairs. The trivial cell runs in blocks of
    ``cfg.trivial_block`` cells, blocks alternating. With a third condition (inference off) the
    order of the three rotates the same way.
    """
    samples: dict[str, Samples] = {}
    for label, cell in [("trivial", TRIVIAL), *WORK, *INFO, ("describe", DESCRIBE)]:
        s = samples[label] = Samples()
        block = cfg.trivial_block if cell == TRIVIAL else 1
        before = BEFORE.get(label)
        conds = workers.conditions
        warm = {c: min(w for w, _ in workers.run(c, cell, 2, before)) * block / 1e9 for c in conds}
        low, high = cfg.pairs
        pairs = high if cell == TRIVIAL else max(low, min(high, round(cfg.budget / max(warm[PLAIN], 1e-6))))
        pairs = max(min(pairs, int(cfg.cap / sum(warm.values()))), 3)
        for i in range(pairs):
            for c in (conds if i % 2 == 0 else conds[::-1]):
                s.add(c, workers.run(c, cell, block, before))
        print(f"  {label}: {pairs} pairs", file=sys.__stderr__, flush=True)
    return samples


def med(xs: list[int]) -> float:
    return statistics.median(xs) / 1e6


def spread(xs: list[int]) -> float:
    """Half the interquartile range relative to the median: the noise a ratio is read against."""
    if len(xs) < 4:
        return float("nan")
    q = statistics.quantiles(xs, n=4)
    return (q[2] - q[0]) / 2 / statistics.median(xs)


# -- memory --------------------------------------------------------------------------------


def _original_call_lines() -> set[int]:
    """Lines of the catalog wrapper that call the wrapped original, read from its bytecode.

    Bytecode, not the file: the file may have been edited since the process imported it.
    """
    from leakguard.kernel import handlers

    inner = [c for c in handlers.make_wrapper.__code__.co_consts
             if isinstance(c, types.CodeType) and c.co_name == "wrapper"]
    lines = {ins.positions.lineno for c in inner for ins in dis.get_instructions(c)
             if ins.argval == "original" and ins.positions is not None and ins.positions.lineno is not None}
    if not lines:
        raise RuntimeError("cannot find where handlers.make_wrapper calls the original: update owner()")
    return lines


def _in_leakguard(filename: str) -> bool:
    return filename.startswith(LEAKGUARD_DIR + os.sep)


def owner(tb: tracemalloc.Traceback, call_lines: set[int]) -> str:
    """Whose memory an allocation is: ``leakguard``, ``via-library``, ``user`` or ``unknown``.

    leakguard's when the innermost leakguard frame is leakguard's own work: ``leakguard`` when
    leakguard's code allocated it, ``via-library`` when pandas/numpy did, on leakguard's behalf
    (arrays, or caches pandas keeps on the user's objects because leakguard asked). The
    user's when there is no leakguard frame, or the innermost one is a wrapper calling the
    user's original (``original(...)``: a read_parquet result is the user's frame), or the
    public ``leakguard.split`` producing the user's parts (through its traceback wrapper). ``unknown``: traceback cut short.
    """
    lg = [f for f in reversed(tb) if _in_leakguard(f.filename)]  # innermost first
    if not lg:
        return "unknown" if tb.total_nframe > len(tb) else "user"
    inner = lg[0]
    if inner.filename == os.path.join(LEAKGUARD_DIR, "kernel", "handlers.py") and inner.lineno in call_lines:
        return "user"
    # leakguard.split (``__init__.py``, behind the ``tracebacks.user_facing`` wrapper) making the user's parts
    public = {os.path.join(LEAKGUARD_DIR, name) for name in ("splitting.py", "__init__.py", "tracebacks.py")}
    if all(f.filename in public for f in lg) and any(f.filename.endswith("__init__.py") for f in lg):
        return "user"
    site = tb[-1].filename
    return "via-library" if f"{os.sep}pandas{os.sep}" in site or f"{os.sep}numpy{os.sep}" in site else "leakguard"


def leakguard_bytes(snapshot: tracemalloc.Snapshot) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """Live bytes by owner, and leakguard's largest allocation sites."""
    totals = {"leakguard": 0, "via-library": 0, "user": 0, "unknown": 0}
    sites: dict[str, int] = {}
    call_lines = _original_call_lines()
    for trace in snapshot.traces:
        who = owner(trace.traceback, call_lines)
        totals[who] += trace.size
        if who in ("leakguard", "via-library"):
            f = next(f for f in reversed(trace.traceback) if _in_leakguard(f.filename))
            key = f"{os.path.relpath(f.filename, LEAKGUARD_DIR)}:{f.lineno}"
            sites[key] = sites.get(key, 0) + trace.size
    return totals, sorted(sites.items(), key=lambda kv: -kv[1])[:6]


_OPAQUE = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
           types.CodeType, types.FrameType, weakref.ref)
_DATA = (pd.DataFrame, pd.Series, pd.Index, np.ndarray)


def reachable(roots: list[Any], exclude: list[Any]) -> tuple[int, list[str]]:
    """Bytes of everything reachable from ``roots`` (not through functions, types or modules) and any user data among it."""
    seen = {id(x) for x in exclude}
    stack = list(roots)
    total = 0
    data: list[str] = []
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _OPAQUE):
            continue
        seen.add(id(obj))
        if isinstance(obj, _DATA):
            data.append(type(obj).__name__)
            continue
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total, data


def memory(bench: Bench, cfg: Config) -> dict[str, Any]:
    """200 cells over the frame under tracemalloc; then every frame must die with its names."""
    bench.switch(False)
    tracemalloc.start(64)
    bench.run("%load_ext leakguard")
    bench.loaded = True
    for cell in SETUP:
        bench.run(cell)
    from leakguard.kernel.extension import loaded

    state = loaded()
    assert state is not None
    session = state.session
    watched: list[weakref.ref[Any]] = []
    seen_nodes: set[str] = set()

    def watch(result: Any) -> None:  # after every cell: a weak reference to each object leakguard tracks
        for nid in list(session.graph.nodes):
            if nid in seen_nodes:
                continue
            seen_nodes.add(nid)
            obj = session.tracker.object_of(nid)
            if obj is not None:
                watched.append(weakref.ref(obj))

    bench.shell.events.register("post_run_cell", watch)
    gc.collect()
    base, _ = leakguard_bytes(tracemalloc.take_snapshot())
    start = time.perf_counter()
    for i in range(cfg.memory_cells):
        bench.run("df = pd.read_parquet(DATA)" if i % 25 == 24 else MEMORY_CELLS[i % len(MEMORY_CELLS)])
    elapsed = time.perf_counter() - start
    gc.collect()
    after, sites = leakguard_bytes(tracemalloc.take_snapshot())
    tracemalloc.stop()
    size, data = reachable([session, state.patcher, state.scanner], [bench.shell, bench.shell.user_ns])
    frames_watched = sum(1 for r in watched if isinstance(r(), (pd.DataFrame, pd.Series)))
    tracked = len(session.tracker)
    # the user deletes every name and clears the output cache
    bench.run("%reset -f")
    bench.shell.events.unregister("post_run_cell", watch)
    gc.collect()
    alive = [type(o).__name__ for o in (r() for r in watched) if o is not None]
    result = {
        "load": LOAD_AT_START,
        "cells": cfg.memory_cells, "seconds": elapsed, "base": base, "after": after, "sites": sites,
        "reachable": size, "reachable_data": data, "nodes": len(session.graph.nodes),
        "events": len(session.graph.events), "tracker": tracked, "findings": len(session.findings),
        "watched": len(watched), "frames_watched": frames_watched, "alive": alive,
    }
    bench.run("%unload_ext leakguard")
    bench.loaded = False
    return result


# -- report --------------------------------------------------------------------------------


NOISY = 0.10


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _print_table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """The rows under ``head``, in columns (names and verdicts left-aligned, figures right-aligned)."""
    widths = [max(len(r[i]) for r in (*rows, head)) for i in range(len(head))]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    for r in rows:
        print("  ".join(c.ljust(w) if i in (0, 8, 9) else c.rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths, strict=True))))


def _row(label: str, base: tuple[list[int], list[int]], lg: tuple[list[int], list[int]], target: str,
         ok: bool | None, added: bool) -> tuple[str, ...]:
    """One table row: leakguard's wall and CPU times against a baseline's (plain, or inference off)."""
    p, q = med(base[0]), med(lg[0])
    extra = f"{(q - p) * 1000:+.0f} µs" if added else f"{q / p:.3f}×"
    paired = f"{statistics.median(a / b for a, b in zip(lg[0], base[0], strict=True)):.3f}×"
    cpu = f"{statistics.median(lg[1]) / max(statistics.median(base[1]), 1):.3f}×"
    noise = spread(base[0])
    shown = "info" if ok is None else verdict(ok) + ("*" if noise > NOISY else "")
    return (label, str(len(base[0])), f"{p:.3f}", f"{q:.3f}", extra, paired, cpu, f"±{noise * 100:.1f}%", target, shown)


def report(samples: dict[str, Samples], mem: dict[str, Any], cfg: Config, seconds: float) -> bool:
    """Print the table and the memory figures; True when every target passes."""
    ok_all = True
    rows: list[tuple[str, ...]] = []

    def line(label: str, s: Samples, target: str, ok: bool | None, added: bool = False) -> None:
        nonlocal ok_all
        if ok is not None:
            ok_all &= ok
        rows.append(_row(label, (s.plain, s.plain_cpu), (s.lg, s.lg_cpu), target, ok, added))

    triv = samples["trivial"]
    added = med(triv.lg) - med(triv.plain)
    line("trivial cell `x = 1`", triv, "lg < 1 ms", med(triv.lg) < 1.0, added=True)
    for label, _ in WORK:
        s = samples[label]
        line(label, s, "≤ 1.05×", med(s.lg) / med(s.plain) <= 1.05)
    work_plain = sum(med(samples[label].plain) for label, _ in WORK)
    work_lg = sum(med(samples[label].lg) for label, _ in WORK)
    ok = work_lg / work_plain <= 1.05
    ok_all &= ok
    cpu_plain = sum(statistics.median(samples[label].plain_cpu) for label, _ in WORK)
    cpu_lg = sum(statistics.median(samples[label].lg_cpu) for label, _ in WORK)
    rows.append(("all pandas/sklearn cells (sum)", "", f"{work_plain:.1f}", f"{work_lg:.1f}",
                 f"{work_lg / work_plain:.3f}×", "", f"{cpu_lg / cpu_plain:.3f}×", "", "≤ 1.05×", verdict(ok)))
    s = samples["describe"]
    line(f"describe() {cfg.rows:,}×20, warn", s, "≤ 1.10×", med(s.lg) / med(s.plain) <= 1.10)
    for label, _ in INFO:
        line(label, samples[label], "", None, added=True)

    head = ("figure", "n", "plain ms", "leakguard ms", "ratio", "paired", "cpu", "noise", "target", "")
    _print_table(head, rows)
    print(f"\nfixed cost: plain shell {med(triv.plain) * 1000:.0f} µs/cell, leakguard adds {added * 1000:.0f} µs "
          f"(median of {len(triv.plain)} cells per condition).")
    print("n = samples per condition; ratio = leakguard median / plain median (the verdict); paired = median of the\n"
          "ratios of adjacent runs; cpu = ratio of the median CPU times of the worker processes (all threads), which\n"
          "waiting for a core that other processes hold does not inflate; noise = half the interquartile range of\n"
          f"the plain runs; * noise over {NOISY:.0%}: the verdict is as measured, re-run on a quiet machine to trust it.")

    if triv.off:
        ok_all &= report_inference(samples)

    mb = 1024 * 1024
    after, base = mem["after"], mem["base"]
    own, via = after["leakguard"], after["via-library"]
    total = own + via
    grew = total - base["leakguard"] - base["via-library"]
    ok_mem = total < 20 * mb
    ok_alive = not mem["alive"] and not mem["reachable_data"]
    ok_all &= ok_mem and ok_alive
    print(f"\nmemory after {mem['cells']} cells over a {cfg.rows:,}-row frame ({mem['seconds']:.0f} s under tracemalloc):")
    print(f"  leakguard's live allocations     {total / mb:7.2f} MB (grew {grew / mb:.2f} MB)   target < 20 MB   "
          f"{verdict(ok_mem)}")
    print(f"    by leakguard's code            {own / mb:7.2f} MB")
    print(f"    by pandas/numpy for leakguard  {via / mb:7.2f} MB (e.g. index hash tables cached on the user's frames)")
    print(f"  reachable from leakguard's state {mem['reachable'] / mb:7.2f} MB; user data among it: "
          f"{mem['reachable_data'] or 'none'}")
    print(f"  the user's data (not counted)    {after['user'] / mb:7.2f} MB; unattributed {after['unknown'] / mb:.2f} MB")
    print(f"  graph: {mem['nodes']} nodes, {mem['events']} events, {mem['findings']} findings; "
          f"tracker: {mem['tracker']} live objects")
    print("  largest sites: " + ", ".join(f"{k} {v / 1024:.0f} KB" for k, v in mem["sites"][:4]))
    print(f"  weak references: {mem['watched']} objects leakguard tracked ({mem['frames_watched']} frames/series "
          f"live at the end); after %reset -f and gc, alive: {len(mem['alive'])} "
          f"{mem['alive'][:5] if mem['alive'] else ''}  {verdict(ok_alive)}")
    print(f"\n{'PASS' if ok_all else 'FAIL'}: all targets; {seconds:.0f} s total; load average "
          f"{mem['load'][0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; "
          f"{platform.python_implementation()} {platform.python_version()}, pandas {pd.__version__}, "
          f"{os.cpu_count()} cores{'; QUICK MODE (smoke only, not the targets conditions)' if cfg.quick else ''}")
    return ok_all


def report_inference(samples: dict[str, Samples]) -> bool:
    """The cost of inference itself: leakguard with inference on against off, same run (issue 15); True when met."""
    rows: list[tuple[str, ...]] = []
    ok_all = True

    def line(label: str, s: Samples, target: str, ok: bool | None, added: bool = False) -> None:
        nonlocal ok_all
        if ok is not None:
            ok_all &= ok
        rows.append(_row(label, (s.off, s.off_cpu), (s.lg, s.lg_cpu), target, ok, added))

    line("trivial cell `x = 1`", samples["trivial"], "", None, added=True)
    for label, _ in WORK:
        s = samples[label]
        line(label, s, "≤ 1.05×", med(s.lg) / med(s.off) <= 1.05)
    off = sum(med(samples[label].off) for label, _ in WORK)
    on = sum(med(samples[label].lg) for label, _ in WORK)
    ok = on / off <= 1.05
    ok_all &= ok
    rows.append(("all pandas/sklearn cells (sum)", "", f"{off:.1f}", f"{on:.1f}", f"{on / off:.3f}×", "", "", "",
                 "≤ 1.05×", verdict(ok)))
    s = samples["describe"]
    line("describe()", s, "", None)
    for label, _ in INFO:
        line(label, samples[label], "", None, added=True)
    head = ("inference (no policy declared)", "n", "off ms", "on ms", "ratio", "paired", "cpu", "noise", "target", "")
    _print_table(head, rows)
    print("off = leakguard with `%leakguard policy infer=off`, on = leakguard as installed (inference on); neither\n"
          "worker declares a policy, so on infers the label, the holdout and the time order as real notebooks need.")
    return ok_all


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run on a 100k-row frame, few repeats")
    ap.add_argument("--rows", type=int, help="rows of the frame (default 1,000,000; 100,000 with --quick)")
    ap.add_argument("--budget", type=float, help="seconds of timed runs per cell and condition (default 1.5)")
    ap.add_argument("--inference", action="store_true",
                    help="declare no policy (as real notebooks) and time a third worker, leakguard with inference "
                         "off: the cost of inference itself (issue 15)")
    args = ap.parse_args(argv)
    quick = args.quick
    cfg = Config(rows=args.rows or (100_000 if quick else 1_000_000), pairs=(2, 5) if quick else (10, 30),
                 trivial_block=100, budget=args.budget or (0.1 if quick else 1.5), cap=5 if quick else 20, memory_cells=200, quick=quick,
                 inference=args.inference)
    started = time.perf_counter()
    home = os.getcwd()
    print(f"leakguard from {LEAKGUARD_DIR}", file=sys.__stderr__, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "events.parquet"
        make_data(data, cfg.rows)
        print(f"timing on {cfg.rows:,} rows...", file=sys.__stderr__, flush=True)
        workers = Workers(data, cfg.inference)
        try:
            samples = timing(workers, cfg)
        finally:
            workers.close()
        os.chdir(tmp)  # no policy file of the current folder reaches the session
        try:
            print(f"memory: {cfg.memory_cells} cells under tracemalloc...", file=sys.__stderr__, flush=True)
            with quiet():
                mem = memory(Bench(data), cfg)
        finally:
            os.chdir(home)
    return 0 if report(samples, mem, cfg, time.perf_counter() - started) else 1


if __name__ == "__main__":
    raise SystemExit(main())

