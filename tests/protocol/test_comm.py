"""The kernel's end of the comm, driven by a fake comm in a real IPython shell with leakguard loaded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import leakguard
from leakguard.errors import LeakguardError
from leakguard.kernel.comm import Bridge
from leakguard.protocol import PROTOCOL_VERSION, validate_kernel_message


class FakeComm:
    """Records what the kernel sends; ``deliver`` plays a browser message."""

    def __init__(self, data: dict[str, Any], comm_id: str) -> None:
        self.comm_id = comm_id
        self.open_data = data
        self.sent: list[dict[str, Any]] = []
        self.closed = False
        self._on_msg: Callable[[dict[str, Any]], None] | None = None
        self._on_close: Callable[[dict[str, Any]], None] | None = None

    def send(self, data: Any = None) -> None:
        validate_kernel_message(data)  # every message the kernel sends matches its declaration
        self.sent.append(data)

    def on_msg(self, callback: Callable[[dict[str, Any]], None]) -> None:
        self._on_msg = callback

    def on_close(self, callback: Callable[[dict[str, Any]], None]) -> None:
        self._on_close = callback

    def close(self) -> None:
        self.closed = True

    def deliver(self, data: Any) -> list[dict[str, Any]]:
        before = len(self.sent)
        assert self._on_msg is not None
        self._on_msg({"content": {"comm_id": self.comm_id, "data": data}})
        return self.sent[before:]

    def closed_by_frontend(self) -> None:
        assert self._on_close is not None
        self._on_close({})


@pytest.fixture
def comms() -> list[FakeComm]:
    return []


@pytest.fixture
def bridge(loaded_events, comms) -> Iterator[Bridge]:
    def opener(data: dict[str, Any]) -> FakeComm:
        comms.append(FakeComm(data, f"c{len(comms)}"))
        return comms[-1]

    b = Bridge(loaded_events.session, opener=opener)
    b.start()
    yield b
    b.stop()


def test_open_data_is_hello_and_handshake_sends_snapshot(loaded_events, bridge, comms) -> None:
    assert comms[0].open_data == {"type": "hello", "protocol": PROTOCOL_VERSION,
                                  "version": leakguard.__version__, "session": bridge.id}
    loaded_events.run("df.describe()")
    replies = comms[0].deliver({"type": "hello", "protocol": PROTOCOL_VERSION})
    assert [r["type"] for r in replies] == ["hello", "snapshot"]
    snap = replies[1]
    assert snap["policy"]["label"] == ["churned"] and snap["policy"]["cutoff"] == "2024-06-01"
    rules = {f["rule"] for c in snap["cells"] for f in c["findings"]}
    assert {"peek-holdout", "peek-future"} <= rules
    assert snap["order"][-1]["execution_count"] == snap["cells"][0]["execution_count"]


def test_protocol_mismatch_is_refused_with_a_reason(bridge, comms) -> None:
    replies = comms[0].deliver({"type": "hello", "protocol": PROTOCOL_VERSION + 1})
    assert replies[0]["type"] == "error"
    assert "install the same leakguard" in replies[0]["message"]


def test_each_cell_sends_only_what_changed(loaded_events, bridge, comms) -> None:
    comm = comms[0]
    loaded_events.run("df.describe()")
    first = comm.sent[-1]
    assert first["type"] == "update" and first["policy"] is None
    assert [c["cell"] for c in first["cells"]] == [first["run"]["cell"]]
    assert first["cells"][0]["findings"]
    loaded_events.run("x = 1 + 1")
    quiet = comm.sent[-1]
    assert quiet["cells"] == [] and quiet["policy"] is None and quiet["seq"] == first["seq"] + 1
    loaded_events.run("leakguard.policy(holdout=0.3);")
    changed = comm.sent[-1]
    assert changed["policy"] is not None and changed["policy"]["holdout"].startswith("30%")


def test_set_mode_changes_the_session_and_tells_every_browser(loaded_events, bridge, comms) -> None:
    replies = comms[0].deliver({"type": "set_mode", "mode": "safe"})
    assert loaded_events.session.policy.mode == "safe"
    assert replies[-1]["type"] == "update" and replies[-1]["policy"]["mode"] == "safe"
    assert replies[-1]["policy"]["mode_declared"] is True


def test_explain_returns_a_graph_and_never_evaluates(loaded_events, bridge, comms) -> None:
    loaded_events.run("train, test = leakguard.split(df)")
    reply = comms[0].deliver({"type": "explain", "request": 7, "name": "train"})[0]
    assert reply["request"] == 7 and reply["error"] == ""
    graph = reply["graph"]
    names = [n["name"] for n in graph["nodes"]]
    assert names[-1] == "train" and "df" in names
    assert {"source": graph["nodes"][0]["id"], "target": graph["focus"]} in graph["edges"]
    for hostile in ("__import__('os').system('touch pwned')", "<img src=x onerror=alert(1)>", "df.shape", "import"):
        reply = comms[0].deliver({"type": "explain", "request": 8, "name": hostile})[0]
        assert reply["graph"] is None and reply["error"] == "not a variable name"
    assert not Path("pwned").exists()
    missing = comms[0].deliver({"type": "explain", "request": 9, "name": "nothing_here"})[0]
    assert "no lineage" in missing["error"]


def test_rejected_messages_get_an_error_reply_and_do_nothing(loaded_events, bridge, comms) -> None:
    before = loaded_events.session.policy
    reply = comms[0].deliver({"type": "set_mode", "mode": "safe", "code": "import os"})[0]
    assert reply == {"type": "error", "request": None, "message": "rejected: set_mode: unknown field(s) code"}
    reply = comms[0].deliver({"type": "export", "request": 2, "notebook": "../../etc/passwd.ipynb"})[0]
    assert reply["type"] == "error" and reply["request"] == 2
    assert loaded_events.session.policy is before


def test_export_says_plainly_when_it_is_not_available(bridge, comms, monkeypatch) -> None:
    import leakguard.kernel.comm as comm_module

    monkeypatch.setattr(comm_module, "find_export", lambda: None)
    reply = comms[0].deliver({"type": "export", "request": 1, "notebook": "churn.ipynb"})[0]
    assert reply["available"] is False and reply["ok"] is False
    assert reply["message"] == "export is not available yet in this version of leakguard"


def test_export_reports_files_and_refusals(bridge, comms, monkeypatch, tmp_path) -> None:
    import leakguard.kernel.comm as comm_module

    (tmp_path / "churn.ipynb").write_text("{}", encoding="utf-8")
    calls: list[Path] = []

    def export(path: Path) -> list[Path]:
        calls.append(path)
        return [tmp_path / "pipelines/churn/v1.py", tmp_path / "pipelines/churn/v1.lock.json"]

    monkeypatch.setattr(comm_module, "find_export", lambda: export)
    reply = comms[0].deliver({"type": "export", "request": 1, "notebook": "churn.ipynb"})[0]
    assert reply["ok"] and calls == [tmp_path / "churn.ipynb"]
    assert reply["files"][0].endswith("v1.py")
    # relative to the notebook's folder, so the sidebar can open them in JupyterLab
    assert reply["files"] == ["pipelines/churn/v1.py", "pipelines/churn/v1.lock.json"]

    def refuse(path: Path) -> None:
        raise LeakguardError("cell In[4] has findings: peek-holdout")

    monkeypatch.setattr(comm_module, "find_export", lambda: refuse)
    reply = comms[0].deliver({"type": "export", "request": 2, "notebook": "churn.ipynb"})[0]
    assert not reply["ok"] and reply["reasons"] == ["cell In[4] has findings: peek-holdout"]

    class Refused:  # the shape of leakguard.export's result: ok, status, files, reasons, findings
        ok = False
        status = "refused"
        files: tuple[Path, ...] = ()
        reasons = ("cells with findings: In[4]",)
        findings = ("In[4] peek-holdout: describe() looks at holdout rows",)

    monkeypatch.setattr(comm_module, "find_export", lambda: lambda path: Refused())
    reply = comms[0].deliver({"type": "export", "request": 3, "notebook": "churn.ipynb"})[0]
    assert reply["available"] and not reply["ok"] and reply["message"] == "export refused"
    assert reply["reasons"] == ["cells with findings: In[4]", "In[4] peek-holdout: describe() looks at holdout rows"]


def test_a_closed_comm_is_reopened_at_the_next_cell(loaded_events, bridge, comms) -> None:
    comms[0].closed_by_frontend()
    assert bridge.comms == []
    loaded_events.run("y = 2")
    assert len(comms) == 2 and comms[1].open_data["type"] == "hello"
    assert comms[1].sent[-1]["type"] == "update"


def test_stop_closes_comms_and_stops_listening(loaded_events, bridge, comms) -> None:
    bridge.stop()
    assert comms[0].closed and bridge.on_cell not in loaded_events.session.listeners
