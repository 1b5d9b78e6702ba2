"""Helpers for static-engine tests: check code given as a string, with a policy, and read the rule ids."""

from __future__ import annotations

from pathlib import Path

from leakguard.policy import Policy
from leakguard.static.engine import FileReport, check_source
from leakguard.static.reading.sources import SourceFile, read_notebook_text, split_script

POLICY = Policy().updated({"label": "churned", "holdout": 0.2, "seed": 7}, "tests")
TIME_POLICY = POLICY.updated({"time": "event_ts", "cutoff": "2024-06-01"}, "tests")
HEAD = "import pandas as pd\nimport leakguard\ndf = pd.read_csv('events.csv')\n"


def check_code(code: str, policy: Policy = POLICY, folder: Path = Path("/nonexistent")) -> FileReport:
    """Check ``code`` (a script; ``# %%`` separates cells) under ``policy``."""
    source = SourceFile(folder / "t.py", "script", split_script(code))
    return check_source(source, policy, FileReport(Path("t.py")))


def check_notebook_text(text: str, policy: Policy = POLICY) -> FileReport:
    return check_source(read_notebook_text(text, Path("/nonexistent/t.ipynb")), policy, FileReport(Path("t.ipynb")))


def rules(report: FileReport, *, info: bool = False) -> list[str]:
    """Sorted rule ids of the findings (warnings and errors; with ``info`` also infos)."""
    return sorted(f.rule for f in report.findings if info or f.severity != "info")
