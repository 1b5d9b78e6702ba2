"""The kernel follows the code notebooks wrap their work in: helpers, comprehensions, classes, chosen columns."""

from __future__ import annotations

import pytest

from tests.conftest import Kernel

PRELUDE = """\
import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
rng = np.random.default_rng(0)
df = pd.DataFrame({"x": rng.normal(size=300), "z": rng.normal(size=300), "churned": rng.integers(0, 2, 300)})
df.loc[::7, "x"] = np.nan
cols = ["x", "z"]
"""
FIT = """\
X_tr, X_te, y_tr, y_te = train_test_split(X, df["churned"], random_state=0)
LogisticRegression().fit(X_tr, y_tr)
"""


def _rules(kernel: Kernel, *cells: str) -> list[str]:
    kernel.run(PRELUDE)
    for cell in cells:
        kernel.run(cell)
    return sorted({f.rule for f in kernel.session.findings if f.severity != "info"})


@pytest.mark.parametrize(("cell", "expected"), [
    # a fit inside a helper defined in the same cell as its call
    ("def filled(frame):\n    return SimpleImputer().fit_transform(frame[cols])\nX = filled(df)\n", ["preprocessing"]),
    # twin: the helper fills with a constant, learning nothing from the rows
    ("def filled(frame):\n    return frame[cols].fillna(0.0)\nX = filled(df)\n", []),
    # a statistic the helper consumes is no look at the rows (no peek-holdout), still a statistic of them
    ("def clean(d):\n    d = d.copy()\n    d['x'] = d['x'].fillna(d['x'].mean())\n    return d[cols]\nX = clean(df)\n",
     ["preprocessing"]),
    # a dict of means made and used in the same cell
    ("fill = {c: df[c].mean() for c in cols}\nX = df[cols].fillna(fill)\n", ["preprocessing"]),
    # columns chosen by a statistic hold no value of it
    ("chosen = [c for c in cols if df[c].nunique() > 10]\nX = df[chosen].fillna(0)\n", []),
    # a statistic stored on an object by a hand-written class is state, not a look
    ("class Imp:\n    def fit(self, d):\n        self.m = d.mean()\n        return self\n"
     "    def transform(self, d):\n        return d.fillna(self.m)\nX = Imp().fit(df[cols]).transform(df[cols])\n",
     ["preprocessing"]),
])
def test_helpers_in_the_kernel(kernel: Kernel, cell: str, expected: list[str]) -> None:
    assert _rules(kernel, cell, FIT) == expected
