"""IPython syntax and leakguard's own policy calls, read statically.

``%leakguard policy k=v`` and ``leakguard.policy(k=v)`` with literal values change the
policy from that point on, as they do in the kernel; ``%leakguard mode`` sets the mode.
Other magics and shell escapes are ignored; ``%sql`` goes to the SQL analysis.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from leakguard.errors import PolicyError
from leakguard.policy import MODES, parse_magic_args
from leakguard.static import sqlbridge
from leakguard.static.values import Const, Seq, Value

if TYPE_CHECKING:
    from leakguard.static.calls import Kwargs
    from leakguard.static.interp import Interp


def line_magic(it: Interp, node: ast.Call) -> Value:
    """A neutralised line magic (``__lg_magic__('%leakguard policy ...')``)."""
    first = node.args[0] if node.args else None
    if not isinstance(first, ast.Constant) or not isinstance(first.value, str):
        return Const(None)
    text = first.value.strip()
    if text.startswith("%leakguard"):
        command, _, rest = text[len("%leakguard"):].strip().partition(" ")
        if command == "policy" and rest.strip():
            _update(it, rest, "%leakguard policy")
        elif command == "mode" and rest.strip() in MODES:
            it.graph.policy = it.policy.updated({"mode": rest.strip()}, "%leakguard mode")
        return Const(None)
    if text.startswith(("%sql ", "%sql\t")):
        return sqlbridge.query(it, text[4:].strip(), "duckdb")
    return Const(None)


def _update(it: Interp, args: str, origin: str) -> None:
    try:
        it.graph.policy = it.policy.updated(parse_magic_args(args), origin)
    except PolicyError as exc:
        it.note(f"policy not applied: {exc}")


def policy_call(it: Interp, kwargs: Kwargs) -> Value:
    """``leakguard.policy(label=..., cutoff=...)``: literal values update the policy."""
    values: dict[str, object] = {}
    for key, v in kwargs.items():
        if key == "data":
            continue
        if isinstance(v, Const):
            values[key] = v.value
        elif isinstance(v, Seq) and all(isinstance(i, Const) for i in v.items):
            values[key] = [i.value for i in v.items if isinstance(i, Const)]
        else:
            it.note(f"leakguard.policy({key}=...) is not a literal; that part of the policy is not known statically")
    if values:
        try:
            it.graph.policy = it.policy.updated(values, "leakguard.policy()")
        except PolicyError as exc:
            it.note(f"policy not applied: {exc}")
    return Const(None)
