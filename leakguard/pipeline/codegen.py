"""The text of an exported module: header, imports, path constants, the four steps, ``run`` and ``main``.

The notebook's statements are kept as written (with their comments), with literal inputs
replaced by parameters; the scaffolding around them is laid out as ``ruff format`` lays it
out. Each block of statements starts with a comment naming its cell.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import re
import tokenize

from leakguard.pipeline.imports import import_block
from leakguard.pipeline.params import Param, Params, render
from leakguard.pipeline.phases import RESERVED, STEPS, Layout, Step
from leakguard.pipeline.slicing import Plan
from leakguard.pipeline.statements import Stmt

LINE = 88
INDENT = "    "
VERBATIM = "\x00"  # marks a line inside a multi-line string: it must not be re-indented
_DOCS = {
    "load": "The data the notebook reads, checked against the lock file unless check=False.",
    "features": "The notebook's preparation of the data, up to what training needs.",
    "train": "The model(s) the notebook trains.",
    "evaluate": "The notebook's evaluation of its model: the metrics, by name.",
}
_EMPTY = {
    "load": "The notebook reads no file: nothing to load.",
    "features": "The notebook has no preparation step.",
    "train": "The notebook trains no model.",
    "evaluate": "The notebook does not evaluate its model.",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Header:
    """What the module's docstring says about where it comes from."""

    pipeline: str
    version: int
    notebook: str          # the notebook's path relative to the module's folder
    notebook_sha256: str
    leakguard: str
    run_hint: str          # ``python -m pipelines.churn.v1``
    kept_cells: str


def generate(p: Plan, lay: Layout, params: Params, *, source_dir: str, header: Header | None) -> str:
    """The module's source. Without ``header`` (for the export key) it omits the docstring and cell comments."""
    parts: list[str] = []
    if header is not None:
        parts.append(_docstring(header))
    parts.append(_imports(lay, params))
    constants = _constants(params, source_dir)
    if constants:
        parts.append(constants)
    pointers = header is not None
    origin = f"pipeline {p.notebook.path.stem}"
    defs = [_step(p, lay.steps[name], params, pointers, origin) for name in STEPS]
    text = "\n\n".join(parts) + "\n\n\n" + "\n\n\n".join([*defs, _run(p, lay, params), _main()])
    ast.parse(text)  # what export writes always parses (a failure here is leakguard's bug)
    return text


def generate_loader(p: Plan, lay: Layout, params: Params, *, source_dir: str) -> str:
    """Just the imports ``load`` needs, the path constants and ``load``: what export runs to profile the inputs."""
    needed = {n for s in lay.steps["load"].stmts for n in s.uses | s.late_uses}
    parts = [_imports(lay, params, needed), _constants(params, source_dir)]
    step = _step(p, lay.steps["load"], params, False, "")
    return "\n\n".join(x for x in parts if x) + "\n\n\n" + step + "\n"


def _docstring(h: Header) -> str:
    return (f'"""Pipeline {h.pipeline}, version {h.version}: exported by leakguard {h.leakguard}.\n\n'
            f"Source notebook: {h.notebook}\n"
            f"Notebook sha256: {h.notebook_sha256}\n"
            f"Cells kept (numbered as in the notebook): {h.kept_cells}\n"
            f"Lock file: v{h.version}.lock.json (input hashes, policy, schema checked by load())\n\n"
            f"Run: {h.run_hint}\n"
            '"""')


def _imports(lay: Layout, params: Params, needed: set[str] | None = None) -> str:
    texts = ["from typing import Any", "from leakguard.pipeline import runtime as lg_runtime"]
    if any(x.role in ("input", "output") and _relative(str(x.value)) for x in params.params):
        texts.append("from pathlib import Path")
    for s in lay.imports:
        if s.node is not None and (needed is None or s.defs & needed):
            texts.append(ast.unparse(s.node))
    return import_block(texts)


def _relative(path: str) -> bool:
    return not (path.startswith(("/", "\\", "~")) or "://" in path or re.match(r"^[A-Za-z]:[\\/]", path))


