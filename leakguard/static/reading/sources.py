"""Reading what ``leakguard check`` checks: notebooks (nbformat 4.x, and 3 by conversion) and scripts.

A file becomes a list of :class:`Cell`: Python code with IPython syntax neutralised
(line magics and shell escapes become calls of ``__lg_magic__`` on the same line, so
line numbers never move), plus SQL cells (``%%sql``). Notebooks are read in document
order, or in the order they were executed when leakguard recorded it in the
notebook's metadata (see docs/check.md). Scripts are plain or percent-format (``# %%``).

Anything that makes a file unreadable raises :class:`InputError` with a message meant for people.

>>> cells = split_script("import pandas as pd\\n# %%\\ndf = pd.read_csv('a.csv')\\n")
>>> [(c.number, c.line_offset, c.code.strip().splitlines()[-1]) for c in cells]
[(1, 0, 'import pandas as pd'), (2, 1, "df = pd.read_csv('a.csv')")]
"""

from __future__ import annotations

import ast
import dataclasses
import itertools
import json
import os
import re
import stat
from pathlib import Path
from typing import Any, Literal

MAGIC_CALL = "__lg_magic__"
NOTEBOOK_SUFFIXES = (".ipynb",)
SCRIPT_SUFFIXES = (".py",)
# IPython cell magics whose body is Python code.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit"})
_PERCENT = re.compile(r"^#\s?%%(.*)$")
_ASSIGN_MAGIC = re.compile(r"^(\s*)([\w\.\[\], ]+?)\s*=\s*([%!].*)$")
_HELP = re.compile(r"^(\?{1,2}[\w.*]+|[\w.*]+\?{1,2})\s*$")
_SOURCE_KEY = re.compile(r'^\s*"source": \[', re.MULTILINE)
MAX_BYTES = 50_000_000


class InputError(Exception):
    """A file that cannot be checked at all; the message says why, for people."""


class NothingToCheck(InputError):
    """A readable file with nothing leakguard checks (no code cells, another kernel language): skipped, not an error."""


@dataclasses.dataclass(slots=True)
class Cell:
    """One cell to check: Python code (magics neutralised) or a ``%%sql`` body."""

    number: int                 # 1-based position in the file, as people count cells
    cell_id: str
    code: str
    raw: str
    execution_count: int | None = None
    line_offset: int = 0        # lines of the file before this cell (scripts)
    sql: str | None = None      # the body of a %%sql cell
    sql_args: str = ""
    file_line: int | None = None  # line of the file holding the cell's first source line (notebooks)
    label: str = dataclasses.field(init=False, default="")  # ``cell 4``: the cell as events name it

    def __post_init__(self) -> None:
        self.label = f"cell {self.number}"


@dataclasses.dataclass(slots=True)
class SourceFile:
    """A file read for checking: its cells and the non-fatal problems met while reading."""

    path: Path
    kind: Literal["notebook", "script"]
    cells: list[Cell]
    problems: list[str] = dataclasses.field(default_factory=list)
    order: Literal["document", "recorded"] = "document"


