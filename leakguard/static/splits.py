"""Splits: ``train_test_split``, ``leakguard.split`` and hand-made partitions (sample/drop, masks, slices).

As in the kernel, a call that splits emits a ``Split`` whose parts are the train and
holdout roles; a split the policy did not declare makes the holdout *inferred*. Two frames
selected from one parent by complementary masks, by ``sample`` and ``drop(that.index)``,
or by ``iloc[:n]`` / ``iloc[n:]`` are recognised as a hand-made split, the one named like
``test`` (or else the smaller, or the later in time) being the holdout.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from leakguard.lineage.events import Split, SplitPart
from leakguard.splitting import looks_like_holdout
from leakguard.static import dataops, timeorder
from leakguard.static.values import Const, Data, Seq, Unknown, Value, text

if TYPE_CHECKING:
    from leakguard.static.calls import Site
    from leakguard.static.interp import Interp

def _as_data(it: Interp, v: Value, text: str) -> Data:
    if isinstance(v, Data):
        return v
    if isinstance(v, Unknown) and v.data is not None:
        return v.data
    return it.derive([], "frame", text, "unresolved")


def split(it: Interp, site: Site, method: str) -> Value:
    """A splitting call: one Split per input, parts returned in the library's order (train, test, ...)."""
    args, kwargs, node = site.args, site.kwargs, site.node
    policy = it.policy
    official = method == "leakguard.split"
    removes = frozenset({"future"}) if official else frozenset()
    shuffle = kwargs.get("shuffle")
    out: list[Value] = []
    if not official and not policy.holdout.declared and policy.infer:
        # inferred before the split is recorded, so that inference sees the holdout revealed
        size = kwargs.get("test_size")
        fraction = size.value if isinstance(size, Const) and isinstance(size.value, float) \
            and 0 < size.value < 1 else 0.25
        it.graph.policy = policy.updated({"holdout": fraction}, method, inferred=True)
    for i, v in enumerate(args):
        d = _as_data(it, v, text(node.args[i]) if i < len(node.args) else "<data>")
        parent = it.node(d)
        if official:
            ordered = True if policy.time and policy.holdout.fraction is not None and _has_time(it, d) else None
        elif not policy.time:
            ordered = _inferred_order(it, d, shuffle)
        elif not _has_time(it, d):
            ordered = None
        elif isinstance(shuffle, Const) and shuffle.value is False:
            ordered = True if d.sorted_by == policy.time else None
        else:
            ordered = False
        train = SplitPart(it.graph.new_id(), "train", "<train part>", d.columns, None, removes)
        test = SplitPart(it.graph.new_id(), "holdout", "<holdout part>", d.columns, None, removes)
        it.emit(Split(parent, (train, test), method, it.where(), time_ordered=ordered, inferred=not official))
        for part in (train, test):
            out.append(Data(d.kind, part.name, node=part.out, columns=d.columns,
                            sorted_by=d.sorted_by if ordered else None, lib=d.lib))
    return Seq(out)


def _inferred_order(it: Interp, d: Data, shuffle: Value | None) -> bool | None:
    """Without a declared time column: rows sorted by an inferred datetime keep time order only unshuffled, oldest first.

    ``shuffle=False`` on rows sorted newest first trains on the newest block and tests on
    the oldest (a reversed chronological split).
    """
    if timeorder.time_of(it, d) is None:
        # separately sorted parts concatenated: any split of them mixes times
        return False if timeorder.blocks_of(it, d) is not None else None
    if isinstance(shuffle, Const) and shuffle.value is False:
        return not d.descending
    return False


def _has_time(it: Interp, d: Data) -> bool:
    return d.columns is not None and it.policy.time in d.columns


# -- hand-made splits -----------------------------------------------------------------------------------


def _index_roles(it: Interp, a: Data, b: Data) -> tuple[str, str] | None:
    """The roles of two index parts of one split (``train_test_split(df.index)``) selecting ``a`` and ``b``."""
    assert a.origin is not None and b.origin is not None
    ids_a, ids_b = set(a.origin[2]), set(b.origin[2])
    for split in reversed(it.graph.splits):
        roles = {p.out: p.role for p in split.parts}
        ra = [roles[i] for i in ids_a if i in roles]
        rb = [roles[i] for i in ids_b if i in roles]
        if len(ra) == 1 and len(rb) == 1 and ra[0] != rb[0]:
            return ra[0], rb[0]
    return None


def _partitions(it: Interp, a: Data, b: Data) -> bool:
    assert a.origin is not None and b.origin is not None
    (_, how_a, det_a), (_, how_b, det_b) = a.origin, b.origin
    if how_a == "index" and how_b == "index":
        return _index_roles(it, a, b) is not None
    if how_a == "mask" and how_b == "mask":
        return dataops.complementary(det_a, det_b)
    if {how_a, how_b} == {"sample", "drop"}:
        sample, drop = (a, b) if how_a == "sample" else (b, a)
        assert drop.origin is not None
        return sample.node is not None and sample.node in drop.origin[2]
    if how_a == "slice" and how_b == "slice":
        (lo_a, hi_a), (lo_b, hi_b) = det_a, det_b
        return (lo_a is None and hi_b is None and hi_a is not None and hi_a == lo_b) or (
            lo_b is None and hi_a is None and hi_b is not None and hi_b == lo_a)
    return False


