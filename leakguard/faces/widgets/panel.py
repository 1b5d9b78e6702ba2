"""``leakguard.panel()``: policy, findings by cell, mode switch, provenance and export as ipywidgets.

For classic Notebook, VS Code and other frontends without the JupyterLab sidebar. It reads the
same session and protocol views as the sidebar and refreshes itself after every cell.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Any

from leakguard import _hooks
from leakguard.faces.widgets.render import export_html, findings_html, graph_html, policy_html
from leakguard.kernel.session import Session
from leakguard.policy import MODES
from leakguard.protocol import views


def panel() -> Any:
    """An ipywidgets panel for the live session (a one-line notice when leakguard is not loaded)."""
    import ipywidgets as widgets

    session = _hooks.active()
    if not isinstance(session, Session):
        return widgets.HTML("leakguard is not loaded: run <code>%load_ext leakguard</code> first.")
    return Panel(session).widget


class Panel:
    """The widgets and their wiring; kept alive by the widget tree, not by the session."""

    def __init__(self, session: Session) -> None:
        import ipywidgets as widgets

        self.session = session
        self.policy = widgets.HTML()
        self.mode = widgets.ToggleButtons(options=list(MODES), description="mode")
        self.findings = widgets.HTML()
        self.name = widgets.Text(placeholder="a variable, e.g. train", description="explain")
        self.explain_button = widgets.Button(description="Explain")
        self.provenance = widgets.HTML()
        self.export_button = widgets.Button(description="Export clean pipeline")
        self.drop_leaky = widgets.Checkbox(value=False, description="leave out the cells with findings")
        self.export_result = widgets.HTML()
        self.widget = widgets.VBox([
            widgets.HTML("<b>leakguard</b>"), self.policy, self.mode,
            widgets.HBox([self.name, self.explain_button]), self.provenance,
            widgets.HBox([self.export_button, self.drop_leaky]), self.export_result, self.findings,
        ])
        self.widget._leakguard_panel = self  # the widget keeps its panel alive
        self.refresh()
        self.mode.observe(self._on_mode, names="value")
        self.explain_button.on_click(lambda _button: self.explain(self.name.value))
        self.export_button.on_click(lambda _button: self.export())
        ref = weakref.ref(self)

        def listener(s: Session) -> None:
            live = ref()
            if live is None or live.closed:
                s.listeners.remove(listener)
                if live is not None:
                    live.close()
            else:
                live.refresh()

        session.listeners.append(listener)

    @property
    def closed(self) -> bool:
        """True once the panel's widget was closed (its comm is gone)."""
        return getattr(self.widget, "comm", None) is None

    def close(self) -> None:
        """Close every widget of the panel (the frontend forgets them)."""
        for child in (self.policy, self.mode, self.findings, self.name, self.explain_button, self.provenance,
                      self.export_button, self.export_result, self.widget):
            child.close()

    def refresh(self) -> None:
        """Show the session's policy, mode and findings as they are now."""
        view = views.policy_view(self.session.policy)
        self.policy.value = policy_html(view)
        if self.mode.value != view["mode"]:
            self.mode.value = view["mode"]
        self.findings.value = findings_html(self.session.findings)

    def _on_mode(self, change: dict[str, Any]) -> None:
        mode = change["new"]
        if mode != self.session.policy.mode:
            self.session.set_policy(self.session.policy.updated({"mode": mode}, origin="leakguard panel"))
            self.refresh()

    def explain(self, name: str) -> None:
        """Show the provenance of a variable (looked up by name, never evaluated)."""
        from leakguard.faces.comm import explain

        reply = explain(self.session, 0, name.strip())
        self.provenance.value = graph_html(name, reply["graph"], reply["error"])

    def export(self) -> None:
        """Run leakguard's export on this notebook, when the kernel knows the notebook's file."""
        from html import escape

        from leakguard.faces.export_request import run_export
        from leakguard.protocol.schema import ProtocolError

        notebook = os.environ.get("JPY_SESSION_NAME", "")
        if not notebook.endswith(".ipynb"):
            self.export_result.value = ("The kernel does not know this notebook's file: save it and run "
                                        "<code>leakguard export NOTEBOOK</code>.")
            return
        try:
            result = run_export(0, Path(notebook).name, Path.cwd(), drop_leaky=self.drop_leaky.value)
        except ProtocolError as exc:
            self.export_result.value = escape(str(exc))
            return
        self.export_result.value = export_html(result)
