"""Policy inference: what a notebook that declares nothing reveals about its label and holdout.

Real notebooks declare no policy. The recorder hands every event to ``observe``, the one
implementation both engines share: the ``y`` of the first ``fit(X, y)`` names the label
(the column it was selected, popped or dropped from), the first split names the holdout
(its test part), a file read under a test-like name holds holdout rows. Each guess is kept
with where it came from (``Guess``) on ``LineageGraph.inferred`` and, when the key is not
declared and inference is on, becomes part of the policy in force, marked inferred. A
declared key always wins.

When a guess reveals a label or a holdout, ``observe`` says so (a ``Reveal``): the recorder
then judges again the earlier looks at the revealed rows (retroactive peeks).

>>> from leakguard.lineage.graph import LineageGraph
>>> from leakguard.lineage.events import Read, Derive, Fit, Where
>>> g = LineageGraph()
>>> w = Where("c1", 1, 1)
>>> _ = g.apply(Read("n1", "d.csv", "df", w, ("x", "churn")))
>>> _ = g.apply(Derive("n2", ("n1",), "getitem", "y", w, rows="same", columns=("churn",), kind="series"))
>>> [r.key for r in observe(g, Fit("m", "LogisticRegression", "n1", Where("c2", 2, 1), target="n2"))]
['label']
>>> g.policy.label, sorted(g.policy.inferred), g.inferred.label[0].origin
(('churn',), ['label'], 'y of LogisticRegression.fit in In[2] line 1')
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Literal

from leakguard.lineage.domain import ALL, HOLDOUT, NONE, TRAIN
from leakguard.lineage.events import Evaluate, Event, Fit, NodeId, Read, Split, Where

if TYPE_CHECKING:
    from leakguard.lineage.graph import LineageGraph, Node
    from leakguard.policy import Policy

Key = Literal["label", "holdout", "time"]
# a label is one column or a few (multi-output); more than this is a feature matrix, not a label
_MAX_LABEL_COLUMNS = 3
# words that name held-out data in a file or table name, matched as whole words of the stem
_HOLDOUT_WORDS = re.compile(r"(?:^|[^a-z0-9])(test|holdout|eval)(?:$|[^a-z0-9])")
# words that name training data: such a file holds training rows once a test-named file is read beside it
_TRAIN_WORDS = re.compile(r"(?:^|[^a-z0-9])(train|training)(?:$|[^a-z0-9])")


@dataclasses.dataclass(frozen=True, slots=True)
class Guess:
    """One inferred value (``churn``), the short phrase saying where it came from, and where that was."""

    value: str
    origin: str
    where: Where


@dataclasses.dataclass(slots=True)
class Inferred:
    """What inference found so far, per policy key; ``enabled`` is the ``infer`` switch."""

    label: list[Guess] = dataclasses.field(default_factory=list)
    holdout: list[Guess] = dataclasses.field(default_factory=list)
    time: list[Guess] = dataclasses.field(default_factory=list)
    # entity columns whose values the code shows repeating (static engine: ``groupby(id).cumcount()``)
    group: list[Guess] = dataclasses.field(default_factory=list)
    # presence split-backs of a stack whose files' columns are unknown: (part, stack, column), settled when a fit
    # names the label (``full[full.Survived.notna()]`` then ``fit(X, train.Survived)``: only train had it)
    waiting: list[tuple[NodeId, NodeId, str]] = dataclasses.field(default_factory=list)

    def of(self, key: str) -> list[Guess]:
        """The guesses for ``key`` (empty for a key inference does not make)."""
        guesses: list[Guess] = getattr(self, key, []) if key in ("label", "holdout", "time", "group") else []
        return guesses

    def origin(self, key: str) -> str | None:
        """``y of LogisticRegression.fit in In[7] line 2`` (joined with ``; ``), or None when nothing was inferred."""
        guesses = self.of(key)
        return "; ".join(dict.fromkeys(g.origin for g in guesses)) if guesses else None

    def add(self, key: str, guess: Guess) -> None:
        """Record ``guess`` under ``key`` unless that value is already known."""
        found: list[Guess] = getattr(self, key)
        if all(g.value != guess.value for g in found):
            found.append(guess)

    def values(self, key: str) -> tuple[str, ...]:
        """The guessed values of ``key``, oldest first."""
        return tuple(g.value for g in getattr(self, key))


@dataclasses.dataclass(frozen=True, slots=True)
class Reveal:
    """An event revealed the label or the holdout: earlier looks at ``scope`` (or its ancestors) are judged again."""

    key: Key
    scope: tuple[NodeId, ...]
    where: Where
    text: str  # ``In[9] line 1's train_test_split``: who revealed it, for the retroactive finding's message
    spared_cell: str | None = None  # looks in this cell are not judged again (``Split.after_cell``)


# the policy keys each rule acts on: a finding relied on whichever of them were inferred
_RELIES_ON: dict[str, tuple[str, ...]] = {
    "peek-holdout": ("holdout",), "peek-label": ("label",), "peek-future": ("time", "cutoff"),
    "preprocessing": ("holdout",), "overlap": ("holdout",), "multi-test": ("holdout",),
    "target": ("label",), "temporal": ("time", "cutoff"),
}


def relied_on(rule: str, policy: Policy) -> list[str]:
    """The inferred policy parts a finding of ``rule`` relied on (``["holdout"]``), for JSON/SARIF ``inferred``."""
    return [k for k in _RELIES_ON.get(rule, ()) if k in policy.inferred]


def holdout_named(source: str) -> bool:
    """True when a file or table name says it holds test rows (``test.csv``, ``X_test.parquet``, ``df_holdout``).

    Whole words of the stem only: ``contest.csv``, ``latest.csv`` and ``testament`` are not test data.
    """
    return bool(_HOLDOUT_WORDS.search(_stem(source)))


def train_named(source: str) -> bool:
    """True when a file or table name says it holds training rows (``train.csv``, ``X_train.parquet``).

    Whole words of the stem only: ``strain.csv`` and ``trainers.csv`` are not.
    """
    return bool(_TRAIN_WORDS.search(_stem(source))) and not holdout_named(source)


# words of a part's name saying it is one side of a train/test split (``train_df``, ``df_val``, ``holdout``)
_PART_WORDS = re.compile(r"(?:^|[^a-z0-9])(train|training|trn|test|tst|holdout|hold_out|valid|validation|val|eval|oot|"
                         r"dev)(?:$|[^a-z0-9])")
_PART_PREFIXES = ("train", "test", "valid", "holdout", "eval")
_PART_SUFFIXES = ("train", "test", "valid", "holdout")
# words of a column's name saying it marks which rows train and which are held out (``is_test``, ``split``,
# ``fold``, ``set``) or orders them in time (a date cutoff: ``date``, ``year``)
_MARKER_WORDS = re.compile(r"(?:^|[^a-z0-9])(split|set|fold|folds|kfold|subset|partition|is_test|is_train|train|test|"
                           r"valid|validation|holdout|eval|index|idx|row|date|datetime|time|timestamp|ts|year|month|"
                           r"week|day|period)(?:$|[^a-z0-9])")


def mask_split_counts(names: Sequence[str], column: str | None, *, time: str | None = None,
                      temporal: bool = False) -> bool:
    """True when two parts cut from one frame by a mask and its negation are a train/test split.

    Positional cuts and random draws always are (the engines only ask about masks). A mask on a column is
    a split when a part's name says train/test/valid/holdout (``train = df[df.fold != 0]``), when the column
    is the time column or holds times (``temporal``: a date cutoff), or when the column's name says it
    marks the split (``is_test``, ``split``, ``set``, ``fold``). A mask on the label or an ordinary feature
    with neutral part names (``churned`` / ``stayed``, ``men`` / ``women``) is per-group exploration, not a
    split. ``column`` None: a mask leakguard cannot read (a random draw, an opaque condition): a split.
    """
    if column is None or column.startswith("<"):
        return True
    if any(_PART_WORDS.search(n.lower()) or n.lower().startswith(_PART_PREFIXES) or n.lower().endswith(_PART_SUFFIXES)
           for n in names):
        return True
    if temporal or (time is not None and column == time):
        return True
    return bool(_MARKER_WORDS.search(_camel(column)))


def _camel(name: str) -> str:
    """``isTest`` → ``is_test``, ``SplitSet`` → ``split_set``: words of a column name, lowered."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _stem(source: str) -> str:
    return PurePosixPath(source.replace("\\", "/")).name.split(".")[0].lower()


