"""``%%sql``: run a cell of SQL on in-process DuckDB (or a connection held in a variable), guarded.

    %%sql [CONNECTION] [-o NAME] [--dialect DIALECT] [--show-sql]

Without CONNECTION, the cell runs on an in-memory DuckDB that lives as long as the
session and can read DataFrames of the notebook by name. CONNECTION names a variable
holding a DuckDB, sqlite3 or other DB-API connection, a SQLAlchemy engine or connection,
or a SparkSession. ``-o NAME`` stores the result as a DataFrame (it enters the lineage
with the rows the query read); otherwise the result is shown. ``--show-sql`` prints the
query that ran when safe mode rewrote it.
"""

from __future__ import annotations

import builtins
import keyword
import shlex
from typing import Any

from IPython.core.magic import Magics, cell_magic, magics_class

from leakguard.errors import LeakageError
from leakguard.kernel.session import Session
from leakguard.lineage.events import Where
from leakguard.sql import duckframes
from leakguard.sql.connections import engine_of
from leakguard.sql.guard import Outcome, guard, withdraw_claims
from leakguard.sql.lineage import result_node
from leakguard.sql.state import state_of
from leakguard.tracebacks import drop_own_frames

USAGE = "usage: %%sql [CONNECTION] [-o NAME] [--dialect DIALECT] [--show-sql]"


class SqlUsageError(ValueError):
    """The magic's arguments are wrong."""