def _holdout_first(a_name: str, a: Data, b_name: str, b: Data) -> bool:
    """True when ``a`` is the holdout part of the pair."""
    a_test, b_test = looks_like_holdout(a_name), looks_like_holdout(b_name)
    if a_test != b_test:
        return a_test
    assert a.origin is not None and b.origin is not None
    if a.origin[1] == "sample":
        frac = a.origin[2]
        return isinstance(frac, float) and frac < 0.5
    if b.origin[1] == "sample":
        frac = b.origin[2]
        return not (isinstance(frac, float) and frac < 0.5)
    if a.origin[1] == "slice":
        return a.origin[2][1] is None  # the tail is the holdout
    if a.origin[1] == "mask":
        f = dataops.normalise(a.origin[2])
        return f[0] == "cmp" and f[2] in (">", ">=")
    return False


def _time_ordered(it: Interp, a: Data, parent_sorted: str | None) -> bool | None:
    policy = it.policy
    if not policy.time:
        return None
    assert a.origin is not None
    how, detail = a.origin[1], a.origin[2]
    if how == "mask":
        f = dataops.normalise(detail)
        return True if f[0] == "cmp" and f[1] == policy.time else None
    if how == "slice":
        return True if parent_sorted == policy.time else None
    if how in ("sample", "drop"):
        return False
    if how == "index":
        for split in reversed(it.graph.splits):
            if any(p.out in detail for p in split.parts):
                return split.time_ordered
        return None
    return None


def _bound_side(d: Data) -> str | None:
    """``upper`` for a filter ``col < T`` / ``<= T``, ``lower`` for ``> T`` / ``>= T``, else None."""
    if d.origin is None or d.origin[1] != "mask":
        return None
    f = dataops.normalise(d.origin[2])
    if f[0] != "cmp":
        return None
    return "upper" if f[2] in ("<", "<=") else "lower" if f[2] in (">", ">=") else None


def _filter_pair(it: Interp, train: Data) -> tuple[str, frozenset[str]]:
    """Spark / Polars filters: the split's method (``filter at <T>``) and what the train side removes (the
    future, when its condition bounds the time column at or before the cutoff)."""
    assert train.origin is not None
    f = dataops.normalise(train.origin[2]) if train.origin[1] == "mask" else None
    if f is None or f[0] != "cmp":
        return "filter", frozenset()
    when = dataops.as_date(f[3]) if isinstance(f[3], (str, dt.date)) else None
    shown = when.isoformat(sep=" ") if when is not None else str(f[3])
    return f"filter at {shown}", dataops.removes(it, f) & {"future"}


def find_partition(it: Interp, name: str, value: Data) -> Data:
    """Record ``value`` (just bound to ``name``) as a subset of its parent; a split when it completes one."""
    assert value.origin is not None
    parent = value.origin[0]
    siblings = it.subsets.setdefault(parent, [])
    for sib_name, sib in reversed(siblings):
        if sib is value or sib_name == name or not _partitions(it, sib, value):
            continue
        siblings.remove((sib_name, sib))
        roles = _index_roles(it, sib, value) if sib.origin is not None and sib.origin[1] == "index" else None
        bound = _bound_side(value) if value.lib else None
        if roles:
            holdout_first = roles[0] == "holdout"
        elif bound is not None:
            holdout_first = bound == "upper"  # Spark / Polars: the side bounded above trains, whatever the names
        else:
            holdout_first = _holdout_first(sib_name, sib, name, value)
        (h_name, h), (t_name, t) = ((sib_name, sib), (name, value)) if holdout_first else ((name, value),
                                                                                          (sib_name, sib))
        ordered = _time_ordered(it, sib, sib.sorted_by)
        method, train_removes = _filter_pair(it, t) if t.lib else ("row partition", frozenset[str]())
        train = SplitPart(it.graph.new_id(), "train", t_name, t.columns, None, train_removes)
        test = SplitPart(it.graph.new_id(), "holdout", h_name, h.columns)
        it.emit(Split(parent, (train, test), method, it.where(), time_ordered=ordered, inferred=True))
        made = {t_name: Data(t.kind, t_name, node=train.out, columns=t.columns, sorted_by=t.sorted_by, lib=t.lib),
                h_name: Data(h.kind, h_name, node=test.out, columns=h.columns, sorted_by=h.sorted_by, lib=h.lib)}
        if it.globals.get(sib_name) is sib:
            it.globals[sib_name] = made[sib_name]
        return made[name]
    siblings.append((name, value))
    del siblings[:-8]
    return value
