"""leakguard: exploration that is safe from data leakage by construction.

In IPython or Jupyter: ``%load_ext leakguard``. From Python::

    import leakguard
    leakguard.policy(label="churned", time="event_ts", cutoff="2024-06-01", holdout=0.2)
    train, test = leakguard.split(df)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leakguard._version import __version__ as __version__
from leakguard.errors import LeakageError, LeakguardError, PolicyError
from leakguard.policy import Policy
from leakguard.tracebacks import user_facing

if TYPE_CHECKING:
    from leakguard.finding import Finding
    from leakguard.lineage.graph import Node
    from leakguard.pipeline.api import ExportResult

__all__ = [
    "LeakageError", "LeakguardError", "Policy", "PolicyError", "explain", "export", "findings", "panel", "policy",
    "split",
]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext leakguard``."""
    from leakguard.kernel.extension import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext leakguard``: every wrapped API gets its original back."""
    from leakguard.kernel.extension import unload

    unload(ipython)


@user_facing  # a PolicyError points at the user's call, not at leakguard's lines
def policy(data: Any = None, **values: Any) -> Policy:
    """Set (with keywords) or read (without) the policy in force; returns it.

    Keys: ``label``, ``time``, ``cutoff``, ``holdout`` (a fraction), ``seed``,
    ``holdout_column``, ``holdout_ids`` with ``id_column``, ``holdout_tables``, ``mode``.
    Pass ``data=df`` to check that the frame has the columns the policy names
    (PolicyError lists its columns otherwise) and that a ``holdout_column`` in it is a
    boolean mask. A wrong value raises PolicyError naming the key; the policy is unchanged.
    """
    from leakguard import _hooks

    current = _hooks.current_policy()
    if values:
        current = current.updated(values, origin="leakguard.policy()")
    if data is not None and hasattr(data, "columns"):
        from leakguard.splitting import check_holdout_column

        current.check_columns(list(data.columns), "the frame")
        check_holdout_column(data, current)
    if values:
        _hooks.set_policy(current)
    return current


@user_facing
def split(*frames: Any, policy: Policy | None = None) -> tuple[Any, ...]:
    """Split by the policy: ``train, test = leakguard.split(df)`` (``X_tr, X_te, y_tr, y_te = split(X, y)``).

    Rows after the cutoff go to neither part; the holdout is the policy's (the most recent
    rows when a time column is set, else a seeded hash of each row's index label).
    """
    from leakguard.splitting import split as _split

    return _split(*frames, policy=policy)


def findings() -> list[Finding]:
    """Every finding of the live kernel session (empty without ``%load_ext leakguard``)."""
    from leakguard import _hooks

    session = _hooks.active()
    return list(getattr(session, "findings", []))


def panel() -> Any:
    """An ipywidgets panel with the policy, findings by cell, mode, provenance and export (any frontend)."""
    from leakguard.faces.widgets import panel as _panel

    return _panel()


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where the prebuilt JupyterLab sidebar lives (for ``jupyter labextension develop``)."""
    return [{"src": "labextension", "dest": "leakguard"}]


class Explanation:
    """The provenance of a value: prints as text, renders as HTML in notebooks."""

    def __init__(self, text: str, html: str, node: Node | None) -> None:
        self.text = text
        self.html = html
        self.node = node

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return self.html


def explain(obj_or_name: Any) -> Explanation:
    """Where a value comes from, cell by cell: its row domain, taint and provenance chain."""
    from leakguard import _hooks
    from leakguard.faces.display import explain_html, explain_text
    from leakguard.kernel.session import Session

    session = _hooks.active()
    if not isinstance(session, Session):
        return Explanation("leakguard is not loaded (%load_ext leakguard)", "leakguard is not loaded", None)
    if isinstance(obj_or_name, str):
        node = session.node_for_name(obj_or_name)
    else:
        nid = session.tracker.node_of(obj_or_name)
        node = session.graph.nodes.get(nid) if nid else None
    if node is None:
        text = f"no lineage for {obj_or_name!r}"
        return Explanation(text, text, None)
    return Explanation(explain_text(session.graph, node), explain_html(session.graph, node), node)


def export(notebook: Any, output_dir: Any = "pipelines", *, name: str | None = None, drop_leaky: bool = False,
           outputs: tuple[str, ...] = (), diff: bool = False) -> ExportResult:
    """Export a saved notebook's clean cells as ``output_dir/name/v<N>.py`` + ``v<N>.lock.json``.

    Returns an :class:`~leakguard.pipeline.api.ExportResult` (``.ok``, ``.files``, ``.reasons``,
    ``.decisions``); it never raises for a notebook it cannot export. Save the notebook first:
    export reads the file, not the live cells.
    """
    from leakguard.pipeline.api import export as _export

    return _export(notebook, output_dir=output_dir, name=name, drop_leaky=drop_leaky, outputs=outputs, diff=diff)
