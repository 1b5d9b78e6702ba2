"""``leakguard.panel()``: the sidebar's information as an ipywidgets panel, for any notebook frontend."""

from leakguard.faces.widgets.panel import panel

__all__ = ["panel"]
