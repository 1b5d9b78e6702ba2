"""Findings under the cell: compact HTML in notebooks, plain text in terminals (one bundle, both forms)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from leakguard.finding import FINDINGS_MIME, FINDINGS_MIME_VERSION, Finding
from leakguard.lineage.graph import LineageGraph, Node

_ICON = {"error": "⛔", "warning": "⚠", "info": "ℹ"}
_COLOR = {"error": "#c62828", "warning": "#e08a00", "info": "#607d8b"}


def findings_text(findings: Sequence[Finding], notes: Sequence[str] = ()) -> str:
    """The terminal form."""
    lines: list[str] = []
    if findings:
        lines.append(f"leakguard: {len(findings)} finding(s)")
    for f in findings:
        where = f" (line {f.where.line})" if f.where.line else ""
        blocked = " — blocked" if f.blocked else ""
        lines.append(f"  {f.severity} [{f.rule}]{where}: {f.title}{blocked}")
        if f.detail:
            lines.append(f"    {f.detail}")
        if f.hint:
            lines.append(f"    fix: {f.hint}")
        if f.provenance:
            lines.append("    provenance: " + " → ".join(s.text() for s in f.provenance))
    for note in notes:
        lines.append(f"leakguard: {note}")
    return "\n".join(lines)


def findings_html(findings: Sequence[Finding], notes: Sequence[str] = ()) -> str:
    """The notebook form: every value from the kernel is escaped, so hostile names show literally."""
    esc = html.escape
    worst = max((f.severity for f in findings), key=lambda s: {"info": 0, "warning": 1, "error": 2}[s],
                default="info")
    parts = [
        f'<div class="leakguard-report" style="border-left:3px solid {_COLOR[worst]};padding:2px 8px;'
        'margin:2px 0;font-size:12px;line-height:1.45">'
    ]
    if findings:
        parts.append(f"<div><b>leakguard</b> · {len(findings)} finding(s)</div>")
    for f in findings:
        where = f" · line {f.where.line}" if f.where.line else ""
        blocked = ' <b class="leakguard-blocked">blocked</b>' if f.blocked else ""
        parts.append(
            f'<div class="leakguard-finding" data-rule="{esc(f.rule)}" data-severity="{esc(f.severity)}"'
            f' data-blocked="{str(f.blocked).lower()}">'
            f'<span style="color:{_COLOR[f.severity]}">{_ICON[f.severity]}</span> '
            f"<code>{esc(f.rule)}</code>{esc(where)}: {esc(f.title)}{blocked}"
        )
        if f.detail:
            parts.append(f'<div style="opacity:.8">{esc(f.detail)}</div>')
        if f.hint:
            parts.append(f'<div style="opacity:.8">fix: {_code(f.hint)}</div>')
        if f.provenance:
            steps = "".join(f"<li>{esc(s.text())}</li>" for s in f.provenance)
            parts.append(f"<details><summary>provenance</summary><ol>{steps}</ol></details>")
        parts.append("</div>")
    for note in notes:
        parts.append(f'<div class="leakguard-note" style="opacity:.8">leakguard: {esc(note)}</div>')
    parts.append("</div>")
    return "".join(parts)


def _code(text: str) -> str:
    """Escaped text whose backticked spans become ``<code>`` (an unpaired backtick stays as it is)."""
    pieces = text.split("`")
    if len(pieces) % 2 == 0:
        return html.escape(text)
    return "".join(f"<code>{html.escape(p)}</code>" if i % 2 else html.escape(p) for i, p in enumerate(pieces))


MIME, MIME_VERSION = FINDINGS_MIME, FINDINGS_MIME_VERSION


def show_cell_report(findings: Sequence[Finding], notes: Sequence[str]) -> None:
    """Display the cell's findings and notes: HTML for notebooks, text for terminals, JSON for tools."""
    from IPython.display import display

    display({
        "text/plain": findings_text(findings, notes),
        "text/html": findings_html(findings, notes),
        MIME: {"version": MIME_VERSION, "findings": [f.to_dict() for f in findings], "notes": list(notes)},
    }, raw=True)


def explain_text(graph: LineageGraph, node: Node) -> str:
    """The provenance chain of a value, cell by cell, as text."""
    chain = graph.provenance(node.id, limit=50)
    lines = [f"{node.name}: rows {node.rows.name}; taint {', '.join(sorted(node.taint)) or 'none'}"]
    for n in chain:
        cols = "" if n.columns is None else f"; {len(n.columns)} column(s)"
        role = f"; {n.split_role} part" if n.split_role else ""
        lines.append(f"  {n.where.short():>16}  {n.name} ← {n.op} (rows: {n.rows.name}{role}{cols})")
    return "\n".join(lines)


def explain_html(graph: LineageGraph, node: Node) -> str:
    """The provenance chain as an escaped HTML list."""
    esc = html.escape
    chain = graph.provenance(node.id, limit=50)
    items = "".join(
        f"<li><code>{esc(n.where.short())}</code> {esc(n.name)} ← {esc(n.op)} (rows: {esc(n.rows.name)}"
        f"{esc('; ' + n.split_role + ' part') if n.split_role else ''})</li>"
        for n in chain
    )
    taint = esc(", ".join(sorted(node.taint)) or "none")
    return (f'<div class="leakguard-explain"><b>{esc(node.name)}</b>: rows {esc(node.rows.name)}; '
            f"taint {taint}<ol>{items}</ol></div>")
