"""Splits in the kernel: a Split event for live parts, and hand-made splits recognised after a cell.

Every split the kernel sees (``train_test_split``, ``leakguard.split``, two frames whose
rows partition one parent) becomes one ``Split`` through the session's recorder; each
part's object is registered so later cells find its node.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from leakguard.kernel import evidence, folds
from leakguard.kernel import frames as fr
from leakguard.lineage.events import NodeId, Split, SplitPart
from leakguard.lineage.graph import holds_rows
from leakguard.lineage.inference import mask_split_counts
from leakguard.splitting import looks_like_holdout, looks_like_test

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.lineage.graph import Node

_RECENT_SUBSETS = 8  # subsets of one parent remembered to pair with a later one
_MAX_PARENTS = 3  # inputs of a subset tried as its parent
_DISTINCT = 0.9  # share of a parent's rows that must differ in content for content to tell a split
_MIN_ROWS = 10  # fewer rows prove nothing by content


def register_split(s: Session, parent_id: NodeId, parts: list[tuple[Any, str]], method: str, *,
                   inferred: bool, names: list[str] | None = None, removes: frozenset[str] = frozenset(),
                   frame: types.FrameType | None = None, after_cell: bool = False) -> None:
    """Record a Split of ``parent_id`` into live ``parts`` (object, role) and register each part's object."""
    where = s.where(frame)
    split_parts = []
    for i, (obj, role) in enumerate(parts):
        label = names[i] if names and i < len(names) else f"<{role} part>"
        split_parts.append(SplitPart(s.graph.new_id(), role, label, fr.columns_of(obj),  # type: ignore[arg-type]
                                     fr.row_count(obj), removes))
    parent_node, parent_obj = s.graph.nodes.get(parent_id), s.tracker.object_of(parent_id)
    time = evidence.rows_time_column(s, parent_node, parent_obj, where) \
        if parent_node is not None and fr.is_frame(parent_obj) else s.policy.time
    if time is None and parent_node is not None:
        # rows a sort put in time order, split as an expression (``train_test_split(df[cols], ...)``), or
        # out of order since (separately sorted parts concatenated): the split is judged on their times
        time = evidence.recorded_time_column(s, parent_node) or s.graph.time_column()
    ordered = fr.time_ordered([o for o, _ in parts], [r for _, r in parts], time)
    train = [o for o, r in parts if r == "train" and fr.is_frame(o)]
    test = [o for o, r in parts if r == "holdout" and fr.is_frame(o)]
    if ordered is None and not s.policy.time and time is not None and parent_node is not None and train and test:
        # the parts lack the time column (``X`` without the date): their rows' times are the parent's sources'
        ordered = evidence.parts_time_ordered(s, parent_node, train[0], test[0], time)
    if ordered is None and time is not None and parent_node is not None and is_array(parent_obj):
        # numpy row blocks (``X[:n]`` / ``X[n:]`` of ``X = df[cols].to_numpy()``): their rows' times by position
        ordered = _blocks_time_ordered(s, parent_node, parent_obj, parts, time)
    s.recorder.record(Split(parent_id, tuple(split_parts), method, where, time_ordered=ordered, inferred=inferred,
                            after_cell=after_cell))
    for part, (obj, _role) in zip(split_parts, parts, strict=True):
        node = s.graph.nodes[part.out]
        node.n_rows = part.rows
        s.tracker.register(obj, part.out)
    outs = {p.out for p in split_parts}
    for name, nid in list(s.bindings.items()):
        obj = s.user_ns.get(name)
        if obj is not None and s.tracker.node_of(obj) in outs:
            s.bindings[name] = s.tracker.node_of(obj) or nid


def _blocks_time_ordered(s: Session, parent_node: Node, parent: Any, parts: list[tuple[Any, str]],
                         time: str) -> bool | None:
    """Whether every training block of a numpy array ends, in time, before every holdout block starts; None when
    the array's rows have no known times or a part is not a view of its rows."""
    times = evidence.array_row_times(s, parent_node, parent, time)
    if times is None:
        return None
    spans: dict[str, list[Any]] = {"train": [], "holdout": []}
    for obj, role in parts:
        view = _view_rows(parent, obj)
        if view is None or role not in spans:
            return None
        spans[role].append(times[view[0]:view[0] + view[1]])
    import numpy as np

    try:
        train = np.concatenate(spans["train"]) if spans["train"] else None
        test = np.concatenate(spans["holdout"]) if spans["holdout"] else None
        if train is None or test is None or not len(train) or not len(test):
            return None
        return bool(np.nanmax(train) <= np.nanmin(test))
    except (TypeError, ValueError):
        return None


