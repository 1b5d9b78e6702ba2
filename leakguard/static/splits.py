"""Splits: ``train_test_split``, ``leakguard.split`` and hand-made partitions (sample/drop, masks, slices).

As in the kernel, a call that splits emits a ``Split`` whose parts are the train and
holdout roles; a split the policy did not declare makes the holdout *inferred*. Two frames
selected from one parent by complementary masks, by ``sample`` and ``drop(that.index)``,
or by ``iloc[:n]`` / ``iloc[n:]`` are recognised as a hand-made split, the one named like
``test`` (or else the smaller, or the later in time) being the holdout.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
from typing import TYPE_CHECKING, Any

from leakguard.libraries.numpy import catalog as numpy_catalog
from leakguard.lineage.events import NodeId, Split, SplitPart
from leakguard.lineage.inference import mask_split_counts
from leakguard.splitting import looks_like_holdout, looks_like_test
from leakguard.static import dataops, timeorder
from leakguard.static.values import Const, Data, Ref, Seq, Unknown, Value, text

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
        if not official and i < len(node.args) and _positions(it, node.args[i]):
            # positions no data stands behind (``train_test_split(np.arange(len(df)))``): a random draw cut in
            # two, whose parts pick rows later (``df.iloc[tr]`` / ``df.iloc[te]``)
            token = it.graph.new_id()
            out += [Data("index", "<train positions>", draw=(token, None, "#cut")),
                    Data("index", "<test positions>", draw=(token, "#cut", None))]
            continue
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


def _positions(it: Interp, arg: ast.expr) -> bool:
    """``np.arange(len(df))`` / ``range(n)``: row positions, not data."""
    while isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id in ("list", "tuple") \
            and arg.args:
        arg = arg.args[0]
    if not isinstance(arg, ast.Call):
        return False
    callee = it.eval(arg.func)
    return isinstance(callee, Ref) and callee.path in numpy_catalog.POSITIONS


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


def _subset(d: Data) -> tuple[str, Any]:
    """How ``d`` was cut from its parent, with a mask of index membership read as what it means:
    ``df[~df.index.isin(train.index)]`` is ``df.drop(train.index)``, ``df[df.index.isin(drawn)]`` is ``df.loc[drawn]``."""
    assert d.origin is not None
    parent, how, detail = d.origin
    if how == "mask":
        f = dataops.normalise(detail)
        negated = f[0] == "not"
        inner = f[1] if negated else f
        if inner[0] in ("isin-rows", "isin-draw") and parent in inner[1] and inner[2] is not None:
            if inner[0] == "isin-draw":
                return ("drop-draw" if negated else "draw"), inner[2]
            if negated:
                return "drop", inner[2]
    return how, detail


def _partitions(it: Interp, a: Data, b: Data) -> bool:
    assert a.origin is not None and b.origin is not None
    (how_a, det_a), (how_b, det_b) = _subset(a), _subset(b)
    if how_a == "index" and how_b == "index":
        return _index_roles(it, a, b) is not None
    if how_a == "mask" and how_b == "mask":
        return dataops.complementary(det_a, det_b)
    if {how_a, how_b} == {"sample", "drop"}:
        sample, dropped = (a, det_b) if how_a == "sample" else (b, det_a)
        return sample.node is not None and isinstance(dropped, tuple) and sample.node in dropped
    if (how_a, how_b) in (("slice", "slice"), ("draw", "draw")):
        (key_a, lo_a, hi_a), (key_b, lo_b, hi_b) = det_a, det_b
        head_tail = lo_a is None and hi_b is None and hi_a is not None and hi_a == lo_b
        tail_head = lo_b is None and hi_a is None and hi_b is not None and hi_b == lo_a
        return key_a == key_b and (head_tail or tail_head)
    if {how_a, how_b} == {"draw", "drop-draw"}:
        return bool(det_a == det_b)
    return False


def _mask_split(it: Interp, a: tuple[str, Data], b: tuple[str, Data]) -> bool:
    """Two complementary masks are a train/test split only by the shared rule (lineage/inference.py): per-class
    subsets for exploration (``churned`` / ``stayed``) are not."""
    assert a[1].origin is not None
    if a[1].origin[1] != "mask":
        return True
    f = dataops.normalise(a[1].origin[2])
    if f[0] == "not":
        f = f[1]
    if f[0] != "cmp":
        return True
    column, value = f[1], f[3]
    temporal = isinstance(value, (dt.date, dt.datetime)) or (isinstance(value, str) and _time_text(value))
    return mask_split_counts([a[0], b[0]], column, time=it.policy.time or it.graph.time_column(), temporal=temporal)


def _time_text(value: str) -> bool:
    """``"2020-01-01"``: text a date cutoff compares with."""
    try:
        dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return False
    return any(c.isdigit() for c in value) and "-" in value


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
    if a.origin[1] in ("slice", "draw") and b.origin[1] == a.origin[1]:
        return a.origin[2][2] is None  # the tail is the holdout
    if a.origin[1] in ("draw", "drop-draw"):
        return a.origin[1] == "draw"  # the rows drawn out are the holdout, the rest trains
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
    if how in ("sample", "drop", "draw", "drop-draw"):
        return False
    if how == "index":
        for split in reversed(it.graph.splits):
            if any(p.out in detail for p in split.parts):
                return split.time_ordered
        return None
    return None


def _newer_trains(it: Interp, train: Data, holdout: Data) -> bool:
    """A chronological split the wrong way round: the training part is the newer block of time-ordered rows.

    ``test, train = df.iloc[:n], df.iloc[n:]`` on rows sorted oldest first (or the head trains on rows
    sorted newest first), ``train = df[df[time] >= t]`` / ``test = df[df[time] < t]``.
    """
    time = it.policy.time or it.graph.time_column()
    if not time or train.origin is None or holdout.origin is None:
        return False
    how = train.origin[1]
    if how == "slice" and holdout.origin[1] == "slice":
        if train.sorted_by != time:
            return False
        head_holds = holdout.origin[2][1] is None and train.origin[2][2] is None
        tail_holds = train.origin[2][1] is None and holdout.origin[2][2] is None
        return (head_holds and not train.descending) or (tail_holds and train.descending)
    if how == "mask":
        f = dataops.normalise(train.origin[2])
        return f[0] == "cmp" and f[1] == time and f[2] in (">", ">=")
    return False


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
        if sib is value or sib_name == name or not _partitions(it, sib, value) \
                or not _mask_split(it, (sib_name, sib), (name, value)):
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
        if _newer_trains(it, t, h):
            ordered = False
        method, train_removes = _filter_pair(it, t) if t.lib else ("row partition", frozenset[str]())
        train = SplitPart(it.graph.new_id(), "train", t_name, t.columns, None, train_removes)
        test = SplitPart(it.graph.new_id(), "holdout", h_name, h.columns)
        it.emit(Split(parent, (train, test), method, it.where(), time_ordered=ordered, inferred=True))
        made = {t_name: Data(t.kind, t_name, node=train.out, columns=t.columns, sorted_by=t.sorted_by, lib=t.lib),
                h_name: Data(h.kind, h_name, node=test.out, columns=h.columns, sorted_by=h.sorted_by, lib=h.lib)}
        if it.globals.get(sib_name) is sib:
            it.globals[sib_name] = made[sib_name]
        return made[name]
    three = _three_way(siblings, name, value)
    if three is not None:
        for pair in three:
            if pair in siblings:
                siblings.remove(pair)
        return _record_three(it, parent, [*three, (name, value)], name)
    siblings.append((name, value))
    del siblings[:-8]
    return value


def _three_way(siblings: list[tuple[str, Data]], name: str, value: Data) -> list[tuple[str, Data]] | None:
    """Two earlier slices that, with ``value``, cut the parent into three blocks (``[:a]``, ``[a:b]``, ``[b:]``)."""
    assert value.origin is not None
    how, (key, _, _) = value.origin[1], value.origin[2] if value.origin[1] in ("slice", "draw") else (None, 0, 0)
    if how not in ("slice", "draw"):
        return None
    alike = [(n, d) for n, d in siblings if n != name and d.origin is not None and d.origin[1] == how
             and d.origin[2][0] == key]
    for i, first in enumerate(alike):
        for second in alike[i + 1:]:
            bounds = sorted((d.origin[2][1:] for _, d in (first, second, (name, value)) if d.origin is not None),
                            key=lambda b: (b[0] is not None, b[1] is None))
            (lo1, hi1), (lo2, hi2), (lo3, hi3) = bounds
            if lo1 is None and hi3 is None and hi1 is not None and hi1 == lo2 and hi2 is not None and hi2 == lo3:
                return [first, second]
    return None


def _record_three(it: Interp, parent: NodeId, parts: list[tuple[str, Data]], name: str) -> Data:
    """A train / validation / test split: the part named like ``test`` (else the last block) is the holdout;
    the validation block is training rows of the policy (choosing on it is fine)."""
    parts.sort(key=lambda p: (p[1].origin is not None and p[1].origin[2][1] is not None,
                              p[1].origin is None or p[1].origin[2][2] is None))
    named = [i for i, (n, _) in enumerate(parts) if looks_like_test(n)]
    held = named[0] if len(named) == 1 else len(parts) - 1
    split_parts = [SplitPart(it.graph.new_id(), "holdout" if i == held else "train", n, d.columns)
                   for i, (n, d) in enumerate(parts)]
    ordered = _time_ordered(it, parts[0][1], parts[0][1].sorted_by)
    it.emit(Split(parent, tuple(split_parts), "row partition", it.where(), time_ordered=ordered, inferred=True))
    made = {}
    for part, (n, d) in zip(split_parts, parts, strict=True):
        made[n] = Data(d.kind, n, node=part.out, columns=d.columns, sorted_by=d.sorted_by)
        if n != name and it.globals.get(n) is d:
            it.globals[n] = made[n]
    return made[name]


# -- random draws of rows (``np.random.permutation``, ``rng.choice``, ``np.random.rand``) -------------------


def draw(it: Interp, path: str, site: Site) -> Value | None:
    """A ``numpy.random`` call: a generator, or a random draw that names rows; None when it is neither."""
    name = path.rsplit(".", 1)[-1]
    if name in numpy_catalog.RANDOM_STATES:
        return Ref(numpy_catalog.RANDOM_MODULE)  # ``rng.permutation(n)`` reads as ``np.random.permutation(n)``
    made: Data | None = None
    if name in numpy_catalog.PERMUTATIONS:
        made = it.derive(site.values, "index", site.text, name)
    elif name in numpy_catalog.CHOICES:
        replace = site.kwargs.get(numpy_catalog.CHOICE_REPLACE)
        made = it.derive(site.values, "index", site.text, name)
        if not (isinstance(replace, Const) and replace.value is False):
            return made  # with replacement: rows drawn more than once, not a partition
    elif name in numpy_catalog.SHUFFLES:
        target = site.node.args[0] if site.node.args else None
        shuffled = it.lookup(target.id) if isinstance(target, ast.Name) else None
        if isinstance(target, ast.Name) and shuffled is not None:
            made = it.derive([shuffled], "index", target.id, name)
            made.draw = (it.graph.new_id(), None, None)
            it.scopes[-1][target.id] = made
        return Const(None)
    elif name in numpy_catalog.UNIFORMS:
        return it.derive(site.values, "array", site.text, name)  # compared with a fraction: a random mask
    if made is None:
        return None
    made.draw = (it.graph.new_id(), None, None)
    return made


def draw_slice(it: Interp, base: Data, s: ast.Slice, label: ast.AST) -> Data:
    """``idx[:n]`` of a random draw: the rows it names between two positions of the draw."""
    assert base.draw is not None
    out = it.derive([base], "index", label, "slice")
    lower = ast.dump(s.lower) if s.lower is not None else None
    upper = ast.dump(s.upper) if s.upper is not None else None
    out.draw = (base.draw[0], lower, upper) if base.draw[1:] == (None, None) else None
    return out


def blocks(it: Interp, site: Site) -> Value | None:
    """``np.split(data, [a, b])``: the blocks of rows ``data[:a]``, ``data[a:b]``, ``data[b:]``; None for other forms."""
    where = site.node.args[1] if len(site.node.args) > 1 else None
    data = site.args[0] if site.args else None
    if isinstance(where, (ast.List, ast.Tuple)) and where.elts:
        positions = [ast.dump(e) for e in where.elts]
    elif isinstance(where, ast.Name) and isinstance(named := it.lookup(where.id), Seq) and named.items:
        positions = [f"{where.id}[{k}]" for k in range(len(named.items))]  # ``cuts = [a, b]``; np.split(X, cuts)
    else:
        return None
    axis = site.kwargs.get("axis")
    if not isinstance(data, Data) or (axis is not None and not (isinstance(axis, Const) and axis.value == 0)):
        return None  # not tracked data, or columns rather than rows
    cuts: list[str | None] = [None, *positions, None]
    parent = it.node(data)
    out: list[Value] = []
    for lower, upper in itertools.pairwise(cuts):
        part = it.derive([data], data.kind, site.text, "slice", columns=data.columns)
        part.sorted_by = data.sorted_by
        part.origin = (parent, "slice", (None, lower, upper))
        out.append(part)
    return Seq(out)
