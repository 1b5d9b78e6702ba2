"""The SQL guard's decision for one query, shared by every intercepted call and ``%%sql``.

``guard`` resolves each table the query names (the lineage of a table a tracked frame was
written to, the database's own table asked for its schema, or a DataFrame DuckDB reads by
name), analyses the SQL, emits a ``Query`` event (block mode raises ``LeakageError`` there,
before the query is sent), and in safe mode returns the query rewritten so every scan
that needs it is restricted.

Nothing here imports sqlglot, duckdb or pandas at module level.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from leakguard.lineage.events import NodeId, Query, Where
from leakguard.lineage.graph import file_key
from leakguard.sql.connections import dialect_of, frame_columns, is_frame
from leakguard.sql.lineage import base_node, scan_node, written_node
from leakguard.sql.state import Source, state_of
from leakguard.sql.tables import TableRef, is_holdout

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.sql.analysis import Analysis
    from leakguard.sql.rewrite import Restriction


class Resolver:
    """The analysis's schema: lineage first, then the database, then DataFrames DuckDB reads by name."""

    def __init__(self, s: Session, con: Any, frames: Callable[[str], Any] | None) -> None:
        self.s, self.con, self.frames = s, con, frames
        self.state = state_of(s)
        self.cache = self.state.schema(con)
        self.found: dict[str, Source] = {}
        self.frame_names: list[str] = []

    def columns(self, ref: TableRef) -> dict[str, str] | None:
        if ref.key not in self.found:
            self.found[ref.key] = self._resolve(ref)
        return self.found[ref.key].columns

    def _resolve(self, ref: TableRef) -> Source:
        generation = self.s.execution_count or 0
        nid = self.state.tables.get((id(self.con), ref.key))  # (keys are of live connections: key_of)
        if nid is not None and nid in self.s.graph.nodes:
            node = self.s.graph.nodes[nid]
            cols = self.cache.columns(ref, generation)
            if cols is None and node.columns is not None:
                cols = dict.fromkeys(node.columns, "")
            return Source("lineage", cols, node=nid)
        cols = self.cache.columns(ref, generation)
        read = self.s.graph.file_node(file_key(ref.path)) if ref.path is not None else None
        if read is not None:  # a file a reader read (``pd.read_csv``): the scan reads the same rows, judged as a table's
            return Source("table", cols if cols is not None or read.columns is None
                          else dict.fromkeys(read.columns, ""), node=read.id)
        if cols is None and self.frames is not None and len(ref.parts) == 1 and ref.path is None:
            obj = self.frames(ref.table)
            if obj is not None and is_frame(obj):
                self.frame_names.append(ref.table)
                return Source("frame", frame_columns(obj), obj=obj)
        return Source("table", cols)


@dataclasses.dataclass(slots=True)
class Outcome:
    """What the guard decided for one query."""

    analysis: Analysis
    sql: str | None = None                 # the rewritten SQL to send instead (safe mode)
    inputs: tuple[NodeId, ...] = ()
    frames: tuple[str, ...] = ()           # names of the tables that are DataFrames read by name (DuckDB)
    plain: Query | None = None             # the query's own event, for when the restricted SQL fails

    def ran_unrestricted(self, s: Session) -> None:
        """The restricted SQL failed and the query ran as written: its findings and lineage are the plain query's."""
        if self.plain is None:
            return
        self.sql, self.inputs = None, self.plain.inputs
        s.recorder.record(self.plain)
        self.plain = None


def guard(s: Session, sql: str, con: Any, where: Where, *, dialect: str | None = None,
          frames: Callable[[str], Any] | None = None, can_rewrite: bool = True) -> Outcome:
    """Analyse ``sql`` for ``con``, emit its events, and in safe mode return a restricted query."""
    was_busy, s.busy = s.busy, True  # leakguard's own schema questions pass the wrappers untouched
    try:
        return _guard(s, sql, con, where, dialect=dialect, frames=frames, can_rewrite=can_rewrite)
    finally:
        s.busy = was_busy


def _guard(s: Session, sql: str, con: Any, where: Where, *, dialect: str | None,
           frames: Callable[[str], Any] | None, can_rewrite: bool) -> Outcome:
    from leakguard.sql.analysis import analyse

    resolver = Resolver(s, con, frames)
    analysis = analyse(sql, dialect if dialect is not None else dialect_of(con), s.policy, resolver)
    outcome = Outcome(analysis, frames=tuple(resolver.frame_names))
    state = state_of(s)
    state.last_sql = sql
    if analysis.kind == "unanalysed":
        s.recorder.record(Query(sql, analysis.dialect, (), where, inspects=False, unanalysed=analysis.problem))
        return outcome
    if analysis.writes and analysis.kind in ("write", "query"):
        _record_writes(s, resolver, analysis, con, where)
    if analysis.kind != "query":
        return outcome
    nodes = {id(scan): scan_node(s, resolver, scan, None) for scan in analysis.scans}
    inputs = tuple(dict.fromkeys(nodes.values()))
    event = Query(sql, analysis.dialect, analysis.tables, where, columns=analysis.columns,
                  inputs=analysis.looked(nodes), label_columns=analysis.label_uses, inspects=analysis.inspects, counts=analysis.counts)
    outcome.inputs = inputs

    def restrict(looked: Query) -> Query | None:
        # safe mode (the recorder asks): the query is rewritten to scan training rows only
        restricted = _restrict(s, resolver, analysis, can_rewrite)
        if restricted is None:
            return None
        outcome.sql, outcome.inputs = restricted
        outcome.plain = looked  # recorded as written should the restricted SQL fail
        return dataclasses.replace(looked, sql=outcome.sql, inputs=outcome.inputs)

    s.recorder.inspect(event, restrict)
    return outcome


