"""Lineage of SQL: the rows each scan reads, and the rows a query returned.

A scan's node is the table's (a tracked frame's, the lineage written to the table, or a
``Read`` of the database table), narrowed by what the query or safe mode cut: a bound at
the cutoff removes ``future``, a holdout mask removes ``holdout``, a test-only table
keeps only ``holdout``. A result derives from the scans of its query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from leakguard.lineage.events import Derive, NodeId, Read, Where
from leakguard.lineage.graph import file_key
from leakguard.sql.connections import engine_of, frame_columns
from leakguard.sql.state import Source, state_of
from leakguard.sql.tables import is_holdout, rows_yet_to_split

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.sql.analysis import Analysis, Scan
    from leakguard.sql.guard import Outcome, Resolver
    from leakguard.sql.rewrite import Restriction


def base_node(s: Session, resolver: Resolver, scan: Scan) -> NodeId:
    """The node of the rows a table holds before the query narrows them."""
    source = resolver.found.get(scan.ref.key) or Source("table", scan.columns)
    if source.kind in ("lineage", "table") and source.node is not None:
        return source.node  # (a table's node: the file a reader read, ``Resolver._resolve``)
    if source.kind == "frame":
        return s.node_of(source.obj, name=scan.ref.table).id
    state = state_of(s)
    key = (state.key_of(resolver.con), scan.ref.key)
    nid = state.table_nodes.get(key)
    if nid is None or nid not in s.graph.nodes:
        cols = tuple(source.columns) if source.columns is not None else None
        engine = engine_of(resolver.con)
        node = s.recorder.value(Read(s.graph.new_id(), f"{engine} table {scan.ref.name}", scan.ref.name,
                                     s.where(None), cols, kind="table", path=file_key(scan.ref.path)))
        assert node is not None
        nid = state.table_nodes[key] = node.id
    return nid


def scan_node(s: Session, resolver: Resolver, scan: Scan, restriction: Restriction | None) -> NodeId:
    """The node of the rows one scan reads: the table's, narrowed by what the query (or safe mode) cuts."""
    policy = s.policy
    source = resolver.found.get(scan.ref.key) or Source("table", scan.columns)
    base = base_node(s, resolver, scan)
    time_col = scan.column(policy.time) if policy.time else None
    removes: set[str] = set()
    if source.kind == "table":
        h = policy.holdout
        if is_holdout(scan.ref, h.tables):
            removes |= {"train", "future"}
        else:
            modelling = scan.holds_any((policy.time, h.column, h.id_column, *policy.label))
            every_row = rows_yet_to_split(policy)
            if not scan.known and not modelling and not every_row:
                return derive(s, (), f"{scan.ref.name} (columns unknown)", scan.ref.name, s.where(None))
            if time_col is None:
                removes.add("future")
            row_holdout = h.fraction is not None or h.column is not None or h.ids is not None
            if (not modelling or not row_holdout) and not every_row:  # a holdout of whole tables leaves others clean
                removes.add("holdout")
    if time_col is not None and scan.bounded and policy.has_future:
        removes.add("future")
    if restriction is not None:
        if restriction.empty:
            removes |= {"train", "holdout", "future"}
        if restriction.time_column:
            removes.add("future")
        if restriction.holdout_column or restriction.id_column:
            removes.add("holdout")
    if not removes:
        return base
    node = s.recorder.value(Derive(s.graph.new_id(), (base,), "sql scan", scan.ref.name, s.where(None),
                                   rows="subset", columns=s.graph.nodes[base].columns, removes=frozenset(removes)))
    assert node is not None
    return node.id


def written_node(s: Session, analysis: Analysis, sources: tuple[NodeId, ...], name: str, where: Where) -> NodeId:
    """The rows ``CREATE TABLE name AS query`` wrote: the scans' rows, with the
    query's statistic columns given their own lineage."""
    node = s.recorder.value(Derive(s.graph.new_id(), sources, f"write {name}", name, where,
                                   rows="subset"))
    assert node is not None
    nid = node.id
    for e in statistic_columns(analysis, sources, nid, new_id=s.graph.new_id, where=where, columns=None,
                               label=s.policy.label, statistics=analysis.write_statistics):
        made = s.recorder.value(e)
        assert made is not None
        nid = made.id
    return nid


def derive(s: Session, inputs: tuple[NodeId, ...], op: str, name: str, where: Where) -> NodeId:
    node = s.recorder.value(Derive(s.graph.new_id(), inputs, op, name, where, rows="subset"))
    assert node is not None
    return node.id


def result_node(s: Session, outcome: Outcome | None, result: Any, name: str, where: Where) -> NodeId | None:
    """Record the rows a query returned (a DataFrame or a relation) as a lineage node; register the value."""
    if outcome is None or outcome.analysis.kind != "query":
        return None
    analysis = outcome.analysis
    label = s.policy.label
    cols = frame_columns(result) if result is not None else None
    if cols is None and hasattr(result, "columns"):
        cols = {str(c): "" for c in result.columns}
    node = s.recorder.value(Derive(
        s.graph.new_id(), outcome.inputs, "sql", name, where,
        rows="aggregate" if analysis.aggregate else "subset",
        columns=tuple(cols) if cols is not None else None,
        label_derived=analysis.label_out and any(c in label for c in (cols or {})),
    ))
    assert node is not None
    nid = node.id
    for e in statistic_columns(analysis, outcome.inputs, nid, new_id=s.graph.new_id, where=where,
                               columns=cols, label=label):
        made = s.recorder.value(e)
        assert made is not None
        nid = made.id
    if result is not None:
        s.remember_result(result, nid)
    return nid


def statistic_columns(analysis: Analysis, inputs: tuple[NodeId, ...], result: NodeId, *, new_id: Callable[[], NodeId],
                      where: Where, columns: Iterable[str] | None, label: tuple[str, ...],
                      statistics: tuple[tuple[str, tuple[str, ...]], ...] | None = None) -> list[Derive]:
    """The events that give a query result's statistic columns their own lineage (both engines emit them).

    ``SELECT *, AVG(churned) OVER (PARTITION BY plan) AS te FROM t``: ``te`` is a statistic of the
    rows the query scanned (a target encoding, here), assigned to the result like
    ``df["te"] = df.groupby("plan")["churned"].transform("mean")``; the other columns stay row-wise.
    """
    have = {c.lower(): c for c in columns} if columns is not None else None
    made: list[Derive] = []
    for column, reads in statistics if statistics is not None else analysis.statistics:
        stored = have.get(column.lower()) if have is not None else column
        if stored is None:
            continue
        stat = Derive(new_id(), inputs, "sql statistic", f"<{stored}>", where, rows="aggregate",
                      columns=reads or None, kind="value", label_derived=any(c in label for c in reads))
        out = Derive(new_id(), (result, stat.out), f"sql {stored}", "<sql result>", where, rows="same",
                     column=stored)
        made += [stat, out]
        result = out.out
    return made
