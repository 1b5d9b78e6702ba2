"""DuckDB reads the notebook's DataFrames by name, while leakguard holds none of them.

DuckDB resolves a table name it does not know (a *replacement scan*) among the locals,
then the globals, of the first Python frame outside the ``duckdb`` package that is
running when the query binds. So:

- an intercepted call: the wrapper of a DuckDB callable runs with globals named inside
  ``duckdb`` (``leakguard/kernel/handlers.py``, ``CALLER_FRAME_MODULES``), so DuckDB skips
  it and searches the code that called it, exactly as without leakguard (on any thread,
  nested in another call or not);
- a call leakguard makes itself (``%%sql``): ``call_in`` runs it through a one-line
  function whose globals are the notebook's namespace.

``caller_lookup`` finds, for the SQL guard's analysis and lineage, what a query's names
mean to the calling code. A relation DuckDB makes holds what it read, exactly as it does
without leakguard.

>>> import duckdb, pandas as pd
>>> ns = {"__name__": "__main__", "events": pd.DataFrame({"x": [1, 2, 3]})}
>>> call_in(ns, duckdb.connect().sql, "SELECT sum(x) FROM events").fetchall()
[(6,)]
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Mapping
from typing import Any

_SKIP = ("leakguard", "duckdb", "_duckdb")


def _trampoline() -> types.CodeType:
    # ``__tracebackhide__``: the frame is dropped from the traceback of the query's error (leakguard/tracebacks.py)
    source = ("def __leakguard_call__(__leakguard__):\n    __tracebackhide__ = True\n"
              "    return __leakguard__[0](*__leakguard__[1])\n")
    module = compile(source, "<leakguard>", "exec")
    return next(c for c in module.co_consts if isinstance(c, types.CodeType))


_TRAMPOLINE = _trampoline()


def call_in(namespace: dict[str, Any], fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` called from a frame whose globals are ``namespace`` (what DuckDB searches)."""
    __tracebackhide__ = True
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

