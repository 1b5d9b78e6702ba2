"""Fuzz-style parity: a few hundred generated cells give the same results with leakguard as without.

The cells (seeded, so every run generates the same ones) mix pandas operations, numpy,
inspections, splits, fits and errors raised by user code or by the libraries. They run
once in a real IPython shell with leakguard loaded in warn mode and a policy set, then,
after ``%unload_ext leakguard``, once more from a reset namespace. Each cell must produce
the same value, or raise the same exception type with the same message. ``%unload_ext``
must put back every API leakguard wrapped: the very same objects.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from leakguard.kernel.extension import loaded
from leakguard.kernel.patching import Patcher
from leakguard.libraries.api import resolve
from leakguard.libraries.registry import all_entries
from tests.conftest import Kernel

SEED = 13
EPISODES = 3
CELLS_PER_EPISODE = 100
TIME_BUDGET_S = 30.0  # CPU seconds for both runs of every cell

SETUP = """\
import numpy as np, pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.preprocessing import StandardScaler
rng = np.random.default_rng({seed})
n = {n}
df = pd.DataFrame({{
    "plan": rng.choice(["a", "b", "c"], n),
    "x": rng.normal(size=n),
    "z": rng.normal(size=n).round(2),
    "k": rng.integers(0, 5, n),
    "y": rng.integers(0, 2, n),
}})
df.loc[rng.choice(n, 3, replace=False), "z"] = np.nan
X, y = df[["x", "k"]], df["y"]
def boom(s):
    raise ValueError(f"user says no to {{s.name}}")