def _constants(params: Params, source_dir: str) -> str:
    lines: list[str] = []
    paths = [x for x in params.params if x.role in ("input", "output")]
    if any(_relative(str(x.value)) for x in paths):
        inner = f"Path(__file__).resolve().parent / {render(source_dir)}"
        lines.append(_wrapped("SOURCE_DIR = (", inner, ").resolve()"))
    for x in paths:
        if _relative(str(x.value)):
            lines.append(_wrapped(f"{x.default} = str(", f"SOURCE_DIR / {x.literal}", ")"))
        else:
            lines.append(f"{x.default} = {x.literal}")
    return "\n".join(lines)


def _wrapped(head: str, inner: str, tail: str) -> str:
    """``head inner tail`` on one line when it fits, else split inside the brackets as ruff formats it."""
    one = head + inner + tail
    return one if len(one) <= LINE else f"{head}\n{INDENT}{inner}\n{tail}"


# -- steps ---------------------------------------------------------------------------------------


def _signature(name: str, positional: list[str], keywords: list[tuple[str, str, str]], returns: str) -> str:
    """``def name(...) -> returns:``, exploded one parameter a line (with a trailing comma) when it has any."""
    if not positional and not keywords:
        return f"def {name}() -> {returns}:"
    items = [f"{p}: Any" for p in positional]
    if keywords:
        items.append("*")
        items.extend(f"{k}: {ann} = {default}" for k, ann, default in keywords)
    return f"def {name}(\n" + "".join(f"{INDENT}{item},\n" for item in items) + f") -> {returns}:"


def _keywords(xs: list[Param]) -> list[tuple[str, str, str]]:
    return [(x.name, x.annotation, x.default) for x in xs]


def _step(p: Plan, step: Step, params: Params, pointers: bool, origin: str) -> str:
    mine = params.by_step(step.name)
    keywords = _keywords(mine)
    if step.name == "load" and step.stmts:
        keywords.append(("check", "bool", "True"))
    returns = "dict[str, Any]" if step.name == "evaluate" else "Any"
    head = _signature(step.name, step.takes, keywords, returns)
    if not step.stmts:
        body = [f'"""{_EMPTY[step.name]}"""', "return {}" if step.name == "evaluate" else "return None"]
        return head + "\n" + "\n".join(INDENT + line for line in body)
    lines = [f'"""{_DOCS[step.name]}"""']
    if step.name in params.policy_steps:
        lines.extend(_policy(params, origin))
    lines.extend(_blocks(p, step.stmts, params, pointers))
    if step.name == "load":
        lines.extend(_check(step, mine))
    lines.extend(_return(p, step))
    return head + "\n" + "\n".join(_indent(line) for line in lines)


def _indent(line: str) -> str:
    """A body line indented one level; a line inside a multi-line string (marked ``VERBATIM``) stays as is."""
    if line.startswith(VERBATIM):
        return line[len(VERBATIM):]
    return INDENT + line if line else ""


def _policy(params: Params, origin: str) -> list[str]:
    lines = [f"{params.policy_name} = lg_runtime.policy(", f"{INDENT}{{"]
    lines.extend(f"{INDENT * 2}{render(key)}: {value}," for key, value in params.policy.items())
    lines.extend([f"{INDENT}}},", f"{INDENT}origin={render(origin)},", ")"])
    return lines


def _check(step: Step, mine: list[Param]) -> list[str]:
    files = ", ".join(f"{render(x.name)}: {x.name}" for x in mine if x.role == "input")
    frames = ", ".join(f"{render(n)}: {n}" for n in step.gives)
    return ["if check:", f"{INDENT}lg_runtime.check_inputs(", f"{INDENT * 2}__file__,",
            f"{INDENT * 2}files={{{files}}},", f"{INDENT * 2}frames={{{frames}}},", f"{INDENT})"]


