"""What leakguard infers when the policy does not say: the label, the holdout, the time order.

A ``Guess`` is one inferred value with where it came from, so that everything acting on it
can say so ("(inferred)"). Declared policy keys always win over guesses; the effective time
column is ``LineageGraph.time_column()``.

Minimal record (engineer B's part: ``time``); label/holdout guesses are added by the label
and holdout inference.
"""

from __future__ import annotations

import dataclasses

from leakguard.lineage.events import Where


@dataclasses.dataclass(frozen=True, slots=True)
class Guess:
    """One inferred value (a column name), the short phrase saying where from, and where."""

    value: str
    origin: str
    where: Where


@dataclasses.dataclass(slots=True)
class Inferred:
    """Guesses per policy key, oldest first (a value is kept once: its first origin)."""

    label: list[Guess] = dataclasses.field(default_factory=list)
    holdout: list[Guess] = dataclasses.field(default_factory=list)
    time: list[Guess] = dataclasses.field(default_factory=list)

    def add(self, key: str, guess: Guess) -> None:
        """Record ``guess`` under ``key`` unless that value is already known."""
        found: list[Guess] = getattr(self, key)
        if all(g.value != guess.value for g in found):
            found.append(guess)

    def values(self, key: str) -> tuple[str, ...]:
        """The guessed values of ``key``, oldest first."""
        return tuple(g.value for g in getattr(self, key))
