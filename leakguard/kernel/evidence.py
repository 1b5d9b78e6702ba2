"""Row facts proven from live data, for the modelling rules: copies across a split, time order, label proxies.

Facts about a split (how many test rows are copies of training rows, whether every
training row is older than every test row) are computed lazily, the first time a fit or a
score needs them, once per split (cached); the cell that merely splits pays nothing. Rows are matched by index identity when the
labels still name source rows, and by content fingerprints only when they do not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leakguard.kernel import frames as fr
from leakguard.kernel.calls import state
from leakguard.lineage import fingerprint
from leakguard.lineage.events import NodeId, Split, Where
from leakguard.lineage.graph import Node, holds_rows
from leakguard.lineage.inference import Guess
from leakguard.rules._modelling import row_lineage

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
        if fr.is_frame(frame) and (column is None or column in frame.columns) \
                and fingerprint.identity_holds(obj, frame):
            found.append(frame)
    return found


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
    state(s).split_facts[(tr_node.id, te_node.id)] = (_copies(s, tr_node, tr, te), _time_ordered(s, tr_node, tr, te))


def _copies(s: Session, node: Node, train: Any, test: Any) -> int | None:
    """Test rows that are copies of training rows: by the source's full records when identity holds, else content.

    The source is hashed once (or its repeated records come from the cache) and the parts'
    hashes are selected by position: no column of the user's data is copied.
    """
    if fr.is_series(train) or getattr(train, "ndim", 2) == 1:
        return None  # one column (a target): equal values are not copied rows
    sources = [f for f in _sources(s, node, train) if fingerprint.identity_holds(test, f)]
    if sources:  # compare the fullest records the rows come from (ids and timestamps included)
        import numpy as np

        source = sources[-1]
        hashes: list[Any] = []
        repeated = _repeated_records(s, source, hashes)
        tr_pos = fingerprint.positions_in(source.index, train.index)
        te_pos = fingerprint.positions_in(source.index, test.index)
        if repeated is None:  # many repeated records: compare the parts' records directly
            h = hashes[0] if hashes else fingerprint.row_hashes(source)
            return fingerprint.shared_hashes(h[tr_pos], h[te_pos])
        positions, rep_hashes = repeated
        if not len(positions):
            return 0  # no record of the source repeats: no copy can cross any split of it
        in_train = np.isin(positions, tr_pos)
        in_test = np.isin(positions, te_pos)
        return int(np.isin(rep_hashes[in_test], rep_hashes[in_train]).sum())
    return _content_copies(train, test)


def _repeated_records(s: Session, source: Any, out: list[Any] | None = None) -> tuple[Any, Any] | None:
    """(positions, hashes) of the source's records that repeat, computed once per source frame.

    Empty arrays when every record is unique (the usual case: later splits cost nothing);
    None when so many repeat that keeping them would not be small. Only positions and
    hashes are kept, never values or labels. When the hashes are computed here, they are
    appended to ``out`` for the caller's one comparison (never kept).
    """
    import numpy as np
    import pandas as pd

    key = s.tracker.node_of(source)
    cache = state(s).repeated
    if key is not None and key in cache:
        return cache[key]  # type: ignore[no-any-return]
    all_hashes = fingerprint.row_hashes(source)
    if out is not None:
        out.append(all_hashes)
    hashes = pd.Series(all_hashes)
    repeated = hashes[hashes.duplicated(keep=False).to_numpy()]
    if len(repeated):
        counts = repeated.map(repeated.value_counts())
        repeated = repeated[(counts <= fingerprint.COPY_MULTIPLICITY).to_numpy()]
    found = None if len(repeated) > MAX_REPEATED else (
        repeated.index.to_numpy(dtype=np.int64), repeated.to_numpy(dtype=np.uint64))
    if key is not None:
        cache[key] = found
    return found


def _content_copies(train: Any, test: Any) -> int | None:
    """Copies judged on the values alone: only for rows wide enough that equal rows are not a coincidence."""
    if fr.is_series(train) or getattr(train, "ndim", 2) != 2 or train.shape[1] < MIN_CONTENT_COLUMNS:
        return None
    return fingerprint.shared_by_content(train, test)


def time_values_of(s: Session, node: Node, obj: Any, extra: tuple[Any, ...] = (), column: str | None = None
                   ) -> Any | None:
    t = column or s.graph.time_column()
    if t is None:
        return None
    from leakguard.splitting import time_values

    if fr.is_frame(obj) and t in obj.columns:
        return time_values(obj, t)
    sources = _sources(s, node, obj, t) + [f for f in extra if fr.is_frame(f) and t in f.columns
                                            and fingerprint.identity_holds(obj, f)]
    if not sources:
        return None
    import pandas as pd

    source = sources[0]
    values = time_values(source, t).to_numpy()
    positions = fingerprint.positions_in(source.index, obj.index)  # no hash table cached on the user's index
    return pd.Series(values[positions], index=obj.index)


def _time_ordered(s: Session, node: Node, train: Any, test: Any) -> bool | None:
    """Whether every training row is at or before every test row (None: no time column reachable)."""
    tt, te = time_values_of(s, node, train), time_values_of(s, node, test)
    if tt is None or te is None or len(tt) == 0 or len(te) == 0:
        return None
    try:
        return bool(tt.max() <= te.min())
    except TypeError:
        return None


# -- facts for an evaluation --------------------------------------------------------------------


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


def rows_time_column(s: Session, node: Node, obj: Any, where: Where) -> str | None:
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
        return None  # rows nobody sorted: their order on disk is not a time order the user chose
    col = order.column
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


def _datetime_columns(frame: Any) -> list[str]:
    import pandas as pd

    return [c for c, dtype in frame.dtypes.items() if isinstance(c, str) and pd.api.types.is_datetime64_any_dtype(dtype)]


def cv_time_ordered(cv: Any) -> bool | None:
    """Whether a cross-validation splitter keeps time order (TimeSeriesSplit): the catalog's rule, by class name."""
    from leakguard.catalog.sklearn import cv_keeps_time_order

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
        cache[key] = label_proxies(X, y)
    return cache[key]



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
            numeric = [c for c in sample.columns if sample[c].dtype.kind in "fiub"][:500]
            names = [str(c) for c in numeric]
            values = sample[numeric].to_numpy(dtype=float)
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
        varied = np.array([np.unique(values[:, j]).size >= 3 for j in range(values.shape[1])])
        return tuple(name for name, hit in zip(names, separates & varied, strict=True) if hit)
    except (TypeError, ValueError):
        return ()