"""

Template = Callable[[random.Random], str]


def _q(r: random.Random) -> float:
    """A quantile, sometimes outside [0, 1] (pandas then raises)."""
    return r.choice([0.1, 0.25, 0.5, 0.9, 1.5, -0.2])


TEMPLATES: list[Template] = [
    # pandas operations
    lambda r: f"df.assign(w=df.x * {r.randint(1, 9)}).w.round(6).tolist()",
    lambda r: f"df[df.x > {r.uniform(-1, 1):.2f}].shape",
    lambda r: f"df.sort_values('x').head({r.randint(1, 8)})",
    lambda r: f"df.z.fillna({r.randint(0, 3)}).sum().round(6)",
    lambda r: "df.merge(df.groupby('plan', as_index=False).x.size(), on='plan').shape",
    lambda r: f"pd.concat([df.head({r.randint(1, 5)}), df.tail({r.randint(1, 5)})]).index.tolist()",
    lambda r: f"df['w{r.randint(0, 3)}'] = df.k * {r.randint(2, 5)}\nsorted(df.columns)",
    lambda r: f"df.iloc[{r.randint(0, 20)}:{r.randint(21, 40)}].k.tolist()",
    # inspections (wrapped), nested ones, and plain ones
    lambda r: "df.describe()",
    lambda r: f"df.x.quantile({_q(r)})",
    lambda r: f"df[['x', 'z']].agg(lambda s: s.quantile({_q(r)}))",
    lambda r: "df.mean(numeric_only=True)",
    lambda r: f"df.groupby('plan').{r.choice(['x', 'z', 'y'])}.{r.choice(['mean', 'max', 'count', 'std'])}()",
    lambda r: "df.corr(numeric_only=True).round(6)",
    lambda r: "df.plan.value_counts()",
    lambda r: "pd.crosstab(df.plan, df.y)",
    lambda r: f"df.pivot_table(index='plan', columns='y', values='x', aggfunc='{r.choice(['mean', 'sum'])}')",
    lambda r: "df.y.mean()",
    lambda r: f"df.describe(percentiles=[{_q(r)}])",
    lambda r: "df.nunique()",
    # numpy
    lambda r: f"np.percentile(df.x.to_numpy(), {r.randint(0, 100)})",
    lambda r: "np.corrcoef(df.x, df.k)",
    lambda r: f"np.where(df.x.to_numpy() > {r.uniform(-1, 1):.2f}, 1, 0).sum()",
    lambda r: f"np.linalg.inv(np.{r.choice(['eye', 'zeros'])}(2))",
    # splits
    lambda r: f"train, test = train_test_split(df, test_size={r.choice([0.2, 0.3, 0.5, 1.5])}, "
              f"random_state={r.randint(0, 99)})\n(len(train), len(test))",
    lambda r: f"X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state={r.randint(0, 99)})\n"
              f"(X_tr.index.tolist()[:5], y_te.sum())",
    # fits
    lambda r: "LinearRegression().fit(X, df.x * 2 + 1).coef_.round(6)",
    lambda r: f"LogisticRegression(max_iter=200).fit(X.iloc[:{r.randint(30, 60)}], y.iloc[:{r.randint(30, 60)}])"
              f".predict(X.tail(5))",
    lambda r: "StandardScaler().fit_transform(df[['x', 'k']]).round(6)",
    lambda r: "StandardScaler().fit(df[['x', 'plan']])",
    lambda r: f"m = LogisticRegression(max_iter=200).fit(df[['x', 'k']], df.y)\nm.score(df[['x', 'k']].head({r.randint(5, 20)}), df.y.head({r.randint(5, 20)}))",
    # errors raised by user code, inside wrapped calls and outside
    lambda r: "df[['x']].agg(boom)",
    lambda r: "df.groupby('plan').x.agg(boom)",
    lambda r: f"df['nope{r.randint(0, 9)}']",
    lambda r: f"1 / {r.choice([0, 2])}",
    lambda r: f"float(df.x.quantile({_q(r)})) / {r.choice([0, 1])}",
    lambda r: "raise KeyError('mine')",
    lambda r: "pd.read_csv('no-such-file.csv')",
]


def _episodes() -> list[tuple[str, list[str]]]:
    r = random.Random(SEED)
    episodes = []
    for _ in range(EPISODES):
        setup = SETUP.format(seed=r.randint(0, 10_000), n=r.randint(60, 200))
        episodes.append((setup, [r.choice(TEMPLATES)(r) for _ in range(CELLS_PER_EPISODE)]))
    return episodes


Outcome = tuple[str, Any]


def _run(kernel: Kernel, cell: str) -> Outcome:
    result = kernel.shell.run_cell(cell, store_history=True)
    error = result.error_in_exec or result.error_before_exec
    if error is not None:
        return ("error", (type(error), str(error)))
    return ("value", result.result)


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, pd.DataFrame | pd.Series):
        return bool(a.equals(b)) and a.index.equals(b.index) and (
            not isinstance(a, pd.DataFrame) or a.columns.equals(b.columns))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, float | np.floating):
        return bool(a == b or (np.isnan(a) and np.isnan(b)))
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if type(a).__module__.startswith("sklearn"):
        return repr(a) == repr(b)
    return bool(a == b)


def _wrapped_now() -> dict[tuple[int, str], tuple[Any, str, Any]]:
    """The current value of every catalog API whose module is already imported (none imported here)."""
    now = {}
    for api in all_entries():
        if api.module in sys.modules:
            found = resolve(api)
            if found is not None:
                now[(id(found[0]), found[1])] = found
    return now


def test_cells_behave_the_same_with_and_without_leakguard_and_unload_restores_everything(kernel: Kernel) -> None:
    started = time.process_time()
    episodes = _episodes()
    assert sum(len(cells) for _, cells in episodes) >= 300
    # Formatting a full traceback costs more than running the cell; test_tracebacks.py checks what is shown
    mode = kernel.shell.InteractiveTB.mode
    kernel.shell.InteractiveTB.set_mode("Minimal")
    try:
        kernel.run("%unload_ext leakguard")
        before = _wrapped_now()
        kernel.run("%load_ext leakguard")

        with_lg: list[list[Outcome]] = []
        for setup, cells in episodes:
            kernel.shell.reset(new_session=False)
            kernel.run(setup)
            kernel.run("%leakguard policy label=y holdout=0.25")
            assert kernel.session.policy.mode == "warn"
            with_lg.append([_run(kernel, c) for c in cells])

        state = loaded()
        assert state is not None
        applied = state.patcher.applied
        assert len(applied) > 50  # pandas and sklearn callables were wrapped
        kernel.run("%unload_ext leakguard")
        for owner, attr, original in applied:
            current = vars(owner)[attr] if isinstance(owner, type) else getattr(owner, attr)
            assert current is original, f"{owner!r}.{attr} not restored"
        after = _wrapped_now()
        for key, (owner, attr, value) in before.items():
            assert after[key][2] is value, f"{owner!r}.{attr} differs after unload"
        left = [f"{getattr(owner, '__name__', owner)}.{attr}" for owner, attr, value in after.values()
                if hasattr(value, "__leakguard_original__")]
        assert not left, f"still wrapped after unload: {left}"
        assert not any(type(f).__module__ == Patcher.__module__ for f in sys.meta_path)
        assert "sql" not in kernel.shell.magics_manager.magics["cell"]
        assert "leakguard" not in kernel.shell.magics_manager.magics["line"]

        kinds = {"value": 0, "error": 0}
        for (setup, cells), outcomes in zip(episodes, with_lg, strict=True):
            kernel.shell.reset(new_session=False)
            kernel.run(setup)
            for cell, with_it in zip(cells, outcomes, strict=True):
                plain = _run(kernel, cell)
                assert with_it[0] == plain[0], f"{cell!r}: {with_it} with leakguard, {plain} without"
                if plain[0] == "error":
                    assert with_it[1][0] is plain[1][0] and with_it[1][1] == plain[1][1], cell
                else:
                    assert _same(with_it[1], plain[1]), f"{cell!r}: {with_it[1]!r} != {plain[1]!r}"
                kinds[plain[0]] += 1
        kernel.run("%load_ext leakguard")  # the fixture unloads it
    finally:
        kernel.shell.InteractiveTB.set_mode(mode)
    assert kinds["value"] > 100 and kinds["error"] > 30  # both kinds are really exercised
    cpu = time.process_time() - started  # CPU time: the wall clock of a shared machine says little
    assert cpu < TIME_BUDGET_S, f"{cpu:.1f} s of CPU"
