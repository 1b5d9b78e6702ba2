"""The kernel's end of the comm, driven by a fake comm in a real IPython shell with leakguard loaded."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import leakguard
from leakguard.faces.comm import Bridge
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
    import leakguard.faces.export_request as export_request

    monkeypatch.setattr(export_request, "export_available", lambda: False)
    reply = comms[0].deliver({"type": "export", "request": 1, "notebook": "churn.ipynb"})[0]
    assert reply["available"] is False and reply["ok"] is False
    assert reply["message"] == "export is not available yet in this version of leakguard"


# A load step with a side effect: the file it writes names the process that ran the notebook's code.
LOAD_WITH_MARKER = (
    "import os\n"
    "def load_events(p):\n"
    "    with open('marker.txt', 'w') as fh:\n"
    "        fh.write(str(os.getpid()))\n"
    "    return pd.read_parquet(p)\n"
    "df = load_events('data/events.parquet')"
)


def _churn(folder: Path, name: str, *, leaky: bool = False) -> None:
    from tests.export.helpers import CHURN, write_events, write_notebook

    write_events(folder, rows=300)
    cells = list(CHURN)
    cells[1] = LOAD_WITH_MARKER
    if leaky:  # two inspections of every row before the split, as cells 4 and 5
        cells[3:3] = ["df.describe()", 'df.groupby("plan")["churned"].mean()']
    write_notebook(folder / name, cells)


def _namespace(ns: dict[str, Any]) -> dict[str, int]:
    return {k: id(v) for k, v in ns.items() if not k.startswith("_")}


@pytest.mark.slow
def test_export_runs_the_notebook_in_another_process_never_in_the_kernel(
        loaded_events, bridge, comms, tmp_path) -> None:
    _churn(tmp_path, "churn.ipynb")
    names, nodes = _namespace(loaded_events.ns), len(loaded_events.session.graph.nodes)
    reply = comms[0].deliver({"type": "export", "request": 1, "notebook": "churn.ipynb"})[0]
    assert (tmp_path / "pipelines/churn/v1.py").is_file()
    # the load step ran (export profiles the inputs) but in a process of its own
    writer = int((tmp_path / "marker.txt").read_text())
    assert writer != os.getpid()
    assert _namespace(loaded_events.ns) == names and len(loaded_events.session.graph.nodes) == nodes
    assert reply["ok"] and reply["available"] and reply["blocking"] == [], reply
    assert reply["files"] == ["pipelines/churn/v1.py", "pipelines/churn/v1.lock.json"]
    assert reply["message"] == "export written: 2 file(s)"
    again = comms[0].deliver({"type": "export", "request": 2, "notebook": "churn.ipynb"})[0]
    assert again["ok"] and again["message"] == "export unchanged: 2 file(s)"


@pytest.mark.slow
def test_export_refusal_names_the_blocking_cells_once_each_in_notebook_order(
        loaded_events, bridge, comms, tmp_path) -> None:
    _churn(tmp_path, "leaky.ipynb", leaky=True)
    reply = comms[0].deliver({"type": "export", "request": 3, "notebook": "leaky.ipynb"})[0]
    assert reply["available"] and not reply["ok"] and reply["files"] == []
    assert [b["cell"] for b in reply["blocking"]] == ["c4", "c5"]
    for b in reply["blocking"]:
        assert b["execution_count"] is None and b["rules"] and len(set(b["rules"])) == len(b["rules"])
    assert "peek-label" in reply["blocking"][1]["rules"]
    assert reply["message"] == "export refused: 2 cells carry findings (cells 4, 5)"
    assert all("--drop-leaky" not in text for text in [reply["message"], *reply["reasons"]])
    assert not (tmp_path / "pipelines").exists()

    dropped = comms[0].deliver({"type": "export", "request": 4, "notebook": "leaky.ipynb", "drop_leaky": True})[0]
    assert dropped["ok"] and dropped["blocking"] == [], dropped
    assert dropped["message"] == "export written: 2 file(s); dropped 2 leaky cell(s) (cells 4, 5)"
    assert (tmp_path / "pipelines/leaky/v1.py").is_file()


@pytest.mark.slow
def test_export_refusal_message_stays_one_short_line_with_many_leaky_cells(
        loaded_events, bridge, comms, tmp_path) -> None:
    from tests.export.helpers import CHURN, write_events, write_notebook

    write_events(tmp_path, rows=100)
    cells = list(CHURN)
    cells[3:3] = [f"df.describe()  # look {i}" for i in range(30)]  # cells 4 to 33
    write_notebook(tmp_path / "many.ipynb", cells)
    reply = comms[0].deliver({"type": "export", "request": 6, "notebook": "many.ipynb"})[0]
    assert len(reply["blocking"]) == 30 and [b["cell"] for b in reply["blocking"]] == [f"c{i}" for i in range(4, 34)]
    assert reply["message"] == ("export refused: 30 cells carry findings "
                                "(cells 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 and 18 more)")
    dropped = comms[0].deliver({"type": "export", "request": 7, "notebook": "many.ipynb", "drop_leaky": True})[0]
    assert dropped["ok"] and dropped["message"] == ("export written: 2 file(s); dropped 30 leaky cell(s) "
                                                    "(cells 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 and 18 more)")


@pytest.mark.slow
def test_export_that_runs_too_long_is_stopped(loaded_events, bridge, comms, tmp_path, monkeypatch) -> None:
    import time

    import leakguard.faces.export_request as export_request
    from tests.export.helpers import CHURN, write_events, write_notebook

    write_events(tmp_path, rows=100)
    cells = list(CHURN)
    cells[1] = ("import time\ndef load_events(p):\n    time.sleep(120)\n    return pd.read_parquet(p)\n"
                "df = load_events('data/events.parquet')")
    write_notebook(tmp_path / "slow.ipynb", cells)
    monkeypatch.setattr(export_request, "EXPORT_TIMEOUT", 5.0)
    start = time.perf_counter()
    reply = comms[0].deliver({"type": "export", "request": 5, "notebook": "slow.ipynb"})[0]
    assert time.perf_counter() - start < 30
    assert not reply["ok"] and reply["message"] == "export failed: it took longer than 5 s and was stopped"


@pytest.mark.slow
def test_interrupting_the_kernel_during_an_export_stops_the_export(loaded_events, bridge, comms, tmp_path) -> None:
    import signal
    import time

    from tests.export.helpers import CHURN, write_events, write_notebook

    write_events(tmp_path, rows=100)
    cells = list(CHURN)
    cells[1] = ("import os, time\ndef load_events(p):\n    open('pid.txt', 'w').write(str(os.getpid()))\n"
                "    time.sleep(120)\n    return pd.read_parquet(p)\ndf = load_events('data/events.parquet')")
    write_notebook(tmp_path / "slow.ipynb", cells)

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # what the kernel's interrupt does to the thread waiting on the export

    previous = signal.signal(signal.SIGALRM, interrupt)
    deadline = time.monotonic() + 60
    try:
        def arm() -> None:  # interrupt once the export process is inside the notebook's load step
            while not (tmp_path / "pid.txt").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            signal.setitimer(signal.ITIMER_REAL, 0.2)

        threading.Thread(target=arm, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            comms[0].deliver({"type": "export", "request": 8, "notebook": "slow.ipynb"})
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    pid = int((tmp_path / "pid.txt").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the export process is gone, not left running


def test_a_closed_comm_is_reopened_at_the_next_cell(loaded_events, bridge, comms) -> None:
    comms[0].closed_by_frontend()
    assert bridge.comms == []
    loaded_events.run("y = 2")
    assert len(comms) == 2 and comms[1].open_data["type"] == "hello"
    assert comms[1].sent[-1]["type"] == "update"


def test_stop_closes_comms_and_stops_listening(loaded_events, bridge, comms) -> None:
    bridge.stop()
    assert comms[0].closed and bridge.on_cell not in loaded_events.session.listeners