def _return(p: Plan, step: Step) -> list[str]:
    if step.name == "evaluate":
        items = [f"{render(n)}: {n}" for n in step.gives]
        return _fit("return {" + ", ".join(items) + "}", "return {", items, "}")
    if not step.gives:
        return ["return None"]
    return _fit("return " + ", ".join(step.gives), "return (", step.gives, ")")


def _fit(one_line: str, head: str, items: list[str], tail: str) -> list[str]:
    """``one_line`` when it fits in ``LINE`` columns (inside a function), else ``head``, one item a line, ``tail``."""
    if len(INDENT) + len(one_line) <= LINE:
        return [one_line]
    return [head] + [f"{INDENT}{item}," for item in items] + [tail]


def _blocks(p: Plan, stmts: list[Stmt], params: Params, pointers: bool) -> list[str]:
    lines: list[str] = []
    cell = None
    for s in stmts:
        compound = isinstance(s.node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        if s.cell is not cell:
            if lines and lines[-1] != "":
                lines.append("")
            if pointers:
                lines.append(f"# {s.cell.pointer}")
            cell = s.cell
        elif compound and lines and lines[-1] != "":
            lines.append("")
        lines.extend(statement_text(s, params.edits.get(s.index, []), p.metric_of.get(s.index)).split("\n"))
        if compound:
            lines.append("")
    while lines and lines[-1] == "":
        lines.pop()
    return lines


# -- statements --------------------------------------------------------------------------------


def _offsets(code: str) -> list[int]:
    starts = [0]
    for line in code.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    return starts


def _pos(code_lines: list[str], starts: list[int], line: int, byte_col: int) -> int:
    text = code_lines[line - 1]
    return starts[line - 1] + len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def statement_text(s: Stmt, edits: list[tuple[ast.AST, str]], metric: str | None) -> str:
    """The statement's source with edits applied, comments above and after it kept, dedented to column 0."""
    node = s.node
    assert node is not None
    code = s.cell.code
    code_lines = code.split("\n")
    starts = _offsets(code)
    main: ast.AST = node
    if metric is not None and isinstance(node, ast.Expr):
        value = node.value
        is_print = (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                    and value.func.id in ("print", "display") and value.args)
        main = value.args[0] if is_print and isinstance(value, ast.Call) else value
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    begin = (_pos(code_lines, starts, first, 0) if first < node.lineno
             else _pos(code_lines, starts, main.lineno, main.col_offset))  # type: ignore[attr-defined]
    if first < node.lineno:
        begin += len(code_lines[first - 1]) - len(code_lines[first - 1].lstrip())
    end = _pos(code_lines, starts, main.end_lineno, main.end_col_offset)  # type: ignore[attr-defined]
    changes: list[tuple[int, int, str]] = []
    for target, text in edits:
        if not _within(target, main):
            continue
        if isinstance(target, ast.Call):  # insert a keyword argument before the closing parenthesis
            close = _pos(code_lines, starts, target.end_lineno or target.lineno, (target.end_col_offset or 1) - 1)
            before = code[begin:close].rstrip()
            sep = "" if before.endswith(("(", ",")) else ", "
            sep = " " if before.endswith(",") else sep
            changes.append((close, close, sep + text))
            continue
        a = _pos(code_lines, starts, target.lineno, target.col_offset)  # type: ignore[attr-defined]
        b = _pos(code_lines, starts, target.end_lineno, target.end_col_offset)  # type: ignore[attr-defined]
        changes.append((a, b, text))
    body = code[begin:end]
    for a, b, text in sorted(changes, reverse=True):
        body = body[: a - begin] + text + body[b - begin:]
    if metric is not None:
        body = f"{metric} = {body}"
    tail = _trailing_comment(code_lines[(node.end_lineno or node.lineno) - 1],
                             end - starts[(node.end_lineno or node.lineno) - 1])
    start_line = code.count("\n", 0, begin) + 1
    docs = set() if any("\n" in code[a:b] for a, b, _ in changes) else {
        line - start_line + 1 for d in _docstrings(main) for line in range(d.lineno + 1, (d.end_lineno or 0) + 1)}
    lines = _above(code_lines, first) + _tidy(body + tail, docs)
    return "\n".join(lines)


def _docstrings(node: ast.AST) -> list[ast.expr]:
    """Docstrings of the functions and classes in ``node`` (re-indenting them changes nothing that matters)."""
    found: list[ast.expr] = []
    for n in ast.walk(node):
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.body:
            first = n.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
                    first.value.value, str):
                found.append(first.value)
    return found


