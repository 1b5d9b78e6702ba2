"""Building events from what the static engine knows, across versions of the event records."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

E = TypeVar("E", bound=Any)
_FIELDS: dict[type, frozenset[str]] = {}


def event(cls: type[E], **values: object) -> E:
    """An event of ``cls`` from the fields it has: the engine may know more facts than a version of the
    event records (a field the lineage model does not have yet is left out, never an error)."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = frozenset(f.name for f in dataclasses.fields(cls))
    if names.issuperset(values):
        made: E = cls(**values)
    else:
        made = cls(**{k: v for k, v in values.items() if k in names})
    return made