def observe(graph: LineageGraph, event: Event) -> list[Reveal]:
    """Infer from ``event`` (already applied to ``graph``); what it revealed, for retroactive peeks."""
    if not graph.policy.infer:
        return []
    if isinstance(event, Fit):
        return _fit(graph, event)
    if isinstance(event, Evaluate) and event.kind in _FITS_ON_FOLDS:
        return _fit_on_folds(graph, event)
    if isinstance(event, Split):
        return _split(graph, event)
    if isinstance(event, Read):
        _read(graph, event)
    return []


def _declared(graph: LineageGraph, key: str) -> bool:
    """True when the policy's ``key`` was set by a person (a file, the magic, the API), not inferred."""
    policy = graph.policy
    if key in policy.inferred:
        return False
    if key == "label":
        return bool(policy.label)
    if key == "holdout":
        return policy.holdout.declared
    return False


# an evaluation that fits its estimator on folds of the data with ``target`` as y: ``cross_val_score(model, X, y)``
# names the label as a fit does (many notebooks never call ``fit`` themselves)
_FITS_ON_FOLDS = ("cross-validate", "search")


def _fit(graph: LineageGraph, event: Fit) -> list[Reveal]:
    call = event.op if "." in event.op else f"{event.estimator}.{event.op}"
    return _label_of(graph, event.target, event.data, event.where, call)


