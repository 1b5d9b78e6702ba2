"""Row facts proven from live data, for the modelling rules: copies across a split, time order, label proxies.

Facts about a split (how many test rows are copies of training rows, whether every
training row is older than every test row) are computed lazily, the first time a fit or a
score needs them, once per split (cached); the cell that merely splits pays nothing. Rows are matched by index identity when the
labels still name source rows, and by content fingerprints only when they do not.

A fresh split of the same parent costs little: whether a value's labels name a source's
rows is proven once per pair of values, and a split part's identity follows from its
parent's (the part's rows are the parent's rows under the same labels, checked on a
sample); the records that repeat are found once per (source, parent), among the parent's
rows only.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from leakguard.kernel import frames as fr
from leakguard.kernel.calls import state
from leakguard.libraries.sklearn.catalog import RANDOM_SPLITS
from leakguard.lineage import fingerprint
from leakguard.lineage.domain import HOLDOUT, TRAIN
from leakguard.lineage.events import NodeId, Split, Where
from leakguard.lineage.graph import Node, TimeOrder, holds_rows
from leakguard.lineage.inference import Guess, taken
from leakguard.rules._modelling import row_lineage, split_siblings
from leakguard.splitting import looks_like_entity_id

if TYPE_CHECKING:
    from leakguard.kernel.session import Session

PROXY_SAMPLE = 5_000
MAX_REPEATED = 50_000  # repeated records whose hashes are kept per source (beyond: compared per split)
MIN_CONTENT_COLUMNS = 3  # fewer columns: equal values are too often a coincidence to call rows copies
Facts = tuple[int | None, bool | None]


def live_rows(s: Session, node: Node) -> Any | None:
    """The live object holding ``node``'s rows: its own, or the nearest row ancestor with as many rows."""
    for n in row_lineage(s.graph, node.id).values():
        obj = s.tracker.object_of(n.id)
        if obj is not None and hasattr(obj, "shape") and (
                n.id == node.id or (node.n_rows is not None and fr.row_count(obj) == node.n_rows)):
            return obj
    return None


def _sources(s: Session, node: Node, obj: Any, column: str | None = None) -> list[Any]:
    """Live frames the rows of ``obj`` come from whose index labels still name them (nearest first)."""
    found: list[Any] = []
    for n in row_lineage(s.graph, node.id).values():
        frame: Any = s.tracker.object_of(n.id)
        if fr.is_frame(frame) and (column is None or _holds_time(frame, column)) and _identity(s, obj, n, frame):
            found.append(frame)
    return found


MAX_CACHED = 20_000  # identity facts kept per session (ids and booleans); beyond, start again


def _cached(cache: dict[Any, tuple[bool, tuple[weakref.ref[Any], ...]]], key: Any, indexes: tuple[Any, ...]
            ) -> bool | None:
    """The fact kept under ``key`` when it was kept for these very index objects (an id in the key alone passes
    to a new index once the old one is freed: ``df.index = ...`` twice can hand the first one's id to the third)."""
    entry = cache.get(key)
    if entry is None or any(ref() is not index for ref, index in zip(entry[1], indexes, strict=True)):
        return None
    return entry[0]


def _keep(cache: dict[Any, tuple[bool, tuple[weakref.ref[Any], ...]]], key: Any, indexes: tuple[Any, ...],
          held: bool) -> None:
    try:
        refs = tuple(weakref.ref(index) for index in indexes)
    except TypeError:  # an index that cannot be weakly referenced: not kept
        return
    if len(cache) >= MAX_CACHED:
        cache.clear()
    cache[key] = (held, refs)


def _identity(s: Session, obj: Any, source_node: Node, source: Any) -> bool:
    """``fingerprint.identity_holds(obj, source)``, proven once per pair of values.

    Keyed by both nodes and the ids of both indexes: a value whose index was replaced in
    place (``df.index = ...``, ``reset_index(inplace=True)``) is asked again.
    """
    own = s.tracker.node_of(obj)
    if own is None or not hasattr(obj, "index"):
        return fingerprint.identity_holds(obj, source)
    cache = state(s).identity
    indexes = (obj.index, source.index)
    key = (own, source_node.id, id(obj.index), id(source.index))
    held = _cached(cache, key, indexes)
    if held is None:
        held = _via_parent(s, own, obj, source_node, source)
        if held is None:
            held = fingerprint.identity_holds(obj, source, source_unique=_unique_of(s, source_node.id, source),
                                              obj_unique=_unique_of(s, own, obj))
        _keep(cache, key, indexes, held)
    return held


