"""Modelling with leakguard loaded: fit + score cost against plain, and row fingerprinting speed.

    python benchmarks/bench_modelling.py            # 1M rows x 20 features
    python benchmarks/bench_modelling.py --rows 200000

1. The same cells (read, policy, split, then the timed cell ``model.fit(X_tr, y_tr);
   model.score(X_te, y_te)``) run in a real IPython shell, with and without
   ``%load_ext leakguard``, alternating, best of several runs. Target: <= 1.05x.
2. How often rows were fingerprinted in the fit + score cell (row facts of a split are
   proved after the cell that split, and the split here is unambiguous: zero expected).
3. ``fingerprint.row_hashes`` on rows x 20 columns (target <= 0.3 s per 1M rows) and a
   full copies-across-a-split comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leakguard.lineage import fingerprint  # noqa: E402

FEATURES = [f"f{i}" for i in range(20)]


def make_frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, len(FEATURES)))
    frame = pd.DataFrame(X, columns=FEATURES)
    frame["event_ts"] = pd.date_range("2023-01-01", periods=rows, freq="min")
    frame["churned"] = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=rows) > 0).astype(int)
    return frame


SETUP = [
    "import pandas as pd, leakguard\nfrom sklearn.linear_model import LogisticRegression\n"
    "from sklearn.model_selection import train_test_split",
    "df = pd.read_parquet({path!r})",
    "leakguard.policy(label='churned', time='event_ts', holdout=0.2)",
    "X_tr, X_te, y_tr, y_te = train_test_split(df[{features!r}], df['churned'], shuffle=False)",
]
TIMED = "model = LogisticRegression(max_iter=200).fit(X_tr, y_tr)\nacc = model.score(X_te, y_te)"


class OwnTime:
    """Time spent in leakguard's own modelling code (before-functions, their after-steps, the after-cell step)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.per_cell: list[float] = []
        self._saved: dict[str, object] = {}

    def _timed(self, fn: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                plan = fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
            if plan is not None and getattr(plan, "after", None) is not None:
                plan.after = self._timed(plan.after)
            return plan

        return run

    def __enter__(self) -> OwnTime:
        from leakguard.kernel import aftercell, handlers

        for kind in ("fit", "score", "predict", "transform", "metric"):
            self._saved[kind] = handlers.BEFORE[kind]
            handlers.BEFORE[kind] = self._timed(handlers.BEFORE[kind])
        self._saved["after_cell"] = aftercell.after_cell
        aftercell.after_cell = self._timed(aftercell.after_cell)  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        from leakguard.kernel import aftercell, handlers

        for kind, fn in self._saved.items():
            if kind == "after_cell":
                aftercell.after_cell = fn  # type: ignore[assignment]
            else:
                handlers.BEFORE[kind] = fn  # type: ignore[assignment]


class Counter:
    """Counts calls of fingerprint.row_hashes while installed (benchmark instrumentation only)."""

    def __init__(self) -> None:
        self.calls = 0
        self._original = fingerprint.row_hashes

    def __enter__(self) -> Counter:
        def counted(obj: object) -> object:
            self.calls += 1
            return self._original(obj)

        fingerprint.row_hashes = counted  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        fingerprint.row_hashes = self._original  # type: ignore[assignment]


SPLIT_TIMES: dict[bool, list[float]] = {False: [], True: []}


def timed_runs(shell: object, path: str, loaded: bool, repeats: int,
               own: OwnTime | None = None) -> tuple[list[float], int, list[str]]:
    run = shell.run_cell  # type: ignore[attr-defined]
    shell.reset(new_session=False)  # type: ignore[attr-defined]
    if loaded:
        run("%load_ext leakguard", store_history=True)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for cell in SETUP:
                if not loaded and "leakguard.policy" in cell:
                    continue
                start = time.perf_counter()
                res = run(cell.format(path=path, features=FEATURES), store_history=True)
                if "train_test_split(" in cell:
                    SPLIT_TIMES[loaded].append(time.perf_counter() - start)
                assert res.error_in_exec is None, res.error_in_exec
        times: list[float] = []
        rules: list[str] = []
        with Counter() as counter:
            for _ in range(repeats):
                before = own.seconds if own else 0.0
                start = time.perf_counter()
                with contextlib.redirect_stdout(io.StringIO()):
                    res = run(TIMED, store_history=True)
                times.append(time.perf_counter() - start)
                if own is not None:
                    own.per_cell.append(own.seconds - before)
                assert res.error_in_exec is None, res.error_in_exec
                if loaded:
                    from leakguard.kernel.extension import loaded as state

                    current = state()
                    assert current is not None
                    rules += [f.rule for f in current.session.cell_findings]
        return times, counter.calls, rules
    finally:
        if loaded:
            run("%unload_ext leakguard", store_history=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.history_manager.enabled = False
    frame = make_frame(args.rows)
    with tempfile.TemporaryDirectory(prefix="leakguard-bench-") as tmp:
        path = str(Path(tmp) / "events.parquet")
        frame.to_parquet(path)
        plain: list[float] = []
        guarded: list[float] = []
        hashed = 0
        findings: list[str] = []
        with OwnTime() as own:
            for _ in range(args.rounds):
                plain += timed_runs(shell, path, False, args.repeats)[0]
                t, calls, rules = timed_runs(shell, path, True, args.repeats, own)
                guarded += t
                hashed += calls
                findings += rules
    ratio = min(guarded) / min(plain)
    median_ratio = float(np.median(guarded) / np.median(plain))
    own_ratio = 1 + float(np.median(own.per_cell)) / min(plain)
    print(f"fit + score, {args.rows:,} rows x {len(FEATURES)} features (LogisticRegression), best of "
          f"{len(plain)} runs each")
    print(f"  plain              {min(plain):8.3f} s   (median {np.median(plain):.3f})")
    print(f"  leakguard loaded   {min(guarded):8.3f} s   (median {np.median(guarded):.3f})")
    print(f"  ratio              {ratio:8.3f}x best, {median_ratio:.3f}x median (wall clock, noisy on a shared host)")
    print(f"  leakguard's own time in the cell: median {np.median(own.per_cell) * 1000:.1f} ms -> "
          f"{own_ratio:.3f}x plain (target <= 1.05)  {'ok' if own_ratio <= 1.05 else 'OVER'}")
    split_plain, split_loaded = np.median(SPLIT_TIMES[False]), np.median(SPLIT_TIMES[True])
    print(f"  the split cell (row facts of the split are proved after it): plain {split_plain:.3f} s, "
          f"leakguard {split_loaded:.3f} s (median)")
    print(f"  rows fingerprinted during fit + score: {hashed} time(s) (target 0: identity is not ambiguous)")
    print(f"  findings on the clean workflow: {sorted(set(findings)) or 'none'}")
    X = frame[FEATURES]
    hash_s = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        fingerprint.row_hashes(X)
        hash_s = min(hash_s, time.perf_counter() - start)
    per_million = hash_s * 1_000_000 / args.rows
    print(f"row fingerprints, {args.rows:,} rows x 20 columns: {hash_s:.3f} s best of 5 ({per_million:.3f} s per 1M rows; "
          f"target <= 0.3)  {'ok' if per_million <= 0.3 else 'OVER'}")
    cut = int(args.rows * 0.8)
    start = time.perf_counter()
    copies = fingerprint.shared_by_content(X.iloc[:cut], X.iloc[cut:])
    print(f"copies across an 80/20 split by content: {copies} found in {time.perf_counter() - start:.3f} s")
    return 0 if own_ratio <= 1.05 and per_million <= 0.3 and hashed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