def _fit_on_folds(graph: LineageGraph, event: Evaluate) -> list[Reveal]:
    return _label_of(graph, event.target, event.data, event.where, event.op)


def _label_of(graph: LineageGraph, target: NodeId | None, data: NodeId, where: Where, call: str) -> list[Reveal]:
    """The label inferred from the ``y`` (``target``) a fit on ``data`` learned from, in ``call``."""
    if target is None or graph.inferred.label:
        return []  # only the first fit that names a label: later fits are often of other things
    columns = label_columns(graph, target)
    if not columns:
        return []
    origin = f"y of {call} in {where.short()}"
    graph.inferred.label.extend(Guess(c, origin, where) for c in columns)
    if _declared(graph, "label"):
        _settle_waiting(graph, graph.policy.label)
        return []
    graph.policy = graph.policy.updated({"label": list(columns)}, origin, inferred=True)
    _settle_waiting(graph, columns)
    return [Reveal("label", (target, data), where, f"{where.short()}'s {call}")]


def label_columns(graph: LineageGraph, target: NodeId) -> tuple[str, ...]:
    """The column(s) a ``y`` came from: its own few columns, else the nearest ancestor's (``df["churn"].values``)."""
    node = graph.get(target)
    if node is None:
        return ()
    for n in (node, *graph.ancestors(target)):
        if n.columns is not None:
            if not 0 < len(n.columns) <= _MAX_LABEL_COLUMNS or n.kind == "model":
                return ()
            return tuple(f"{c}{LEAD_LABEL}" for c in n.columns) if _leads(graph, n) else n.columns
        if not _row_preserving(n):
            return ()
    return ()


LEAD_LABEL = " (lead)"


def _leads(graph: LineageGraph, node: Node) -> bool:
    """``y = df["Close"].shift(-1)``: a forecasting label, the column's later value (the look-ahead starts at
    ``node``, on time-ordered rows). Its name is not the column's: today's ``Close`` is a feature, not the label."""
    from leakguard.lineage.graph import LOOK_AHEAD, frame_taint

    n: Node | None = node
    while n is not None and LOOK_AHEAD in frame_taint(n) and n.inputs:
        source = graph.get(n.inputs[0])
        own = frame_taint(source).union(*(source.column_taint.get(c, frozenset()) for c in node.columns or ())) \
            if source is not None else frozenset()
        if source is None or LOOK_AHEAD not in own:
            return source is not None  # the lead starts here
        if source.columns != node.columns:
            return False  # a column of a frame that already looked ahead (not a lead of the label's column)
        n = source
    return False


def _row_preserving(node: Node) -> bool:
    """A value whose columns are those of its single input (``.values``, ``np.asarray``, a copy)."""
    return len(node.inputs) == 1


def _split(graph: LineageGraph, event: Split) -> list[Reveal]:
    holdout = [p for p in event.parts if p.role == "holdout"]
    if not holdout or graph.inferred.holdout:
        return []  # the first split names the holdout; later ones split training rows again
    origin = f"test part of {event.method} in {event.where.short()}"
    graph.inferred.holdout.extend(Guess(p.name, origin, event.where) for p in holdout)
    if _declared(graph, "holdout") or not event.inferred:
        return []  # declared, or a policy-aware split (``leakguard.split``) that reveals nothing new
    if "holdout" not in graph.policy.inferred:
        graph.policy = graph.policy.updated({"holdout": _fraction(event)}, origin, inferred=True)
    else:  # the engine inferred the fraction (``test_size``) just before: say where from in words
        graph.policy = dataclasses.replace(graph.policy, origins=(*graph.policy.origins, ("holdout", origin)))
    return [Reveal("holdout", (event.parent,), event.where, f"{event.where.short()}'s {event.method}",
                   event.where.cell if event.after_cell else None)]


