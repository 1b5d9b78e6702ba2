"""Statements: what each kind of statement does to the interpreter's environment.

Each handler takes the interpreter and the statement; :data:`STATEMENTS` maps statement
types to handlers, as :data:`leakguard.static.exprs.EXPRESSIONS` does for expressions. Loops
run their body once per element of a literal sequence (at most ``MAX_UNROLL``), otherwise
twice; both branches of an ``if`` run unless its test is a constant.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from leakguard.libraries.pandas.catalog import kept_through
from leakguard.libraries.stdlib.catalog import shown_names
from leakguard.static import dataops
from leakguard.static.values import UNKNOWN, Const, Func, Klass, Ref, Unknown, Value, text

if TYPE_CHECKING:
    from leakguard.static.interp import Interp

# modules whose ``from m import *`` names the engine resolves (Spark SQL functions, Polars)
_STAR_MODULES = frozenset({"pyspark.sql.functions", "polars"})


class Returned(Exception):
    """``return`` inside a followed helper: unwinds to the call with the value."""

    def __init__(self, value: Value) -> None:
        self.value = value


class Break(Exception):
    pass


class Continue(Exception):
    pass


def _stmt_expr(it: Interp, s: ast.Expr) -> None:
    it.eval(s.value, shown=True)
    for name in shown_names(s) if it.kept_choosers else ():
        kept = it.kept_choosers.pop(id(it.lookup(name)), None)  # the dict holds the value: ids are not reused
        if kept is not None:  # ``print(counts)``: the kept statistic is looked at here
            it.line, it.col = s.lineno, s.col_offset + 1
            it.recorder.inspect(dataclasses.replace(kept[1], where=it.where()), lambda event: None)


def _stmt_assign(it: Interp, s: ast.Assign) -> None:
    # a statistic stored on an object (``self.means = frame.mean()``) is state for later, not a look (as in the kernel)
    # (``counts = df.nunique().sort_values()`` keeps the nunique call's counts, reordered)
    outer, it.kept_call = it.kept_call, kept_through(s.value) if all(isinstance(t, ast.Name) for t in s.targets) \
        else None
    try:
        value = it.eval(s.value, shown=not all(isinstance(t, ast.Attribute) for t in s.targets))
    finally:
        it.kept_call = outer
    for t in s.targets:
        it.bind(t, value)


def _stmt_annassign(it: Interp, s: ast.AnnAssign) -> None:
    if s.value is not None:
        it.bind(s.target, it.eval(s.value, shown=True))


def _stmt_augassign(it: Interp, s: ast.AugAssign) -> None:
    left = it.eval(s.target if not isinstance(s.target, ast.Name) else ast.Name(s.target.id, ast.Load()))
    right = it.eval(s.value)
    it.bind(s.target, dataops.combine(it, left, right, text(s.target), "augmented assignment"))


def _stmt_import(it: Interp, s: ast.Import) -> None:
    for alias in s.names:
        if alias.asname:
            it.scopes[-1][alias.asname] = Ref(alias.name)
        else:
            top = alias.name.split(".")[0]
            it.scopes[-1][top] = Ref(top)


def _stmt_importfrom(it: Interp, s: ast.ImportFrom) -> None:
    if s.level or s.module is None:
        for alias in s.names:
            it.scopes[-1][alias.asname or alias.name] = Unknown("relative import")
        return
    for alias in s.names:
        if alias.name != "*":
            it.scopes[-1][alias.asname or alias.name] = Ref(f"{s.module}.{alias.name}")
        elif s.module in _STAR_MODULES:
            it.star_imports.append(s.module)


def _stmt_functiondef(it: Interp, s: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    yields = any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(s))
    it.scopes[-1][s.name] = Func(s, s.name, yields)


def _stmt_classdef(it: Interp, s: ast.ClassDef) -> None:
    # a small class of the notebook (a hand-written imputer with fit/transform): its methods are followed
    methods = {f.name: Func(f, f"{s.name}.{f.name}", any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(f)))
               for f in s.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
    bases = tuple(base.path for base in map(it.eval, s.bases) if isinstance(base, Ref))
    it.scopes[-1][s.name] = Klass(s.name, methods, bases)


def _stmt_return(it: Interp, s: ast.Return) -> None:
    raise Returned(it.eval(s.value, shown=True) if s.value is not None else Const(None))


def _stmt_for(it: Interp, s: ast.For | ast.AsyncFor) -> None:
    iterable = it.eval(s.iter)
    for item in it.iterate(iterable, text(s.iter)):
        it.bind(s.target, item)
        try:
            it.exec_block(s.body)
        except Break:
            break
        except Continue:
            continue
    it.exec_block(s.orelse)


def _stmt_while(it: Interp, s: ast.While) -> None:
    it.eval(s.test)
    for _ in range(2):
        try:
            it.exec_block(s.body)
        except Break:
            break
        except Continue:
            continue
    it.exec_block(s.orelse)


def _stmt_if(it: Interp, s: ast.If) -> None:
    test = it.eval(s.test)
    if isinstance(test, Const) and not isinstance(test.value, str):
        it.exec_block(s.body if test.value else s.orelse)
        return
    # a ``break`` / ``continue`` under a condition ends only that branch (``if bad >= patience: break``): the other
    # path goes on, and the loop makes its next pass; both branches leaving leave
    left = [_leaves(it, s.body), _leaves(it, s.orelse)]
    if left[0] is not None and left[1] is not None:
        raise left[0]


def _leaves(it: Interp, block: list[ast.stmt]) -> Break | Continue | None:
    try:
        it.exec_block(block)
    except (Break, Continue) as leaving:
        return leaving
    return None


def _stmt_with(it: Interp, s: ast.With | ast.AsyncWith) -> None:
    for item in s.items:
        value = it.eval(item.context_expr)
        if item.optional_vars is not None:
            it.bind(item.optional_vars, value)
    it.exec_block(s.body)


def _stmt_try(it: Interp, s: ast.Try) -> None:
    it.exec_block(s.body)
    for h in s.handlers:
        if h.name:
            it.scopes[-1][h.name] = UNKNOWN
        it.exec_block(h.body)
    it.exec_block(s.orelse)
    it.exec_block(s.finalbody)


def _stmt_match(it: Interp, s: ast.Match) -> None:
    it.eval(s.subject)
    for case in s.cases:
        it.exec_block(case.body)


def _stmt_delete(it: Interp, s: ast.Delete) -> None:
    for t in s.targets:
        if isinstance(t, ast.Name):
            it.scopes[-1].pop(t.id, None)
        elif isinstance(t, ast.Subscript):
            dataops.delete_item(it, t)  # ``del X["churned"]``: the frame without that column


def _stmt_break(it: Interp, s: ast.Break) -> None:
    raise Break


def _stmt_continue(it: Interp, s: ast.Continue) -> None:
    raise Continue


def _stmt_other(it: Interp, s: ast.stmt) -> None:
    for child in ast.iter_child_nodes(s):
        if isinstance(child, ast.expr):
            it.eval(child)


STATEMENTS: dict[type, Callable[..., None]] = {
    ast.Expr: _stmt_expr, ast.Assign: _stmt_assign, ast.AnnAssign: _stmt_annassign, ast.AugAssign: _stmt_augassign,
    ast.Import: _stmt_import, ast.ImportFrom: _stmt_importfrom, ast.FunctionDef: _stmt_functiondef,
    ast.AsyncFunctionDef: _stmt_functiondef, ast.ClassDef: _stmt_classdef, ast.Return: _stmt_return,
    ast.For: _stmt_for, ast.AsyncFor: _stmt_for, ast.While: _stmt_while, ast.If: _stmt_if, ast.With: _stmt_with,
    ast.AsyncWith: _stmt_with, ast.Try: _stmt_try, ast.Match: _stmt_match, ast.Delete: _stmt_delete,
    ast.Break: _stmt_break, ast.Continue: _stmt_continue, ast.Raise: _stmt_other, ast.Assert: _stmt_other,
}
if hasattr(ast, "TryStar"):
    STATEMENTS[ast.TryStar] = _stmt_try