def _via_parent(s: Session, own: NodeId, obj: Any, source_node: Node, source: Any) -> bool | None:
    """A split part's identity with an ancestor of its parent: it holds with the parent's, both checked.

    A split's parts are rows of its parent; when the part's labels name the parent's rows
    (a sample agrees) and the parent's name the source's, the part's name the source's: a
    fresh split of the same parent asks one question per part instead of one per ancestor.
    None: not a split part, or the parent is gone (ask directly).
    """
    node = s.graph.nodes.get(own)
    if node is None or node.split_role is None or len(node.inputs) != 1 or node.inputs[0] == source_node.id \
            or own == source_node.id:
        return None
    if source_node.split_role is not None and source_node.inputs == node.inputs and source.shape[0]:
        return len(obj) == 0  # another part of the same split: the parts' rows are disjoint
    parent_node = s.graph.nodes.get(node.inputs[0])
    parent: Any = s.tracker.object_of(node.inputs[0])
    if parent_node is None or not fr.is_frame(parent):
        return None
    return _identity(s, obj, parent_node, parent) and _identity(s, parent, source_node, source)


def note_split_parts(s: Session, parent_id: NodeId, parent: Any, parts: list[Any]) -> None:
    """Parts a splitter just took by position from ``parent``: their identity with it holds by construction.

    ``train_test_split`` takes distinct rows of its input by position, keeping their labels:
    a part's labels name the parent's rows, and are unique when the parent's are. Noting
    both here (keyed, like every identity fact, by the ids of both index objects, so a part
    relabelled later is asked again) spares every fit and score of a fresh split a lookup of
    each part's sampled labels in the parent's index and a uniqueness check of each part.
    """
    if not fr.is_frame(parent) or not hasattr(parent, "index"):
        return
    held: bool | None = None
    identity, unique = state(s).identity, state(s).unique
    for part in parts:
        own = s.tracker.node_of(part)
        node = s.graph.nodes.get(own) if own is not None else None
        if own is None or node is None or node.split_role is None or node.inputs != (parent_id,) \
                or not fr.is_frame(part) or part.index.dtype != parent.index.dtype or len(part) > len(parent) \
                or not part.columns.equals(parent.columns):
            continue  # not plainly the parent's rows (another shape of result): asked when needed
        if held is None:
            held = _unique_of(s, parent_id, parent)  # once per parent (cached): a re-split asks nothing
        _keep(identity, (own, parent_id, id(part.index), id(parent.index)), (part.index, parent.index), held)
        _keep(unique, (own, id(part.index)), (part.index,), held)


def _unique_of(s: Session, nid: NodeId, frame: Any) -> bool:
    """Whether ``frame``'s index labels are unique, asked once per value (and index object)."""
    cache = state(s).unique
    key = (nid, id(frame.index))
    held = _cached(cache, key, (frame.index,))
    if held is None:
        held = fingerprint.unique_labels(frame.index)
        _keep(cache, key, (frame.index,), held)
    return held


# -- split facts ---------------------------------------------------------------------------------


def new_splits(s: Session) -> None:
    """Note the splits made so far; their row facts are proved lazily, when an evaluation first needs them."""
    state(s).splits_seen = len(s.graph.splits)


def _split_facts(s: Session, split: Split) -> None:
    train = [p for p in split.parts if p.role == "train"]
    test = [p for p in split.parts if p.role == "holdout"]
    if not train or not test:
        return
    tr_node, te_node = s.graph.nodes.get(train[0].out), s.graph.nodes.get(test[0].out)
    tr, te = s.tracker.object_of(train[0].out), s.tracker.object_of(test[0].out)
    if tr_node is None or te_node is None or tr is None or te is None:
        return
    if fr.is_series(tr) or getattr(tr, "ndim", 2) == 1:
        return  # a target's parts: the features' split says it all
    parent = s.graph.nodes.get(split.parent)
    state(s).split_facts[(tr_node.id, te_node.id)] = (_copies(s, tr_node, tr, te, te_node=te_node, parent=parent),
                                                      _time_ordered(s, tr_node, tr, te))


def _copies(s: Session, node: Node, train: Any, test: Any, *, te_node: Node, parent: Node | None) -> int | None:
    """Test rows that are copies of training rows: by the source's full records when identity holds, else content.

    The source's records that repeat among the split parent's rows are found once (or come
    from the cache) and the parts are selected by position: no column of the user's data
    is copied.
    """
    if fr.is_series(train) or getattr(train, "ndim", 2) == 1:
        return None  # one column (a target): equal values are not copied rows
    by_chance = not _grown(s, parent)
    sources = _sources(s, node, train)
    sources = [f for f in sources if _identity(s, test, _node_of(s, f, te_node), f)]
    if sources:  # compare the fullest records the rows come from (ids and timestamps included)
        import numpy as np

        source = sources[-1]
        repeated = _repeated_records(s, source, parent, by_chance=by_chance)
        if repeated is not None and not len(repeated[0]):
            return 0  # no record of the source repeats: no copy can cross any split of it (no lookup needed)
        tr_pos = fingerprint.positions_in(source.index, train.index)
        te_pos = fingerprint.positions_in(source.index, test.index)
        if repeated is None:  # many repeated records: compare the parts' records directly
            return fingerprint.shared_hashes(fingerprint.row_hashes(source, tr_pos),
                                             fingerprint.row_hashes(source, te_pos))
        positions, rep_hashes = repeated
        in_train = np.isin(positions, tr_pos)
        in_test = np.isin(positions, te_pos)
        return int(np.isin(rep_hashes[in_test], rep_hashes[in_train]).sum())
    return _content_copies(train, test, by_chance=by_chance)