def _fraction(event: Split) -> float:
    """The share of rows the split held out, when the engine counted them; else sklearn's default, 0.25."""
    counts = [p.rows for p in event.parts]
    held = sum(p.rows or 0 for p in event.parts if p.role == "holdout")
    if all(c is not None for c in counts) and 0 < held < sum(c or 0 for c in counts):
        return held / sum(c or 0 for c in counts)
    return 0.25


@dataclasses.dataclass(frozen=True, slots=True)
class Pick:
    """Which rows of a stack of files a mask, slice or key takes back, in no engine's syntax.

    ``first`` / ``last``: by position with the saved length (``full[:ntrain]``, ``full.tail(len(test))``);
    ``present`` / ``missing``: where ``column`` has values (``full[full.y.notna()]``, ``dropna(subset=["y"])``):
    only the train file had the label; ``named``: a marker value or a ``keys=`` label that names a file
    (``full[full.source == "test"]``, ``full.loc["train"]``).
    """

    how: Literal["first", "last", "present", "missing", "named"]
    column: str | None = None
    word: str | None = None


def marker_pick(column: str, value: object) -> Pick | None:
    """The piece a marker comparison ``column == value`` takes: a train/test word, or a flag column named so.

    ``source == "test"`` names its file; ``is_train == 1`` / ``is_test == False`` name it through the column.
    """
    if isinstance(value, str):
        return Pick("named", word=value)
    if isinstance(value, (bool, int)) and value in (0, 1):
        says_train = train_named(column)
        if not says_train and not holdout_named(column):
            return None
        return Pick("named", word="train" if says_train == bool(value) else "test")
    return None


def stacked_slice(graph: LineageGraph, parent: NodeId, head: bool) -> frozenset[str]:
    """The row parts a positional slice of training rows stacked over test rows leaves out.

    ``full = pd.concat([train, test])`` then ``full[:len(train)]`` (``head``) holds the
    training rows only, ``full[len(train):]`` the test rows only: the Kaggle way back from
    features built on both files. Empty when ``parent`` is not such a stack (nothing is proved).
    """
    return stacked_part(graph, parent, Pick("first" if head else "last"))


def stacked_part(graph: LineageGraph, parent: NodeId, pick: Pick, label: tuple[str, ...] = ()) -> frozenset[str]:
    """The row parts ``pick`` leaves out of ``parent`` when it is training and test files stacked; else empty.

    Both engines ask this once they read a split-back spelling (the static engine from the code, the
    kernel from the live values): it says which stacked piece's rows the result holds.
    """
    pieces = _stack_pieces(graph, parent)
    if len(pieces) < 2 or not all(p.rows in (TRAIN, HOLDOUT) for p in pieces):
        return frozenset()
    if pick.how in ("first", "last"):
        if pieces[0].rows != TRAIN:
            return frozenset()  # the saved length is the train file's: it must come first
        kept = pieces[:1] if pick.how == "first" else pieces[1:]
    elif pick.how in ("present", "missing"):
        if pick.column is None:
            return frozenset()
        if any(p.columns is None for p in pieces):
            if pick.column not in label:
                return frozenset()  # the files' columns are not at hand: only the label says which file had it
            kept = [p for p in pieces if (p.rows == TRAIN) == (pick.how == "present")]
        else:
            kept = [p for p in pieces if (pick.column in (p.columns or ())) == (pick.how == "present")]
    else:
        word = pick.word or ""
        role = TRAIN if train_named(word) else HOLDOUT if holdout_named(word) else None
        kept = [p for p in pieces if p.rows == role]
    return taken(pieces, kept)


def taken(pieces: Sequence[Node], kept: Sequence[Node]) -> frozenset[str]:
    """The row parts left out by a value holding exactly the rows of the stacked ``kept`` files among ``pieces``
    (training and test files); empty unless it is all of one side (the kernel proves ``kept`` from live rows)."""
    if not kept or len(kept) == len(pieces):
        return frozenset()
    if all(p.rows == TRAIN for p in kept) and all(p.rows == HOLDOUT for p in pieces if p not in kept):
        return frozenset({"holdout"})
    if all(p.rows == HOLDOUT for p in kept) and all(p.rows == TRAIN for p in pieces if p not in kept):
        return frozenset({"train"})
    return frozenset()


