"""``leakguard check`` speed: typical notebooks of 100–300 cells, checked one after another on one core.

    python benchmarks/bench_check.py [--notebooks 60] [--seed 0] [--keep DIR] [--repeat 3] [--quick]

The notebooks are generated (seeded) from the shapes exploratory notebooks have: imports,
reads, looks at the data, plots, feature columns, helpers, loops, splits, pipelines, fits,
scores, SQL, markdown between them. Half of them explore all rows before splitting (most of
their looks are findings), half split first and explore the training part (a few findings).
One notebook in three also queries with SQL (DuckDB over the DataFrames).

Times are CPU time of this process (``time.process_time``), so other work on the machine
does not count against one core's throughput; wall-clock figures are printed beside them. Each is checked from its file, as the CLI does (read,
parse, interpret, rules). Prints notebooks per second and the p50 / p99 / max time per
notebook; the targets are at least 50 notebooks per second and a p99 under 200 ms.

Then the fixture corpora (tests/fixtures/corpus, tests/fixtures/wild): every file checked as
the CLI does (its own policy file, or none), ``--repeat`` times after a warm-up pass; files per
CPU second for each corpus and both (target: at least 50), and the ratio of that rate to the
generated notebooks' rate (small files cost less each; the ratio shows the fixed cost per file).
``--quick``: 12 generated notebooks and one pass over the corpora, for a loaded machine.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leakguard.policy import Policy
from leakguard.static.engine import check_path
from leakguard.static.evaluation import load_folder

ROOT = Path(__file__).resolve().parents[1]
CORPORA = (ROOT / "tests" / "fixtures" / "corpus", ROOT / "tests" / "fixtures" / "wild")

POLICY = Policy().updated({"label": "churned", "time": "event_ts", "cutoff": "2024-06-01", "holdout": 0.2}, "bench")

SETUP = [
    "import pandas as pd\nimport numpy as np\nimport leakguard\nimport matplotlib.pyplot as plt",
    "from sklearn.model_selection import train_test_split, cross_val_score, GridSearchCV\n"
    "from sklearn.preprocessing import StandardScaler, OneHotEncoder\nfrom sklearn.pipeline import make_pipeline\n"
    "from sklearn.linear_model import LogisticRegression\nfrom sklearn.ensemble import RandomForestClassifier\n"
    "from sklearn.metrics import roc_auc_score, accuracy_score",
    'df = pd.read_parquet("data/events.parquet")\ndf.shape',
]
COLS = ["x", "z", "spend", "refund", "tenure", "visits", "plan", "region"]


def cell(rng: random.Random, i: int, frames: list[str], sql: bool) -> str:
    c, d = rng.choice(COLS[:6]), rng.choice(COLS[:6])
    frame = rng.choice(frames)
    shapes = [
        f"{frame}.head()",
        f"{frame}.describe()",
        f"{frame}['{c}'].value_counts().head(10)",
        f"{frame}.groupby('{rng.choice(COLS[6:])}')['{c}'].agg(['mean', 'std', 'count'])",
        f"{frame}[['{c}', '{d}']].corr()",
        f"fig, ax = plt.subplots(figsize=(6, 4))\n{frame}['{c}'].hist(ax=ax, bins=30)\nax.set_title('{c}')",
        f"df['{c}_log{i}'] = np.log1p(df['{c}'].clip(lower=0))",
        f"df['{c}_{d}_ratio{i}'] = df['{c}'] / (df['{d}'].abs() + 1)",
        f"df = df[df['{c}'].notna()]\nlen(df)",
        f"features = df[['{c}', '{d}', 'x', 'z']].copy()\nfeatures.shape",
        f"def summarize_{i}(frame, col='{c}'):\n    out = frame[col].describe()\n    return out.round(2)\n"
        f"summarize_{i}({frame})",
        f"for col in ['{c}', '{d}']:\n    print(col, {frame}[col].mean(), {frame}[col].std())",
        f"stats{i} = {{col: {frame}[col].median() for col in ['{c}', '{d}']}}\nstats{i}",
        "train, test = leakguard.split(df)\nlen(train), len(test)",
        "X = df[['x', 'z', 'spend']].fillna(0)\ny = df['churned']\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)",
        "pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))\npipe.fit(X_train, y_train)",
        "scores = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), X_train, y_train, cv=5)\n"
        "scores.mean()",
        "model = RandomForestClassifier(n_estimators=50).fit(X_train, y_train)\n"
        "auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])\nround(auc, 3)",
        f"df['{c}_rolling{i}'] = df.sort_values('event_ts')['{c}'].rolling(7, min_periods=1).mean()",
        f"pivot{i} = df.pivot_table(values='{c}', index='{rng.choice(COLS[6:])}', aggfunc='mean')",
        f"import duckdb\nduckdb.sql(\"SELECT plan, avg({c}) AS m FROM {frame} WHERE event_ts <= '2024-06-01' "
        f"GROUP BY 1\").df()" if sql else f"{frame}.tail()",
        f"%matplotlib inline\nsns_{i} = None",
        "print(f'rows: {len(df)}, columns: {df.shape[1]}')",
        f"merged{i} = df.merge(df[['customer_id', '{c}']].rename(columns={{'{c}': '{c}_copy'}}), on='customer_id')",
        f"mask{i} = (df['{c}'] > df['{c}'].quantile(0.99))\ndf.loc[mask{i}, '{c}'] = np.nan",
    ]
    return rng.choice(shapes)


def notebook(rng: random.Random, n_cells: int, split_first: bool, sql: bool) -> dict[str, object]:
    head = [*SETUP, "train, test = leakguard.split(df)"] if split_first else SETUP
    frames = ["train", "train", "train", "features"] if split_first else ["df", "df", "train", "features"]
    sources = [*head, *(cell(rng, i, frames, sql) for i in range(n_cells - len(head)))]
    cells: list[dict[str, object]] = []
    for i, src in enumerate(sources):
        if rng.random() < 0.25:
            cells.append({"cell_type": "markdown", "id": f"m{i}", "metadata": {}, "source": [f"## Step {i}\n", "Notes."]})
        lines = src.split("\n")
        cells.append({"cell_type": "code", "id": f"c{i}", "execution_count": i + 1, "metadata": {},
                      "outputs": [{"output_type": "execute_result", "execution_count": i + 1, "metadata": {},
                                   "data": {"text/plain": ["(600, 8)"]}}],
                      "source": [ln + "\n" for ln in lines[:-1]] + [lines[-1]]})
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}}


def _p99(values: list[float]) -> float:
    return values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]


def corpus_rate(paths: list[Path], repeat: int) -> tuple[float, float]:
    """Files per CPU second and per wall-clock second, checking every path ``repeat`` times (after a warm-up pass)."""
    for path in paths:
        check_path(path)
    start, wall_start = time.process_time(), time.perf_counter()
    for _ in range(repeat):
        for path in paths:
            report = check_path(path)
            assert report.error is None or report.skipped, f"{path}: {report.error}"
    cpu, wall = time.process_time() - start, time.perf_counter() - wall_start
    n = len(paths) * repeat
    return n / max(cpu, 1e-9), n / max(wall, 1e-9)


def corpora(repeat: int, notebook_rate: float) -> bool:
    """Print the corpora's throughput; True when every corpus measured meets 50 files per CPU second."""
    print(f"\nthe fixture corpora, each file checked {repeat} time(s) after a warm-up pass, one core:")
    every: list[Path] = []
    ok = True
    for folder in CORPORA:
        paths = [fx.path for fx in load_folder(folder)] if folder.is_dir() else []
        if not paths:
            print(f"  {folder.relative_to(ROOT)}: no fixtures")
            continue
        every += paths
        rate, wall = corpus_rate(paths, repeat)
        ok = ok and rate >= 50
        print(f"  {folder.relative_to(ROOT)}: {len(paths)} files, {rate:.1f} files per CPU second "
              f"({wall:.1f}/s wall clock)   (target >= 50)")
    if every:
        rate, wall = corpus_rate(every, repeat)
        ok = ok and rate >= 50
        print(f"  both: {len(every)} files, {rate:.1f} files per CPU second ({wall:.1f}/s wall clock), "
              f"{rate / notebook_rate:.1f}x the generated notebooks' rate")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebooks", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="write the generated notebooks here and keep them")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the fixture corpora (default 3)")
    parser.add_argument("--quick", action="store_true", help="12 notebooks and one pass over the corpora")
    args = parser.parse_args()
    if args.quick:
        args.notebooks, args.repeat = min(args.notebooks, 12), 1
    rng = random.Random(args.seed)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="leakguard-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    paths, cells = [], []
    for k in range(args.notebooks):
        n = rng.randint(100, 300)
        path = folder / f"nb{k:03d}.ipynb"
        path.write_text(json.dumps(notebook(rng, n, split_first=k % 2 == 1, sql=k % 3 == 0), indent=1))
        paths.append(path)
        cells.append(n)
    check_path(paths[0], POLICY)  # warm up: imports, catalog index
    times, walls, findings = [], [], 0
    start, wall_start = time.process_time(), time.perf_counter()
    for path in paths:
        t0, w0 = time.process_time(), time.perf_counter()
        report = check_path(path, POLICY)
        times.append(time.process_time() - t0)
        walls.append(time.perf_counter() - w0)
        findings += len(report.findings)
        assert report.error is None, report.error
    total, wall_total = time.process_time() - start, time.perf_counter() - wall_start
    times.sort()
    walls.sort()
    p99 = _p99(times)
    rate = len(paths) / total
    print(f"leakguard check: {len(paths)} notebooks of {min(cells)}-{max(cells)} cells "
          f"(mean {statistics.mean(cells):.0f}), {findings} findings, one core")
    print(f"  throughput: {rate:.1f} notebooks per CPU second   (target >= 50)")
    print(f"  per notebook (CPU): p50 {statistics.median(times) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
          f"max {times[-1] * 1000:.1f} ms   (target p99 < 200 ms)")
    print(f"  wall clock: {len(paths) / wall_total:.1f} notebooks/s, p99 {_p99(walls) * 1000:.1f} ms "
          "(depends on what else the machine runs)")
    ok = rate >= 50 and p99 < 0.2
    ok = corpora(max(1, args.repeat), rate) and ok
    print("  result:", "meets the targets" if ok else "MISSES the targets")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