def read_source(path: Path, *, locate: bool = False) -> SourceFile:
    """The cells of ``path`` (.ipynb or .py); raises InputError when it cannot be read as either.

    ``locate`` also finds, for notebooks, the file line of each cell's first source line (for SARIF).
    """
    data = read_limited(path, MAX_BYTES)
    if b"\x00" in data[:8192]:
        raise InputError("binary file, not a notebook or a Python script")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})") from None
    if path.suffix.lower() in NOTEBOOK_SUFFIXES:
        return read_notebook_text(text, path, locate=locate)
    return SourceFile(path, "script", split_script(text))


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``); raises InputError for anything else.

    The file is opened without blocking and checked on its open descriptor before a byte is read:
    a FIFO would block forever and a device (``/dev/zero``) never ends, whatever its name.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError("no such file") from None
    except IsADirectoryError:
        raise InputError("is a directory") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError("is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise InputError("not a regular file (a FIFO, socket or device); not read")
        if info.st_size > limit:
            raise InputError(f"too large to check ({info.st_size // 1_000_000} MB; the limit is {limit // 1_000_000} MB)")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:  # a file that grows while read is still cut at the limit
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise InputError(f"too large to check (over {limit // 1_000_000} MB)")
    return b"".join(chunks)


# -- notebooks ---------------------------------------------------------------------------------


def read_notebook_text(text: str, path: Path = Path("<notebook>"), *, locate: bool = False) -> SourceFile:
    """A notebook's code cells, in document or recorded execution order."""
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise InputError("JSON nested too deeply to read") from None
    except ValueError as exc:  # an integer literal past Python's digit limit, among others
        raise InputError(f"unreadable JSON ({str(exc).split(':')[0]})") from None
    if not isinstance(nb, dict) or not ("cells" in nb or "worksheets" in nb):
        raise InputError("not a Jupyter notebook (no 'cells')")
    major = nb.get("nbformat")
    if major is not None and major not in (3, 4):
        raise InputError(f"unsupported notebook format {major} (leakguard reads nbformat 3 and 4.x)")
    if major == 3 or ("worksheets" in nb and "cells" not in nb):
        nb = _upgrade(nb)
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    language = _language(meta)
    if language is not None and language != "python":
        raise NothingToCheck(f"the notebook's kernel language is {language!r}; leakguard checks Python notebooks")
    raw_cells = nb.get("cells")
    if not isinstance(raw_cells, list):
        raise InputError("'cells' is not a list")
    cells: list[Cell] = []
    problems: list[str] = []
    starts = _source_lines(text, len(raw_cells)) if locate else None
    for i, c in enumerate(raw_cells):
        if not isinstance(c, dict) or c.get("cell_type") != "code":
            continue
        source = c.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            problems.append(f"cell {i + 1}: source is not text; skipped")
            continue
        count = c.get("execution_count")
        cid = c.get("id")
        cell = _cell(i + 1, str(cid) if isinstance(cid, str) and cid else f"cell {i + 1}", source,
                     count if isinstance(count, int) and not isinstance(count, bool) else None)
        cell.file_line = starts[i] if starts is not None else None
        cells.append(cell)
    if not cells:
        raise NothingToCheck("the notebook has no code cells to check")
    ordered, order = _recorded_order(meta, cells)
    return SourceFile(path, "notebook", ordered, problems, order)


def _source_lines(text: str, n_cells: int) -> list[int] | None:
    """For each cell, the file line of its first source line, when the JSON keeps one source line per line."""
    starts: list[int] = []
    line, pos = 1, 0
    for m in _SOURCE_KEY.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        starts.append(line + 1)
    return starts if len(starts) == n_cells else None


def _upgrade(nb: dict[str, Any]) -> dict[str, Any]:
    try:
        import nbformat

        converted: dict[str, Any] = nbformat.convert(nbformat.from_dict(nb), 4)
    except Exception as exc:
        raise InputError(f"cannot convert this nbformat 3 notebook: {exc}") from None
    return converted


def _language(meta: dict[str, Any]) -> str | None:
    for key in ("kernelspec", "language_info"):
        block = meta.get(key)
        if isinstance(block, dict):
            lang = block.get("language") if key == "kernelspec" else block.get("name")
            if isinstance(lang, str) and lang:
                return lang.lower()
    return None


def _recorded_order(meta: dict[str, Any], cells: list[Cell]) -> tuple[list[Cell], Literal["document", "recorded"]]:
    """Cells in the order they ran, when leakguard recorded it in the metadata.

    The JupyterLab sidebar saves ``metadata.leakguard.order`` as ``[[cell_id, execution_count], ...]``;
    ``metadata.leakguard.execution`` with ``{"cell_id": ..., "execution_count": ...}`` items or plain
    ids is read too. A cell that ran twice is checked twice, as the kernel saw it.
    """
    lg = meta.get("leakguard")
    record = None
    if isinstance(lg, dict):
        record = lg.get("order") if isinstance(lg.get("order"), list) else lg.get("execution")
    if not isinstance(record, list) or not record:
        return cells, "document"
    by_id = {c.cell_id: c for c in cells}
    ordered: list[Cell] = []
    for entry in record:
        count: object = None
        if isinstance(entry, dict):
            cid, count = entry.get("cell_id", entry.get("cell")), entry.get("execution_count")
        elif isinstance(entry, (list, tuple)) and entry:
            cid, count = entry[0], entry[1] if len(entry) > 1 else None
        else:
            cid = entry
        cell = by_id.get(cid) if isinstance(cid, str) else None
        if cell is None:
            continue
        ordered.append(dataclasses.replace(cell, execution_count=count) if isinstance(count, int) else cell)
    return (ordered, "recorded") if ordered else (cells, "document")


# -- scripts -----------------------------------------------------------------------------------


def split_script(text: str) -> list[Cell]:
    """A script as cells: one per ``# %%`` block (percent format), or one cell for a plain script."""
    lines = text.splitlines(keepends=True)
    marks = [i for i, line in enumerate(lines) if _PERCENT.match(line)]
    if not marks:
        return [_cell(1, "cell 1", text)]
    cells: list[Cell] = []
    bounds = ([0] if marks[0] > 0 else []) + marks + [len(lines)]
    for number, (start, end) in enumerate(itertools.pairwise(bounds), start=1):
        head = _PERCENT.match(lines[start]) if start in marks else None
        if head is not None and "[markdown]" in head.group(1):
            continue
        # the marker line itself stays as a comment so line numbers hold
        body = "".join(lines[start:end])
        cells.append(_cell(number, f"cell {number}", body, line_offset=start))
    return [dataclasses.replace(c, number=i) for i, c in enumerate(cells, start=1)]


# -- IPython syntax --------------------------------------------------------------------------------


def _cell(number: int, cell_id: str, source: str, count: int | None = None, line_offset: int = 0) -> Cell:
    code, sql, sql_args = neutralise(source)
    return Cell(number, cell_id, code, source, count, line_offset, sql, sql_args)


def neutralise(source: str) -> tuple[str, str | None, str]:
    """``(python code, sql body or None, sql magic args)`` for a cell's source; line numbers are kept."""
    if "%" not in source and "!" not in source and "?" not in source:
        return source, None, ""  # plain Python: nothing to neutralise
    lines = source.split("\n")
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        head = lines[first].strip()[2:]
        name, _, args = head.partition(" ")
        body = lines[first + 1:]
        blank = [""] * (first + 1)
        if name == "sql":
            return "", "\n".join(body), args.strip()
        if name in _PYTHON_CELL_MAGICS:
            return "\n".join(blank + _lines(body)), None, ""
        return "", None, ""  # %%bash, %%html, %%writefile...: not Python
    if _parses(source):
        return source, None, ""  # Python as it stands: a ``%`` or ``!`` in it is an operator or text, never a magic
    return "\n".join(_lines(lines)), None, ""


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def _lines(lines: list[str]) -> list[str]:
    """Each line neutralised, except those continuing a statement or inside a triple-quoted string.

    IPython reads ``%``, ``!`` and ``?`` as its syntax only where a logical line starts; a line
    beginning with ``% (a, b)`` inside brackets is a string format, one inside ``\"\"\"...\"\"\"`` is text.
    """
    out: list[str] = []
    state = _Scan()
    for ln in lines:
        if state.continues():
            out.append(ln)
            state.feed(ln)
            continue
        made = _line(ln)
        out.append(made)
        if made is ln:  # Python (not a magic): its brackets and strings carry on to the next lines
            state.feed(ln)
    return out


class _Scan:
    """Just enough of Python's tokenizer to know whether a line continues the one before it."""

    __slots__ = ("backslash", "depth", "quote")

    def __init__(self) -> None:
        self.depth = 0
        self.quote = ""          # the open triple quote, or ""
        self.backslash = False

    def continues(self) -> bool:
        return self.depth > 0 or bool(self.quote) or self.backslash

    def feed(self, line: str) -> None:
        i, n = 0, len(line)
        self.backslash = False
        while i < n:
            if self.quote:
                end = line.find(self.quote, i)
                while end > 0 and _escaped(line, end):
                    end = line.find(self.quote, end + 1)
                if end < 0:
                    return
                i, self.quote = end + 3, ""
                continue
            ch = line[i]
            if ch == "#":
                return
            if ch in "\"'":
                if line.startswith(ch * 3, i):
                    self.quote, i = ch * 3, i + 3
                    continue
                i = _string_end(line, i + 1, ch)
                continue
            if ch in "([{":
                self.depth += 1
            elif ch in ")]}":
                self.depth = max(0, self.depth - 1)
            elif ch == "\\" and i == n - 1:
                self.backslash = True
            i += 1


def _escaped(line: str, pos: int) -> bool:
    slashes = 0
    while pos - slashes - 1 >= 0 and line[pos - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 1


def _string_end(line: str, i: int, quote: str) -> int:
    """The position after a one-line string opened before ``i`` (the line's end when it is not closed)."""
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == quote:
            return i + 1
        i += 1
    return len(line)


def _line(line: str) -> str:
    stripped = line.lstrip()
    if not stripped:
        return line
    indent = line[: len(line) - len(stripped)]
    if stripped[0] in "%!":
        return f"{indent}{MAGIC_CALL}({stripped.rstrip()!r})"
    if _HELP.match(stripped):
        return f"{indent}pass"  # obj? / ??obj: help
    m = _ASSIGN_MAGIC.match(line)
    if m is not None:
        return f"{m.group(1)}{m.group(2)} = {MAGIC_CALL}({m.group(3).rstrip()!r})"
    return line
