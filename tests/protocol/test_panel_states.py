"""What the sidebar's states need from a real ipykernel: each blocked finding shown once and marked
blocked, a clean notebook's runs without empty finding groups, and what the policy covers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from jupyter_client.manager import start_new_kernel

from leakguard.faces.display import MIME
from leakguard.protocol import PROTOCOL_VERSION, TARGET
from tests.protocol.test_kernel_comm import _comm_data, _drain_comm, _execute

pytestmark = pytest.mark.slow
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Any]:
    pd.DataFrame({"x": range(100), "churned": [0, 1] * 50}).to_parquet(tmp_path / "d.parquet")
    manager, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        _execute(kc, "%load_ext leakguard\nimport pandas as pd, leakguard", "cell-load")
        yield kc
    finally:
        kc.stop_channels()
        manager.shutdown_kernel(now=True)


def _shown_text(messages: list[dict[str, Any]]) -> str:
    """Everything the notebook shows under the cell as text: the error's traceback and every display."""
    parts: list[str] = []
    for m in messages:
        if m["msg_type"] == "error":
            parts.append(_ANSI.sub("", "\n".join(m["content"]["traceback"])))
        elif m["msg_type"] in ("display_data", "execute_result"):
            parts.append(m["content"]["data"].get("text/plain", ""))
        elif m["msg_type"] == "stream":
            parts.append(m["content"]["text"])
    return "\n".join(parts)


def _bundle(messages: list[dict[str, Any]]) -> dict[str, Any]:
    bundles = [m["content"]["data"][MIME] for m in messages if m["msg_type"] == "display_data"
               and MIME in m["content"]["data"]]
    assert len(bundles) == 1, bundles
    found: dict[str, Any] = bundles[0]
    return found


@pytest.mark.parametrize("mode", ["block", "warn"])
def test_each_finding_is_shown_once_and_marked_blocked_only_in_block_mode(client: Any, mode: str) -> None:
    _execute(client, f"df = pd.read_parquet('d.parquet')\nleakguard.policy(label='churned', holdout=0.2, mode={mode!r});",
             "cell-read")
    out = _execute(client, "df.describe()", "cell-peek")
    errors = [m for m in out if m["msg_type"] == "error"]
    assert [e["content"]["ename"] for e in errors] == (["LeakageError"] if mode == "block" else [])
    bundle = _bundle(out)
    titles = [f["title"] for f in bundle["findings"]]
    assert titles == ["describe() on df sees the holdout rows"]
    shown = _shown_text(out)
    for title in titles:
        assert shown.count(title) == 1, shown
    assert [f["blocked"] for f in bundle["findings"]] == [mode == "block"]
    update = _comm_data(out)[-1]
    sent = [f for c in update["cells"] for f in c["findings"]]
    assert [(f["title"], f["blocked"]) for f in sent] == [(titles[0], mode == "block")]


def _snapshot(kc: Any) -> dict[str, Any]:
    comm_id = next(iter(kc.comm_info(target_name=TARGET, reply=True)["content"]["comms"]))
    kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id,
                                                      "data": {"type": "hello", "protocol": PROTOCOL_VERSION}}))
    snaps = [a for a in _drain_comm(kc) if a["type"] == "snapshot"]
    assert len(snaps) == 1
    snap: dict[str, Any] = snaps[0]
    return snap


def test_a_clean_notebook_has_its_runs_and_no_empty_finding_groups(client: Any) -> None:
    _execute(client, "df = pd.read_parquet('d.parquet')\nleakguard.policy(label='churned', holdout=0.2);", "cell-read")
    _execute(client, "df.describe()", "cell-peek")
    _execute(client, "df.shape", "cell-peek")  # the cell edited and run again: its finding is gone
    _execute(client, "df.columns", "cell-cols")
    _execute(client, "leakguard.policy(label=['churned', 'nope']);", "cell-note")  # a note, no finding
    snap = _snapshot(client)
    ran = [r["cell"] for r in snap["order"]]
    assert ran == ["cell-load", "cell-read", "cell-peek", "cell-peek", "cell-cols", "cell-note"]
    assert [c["cell"] for c in snap["cells"]] == ["cell-note"], snap["cells"]
    assert snap["cells"][0]["findings"] == [] and "'nope'" in snap["cells"][0]["notes"][0]


def test_the_policy_view_says_what_is_checked(client: Any) -> None:
    snap = _snapshot(client)
    assert snap["policy"]["checking"] == [
        "label: none yet — taken from the y of the first fit; earlier looks at it are judged then",
        "holdout: none yet — taken from the first split; earlier looks at its test rows are judged then",
        "time: none declared — rows after a cutoff and shuffled time splits are not checked",
    ]
    _execute(client, "df = pd.read_parquet('d.parquet')\nleakguard.policy(label='churned');", "cell-read")
    out = _execute(client, "from sklearn.model_selection import train_test_split\n"
                           "tr, te = train_test_split(df, test_size=0.25, random_state=0)", "cell-split")
    policy = _comm_data(out)[-1]["policy"]
    assert policy is not None, json.dumps(_comm_data(out))
    assert policy["checking"][:2] == ["label: churned (declared)",
                                      "holdout: 25% (seed 0) (inferred from test part of train_test_split in In[3] line 2)"]
