"""The kernel's end of the ``leakguard`` comm: handshake, per-cell updates, and the browser's requests.

On load the kernel opens a comm (its open data is ``hello``). A browser attaches to it —
when it opens, or after a page reload by asking the kernel which comms exist — and sends
``hello``; the kernel answers ``hello`` and a ``snapshot``. After every cell it sends one
``update`` holding only what changed. Browser messages are validated against
``leakguard.protocol`` and map to four fixed actions (handshake, mode, explain, export):
none of them runs code in the kernel (export runs in a separate process:
``faces/export_request.py``). JupyterLab may send comm messages on a kernel subshell (another
thread), so the bridge's own state is guarded by a lock. When every comm has been closed (a frontend without leakguard
closes comms it does not know), the next cell opens a fresh one.
"""

from __future__ import annotations

import keyword
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import leakguard
from leakguard._version import __version__
from leakguard.errors import PolicyError
from leakguard.faces.export_request import run_export
from leakguard.finding import Finding
from leakguard.kernel.session import Session
from leakguard.protocol import messages as m
from leakguard.protocol import views
from leakguard.protocol.schema import ProtocolError, validate_browser_message

log = logging.getLogger("leakguard")
_NODE_ID = re.compile(r"n\d{1,12}")
ORDER_LIMIT = 5_000


class CommLike(Protocol):
    """What the bridge needs of a comm (``comm.base_comm.BaseComm`` has it)."""

    comm_id: str

    def send(self, data: Any = None) -> None: ...

    def on_msg(self, callback: Callable[[dict[str, Any]], None]) -> None: ...

    def on_close(self, callback: Callable[[dict[str, Any]], None]) -> None: ...

    def close(self) -> None: ...


Opener = Callable[[dict[str, Any]], CommLike]


def kernel_opener(data: dict[str, Any]) -> CommLike:
    """Open a comm to the frontends through ipykernel's comm manager."""
    import comm

    opened: CommLike = comm.create_comm(target_name=m.TARGET, data=data)
    return opened


class _Cell:
    __slots__ = ("execution_count", "findings", "notes")

    def __init__(self) -> None:
        self.execution_count: int | None = None
        self.findings: list[Finding] = []
        self.notes: list[str] = []


