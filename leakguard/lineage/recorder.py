"""The one judge: every engine's events reach the graph and the rules through a recorder.

A recorder applies an event to the lineage graph, runs the rules when the event is one
that is judged, keeps each finding once, and applies the mode. The kernel and the static
engine differ only in what the mode *does*, which they hand to the recorder:

- ``stop``: block mode ends the call (the kernel raises ``LeakageError`` before the library
  runs) or the rest of the cell (the static engine);
- ``restrict`` (per inspection): safe mode runs the inspection on training rows instead;
  the engine says whether it could.

Which events are judged: values entering or being derived (``Read``, ``Derive``) are
applied without the rules, except an unresolved derivation (reported once); every other
event is judged. Block mode stops only calls people make to look or to model
(``Inspect``, ``Query``, ``Fit``, ``Evaluate``): a split is the fix, never refused.

>>> from leakguard.lineage.events import Read, Inspect, Where
>>> from leakguard.policy import Holdout, Policy
>>> rec = Recorder(LineageGraph(Policy(label=("y",), holdout=Holdout(fraction=0.2))), stop=lambda found: None)
>>> df = rec.value(Read("n1", "d.csv", "df", Where("c1", 1, 1), ("x", "y")))
>>> [f.rule for f in rec.record(Inspect(df.id, "describe", Where("c1", 1, 2)))]
['peek-holdout']
>>> rec.record(Inspect(df.id, "describe", Where("c1", 1, 2)))  # the same finding again: kept once
[]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import TypeVar

from leakguard.finding import Finding
from leakguard.lineage.events import Derive, Evaluate, Event, Fit, Inspect, NodeId, Query, Read, Where
from leakguard.lineage.graph import LineageGraph, Node
from leakguard.lineage.inference import Reveal, observe
from leakguard.rules import peek_holdout, peek_label
from leakguard.rules._modelling import hand_written_score
from leakguard.rules.registry import RULES, Rule, run_rules, supersedes

Key = tuple[str, str, str, int | None]
Looked = TypeVar("Looked", Inspect, Query)
# the calls block mode refuses: looking at data and modelling with it
_STOPPABLE = (Inspect, Query, Fit, Evaluate)
# earlier looks kept for retroactive peeks: small frozen events (ids, names), never data
LOOK_HISTORY = 2_000
# the peek rule each reveal judges earlier looks by: a fit that reveals the label says nothing about which
# rows are held out (a look it re-judges as a peek at the holdout would name the fit as the splitter)
_PEEKS: dict[str, tuple[Rule, ...]] = {
    "holdout": tuple(r for r in RULES if r.id == peek_holdout.ID),
    "label": tuple(r for r in RULES if r.id == peek_label.ID),
}


def judged(event: Event) -> bool:
    """Whether the rules run on ``event``: not on values entering or derived, unless unresolved."""
    if isinstance(event, Read):
        return False
    if isinstance(event, Derive):
        return event.unresolved
    return True


def stopping(found: list[Finding]) -> tuple[Finding, ...]:
    """The findings that make block mode stop (every one that is not ``info``)."""
    return tuple(f for f in found if f.severity != "info")


class Recorder:
    """Apply → judge → keep once → mode, for one graph; the engine supplies what the mode does."""

    def __init__(self, graph: LineageGraph, *, stop: Callable[[tuple[Finding, ...]], None],
                 kept: Callable[[Finding], None] | None = None,
                 replaced: Callable[[Finding, Finding], None] | None = None,
                 restrict_every_inspection: bool = False, rules: Iterable[Rule] = RULES) -> None:
        """``stop`` is called in block mode with the findings that stop a call; it is expected to raise
        (a ``stop`` that returns lets the call go on). ``kept`` sees each new finding (the engine's own
        lists: a cell's findings, a column); ``replaced(old, new)`` each kept finding that a newer one
        replaces (a cumulative rule's grown count, a finding marked blocked). ``restrict_every_inspection``: safe mode offers every
        inspection to be restricted, not only those the rules would flag (the static engine, where
        restricting costs nothing; the kernel re-runs a call, so it does that only when needed).
        ``rules`` are the registry's unless a test gives its own."""
        self.graph = graph
        self.findings: list[Finding] = []
        self._keys: set[Key] = set()
        self._stop = stop
        self._kept = kept
        self._replaced = replaced
        self._restrict_every = restrict_every_inspection
        self._rules = tuple(rules)
        self._looks: list[Inspect | Query] = []  # looks judged clean, judged again when inference reveals

    def record(self, event: Event) -> list[Finding]:
        """Apply ``event``; when it is judged, keep the findings not seen before and apply block mode.

        Returns the new findings. In block mode a stoppable event with a non-info finding (new or
        not: the call is refused every time) calls ``stop`` after the findings are kept.
        """
        self.graph.apply(event)
        reveals = observe(self.graph, event)
        if not judged(event):
            return []
        found = run_rules(self.graph, event, self._rules)
        new = self._keep(found)
        if isinstance(event, (Inspect, Query)) and not stopping(found) and not event.restricted:
            self._looks.append(event)
            del self._looks[:-LOOK_HISTORY]
        for reveal in reveals:
            new += self._keep(self._retroactive(reveal))
        if self.graph.policy.mode == "block" and isinstance(event, _STOPPABLE):
            stops = tuple(dataclasses.replace(f, blocked=True) for f in stopping(found))
            if stops:
                for f in stops:  # the kept findings that stop the call say so (shown once, blocked)
                    self._replace(f, _unblocked_of(f))
                self._stop(stops)
        return new

    def value(self, event: Read | Derive) -> Node:
        """Record a value entering or derived (``Read``, ``Derive``); the node it made."""
        self.record(event)
        return self.graph.nodes[event.out]

    def inspect(self, event: Looked, restrict: Callable[[Looked], Looked | None]) -> list[Finding]:
        """Record an inspection (or query); in safe mode hand it to ``restrict`` first.

        ``restrict`` runs the look on training rows and returns the event to record instead (marked
        restricted here), or None when it could not (the look runs on all rows and is judged as is).
        The kernel asks only for looks the rules would flag (other than info).
        """
        if isinstance(event, Inspect) and not event.restricted:
            scored = self.hand_scored(event.value, event.op, event.where)
            if scored is not None:
                return scored
        # a bare row count is no finding, but safe mode restricts it as it would the look it stands next to
        probe = dataclasses.replace(event, inspects=True) if isinstance(event, Query) and event.counts else event
        if self.graph.policy.mode == "safe" and (self._restrict_every or stopping(self.would_find(probe))):
            narrowed = restrict(event)
            if narrowed is not None:
                event = dataclasses.replace(narrowed, restricted=True)
        return self.record(event)

    def hand_scored(self, value: NodeId, op: str, where: Where) -> list[Finding] | None:
        """Record a look at predictions set against labels (``(clf.predict(X_te) == y_te).mean()``) as the
        evaluation it is, shown or only feeding an expression (``** 0.5``, an f-string); None when it is not one."""
        score = hand_written_score(self.graph, value)
        if score is None:
            return None
        model, rows, labels = score
        # (the predictions set against the labels are among what ``value`` was made from: a threshold read off a
        # curve of the test set shows there, ``Evaluate.predictions``)
        return self.record(Evaluate(model, rows, where, labels, op=f"{op}() of predictions", predictions=value))

    def would_find(self, event: Event) -> list[Finding]:
        """The findings ``event`` would produce now, without recording anything."""
        return run_rules(self.graph, event, self._rules)

    def _retroactive(self, reveal: Reveal) -> list[Finding]:
        """Earlier looks at the rows ``reveal`` names, judged again now that the label or holdout is known.

        A look counts when the value it looked at, or one it came from, is one of ``reveal.scope`` or an
        ancestor of one (``df.describe()`` or ``df["x"].mean()`` before ``train_test_split(df.drop(...))``);
        the peek rules then decide from its rows, so a look at the training part stays clean.
        Each finding stays where the look was and names the cell that revealed what it saw.
        """
        scope: set[str] = set()
        for nid in reveal.scope:
            scope.add(nid)
            scope.update(n.id for n in self.graph.ancestors(nid))
        # the file a source read was read before, by another reader (DuckDB's ``FROM 'x.csv'``, then ``pd.read_csv``)
        scope.update(first for nid in tuple(scope) if (first := self.graph.first_read(nid)) is not None)
        found: list[Finding] = []
        for look in self._looks:  # a look stays: a later reveal (the label after the holdout) may judge it again
            looked = {look.value} if isinstance(look, Inspect) else set(look.inputs)
            # a look at a column or selection of the split's data (``df["x"].describe()``) shares its ancestors
            looked |= {n.id for nid in tuple(looked) for n in self.graph.ancestors(nid)}
            if looked & scope and look.where.cell != reveal.spared_cell:
                found += [_retro(look, reveal, f) for f in run_rules(self.graph, look, _PEEKS.get(reveal.key, ())) if f.severity != "info"]
        return found

    def forget_cell(self, cell: str) -> None:
        """A cell runs again: its earlier findings are superseded by what this run finds."""
        if any(f.where.cell == cell for f in self.findings):
            self.findings = [f for f in self.findings if f.where.cell != cell]
            self._keys = {k for k in self._keys if k[2] != cell}
        self._looks = [look for look in self._looks if look.where.cell != cell]

    def _replace(self, new: Finding, matches: Callable[[Finding], bool]) -> None:
        for i, old in enumerate(self.findings):
            if matches(old):
                self.findings[i] = new
                if self._replaced is not None:
                    self._replaced(old, new)

    def _keep(self, found: list[Finding]) -> list[Finding]:
        new: list[Finding] = []
        for f in found:
            if f.key in self._keys:
                # a cumulative rule's sum that grew (multi-test's count) replaces the kept finding
                self._replace(f, _superseded_by(f))
                continue
            self._keys.add(f.key)
            new.append(f)
            self.findings.append(f)
            if self._kept is not None:
                self._kept(f)
        return new


def _unblocked_of(new: Finding) -> Callable[[Finding], bool]:
    return lambda old: old.key == new.key and not old.blocked


def _superseded_by(new: Finding) -> Callable[[Finding], bool]:
    return lambda old: supersedes(new, old)


def _retro(look: Inspect | Query, reveal: Reveal, finding: Finding) -> Finding:
    """The finding of an earlier look, told as such: ``In[4] line 1's describe() looked at the rows that
    In[9] line 3's train_test_split set aside for testing (inferred)``, then the rule's own text."""
    what = f"{look.op}()" if isinstance(look, Inspect) else "query"
    seen = ("the rows that " + reveal.text + " set aside for testing" if finding.rule == "peek-holdout"
            else "the column that " + reveal.text + " uses as the label")
    title = f"{what} looked at {seen} (inferred)"
    detail = f"{look.where.short()}'s {what} looked at {seen}: {finding.title}. {finding.detail}".rstrip()
    return dataclasses.replace(finding, title=title, detail=detail)