def wait_for_label(graph: LineageGraph, part: NodeId, parent: NodeId, pick: Pick) -> None:
    """Remember a presence split-back (``part`` of ``parent``) to settle once a fit names the label."""
    if pick.how in ("present", "missing") and pick.column is not None and len(_stack_pieces(graph, parent)) > 1:
        graph.inferred.waiting.append((part, parent, pick.column if pick.how == "present" else f"!{pick.column}"))
        if graph.policy.label:  # already known (declared, or a fit before): settle now
            _settle_waiting(graph, graph.policy.label)


def _settle_waiting(graph: LineageGraph, label: tuple[str, ...]) -> None:
    """The label is known: a presence split-back on it took one file's rows; so did the values made from them."""
    waiting, graph.inferred.waiting = graph.inferred.waiting, []
    for part, parent, column in waiting:
        pick = Pick("missing", column=column[1:]) if column.startswith("!") else Pick("present", column=column)
        gone = stacked_part(graph, parent, pick, label)
        node = graph.get(part)
        if gone and node is not None:
            _narrow_since(graph, node, gone)


def _narrow_since(graph: LineageGraph, start: Node, gone: frozenset[str]) -> None:
    """``start`` holds no rows of the ``gone`` parts, and so do the values made from its rows alone since."""
    changed: set[NodeId] = set()
    for node in sorted(graph.nodes.values(), key=lambda n: n.seq):
        row_inputs = {i for i in node.inputs if i in graph.nodes and _holds_rows(graph.nodes[i])}
        if node is not start and (node.seq <= start.seq or not node.inputs or not set(node.inputs) & changed
                                  or not row_inputs <= changed):
            continue
        if node.rows.known and node.rows.parts & gone and node.rows.parts - gone:
            node.rows = dataclasses.replace(node.rows, parts=node.rows.parts - gone)
        elif node.rows == NONE:  # an aggregate of those rows: none of the gone parts in it
            node.taint -= gone
        elif node is not start:
            continue
        changed.add(node.id)


def _stack_pieces(graph: LineageGraph, parent: NodeId) -> list[Node]:
    """The pieces (in order) of the row stack ``parent`` was made from, through row-preserving steps; else []."""
    node = graph.get(parent)
    for _ in range(64):  # through column assignments and row-preserving steps, back to the stacking
        if node is None:
            return []
        rows_in = [graph.nodes[i] for i in node.inputs if i in graph.nodes and _holds_rows(graph.nodes[i])]
        if "concat" in node.op.split("→") or node.op in ("vstack", "concatenate", "row_stack", "append"):
            return rows_in
        if not rows_in or rows_in[0].id != node.inputs[0]:
            return []
        node = rows_in[0]
    return []


def _holds_rows(node: Node) -> bool:
    return not (node.rows.known and not node.rows.parts)


def _read(graph: LineageGraph, event: Read) -> None:
    """A test-named file holds holdout rows; a train-named one beside it (read before or after) training rows.

    A train-named file alone stays ``all``: its rows are the notebook's whole data until a
    split shows which are held out (a Kaggle ``train.csv`` split into train and test).
    """
    if holdout_named(event.source):
        graph.inferred.holdout.append(Guess(event.source, f"read of {event.source} in {event.where.short()}",
                                            event.where))
        node = graph.get(event.out)
        if node is not None:
            node.rows = HOLDOUT  # the file holds test rows: nothing in it is a training row
        for earlier in [n for n in graph.nodes.values() if _train_read(n)]:
            _training_rows(graph, earlier)
        return
    node = graph.get(event.out)
    if node is not None and _train_read(node) and any(
            not n.inputs and holdout_named(n.op) and n.rows == HOLDOUT for n in graph.nodes.values()):
        node.rows = TRAIN


def _train_read(node: Node) -> bool:
    return not node.inputs and node.rows == ALL and train_named(node.op)


def _training_rows(graph: LineageGraph, read: Node) -> None:
    """``read`` holds training rows, and so do the values made from its rows alone since (a train file read first)."""
    read.rows = TRAIN
    changed = {read.id}
    for node in sorted(graph.nodes.values(), key=lambda n: n.seq):
        if node.seq <= read.seq or not node.inputs or not set(node.inputs) <= changed:
            continue
        if node.rows == ALL:
            node.rows = TRAIN
        elif node.rows == NONE:  # an aggregate of those rows: no test row in it
            node.taint -= {"holdout", "future"}
        else:
            continue
        changed.add(node.id)
