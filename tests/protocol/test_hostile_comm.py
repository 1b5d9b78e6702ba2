"""Hostile and malformed browser messages against the real comm handler, in a real IPython shell.

Each message gets exactly one clear refusal; no exception escapes; no code of a notebook
runs (the notebooks here write a marker file from their load step); the user's namespace,
lineage and policy stay as they were. The whole batch is bounded in time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leakguard.faces.comm import Bridge
from tests.conftest import Kernel
from tests.export.helpers import CHURN, write_events, write_notebook
from tests.protocol.test_comm import LOAD_WITH_MARKER, FakeComm

pytestmark = pytest.mark.slow
BUDGET = 60.0  # seconds for the whole batch (one real export process among them)


def _evil(path: Path) -> None:
    """A notebook whose load step writes ``marker.txt`` beside it."""
    write_events(path.parent, rows=100)
    cells = list(CHURN)
    cells[1] = LOAD_WITH_MARKER
    write_notebook(path, cells)


@pytest.fixture
def folders(kernel: Kernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    root, elsewhere = tmp_path / "root", tmp_path / "elsewhere"
    root.mkdir()
    _evil(elsewhere / "evil.ipynb")
    write_events(root, rows=100)  # a followed link would find data here too
    (root / "out.ipynb").symlink_to(elsewhere / "evil.ipynb")
    (root / "up.ipynb").symlink_to(Path("..") / "elsewhere" / "evil.ipynb")
    (root / "dev.ipynb").symlink_to("/dev/zero")
    (root / "loop.ipynb").symlink_to(root / "loop.ipynb")
    (root / "notes.txt").write_text("not a notebook", encoding="utf-8")
    (root / "text.ipynb").symlink_to(root / "notes.txt")
    (root / "dir.ipynb").mkdir()
    os.mkfifo(root / "fifo.ipynb")
    (root / "garbage.ipynb").write_text("{ this is not json", encoding="utf-8")
    monkeypatch.chdir(root)  # the kernel's working folder when leakguard loads: the export root
    return {"root": root, "elsewhere": elsewhere}


@pytest.fixture
def comm(kernel: Kernel, folders: dict[str, Path]) -> Iterator[FakeComm]:
    opened: list[FakeComm] = []

    def opener(data: dict[str, Any]) -> FakeComm:
        opened.append(FakeComm(data, f"h{len(opened)}"))
        return opened[-1]

    bridge = Bridge(kernel.session, opener=opener)
    bridge.start()
    yield opened[0]
    bridge.stop()


DEEP: Any = "x.ipynb"
for _ in range(200):
    DEEP = {"a": DEEP}


def _batch(folders: dict[str, Path]) -> list[tuple[Any, str, str]]:
    """``(message, reply type, words the reply's message must hold)``."""
    evil = str(folders["elsewhere"] / "evil.ipynb")

    def export(notebook: Any, **extra: Any) -> dict[str, Any]:
        return {"type": "export", "request": 9, "notebook": notebook, **extra}

    return [
        (None, "error", "a message must be an object"),
        (42, "error", "a message must be an object"),
        ("export", "error", "a message must be an object"),
        ([{"type": "export"}], "error", "a message must be an object"),
        ({}, "error", "unknown message type"),
        ({"type": "run_cell", "code": "import os"}, "error", "unknown message type"),
        ({"type": None}, "error", "unknown message type"),
        ({"type": "x" * 100_000}, "error", "unknown message type"),
        ({"type": "export"}, "error", "missing field"),
        ({"type": "export", "request": "1", "notebook": "a.ipynb"}, "error", "expected an integer"),
        ({"type": "export", "request": True, "notebook": "a.ipynb"}, "error", "expected an integer"),
        ({"type": "export", "request": 1.0, "notebook": "a.ipynb"}, "error", "expected an integer"),
        (export(123), "error", "expected a string"),
        (export(DEEP), "error", "expected a string"),
        (export("a" * 20_000 + ".ipynb"), "error", "longer than"),
        (export("a" * 9_990 + ".ipynb"), "export_result", "cannot be read (File name too long)"),
        (export("a.ipynb", drop_leaky="yes"), "error", "expected true or false"),
        (export("a.ipynb", code="import os"), "error", "unknown field(s) code"),
        (export("out.ipynb", name="os.system('touch pwned')"), "error", "identifier"),
        ({"type": "set_mode", "mode": [0] * 200_000}, "error", "expected one of"),
        ({"type": "set_mode", "mode": "off"}, "error", "expected one of"),
        ({"type": "hello", "protocol": "1"}, "error", "expected an integer"),
        ({"type": "hello", "protocol": 999}, "error", "install the same leakguard"),
        ({"type": "explain", "request": 3, "name": "__import__('os').system('touch pwned')"}, "provenance",
         "not a variable name"),
        (export("../elsewhere/evil.ipynb"), "error", "file name of a notebook"),
        (export(evil), "error", "file name of a notebook"),
        (export("..\\elsewhere\\evil.ipynb"), "error", "file name of a notebook"),
        (export("evil.ipynb\x00.ipynb"), "error", "file name of a notebook"),
        (export(".hidden.ipynb"), "error", "file name of a notebook"),
        (export("notes.txt"), "error", "file name of a notebook"),
        (export("out.ipynb"), "export_result", "leads outside the kernel's folder"),
        (export("up.ipynb"), "export_result", "leads outside the kernel's folder"),
        (export("dev.ipynb"), "export_result", "leads outside the kernel's folder"),
        (export("fifo.ipynb"), "export_result", "is not a regular file"),
        (export("dir.ipynb"), "export_result", "is not a regular file"),
        (export("text.ipynb"), "export_result", "not a notebook"),
        (export("loop.ipynb"), "export_result", "cannot be read"),
        (export("missing.ipynb"), "export_result", "save it there first"),
        (export("garbage.ipynb"), "export_result", "export error"),
    ]


def _state(kernel: Kernel) -> tuple[dict[str, int], int, Any]:
    names = {k: id(v) for k, v in kernel.ns.items() if not k.startswith("_")}
    return names, len(kernel.session.graph.nodes), kernel.session.policy


def test_hostile_messages_are_refused_and_run_nothing(kernel: Kernel, folders: dict[str, Path],
                                                      comm: FakeComm) -> None:
    kernel.run("import leakguard\nsecret = 42")
    before = _state(kernel)
    start = time.perf_counter()
    for message, kind, words in _batch(folders):
        replies = comm.deliver(message)  # an exception escaping the handler fails here
        shown = repr(message)[:120]
        assert len(replies) == 1, shown  # exactly one reply, and a valid kernel message (FakeComm checks)
        reply = replies[0]
        assert reply["type"] == kind, (shown, reply)
        text = reply.get("error") if kind == "provenance" else reply["message"]
        assert words in text, (shown, text)
        if kind == "export_result":
            assert reply["ok"] is False and reply["files"] == [] and reply["request"] == 9
            assert text.startswith(("export refused: ", "export error")), text
    elapsed = time.perf_counter() - start
    assert elapsed < BUDGET, f"the batch took {elapsed:.1f} s"
    for folder in folders.values():
        assert not (folder / "marker.txt").exists(), "a notebook's code ran"
        assert not (folder / "pipelines").exists()
    assert not Path("pwned").exists()
    assert _state(kernel) == before and kernel.ns["secret"] == 42


def test_a_notebook_inside_the_root_still_exports(kernel: Kernel, folders: dict[str, Path],
                                                  comm: FakeComm) -> None:
    # the negative twin: a real notebook in the root (also reached through a link inside the root) is exported
    _evil(folders["root"] / "fine.ipynb")
    (folders["root"] / "alias.ipynb").symlink_to(folders["root"] / "fine.ipynb")
    before = _state(kernel)
    reply = comm.deliver({"type": "export", "request": 1, "notebook": "alias.ipynb", "name": "fine"})[0]
    assert reply["ok"], (reply["message"], reply["reasons"])
    assert reply["files"] == ["pipelines/fine/v1.py", "pipelines/fine/v1.lock.json"]
    assert int((folders["root"] / "marker.txt").read_text()) != os.getpid()
    assert _state(kernel) == before


def test_files_in_the_root_cannot_stand_in_for_modules_but_local_helpers_resolve(
        kernel: Kernel, folders: dict[str, Path], comm: FakeComm) -> None:
    root = folders["root"]
    # a file named like a module the export process imports must not run ...
    (root / "argparse.py").write_text("open('shadow-marker.txt', 'w').write('ran')\nraise SystemExit(3)\n",
                                      encoding="utf-8")
    # ... while the notebook's own helper module, which its load step imports, still resolves
    (root / "lg_local_helpers.py").write_text(
        "import pandas as pd\n\ndef load_events(p):\n    return pd.read_parquet(p)\n", encoding="utf-8")
    cells = list(CHURN)
    cells[1] = "from lg_local_helpers import load_events\ndf = load_events('data/events.parquet')"
    del cells[4:6]  # the inspections: the static engine cannot see rows read by a helper it does not know
    write_notebook(root / "helped.ipynb", cells)
    reply = comm.deliver({"type": "export", "request": 2, "notebook": "helped.ipynb"})[0]
    assert not (root / "shadow-marker.txt").exists()
    assert reply["ok"], (reply["message"], reply["reasons"])
    assert "lg_local_helpers" in (root / "pipelines/helped/v1.py").read_text(encoding="utf-8")
