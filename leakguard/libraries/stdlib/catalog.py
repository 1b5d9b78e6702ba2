"""The standard library and joblib: values loaded from a file whose shape only the data tells.

``pickle.load(f)`` may return a frame, an array, a fitted model or a dict of settings. The
static engine takes what comes back as rows of its own when it is used as data (and as
nothing when it is used as a model); the kernel registers it only when it is row data.
"""

from __future__ import annotations

from leakguard.libraries.api import Api

ENTRIES: tuple[Api, ...] = (
    Api("pickle", "load", "read", role="object"),
    Api("joblib", "load", "read", role="object"),
    Api("json", "load", "read", role="object"),
)