def _within(inner: ast.AST, outer: ast.AST) -> bool:
    return any(n is inner for n in ast.walk(outer))


def _trailing_comment(line: str, col: int) -> str:
    rest = line[col:].strip()
    if rest.startswith(";"):
        rest = rest[1:].strip()
    return f"  {rest}" if rest.startswith("#") else ""


def _above(code_lines: list[str], first: int) -> list[str]:
    """The comment lines directly above a statement (not cell markers)."""
    found: list[str] = []
    i = first - 2
    while i >= 0 and code_lines[i].strip().startswith("#") and not re.match(r"^#\s?%%", code_lines[i].strip()):
        found.append(code_lines[i].strip())
        i -= 1
    return found[::-1]


def _tidy(text: str, docstring_lines: set[int]) -> list[str]:
    """Lines without trailing spaces, except inside multi-line strings (whose content must not change).

    Lines of docstrings (``docstring_lines``, 1-based) are re-indented like code: tools clean their indentation.
    """
    inside: set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text + "\n").readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                inside.update(set(range(tok.start[0] + 1, tok.end[0] + 1)) - docstring_lines)
    except (tokenize.TokenError, SyntaxError):
        pass
    return [VERBATIM + line if i + 1 in inside else line.rstrip() for i, line in enumerate(text.split("\n"))]


# -- run and main -------------------------------------------------------------------------------


def _run(p: Plan, lay: Layout, params: Params) -> str:
    module_names = set(RESERVED) | {x.name for x in params.params} | {x.default for x in params.params} | {
        n for s in lay.imports for n in s.defs}
    local: dict[str, str] = {}

    def name(n: str) -> str:
        if n not in local:
            candidate = n
            while candidate in module_names or candidate in local.values():
                candidate += "_"
            local[n] = candidate
        return local[n]

    lines = ['"""Run every step (the notebook\'s values by default); the artifacts by name."""']
    metrics = "metrics"
    for step_name in STEPS:
        step = lay.steps[step_name]
        if not step.stmts:
            continue
        args = [name(t) for t in step.takes] + [f"{x.name}={x.name}" for x in params.by_step(step_name)]
        call = f"{step_name}("
        if step_name == "evaluate":
            metrics = name("metrics")
            lhs = f"{metrics} = "
        elif step.gives:
            lhs = ", ".join(name(g) for g in step.gives) + " = "
        else:
            lhs = ""
        lines.extend(_fit(f"{lhs}{call}{', '.join(args)})", lhs + call, args, ")"))
    given = [n for s in STEPS[:3] for n in lay.steps[s].gives]
    items = [f"{render(a)}: {name(a)}" for a in p.artifacts if a in given]
    if lay.steps["evaluate"].stmts:
        items.append(f"**{metrics}")
    lines.extend(_fit("return {" + ", ".join(items) + "}", "return {", items, "}"))
    keywords = _keywords(params.params)
    head = _signature("run", [], keywords, "dict[str, Any]")
    return head + "\n" + "\n".join(INDENT + line for line in lines)


def _main() -> str:
    return ("def main() -> None:\n"
            f'{INDENT}"""``python -m``: run the pipeline with the notebook\'s values, print the result."""\n'
            f"{INDENT}for name, value in run().items():\n"
            f'{INDENT * 2}print(f"{{name}}: {{value!r}}")\n'
            "\n\n"
            'if __name__ == "__main__":\n'
            f"{INDENT}main()\n")
