"""Errors read as the user's own: leakguard takes its frames out of the tracebacks it passes on.

A wrapper stands between the user's code and the library call it wraps, so without care
every error of a wrapped call would show a leakguard frame per wrapper crossed (more when
wrapped calls nest, and through the sqlite3 guard and ``%%sql``). Two layers keep them out:

- every pass-through function sets ``__tracebackhide__ = True``, which IPython (and pytest)
  honour when formatting, should a frame of ours ever remain;
- when an exception leaves such a function, ``drop_own_frames`` unlinks leakguard's frames
  from its traceback and the function re-raises it with a bare ``raise``. A bare re-raise
  adds no traceback entry for the frame doing it, so the exception reaches the caller
  carrying exactly the frames it would carry without leakguard: IPython, ``traceback``,
  ``%debug`` and logging all see the user's traceback, with nothing to filter.

Which frames go: for an error the user's code or a library raised, only leakguard's
pass-through frames (those that declare ``__tracebackhide__``); for a ``LeakguardError``
leakguard raised on purpose (``PolicyError`` from ``leakguard.policy()``...), every frame
of leakguard's, so it points at the user's line that made the call.
"""

from __future__ import annotations

import functools
import itertools
import os
import types
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from leakguard.errors import LeakguardError

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
# Code leakguard compiles from text (the ``%%sql`` trampoline in ``leakguard/sql/duckframes.py``).
GENERATED_FILENAME = "<leakguard>"
HIDE = "__tracebackhide__"

P = ParamSpec("P")
R = TypeVar("R")


def _ours(code: types.CodeType) -> bool:
    name = code.co_filename
    return name == GENERATED_FILENAME or name.startswith(_PACKAGE_DIR)


def _dropped(code: types.CodeType, everything: bool) -> bool:
    return _ours(code) and (everything or HIDE in code.co_varnames)


def drop_own_frames(exc: BaseException) -> None:
    """Unlink leakguard's frames from ``exc``'s traceback, in place (re-raise it with a bare ``raise``)."""
    try:
        everything = isinstance(exc, LeakguardError)
        entries: list[types.TracebackType] = []
        tb = exc.__traceback__
        dropped = False
        while tb is not None:
            if _dropped(tb.tb_frame.f_code, everything):
                dropped = True
            else:
                entries.append(tb)
            tb = tb.tb_next
        if not dropped:
            return
        for entry, following in itertools.pairwise(entries):
            entry.tb_next = following
        if entries:
            entries[-1].tb_next = None
        exc.__traceback__ = entries[0] if entries else None
    except Exception:  # a traceback leakguard cannot tidy stays as it was: never a new error of ours
        pass


def user_facing(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` (a public API function) raising its errors as if from the user's call, without leakguard's frames."""

    @functools.wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        __tracebackhide__ = True
        try:
            return fn(*args, **kwargs)
        except BaseException as exc:
            drop_own_frames(exc)
            raise

    return call