def find_partitions(s: Session, made: list[tuple[str, Node, Any]]) -> None:
    """Recognise hand-made splits among the values a cell bound: two frames (or numpy row slices) whose rows
    partition one parent."""
    for name, node, value in made:
        if not (fr.is_row_data(value) or is_array(value)) or _fold_part(s, value):
            continue
        for parent_id in _parents(s, node):
            parent = s.tracker.object_of(parent_id)
            split_parent = parent_id
            if parent is None or is_array(value) != is_array(parent):
                # ``df = df.sample(frac=1).reset_index(drop=True)`` then ``df[:n]`` / ``df[n:]`` in one cell (or
                # ``data = df.to_numpy()`` then ``data[:n]``): the parts were cut from a value bound in this cell
                split_parent, parent = _rebound(made, parent_id, node.id) or (parent_id, parent)
            siblings = s.subsets.setdefault(parent_id, [])
            found = False
            if parent is not None:
                for sib_id in siblings:
                    sib = s.tracker.object_of(sib_id)
                    if sib is None or sib is value or not _alike(sib, value):
                        continue
                    if (fr.partitions(parent, sib, value) or array_partitions(parent, sib, value)
                            or content_partitions(parent, sib, value)) \
                            and _mask_split(s, parent, (sib_id, sib), (node, value, name)):
                        _record_partition(s, split_parent, (sib_id, sib), (node.id, value), name)
                        found = True
                        break
            if parent is not None and not found:
                found = _find_three(s, split_parent, parent, siblings, (node.id, value), name=name)
            siblings.append(node.id)
            del siblings[:-_RECENT_SUBSETS]
            if split_parent != parent_id:
                # the other part may be cut from the rebound frame itself once it is tracked (bound mid-cell)
                rebound = s.subsets.setdefault(split_parent, [])
                rebound.append(node.id)
                del rebound[:-_RECENT_SUBSETS]
            if found:
                break


def _mask_split(s: Session, parent: Any, a: tuple[NodeId, Any], b: tuple[Node, Any, str]) -> bool:
    """Two parts cut by a mask on a column and its negation are a train/test split only by the shared rule
    (lineage/inference.py): ``churned = df[df.churned == 1]`` / ``stayed = df[df.churned == 0]`` explore per
    class, they are not the split that infers the holdout. The mask is not tracked, so its column is read from
    the data: a column with repeated values whose values in the two parts do not overlap."""
    node_a = s.graph.nodes.get(a[0])
    if node_a is None or not (fr.is_frame(parent) and fr.is_frame(a[1]) and fr.is_frame(b[1])):
        return True
    names = [node_a.name, b[2]]
    try:
        columns = _mask_columns(parent, a[1], b[1])
    except Exception:  # data leakguard cannot compare: keep the split
        return True
    if not columns:
        return True
    return any(mask_split_counts(names, c, time=s.policy.time, temporal=t) for c, t in columns)


_MAX_MASK_COLUMNS = 60


def _mask_columns(parent: Any, a: Any, b: Any) -> list[tuple[str, bool]]:
    """Columns (and whether each holds times) that may be the mask cutting ``parent`` into ``a`` and ``b``."""
    if len(a) == 0 or len(b) == 0:
        return []
    out = []
    for column in list(parent.columns)[:_MAX_MASK_COLUMNS]:
        if not isinstance(column, str) or column not in a.columns or column not in b.columns:
            continue
        values = parent[column]
        if getattr(values, "ndim", 1) != 1 or values.nunique(dropna=True) >= len(values):
            continue
        if not a[column].dropna().isin(b[column].dropna()).any():
            out.append((column, values.dtype.kind == "M"))
    return out


_MASK_WALK = 4
_MIN_CHOSEN_ROWS = 5
_MAX_CLASS_VALUES = 20
_SAMPLE = 2_000  # rows of a subset and of its parent read to find the mask's column


