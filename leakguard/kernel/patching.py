"""Reversible wrapping of library callables, and wrapping modules imported later.

``Patcher.install`` swaps a wrapper in where the catalog says; ``Patcher.restore`` puts
every original back, the very same objects, where leakguard's wrapper is still in place (a
function the user patched in meanwhile is the user's and stays). Modules not yet imported are wrapped right
after their first import by a small post-import finder on ``sys.meta_path``.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Callable, Sequence
from typing import Any

from leakguard.libraries.api import Api, resolve
from leakguard.tracebacks import drop_own_frames

MakeWrapper = Callable[[Api, Callable[..., Any]], Callable[..., Any]]


class _HookedLoader(importlib.abc.Loader):
    def __init__(self, inner: importlib.abc.Loader, done: Callable[[str], None]) -> None:
        self._inner = inner
        self._done = done

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._inner.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        __tracebackhide__ = True  # an error of the module's own code reads as without leakguard
        try:
            self._inner.exec_module(module)
        except BaseException as exc:
            drop_own_frames(exc)
            raise
        self._done(module.__name__)

    def __getattr__(self, name: str) -> Any:  # get_source, is_package, ... for tools that ask
        return getattr(self._inner, name)


class _PostImportFinder(importlib.abc.MetaPathFinder):
    """Finds nothing itself; wraps the real loader of watched modules to run a callback after exec."""

    def __init__(self, watched: set[str], done: Callable[[str], None]) -> None:
        self.watched = watched
        self._done = done

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
                  ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.watched:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _HookedLoader(spec.loader, self._done)
                return spec
        return None


class Patcher:
    """Installs catalog wrappers and restores the originals exactly."""

    def __init__(self, entries: Sequence[Api], make_wrapper: MakeWrapper) -> None:
        self._entries = list(entries)
        self._make = make_wrapper
        self._applied: dict[tuple[int, str], tuple[Any, str, Any]] = {}
        self._wrappers: dict[tuple[int, str], Any] = {}
        self._finder: _PostImportFinder | None = None
        self._modules_before: frozenset[str] = frozenset()
        self.skipped: list[Api] = []

    @property
    def applied(self) -> list[tuple[Any, str, Any]]:
        """``(owner, attribute, original)`` for every wrapper in place."""
        return list(self._applied.values())

    def install(self) -> None:
        """Wrap what is importable now; watch the other modules and wrap them when imported."""
        self._modules_before = frozenset(sys.modules)
        pending: set[str] = set()
        for api in self._entries:
            if api.module.split(".")[0] in sys.modules and api.module in sys.modules:
                self._apply(api)
            else:
                pending.add(api.module)
        if pending:
            self._finder = _PostImportFinder(pending, self._module_imported)
            sys.meta_path.insert(0, self._finder)

    def _module_imported(self, name: str) -> None:
        for api in self._entries:
            if api.module == name:
                self._apply(api)

    def _apply(self, api: Api) -> None:
        found = resolve(api)
        if found is None:
            self.skipped.append(api)
            return
        owner, attr, original = found
        key = (id(owner), attr)
        if key in self._applied:
            return
        if not callable(original) or isinstance(original, (staticmethod, classmethod, property)):
            self.skipped.append(api)
            return
        wrapper = self._make(api, original)
        wrapper.__leakguard_original__ = original  # type: ignore[attr-defined]
        setattr(owner, attr, wrapper)
        self._applied[key] = (owner, attr, original)
        self._wrappers[key] = wrapper

    def restore(self) -> None:
        """Put every original back where leakguard's wrapper still is, and stop watching imports.

        Where the attribute now holds something else, the user (or another library) patched it
        while leakguard was loaded: putting the original back would silently undo their patch.
        """
        originals: dict[int, Any] = {}
        for key, (owner, attr, original) in self._applied.items():
            wrapper = self._wrappers.get(key)
            if wrapper is not None:
                originals[id(wrapper)] = original
            if _current(owner, attr) is wrapper:
                setattr(owner, attr, original)
        _unwrap_copies(originals, new_modules=[name for name in list(sys.modules) if name not in self._modules_before])
        self._applied.clear()
        self._wrappers.clear()
        if self._finder is not None and self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        self._finder = None


def _current(owner: Any, attr: str) -> Any:
    """What ``owner`` itself holds under ``attr`` (its own ``__dict__`` first: no descriptor binding)."""
    own = getattr(owner, "__dict__", None)
    if own is not None and attr in own:
        return own[attr]
    return getattr(owner, attr, None)


def _unwrap_copies(originals: dict[int, Any], new_modules: Sequence[str] = ()) -> None:
    """Modules imported while leakguard was loaded may hold a wrapper under their own name
    (``from numpy import loadtxt``, ``from ..preprocessing import label_binarize``): give them the original.
    So may the classes those modules defined meanwhile (scikit-learn's ``NearestCentroid`` takes
    ``predict_proba = DiscriminantAnalysisPredictionMixin.predict_proba`` in its body, a wrapper then).

    Only module globals and class attributes that are exactly one of leakguard's wrappers are changed;
    anything else (the user's own patches included) is left as it is.
    """
    if not originals:
        return
    for module in list(sys.modules.values()):
        names = getattr(module, "__dict__", None)
        if not isinstance(names, dict):
            continue
        try:
            for attr, value in list(names.items()):
                original = _original_of(value, originals)
                if original is not None:
                    names[attr] = original
        except Exception:  # a module with an unusual namespace: left alone, never a new error of ours
            continue
    for name in new_modules:
        defined = getattr(sys.modules.get(name), "__dict__", None)
        if not isinstance(defined, dict):
            continue
        for value in list(defined.values()):
            if isinstance(value, type) and getattr(value, "__module__", None) == name:
                _unwrap_class(value, originals)


def _unwrap_class(klass: type, originals: dict[int, Any]) -> None:
    try:
        for attr, value in list(vars(klass).items()):
            original = _original_of(value, originals)
            if original is not None:
                setattr(klass, attr, original)
            else:
                _unwrap_holder(value, originals)
    except Exception:  # an extension type that refuses attributes: left alone, never a new error of ours
        return


def _unwrap_holder(value: Any, originals: dict[int, Any]) -> None:
    """An object made around a wrapper with ``functools.update_wrapper`` (scikit-learn's ``available_if``
    descriptor): every attribute of its own that holds the wrapper gets the original, and the marker
    ``update_wrapper`` copied onto it goes."""
    own = getattr(value, "__dict__", None)
    if not isinstance(own, dict):
        return
    inner = own.get("__wrapped__")
    original = _original_of(inner, originals)
    if original is None:
        return
    for attr, held in list(own.items()):
        if held is inner:
            own[attr] = original
    own.pop("__leakguard_original__", None)


def _original_of(value: Any, originals: dict[int, Any]) -> Any:
    """The original of ``value`` when it is one of leakguard's wrappers, else None."""
    original = originals.get(id(value))
    if original is not None and getattr(value, "__leakguard_original__", None) is original:
        return original
    return None