def _record_writes(s: Session, resolver: Resolver, analysis: Analysis, con: Any, where: Where) -> None:
    """Tie each table the SQL writes to the rows it was written from (``CREATE TABLE t AS SELECT ... FROM ev``).

    A query later in the same text reads ``t`` with that lineage too: block and safe mode act on it.
    """
    state = state_of(s)
    protected = tuple(w.name for w in analysis.writes if is_holdout(w, s.policy.holdout.tables))
    sources = tuple(scan_node(s, resolver, scan, None) for scan in analysis.write_sources)
    for target in analysis.writes:
        key = (state.key_of(con), target.key)
        if sources:  # CREATE TABLE AS / INSERT ... SELECT: the table now holds rows of those scans
            state.tables[key] = written_node(s, analysis, sources, target.name, where)
            # names as the query wrote them, not as stored: restrictions on them are left unquoted
            resolver.found[target.key] = Source("lineage", None, node=state.tables[key])
        elif _creates_or_drops(analysis):
            state.tables.pop(key, None)
    resolver.cache.invalidate()
    if protected:
        s.recorder.record(Query(analysis.sql, analysis.dialect, analysis.tables, where, inspects=False, writes=protected))


def withdraw_claims(s: Session, notes_before: int) -> None:
    """Drop the safe-mode notes added since ``notes_before``: the restricted call they describe failed."""
    added = s.cell_notes[notes_before:]
    s.cell_notes[notes_before:] = [n for n in added if not n.startswith("safe mode")]


def _creates_or_drops(analysis: Analysis) -> bool:
    from sqlglot import exp

    return isinstance(analysis.statements[0], (exp.Create, exp.Drop))


def _restrictions(s: Session, resolver: Resolver, analysis: Analysis) -> dict[int, Restriction]:
    from leakguard.sql.rewrite import Restriction

    policy = s.policy
    h = policy.holdout
    found: dict[int, Restriction] = {}
    for scan in analysis.scans:
        source = resolver.found.get(scan.ref.key)
        node = s.graph.get(base_node(s, resolver, scan)) if source is not None else None
        exact = source is not None and source.kind != "frame" and source.columns is not None
        if is_holdout(scan.ref, h.tables):
            found[id(scan)] = Restriction(empty=True)
            continue
        time_col = scan.column(policy.time) if policy.has_future else None
        needs_time = time_col is not None and not scan.bounded and (node is None or node.rows.has("future"))
        mask = scan.column(h.column) if h.column else None
        ids_col = scan.column(h.id_column) if h.ids is not None and h.id_column else None
        if needs_time or mask or ids_col:
            found[id(scan)] = Restriction(
                time_column=time_col if needs_time else None, time_type=scan.types.get((time_col or "").lower(), ""),
                exact_names=exact, holdout_column=mask, id_column=ids_col, holdout_ids=tuple(h.ids or ()),
            )
    return found


def _why_not_restricted(s: Session, analysis: Analysis) -> str:
    """Why no table of the query could be restricted, in the policy's own terms (for the note)."""
    policy, h = s.policy, s.policy.holdout
    tables = ", ".join(dict.fromkeys(f"`{scan.ref.name}`" for scan in analysis.scans)) or "the query's tables"
    reasons = []
    if policy.has_future and not any(scan.column(policy.time) for scan in analysis.scans):
        reasons.append(f"{tables} have no `{policy.time}` column to tell rows past the cutoff apart")
    if h.column and not any(scan.column(h.column) for scan in analysis.scans):
        reasons.append(f"{tables} have no `{h.column}` column to mark the holdout")
    if h.ids is not None and not (h.id_column and any(scan.column(h.id_column) for scan in analysis.scans)):
        reasons.append(f"{tables} have no id column to find the holdout's ids")
    if h.fraction is not None:
        reasons.append("the holdout is a fraction of rows, drawn when you split in Python")
    return "; ".join(reasons) or f"nothing in {tables} tells the holdout or future rows apart"


def _restrict(s: Session, resolver: Resolver, analysis: Analysis,
              can_rewrite: bool) -> tuple[str, tuple[NodeId, ...]] | None:
    from leakguard.sql.rewrite import RewriteError, restrict

    plan = _restrictions(s, resolver, analysis)
    if not plan:
        s.note(f"safe mode cannot restrict this query in SQL ({_why_not_restricted(s, analysis)}); it ran unchanged.")
        return None
    if not can_rewrite:
        s.note("safe mode cannot restrict a query passed this way (only SQL text, or a SQLAlchemy text() clause); "
               "it ran unchanged.")
        return None
    inputs = tuple(dict.fromkeys(scan_node(s, resolver, scan, plan.get(id(scan))) for scan in analysis.scans))
    try:
        new_sql = restrict(analysis, plan, s.policy)
    except RewriteError as exc:
        s.note(f"safe mode could not restrict this query ({exc}); it ran unchanged.")
        return None
    changes = "; ".join(r.describe(scan.ref.name, s.policy) for scan in analysis.scans if (r := plan.get(id(scan))))
    shown = new_sql if len(new_sql) <= 400 else new_sql[:399] + "…"
    s.note(f"safe mode restricted this query ({changes}). The query that ran: {shown}")
    if s.policy.holdout.fraction is not None:
        s.note("the holdout is a fraction of rows drawn when you split in Python: SQL cannot exclude it, "
               "so holdout rows may remain in this result.")
    return new_sql, inputs
