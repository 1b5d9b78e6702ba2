"""The sidebar's export request: checked against the kernel's folder, run in a separate process.

A browser message must never make the kernel run code (docs/sidebar.md). Export runs the
notebook's load step to record its inputs, which is the notebook's code, so the kernel only
checks the request and starts ``python -m leakguard.pipeline.worker`` with a time limit; the
user's namespace, lineage and imports are left alone.

The folder rule: the *root* is the kernel's working folder when leakguard was loaded (Jupyter
starts a kernel in its notebook's folder; the kernel cannot know the server's own root). The
request names a notebook file in it; its real path (symlinks resolved) must lie inside the
root's real path and be a regular ``.ipynb`` file, or the request is refused with the reason.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from leakguard.protocol import messages as m
from leakguard.protocol.schema import ProtocolError

EXPORT_TIMEOUT = 300.0  # seconds; reading large inputs to profile them takes a while, a hang must not last
MAX_REASONS = 50
MAX_TEXT = 2_000        # per reason: the protocol caps strings, and the sidebar shows short lines


class Refusal(Exception):
    """A request the kernel will not carry out; the message says why, for people."""


class Failure(Exception):
    """The export process did not answer (timed out, crashed); the message says what happened."""


def notebook_path(notebook: str, root: Path) -> Path:
    """The real path of ``notebook`` inside ``root``; ProtocolError for a malformed name, Refusal otherwise."""
    if (not notebook.endswith(".ipynb") or notebook.startswith(".") or "/" in notebook or "\\" in notebook
            or "\x00" in notebook or Path(notebook).name != notebook):
        raise ProtocolError("export takes the file name of a notebook (.ipynb) in the kernel's working folder")
    shown = notebook if len(notebook) <= 120 else f"{notebook[:100]}…{notebook[-10:]}"  # replies stay short
    base = os.path.realpath(root)
    real = os.path.realpath(os.path.join(base, notebook))
    if os.path.commonpath([base, real]) != base:
        raise Refusal(f"{shown} leads outside the kernel's folder ({base}); "
                      "leakguard exports only notebooks inside it")
    try:
        info = os.stat(real)
    except FileNotFoundError:
        raise Refusal(f"{shown} is not in the kernel's folder ({base}); save it there first") from None
    except OSError as exc:
        raise Refusal(f"{shown} cannot be read ({exc.strerror or type(exc).__name__})") from None
    if not stat.S_ISREG(info.st_mode):
        raise Refusal(f"{shown} is not a regular file")
    if not real.endswith(".ipynb"):
        raise Refusal(f"{shown} links to a file that is not a notebook (.ipynb)")
    return Path(real)


def export_available() -> bool:
    """Whether this leakguard has export."""
    return importlib.util.find_spec("leakguard.pipeline.api") is not None


def run_export(request: int, notebook: str, root: Path, *, drop_leaky: bool = False, name: str | None = None,
               timeout: float | None = None) -> m.ExportResult:
    """Export ``root/notebook`` in a separate process: the files written, or why it refused or failed."""
    reply: m.ExportResult = {"type": "export_result", "request": request, "available": False, "ok": False,
                             "files": [], "reasons": [], "message": "", "blocking": []}
    timeout = EXPORT_TIMEOUT if timeout is None else timeout
    if not export_available():
        reply["message"] = "export is not available yet in this version of leakguard"
        return reply
    reply["available"] = True
    if name is not None and not name.isidentifier():
        raise ProtocolError("export.name must be a Python identifier (the pipeline is imported by that name)")
    try:
        path = notebook_path(notebook, root)
        payload = _run_worker(path, Path(os.path.realpath(root)), drop_leaky, name, timeout)
    except Refusal as exc:
        reply["message"] = f"export refused: {exc}"
        return reply
    except Failure as exc:
        reply["message"] = f"export failed: {exc}"
        return reply
    _fill(reply, payload)
    return reply


def _run_worker(path: Path, root: Path, drop_leaky: bool, name: str | None, timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="leakguard-export-") as tmp:
        result = Path(tmp) / "result.json"
        errors = Path(tmp) / "stderr.txt"
        # -P: the root is not put first on the path, so a file there named like a module (argparse.py,
        # leakguard/) cannot stand in for it; the worker appends the root last for the notebook's own helpers
        command = [sys.executable, "-P", "-m", "leakguard.pipeline.worker", str(path), str(result)]
        command += ["--drop-leaky"] if drop_leaky else []
        command += [f"--name={name}"] if name else []
        with errors.open("wb") as err:
            # a session of its own: on a timeout the whole group goes (a library may have started children)
            proc = subprocess.Popen(command, cwd=root, env=_environment(), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill(proc)
                raise Failure(f"it took longer than {timeout:g} s and was stopped") from None
            except BaseException:  # the kernel interrupted while waiting: the export must not run on, orphaned
                _kill(proc)
                raise
        if not result.is_file():
            tail = errors.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise Failure(f"the export process ended (exit {proc.returncode}): {tail[0][:MAX_TEXT]}")
        loaded: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
        return loaded


def _environment() -> dict[str, str]:
    """The kernel's environment, with this leakguard first on the path (the worker must run the same code)."""
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH", "")) if p)
    return env


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill the export's process group and reap the process."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        # an interrupt landing inside Popen.wait can leave its internal lock held, and wait() would block
        # for ever: reap the (killed) process directly
        try:
            os.waitpid(proc.pid, 0)
        except ChildProcessError:
            pass


def _fill(reply: m.ExportResult, payload: dict[str, Any]) -> None:
    """The reply from the worker's ``ExportResult.to_dict()``: one short message, the cells that refused it."""
    from leakguard.pipeline.slicing import LEAKY_REFUSAL

    status = str(payload.get("status", "error"))
    reply["ok"] = bool(payload.get("ok", False))
    reply["files"] = [str(f)[:MAX_TEXT] for f in payload.get("files", [])][:MAX_REASONS]
    blocking = payload.get("blocking", [])
    reply["blocking"] = [{"cell": str(b["cell"])[:MAX_TEXT], "execution_count": b.get("execution_count"),
                          "rules": [str(r) for r in b["rules"]]} for b in blocking]
    reasons = [str(r) for r in payload.get("reasons", []) if not str(r).startswith(LEAKY_REFUSAL)]
    reply["reasons"] = [r[:MAX_TEXT] for r in reasons][:MAX_REASONS]
    dropped = [c["cell"] for c in payload.get("cells", []) if c.get("reason") == "leaky"]
    if blocking and not reply["ok"]:
        cells = "cell" if len(blocking) == 1 else "cells"
        carries = "carries" if len(blocking) == 1 else "carry"
        numbers = _numbers([b["number"] for b in blocking])
        reply["message"] = f"export refused: {len(blocking)} {cells} {carries} findings ({cells} {numbers})"
    elif reply["ok"]:
        reply["message"] = f"export {status}: {len(reply['files'])} file(s)"
        if dropped:
            reply["message"] += f"; dropped {len(dropped)} leaky cell(s) (cells {_numbers(dropped)})"
    else:
        reply["message"] = f"export {status}" + (f": {reasons[0][:300]}" if reasons else "")


def _numbers(numbers: list[Any], shown: int = 12) -> str:
    """``4, 7, 9`` — the first ``shown`` cell numbers, then how many more: the message stays one line."""
    text = ", ".join(str(n) for n in numbers[:shown])
    return text + (f" and {len(numbers) - shown} more" if len(numbers) > shown else "")
