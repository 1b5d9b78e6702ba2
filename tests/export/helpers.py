"""Helpers for the export tests: notebooks from cells as strings, the example data, importing a pipeline."""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
POLICY = 'label = "churned"\ntime = "event_ts"\ncutoff = "2024-06-01"\nholdout = 0.2\nseed = 7\n'
_counter = itertools.count()

# The clean example notebook's code, without the %load_ext line (a plain kernel can run it).
CHURN = [
    "import pandas as pd\nimport leakguard",
    'df = pd.read_parquet("data/events.parquet")\ndf.shape, list(df.columns)',
    'leakguard.policy(label="churned", time="event_ts", cutoff="2024-06-01", holdout=0.2, seed=7);',
    "train, test = leakguard.split(df)\nlen(train), len(test)",
    "train.describe()",
    'train.groupby("plan")["churned"].mean()',
    "from sklearn.linear_model import LogisticRegression\n"
    'features = ["tenure_months", "monthly_spend", "support_tickets"]\n'
    'model = LogisticRegression(max_iter=1000).fit(train[features], train["churned"])',
    "from sklearn.metrics import roc_auc_score\n"
    'auc = roc_auc_score(test["churned"], model.predict_proba(test[features])[:, 1])\nround(auc, 3)',
]


def write_notebook(path: Path, cells: list[str], *, counts: list[int | None] | None = None,
                   metadata: dict[str, Any] | None = None) -> Path:
    """An nbformat 4.5 notebook with one code cell per string (ids ``c1``, ``c2``...)."""
    nb = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"},
                     **(metadata or {})},
        "cells": [{"cell_type": "code", "id": f"c{i + 1}", "metadata": {}, "outputs": [],
                   "execution_count": counts[i] if counts else None, "source": src}
                  for i, src in enumerate(cells)],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")
    return path


def make_events(rows: int = 800) -> Any:
    """The example data (examples/make_data.py), ``rows`` rows."""
    spec = importlib.util.spec_from_file_location("lg_make_data", ROOT / "examples" / "make_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_events(rows)


def write_events(folder: Path, rows: int = 800) -> Path:
    """``folder/data/events.parquet`` with the example data; returns the file."""
    target = folder / "data" / "events.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    make_events(rows).to_parquet(target, index=False)
    return target


def import_pipeline(path: Path) -> ModuleType:
    """Import an exported module from its file (a fresh module object each time)."""
    spec = importlib.util.spec_from_file_location(f"lg_pipeline_{next(_counter)}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclasses.dataclass
class Fixture:
    """A decisions fixture: cells, the expected decision of each, options and expected errors."""

    path: Path
    title: str
    cells: list[str]
    expected: list[str]
    options: list[str]
    errors: list[str]


def read_fixture(path: Path) -> Fixture:
    """Parse a ``.cells`` file: ``# %% kept needed`` / ``# %% dropped REASON`` open a cell."""
    title, options, errors = "", [], []
    cells: list[list[str]] = []
    expected: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^# %% (kept|dropped) ?(.*)$", line)
        if m:
            expected.append(f"{m.group(1)} {m.group(2)}".strip())
            cells.append([])
        elif not cells and line.startswith("# title:"):
            title = line.split(":", 1)[1].strip()
        elif not cells and line.startswith("# options:"):
            options = line.split(":", 1)[1].split()
        elif not cells and line.startswith("# error:"):
            errors.append(line.split(":", 1)[1].strip())
        elif cells:
            cells[-1].append(line)
    return Fixture(path, title, ["\n".join(c).strip("\n") for c in cells], expected, options, errors)
