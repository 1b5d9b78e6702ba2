"""docs/getting-started.md runs as written: its shell blocks, in order, in one bash session from the clone's root.

Two things a reader does by hand are done here with the command left as written: the
```ipython block is typed into the ``ipython`` started just above it (given as its standard
input), and ``jupyter lab`` runs until it serves the lab page, then is stopped. The
environment only points Jupyter, IPython and pre-commit at temporary folders (and lets
Jupyter run as root, as CI does).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "getting-started.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
RUN = {"bash", "ipython"}
NOT_COMMANDS = {"text", "toml", "yaml", "python"}

# Runs a server command until it serves the lab page (then stops it), or fails when it exits or stalls.
_PRELUDE = r"""
set -euo pipefail
_serve_until_ready() {
  local log pid
  log="$(mktemp)"
  "$@" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 240); do
    if grep -q "/lab?token=" "$log"; then
      kill -TERM "$pid"; wait "$pid" || true
      echo "[getting-started test] served the lab page:"; grep -m1 "/lab?token=" "$log"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; return 1; fi
    sleep 0.5
  done
  kill -TERM "$pid"; cat "$log"; return 1
}
"""


def _blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(DOC.read_text(encoding="utf-8"))]


def _script() -> str:
    lines = [_PRELUDE]
    blocks = _blocks()
    for i, (lang, body) in enumerate(blocks):
        if lang != "bash":
            continue
        for line in body.splitlines():
            if line.startswith("ipython"):
                following = blocks[i + 1] if i + 1 < len(blocks) else ("", "")
                assert following[0] == "ipython", "an `ipython` line must be followed by the ```ipython block"
                lines.append(f"{line} <<'LEAKGUARD_IPYTHON'\n{following[1]}LEAKGUARD_IPYTHON")
            elif line.startswith("jupyter lab"):
                lines.append(f"_serve_until_ready {line}")
            else:
                lines.append(line)
    return "\n".join(lines) + "\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_every_block_is_a_command_or_plainly_not_one() -> None:
    blocks = _blocks()
    assert blocks, "no code blocks found"
    langs = {lang for lang, _ in blocks}
    assert langs <= RUN | NOT_COMMANDS, f"blocks the test would neither run nor skip knowingly: {langs}"
    assert sum(lang == "bash" for lang, _ in blocks) >= 5
    script = _script()
    for needed in ("scripts/setup.sh", "jupyter lab", "ipython", "leakguard check", "leakguard run",
                   "leakguard export", "pre-commit run"):
        assert needed in script, needed


@pytest.mark.slow
def test_getting_started_runs_as_written(tmp_path: Path) -> None:
    config = tmp_path / "jupyter-config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {
        "allow_root": True, "open_browser": False, "ip": "127.0.0.1", "port": _free_port(), "port_retries": 20,
    }}))
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")},
        "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
        "IPYTHONDIR": str(tmp_path / "ipython"), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit"),
        "NO_COLOR": "1",
    }
    proc = subprocess.run(["bash", "-c", _script()], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    for seen in (
        "[getting-started test] served the lab page",          # jupyter lab examples/
        "leakguard: 2 finding(s)",                              # ipython: df.describe()
        "leakguard: safe mode: describe() ran on the 162 training row(s)",
        "leakguard is on",                                      # %leakguard
        "[peek-label]",                                         # leakguard check penguins_leaky
        "leakguard check: 0 finding(s)",                        # the clean twins
        "[temporal]",                                           # leakguard run weather_leaky
        "leakguard check....",                                  # pre-commit
    ):
        assert seen in out, f"{seen!r} not in the output:\n{out[-6000:]}"
    assert re.search(r"exported version \d+|no change since version \d+", out), out[-4000:]
    assert re.search(r"^accuracy: 0\.\d+$", out, re.MULTILINE), out[-4000:]
    assert "Passed" in out.split("leakguard check....", 1)[1].splitlines()[0]
    sarif = json.loads((ROOT / "build" / "leakguard.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
