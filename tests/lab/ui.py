"""Geometry and colour checks on a JupyterLab page: what a person would see, measured."""

from __future__ import annotations

import re
from typing import Any


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, f"{locator} has no box (not rendered)"
    return dict(found)


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def inside(inner: dict[str, float], outer: dict[str, float], slack: float = 1.0) -> bool:
    return (inner["x"] >= outer["x"] - slack and inner["y"] >= outer["y"] - slack
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack)


def in_viewport(page: Any, locator: Any) -> bool:
    size = page.viewport_size
    return inside(box(locator), {"x": 0, "y": 0, "width": size["width"], "height": size["height"]})


def _luminance(css: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(locator: Any) -> float:
    """WCAG contrast of an element's text colour against its (opaque) background colour."""
    fg, bg = locator.evaluate("e => { const s = getComputedStyle(e); return [s.color, s.backgroundColor]; }")
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def set_theme(page: Any, name: str) -> None:
    """The command palette's "Use Theme: ``name``", as a person picks it; waits for the theme to apply."""
    page.keyboard.press("Control+Shift+c")
    page.locator(".lm-CommandPalette-input").fill(f"Use Theme: {name}")
    page.locator(".lm-CommandPalette-content").get_by_text(f"Use Theme: {name}", exact=True).click()
    light = "true" if "Light" in name else "false"
    page.wait_for_selector(f'body[data-jp-theme-light="{light}"]', state="attached", timeout=15_000)
    page.wait_for_timeout(300)  # the theme's stylesheet swaps in just after the attribute
