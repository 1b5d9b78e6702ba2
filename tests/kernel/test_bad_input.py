"""Bad input never breaks a cell: odd objects, odd frames, hostile names, broken cells, wrong policies."""

from __future__ import annotations

import pandas as pd

from leakguard.faces.display import findings_html
from tests.conftest import POLICY, Kernel

HOSTILE = "<img src=x onerror=alert(1)>"


def test_non_pandas_objects_pass_through(loaded_events: Kernel) -> None:
    r = loaded_events.run("import numpy as np\na = np.arange(10)\nb = a.mean()\nc = {'k': [1, 2]}\nd = (1, 'x')\ne = None")
    assert r.findings == [] and r.notes == []
    assert loaded_events.ns["b"] == 4.5


def test_multiindex_and_duplicate_index(loaded_events: Kernel) -> None:
    loaded_events.run("mi = df.set_index(['plan', 'event_ts'])")
    assert loaded_events.run("mi.describe()").rules == ["peek-future", "peek-holdout"]
    loaded_events.run("dup = pd.concat([df, df])")
    r = loaded_events.run("dup.describe()")
    assert r.rules == ["peek-future", "peek-holdout"]
    loaded_events.run("%leakguard mode safe")
    r = loaded_events.run("dd = dup.describe()")
    assert any("safe mode" in n for n in r.notes)
    loaded_events.run("mc = df.set_index('event_ts').T")
    loaded_events.run("mc.describe()")


def test_hostile_column_names(kernel: Kernel) -> None:
    long_name = "c" * 5000
    kernel.run("import pandas as pd, leakguard")
    kernel.run(f"df = pd.DataFrame({{{HOSTILE!r}: [1, 2, 3], {long_name!r}: [1.0, 2.0, 3.0], 'ünï©ødé 🚀': [0, 1, 0]}})")
    kernel.run(f"leakguard.policy(label={HOSTILE!r}, holdout=0.2);")
    r = kernel.run(f"df.groupby('ünï©ødé 🚀')[{HOSTILE!r}].mean()")
    assert r.rules == ["peek-label"]
    html = findings_html(r.findings)
    assert HOSTILE not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_policy_naming_missing_columns_gets_a_note_listing_columns(loaded_events: Kernel) -> None:
    r = loaded_events.run("leakguard.policy(label='churn');")
    assert any("'churn'" in n and "event_ts" in n and "plan" in n for n in r.notes)


def test_policy_api_validates_against_a_frame(loaded_events: Kernel) -> None:
    r = loaded_events.run("leakguard.policy(df, label='nope')", raises=True)
    assert type(r.error).__name__ == "PolicyError"
    assert "'nope'" in str(r.error) and "churned" in str(r.error)


def test_cell_with_syntax_error_and_cell_that_raises(loaded_events: Kernel) -> None:
    r = loaded_events.run("df.describe(", raises=True)
    assert r.error is not None and r.findings == []
    r = loaded_events.run("x = df.describe()\nraise ValueError('user error')", raises=True)
    assert isinstance(r.error, ValueError)
    assert r.rules == ["peek-future", "peek-holdout"]
    assert "x" in loaded_events.ns
    assert loaded_events.run("df.describe()").rules == ["peek-future", "peek-holdout"]


def test_magics_and_shell_escapes_in_cells(loaded_events: Kernel) -> None:
    r = loaded_events.run("%time d = df.describe()")
    assert r.rules == ["peek-future", "peek-holdout"]
    loaded_events.run("%%capture out\ndf.describe()")
    loaded_events.run("files = !ls")


def test_safe_mode_without_policy_columns_says_why(kernel: Kernel) -> None:
    kernel.run("import pandas as pd, leakguard")
    kernel.run("df = pd.DataFrame({'x': [1.0, 2.0], 'y': [0, 1]})")
    kernel.run(POLICY.replace("churned", "y"))
    kernel.run("%leakguard mode safe")
    r = kernel.run("d = df.describe()")
    assert any("could not restrict" in n and "event_ts" in n for n in r.notes)
    assert isinstance(kernel.ns["d"], pd.DataFrame)


def test_empty_frame_and_empty_cell(loaded_events: Kernel) -> None:
    r = loaded_events.run("empty = df.iloc[0:0]\nempty.describe()")
    assert r.findings == []
    loaded_events.run("")
    loaded_events.run("# just a comment")


def test_user_defined_function_and_class(loaded_events: Kernel) -> None:
    loaded_events.run("def summary(frame):\n    return frame.describe()")
    assert loaded_events.run("s = summary(df)").rules == ["peek-future", "peek-holdout"]
    loaded_events.run("class Box:\n    def __init__(self, v):\n        self.v = v")
    loaded_events.run("box = Box(df['x'].mean())")
