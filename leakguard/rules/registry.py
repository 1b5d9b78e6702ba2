"""The registry of rules: one module per rule, listed once here."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

from leakguard.finding import Finding
from leakguard.lineage.events import Event
from leakguard.lineage.graph import LineageGraph
from leakguard.rules import (
    multi_test,
    overlap,
    peek_future,
    peek_holdout,
    peek_label,
    preprocessing,
    target,
    temporal,
    unresolved,
)

Check = Callable[[LineageGraph, Event], list[Finding]]


@dataclasses.dataclass(frozen=True, slots=True)
class Rule:
    """A rule: its stable id, a one-line summary and the check function.

    ``cumulative``: the rule's finding sums up every event so far (multi-test counts the
    candidates scored), so a later report with the same key replaces the earlier one
    instead of being dropped as a repeat.
    """

    id: str
    summary: str
    check: Check
    cumulative: bool = False


RULES: tuple[Rule, ...] = (
    Rule(peek_holdout.ID, "an inspection sees rows held out for testing", peek_holdout.check),
    Rule(peek_future.ID, "an inspection sees rows after the cutoff", peek_future.check),
    Rule(peek_label.ID, "an inspection relates the label to other columns before the split", peek_label.check),
    Rule(preprocessing.ID, "statistics learned from rows that include the holdout reach the model",
         preprocessing.check),
    Rule(overlap.ID, "the same rows on both sides of the split", overlap.check),
    Rule(multi_test.ID, "the test set used to choose between candidates", multi_test.check, cumulative=True),
    Rule(target.ID, "features that carry the label", target.check),
    Rule(temporal.ID, "the future in the past: shuffled time, rows after the cutoff, look-ahead features",
         temporal.check),
    Rule(unresolved.ID, "a call on tracked data leakguard cannot judge (reported once)", unresolved.check),
)
RULE_IDS: tuple[str, ...] = tuple(r.id for r in RULES)
CUMULATIVE: frozenset[str] = frozenset(r.id for r in RULES if r.cumulative)


def supersedes(new: Finding, old: Finding) -> bool:
    """True when ``new`` (same key as ``old``) should replace it: a cumulative rule's newer, different sum."""
    return new.rule in CUMULATIVE and new.key == old.key and new != old


def run_rules(graph: LineageGraph, event: Event, rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Every finding the rules report for ``event`` on ``graph``."""
    found: list[Finding] = []
    for rule in rules:
        found.extend(rule.check(graph, event))
    return found
