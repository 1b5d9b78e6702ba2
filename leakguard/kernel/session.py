"""One kernel session: the lineage graph, the policy, the findings, and the per-cell bookkeeping.

A cell runs like this: ``pre_run_cell`` notes the cell; the AST transformer scans it
(names read and written per statement); wrapped library calls emit events as they happen
(inspections, reads, splits); ``post_run_cell`` binds every name the cell wrote to a
lineage node (the object's own node when a wrapper saw it, else a node derived from the
names its statement read), looks for hand-made splits, and shows the cell's findings.
A wrapped call that meets a value no wrapper saw first ``settle``s the statements the cell
finished before it the same way (``train = df.head(n)``, ``test = df.iloc[n:]``, then
``fit(train)`` in one cell: the fit sees the split's training part, not df's rows).
"""

from __future__ import annotations

import ast
import logging
import os
import sys
import threading
import types
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from leakguard.errors import LeakageError, PolicyError
from leakguard.finding import Finding
from leakguard.kernel import evidence, numpystats, splits
from leakguard.kernel import frames as fr
from leakguard.kernel.calls import State as ModellingState
from leakguard.kernel.calls import held_values
from leakguard.kernel.calls import state as modelling_state
from leakguard.kernel.cellscan import EMPTY, CellScan, Statement, scan_cell
from leakguard.kernel.folds import FoldState
from leakguard.kernel.sources import ARCHIVE
from leakguard.kernel.state import PolarsState, SparkState
from leakguard.kernel.tracker import Tracker
from leakguard.lineage.domain import PARTS
from leakguard.lineage.events import Derive, Inspect, NodeId, Read, Where
from leakguard.lineage.graph import LineageGraph, Node
from leakguard.lineage.recorder import Recorder
from leakguard.policy import Policy, load_policy
from leakguard.sql.state import SqlState

if TYPE_CHECKING:
    from leakguard.splitting import RowParts

log = logging.getLogger("leakguard")
_MISSING = object()
_MAX_NAMES = 10_000  # longer lists are not checked for being column names


def _column_names(obj: Any, inputs: list[Node] | None = None) -> bool:
    """A list, tuple or set of strings, or a pandas ``Index`` of them (``df.columns.drop(...)``): names of columns,
    a choice of columns that carries no value of any row. When nodes it was made from know their columns, the
    names must be among one's columns (the values of a text column are data, not names)."""
    if not _names_kind(obj):
        return False
    try:
        if len(obj) > _MAX_NAMES or not all(type(v) is str for v in obj):
            return False
        names = set(obj)
    except TypeError:
        return False
    known = [set(i.columns) for i in inputs or () if i.columns is not None]
    return not known or any(names <= k for k in known)


def _names_kind(obj: Any) -> bool:
    """A list, tuple or set, or a pandas ``Index``: a container that may hold names of columns."""
    kind = type(obj)
    return kind in (list, tuple, set, frozenset) or (kind.__name__ == "Index" and kind.__module__.startswith("pandas"))


