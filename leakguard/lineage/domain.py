"""Row domains: which kinds of rows (train, holdout, future) a value may hold.

A domain is a set of row parts plus a flag for "leakguard cannot tell". Joining a
known domain with an unknown one never yields a clean answer.

>>> join(TRAIN, HOLDOUT).name
'train+holdout'
>>> join(TRAIN, UNKNOWN).name
'unknown'
>>> ALL.without("future").name
'train+holdout'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

PARTS = ("train", "holdout", "future")


@dataclasses.dataclass(frozen=True, slots=True)
class Rows:
    """The row parts a value may contain; ``known`` is False when leakguard cannot tell."""

    parts: frozenset[str]
    known: bool = True

    @property
    def name(self) -> str:
        """``all``, ``train``, ``holdout``, ``future``, ``none``, ``unknown`` or a ``+`` join."""
        if not self.known:
            return "unknown"
        if self.parts == frozenset(PARTS):
            return "all"
        if not self.parts:
            return "none"
        return "+".join(p for p in PARTS if p in self.parts)

    def has(self, part: str) -> bool:
        """True when rows of ``part`` are (or may be) present."""
        return part in self.parts

    def without(self, *parts: str) -> Rows:
        """This domain with ``parts`` provably removed."""
        return Rows(self.parts - frozenset(parts), self.known)

    @classmethod
    def of(cls, name: str) -> Rows:
        """The domain called ``name`` (the inverse of ``.name``)."""
        if name == "unknown":
            return UNKNOWN
        if name == "all":
            return ALL
        if name == "none":
            return NONE
        parts = frozenset(name.split("+"))
        if not parts <= frozenset(PARTS):
            raise ValueError(f"not a row domain: {name!r}")
        return cls(parts)


ALL = Rows(frozenset(PARTS))
TRAIN = Rows(frozenset({"train"}))
HOLDOUT = Rows(frozenset({"holdout"}))
FUTURE = Rows(frozenset({"future"}))
NONE = Rows(frozenset())
UNKNOWN = Rows(frozenset(), known=False)


def join(*domains: Rows) -> Rows:
    """The domain of rows combined from ``domains``: unknown unless a known part already covers all."""
    parts: frozenset[str] = frozenset()
    known = True
    for d in domains:
        parts |= d.parts
        known = known and d.known
    if not known and parts != frozenset(PARTS):
        return Rows(parts, known=False)
    return Rows(parts)


def join_all(domains: Iterable[Rows]) -> Rows:
    """``join`` over an iterable; the empty join is ``none``."""
    return join(*domains)
