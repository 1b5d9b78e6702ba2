"""The protocol as JSON Schema (draft 2020-12), generated from the typed declarations, and validation with ``jsonschema``.

``messages`` is the one source: ``protocol_schema()`` and ``record_schema()`` derive the
schemas from its ``TypedDict``s; ``typescript`` writes the same schemas (and the TypeScript
types) for the browser, which validates with a standard validator too.

>>> validate_browser_message({"type": "set_mode", "mode": "safe"})["mode"]
'safe'
>>> validate_browser_message({"type": "set_mode", "mode": "off"})
Traceback (most recent call last):
...
leakguard.protocol.schema.ProtocolError: set_mode.mode: expected one of 'warn', 'block', 'safe'
"""

from __future__ import annotations

import functools
import sys
import types
import typing
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, NotRequired, Union, get_args, get_origin, is_typeddict

from leakguard.errors import LeakguardError
from leakguard.protocol import messages

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, ValidationError

Schema = dict[str, Any]
DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Bounds on what the browser may send (the kernel's own messages are not bounded: a long
# finding detail is not an attack).
MAX_STRING = 10_000
MAX_ITEMS = 100_000
_PRIMITIVES: dict[object, str] = {str: "string", int: "integer", float: "number", bool: "boolean",
                                  type(None): "null"}


class ProtocolError(LeakguardError):
    """A message that does not match its declaration."""


def ref(name: str) -> Schema:
    """A reference to the definition ``name``."""
    return {"$ref": f"#/$defs/{name}"}


class _Builder:
    """Collects the definitions reachable from some TypedDicts into ``$defs``."""

    def __init__(self) -> None:
        self.defs: dict[str, Schema] = {name: _literal(value) for name, value in messages.ALIASES.items()}
        self._bounded: dict[str, bool] = {}

    def add(self, td: type, *, bounded: bool) -> Schema:
        name = td.__name__
        if name in self._bounded:
            if self._bounded[name] != bounded:  # one definition cannot be both bounded and not
                raise TypeError(f"{name} is used by messages of both directions")
            return ref(name)
        self._bounded[name] = bounded
        hints = typing.get_type_hints(td)
        required: frozenset[str] = td.__required_keys__  # type: ignore[attr-defined]
        later = messages.LATER_FIELDS.get(name, {})
        properties: dict[str, Schema] = {}
        for field, hint in hints.items():
            declared = get_args(hint)[0] if get_origin(hint) is NotRequired else hint
            properties[field] = self.type(declared, bounded=bounded)
            if field in later:
                properties[field] = {**properties[field], "default": later[field]}
        self.defs[name] = {
            "description": (td.__doc__ or "").strip().splitlines()[0],
            "type": "object",
            "properties": properties,
            "required": [f for f in hints if f in required],
            "additionalProperties": False,
        }
        return ref(name)

    def type(self, hint: Any, *, bounded: bool) -> Schema:
        for alias, value in messages.ALIASES.items():
            if hint == value:
                return ref(alias)
        if hint is Any:  # a value the record keeps as the notebook had it (a parameter's value)
            return {}
        if hint in _PRIMITIVES:
            schema: Schema = {"type": _PRIMITIVES[hint]}
            if hint is str and bounded:
                schema["maxLength"] = MAX_STRING
            return schema
        origin, args = get_origin(hint), get_args(hint)
        if origin is Literal:
            return _literal(hint)
        if origin is list:
            schema = {"type": "array", "items": self.type(args[0], bounded=bounded)}
            return {**schema, "maxItems": MAX_ITEMS} if bounded else schema
        if origin is dict and args[0] is str:
            return {"type": "object", "additionalProperties": self.type(args[1], bounded=bounded)}
        if origin is tuple:
            return {"type": "array", "prefixItems": [self.type(a, bounded=bounded) for a in args],
                    "items": False, "minItems": len(args)}
        if origin in (Union, types.UnionType):
            return self._union(args, bounded=bounded)
        if is_typeddict(hint):
            return self.add(hint, bounded=bounded)
        raise TypeError(f"the protocol cannot declare {hint!r}")

    def _union(self, args: tuple[Any, ...], *, bounded: bool) -> Schema:
        options = [a for a in args if a is not type(None)]
        if len(options) == 1 and len(args) == 2:
            inner = self.type(options[0], bounded=bounded)
            if set(inner) == {"type"}:
                return {"type": [inner["type"], "null"]}
            # "null, else X" rather than anyOf: a validator fills X's defaults only outside anyOf/oneOf
            return {"if": {"type": "null"}, "else": inner}
        return {"anyOf": [self.type(a, bounded=bounded) for a in args]}


def _literal(hint: object) -> Schema:
    values = list(get_args(hint))
    return {"const": values[0]} if len(values) == 1 else {"enum": values}


@functools.cache
def protocol_schema() -> Schema:
    """Every comm message and the types they use, under ``$defs``; ``KernelMessage`` and ``BrowserMessage`` unite each direction."""
    builder = _Builder()
    kernel = [builder.add(td, bounded=False) for td in messages.KERNEL_MESSAGES]
    browser = [builder.add(td, bounded=True) for td in messages.BROWSER_MESSAGES]
    return {
        "$schema": DIALECT,
        "$id": f"urn:leakguard:protocol:{messages.PROTOCOL_VERSION}",
        "title": f"leakguard comm protocol, version {messages.PROTOCOL_VERSION} (target {messages.TARGET!r})",
        "$defs": {**builder.defs, "KernelMessage": {"oneOf": kernel}, "BrowserMessage": {"oneOf": browser}},
    }


@functools.cache
def record_schema() -> Schema:
    """The record the sidebar saves as the notebook's ``metadata.leakguard``."""
    builder = _Builder()
    (root,) = [builder.add(td, bounded=False) for td in messages.RECORDS]
    return {
        "$schema": DIALECT,
        "$id": f"urn:leakguard:notebook-record:{messages.PROTOCOL_VERSION}",
        "title": "leakguard's record in a notebook's metadata (metadata.leakguard)",
        **root,
        "$defs": builder.defs,
    }


@functools.cache
def lock_schema() -> Schema:
    """The lock file export writes beside each pipeline version (``v<N>.lock.json``)."""
    from leakguard.protocol.lockfile import Lock

    builder = _Builder()
    root = builder.add(Lock, bounded=False)
    return {
        "$schema": DIALECT,
        "$id": "urn:leakguard:lock:1",
        "title": "leakguard export's lock file (v<N>.lock.json)",
        **root,
        "$defs": builder.defs,
    }


def message_tags(direction: Literal["kernel", "browser"]) -> dict[str, str]:
    """``{"hello": "KernelHello", ...}``: the ``type`` tag of each message and its definition's name."""
    defs = protocol_schema()["$defs"]
    union = defs["KernelMessage" if direction == "kernel" else "BrowserMessage"]["oneOf"]
    names = [option["$ref"].rsplit("/", 1)[1] for option in union]
    return {defs[name]["properties"]["type"]["const"]: name for name in names}


# jsonschema imports every optional format checker it finds; rfc3987_syntax builds a parser at
# import (seconds of CPU in the kernel). The protocol has no "format", so it stays out of the import.
_SLOW_FORMAT_MODULES = ("rfc3987_syntax",)


def _jsonschema() -> Any:
    """The jsonschema module, imported on first use without its slow optional format checkers."""
    if "jsonschema" in sys.modules:  # the notebook's own import: take it as it is
        return sys.modules["jsonschema"]
    kept_out = [name for name in _SLOW_FORMAT_MODULES if name not in sys.modules]
    for name in kept_out:
        sys.modules[name] = None  # type: ignore[assignment]  # None makes `import name` raise ImportError
    try:
        import jsonschema
    finally:
        for name in kept_out:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]  # a later `import rfc3987_syntax` of the notebook works as usual
    return jsonschema