class Session:
    """Everything leakguard knows in one kernel."""

    def __init__(self, shell: Any, policy: Policy | None = None) -> None:
        self.shell = shell
        self.user_ns: dict[str, Any] = shell.user_ns
        try:
            base = load_policy(os.getcwd()) if policy is None else policy
        except PolicyError as exc:
            base = Policy()
            self._startup_error: str | None = str(exc)
        else:
            self._startup_error = None
        self.graph = LineageGraph(base)
        # the one judge: block mode refuses the call with LeakageError; new findings also go to this cell's list
        self.recorder = Recorder(self.graph, stop=_refuse, kept=self._kept, replaced=self._replaced)
        self.tracker = Tracker()
        self.cell_findings: list[Finding] = []
        self.cell_notes: list[str] = []
        self.scan: CellScan = EMPTY
        self.cell_id = "In[0]"
        self.execution_count: int | None = None
        self.bindings: dict[str, NodeId] = {}
        # the value last bound to each name when it cannot be weakly referenced (an int, a list): the very object,
        # compared by identity (an id alone passes to a new object once the old one is freed)
        self._bound_values: dict[str, Any] = {}
        self.busy = False
        self._running = False  # between the cell's scan and post_run_cell: wrapped calls run mid-cell
        self._settled: set[int] = set()  # lines of this cell's statements whose values were bound mid-cell
        self._settled_values: dict[str, Any] = {}  # the values bound mid-cell, by name (held until the cell ends)
        self.main_thread = threading.get_ident()
        self._internal_errors: set[str] = set()
        self.subsets: dict[NodeId, list[NodeId]] = {}  # recent row subsets per parent (hand-made splits)
        # column-choosing statistics kept in a name (``counts = df.nunique()``), looked at only where that name is
        # shown (``print(counts)``: aftercell.py): id -> (the value, held so its id stays its own, the look)
        self.kept_choosers: dict[int, tuple[Any, Inspect]] = {}
        self.unresolved: set[str] = set()
        # results of this cell's inspections that cannot be weakly referenced (floats...), by id; each value is held
        # (until the cell ends) so that its id cannot pass to a new object while it is a key here
        self._results: dict[int, tuple[Any, NodeId]] = {}
        self._checked_nodes: set[NodeId] = set()
        self.listeners: list[Callable[[Session], None]] = []
        # the handlers' own state: typed parts of the session, not tables keyed by it
        self.modelling = ModellingState()
        self.sql = SqlState()
        self.spark = SparkState()
        self.polars = PolarsState()
        self.folds = FoldState()  # hand-written cross-validation loops (kernel/folds.py)

    # -- policy -------------------------------------------------------------------------------

    @property
    def policy(self) -> Policy:
        return self.graph.policy

    @property
    def findings(self) -> list[Finding]:
        """Every finding kept in this session (a cell run again replaces its own)."""
        return self.recorder.findings

    def set_policy(self, policy: Policy) -> None:
        """Adopt ``policy`` and report policy columns that no live frame has."""
        self.graph.policy = policy
        problem = self.policy_problem()
        if problem:
            self.note(problem)

    def policy_problem(self) -> str | None:
        """A message when no source frame in the session has the policy's columns."""
        if not self.policy.protected_columns:
            return None
        frames = [(n, self.tracker.object_of(n.id)) for n in self.graph.nodes.values() if not n.inputs]
        # columns as frames.columns_of knows them: never ``.columns`` of a lazy frame (Polars warns)
        live = [(n, known) for n, obj in frames if obj is not None and (known := fr.columns_of(obj)) is not None]
        if not live:
            return None
        best = min(live, key=lambda pair: len(self.policy.missing_columns(pair[1])))
        missing = self.policy.missing_columns(best[1])
        if not missing:
            return None
        cols = list(best[1])
        shown = ", ".join(c[:60] for c in cols[:40]) + (f" (and {len(cols) - 40} more)" if len(cols) > 40 else "")
        return (f"policy column(s) {', '.join(map(repr, missing))} not found in {best[0].name}; "
                f"its columns are: {shown}")

    # -- cell lifecycle ---------------------------------------------------------------------

    def pre_run_cell(self, info: Any) -> None:
        self.cell_findings = []
        self.cell_notes = []
        self.scan = EMPTY
        self._running = False
        self._settled.clear()
        self._settled_values.clear()
        self._results.clear()
        count = getattr(self.shell, "execution_count", None)
        if isinstance(count, int) and getattr(info, "store_history", False):
            count -= 1  # IPython counts the cell before it announces it
        self.execution_count = count if isinstance(count, int) else None
        cell_id = getattr(info, "cell_id", None)
        self.cell_id = str(cell_id) if cell_id else f"In[{self.execution_count}]"
        self.recorder.forget_cell(self.cell_id)

    def scan_module(self, module: ast.Module) -> None:
        """Called by the AST transformer with each cell's parsed code."""
        self.scan = scan_cell(module)
        self._running = True

    def post_run_cell(self, result: Any) -> None:
        self._running = False
        self.busy = True
        try:
            self._bind_written_names()
        except Exception as exc:  # never break the user's session
            self.internal_error("post-cell lineage", exc)
        finally:
            self.busy = False
        if self._startup_error:
            self.note(f"could not read the policy files: {self._startup_error}")
            self._startup_error = None
        for listener in list(self.listeners):
            try:
                listener(self)
            except Exception as exc:
                self.internal_error("listener", exc)
        self._results.clear()  # the cell's unweakrefable results and mid-cell values are no longer held
        self._settled_values.clear()
        if self.cell_findings or self.cell_notes:
            from leakguard.faces.display import show_cell_report

            try:
                show_cell_report(self.cell_findings, self.cell_notes)
            except Exception as exc:
                self.internal_error("display", exc)

    # -- where ------------------------------------------------------------------------------

    def cell_frame(self) -> types.FrameType | None:
        """The frame of the running cell's top-level code, if we are inside it."""
        frame: types.FrameType | None = sys._getframe(1)
        found = None
        ns = self.user_ns
        while frame is not None:
            if frame.f_globals is ns and frame.f_code.co_name == "<module>":
                found = frame
            frame = frame.f_back
        return found

    def where(self, frame: types.FrameType | None = None) -> Where:
        line = frame.f_lineno if frame is not None else None
        return Where(self.cell_id, self.execution_count, line)

    # -- events -----------------------------------------------------------------------------

    def _kept(self, finding: Finding) -> None:
        self.cell_findings.append(finding)

    def _replaced(self, old: Finding, new: Finding) -> None:
        self.cell_findings[:] = [new if f is old else f for f in self.cell_findings]

    def note(self, text: str) -> None:
        """A line shown under the current cell."""
        if text not in self.cell_notes:
            self.cell_notes.append(text)

    def internal_error(self, where: str, exc: BaseException) -> None:
        """leakguard's own failure: logged, shown once as a quiet notice, never raised."""
        key = f"{where}:{type(exc).__name__}"
        log.debug("leakguard internal error in %s", where, exc_info=exc)
        if key not in self._internal_errors:
            self._internal_errors.add(key)
            self.note(f"leakguard hit an internal problem in {where} ({type(exc).__name__}: {exc}); "
                      "your code ran normally, but leakguard may miss something here.")

    # -- nodes for objects ------------------------------------------------------------------

    def node_of(self, obj: Any, name: str | None = None, frame: types.FrameType | None = None,
                reads: frozenset[str] = frozenset()) -> Node:
        """The lineage node of a live object: registered, else derived from what made it.

        ``reads`` are the names of the expression the object came from when the caller knows
        it (``train`` in ``train["x"].max(), test["x"].min()``); otherwise the names its whole
        statement read.
        """
        nid = self.tracker.node_of(obj)
        if nid is None and self.settle(frame):
            nid = self.tracker.node_of(obj)
        if nid is not None and nid in self.graph.nodes:
            return self._checked(self.graph.nodes[nid], obj)
        line = frame.f_lineno if frame is not None else None
        inputs: list[Node] = []
        if reads and line is not None:
            st = self.scan.statement_at(line)
            inputs = self.resolve_names(reads, st.lineno if st else line, depth=0)
        if not inputs:
            inputs = self._statement_inputs(line, name) if line is not None else []
        label = name or fr.describe_object(obj)
        return self._checked(self.derive_node(obj, label, inputs, "derived", self.where(frame)), obj)

    def _checked(self, node: Node, obj: Any) -> Node:
        """``node``, refined once by what ``obj``'s data proves (no row past the cutoff, no holdout mark).

        Checked when a value is used (inspected, split, fit), not whenever a cell binds a
        frame: the check scans a column, and most frames are never looked at.
        """
        if node.id in self._checked_nodes or not fr.is_row_data(obj):
            return node
        self._checked_nodes.add(node.id)
        if not (node.rows.known and (node.rows.has("future") or node.rows.has("holdout"))):
            return node
        if any(self.tracker.object_of(i) is obj for i in node.inputs if i in self._checked_nodes):
            return node  # the same object changed in place: its rows are the ones already checked
        removed = fr.proven_removed(obj, self.policy) & node.rows.parts
        if not removed:
            return node
        why = " and ".join(sorted(removed))
        made = self.recorder.value(Derive(self.graph.new_id(), (node.id,), f"data shows no {why} rows", node.name,
                                          node.where, rows="same", columns=node.columns, removes=removed,
                                          kind=node.kind))
        made.n_rows, made.split_role = node.n_rows, node.split_role
        self._checked_nodes.add(made.id)
        self.tracker.register(obj, made.id)
        for name, bound in list(self.bindings.items()):
            if bound == node.id:
                self.bindings[name] = made.id
        return made

    def derive_node(self, obj: Any, name: str, inputs: list[Node], op: str, where: Where) -> Node:
        """A new node for ``obj`` computed from ``inputs`` (a source node when there are none), registered.

        Rows are ``unknown`` for row data (leakguard cannot tell which rows survived) and an
        aggregate otherwise; an aggregate of the label carries the label taint.
        """
        policy = self.policy
        columns = fr.columns_of(obj)
        n_rows = fr.row_count(obj)
        if not inputs:
            node = self.recorder.value(Read(self.graph.new_id(), f"untracked {type(obj).__name__}", name, where,
                                            columns, kind=fr.kind_of(obj)))
        elif _column_names(obj, inputs) or _row_count(obj, inputs):
            # ``cols = [c for c in df.columns if ...]``: a choice of columns, not a statistic of the rows;
            # ``n_train = len(train)``: how many rows there are, no value of any of them
            node = self.recorder.value(Derive(self.graph.new_id(), tuple(i.id for i in inputs),
                                              ROW_COUNT if _row_count(obj, inputs) else "column names",
                                              name, where, rows="aggregate", kind="value",
                                              removes=frozenset(PARTS)))
        else:
            row_data = fr.is_row_data(obj) or (n_rows is not None and any(
                i.n_rows == n_rows or i.kind == ARCHIVE or _most_rows_of(obj, n_rows, i) for i in inputs))
            # an aggregate of the label itself (a label Series, or a value already carrying it)
            label_used = not row_data and any(
                "label" in i.taint or (bool(i.columns) and all(c in policy.label for c in i.columns or ()))
                for i in inputs
            )
            # one file taken back from a stack of train and test files (``full[full.y.notna()]``), proved live
            taken = evidence.stacked_piece(self, obj, inputs) if row_data else frozenset()
            if columns is None and row_data:
                columns = self._array_columns(obj, inputs) or self._one_named_column(obj, inputs, where.line)
            node = self.recorder.value(Derive(
                self.graph.new_id(), tuple(i.id for i in inputs), op, name, where,
                rows="unknown" if row_data else "aggregate", columns=columns,
                kind=fr.kind_of(obj), label_derived=label_used, removes=taken,
            ))
        node.n_rows = n_rows
        self.tracker.register(obj, node.id)
        return node

    def _array_columns(self, obj: Any, inputs: list[Node]) -> tuple[str, ...] | None:
        """The columns of a table array made from one frame (``pd.get_dummies(df).values``, ``df.to_numpy()``): the
        one input frame of its shape, whose values (when still alive) are the array's."""
        shape = getattr(obj, "shape", None)
        if not type(obj).__module__.startswith("numpy") or not isinstance(shape, tuple) or len(shape) not in (1, 2):
            return None
        if len(shape) == 1:  # ``np.asarray(df["churned"])``: the one column of an input frame it copies
            named = {c for i in inputs if i.kind in ("frame", "series") and i.n_rows == shape[0]
                     for c in fr.copied_columns(self.tracker.object_of(i.id), obj)}
            return (named.pop(),) if len(named) == 1 else None
        found = [i for i in inputs if i.kind == "frame" and i.columns and len(i.columns) == shape[1]
                 and i.n_rows == shape[0]]
        if len(found) != 1:
            return self._picked_columns(obj, inputs) if not found else None
        frame = self.tracker.object_of(found[0].id)
        if frame is not None and not fr.same_table(frame, obj):
            return None
        return found[0].columns

    def _one_named_column(self, obj: Any, inputs: list[Node], line: int | None) -> tuple[str, ...] | None:
        """The one column the statement at ``line`` names of an input frame, for a 1-d array of its values changed
        row by row (``y = df["y"].map(codes).values``, ``np.where(df["y"] == "yes", 1, 0)``), as the static engine
        names it: pandas drops the name at ``.values``, so the copy test of ``_array_columns`` cannot see it."""
        shape = getattr(obj, "shape", None)
        st = self.scan.statement_at(line) if line is not None else None
        if st is None or not type(obj).__module__.startswith("numpy") or not isinstance(shape, tuple) \
                or len(shape) != 1 or any(i.kind == "model" for i in inputs):
            return None  # (a model's output is its predictions, not a column: ``clf.predict_proba(te["text"])[:, 1]``)
        ids = {i.id: i for i in inputs if i.kind == "frame" and i.columns and i.n_rows == shape[0]}
        named: set[str] = set()
        for span, call in self.scan.calls.items():
            if not st.lineno <= span[0] <= st.end_lineno:
                continue
            for n in ast.walk(call):
                if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) \
                        and isinstance(n.slice, ast.Constant) and isinstance(n.slice.value, str):
                    node = self.node_for_name(n.value.id)
                    if node is not None and node.id in ids and n.slice.value in (node.columns or ()):
                        named.add(n.slice.value)
        return (named.pop(),) if len(named) == 1 else None

    def _picked_columns(self, obj: Any, inputs: list[Node]) -> tuple[str, ...] | None:
        """Some columns of the one wider table of as many rows the array was made from (``df.iloc[:, 2:].values``,
        ``arr[:, 1:]`` of ``arr = df.to_numpy()``), named by their values."""
        rows, width = obj.shape
        tables = [i for i in inputs if i.kind in ("frame", "array") and i.columns and width < len(i.columns)
                  and i.n_rows == rows]
        if len(tables) != 1:
            return None
        source = self.tracker.object_of(tables[0].id)
        return fr.picked_columns(source, tables[0].columns or (), obj) if source is not None else None

    def remember_result(self, result: Any, nid: NodeId) -> None:
        """Tie a value a wrapped call returned to its node (weakly, or by id for this cell only)."""
        if not self.tracker.register(result, nid):
            self._results[id(result)] = (result, nid)

    def result_node(self, value: Any) -> NodeId | None:
        """The node of a value a wrapped call returned in this cell that could not be weakly referenced."""
        entry = self._results.get(id(value))
        if entry is not None and entry[0] is value and entry[1] in self.graph.nodes:
            return entry[1]
        return None

    def _statement_inputs(self, line: int, name: str | None = None) -> list[Node]:
        """Nodes for what the statement at ``line`` read; for a value bound to ``name`` by plain assignments
        inside a loop or block, what those assignments read."""
        st = self.scan.statement_at(line)
        if st is None:
            return []
        return self.resolve_names(st.reads_of(name) if name is not None else st.reads, st.lineno, depth=0)

    def _frames_read(self, names: list[str]) -> list[Node]:
        """The tracked frames among ``names`` (live values), whose columns tell names of columns from values."""
        out: list[Node] = []
        for name in names:
            value = self.user_ns.get(name, _MISSING)
            nid = self.tracker.node_of(value) if value is not _MISSING and fr.is_frame(value) else None
            if nid is not None and nid in self.graph.nodes:
                out.append(self.graph.nodes[nid])
        return out

    def resolve_names(self, names: Iterable[str], before_line: int, depth: int) -> list[Node]:
        """Nodes for the names a statement read: live tracked objects first, then earlier statements, then bindings."""
        found: dict[NodeId, Node] = {}
        # a set of names (a statement's reads) iterates in an order that changes with the process's string hash
        # seed; the order of the inputs found is the order later code picks from (``model_and_rows``)
        names = sorted(names) if isinstance(names, (set, frozenset)) else list(names)
        frames: list[Node] | None = None  # looked up only when a value may be names of columns
        for name in names:
            value = self.user_ns.get(name, _MISSING)
            if _names_kind(value) and frames is None:
                frames = self._frames_read(names)
            if frames is not None and _column_names(value, frames):
                # names of columns (``df[chosen]``): what chose them is no value of any row; strings that are no
                # column of the frames read with them are values (``replace(rare_ports, "Other")``)
                continue
            nid = self.tracker.node_of(value) if value is not _MISSING else None
            if nid is None and value is not _MISSING:
                nid = self.result_node(value)  # ``fill = train["x"].mean()``: the wrapped call's own (unweakrefable) result
            if nid is not None and nid in self.graph.nodes:
                checked = self._checked(self.graph.nodes[nid], value)
                found[checked.id] = checked
                continue
            held = held_values(self, value, names) if value is not _MISSING and fr.is_row_data(value) else []
            if held:  # ``pd.Series(m.predict(X_te), index=X_te.index)``: known by its values, not its statement
                if len(set(held)) == 1:  # the prediction itself, wrapped
                    holder = self.graph.nodes[held[0]]
                    self.tracker.register(value, holder.id)
                else:
                    holder = self.derive_node(value, name, [self.graph.nodes[h] for h in dict.fromkeys(held)], "holds",
                                              Where(self.cell_id, self.execution_count, before_line))
                found[holder.id] = holder
                continue
            earlier = [s for s in self.scan.statements if s.lineno < before_line and name in s.writes]
            if earlier and depth < 8:
                st = earlier[-1]
                made = self._made_by(name, st.lineno, st.end_lineno)
                if made is not None:  # a split part or a wrapped call's result the statement bound to ``name``
                    found[made.id] = made
                    continue
                made_from = self.resolve_names(st.reads_of(name) - {name}, st.lineno, depth + 1)
                if value is not _MISSING and _column_names(value, made_from):
                    continue  # a list of column names: schema, not the rows it was chosen from
                if value is not _MISSING and numpystats.statistic_made(self, value, made_from, st.lineno,
                                                                       st.end_lineno):
                    stat = self.recorder.value(Derive(self.graph.new_id(), tuple(n.id for n in made_from), "assign",
                                                      name, Where(self.cell_id, self.execution_count, st.lineno),
                                                      rows="aggregate", kind=fr.kind_of(value)))
                    assert stat is not None
                    self.tracker.register(value, stat.id)
                    found[stat.id] = stat  # ``mu = X_train.mean(0)``: an aggregate of those rows, not them
                    continue
                for n in made_from:
                    found[n.id] = n
                # and the statistics it consumed (``fill = {c: df[c].mean() for c in cols}``: no rows to tie them to)
                # (not through a loop or a block: its names are not made of every statistic its body consumed)
                # (not one a value made in the statement already holds: ``df["y"] = df["x"].shift(-1)`` ties the shift
                # to the column it made, and must not spread it over the whole frame)
                used = self.inputs_made_at(st.lineno, st.end_lineno)
                for span, nid in () if st.compound else modelling_state(self).consumed:
                    if st.lineno <= span[0] <= st.end_lineno and nid in self.graph.nodes and nid not in used:
                        found[nid] = self.graph.nodes[nid]
                if name in st.reads:  # ``X = X.drop(...)``: X as an earlier statement of the cell (or the last cell) left it
                    for n in self.resolve_names((name,), st.lineno, depth + 1):
                        found[n.id] = n
                continue
            bound = self.bindings.get(name)
            if bound is not None and bound in self.graph.nodes and self.graph.nodes[bound].op != ROW_COUNT:
                found[bound] = self.graph.nodes[bound]  # (``df[:n_train]`` takes rows by position: no value of any)
        return list(found.values())

    def inputs_made_at(self, first: int, last: int) -> set[NodeId]:
        """The inputs of the nodes this cell made at lines ``first``-``last`` (newest nodes looked at only)."""
        used: set[NodeId] = set()
        for node in reversed(self.graph.nodes.values()):
            if node.where.execution_count != self.execution_count:
                break
            if node.where.line is not None and first <= node.where.line <= last:
                used.update(node.inputs)
        return used

    def _made_by(self, name: str, first: int, last: int) -> Node | None:
        """The node this cell's statement at lines ``first``-``last`` made under ``name`` (newest nodes looked at only)."""
        for node in reversed(self.graph.nodes.values()):
            if node.where.execution_count != self.execution_count:
                return None
            if node.where.line is None or not first <= node.where.line <= last:
                continue
            # the node named so, or the frame a column assignment there left (``df["c"] = ...``: op ``['c'] =``)
            if node.name == name or (node.op.endswith("] =") and node.op.startswith("[")):
                return node
        return None

    # -- after a cell -------------------------------------------------------------------------

    def settle(self, frame: types.FrameType | None) -> bool:
        """Mid-cell: bind the values the statements finished before ``frame``'s line made, and recognise the
        hand-made splits among them (``train = df.head(n)``, ``test = df.iloc[n:]``, then ``fit(train)`` in one
        cell), with the after-cell code, once per statement; True when it bound anything."""
        if not self._running or frame is None or not self.scan.statements:
            return False
        line = frame.f_lineno
        current = self.scan.statement_at(line)
        start = current.lineno if current is not None else line
        done = [st for st in self.scan.statements if st.end_lineno < start]
        new = [st for st in done if st.lineno not in self._settled]
        if not new:
            return False
        self._settled.update(st.lineno for st in new)
        was_busy, self.busy, self._running = self.busy, True, False
        try:
            plans = []
            for name in dict.fromkeys(n for st in new for n in sorted(st.writes)):
                writers = [st for st in done if name in st.writes]
                value = self.user_ns.get(name, _MISSING)
                if writers[-1] not in new or value is _MISSING \
                        or not (fr.is_row_data(value) or splits.is_array(value)) \
                        or self.tracker.node_of(value) is not None or self.result_node(value) is not None \
                        or self._wrapped_calls_in(writers[-1].lineno, writers[-1].end_lineno):
                    # (``proba = model.predict_proba(X_te)[:, 1]``: a value made by wrapped calls is read from
                    # their nodes when used, as before; the splits looked for here are cut by plain indexing)
                    continue
                plans.append(self._plan(name, value, writers))
            made = self._derive_planned(plans, bind=False)
            self._settled_values.update((name, value) for name, _, value in made)
            splits.find_partitions(self, made)
            return bool(made)
        except Exception as exc:  # never break the user's cell
            self.internal_error("mid-cell lineage", exc)
            return False
        finally:
            self.busy, self._running = was_busy, True

    def _wrapped_calls_in(self, first: int, last: int) -> bool:
        """True when a wrapped call recorded a node at lines ``first``-``last`` of this cell."""
        for node in reversed(self.graph.nodes.values()):
            if node.where.execution_count != self.execution_count:
                return False
            if node.where.line is not None and first <= node.where.line <= last:
                return True
        return False

    def _bind_written_names(self) -> None:
        scan = self.scan
        if not scan.statements:
            return
        ns = self.user_ns
        # resolve every input before changing any binding: names are read as the cell saw them
        plans: list[tuple[str, Any, list[Node], int, frozenset[str]]] = []
        for name in sorted(scan.writes):  # (a set: its order would change with the hash seed, and the nodes' order)
            value = ns.get(name, _MISSING)
            if value is _MISSING or _column_names(value):
                # column names chosen (``[c for c in df if df[c].nunique() < 10]``) hold no value of any row
                self.bindings.pop(name, None)
                self._bound_values.pop(name, None)
                continue
            nid = self.tracker.node_of(value) or self.result_node(value)
            if nid is not None and nid in self.graph.nodes:
                # (statements already bound mid-cell made this value: only a later one can have changed it)
                settled = self._settled if self._settled_values.get(name, _MISSING) is value else ()
                mutated = any(name in s.reads and name in s.writes for s in scan.statements
                              if s.lineno not in settled)
                if not mutated:
                    self._bind(name, value, nid)
                    continue
            elif self._bound_values.get(name, _MISSING) is value and name in self.bindings:
                continue
            plans.append(self._plan(name, value, [s for s in scan.statements if name in s.writes]))
        splits.find_partitions(self, self._derive_planned(plans, bind=True))

    def _plan(self, name: str, value: Any, writers: list[Statement]
              ) -> tuple[str, Any, list[Node], int, frozenset[str]]:
        """What ``value``, bound to ``name`` by the last of ``writers``, is made from: (name, value, inputs, line,
        names read)."""
        line = writers[-1].lineno if writers else 1
        reads = frozenset(writers[-1].reads) if writers else frozenset()
        inputs = self.resolve_names(reads, line + 1, 0)
        here = self._made_by(name, line, writers[-1].end_lineno) if writers else None
        if here is not None and all(here.id != i.id for i in inputs):
            # ``df = pd.read_csv(...).dropna()``: the value is what the statement made of the read's result
            # (the node a later statement of this cell already resolved ``df`` to), not a new source
            if here.n_rows is not None and here.n_rows == fr.row_count(value):
                # ``train, test = split(df)``, a helper returning its split's parts re-indexed: the rows are
                # ``here``'s, not those of the frames it was made from (``df`` holds the test rows too)
                made_from = {a.id for a in self.graph.ancestors(here.id)}
                inputs = [i for i in inputs if i.id not in made_from]
            inputs = [here, *inputs]
        return name, value, inputs, line, reads

    def _derive_planned(self, plans: list[tuple[str, Any, list[Node], int, frozenset[str]]], *, bind: bool
                        ) -> list[tuple[str, Node, Any]]:
        """A node for each planned value (bound to its name when ``bind``); the (name, node, value) made."""
        made: list[tuple[str, Node, Any]] = []
        for name, value, resolved, line, reads in sorted(plans, key=lambda plan: plan[3]):
            # ``df = pd.read_csv(...).dropna()`` then ``X = df[cols].values`` in one cell: X is made from
            # the node this pass just made for df (an array is not row data by itself)
            inputs = resolved or [node for other, node, _ in made if other in reads and other != name]
            if (not inputs and not fr.is_row_data(value)) or _column_names(value, inputs):
                if bind:
                    self.bindings.pop(name, None)
                continue
            where = Where(self.cell_id, self.execution_count, line)
            node = self.derive_node(value, name, inputs, "assign", where)
            if bind:
                self._bind(name, value, node.id)
            made.append((name, node, value))
        return made

    def _bind(self, name: str, value: Any, nid: NodeId) -> None:
        self.bindings[name] = nid
        if fr.trackable(value):
            self._bound_values.pop(name, None)  # the tracker knows it again
        else:
            self._bound_values[name] = value
        node = self.graph.nodes.get(nid)
        if node is not None and node.name.startswith("<"):
            node.name = name

    def on_split(self, frames: tuple[Any, ...], result: tuple[Any, ...], parts: RowParts | None,
                 policy: Policy) -> None:
        """``leakguard.split`` ran: its parts are exact train / holdout rows with the future removed."""
        if self.busy_elsewhere():
            return
        frame = self.cell_frame()
        was_busy, self.busy = self.busy, True
        try:
            for i, source in enumerate(frames):
                parent = self.node_of(source, frame=frame)
                splits.register_split(self, parent.id, [(result[2 * i], "train"), (result[2 * i + 1], "holdout")],
                                      "leakguard.split", inferred=False, removes=frozenset({"future"}), frame=frame)
            n_future = int(parts.future.sum()) if parts is not None else 0
            if n_future:
                self.note(f"leakguard.split set aside {n_future} row(s) after the cutoff {policy.cutoff}.")
        except Exception as exc:
            self.internal_error("leakguard.split", exc)
        finally:
            self.busy = was_busy

    def busy_elsewhere(self) -> bool:
        return threading.get_ident() != self.main_thread

    # -- explain ----------------------------------------------------------------------------

    def node_for_name(self, name: str) -> Node | None:
        """The current node of a variable (its live object's, else its binding)."""
        value = self.user_ns.get(name, _MISSING)
        if value is not _MISSING:
            nid = self.tracker.node_of(value)
            if nid is not None and nid in self.graph.nodes:
                return self._checked(self.graph.nodes[nid], value)
        bound = self.bindings.get(name)
        return self.graph.nodes.get(bound) if bound else None

    def restricted_note(self, op: str, node: Node, kept: int, total: int) -> None:
        self.note(f"safe mode: {op}() ran on the {kept:,} training row(s) of {node.name} "
                  f"({total - kept:,} holdout/future row(s) of {total:,} left out).")

    def root_object(self, node: Node) -> Any | None:
        """A live source frame of ``node`` that holds the policy's columns, for restricting subsets."""
        for src in [node, *self.graph.ancestors(node.id)]:
            obj = self.tracker.object_of(src.id)
            if obj is not None and fr.is_frame_like(obj) and hasattr(obj, "columns"):
                from leakguard.splitting import needed_columns

                if all(c in obj.columns for c in needed_columns(self.policy)):
                    return obj
        return None


def _refuse(found: tuple[Finding, ...]) -> None:
    """Block mode in the kernel: the call is refused before it runs."""
    raise LeakageError(found)


def _most_rows_of(obj: Any, n_rows: int, node: Node) -> bool:
    """An array holding most of a frame's rows (``df.dropna()[cols].values`` when the dropna result is untracked):
    rows that survived a filter, not a statistic (which has a row per statistic, or none)."""
    return type(obj).__module__.startswith("numpy") and node.n_rows is not None and node.kind == "frame" \
        and node.n_rows // 2 < n_rows <= node.n_rows


ROW_COUNT = "row count"


def _row_count(obj: Any, inputs: list[Node]) -> bool:
    """``len(train)``, ``X.shape``: the number of rows of an input (an int, or a shape starting with it)."""
    n = obj[0] if isinstance(obj, tuple) and obj and type(obj[0]) is int else obj
    return type(n) is int and n > 1 and any(i.n_rows == n for i in inputs)

