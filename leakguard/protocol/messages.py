"""Every message of the ``leakguard`` comm, declared once (the TypeScript types are generated from here).

Kernel → browser: ``hello`` (the comm's open data and the answer to the browser's hello),
``snapshot`` (everything, after a handshake), ``update`` (only what one cell run or a
mode change altered), ``provenance`` and ``export_result`` (answers), ``error``.
Browser → kernel: ``hello``, ``set_mode``, ``explain``, ``export``. None of them carries
code; the kernel validates each against these declarations before acting on it.

The record the sidebar saves in the notebook (``metadata.leakguard``, read back by
``leakguard check`` and ``leakguard export``) is declared here too: ``NotebookRecord``.

Bump ``PROTOCOL_VERSION`` whenever a message changes shape. A field added later, which
kernels already shipped do not send, goes in ``LATER_FIELDS`` with what its absence means:
the browser fills it in (the JSON Schema's ``default``) before checking.
"""


# No ``from __future__ import annotations`` here: TypedDict needs real annotations to know which
# keys are NotRequired.
from typing import Literal, NotRequired, TypedDict

PROTOCOL_VERSION = 1
TARGET = "leakguard"

Severity = Literal["error", "warning", "info"]
Mode = Literal["warn", "block", "safe"]


class Where(TypedDict):
    """Where a finding happened: the notebook cell id, its execution count, the line."""

    cell: str
    execution_count: int | None
    line: int | None


class ProvenanceStep(TypedDict):
    """One link of a finding's provenance chain."""

    node: str
    name: str
    op: str
    rows: str
    cell: str
    execution_count: int | None
    line: int | None


class Finding(TypedDict):
    """A rule's report (the JSON view of ``leakguard.finding.Finding``).

    ``title`` is one line in the notebook's own names, ``detail`` the explanation, ``message``
    both as one text (kept for older readers); ``hint`` is the fix, inline code in backticks.
    ``blocked`` is true when block mode stopped the call that made the finding.
    """

    rule: str
    severity: Severity
    title: str
    detail: str
    message: str
    hint: str
    subject: str
    blocked: bool
    where: Where
    provenance: list[ProvenanceStep]


class PolicyView(TypedDict):
    """The policy in force, for people: ``inferred`` names the parts leakguard guessed.

    ``checking``: short sentences saying what is checked and what is not yet (declared vs
    inferred parts, and what is missing), e.g. ``label: churned (declared)``.
    """

    label: list[str]
    time: str | None
    cutoff: str | None
    holdout: str
    mode: Mode
    inferred: list[str]
    mode_declared: bool
    checking: list[str]


class CellReport(TypedDict):
    """What leakguard knows about one notebook cell: its findings and the notes of its last run."""

    cell: str
    execution_count: int | None
    findings: list[Finding]
    notes: list[str]


class Run(TypedDict):
    """One execution: which cell, with which execution count."""

    cell: str
    execution_count: int | None


class GraphNode(TypedDict):
    """A value in a provenance graph."""

    id: str
    name: str
    op: str
    kind: str
    rows: str
    taint: list[str]
    cell: str
    execution_count: int | None
    line: int | None


class GraphEdge(TypedDict):
    """``target`` was derived from ``source``."""

    source: str
    target: str


class Graph(TypedDict):
    """A value and what it came from: sources → cells → operations → value."""

    nodes: list[GraphNode]
    edges: list[GraphEdge]
    focus: str


# -- kernel → browser -------------------------------------------------------------------------


class KernelHello(TypedDict):
    """The kernel's side of the handshake (also the comm's open data)."""

    type: Literal["hello"]
    protocol: int
    version: str
    session: str


class Snapshot(TypedDict):
    """Everything the kernel knows, sent after a handshake."""

    type: Literal["snapshot"]
    session: str
    policy: PolicyView
    cells: list[CellReport]
    order: list[Run]


class Update(TypedDict):
    """Only what changed: the cell that ran, the cells whose reports changed, the policy if it changed."""

    type: Literal["update"]
    session: str
    seq: int
    run: Run | None
    cells: list[CellReport]
    policy: PolicyView | None


class Provenance(TypedDict):
    """The answer to ``explain``: a graph, or an error saying why there is none."""

    type: Literal["provenance"]
    request: int
    subject: str
    graph: Graph | None
    error: str


class BlockingCell(TypedDict):
    """A cell whose findings stop the export: its id, execution count and rule ids (each once)."""

    cell: str
    execution_count: int | None
    rules: list[str]


class ExportResult(TypedDict):
    """The answer to ``export``: the files written, or why export refused or is not available.

    ``blocking`` lists the cells whose findings refused the export, in notebook order; ``message``
    is one short line for people.
    """

    type: Literal["export_result"]
    request: int
    available: bool
    ok: bool
    files: list[str]
    reasons: list[str]
    message: str
    blocking: list[BlockingCell]


class ErrorReply(TypedDict):
    """A browser message the kernel rejected, and why."""

    type: Literal["error"]
    request: int | None
    message: str


# -- browser → kernel -------------------------------------------------------------------------


class BrowserHello(TypedDict):
    """The browser's side of the handshake: the kernel answers with hello and a snapshot."""

    type: Literal["hello"]
    protocol: int


class SetMode(TypedDict):
    """Switch leakguard's mode."""

    type: Literal["set_mode"]
    mode: Mode


class Explain(TypedDict):
    """Ask for the provenance of a variable (an identifier) or a lineage node (``n12``)."""

    type: Literal["explain"]
    request: int
    name: str


class Export(TypedDict):
    """Export the saved notebook (a file name in the kernel's working folder).

    ``drop_leaky`` (default false): drop the cells that carry findings and export the rest,
    instead of refusing.
    """

    type: Literal["export"]
    request: int
    notebook: str
    name: NotRequired[str]
    drop_leaky: NotRequired[bool]


# -- the notebook's metadata ------------------------------------------------------------------


class RecordedFinding(TypedDict):
    """A finding as the notebook's metadata keeps it (compact: no provenance)."""

    cell: str
    execution_count: int | None
    line: int | None
    rule: str
    severity: Severity
    subject: str
    message: str


class NotebookRecord(TypedDict):
    """What the sidebar saves as ``metadata.leakguard``: the run order and the findings of the session."""

    protocol: int
    session: str
    order: list[tuple[str, int | None]]
    findings: list[RecordedFinding]


KERNEL_MESSAGES: tuple[type, ...] = (KernelHello, Snapshot, Update, Provenance, ExportResult, ErrorReply)
BROWSER_MESSAGES: tuple[type, ...] = (BrowserHello, SetMode, Explain, Export)
ALIASES: dict[str, object] = {"Severity": Severity, "Mode": Mode}
RECORDS: tuple[type, ...] = (NotebookRecord,)

# Fields kernels already shipped do not send, and what their absence means (the browser fills them in).
LATER_FIELDS: dict[str, dict[str, object]] = {
    "Finding": {"title": "", "detail": "", "blocked": False},
    "PolicyView": {"checking": []},
    "ExportResult": {"blocking": []},
}
