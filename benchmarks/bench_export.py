"""``leakguard export`` speed: a 300-cell notebook becomes a pipeline module in under a second.

    python benchmarks/bench_export.py [--cells 300] [--rows 6000] [--runs 5] [--keep DIR]

The notebook is generated (seeded): imports, a read, the policy, a split, then cells of the
shapes exploration has — looks at the training rows, plots, feature columns on both parts,
helpers, dead experiments — and a model, its evaluation and a saved file at the end. The data
is the example table (examples/make_data.py).

Each export is complete: read and interpret the notebook, slice, generate, read the inputs
with the generated ``load()`` to hash them and record their schema, write the two files.
Printed: a warm export (this process has exported before, as a kernel has pandas loaded),
a re-export that finds nothing changed, and a cold export in a fresh interpreter, imports
included (``python -c``, so interpreter start-up itself is not counted), with the share of it
spent importing pandas (which reading the data needs whatever leakguard does). Target: the
export under 1 s once pandas is loaded.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from leakguard.pipeline.api import export  # noqa: E402  (after the path set-up above)

TARGET = 1.0
HEAD = [
    "import leakguard\nimport matplotlib.pyplot as plt\nimport numpy as np\nimport pandas as pd\n"
    "from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.metrics import accuracy_score, roc_auc_score",
    '%matplotlib inline\ndf = pd.read_parquet("data/events.parquet")\ndf.shape',
    'leakguard.policy(label="churned", time="event_ts", cutoff="2024-06-01", holdout=0.2, seed=7)',
    "train, test = leakguard.split(df)\nlen(train), len(test)",
]
COLS = ["tenure_months", "monthly_spend", "support_tickets"]


def body_cell(rng: random.Random, i: int, features: list[str]) -> str:
    c, d = rng.choice(COLS), rng.choice(COLS)
    shapes = [
        "train.head()",
        "train.describe()",
        f"train['{c}'].value_counts().head(10)",
        f"train.groupby('plan')['{c}'].agg(['mean', 'std'])",
        f"fig, ax = plt.subplots()\ntrain['{c}'].hist(ax=ax, bins=30)\nax.set_title('{c}')",
        f"print(train['{c}'].quantile([0.1, 0.5, 0.9]))",
        f"tmp_{i} = train['{c}'] * {i}\ntmp_{i}.mean()",
        f"def helper_{i}(frame):\n    return frame['{c}'].rank(pct=True)\n",
    ]
    if rng.random() < 0.25:
        name = f"f{i}"
        features.append(name)
        return (f"train['{name}'] = train['{c}'] / (train['{d}'] + 1)\n"
                f"test['{name}'] = test['{c}'] / (test['{d}'] + 1)")
    return rng.choice(shapes)


def make_notebook(folder: Path, cells: int, rows: int, seed: int) -> Path:
    spec = importlib.util.spec_from_file_location("make_data", ROOT / "examples" / "make_data.py")
    assert spec is not None and spec.loader is not None
    make_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_data)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    make_data.make_events(rows).to_parquet(folder / "data" / "events.parquet", index=False)
    rng = random.Random(seed)
    features: list[str] = list(COLS)
    sources = list(HEAD)
    while len(sources) < cells - 3:
        sources.append(body_cell(rng, len(sources), features))
    sources += [
        f"features = {features!r}\nmodel = RandomForestClassifier(n_estimators=50, max_depth=6, random_state=0)\n"
        "model.fit(train[features], train['churned'])",
        "auc = roc_auc_score(test['churned'], model.predict_proba(test[features])[:, 1])\n"
        "acc = accuracy_score(test['churned'], model.predict(test[features]))\nauc, acc",
        "import joblib\njoblib.dump(model, 'model.joblib')",
    ]
    nb = {"nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
          "cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": i + 1, "outputs": [],
                     "source": s} for i, s in enumerate(sources)]}
    path = folder / "explore.ipynb"
    path.write_text(json.dumps(nb, indent=1))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="keep the notebook and exports in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="leakguard-bench-export-"))
    notebook = make_notebook(folder, args.cells, args.rows, args.seed)

    first = export(notebook, output_dir=folder / "warmup")
    if first.status != "written":
        print(first.text())
        return 1
    kept = sum(d.kept for d in first.decisions)
    warm: list[float] = []
    for run in range(args.runs):
        start = time.perf_counter()
        result = export(notebook, output_dir=folder / f"run{run}")
        warm.append(time.perf_counter() - start)
        assert result.status == "written", result.text()
    start = time.perf_counter()
    again = export(notebook, output_dir=folder / "run0")
    unchanged = time.perf_counter() - start
    assert again.status == "unchanged"

    shutil.rmtree(folder / "cold", ignore_errors=True)
    code = ("import time; t = time.perf_counter(); import pandas; p = time.perf_counter() - t; import leakguard; "
            f"r = leakguard.export({str(notebook)!r}, {str(folder / 'cold')!r}); "
            "print(time.perf_counter() - t, p, r.status)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    cold, pandas_import, status = proc.stdout.split()
    lines = (folder / "run0" / "explore" / "v1.py").read_text().count("\n")

    print(f"notebook: {args.cells} cells, {args.rows} rows of data; {kept} cells kept, module {lines} lines")
    print(f"warm export (median of {args.runs}): {statistics.median(warm) * 1000:.0f} ms   "
          f"(min {min(warm) * 1000:.0f}, max {max(warm) * 1000:.0f})")
    print(f"re-export, nothing changed:  {unchanged * 1000:.0f} ms")
    print(f"cold export in a fresh interpreter: {float(cold) * 1000:.0f} ms ({status}), of which importing pandas "
          f"(needed to read the data) {float(pandas_import) * 1000:.0f} ms")
    ok = statistics.median(warm) < TARGET
    print(f"target: the export < {TARGET:.0f} s once pandas is loaded (as in a kernel): {'met' if ok else 'NOT met'}; "
          f"cold without the pandas import: {(float(cold) - float(pandas_import)) * 1000:.0f} ms")
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