class Bridge:
    """Keeps the browser's picture of one session current, sending only what changed."""

    def __init__(self, session: Session, opener: Opener = kernel_opener, root: Path | None = None) -> None:
        self.session = session
        self.opener = opener
        self.id = uuid.uuid4().hex
        self.comms: list[CommLike] = []
        self.cells: dict[str, _Cell] = {}
        self.order: list[m.Run] = []
        self.seq = 0
        self._policy_sent: m.PolicyView | None = None
        self._lock = threading.RLock()
        self._loading_run: m.Run | None = None
        # export's folder rule: the working folder at load time (faces/export_request.py)
        self.root = Path(os.path.realpath(root if root is not None else os.getcwd()))

    # -- lifetime ----------------------------------------------------------------------------

    def start(self) -> None:
        """Listen to cell runs and open the announcement comm."""
        self.session.listeners.append(self.on_cell)
        self._policy_sent = views.policy_view(self.session.policy)
        self._loading_run = _running_cell(self.session.shell)
        self._open()

    def stop(self) -> None:
        """Stop listening and close every comm (the browser then shows leakguard as not loaded)."""
        if self.on_cell in self.session.listeners:
            self.session.listeners.remove(self.on_cell)
        for c in list(self.comms):
            try:
                c.close()
            except Exception as exc:
                log.debug("closing a leakguard comm failed", exc_info=exc)
        self.comms.clear()

    def _open(self) -> None:
        opened = self.opener(dict(self.hello()))
        opened.on_msg(lambda msg: self.receive(opened, msg))
        opened.on_close(lambda _msg: self._forget(opened))
        self.comms.append(opened)

    def _forget(self, closed: CommLike) -> None:
        if closed in self.comms:
            self.comms.remove(closed)

    # -- kernel → browser --------------------------------------------------------------------

    def hello(self) -> m.KernelHello:
        return {"type": "hello", "protocol": m.PROTOCOL_VERSION, "version": __version__,
                "session": self.id}

    def snapshot(self) -> m.Snapshot:
        """Everything, for a browser that just attached."""
        with self._lock:
            return self._snapshot()

    def _snapshot(self) -> m.Snapshot:
        self._absorb()
        self._policy_sent = views.policy_view(self.session.policy)
        # a cell whose findings were superseded by a clean run (and that has no notes) is no group at all:
        # the panel counts checked cells from ``order``
        kept = [cell for cell, st in self.cells.items() if st.findings or st.notes]
        return {
            "type": "snapshot", "session": self.id, "policy": self._policy_sent,
            "cells": [self._report(cell) for cell in kept], "order": list(self.order),
        }

    def on_cell(self, session: Session) -> None:
        """After every cell: one update with the run, the changed cells and the policy if it changed."""
        with self._lock:
            self._on_cell(session)

    def _on_cell(self, session: Session) -> None:
        run: m.Run = {"cell": session.cell_id, "execution_count": session.execution_count}
        if session.execution_count is None and self._loading_run is not None:
            run = self._loading_run  # the cell that loaded leakguard: the session started inside it
        self._loading_run = None
        self.order.append(run)
        del self.order[:-ORDER_LIMIT]
        changed = self._absorb()
        state = self.cells.get(session.cell_id)
        if state is None and (session.cell_notes or session.cell_id in changed):
            state = self.cells.setdefault(session.cell_id, _Cell())
        if state is not None:
            if state.notes != session.cell_notes or state.execution_count != session.execution_count:
                changed.add(session.cell_id)
            state.notes = list(session.cell_notes)
            state.execution_count = session.execution_count
        if not self.comms:
            self._open()
        self.broadcast(self.update(run, changed))

    def update(self, run: m.Run | None, changed: set[str]) -> m.Update:
        """The next update message (call with the lock held)."""
        self.seq += 1
        policy = views.policy_view(self.session.policy)
        policy_changed = policy != self._policy_sent
        self._policy_sent = policy
        return {
            "type": "update", "session": self.id, "seq": self.seq, "run": run,
            "cells": [self._report(c) for c in self.cells if c in changed],
            "policy": policy if policy_changed else None,
        }

    def _absorb(self) -> set[str]:
        """Group the session's current findings by cell; the ids of the cells whose findings changed.

        A cell that runs again supersedes its earlier findings (the session drops them), so
        this compares the whole grouping rather than appending.
        """
        by_cell: dict[str, list[Finding]] = {}
        for f in self.session.findings:
            by_cell.setdefault(f.where.cell, []).append(f)
        changed: set[str] = set()
        for cell in by_cell.keys() | {c for c, st in self.cells.items() if st.findings}:
            found = by_cell.get(cell, [])
            state = self.cells.setdefault(cell, _Cell())
            if state.findings != found:
                state.findings = found
                changed.add(cell)
            if state.execution_count is None and found:
                state.execution_count = found[0].where.execution_count
        return changed

    def _report(self, cell: str) -> m.CellReport:
        state = self.cells[cell]
        return views.cell_report(cell, state.execution_count, state.findings, state.notes)

    def broadcast(self, message: Any) -> None:
        for c in list(self.comms):
            self._send(c, message)

    def _send(self, target: CommLike, message: Any) -> None:
        try:
            target.send(message)
        except Exception as exc:  # a dead comm must not break the user's cell
            log.debug("sending on a leakguard comm failed", exc_info=exc)
            self._forget(target)

    # -- browser → kernel --------------------------------------------------------------------

    def receive(self, source: CommLike, msg: dict[str, Any]) -> None:
        """Handle one comm message from a browser; malformed ones get an ``error`` reply, nothing else."""
        data = msg.get("content", {}).get("data") if isinstance(msg, dict) else None
        request = data.get("request") if isinstance(data, dict) else None
        request = request if isinstance(request, int) and not isinstance(request, bool) else None
        try:
            message = validate_browser_message(data)
            kind = message["type"]
            if kind == "hello":
                self._handshake(source, message["protocol"])
            elif kind == "set_mode":
                self.set_mode(message["mode"])
            elif kind == "explain":
                self._send(source, self.explain(message["request"], message["name"]))
            elif kind == "export":
                self._send(source, self.export(message["request"], message["notebook"],
                                               drop_leaky=message.get("drop_leaky", False),
                                               name=message.get("name")))
        except ProtocolError as exc:
            self._send(source, {"type": "error", "request": request, "message": f"rejected: {exc}"})
        except Exception as exc:
            self.session.internal_error("sidebar request", exc)
            self._send(source, {"type": "error", "request": request, "message": f"leakguard failed: {exc}"})

    def _handshake(self, source: CommLike, protocol: int) -> None:
        if protocol != m.PROTOCOL_VERSION:
            raise ProtocolError(
                f"the sidebar speaks protocol {protocol}, this kernel's leakguard {__version__} "
                f"speaks {m.PROTOCOL_VERSION}: install the same leakguard in the kernel and in JupyterLab"
            )
        self._send(source, self.hello())
        self._send(source, self.snapshot())

    def set_mode(self, mode: m.Mode) -> None:
        """Switch the mode, as ``%leakguard mode`` does, and tell every browser."""
        s = self.session
        try:
            s.set_policy(s.policy.updated({"mode": mode}, origin="leakguard sidebar"))
        except PolicyError as exc:
            raise ProtocolError(str(exc)) from exc
        with self._lock:
            self.broadcast(self.update(None, set()))

    def explain(self, request: int, name: str) -> m.Provenance:
        """The provenance graph of a variable or a lineage node; only looked up, never evaluated."""
        return explain(self.session, request, name)

    def export(self, request: int, notebook: str, *, drop_leaky: bool = False,
               name: str | None = None) -> m.ExportResult:
        """Export the saved notebook in a separate process (never in this kernel), or say why not."""
        return run_export(request, notebook, self.root, drop_leaky=drop_leaky, name=name)


