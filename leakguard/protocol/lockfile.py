"""The lock file ``v<N>.lock.json`` declared once: what export writes and exported modules check (docs/export.md).

Plain declarations: ``leakguard.protocol.schema.lock_schema()`` turns them into JSON Schema
(``docs/schema/lock.schema.json``); ``pipeline/api.py`` writes a ``Lock``, ``pipeline/runtime.py``
reads one. It lives with the other records rather than in ``pipeline/``: the schema generator
is here, and the pipeline imports nothing from it (no cycle, tests/test_layers.py).
"""

# No ``from __future__ import annotations``: TypedDict needs real annotations to know which
# keys are NotRequired.
from typing import Any, Literal, NotRequired, TypedDict

ColumnKind = Literal["integer", "float", "bool", "datetime", "timedelta", "category", "text"]


class LockNotebook(TypedDict):
    """The exported notebook: its path from the pipeline's folder and the hash of its file."""

    path: str
    sha256: str


class LockInput(TypedDict):
    """An input path parameter: the path as written, the hash and size of its file (none for a URL)."""

    param: str
    path: str
    sha256: str | None
    bytes: int | None
    note: NotRequired[str]


class LockColumn(TypedDict):
    """One column of a frame ``load()`` returns: dtype, kind, missing share, range or categories."""

    dtype: str
    kind: ColumnKind
    null_rate: float
    min: NotRequired[int | float | str | None]
    max: NotRequired[int | float | str | None]
    categories: NotRequired[list[str]]
    distinct: NotRequired[int]


class LockFrame(TypedDict):
    """The schema of one frame ``load()`` returns, and the parameter it was read from."""

    source: str | None
    rows: int
    columns: dict[str, LockColumn]


class LockHoldout(TypedDict):
    """The holdout of the policy (``Policy.to_dict()``)."""

    fraction: float | None
    seed: int
    column: str | None
    ids: list[Any] | None
    id_column: str | None
    tables: list[str]


class LockPolicy(TypedDict):
    """The policy in force at the end of the notebook (``Policy.to_dict()``)."""

    label: list[str]
    time: str | None
    cutoff: str | None
    mode: Literal["warn", "block", "safe"]
    holdout: LockHoldout
    inferred: list[str]
    infer: NotRequired[bool]


class Lock(TypedDict):
    """A version's lock file: what the module was exported from and the inputs it checks at run time."""

    format: Literal[1]
    pipeline: str
    version: int
    notebook: LockNotebook
    export_key: str
    leakguard: str
    policy: LockPolicy
    parameters: dict[str, Any]
    inputs: list[LockInput]
    tables: list[str]
    schema: dict[str, LockFrame]
    kept_cells: list[str]
