"""sqlite3: a guarded connection class, since sqlite3's own classes cannot be patched.

``sqlite3.connect`` (wrapped through the catalog) hands out a subclass of the connection
class asked for whose ``execute``/``executemany`` and cursors pass every query through
the guard; connections opened before ``%load_ext leakguard`` are not guarded.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from leakguard.sql.guard import Outcome, guard, withdraw_claims

if TYPE_CHECKING:
    from leakguard.kernel.session import Session

_factories: dict[type, type] = {}


def guarded_factory(base: type) -> type:
    """A subclass of the sqlite3 connection class ``base`` whose queries pass through the guard."""
    if getattr(base, "__leakguard_guarded__", False):
        return base
    made = _factories.get(base)
    if made is None:
        made = type(f"Guarded{base.__name__}", (_GuardedConnection, base), {"__leakguard_guarded__": True})
        _factories[base] = made
    return made


def _active() -> Session | None:
    from leakguard.kernel.extension import loaded

    state = loaded()
    if state is None or state.session.busy or threading.get_ident() != state.session.main_thread:
        return None
    return state.session


def _guarded_call(con: Any, sql: Any, run: Callable[[Any], Any]) -> Any:
    from leakguard.errors import LeakageError

    s = _active()
    if s is None or not isinstance(sql, str):
        return run(sql)
    s.busy = True
    notes_before = len(s.cell_notes)
    try:
        try:
            outcome: Outcome | None = guard(s, sql, con, s.where(s.cell_frame()))
        except LeakageError:
            raise
        except Exception as exc:
            s.internal_error("sqlite3 query", exc)
            outcome = None
        if outcome is not None and outcome.sql is not None:
            try:
                return run(outcome.sql)
            except sqlite3.Error:
                # the note saying it was restricted no longer holds; the query as written is sent
                # once more, so one that fails by itself gives the user exactly its own error
                withdraw_claims(s, notes_before)
                result = run(sql)
                outcome.ran_unrestricted(s)
                s.note("safe mode could not run the restricted query; it ran on all rows.")
                return result
        return run(sql)
    finally:
        s.busy = False


class _GuardedCursor(sqlite3.Cursor):
    def execute(self, sql: Any, parameters: Any = (), /) -> Any:
        return _guarded_call(self.connection, sql, lambda q: super(_GuardedCursor, self).execute(q, parameters))

    def executemany(self, sql: Any, parameters: Any, /) -> Any:
        return _guarded_call(self.connection, sql, lambda q: super(_GuardedCursor, self).executemany(q, parameters))


class _GuardedConnection(sqlite3.Connection):
    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _GuardedCursor)

    def execute(self, sql: Any, parameters: Any = (), /) -> Any:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: Any, parameters: Any, /) -> Any:
        return self.cursor().executemany(sql, parameters)