def rows_chosen_by(s: Session, node: Node, data: Any) -> tuple[str, ...]:
    """Columns an earlier mask chose ``data``'s rows by (``df[df.churned == 1].spend``: ``churned``), read from
    the data: the nearest ancestor frame with more rows, and its few-valued columns constant on these rows.

    Read on at most ``_SAMPLE`` rows of each (strided), so the cost does not grow with the data: an inspection
    of a subset of a million rows pays for a few thousand, not a pass over every column.
    """
    try:
        index = getattr(data, "index", None)
        if index is None or len(data) < _MIN_CHOSEN_ROWS:
            return ()
        cur = node
        for _ in range(_MASK_WALK):
            if not cur.inputs or cur.inputs[0] not in s.graph.nodes:
                return ()
            cur = s.graph.nodes[cur.inputs[0]]
            parent = s.tracker.object_of(cur.id)
            if parent is None or not fr.is_frame(parent) or len(parent) == len(data):
                continue
            if len(parent) < len(data) or not parent.index.is_unique:
                return ()
            picked = index[:: max(1, len(index) // _SAMPLE)]
            if not picked.isin(parent.index).all():
                return ()
            columns = [c for c in parent.columns if isinstance(c, str)]
            rows = parent.loc[picked, columns]
            whole = parent.iloc[:: max(1, len(parent) // _SAMPLE)][columns]
            return tuple(c for c in columns if rows[c].nunique(dropna=False) == 1
                         and 1 < whole[c].nunique() <= _MAX_CLASS_VALUES)
    except Exception:  # data leakguard cannot compare: no mask column
        return ()
    return ()


def _fold_part(s: Session, value: Any) -> bool:
    """Without a declared holdout, the two parts of a fold loop are cross-validation (kernel/folds.py), not the
    split that infers the holdout (looks before the loop would turn into peeks at it)."""
    return not s.policy.holdout.declared and folds.is_part(s, value)


def _find_three(s: Session, parent_id: NodeId, parent: Any, siblings: list[NodeId], new: tuple[NodeId, Any], *,
                name: str) -> bool:
    """Train / validation / test: two earlier subsets that, with ``new``, cut ``parent`` into three blocks."""
    live = [(i, o) for i in siblings if (o := s.tracker.object_of(i)) is not None and o is not new[1]
            and _alike(o, new[1])]
    for k, first in enumerate(live):
        for second in live[k + 1:]:
            parts = [first, second, new]
            starts = _three_partition(parent, [o for _, o in parts])
            if starts is None:
                continue
            names = [s.graph.nodes[i].name if i != new[0] else name for i, _ in parts]
            order = sorted(range(3), key=lambda j: starts[j])
            named = [j for j in order if looks_like_test(names[j])]
            held = named[0] if len(named) == 1 else order[-1]
            register_split(s, parent_id, [(parts[j][1], "holdout" if j == held else "train") for j in order],
                           "row partition", inferred=True, names=[names[j] for j in order], after_cell=True)
            return True
    return False


def _three_partition(parent: Any, parts: list[Any]) -> list[int] | None:
    """Where each part starts among ``parent``'s rows when the parts are disjoint and make all of it; else None."""
    if is_array(parent):
        return _array_blocks(parent, parts)
    if not (fr.is_frame_like(parent) and all(fr.is_frame_like(p) and len(p) for p in parts)) \
            or sum(len(p) for p in parts) != len(parent):
        return None
    import pandas as pd

    # throwaway Index objects: asking the user's own index would make pandas cache a hash table on it
    index = pd.Index(parent.index.to_numpy(), copy=False)
    labels = [pd.Index(p.index.to_numpy(), copy=False) for p in parts]
    if not index.is_unique or not all(lb.is_unique and lb.isin(index).all() for lb in labels):
        return None
    if len(labels[0].append(labels[1:]).unique()) != len(parent):
        return None  # a row on two sides
    return [int(index.get_loc(lb[0])) for lb in labels]


def _array_blocks(parent: Any, parts: list[Any]) -> list[int] | None:
    """Where each numpy view in ``parts`` starts among ``parent``'s rows, when they are consecutive blocks of the
    same columns that make all of its rows; else None (copies, other columns, a row missing or twice)."""
    views = [_view_rows(parent, p) for p in parts]
    if any(v is None for v in views) or len({(v[2], p.shape[1:]) for v, p in zip(views, parts, strict=True)
                                             if v is not None}) != 1:
        return None
    spans = sorted((v[0], v[1]) for v in views if v is not None)
    ends = [start + n for start, n in spans]
    if spans[0][0] != 0 or ends[-1] != parent.shape[0] or any(ends[i] != spans[i + 1][0] for i in range(len(spans) - 1)):
        return None
    return [v[0] for v in views if v is not None]


def _view_rows(parent: Any, part: Any) -> tuple[int, int, int] | None:
    """(first row, row count, first column) of a numpy view of ``parent``'s rows that keeps its steps, else None."""
    if not is_array(part) or parent.ndim > 2 or min(parent.strides) <= 0 or part.dtype != parent.dtype \
            or not part.shape[0] or part.strides[0] != parent.strides[0] \
            or (part.ndim == 2 and part.strides[1:] != parent.strides[1:]) or part.ndim > 2:
        return None
    at = _row_and_column(parent, part.__array_interface__["data"][0] - parent.__array_interface__["data"][0])
    return (at[0], part.shape[0], at[1]) if at is not None else None


def _rebound(made: list[tuple[str, Node, Any]], parent_id: NodeId, exclude: NodeId) -> tuple[NodeId, Any] | None:
    """The largest value bound in this cell from ``parent_id`` alone (the frame a cell rebound, then cut)."""
    found = [(len(v), n.id, v) for _, n, v in made
             if n.id != exclude and n.inputs == (parent_id,) and (fr.is_frame_like(v) or is_array(v))]
    if not found:
        return None
    _, nid, value = max(found, key=lambda f: f[0])
    return nid, value


def _parents(s: Session, node: Node) -> list[NodeId]:
    """The inputs a subset may have been cut from: its one input, or those holding rows (``df[mask]`` also read
    ``mask``, ``X[:n]`` read the count ``n``)."""
    if len(node.inputs) == 1:
        return list(node.inputs)
    rows = [i for i in node.inputs if i in s.graph.nodes and holds_rows(s.graph.nodes[i])]
    return rows[:_MAX_PARENTS]


def _alike(a: Any, b: Any) -> bool:
    """Two parts of one split hold the same columns (``X_train`` pairs with ``X_test``, never with ``y_test``)."""
    if type(a) is not type(b):
        return False
    if fr.is_frame(a):
        return list(a.columns) == list(b.columns)
    if fr.is_series(a):
        return bool(a.name == b.name)
    return True


def is_array(obj: Any) -> bool:
    """A numpy array of at least one dimension."""
    np = sys.modules.get("numpy")
    return np is not None and isinstance(obj, np.ndarray) and obj.ndim >= 1


def array_partitions(parent: Any, a: Any, b: Any) -> bool:
    """True when numpy views ``a`` and ``b`` are two blocks of ``parent``'s rows that together make all of them.

    ``X[:n]`` / ``X[n:]`` and ``data[:n, :-1]`` / ``data[n:, :-1]`` are views: where each starts in the
    parent's memory gives its first row; both must take the same columns with the parent's row step.
    Copies (fancy indexing) prove nothing here (``content_partitions`` judges them).
    """
    return is_array(parent) and _array_blocks(parent, [a, b]) is not None


def content_partitions(parent: Any, a: Any, b: Any) -> bool:
    """True when numpy rows ``a`` and ``b`` (copies: ``X[idx[:n]]`` / ``X[idx[n:]]``) hold, between them, each row
    of ``parent`` once, judged by content.

    Only for a parent whose rows content tells apart (a 0/1 label array does not: any two samples with the
    right counts would pass), and only for copies (views are judged by where they start).
    """
    if not (is_array(parent) and is_array(a) and is_array(b)) or not len(a) or not len(b) \
            or a.shape[1:] != parent.shape[1:] or b.shape[1:] != parent.shape[1:] \
            or len(a) + len(b) != len(parent) or a.base is not None or b.base is not None:
        return False
    import numpy as np

    from leakguard.lineage.fingerprint import row_hashes

    if parent.dtype.kind not in "biuf" or not a.dtype == b.dtype == parent.dtype:
        return False  # numbers only: object and string rows are not hashed here
    whole = np.sort(row_hashes(parent))
    if len(whole) < _MIN_ROWS or np.count_nonzero(whole[1:] != whole[:-1]) + 1 < _DISTINCT * len(whole):
        return False
    return bool(np.array_equal(whole, np.sort(np.concatenate([row_hashes(a), row_hashes(b)]))))


def _row_and_column(parent: Any, offset: int) -> tuple[int, int] | None:
    """The (row, column) of the element ``offset`` bytes into ``parent`` (C or Fortran order), or None."""
    if offset < 0:
        return None
    if parent.ndim == 1:
        row, rest = divmod(offset, parent.strides[0])
        return (row, 0) if not rest and row < parent.shape[0] else None
    (s_row, s_col), (n_rows, n_cols) = parent.strides, parent.shape
    if s_row >= s_col:
        row, rest = divmod(offset, s_row)
        col, rest = divmod(rest, s_col)
    else:
        col, rest = divmod(offset, s_col)
        row, rest = divmod(rest, s_row)
    return (row, col) if not rest and row < n_rows and col < n_cols else None


def _record_partition(s: Session, parent_id: NodeId, a: tuple[NodeId, Any], b: tuple[NodeId, Any],
                      b_name: str) -> None:
    """The part named like a holdout (or else the smaller) is the holdout."""
    a_test = looks_like_holdout(s.graph.nodes[a[0]].name)
    b_test = looks_like_holdout(b_name)
    if a_test == b_test:
        na, nb = fr.row_count(a[1]), fr.row_count(b[1])
        a_test = na is not None and nb is not None and na < nb
    holdout, train = (a, b) if a_test else (b, a)
    register_split(s, parent_id, [(train[1], "train"), (holdout[1], "holdout")], "row partition",
                   inferred=True, names=[s.graph.nodes[train[0]].name, s.graph.nodes[holdout[0]].name],
                   after_cell=True)
