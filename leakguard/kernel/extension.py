"""``%load_ext leakguard`` / ``%unload_ext leakguard``: wire a Session into an IPython shell, and take it out again."""

from __future__ import annotations

import ast
import dataclasses
from typing import Any

from leakguard import _hooks
from leakguard.kernel.handlers import handled, make_wrapper
from leakguard.kernel.patching import Patcher
from leakguard.kernel.session import Session
from leakguard.libraries.registry import all_entries


class _CellScanner(ast.NodeTransformer):
    """An AST 'transformer' that changes nothing: it hands each cell's parsed code to the session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.Module):
            try:
                self.session.scan_module(node)
            except Exception as exc:  # a scan failure must not unregister us or break the cell
                self.session.internal_error("cell scan", exc)
        return node


@dataclasses.dataclass
class Loaded:
    """What loading installed, so unloading can remove exactly that."""

    shell: Any
    session: Session
    patcher: Patcher
    scanner: _CellScanner
    magics: Any
    bridge: Any = None  # leakguard.faces.comm.Bridge, when a Jupyter kernel hosts the shell
    sql_magic: Any = None  # the %%sql magic that leakguard's displaced (another extension's), if any


_loaded: Loaded | None = None


def loaded() -> Loaded | None:
    """The live installation, if any."""
    return _loaded


def load(shell: Any) -> Session:
    """Install leakguard into ``shell`` (idempotent)."""
    global _loaded
    if _loaded is not None:
        if _loaded.shell is shell:
            return _loaded.session
        unload(_loaded.shell)
    session = Session(shell)
    # kinds with no kernel handler yet (the native boosting APIs: containers, function-style fits) stay unwrapped
    patcher = Patcher([api for api in all_entries() if handled(api)], lambda api, original: make_wrapper(session, api, original))
    patcher.install()
    scanner = _CellScanner(session)
    shell.ast_transformers.append(scanner)
    shell.events.register("pre_run_cell", session.pre_run_cell)
    shell.events.register("post_run_cell", session.post_run_cell)
    from leakguard.kernel.magics import LeakguardMagics

    magics = LeakguardMagics(shell, session)
    shell.register_magics(magics)
    from leakguard.sql import magic as sql_magic

    displaced = sql_magic.install(shell, session)
    _hooks.attach(session)
    _loaded = Loaded(shell, session, patcher, scanner, magics, _start_bridge(shell, session), sql_magic=displaced)
    return session


def _start_bridge(shell: Any, session: Session) -> Any:
    """The comm to JupyterLab's sidebar, when a Jupyter kernel hosts the shell (None in a terminal)."""
    if getattr(shell, "kernel", None) is None:
        return None
    from leakguard.faces.comm import Bridge

    try:
        bridge = Bridge(session)
        bridge.start()
    except Exception as exc:
        session.internal_error("sidebar comm", exc)
        return None
    return bridge


def unload(shell: Any) -> None:
    """Remove everything ``load`` installed; every wrapped API gets its original object back."""
    global _loaded
    state = _loaded
    if state is None or state.shell is not shell:
        return
    state.patcher.restore()
    if state.scanner in shell.ast_transformers:
        shell.ast_transformers.remove(state.scanner)
    for event, callback in (("pre_run_cell", state.session.pre_run_cell),
                            ("post_run_cell", state.session.post_run_cell)):
        try:
            shell.events.unregister(event, callback)
        except ValueError:
            pass
    registry = shell.magics_manager.magics
    for kind, names in state.magics.magics.items():
        for name in names:
            if getattr(registry[kind].get(name), "__self__", None) is state.magics:  # else re-registered: not ours
                registry[kind].pop(name, None)
    from leakguard.sql import magic as sql_magic

    sql_magic.uninstall(shell, state.sql_magic)
    if state.bridge is not None:
        state.bridge.stop()
    _hooks.attach(None)
    state.session.tracker.clear()
    _loaded = None