@functools.cache
def _validator(schema_name: Literal["protocol", "record", "lock"], name: str) -> Draft202012Validator:
    jsonschema = _jsonschema()
    base = jsonschema.Draft202012Validator
    # a JSON number with a fraction (1.0) is an integer to JSON Schema, not to the kernel, which keys
    # requests by them: integers are Python ints (never bools)
    strict = jsonschema.validators.extend(base, type_checker=base.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)))
    root = {"protocol": protocol_schema, "record": record_schema, "lock": lock_schema}[schema_name]()
    validator: Draft202012Validator = strict({"$schema": DIALECT, "$defs": root["$defs"], **ref(name)})
    return validator


def _check(value: Any, validator: Draft202012Validator, where: str) -> None:
    error = _jsonschema().exceptions.best_match(validator.iter_errors(value))
    if error is not None:
        raise ProtocolError(f"{_path(where, error.absolute_path)}: {_problem(error)}")


def _path(where: str, parts: Iterable[str | int]) -> str:
    return where + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


_NOUNS = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "true or false",
          "null": "null", "object": "an object", "array": "a list"}


def _problem(error: ValidationError) -> str:
    """The error in the words the kernel's replies and the tests use."""
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "type":
        wanted = [expected] if isinstance(expected, str) else list(expected)
        return "expected " + " or ".join(_NOUNS.get(t, t) for t in wanted)
    if kind in ("enum", "const"):
        options = expected if kind == "enum" else [expected]
        return f"expected one of {', '.join(map(repr, options))}"
    if kind == "additionalProperties":
        known = error.schema.get("properties", {})
        return f"unknown field(s) {', '.join(sorted(str(k) for k in value if k not in known))}"
    if kind == "required":
        missing = [f for f in expected if f not in value]
        return f"missing field {missing[0]}"
    if kind == "maxLength":
        return f"string longer than {expected} characters"
    if kind == "maxItems":
        return f"more than {expected} items"
    return str(error.message)


def _validate(value: Any, direction: Literal["kernel", "browser"]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProtocolError("a message must be an object")
    tag = value.get("type")
    tags = message_tags(direction)
    if not isinstance(tag, str) or tag not in tags:
        raise ProtocolError(f"unknown message type {str(tag)[:40]!r}; expected one of {', '.join(tags)}")
    _check(value, _validator("protocol", tags[tag]), tag)
    return value


def validate_browser_message(value: Any) -> dict[str, Any]:
    """The message, if it is a well-formed browser → kernel message; ProtocolError otherwise."""
    return _validate(value, "browser")


def validate_kernel_message(value: Any) -> dict[str, Any]:
    """The message, if it is a well-formed kernel → browser message (used by tests and as a self-check)."""
    return _validate(value, "kernel")


def validate_notebook_record(value: Any) -> dict[str, Any]:
    """The record, if it is a well-formed ``metadata.leakguard``; ProtocolError otherwise."""
    if not isinstance(value, dict):
        raise ProtocolError("metadata.leakguard must be an object")
    _check(value, _validator("record", messages.RECORDS[0].__name__), "metadata.leakguard")
    return value


def validate_lock(value: Any) -> dict[str, Any]:
    """The lock, if it is a well-formed ``v<N>.lock.json`` of this leakguard; ProtocolError otherwise."""
    if not isinstance(value, dict):
        raise ProtocolError("a lock file must be an object")
    _check(value, _validator("lock", "Lock"), "lock")
    return value