def _grown(s: Session, parent: Node | None) -> bool:
    """Whether the split rows outnumber the rows of every source they come from: a step copied rows (a stack of a
    frame with a sample of it, a repeat, a resample to more rows), so rows equal by chance may be copies too
    (``fingerprint.repeat_by_chance`` is not asked).

    Read from the row counts the graph keeps (no data is touched). Stacking two different files
    (``pd.concat([train, test])`` for shared feature code) makes no more rows than were read.
    """
    if parent is None or parent.n_rows is None:
        return False
    lineage = row_lineage(s.graph, parent.id)
    sources = [n for n in lineage.values() if n.id != parent.id and not any(i in lineage for i in n.inputs)]
    if not sources or any(n.n_rows is None for n in sources):
        return False
    return parent.n_rows > sum(n.n_rows or 0 for n in sources)


def _node_of(s: Session, frame: Any, fallback: Node) -> Node:
    nid = s.tracker.node_of(frame)
    node = s.graph.nodes.get(nid) if nid is not None else None
    return node if node is not None else fallback


def _repeated_records(s: Session, source: Any, parent: Node | None = None, *, by_chance: bool = True
                      ) -> tuple[Any, Any] | None:
    """(positions, hashes) of the source's records that repeat among the split parent's rows, found once.

    Only the parent's rows are hashed (a split of a 100k-row sample of a 1M-row source
    hashes 100k records), once per (source, parent): a re-split of the same parent reuses
    them. Empty arrays when every record is unique (the usual case: later splits cost
    nothing) or when the records repeat as often as their values make likely by chance
    (``fingerprint.repeat_by_chance``: a table of a few categorical columns); None when so many repeat that keeping them would not be small. Only positions
    (in the source) and hashes are kept, never values or labels.
    """
    import numpy as np
    import pandas as pd

    key = s.tracker.node_of(source)
    parent_obj: Any = s.tracker.object_of(parent.id) if parent is not None else None
    within = parent is not None and parent_obj is not None and parent_obj is not source \
        and hasattr(parent_obj, "index") and len(parent_obj) < len(source)
    scope = parent.id if within and parent is not None else key
    if scope is not None and not by_chance:
        scope = NodeId(f"{scope}+grown")  # the records' repeats counted whether or not chance explains them
    cache = state(s).repeated
    if key is not None and scope is not None and (key, scope) in cache:
        return cache[(key, scope)]  # type: ignore[no-any-return]
    rows: Any = None
    if within:
        rows = fingerprint.positions_in(source.index, parent_obj.index)
        if (rows < 0).any():
            rows = None  # the parent holds rows the source does not name: hash the whole source
    hashes = pd.Series(fingerprint.row_hashes(source, rows))
    repeated = hashes[hashes.duplicated(keep=False).to_numpy()]
    if len(repeated) and by_chance and fingerprint.repeat_by_chance([(source, rows)], hashes.to_numpy()):
        repeated = repeated.iloc[:0]  # records of a few low-cardinality columns: equal by chance, not copies
    if len(repeated):
        counts = repeated.map(repeated.value_counts())
        repeated = repeated[(counts <= fingerprint.COPY_MULTIPLICITY).to_numpy()]
    found = None
    if len(repeated) <= MAX_REPEATED:
        at = repeated.index.to_numpy(dtype=np.int64)
        found = (at if rows is None else np.asarray(rows, dtype=np.int64)[at], repeated.to_numpy(dtype=np.uint64))
    if key is not None and scope is not None:
        cache[(key, scope)] = found
    return found


def _content_copies(train: Any, test: Any, *, by_chance: bool = True) -> int | None:
    """Copies judged on the values alone: only for rows wide enough that equal rows are not a coincidence."""
    if fr.is_series(train) or getattr(train, "ndim", 2) != 2 or train.shape[1] < MIN_CONTENT_COLUMNS:
        return None
    return fingerprint.shared_by_content(train, test, by_chance=by_chance)


