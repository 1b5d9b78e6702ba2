"""The panel's HTML: every value from the session is escaped, so hostile names show literally."""

from __future__ import annotations

import html
from collections.abc import Sequence

from leakguard.finding import Finding
from leakguard.protocol import messages as m

_COLOR = {"error": "#c62828", "warning": "#e08a00", "info": "#607d8b"}


def policy_html(policy: m.PolicyView) -> str:
    """The policy as a small table; inferred parts are marked."""
    esc = html.escape
    rows = [
        ("label", ", ".join(policy["label"]) or "not set"), ("time", policy["time"] or "not set"),
        ("cutoff", policy["cutoff"] or "not set"), ("holdout", policy["holdout"]), ("mode", policy["mode"]),
    ]
    cells = "".join(
        f"<tr><th style='text-align:left;padding-right:8px'>{key}</th><td>{esc(value)}"
        f"{' <i>(inferred)</i>' if key in policy['inferred'] else ''}</td></tr>"
        for key, value in rows
    )
    return f"<table class='leakguard-policy'>{cells}</table>"


def findings_html(findings: Sequence[Finding]) -> str:
    """Findings grouped by cell, in the order the cells first reported one."""
    esc = html.escape
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.where.cell, []).append(f)
    if not groups:
        return "<p>No findings yet.</p>"
    parts = []
    for cell, items in groups.items():
        count = items[0].where.execution_count
        head = f"In [{count}]" if count is not None else esc(cell)
        parts.append(f"<div class='leakguard-group' data-cell='{esc(cell)}'><b>{head}</b> · {len(items)} finding(s)<ul>")
        for f in items:
            # one line per finding (its title), the explanation and the fix folded under it
            hint = f"<br><span style='opacity:.8'>fix: {esc(f.hint)}</span>" if f.hint else ""
            blocked = " <b>(blocked)</b>" if f.blocked else ""
            more = f"<details><summary>why</summary>{esc(f.detail)}{hint}</details>" if f.detail else hint
            parts.append(f"<li><span style='color:{_COLOR[f.severity]}'>{esc(f.severity)}</span> "
                         f"<code>{esc(f.rule)}</code>: {esc(f.title)}{blocked}{more}</li>")
        parts.append("</ul></div>")
    return "".join(parts)


def graph_html(subject: str, graph: m.Graph | None, error: str) -> str:
    """A provenance graph as a list, sources first: each value with the operation and cell that made it."""
    esc = html.escape
    if graph is None:
        return f"<p>{esc(subject)}: {esc(error)}</p>"
    names = {n["id"]: n["name"] for n in graph["nodes"]}
    inputs: dict[str, list[str]] = {}
    for e in graph["edges"]:
        inputs.setdefault(e["target"], []).append(names.get(e["source"], e["source"]))
    items = []
    for n in graph["nodes"]:
        where = f"In [{n['execution_count']}]" if n["execution_count"] is not None else n["cell"]
        came = f" ← {', '.join(inputs[n['id']])}" if n["id"] in inputs else " (source)"
        items.append(f"<li><b>{esc(n['name'])}</b>{esc(came)}: {esc(n['op'])} in {esc(where)}; rows {esc(n['rows'])}"
                     f"{'; taint ' + esc(', '.join(n['taint'])) if n['taint'] else ''}</li>")
    return f"<ol class='leakguard-provenance'>{''.join(items)}</ol>"


def export_html(result: m.ExportResult) -> str:
    """The answer to an export: what was written, or why not and which cells stop it."""
    esc = html.escape
    lines = [esc(result["message"]), *(f"<code>{esc(f)}</code>" for f in result["files"])]
    lines += [esc(r) for r in result["reasons"] if r not in result["message"]]  # a lone reason is the message
    for cell in result["blocking"]:
        count = cell["execution_count"]
        head = f"In [{count}]" if count is not None else esc(cell["cell"])
        lines.append(f"{head}: " + ", ".join(f"<code>{esc(rule)}</code>" for rule in cell["rules"]))
    if result["blocking"]:
        lines.append("Fix those cells, or tick <i>leave out the cells with findings</i> and export again.")
    return "<br>".join(lines)
