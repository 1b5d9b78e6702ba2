"""Findings: what a rule reports, as plain data every face can render or serialise."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from leakguard.lineage.events import Where
from leakguard.lineage.graph import LineageGraph

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"info": 0, "warning": 1, "error": 2}
# The findings a kernel shows under a cell, machine-readable, in the cell's outputs (read back by
# `leakguard run` and by export): ``{"version": FINDINGS_MIME_VERSION, "findings": [...], "notes": [...]}``.
FINDINGS_MIME = "application/vnd.leakguard.findings+json"
FINDINGS_MIME_VERSION = 1


@dataclasses.dataclass(frozen=True, slots=True)
class ProvenanceStep:
    """One link of a provenance chain: a value, the operation that made it and where."""

    node: str
    name: str
    op: str
    where: Where
    rows: str

    def text(self) -> str:
        """``In[2] line 1: df = read_parquet (rows: all)``."""
        return f"{self.where.short()}: {self.name} ← {self.op} (rows: {self.rows})"


@dataclasses.dataclass(frozen=True, slots=True)
class Finding:
    """A rule's report: rule id, severity, where, a one-line title, the detail, provenance and the fix.

    ``title`` is one line in the user's own names (what a list shows); ``detail`` explains
    why it matters in a sentence or two; ``hint`` is the fix, with inline code in backticks.
    ``blocked`` is true when block mode stopped the call that made the finding.
    """

    rule: str
    severity: Severity
    where: Where
    title: str
    detail: str = ""
    hint: str = ""
    subject: str = ""
    provenance: tuple[ProvenanceStep, ...] = ()
    blocked: bool = False

    @property
    def message(self) -> str:
        """Title and detail as one text (the ``message`` of the JSON formats, kept for tools that read it)."""
        return f"{self.title}. {self.detail}" if self.detail else self.title

    @property
    def key(self) -> tuple[str, str, str, int | None]:
        """Identity for de-duplication: one finding per rule, subject and cell line."""
        return (self.rule, self.subject, self.where.cell, self.where.line)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (the schema of ``--format json`` and the comm protocol)."""
        return {
            "rule": self.rule, "severity": self.severity, "title": self.title, "detail": self.detail,
            "message": self.message, "hint": self.hint, "subject": self.subject, "blocked": self.blocked,
            "where": {"cell": self.where.cell, "execution_count": self.where.execution_count,
                      "line": self.where.line},
            "provenance": [
                {"node": s.node, "name": s.name, "op": s.op, "rows": s.rows,
                 "cell": s.where.cell, "execution_count": s.where.execution_count, "line": s.where.line}
                for s in self.provenance
            ],
        }


def provenance_of(graph: LineageGraph, node_id: str, limit: int = 12) -> tuple[ProvenanceStep, ...]:
    """The provenance chain of ``node_id`` as finding steps, oldest first."""
    return tuple(
        ProvenanceStep(n.id, n.name, n.op, n.where, n.rows.name) for n in graph.provenance(node_id, limit)
    )