def parse_line(line: str) -> dict[str, Any]:
    """``duck -o out --dialect postgres`` → ``{"connection": "duck", "out": "out", ...}``."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise SqlUsageError(f"{exc}; {USAGE}") from None
    opts: dict[str, Any] = {"connection": None, "out": None, "dialect": None, "show_sql": False}
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("-o", "--out", "--dialect"):
            if i + 1 >= len(words):
                raise SqlUsageError(f"{word} needs a value; {USAGE}")
            value = words[i + 1]
            if word != "--dialect":
                _check_out_name(value)
            opts["dialect" if word == "--dialect" else "out"] = value
            i += 2
        elif word == "--show-sql":
            opts["show_sql"] = True
            i += 1
        elif word.startswith("-") or opts["connection"] is not None:
            raise SqlUsageError(f"unexpected {word!r}; {USAGE}")
        else:
            opts["connection"] = word
            i += 1
    return opts


def _check_out_name(name: str) -> None:
    """Refuse an ``-o`` name that is not a plain variable name.

    ``-o __builtins__`` (or ``print``) would replace what the session's every cell relies on:
    dunder names, keywords and the names of builtins are refused before anything runs.
    """
    if not name.isidentifier() or keyword.iskeyword(name):
        raise SqlUsageError(f"-o needs a variable name, got {name!r}")
    if name.startswith("__") and name.endswith("__"):
        raise SqlUsageError(f"-o {name!r}: dunder names belong to Python; choose a plain variable name")
    if name in vars(builtins):
        raise SqlUsageError(f"-o {name!r} would hide the builtin {name}(); choose another name")


def _duckdb(s: Session) -> Any:
    state = state_of(s)
    if state.duck is None:
        import duckdb

        state.duck = duckdb.connect()
    return state.duck


def execute(con: Any, sql: str, namespace: dict[str, Any], statements: int) -> Any:
    """Run ``sql`` on ``con``; the last statement's rows as a DataFrame (None when it returns none).

    DuckDB reads DataFrames of ``namespace`` by name: the query is sent from a frame whose
    globals are that namespace (leakguard's own wrapper, which would stand in between, is skipped).
    """
    import pandas as pd

    __tracebackhide__ = True  # the database's error is the user's; this frame is not (leakguard/tracebacks.py)
    engine = engine_of(con)
    if engine == "duckdb":
        rel = duckframes.call_in(namespace, duckframes.original(type(con).sql), con, sql)
        return rel.df() if rel is not None else None
    if engine == "spark":
        return con.sql(sql).toPandas()
    if engine == "sqlalchemy":
        if hasattr(con, "begin") and not hasattr(con, "exec_driver_sql"):  # an Engine
            with con.begin() as conn:
                return _alchemy_rows(conn.exec_driver_sql(sql), pd)
        return _alchemy_rows(con.exec_driver_sql(sql), pd)
    cur = con.cursor()
    try:
        if statements > 1 and hasattr(cur, "executescript"):
            cur.executescript(sql)
            return None
        cur.execute(sql)
        if cur.description is None:
            return None
        return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])
    finally:
        cur.close()


def _alchemy_rows(result: Any, pd: Any) -> Any:
    if not result.returns_rows:
        return None
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def run_cell(s: Session, line: str, cell: str) -> Any:
    """The body of ``%%sql``: parse the arguments, guard the query, run it, record the result."""
    __tracebackhide__ = True
    try:
        opts = parse_line(line)
        if opts["out"] in getattr(s.shell, "user_ns_hidden", {}):  # In, Out, _oh, exit...: IPython's own
            raise SqlUsageError(f"-o {opts['out']!r} is a name IPython keeps for itself; choose another name")
    except SqlUsageError as exc:
        print(f"leakguard %%sql: {exc}")
        return None
    if opts["connection"] is None:
        con = _duckdb(s)
    elif opts["connection"] in s.user_ns:
        con = s.user_ns[opts["connection"]]
    else:
        print(f"leakguard %%sql: no variable {opts['connection']!r} holds a connection; {USAGE}")
        return None
    where = Where(s.cell_id, s.execution_count, 1)
    outcome: Outcome | None = None
    notes_before = len(s.cell_notes)
    was_busy, s.busy = s.busy, True
    try:
        try:
            frames = s.user_ns.get if engine_of(con) == "duckdb" else None
            outcome = guard(s, cell, con, where, dialect=opts["dialect"], frames=frames)
        except LeakageError:
            raise
        except Exception as exc:
            s.internal_error("%%sql", exc)
        sql = outcome.sql if outcome is not None and outcome.sql is not None else cell
        if outcome is not None and outcome.sql is not None and opts["show_sql"]:
            print(outcome.sql)
        n = len(outcome.analysis.statements) if outcome is not None else 1
        restricted_failed = False
        try:
            result = execute(con, sql, s.user_ns, n)
        except Exception:
            if sql == cell:
                raise
            restricted_failed = True
        if restricted_failed:  # outside the handler: an error of the user's query is not chained to ours
            withdraw_claims(s, notes_before)  # a query failing by itself raises its own error here
            result = execute(con, cell, s.user_ns, n)
            if outcome is not None:
                outcome.ran_unrestricted(s)
            s.note("safe mode could not run the restricted query; it ran on all rows.")
        if result is not None and outcome is not None:
            try:
                result_node(s, outcome, result, opts["out"] or "<%%sql result>", where)
            except Exception as exc:
                s.internal_error("%%sql result lineage", exc)
    finally:
        s.busy = was_busy
    if opts["out"]:
        s.user_ns[opts["out"]] = result
        return None
    return result


@magics_class
class SqlMagics(Magics):
    """``%%sql``."""

    def __init__(self, shell: Any, session: Session) -> None:
        super().__init__(shell)
        self.session = session

    @cell_magic
    def sql(self, line: str, cell: str) -> Any:
        """Run SQL on DuckDB (or a connection in a variable) with leakguard's SQL guard."""
        __tracebackhide__ = True
        try:
            return run_cell(self.session, line, cell)
        except BaseException as exc:
            drop_own_frames(exc)  # the database's error shows from the user's cell, as their own
            raise


def install(shell: Any, session: Session) -> Any:
    """Register ``%%sql``; returns what ``uninstall`` needs: the ``%%sql`` it displaced (another extension's), if any."""
    previous = shell.magics_manager.magics["cell"].get("sql")
    shell.register_magics(SqlMagics(shell, session))
    return previous


def uninstall(shell: Any, previous: Any) -> None:
    """Remove leakguard's ``%%sql``, restoring a ``%%sql`` another extension had registered.

    A ``%%sql`` registered while leakguard was loaded (by the user or another extension) is theirs: it stays.
    """
    cells = shell.magics_manager.magics["cell"]
    if not isinstance(getattr(cells.get("sql"), "__self__", None), SqlMagics):
        return
    cells.pop("sql", None)
    if previous is not None:
        cells["sql"] = previous