def explain(session: Session, request: int, name: str) -> m.Provenance:
    """The provenance graph of a variable or a lineage node; only looked up, never evaluated."""
    reply: m.Provenance = {"type": "provenance", "request": request, "subject": name, "graph": None,
                           "error": ""}
    if _NODE_ID.fullmatch(name):
        node = session.graph.nodes.get(name)
    elif name.isidentifier() and not keyword.iskeyword(name):
        node = session.node_for_name(name)
    else:
        reply["error"] = "not a variable name"
        return reply
    if node is None:
        reply["error"] = "leakguard has no lineage for this value"
        return reply
    reply["graph"] = views.provenance_graph(session.graph, node)
    return reply


def _running_cell(shell: Any) -> m.Run | None:
    """The cell IPython is running now (its id and count), when there is one."""
    result = getattr(getattr(shell, "displayhook", None), "exec_result", None)
    info = getattr(result, "info", None)
    cell_id = getattr(info, "cell_id", None)
    count = getattr(shell, "execution_count", None)
    if not isinstance(cell_id, str) or not cell_id:
        return None
    if isinstance(count, int) and getattr(info, "store_history", False):
        count -= 1  # as Session.pre_run_cell: IPython counts the cell before it announces it
    return {"cell": cell_id, "execution_count": count if isinstance(count, int) else None}


def find_export() -> Callable[..., Any] | None:
    """The function ``leakguard.export`` if this leakguard has it.

    The comm never calls it (export runs in a separate process: ``faces/export_request.py``); the
    browser test asks it whether export exists.
    """
    target: Any = getattr(leakguard, "export", None)
    return target if callable(target) else None
