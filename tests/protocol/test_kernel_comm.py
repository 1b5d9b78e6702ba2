"""The comm in a real ipykernel: the kernel opens it on load, answers a browser's hello, and updates per cell."""

from __future__ import annotations

import queue
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

from leakguard.protocol import PROTOCOL_VERSION, TARGET, validate_kernel_message

pytestmark = pytest.mark.slow


@pytest.fixture
def client(tmp_path) -> Iterator[Any]:
    manager, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        yield kc
    finally:
        kc.stop_channels()
        manager.shutdown_kernel(now=True)


def _execute(kc: Any, code: str, cell_id: str) -> list[dict[str, Any]]:
    """Run ``code`` as notebook cell ``cell_id``; every iopub message until idle."""
    msg = kc.session.msg("execute_request", {"code": code, "silent": False, "store_history": True,
                                             "user_expressions": {}, "allow_stdin": False})
    msg["metadata"]["cellId"] = cell_id
    kc.shell_channel.send(msg)
    return _until_idle(kc, msg["header"]["msg_id"])


def _until_idle(kc: Any, parent: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while True:
        m = kc.get_iopub_msg(timeout=60)
        if m["parent_header"].get("msg_id") != parent:
            seen.append(m) if m["msg_type"].startswith("comm") else None
            continue
        seen.append(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return seen


def _comm_data(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [validate_kernel_message(m["content"]["data"]) for m in messages if m["msg_type"] == "comm_msg"]


def _drain_comm(kc: Any) -> list[dict[str, Any]]:
    found = []
    while True:
        try:
            m = kc.get_iopub_msg(timeout=3)
        except queue.Empty:
            return found
        if m["msg_type"] == "comm_msg":
            found.append(validate_kernel_message(m["content"]["data"]))


def test_kernel_opens_the_comm_and_sends_updates(client, tmp_path) -> None:
    import pandas as pd

    pd.DataFrame({"x": range(100), "churned": [0, 1] * 50}).to_parquet(tmp_path / "d.parquet")
    loaded = _execute(client, "%load_ext leakguard\nimport pandas as pd, leakguard", "cell-load")
    opens = [m for m in loaded if m["msg_type"] == "comm_open"]
    assert len(opens) == 1 and opens[0]["content"]["target_name"] == TARGET
    assert opens[0]["content"]["data"]["protocol"] == PROTOCOL_VERSION
    comm_id = opens[0]["content"]["comm_id"]
    first = _comm_data(loaded)
    assert first and first[-1]["run"] == {"cell": "cell-load", "execution_count": 1}

    # after a browser reload: ask which comms exist, then say hello on that one
    reply = client.comm_info(target_name=TARGET, reply=True)
    assert list(reply["content"]["comms"]) == [comm_id]
    hello = client.session.msg("comm_msg", {"comm_id": comm_id, "data": {"type": "hello", "protocol": PROTOCOL_VERSION}})
    client.shell_channel.send(hello)
    answers = _drain_comm(client)
    assert [a["type"] for a in answers][:2] == ["hello", "snapshot"]

    _execute(client, "df = pd.read_parquet('d.parquet')\nleakguard.policy(label='churned', holdout=0.2);", "cell-read")
    peek = _comm_data(_execute(client, "df.describe()", "cell-peek"))
    assert peek[-1]["run"]["cell"] == "cell-peek"
    assert [c["cell"] for c in peek[-1]["cells"]] == ["cell-peek"]
    assert any(f["rule"] == "peek-holdout" for f in peek[-1]["cells"][0]["findings"])

    # a message that is not declared does nothing but earn an error reply
    bad = client.session.msg("comm_msg", {"comm_id": comm_id, "data": {"type": "exec", "code": "1/0", "id": uuid.uuid4().hex}})
    client.shell_channel.send(bad)
    errors = [a for a in _drain_comm(client) if a["type"] == "error"]
    assert errors and errors[0]["message"].startswith("rejected: unknown message type")
