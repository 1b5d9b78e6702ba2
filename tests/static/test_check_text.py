"""``leakguard check``'s text and machine formats: one line per finding with its title; -v adds the rest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LEAKY = """\
import pandas as pd, leakguard
from sklearn.preprocessing import StandardScaler
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
df = pd.read_csv('e.csv')
# %%
df.describe()
# %%
X = StandardScaler().fit_transform(df[['x', 'z']])
Xtr, Xte, ytr, yte = train_test_split(X, df['churned'], random_state=0)
model = LogisticRegression().fit(Xtr, ytr)
# %%
for C in [0.1, 1.0, 10.0, 100.0]:
    LogisticRegression(C=C).fit(Xtr, ytr).score(Xte, yte)
"""
ROOT = Path(__file__).resolve().parents[2]


def _check(folder: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "leakguard.faces.cli", "check", "--no-progress", *args, "leaky.py"],
                          check=False, cwd=folder, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1, done.stderr
    return done.stdout


def _project(tmp_path: Path) -> Path:
    (tmp_path / "leakguard.toml").write_text('label = "churned"\nholdout = 0.2\n')
    (tmp_path / "leaky.py").write_text(LEAKY)
    return tmp_path


def test_text_is_one_line_per_finding_with_its_title(tmp_path: Path) -> None:
    lines = _check(_project(tmp_path)).splitlines()
    assert lines == [
        "leaky.py:7:1: warning [peek-holdout] describe() on df sees the holdout rows",
        "leaky.py:11:9: warning [preprocessing] StandardScaler fit on df[['x', 'z']] before the split (cell 3)",
        "leaky.py:14:5: warning [multi-test] the test set Xte has scored 4 candidates (cell 4)",
        "leaky.py:14:5: warning [preprocessing] StandardScaler fit on df[['x', 'z']] before the split (cell 3)",
        "leakguard check: 4 finding(s) in 1 of 1 checked file(s)",
    ]


def test_verbose_adds_detail_fix_and_provenance_under_each_finding(tmp_path: Path) -> None:
    out = _check(_project(tmp_path), "-v")
    blocks = out.split("\nleaky.py:")
    assert len(blocks) == 4
    for block in blocks:
        body = block.splitlines()[1:]
        assert body[0].startswith("    ") and not body[0].startswith("    fix:")  # the detail
        assert any(b.startswith("    fix: ") for b in body) and any(b.startswith("    provenance: ") for b in body)
    assert "fix is below" not in out
    # the fixes name the user's own variables, not placeholders
    assert "X_train" not in out and "y_train" not in out
    assert "`standardscaler = StandardScaler().fit(Xtr)`" in out and "`standardscaler.transform(Xte)`" in out
    assert "`GridSearchCV(model, grid).fit(Xtr, ytr)`" in out


def test_json_and_sarif_carry_title_and_detail(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    doc = json.loads(_check(folder, "--format", "json"))
    findings = doc["files"][0]["findings"]
    assert findings[0]["title"] == "describe() on df sees the holdout rows"
    assert all(f["detail"] and f["message"] == f"{f['title']}. {f['detail']}" and f["blocked"] is False
               for f in findings)
    sarif = json.loads(_check(folder, "--format", "sarif"))
    results = sarif["runs"][0]["results"]
    assert [r["properties"]["title"] for r in results] == [f["title"] for f in findings]
    assert all(r["properties"]["detail"] for r in results)
