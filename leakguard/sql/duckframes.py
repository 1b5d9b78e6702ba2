"""DuckDB reads the notebook's DataFrames by name, while leakguard holds none of them.

DuckDB resolves a table name it does not know (a *replacement scan*) among the locals,
then the globals, of the first Python frame outside the ``duckdb`` package that is
running when the query binds. While leakguard is loaded that frame is leakguard's
wrapper, which neither sees nor should keep the user's variables. So, for the length of
one call only:

- an intercepted call: ``show`` puts the objects the SQL names, as the calling code sees
  them, among the wrapper frame's locals (``frame.f_locals``: extra keys live on that
  frame and die with it when the call returns). A name the wrapper uses for a variable of
  its own is taken instead under a private name the SQL is rewritten to use
  (``FROM result`` → ``FROM "__leakguard_result" AS result``);
- a call leakguard makes itself (``%%sql``): ``call_in`` runs it through a one-line
  function whose globals are the notebook's namespace.

A relation DuckDB makes holds what it read, exactly as it does without leakguard. When
the call fails, its traceback keeps the wrapper frame; ``forget`` drops the shown
objects from it after the cell.

>>> import duckdb, pandas as pd
>>> ns = {"__name__": "__main__", "events": pd.DataFrame({"x": [1, 2, 3]})}
>>> call_in(ns, duckdb.connect().sql, "SELECT sum(x) FROM events").fetchall()
[(6,)]
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Callable, Iterator, Mapping
from typing import Any

_MARK = "__leakguard_shown__"
_PRIVATE = "__leakguard_"
_WORD = re.compile(r"[^\W\d]\w*")
_SKIP = ("leakguard", "duckdb", "_duckdb")


def _trampoline() -> types.CodeType:
    source = "def __leakguard_call__(__leakguard__):\n    return __leakguard__[0](*__leakguard__[1])\n"
    module = compile(source, "<leakguard>", "exec")
    return next(c for c in module.co_consts if isinstance(c, types.CodeType))


_TRAMPOLINE = _trampoline()


def call_in(namespace: dict[str, Any], fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` called from a frame whose globals are ``namespace`` (what DuckDB searches)."""
    return types.FunctionType(_TRAMPOLINE, namespace)((fn, args))


def original(fn: Any) -> Any:
    """The callable leakguard wrapped, or ``fn`` itself when it is not wrapped."""
    return getattr(fn, "__leakguard_original__", fn)


def caller_lookup(user_ns: Mapping[str, Any]) -> Callable[[str], Any]:
    """Names as the code calling into leakguard sees them: its locals, its globals, then the notebook's namespace."""
    frame: types.FrameType | None = sys._getframe()
    while frame is not None and _ours(str(frame.f_globals.get("__name__", ""))):
        frame = frame.f_back
    spaces = (user_ns,) if frame is None else (frame.f_locals, frame.f_globals, user_ns)
    del frame

    def lookup(name: str) -> Any:
        for space in spaces:
            if name in space:
                return space[name]
        return None

    return lookup


def _ours(module: str) -> bool:
    """leakguard's or DuckDB's own code (DuckDB skips its own frames the same way)."""
    return any(module == p or module.startswith(p + ".") for p in _SKIP)


def words(sql: str) -> set[str]:
    """Every word of ``sql`` that could be a Python variable's name (a superset of the tables it names)."""
    return set(_WORD.findall(sql))


def private_name(name: str) -> str:
    return f"{_PRIVATE}{name}"


def show(frame: types.FrameType, sql: str, lookup: Callable[[str], Any]) -> set[str]:
    """Put what ``sql``'s words name (per ``lookup``) among ``frame``'s locals; the names ``frame`` uses itself.

    The caller renames those tables in the SQL (``private_name``) and shows them again.
    """
    code = frame.f_code
    own = {*code.co_varnames, *code.co_cellvars, *code.co_freevars}
    found = {w: v for w in words(sql) if (v := lookup(w)) is not None}
    taken = {w for w in found if w in own}
    shown = {w: v for w, v in found.items() if w not in own}
    if shown:
        add(frame, shown)
    return taken


def add(frame: types.FrameType, objects: Mapping[str, Any]) -> None:
    """Add ``objects`` to ``frame``'s locals (marked, so ``forget`` can find them)."""
    space = frame.f_locals
    space.update(objects)
    space[_MARK] = (*space.get(_MARK, ()), *objects)


def forget(exc: BaseException | None) -> None:
    """Drop what ``show`` added from the frames a failed call's traceback keeps."""
    for frame in _traceback_frames(exc):
        space = frame.f_locals
        for name in space.pop(_MARK, ()):
            space.pop(name, None)


def _traceback_frames(exc: BaseException | None) -> Iterator[types.FrameType]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        tb = exc.__traceback__
        while tb is not None:
            yield tb.tb_frame
            tb = tb.tb_next
        exc = exc.__cause__ or exc.__context__