def time_values_of(s: Session, node: Node, obj: Any, extra: tuple[Any, ...] = (), column: str | None = None
                   ) -> Any | None:
    t = column or s.graph.time_column()
    if t is None:
        return None
    if _holds_time(obj, t):
        return _times(obj, t)
    sources = _sources(s, node, obj, t) + [f for f in extra if _holds_time(f, t)
                                            and fingerprint.identity_holds(obj, f)]
    if not sources:
        return None
    import pandas as pd

    source = sources[0]
    values = _times(source, t).to_numpy()
    positions = fingerprint.positions_in(source.index, obj.index)  # no hash table cached on the user's index
    return pd.Series(values[positions], index=obj.index)


WITNESS_ROWS = 64  # rows of each part first compared in time: a later training row among them settles it


def _time_ordered(s: Session, node: Node, train: Any, test: Any, column: str | None = None) -> bool | None:
    """Whether every training row is at or before every test row (None: no time column reachable).

    A few spread rows of each part are compared first: one training row later than one
    test row proves the order broken (exact, the usual answer for a random split); only
    when none is found are all rows compared.
    """
    import pandas as pd

    for rows in (WITNESS_ROWS, None):
        tt, te = _time_range(s, node, train, rows, column), _time_range(s, node, test, rows, column)
        if tt is None or te is None:
            return None
        if rows is not None and (pd.isna(tt[1]) or pd.isna(te[0])):
            continue  # no time among the spread rows: the full comparison decides
        try:
            if not tt[1] <= te[0]:
                return False
        except TypeError:
            return None
    return True


