"""sqlite3: a guarded connection class, since sqlite3's own classes cannot be patched.

``sqlite3.connect`` (wrapped through the catalog) hands out a subclass of
``sqlite3.Connection`` whose ``execute``/``executemany`` and cursors pass every query through
the guard. A connection class of the user's own (``factory=MyConn``) is left as it is (its
type and its methods are the user's): that one connection gets guarding attributes of its
own instead, which call the user's methods. Connections opened before ``%load_ext
leakguard`` are not guarded.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from leakguard.sql.guard import Outcome, guard

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
                s.note("safe mode could not run the restricted query; it ran on all rows.")
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


def guard_instance(con: Any) -> None:
    """Guard one connection of a user's class in place: its type and methods stay the user's.

    Instance attributes shadow the class's methods, so ``con.execute`` passes the query through
    the guard and then calls the user's own ``execute``. A class without ``__dict__`` (slots)
    cannot take them; its connection stays unguarded, as one opened before loading.
    """
    if not isinstance(con, sqlite3.Connection) or not hasattr(con, "__dict__"):
        return
    ref = weakref.ref(con)  # the attributes live on the connection: no cycle keeping it open
    cls: Any = type(con)
    user_cursor = cls.cursor is not sqlite3.Connection.cursor

    def execute(sql: Any, *args: Any) -> Any:
        target = ref()
        return _guarded_call(target, sql, lambda q: cls.execute(target, q, *args))

    def executemany(sql: Any, *args: Any) -> Any:
        target = ref()
        return _guarded_call(target, sql, lambda q: cls.executemany(target, q, *args))

    def cursor(factory: Any = None) -> Any:
        # the user's own cursor() decides its cursors; otherwise cursors are guarded as usual
        return cls.cursor(ref(), factory or _GuardedCursor)

    # setattr: these are meant to shadow the class's methods on this one instance
    setattr(con, "execute", execute)  # noqa: B010
    setattr(con, "executemany", executemany)  # noqa: B010
    if not user_cursor:
        setattr(con, "cursor", cursor)  # noqa: B010
