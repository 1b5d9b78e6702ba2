"""The catalog, indexed for static look-up: dotted function paths and method names per receiver type.

The kernel wraps catalog entries by identity; the static engine cannot import the
libraries, so it finds entries by name: a call of ``pd.read_parquet`` resolves through the
import aliases to ``pandas.read_parquet``; a method call resolves by the kind of its
receiver (a frame, a series, a group-by, an estimator) and the method's name.

>>> index = catalog_index()
>>> index.function("pandas.read_parquet").kind
'read'
>>> index.method("frame", "describe").kind
'inspect'
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from leakguard.libraries.api import Api
from leakguard.libraries.registry import all_entries

# The catalog's owner classes, by the receiver kinds the static engine tracks.
_OWNERS: dict[str, tuple[str, ...]] = {
    "frame": ("DataFrame", "NDFrame"),
    "series": ("Series", "NDFrame"),
    "groupby": ("DataFrameGroupBy", "SeriesGroupBy", "GroupBy"),
    "plot": ("PlotAccessor",),
}
# Import spellings that name the same library.
_ALIASES = (("tensorflow.keras.", "keras."), ("tf.keras.", "keras."))


class CatalogIndex:
    """Catalog entries by dotted function path and by (receiver kind, method name)."""

    def __init__(self, entries: Iterable[Api]) -> None:
        self.functions: dict[str, Api] = {}
        self.by_name: dict[tuple[str, str], Api] = {}
        self.methods: dict[str, dict[str, Api]] = {}
        self.class_methods: dict[str, dict[str, Api]] = {}
        self._method_cache: dict[tuple[str, str], Api | None] = {}
        for api in entries:
            parts = api.qualname.split(".")
            if len(parts) == 1:
                self.functions[f"{api.module}.{api.qualname}"] = api
                self.by_name.setdefault((api.module.split(".")[0], api.qualname), api)
                continue
            owner, name = parts[-2], parts[-1]
            self.class_methods.setdefault(f"{api.module}.{'.'.join(parts[:-1])}", {})[name] = api
            self.class_methods.setdefault(owner, {})[name] = api
            self.methods.setdefault(owner, {}).setdefault(name, api)

    def function(self, path: str) -> Api | None:
        """The entry for a module-level function, by its full dotted path (or its package and name)."""
        path = normalise(path)
        found = self.functions.get(path)
        if found is not None:
            return found
        top, _, rest = path.partition(".")
        return self.by_name.get((top, rest.rsplit(".", 1)[-1])) if rest else None

    def method(self, receiver: str, name: str) -> Api | None:
        """The entry for ``name`` called on a receiver of kind ``receiver`` (frame, series, groupby, plot)."""
        key = (receiver, name)
        if key in self._method_cache:
            return self._method_cache[key]
        found = None
        for owner in _OWNERS.get(receiver, (receiver,)):
            found = self.methods.get(owner, {}).get(name)
            if found is not None:
                break
        self._method_cache[key] = found
        return found

    def class_method(self, cls_path: str, name: str) -> Api | None:
        """The entry for a method of a class known by dotted path or short name (``StandardScaler.fit``)."""
        cls_path = normalise(cls_path)
        for key in (cls_path, cls_path.rsplit(".", 1)[-1]):
            api = self.class_methods.get(key, {}).get(name)
            if api is not None:
                return api
        return None

    def exact(self, owner: str, name: str) -> Api | None:
        """The entry for method ``name`` of the class at dotted path ``owner``, with no fallback by short name
        (``polars.DataFrame`` and pandas' ``DataFrame`` share a short name, not their semantics)."""
        return self.class_methods.get(owner, {}).get(name)

    def method_kinds(self, name: str) -> set[str]:
        """Every kind the catalog gives a method called ``name`` on any class."""
        return {m[name].kind for m in self.methods.values() if name in m}


def normalise(path: str) -> str:
    """One spelling per library: ``tensorflow.keras.X`` → ``keras.X``."""
    for old, new in _ALIASES:
        if path.startswith(old):
            return new + path[len(old):]
    return path


@functools.cache
def catalog_index() -> CatalogIndex:
    """The index of every catalog entry (built once per process)."""
    return CatalogIndex(all_entries())