def _time_range(s: Session, node: Node, obj: Any, rows: int | None = None, column: str | None = None
                ) -> tuple[Any, Any] | None:
    """(earliest, latest) time of ``obj``'s rows (of ``rows`` spread rows when given), NaT skipped.

    None when no time column is reachable or there are no rows. From a source's time
    column, the rows are taken by position as a plain array: no Series built on the part's
    index.
    """
    t = s.policy.time or column
    if t is None or len(obj) == 0:
        return None
    import numpy as np
    import pandas as pd

    index = obj.index if rows is None else obj.index[::max(1, len(obj) // rows)][:rows]
    if _holds_time(obj, t):
        values = _times(obj, t)
        if rows is not None:
            values = values.iloc[::max(1, len(obj) // rows)][:rows]
    else:
        sources = _sources(s, node, obj, t)
        if not sources:
            return None
        source = sources[0]
        values = _times(source, t)
        positions = fingerprint.positions_in(source.index, index)
        if isinstance(values.dtype, np.dtype) and values.dtype.kind == "M":  # naive datetimes: numpy throughout
            taken = values.to_numpy()[positions]
            taken = taken[~np.isnat(taken)]
            return (pd.Timestamp(taken.min()), pd.Timestamp(taken.max())) if len(taken) else (pd.NaT, pd.NaT)
        values = values.iloc[positions]
    return values.min(), values.max()


# -- facts for an evaluation --------------------------------------------------------------------


def parts_time_ordered(s: Session, parent: Node, train: Any, test: Any, column: str) -> bool | None:
    """Whether a split's training part ends before its test part starts, read from the parent's sources when the
    parts do not hold ``column`` themselves (``X`` split after the time column was left out)."""
    try:
        return _time_ordered(s, parent, train, test, column)
    except (KeyError, IndexError, ValueError):
        return None


def evaluation_facts(s: Session, train: Node, test: Node) -> Facts:
    """``(shared_rows, time_ordered)`` for a model trained on ``train`` scored on ``test`` (cached per pair)."""
    st = state(s)
    key = (train.id, test.id)
    if key in st.pair_facts:
        return st.pair_facts[key]
    facts = _sibling_facts(s, train, test)
    if facts is None:
        facts = _direct_facts(s, train, test)
    st.pair_facts[key] = facts
    return facts


def _sibling_facts(s: Session, train: Node, test: Node) -> Facts | None:
    """Facts of the split whose training part ``train`` and test part ``test`` come from (proved after it ran)."""
    tr_rows, te_rows = row_lineage(s.graph, train.id), row_lineage(s.graph, test.id)
    facts = state(s).split_facts
    for (a, b), value in facts.items():
        if a in tr_rows and b in te_rows:
            return value
    for split in reversed(s.graph.splits):
        roles = {p.out: p.role for p in split.parts}
        if any(roles.get(n) == "train" for n in tr_rows) and any(roles.get(n) == "holdout" for n in te_rows):
            _split_facts(s, split)  # a split made before the facts were collected
            for (a, b), value in facts.items():
                if a in tr_rows and b in te_rows:
                    return value
            return (None, split.time_ordered)
    return None


def _direct_facts(s: Session, train: Node, test: Node) -> Facts:
    """No split between them: compare the live rows (index identity when both keep a common source's labels)."""
    tr, te = live_rows(s, train), live_rows(s, test)
    if tr is None or te is None or not (holds_rows(train) and holds_rows(test)):
        return (None, None)
    shared: int | None
    common = [f for f in _sources(s, train, tr) if any(f is g for g in _sources(s, test, te))]
    shared = fingerprint.shared_by_index(tr, te) if common else _content_copies(tr, te)
    return (shared, _time_ordered(s, train, tr, te))


def shared_entities(s: Session, train: Node, test: Node, ordered: bool | None) -> tuple[str, int] | None:
    """``(column, count)``: values of an entity column (``looks_like_entity_id``) that repeat in the data and have
    rows on both sides of the random split ``train`` and ``test`` come from; None when not measurable.

    Read from the fullest live frame whose index still names both parts' rows; only the count is kept.
    """
    if ordered:
        return None  # a split in time order: an entity's past trains, its future tests
    st = state(s)
    key = (train.id, test.id)
    if key not in st.group_facts:
        st.group_facts[key] = _measure_entities(s, train, test)
    return st.group_facts[key]


def _measure_entities(s: Session, train: Node, test: Node) -> tuple[str, int] | None:
    found = split_siblings(s.graph, train.id, test.id)
    if found is None or found[0] not in RANDOM_SPLITS or found[1]:
        return None
    tr, te = live_rows(s, train), live_rows(s, test)
    if tr is None or te is None or not hasattr(tr, "index") or not hasattr(te, "index") or _by_position(s, train, tr, te):
        return None
    import pandas as pd

    test_sources = _sources(s, test, te)
    for source in reversed(_sources(s, train, tr)):  # the fullest source first: ids are often dropped from X
        if not any(source is f for f in test_sources) or not source.index.is_unique:
            continue  # labels naming several rows (copies) cannot place a row
        for col in source.columns:
            if not (isinstance(col, str) and looks_like_entity_id(col)):
                continue
            ids = source[col]
            if not ids.duplicated().any():
                continue  # one row per entity: a random split cannot put one entity on both sides
            tr_pos = fingerprint.positions_in(source.index, tr.index)
            te_pos = fingerprint.positions_in(source.index, te.index)
            if (tr_pos < 0).any() or (te_pos < 0).any():
                continue
            values = ids.to_numpy()
            shared = pd.Index(pd.unique(values[tr_pos])).intersection(pd.Index(pd.unique(values[te_pos])))
            return col, len(shared)
    return None


def _by_position(s: Session, node: Node, tr: Any, te: Any) -> bool:
    """True when the training rows all come before the test rows in their split's parent (``shuffle=False``)."""
    for split in reversed(s.graph.splits):
        objs = [s.tracker.object_of(p.out) for p in split.parts]
        if any(o is tr for o in objs) or any(o is te for o in objs):
            parent: Any = s.tracker.object_of(split.parent)
            if parent is None:  # a temporary (``df[features]``): the nearest frame naming the rows keeps its order
                near = [f for f in _sources(s, node, tr) if f is not tr and len(f) >= len(tr) + len(te)]
                parent = near[0] if near else None
            if parent is None or not hasattr(parent, "index") or not parent.index.is_unique:
                return False
            tr_pos = fingerprint.positions_in(parent.index, tr.index)
            te_pos = fingerprint.positions_in(parent.index, te.index)
            return bool(len(tr_pos) and len(te_pos) and (tr_pos >= 0).all() and (te_pos >= 0).all()
                        and tr_pos.max() < te_pos.min())
    return False


def rows_time_column(s: Session, node: Node, obj: Any, where: Where, *, used: str | None = None,
                     live: tuple[Any, ...] = (), grouped: bool = False) -> str | None:
    """The time column ``obj``'s rows are in order of: the declared one, or a datetime column they are sorted by.

    The inferred case needs a sort in the rows' lineage (``Node.order``, as the static engine
    needs ``sort_values``), then reads the live data (the column's dtype, then
    ``is_monotonic_increasing`` / ``_decreasing``: no copy) of ``obj`` or of the frames its
    rows come from, and records the column as a ``time`` Guess.
    """
    if s.policy.time:
        return s.policy.time
    order = next((n.order for n in row_lineage(s.graph, node.id).values() if n.order is not None), None)
    if order is None:
        # rows nobody sorted: their order on disk is a time order only once the user computes along it
        return _file_order(s, node, obj, where, used, live=live) if used else _in_inferred_order(s, node, obj)
    col = order.column
    if order.within:
        # rows sorted by entity, then time: time-ordered within each entity (what a per-entity lag or
        # statistic runs along, ``grouped``), one entity's history after another's as a whole
        if not any(fr.is_frame(f) and _is_datetime(f, col) for f in [obj, *_sources(s, node, obj, col)]):
            return None
        s.graph.inferred.add("time", Guess(col, f"datetime column {col} the rows are sorted by within each "
                                                f"{', '.join(order.within)}, {where.short()}", where))
        return col if grouped else None
    if not any(fr.is_frame(f) and col in _datetime_columns(f) for f in [obj, *_sources(s, node, obj, col)]):
        return None
    values = time_values_of(s, node, obj, column=col)
    if values is None or len(values) < 2:
        return None
    up, down = values.is_monotonic_increasing, values.is_monotonic_decreasing
    if not (up or down):
        return None  # sorted once, reshuffled since
    s.graph.inferred.add("time", Guess(col, f"datetime column {col} the rows are sorted by "
                                            f"({'ascending' if up else 'descending'}), {where.short()}", where))
    return col


def sorted_by_time(s: Session, result: Any, order: TimeOrder, where: Where) -> None:
    """A sort by a datetime column infers the time column then and there (as the static engine does), so rows
    stacked from separately sorted parts (``pd.concat([a.sort_values("date"), b.sort_values("date")])``) are
    judged on their times even when nothing computes along the sorted parts themselves."""
    if s.policy.time or not fr.is_frame(result) or not _is_datetime(result, order.column):
        return
    if order.column not in s.graph.inferred.values("time"):
        way = "ascending" if order.ascending else "descending"
        within = f" within each {', '.join(order.within)}" if order.within else ""
        s.graph.inferred.add("time", Guess(order.column, f"datetime column {order.column} the rows are sorted by "
                                                         f"({way}){within}, {where.short()}", where))


def recorded_time_column(s: Session, node: Node) -> str | None:
    """The inferred time column a sort (or a lag over rows in file order) recorded in ``node``'s row lineage."""
    order = next((n.order for n in row_lineage(s.graph, node.id).values() if n.order is not None), None)
    return order.column if order is not None and order.column in s.graph.inferred.values("time") else None


def _in_inferred_order(s: Session, node: Node, obj: Any) -> str | None:
    """An inferred time column ``obj``'s rows are still in ascending order of (the data proves it), else None."""
    for col in s.graph.inferred.values("time"):
        values = time_values_of(s, node, obj, column=col)
        if values is not None and len(values) >= 2 and values.is_monotonic_increasing:
            return col
    return None


def _file_order(s: Session, node: Node, obj: Any, where: Where, used: str, *,
                live: tuple[Any, ...] = ()) -> str | None:
    """Rows in file order computed along (``used``: a lag, a window): time-ordered when a datetime column (or index)
    of theirs is in ascending order in the data, as the static engine assumes of a parsed datetime.

    The first such source's node gets the order (``Node.order``), so later values of the same rows find it.
    """
    for n in row_lineage(s.graph, node.id).values():
        frame = s.tracker.object_of(n.id)
        if not fr.is_frame(frame):
            continue
        for col in _datetime_columns(frame):
            values = time_values_of(s, node, obj, column=col)
            if values is None or len(values) < 2 or not values.is_monotonic_increasing:
                continue
            n.order = TimeOrder(col, True)
            return _file_guess(s, col, used, where)
    # frames of the same statement the lineage has no live object for yet (``df = df.sort_values(...).reset_index()``
    # earlier in the cell): their rows prove the order
    for frame in live:
        for col in _datetime_columns(frame):
            values = time_values_of(s, node, obj, (frame,), column=col)
            if values is not None and len(values) >= 2 and values.is_monotonic_increasing:
                return _file_guess(s, col, used, where)
    return None


def _file_guess(s: Session, col: str, used: str, where: Where) -> str:
    s.graph.inferred.add("time", Guess(col, f"rows in the order of the datetime {col}, computed along by "
                                            f"{used}, {where.short()}", where))
    return col


def _datetime_columns(frame: Any) -> list[str]:
    """The datetime columns of a frame, and its index's name when it is a named datetime index."""
    import pandas as pd

    found = [c for c, dtype in frame.dtypes.items() if isinstance(c, str) and pd.api.types.is_datetime64_any_dtype(dtype)]
    name = frame.index.name
    if isinstance(name, str) and name not in found and pd.api.types.is_datetime64_any_dtype(frame.index):
        found.append(name)
    return found


def index_keys(frame: Any) -> list[str | None]:
    """The names of ``frame``'s index levels (what ``sort_index()`` sorts by), in order."""
    if not fr.is_frame(frame):
        return []
    return [n if isinstance(n, str) else None for n in frame.index.names]


def entity_time_key(frame: Any, keys: list[Any]) -> int:
    """Which of a sort's ``keys`` orders the rows: the first, or a datetime key after entity keys
    (``sort_values(["store", "date"])``: time order within each store)."""
    if len(keys) < 2 or not fr.is_frame(frame) or _is_datetime(frame, keys[0]):
        return 0
    return next((i for i, k in enumerate(keys) if i and isinstance(k, str) and _is_datetime(frame, k)), 0)


def _is_datetime(frame: Any, column: Any) -> bool:
    """``column`` is a datetime column of ``frame``, its datetime index or a datetime level of its index."""
    if not isinstance(column, str):
        return False
    import pandas as pd

    if column in _datetime_columns(frame):
        return True
    names = list(frame.index.names)
    if column in names and len(names) > 1:
        return bool(pd.api.types.is_datetime64_any_dtype(frame.index.get_level_values(column)))
    return False


def datetime_index_name(frame: Any) -> str | None:
    """The name of ``frame``'s index when it is a named datetime index (what ``sort_index()`` then sorts by)."""
    if not fr.is_frame(frame):
        return None
    import pandas as pd

    name = frame.index.name
    return name if isinstance(name, str) and pd.api.types.is_datetime64_any_dtype(frame.index) else None


def array_row_times(s: Session, node: Node, array: Any, column: str) -> Any:
    """The times of a numpy array's rows (``X = df[cols].to_numpy()``), in row order: the ``column`` of the nearest
    live frame it was made from that has as many rows (row i of the array is row i of that frame); else None."""
    rows = getattr(array, "shape", (0,))[0]
    # a frame whose node the tracker dropped when its name was re-bound to a narrowed copy of it
    # (``df["c"] = ...`` makes an ``assign`` node of the same rows): found through that name
    rebound: dict[NodeId, Any] = {}
    for name, nid in s.bindings.items():
        bound, value = s.graph.nodes.get(nid), s.user_ns.get(name)
        if bound is not None and bound.op == "assign" and len(bound.inputs) == 1 and fr.is_frame(value):
            rebound[bound.inputs[0]] = value
    for src in row_lineage(s.graph, node.id).values():
        frame: Any = s.tracker.object_of(src.id)
        if frame is None:
            frame = rebound.get(src.id)
        if fr.is_frame(frame) and len(frame) == rows and _holds_time(frame, column):
            return _times(frame, column).to_numpy()
    return None


def _holds_time(frame: Any, column: str) -> bool:
    """``frame`` has the time ``column`` as a column or as its (datetime) index."""
    if not fr.is_frame(frame):
        return False
    if column in frame.columns:
        return True
    import pandas as pd

    return bool(frame.index.name == column and pd.api.types.is_datetime64_any_dtype(frame.index))


def _times(frame: Any, column: str) -> Any:
    """The time column's values (from the index when it is the index), as datetimes."""
    from leakguard.splitting import time_values

    if column in frame.columns:
        return time_values(frame, column)
    import pandas as pd

    return pd.Series(frame.index, index=frame.index)


def cv_time_ordered(cv: Any) -> bool | None:
    """Whether a cross-validation splitter keeps time order (TimeSeriesSplit): the catalog's rule, by class name."""
    from leakguard.libraries.sklearn.catalog import cv_keeps_time_order

    if cv is None or isinstance(cv, int):
        return cv_keeps_time_order(cv)
    return cv_keeps_time_order(type(cv).__name__)


# -- label proxies ----------------------------------------------------------------------------------

def label_proxies_of(s: Session, data: NodeId, target: NodeId | None, X: Any, y: Any) -> tuple[str, ...]:
    """``label_proxies(X, y)``, computed once per (X, y) node pair (column names only are kept)."""
    if target is None:
        return label_proxies(X, y)
    cache = s.modelling.label_proxies
    key = (data, target)
    if key not in cache:
        parents = _split_parents(s, data, target)
        if parents is not None:  # a fresh split's parts: the columns and the label of their parents
            key, X, y = parents
        if key not in cache:
            cache[key] = label_proxies(X, y)
    return cache[key]


def _split_parents(s: Session, data: NodeId, target: NodeId) -> tuple[tuple[NodeId, NodeId], Any, Any] | None:
    """``(key, X, y)`` of the parents when ``data`` and ``target`` are the same part of one split statement.

    A column that reproduces the label over the parents' rows does over any part of them
    (and the test is a sample in both cases), so a re-split of the same X and y asks again
    nothing: the answer for the parents is proven once.
    """
    dn, tn = s.graph.nodes.get(data), s.graph.nodes.get(target)
    if dn is None or tn is None or dn.split_role is None or dn.split_role != tn.split_role or dn.where != tn.where \
            or len(dn.inputs) != 1 or len(tn.inputs) != 1:
        return None
    X, y = s.tracker.object_of(dn.inputs[0]), s.tracker.object_of(tn.inputs[0])
    if X is None or y is None or fr.row_count(X) != fr.row_count(y) or fr.row_count(X) is None:
        return None
    return (dn.inputs[0], tn.inputs[0]), X, y



def label_proxies(X: Any, y: Any) -> tuple[str, ...]:
    """Columns of ``X`` that reproduce a binary target on their own (one threshold separates the classes).

    Checked on a sample of at most 5,000 rows with per-class minima and maxima (no sorting):
    a real feature is rarely a perfect separator over hundreds of rows of each class, an
    id or a timestamp assigned by outcome often is.
    """
    import numpy as np
    import pandas as pd

    try:
        target = np.asarray(y).ravel()
        n = len(target)
        if n < 50 or len(X) != n:
            return ()
        idx = np.random.default_rng(0).choice(n, PROXY_SAMPLE, replace=False) if n > PROXY_SAMPLE else np.arange(n)
        classes = pd.unique(target[idx])
        if len(classes) != 2:
            return ()
        positive = target[idx] == classes[1]
        if min(positive.mean(), 1 - positive.mean()) < 0.05:
            return ()
        if isinstance(X, pd.DataFrame):
            sample = X.iloc[idx]
            # dtypes read once and columns taken by position: per-column lookups cost more than the test
            numeric = [j for j, d in enumerate(sample.dtypes.tolist()) if d.kind in "fiub"][:500]
            names = [str(sample.columns[j]) for j in numeric]
            if len(numeric) != sample.shape[1]:
                sample = sample.iloc[:, numeric]
            values = sample.to_numpy(dtype=float)
        else:
            arr = np.asarray(X)
            if arr.ndim != 2 or arr.dtype.kind not in "fiub":
                return ()
            values = arr[idx].astype(float)
            names = [f"column {j}" for j in range(arr.shape[1])]
        if values.size == 0:
            return ()
        ok = ~np.isnan(values).any(axis=1)
        values, positive = values[ok], positive[ok]
        if positive.all() or not positive.any():
            return ()
        pos, neg = values[positive], values[~positive]
        separates = (pos.min(axis=0) > neg.max(axis=0)) | (neg.min(axis=0) > pos.max(axis=0))
        # a separator must also take 3 values or more (a 0/1 flag is not a proxy): asked of separators only
        return tuple(names[j] for j in np.flatnonzero(separates) if np.unique(values[:, j]).size >= 3)
    except (TypeError, ValueError):
        return ()



def stacked_piece(s: Session, obj: Any, inputs: list[Node]) -> frozenset[str]:
    """The row parts ``obj`` holds none of when the live rows show it is exactly one file taken back from a stack
    of a training and a test file among ``inputs`` (``full[full.y.notna()]``, ``full.dropna(subset=["y"])``,
    ``full.loc["train"]``, ``full.head(ntrain)``): its rows' content equals the first or last block of the stack
    as long as that file. The stack's files are the read ancestors; the judgement is ``inference.taken``."""
    import numpy as np
    import pandas as pd

    if not isinstance(obj, (pd.DataFrame, pd.Series)) or not len(obj) \
            or (isinstance(obj, pd.DataFrame) and not obj.columns.is_unique):
        return frozenset()
    if not any(g.origin.startswith("read of ") for g in s.graph.inferred.holdout):
        return frozenset()  # no test file read (``inference._read``): no stack of files to take back from
    own = list(obj.columns) if isinstance(obj, pd.DataFrame) else [obj.name]  # a Series: its one column
    for node in inputs:
        stack = s.tracker.object_of(node.id)
        if stack is obj or not isinstance(stack, pd.DataFrame) or len(stack) <= len(obj) or not stack.columns.is_unique:
            continue
        files = [n for n in (node, *s.graph.ancestors(node.id)) if not n.inputs and n.rows in (TRAIN, HOLDOUT)]
        same = [f for f in files if f.n_rows == len(obj)]
        if len(files) != 2 or len(same) != 1 or sum(f.n_rows or 0 for f in files) != len(stack):
            continue
        common = [c for c in own if c in stack.columns]
        if len(common) != len(own) if isinstance(obj, pd.Series) else not common:
            continue
        mine = np.sort(fingerprint.row_hashes(obj[common] if isinstance(obj, pd.DataFrame) else obj))
        n = len(obj)
        for start in (0, len(stack) - n):  # two files: the one taken back is first or last in the stack
            if np.array_equal(mine, np.sort(fingerprint.row_hashes(stack[common], np.arange(start, start + n)))):
                return taken(files, same)
    return frozenset()
