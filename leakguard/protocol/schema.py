"""The message declarations as plain data (a schema both sides interpret), and validation against it.

A *spec* is a small JSON-ready dict: ``{"kind": "str"}``, ``int``, ``float``, ``bool``,
``null``, ``{"kind": "literal", "values": [...]}``, ``{"kind": "list", "item": spec}``,
``{"kind": "union", "options": [...]}`` or ``{"kind": "ref", "name": "Finding"}``.
An object definition lists its fields with a spec and whether each is required.

>>> validate_browser_message({"type": "set_mode", "mode": "safe"})["mode"]
'safe'
>>> validate_browser_message({"type": "set_mode", "mode": "off"})
Traceback (most recent call last):
...
leakguard.protocol.schema.ProtocolError: set_mode.mode: expected one of 'warn', 'block', 'safe'
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any, Literal, NotRequired, Union, get_args, get_origin, is_typeddict

from leakguard.errors import LeakguardError
from leakguard.protocol import messages

Spec = dict[str, Any]
MAX_STRING = 10_000
MAX_ITEMS = 100_000


class ProtocolError(LeakguardError):
    """A message that does not match its declaration."""


@functools.cache
def definitions() -> dict[str, dict[str, Any]]:
    """Every object type reachable from the messages, by name: ``{"fields": [{name, spec, required}]}``."""
    defs: dict[str, dict[str, Any]] = {}
    for message in (*messages.KERNEL_MESSAGES, *messages.BROWSER_MESSAGES):
        _collect(message, defs)
    return defs


def message_tags(direction: Literal["kernel", "browser"]) -> dict[str, str]:
    """``{"hello": "KernelHello", ...}``: the ``type`` tag of each message and its definition's name."""
    group = messages.KERNEL_MESSAGES if direction == "kernel" else messages.BROWSER_MESSAGES
    tags: dict[str, str] = {}
    for message in group:
        tag = get_args(typing.get_type_hints(message)["type"])[0]
        tags[tag] = message.__name__
    return tags


def _collect(td: type, defs: dict[str, dict[str, Any]]) -> None:
    if td.__name__ in defs:
        return
    hints = typing.get_type_hints(td, include_extras=True)
    required: frozenset[str] = td.__required_keys__  # type: ignore[attr-defined]
    fields: list[dict[str, Any]] = []
    defs[td.__name__] = {"doc": (td.__doc__ or "").strip().splitlines()[0], "fields": fields}
    for name, hint in hints.items():
        declared = get_args(hint)[0] if get_origin(hint) is NotRequired else hint
        fields.append({"name": name, "spec": _spec(declared, defs), "required": name in required})


def _spec(hint: Any, defs: dict[str, dict[str, Any]]) -> Spec:
    for alias, value in messages.ALIASES.items():
        if hint == value:
            return {"kind": "ref", "name": alias}
    simple = {str: "str", int: "int", float: "float", bool: "bool", type(None): "null"}
    if hint in simple:
        return {"kind": simple[hint]}
    origin = get_origin(hint)
    if origin is Literal:
        return {"kind": "literal", "values": list(get_args(hint))}
    if origin is list:
        return {"kind": "list", "item": _spec(get_args(hint)[0], defs)}
    if origin in (Union, types.UnionType):
        return {"kind": "union", "options": [_spec(a, defs) for a in get_args(hint)]}
    if is_typeddict(hint):
        _collect(hint, defs)
        return {"kind": "ref", "name": hint.__name__}
    raise TypeError(f"the protocol cannot declare {hint!r}")


def alias_specs() -> dict[str, Spec]:
    """The named literal types (``Severity``, ``Mode``) as specs."""
    return {name: _spec_literal(value) for name, value in messages.ALIASES.items()}


def _spec_literal(value: object) -> Spec:
    return {"kind": "literal", "values": list(get_args(value))}


def check(value: Any, spec: Spec, path: str) -> None:
    """Raise ProtocolError at the first place ``value`` does not match ``spec``."""
    kind = spec["kind"]
    if kind == "str":
        if not isinstance(value, str):
            raise ProtocolError(f"{path}: expected a string")
        if len(value) > MAX_STRING:
            raise ProtocolError(f"{path}: string longer than {MAX_STRING} characters")
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProtocolError(f"{path}: expected an integer")
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ProtocolError(f"{path}: expected a number")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise ProtocolError(f"{path}: expected true or false")
    elif kind == "null":
        if value is not None:
            raise ProtocolError(f"{path}: expected null")
    elif kind == "literal":
        if value not in spec["values"] or isinstance(value, bool) != any(isinstance(v, bool) for v in spec["values"]):
            raise ProtocolError(f"{path}: expected one of {', '.join(map(repr, spec['values']))}")
    elif kind == "list":
        if not isinstance(value, list):
            raise ProtocolError(f"{path}: expected a list")
        if len(value) > MAX_ITEMS:
            raise ProtocolError(f"{path}: more than {MAX_ITEMS} items")
        for i, item in enumerate(value):
            check(item, spec["item"], f"{path}[{i}]")
    elif kind == "union":
        problems = []
        for option in spec["options"]:
            try:
                check(value, option, path)
            except ProtocolError as exc:
                problems.append(str(exc))
            else:
                return
        raise ProtocolError(" or ".join(problems))
    elif kind == "ref":
        name = spec["name"]
        if name in messages.ALIASES:
            check(value, alias_specs()[name], path)
        else:
            check_object(value, name, path)
    else:  # pragma: no cover - the declarations only produce the kinds above
        raise TypeError(kind)


def check_object(value: Any, name: str, path: str) -> None:
    """Raise ProtocolError unless ``value`` is an object of definition ``name`` (no unknown keys)."""
    if not isinstance(value, dict):
        raise ProtocolError(f"{path}: expected an object")
    fields = definitions()[name]["fields"]
    known = {f["name"] for f in fields}
    extra = sorted(str(k) for k in value if k not in known)
    if extra:
        raise ProtocolError(f"{path}: unknown field(s) {', '.join(extra)}")
    for f in fields:
        if f["name"] in value:
            check(value[f["name"]], f["spec"], f"{path}.{f['name']}")
        elif f["required"]:
            raise ProtocolError(f"{path}: missing field {f['name']}")


def _validate(value: Any, direction: Literal["kernel", "browser"]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProtocolError("a message must be an object")
    tag = value.get("type")
    tags = message_tags(direction)
    if not isinstance(tag, str) or tag not in tags:
        raise ProtocolError(f"unknown message type {str(tag)[:40]!r}; expected one of {', '.join(tags)}")
    check_object(value, tags[tag], tag)
    return value


def validate_browser_message(value: Any) -> dict[str, Any]:
    """The message, if it is a well-formed browser → kernel message; ProtocolError otherwise."""
    return _validate(value, "browser")


def validate_kernel_message(value: Any) -> dict[str, Any]:
    """The message, if it is a well-formed kernel → browser message (used by tests and as a self-check)."""
    return _validate(value, "kernel")
