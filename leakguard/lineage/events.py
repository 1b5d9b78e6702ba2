"""Events: the small frozen records every engine (kernel, static, sql) emits.

Each event says what happened to which lineage nodes and where (cell, execution count,
line). The graph applies them; the rules read them. Node ids are plain strings chosen by
the graph (``LineageGraph.new_id``).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

NodeId = str
RowEffect = Literal["same", "subset", "aggregate", "combine", "unknown"]
Role = Literal["train", "holdout", "future"]


@dataclasses.dataclass(frozen=True, slots=True)
class Where:
    """Where an event happened: the cell (id or ``In[n]``), its execution count and the line."""

    cell: str
    execution_count: int | None = None
    line: int | None = None

    def short(self) -> str:
        """``In[3] line 2``-style text for people."""
        head = f"In[{self.execution_count}]" if self.execution_count is not None else self.cell
        return head if self.line is None else f"{head} line {self.line}"


NOWHERE = Where(cell="?")


@dataclasses.dataclass(frozen=True, slots=True)
class Read:
    """A value enters from outside: a file, a table, a frame leakguard had not seen."""

    out: NodeId
    source: str
    name: str
    where: Where
    columns: tuple[str, ...] | None = None
    kind: str = "frame"
    path: str | None = None  # the file read, resolved (``file_key``): every reader of it reads the same rows


@dataclasses.dataclass(frozen=True, slots=True)
class Derive:
    """``out`` is computed from ``inputs`` by ``op``.

    ``rows`` says how the rows relate (same rows, a subset, an aggregate over them, a
    combination); ``removes`` names row parts the engine proved are gone (a filter at
    the cutoff removes ``future``).
    """

    out: NodeId
    inputs: tuple[NodeId, ...]
    op: str
    name: str
    where: Where
    rows: RowEffect = "unknown"
    columns: tuple[str, ...] | None = None
    removes: frozenset[str] = frozenset()
    kind: str = "frame"
    label_derived: bool = False
    # Column assignment (``df["c"] = ...``): ``out`` is ``inputs[0]`` with ``column`` (re)computed from
    # the other inputs and from the columns ``column_inputs`` of ``inputs[0]`` (row by row).
    column: str | None = None
    column_inputs: tuple[str, ...] = ()
    looks_ahead: bool = False   # a row's value uses later rows (bfill, shift(-1), centred windows, unsorted order)
    synthetic: bool = False     # out holds rows made from other rows (resampling, augmentation, bootstrap)
    unresolved: bool = False    # the engine does not know what ``op`` does with tracked data
    # columns unknown (``columns`` None): ``out`` holds the columns of ``inputs[0]`` except these
    # (``()`` for row operations, ``drop(columns=[...])``'s), so the other columns keep their own facts
    # instead of folding them into the frame; None: not known
    dropped: tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SplitPart:
    """One output of a split and the role of its rows."""

    out: NodeId
    role: Role
    name: str
    columns: tuple[str, ...] | None = None
    rows: int | None = None
    removes: frozenset[str] = frozenset()


@dataclasses.dataclass(frozen=True, slots=True)
class Split:
    """``parent`` is separated into disjoint ``parts`` (train / holdout / future)."""

    parent: NodeId
    parts: tuple[SplitPart, ...]
    method: str
    where: Where
    time_ordered: bool | None = None
    inferred: bool = False
    # a split recognised after its cell (a hand-made split in the kernel): looks earlier in that cell may have
    # been at its parts, which lineage cannot tell from the parent then, so they are not judged again
    after_cell: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Inspect:
    """A look at the data: ``op`` over ``value`` touching ``columns``.

    ``relates`` is True when the inspection relates columns to each other (a group-by
    aggregate, a correlation, a cross-tab); ``restricted`` when safe mode ran it on the
    training rows instead.
    """

    value: NodeId
    op: str
    where: Where
    columns: tuple[str, ...] | None = None
    relates: bool = False
    restricted: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Fit:
    """``estimator`` learns from ``data`` (and ``target``); ``out`` is the fitted state."""

    out: NodeId
    estimator: str
    data: NodeId
    where: Where
    target: NodeId | None = None
    op: str = "fit"
    learner: str = "model"          # model | transformer | search (tries candidates and keeps the best)
    learns: bool = True             # False: the fit learns nothing from rows (Normalizer, FunctionTransformer)
    encodes_target: bool = False    # the fitted state encodes the target per row group (TargetEncoder)
    label_proxies: tuple[str, ...] = ()  # columns of ``data`` the engine found to reproduce the target


@dataclasses.dataclass(frozen=True, slots=True)
class Evaluate:
    """``model`` is scored on ``data`` (and ``target``).

    ``kind`` says how: ``score`` (a fitted model scored once), ``validation`` (data scored
    during a fit: early stopping, ``validation_data``), ``cross-validate`` (an estimator
    fit and scored on folds of ``data``), ``search`` (candidates cross-validated on
    ``data`` and the best kept). ``shared_rows`` and ``time_ordered`` are row facts an
    engine proved from the data (None: not checked).
    """

    model: NodeId
    data: NodeId
    where: Where
    target: NodeId | None = None
    op: str = "score"
    kind: str = "score"
    shared_rows: int | None = None    # evaluated rows that are also training rows (identity or content)
    time_ordered: bool | None = None  # every training row is at or before every evaluated row
    # (entity column, how many of its values are on both sides of the split) measured from the data
    shared_groups: tuple[str, int] | None = None
    # which label rows were scored, when the engine can tell (kernel: a digest of the label values; static:
    # the node of a row selection made for this call, ``y_test[mask]``): two scores of one model from one line
    # with different ``labels`` score different rows (per-group scores, bootstrap samples), not settings
    labels: str | None = None
    # the scored predictions as passed to a metric (``f1_score(y_test, proba >= best)``): what they were made
    # from tells a setting chosen by an earlier score of the test set (a threshold read off its curve)
    predictions: NodeId | None = None
    sweeps: bool = False  # the metric scores every threshold of the predictions (a ROC or precision-recall curve)


@dataclasses.dataclass(frozen=True, slots=True)
class Query:
    """A SQL query over ``tables`` that uses ``columns`` (each ``table.column:role``).

    ``inputs`` are the lineage nodes of the rows each scan reads (a table, a tracked frame,
    or those narrowed by the query's own predicates); ``label_columns`` the label columns
    used other than as a plain projection (``churned:group``); ``inspects`` is False for
    statements that compute nothing over rows (DDL/DML, a plain row listing);
    ``writes`` the test-only tables the statement writes; ``unanalysed`` why leakguard
    could not analyse it; ``restricted`` that safe mode rewrote it; ``counts`` that it is a bare
    row count of whole tables (``SELECT COUNT(*) FROM t``): no look (``inspects`` False), yet safe
    mode restricts it as it would the same query computing over those rows.
    """

    sql: str
    dialect: str
    tables: tuple[str, ...]
    where: Where
    out: NodeId | None = None
    columns: tuple[str, ...] = ()
    restricted: bool = False
    inputs: tuple[NodeId, ...] = ()
    label_columns: tuple[str, ...] = ()
    inspects: bool = True
    writes: tuple[str, ...] = ()
    unanalysed: str = ""
    counts: bool = False


Event = Read | Derive | Split | Inspect | Fit | Evaluate | Query
