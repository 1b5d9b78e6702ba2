"""sqlite3: a guarded connection class, since sqlite3's own classes cannot be patched.

``sqlite3.connect`` (wrapped through the catalog) hands out a subclass of
``sqlite3.Connection`` whose ``execute``/``executemany`` and cursors pass every query through
the guard. A connection class of the user's own (``factory=MyConn``) is left as it is (its
type and its methods are the user's): that one connection gets guarding attributes of its
own instead, which call the user's methods. Connections opened before ``%load_ext
leakguard`` are not guarded.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from leakguard.sql.guard import Outcome, guard, withdraw_claims
from leakguard.sql.lineage import result_node
from leakguard.tracebacks import drop_own_frames, user_facing

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


def _guarded_call(con: Any, sql: Any, run: Callable[..., Any], *rest: Any) -> Any:
    """``run(sql, *rest)`` through the guard. ``run`` is sqlite3's own method (C, no frame of ours)."""
    from leakguard.errors import LeakageError

    __tracebackhide__ = True  # a pass-through frame, never the user's (leakguard/tracebacks.py)
    try:
        s = _active()
        if s is None or not isinstance(sql, str):
            return run(sql, *rest)
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
                failed = False
                try:
                    return _fetched_from(s, outcome, run(outcome.sql, *rest))
                except sqlite3.Error:
                    failed = True
                if failed:
                    # the note saying it was restricted no longer holds; the query as written is sent
                    # once more (outside the handler, so its own error is not chained to ours): one
                    # that fails by itself gives the user exactly its own error
                    withdraw_claims(s, notes_before)
                    result = run(sql, *rest)
                    outcome.ran_unrestricted(s)
                    s.note("safe mode could not run the restricted query; it ran on all rows.")
                    return _fetched_from(s, outcome, result)
            return _fetched_from(s, outcome, run(sql, *rest))
        finally:
            s.busy = False
    except BaseException as exc:
        drop_own_frames(exc)  # the error reaches the user's code as if leakguard were not there
        raise


def _fetched_from(s: Session, outcome: Outcome | None, cursor: Any) -> Any:
    """A cursor that ran a query holds its result's rows: what is fetched from it (``fetchall()``,
    ``list(cur)``, ``pd.DataFrame.from_records(cur)``) derives from the rows the query scanned."""
    if outcome is None or not isinstance(cursor, sqlite3.Cursor):
        return cursor
    try:
        nid = result_node(s, outcome, None, "<sql result>", s.where(s.cell_frame()))
        if nid is not None:
            s.remember_result(cursor, nid)
    except Exception as exc:
        s.internal_error("sqlite3 result", exc)
    return cursor


def _remember_fetch(cursor: Any, rows: list[Any]) -> list[Any]:
    """Rows fetched from a guarded cursor are its query's rows (``while batch := cur.fetchmany(100)``)."""
    s = _active()
    if s is None or not rows:
        return rows
    try:
        nid = s.tracker.node_of(cursor)
        if nid is not None and nid in s.graph.nodes:
            s.remember_result(rows, nid)
    except Exception as exc:
        s.internal_error("sqlite3 fetch", exc)
    return rows


# Each method below is a frame between the user's call and sqlite3's: ``user_facing`` drops it (and
# whatever of ours is below) from an error passing through, so the error reads as the user's own.


class _GuardedCursor(sqlite3.Cursor):
    @user_facing
    def execute(self, sql: Any, parameters: Any = (), /) -> Any:
        __tracebackhide__ = True
        return _guarded_call(self.connection, sql, super().execute, parameters)

    @user_facing
    def executemany(self, sql: Any, parameters: Any, /) -> Any:
        __tracebackhide__ = True
        return _guarded_call(self.connection, sql, super().executemany, parameters)

    @user_facing
    def fetchall(self) -> list[Any]:
        __tracebackhide__ = True
        return _remember_fetch(self, super().fetchall())

    @user_facing
    def fetchmany(self, *args: Any, **kwargs: Any) -> list[Any]:
        __tracebackhide__ = True
        return _remember_fetch(self, super().fetchmany(*args, **kwargs))


class _GuardedConnection(sqlite3.Connection):
    @user_facing
    def cursor(self, factory: Any = None) -> Any:
        __tracebackhide__ = True
        return super().cursor(factory or _GuardedCursor)

    @user_facing
    def execute(self, sql: Any, parameters: Any = (), /) -> Any:
        __tracebackhide__ = True
        return self.cursor().execute(sql, parameters)

    @user_facing
    def executemany(self, sql: Any, parameters: Any, /) -> Any:
        __tracebackhide__ = True
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

    @user_facing
    def execute(sql: Any, *args: Any) -> Any:
        __tracebackhide__ = True
        return _guarded_call(ref(), sql, functools.partial(cls.execute, ref()), *args)

    @user_facing
    def executemany(sql: Any, *args: Any) -> Any:
        __tracebackhide__ = True
        return _guarded_call(ref(), sql, functools.partial(cls.executemany, ref()), *args)

    def cursor(factory: Any = None) -> Any:
        # the user's own cursor() decides its cursors; otherwise cursors are guarded as usual
        return cls.cursor(ref(), factory or _GuardedCursor)

    # setattr: these are meant to shadow the class's methods on this one instance
    setattr(con, "execute", execute)  # noqa: B010
    setattr(con, "executemany", executemany)  # noqa: B010
    if not user_cursor:
        setattr(con, "cursor", cursor)  # noqa: B010
