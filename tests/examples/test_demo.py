"""The README's main command, ``bash scripts/demo.sh``, runs the flagship example end to end.

It checks the exit status of each of its steps itself (leaky: 1, clean: 0) and exits 1 when
one is off; this test runs it as a newcomer does and reads what it printed.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_demo_shows_the_whole_product(tmp_path: Path) -> None:
    env = {**{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")},
           "IPYTHONDIR": str(tmp_path / "ipython"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    proc = subprocess.run(["bash", "scripts/demo.sh"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    out = proc.stdout
    assert proc.returncode == 0, (out + proc.stderr)[-6000:]
    steps = [m.group(1) for m in re.finditer(r"^== (\d)\.", out, re.MULTILINE)]
    assert steps == ["1", "2", "3", "4", "5"], steps
    check, run = out.split("== 2.", 1)
    for rule in ("peek-holdout", "peek-future", "peek-label", "temporal", "preprocessing", "target", "overlap",
                 "multi-test"):
        assert f"[{rule}]" in check, rule  # leakguard check
        assert f"[{rule}]" in run, rule    # leakguard run
    assert "safe mode: describe() ran on the 162 training row(s) of df" in out
    assert "examples/penguins_clean.ipynb: 0 finding(s)" in out
    assert re.search(r"module: build/demo/pipelines/penguins_clean/v\d+\.py", out)
    assert re.search(r"^accuracy: 0\.9\d*$", out, re.MULTILINE)
    assert "The query that ran: SELECT" in out and "LeakageError" in out
    assert "jupyter lab examples/" in out
