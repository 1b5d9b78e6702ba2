"""Expressions other than calls, subscripts and operators: names, literals, displays, comprehensions.

Each handler takes the interpreter, the node and whether its value is shown or kept, and
returns an abstract value; :data:`EXPRESSIONS` maps node types to handlers (calls and data
expressions live in :mod:`leakguard.static.calls` and :mod:`leakguard.static.dataops`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from leakguard.static import calls, dataops
from leakguard.static.values import UNKNOWN, Const, Data, Func, Seq, Unknown, Value, data_in, text

if TYPE_CHECKING:
    from leakguard.static.interp import Interp


def _expr_name(it: Interp, node: ast.Name, shown: bool) -> Value:
    return it.lookup(node.id)


def _expr_const(it: Interp, node: ast.Constant, shown: bool) -> Value:
    return Const(node.value)


def _expr_seq(it: Interp, node: ast.Tuple | ast.List | ast.Set, shown: bool) -> Value:
    kind = {ast.Tuple: "tuple", ast.List: "list", ast.Set: "set"}[type(node)]
    items: list[Value] = []
    for e in node.elts:
        v = it.eval(e.value if isinstance(e, ast.Starred) else e, shown)
        if isinstance(e, ast.Starred) and isinstance(v, Seq):
            items.extend(v.items)
        else:
            items.append(v)
    return Seq(items, kind)


def _expr_dict(it: Interp, node: ast.Dict, shown: bool) -> Value:
    keys: list[object] = []
    items: list[Value] = []
    for k, v in zip(node.keys, node.values, strict=True):
        key = it.eval(k) if k is not None else UNKNOWN
        keys.append(key.value if isinstance(key, Const) else None)
        items.append(it.eval(v, shown))
    return Seq(items, "dict", keys)


def _expr_lambda(it: Interp, node: ast.Lambda, shown: bool) -> Value:
    return Func(node, "<lambda>")


def _expr_ifexp(it: Interp, node: ast.IfExp, shown: bool) -> Value:
    it.eval(node.test)
    a, b = it.eval(node.body, shown), it.eval(node.orelse, shown)
    return a if data_in(a) or not data_in(b) else b


def _expr_namedexpr(it: Interp, node: ast.NamedExpr, shown: bool) -> Value:
    value = it.eval(node.value, True)
    it.bind(node.target, value)
    return value


def _expr_comp(it: Interp, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, shown: bool) -> Value:
    it.scopes.append(dict(it.scopes[-1]) if len(it.scopes) > 1 else {})
    keys: list[Any] = []
    try:
        results: list[Value] = []
        rows = _comprehend(it, node, 0, results, keys)
    finally:
        it.scopes.pop()
    if isinstance(rows, Data) and rows.kind in ("series", "array") and not rows.aggregate \
            and not isinstance(node, ast.DictComp):
        # ``[encode(t) for t in df.text]``: one value per row of the series or array (as ``apply`` makes)
        return it.derive([rows, *results], "array", node, "row-wise")
    if isinstance(rows, Data) and rows.aggregate:
        # ``[w for w, _ in counts.most_common(50)]``, ``{w: i for i, w in enumerate(vocab)}``: items of a statistic
        return it.derive([rows, *results], "value", node, "items", aggregate=True)
    if isinstance(node, ast.DictComp):
        # a dict: ``.items()`` / ``.values()`` of ``{name: m.predict(X) for ...}`` give the values made
        return Seq(results, "dict", keys if None not in keys else None)
    return Seq(results, "list")


def _comprehend(it: Interp, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, depth: int,
                results: list[Value], keys: list[Any]) -> Data | None:
    """Evaluate the comprehension's elements into ``results`` (a dict's keys into ``keys``); the tracked data its
    first loop runs over (None when it runs over anything else: column names, a list, a dict)."""
    if depth == len(node.generators):
        # as in the kernel's cell scan, a comprehension's element is not "shown or kept"
        if isinstance(node, ast.DictComp):
            key = it.eval(node.key, False)
            keys.append(key.value if isinstance(key, Const) else None)
        results.append(it.eval(node.value if isinstance(node, ast.DictComp) else node.elt, False))
        return None
    gen = node.generators[depth]
    iterable = it.eval(gen.iter)
    for item in it.iterate(iterable, text(gen.iter)):
        it.bind(gen.target, item)
        tests = [it.eval(cond) for cond in gen.ifs]
        if any(isinstance(t, Const) and not isinstance(t.value, str) and not t.value for t in tests):
            continue  # ``[c for c in df.columns if c != TARGET]``: a name the test leaves out
        _comprehend(it, node, depth + 1, results, keys)
    if isinstance(iterable, Unknown) and iterable.data is not None:
        iterable = iterable.data  # ``enumerate(vocab)``: what it enumerates
    return iterable if depth == 0 and type(iterable) is Data else None


def _expr_await(it: Interp, node: ast.Await, shown: bool) -> Value:
    return it.eval(node.value, shown)


def _expr_starred(it: Interp, node: ast.Starred, shown: bool) -> Value:
    return it.eval(node.value, shown)


def _expr_joined(it: Interp, node: ast.JoinedStr, shown: bool) -> Value:
    built = False
    parts: list[str] | None = []
    for v in node.values:
        if isinstance(v, ast.FormattedValue):
            value = it.eval(v.value)
            built = True
            known = isinstance(value, Const) and type(value.value) in (int, str) and v.conversion == -1 \
                and v.format_spec is None
            if parts is not None and known:
                parts.append(str(value.value) if isinstance(value, Const) else "")
            else:
                parts = None
        elif parts is not None:
            parts.append(str(v.value) if isinstance(v, ast.Constant) else "")
    if built:
        # a name made from constants (``f"lag_{k}"`` in an unrolled loop) is known; other text made at run time is
        # not (SQL built this way is reported as not analysed)
        name = "".join(parts) if parts is not None else None
        return Const(name) if name and not any(ch.isspace() for ch in name) else Unknown("f-string")
    return Const("".join(str(v.value) for v in node.values if isinstance(v, ast.Constant)))


EXPRESSIONS: dict[type, Callable[..., Value]] = {
    ast.Name: _expr_name, ast.Constant: _expr_const, ast.Tuple: _expr_seq, ast.List: _expr_seq,
    ast.Set: _expr_seq, ast.Dict: _expr_dict, ast.Lambda: _expr_lambda, ast.IfExp: _expr_ifexp,
    ast.NamedExpr: _expr_namedexpr, ast.ListComp: _expr_comp, ast.SetComp: _expr_comp,
    ast.GeneratorExp: _expr_comp, ast.DictComp: _expr_comp, ast.Await: _expr_await, ast.Starred: _expr_starred,
    ast.JoinedStr: _expr_joined, ast.Call: calls.call, ast.Attribute: dataops.attribute,
    ast.Subscript: dataops.subscript, ast.BinOp: dataops.binop, ast.UnaryOp: dataops.unaryop,
    ast.Compare: dataops.compare, ast.BoolOp: dataops.boolop,
}
