"""Validation of comm messages against the JSON Schema generated from the declarations: strict, and nothing in a message is code."""

from __future__ import annotations

import pytest

from leakguard.protocol import ProtocolError, validate_browser_message, validate_kernel_message
from leakguard.protocol.schema import (
    MAX_STRING,
    protocol_schema,
    record_schema,
    validate_notebook_record,
)


@pytest.mark.parametrize("message", [
    {"type": "hello", "protocol": 1},
    {"type": "set_mode", "mode": "block"},
    {"type": "explain", "request": 3, "name": "df"},
    {"type": "export", "request": 4, "notebook": "churn.ipynb"},
    {"type": "export", "request": 4, "notebook": "churn.ipynb", "name": "churn"},
])
def test_well_formed_browser_messages_pass(message) -> None:
    assert validate_browser_message(message) is message


@pytest.mark.parametrize(("message", "problem"), [
    ({"type": "execute", "code": "import os"}, "unknown message type"),
    ({"type": "hello", "protocol": 1, "code": "import os"}, "unknown field(s) code"),
    ({"type": "hello", "protocol": "1"}, "hello.protocol: expected an integer"),
    ({"type": "hello", "protocol": True}, "expected an integer"),
    ({"type": "hello"}, "missing field protocol"),
    ({"type": "set_mode", "mode": "off"}, "expected one of 'warn', 'block', 'safe'"),
    ({"type": "explain", "request": 1, "name": ["df"]}, "explain.name: expected a string"),
    ({"type": "explain", "request": 1, "name": "x" * (MAX_STRING + 1)}, "longer than"),
    ("hello", "a message must be an object"),
    (None, "a message must be an object"),
    ({"type": "snapshot", "session": "s", "policy": {}, "cells": [], "order": []}, "unknown message type"),
])
def test_malformed_browser_messages_are_rejected(message, problem) -> None:
    with pytest.raises(ProtocolError, match=None) as info:
        validate_browser_message(message)
    assert problem in str(info.value)


def test_kernel_messages_validate_nested_objects() -> None:
    policy = {"label": ["churned"], "time": None, "cutoff": None, "holdout": "none", "mode": "warn",
              "inferred": [], "mode_declared": False, "checking": ["label: churned (declared)"]}
    finding = {"rule": "peek-holdout", "severity": "warning", "title": "t", "detail": "d", "message": "t. d",
               "hint": "h", "subject": "df", "blocked": False,
               "where": {"cell": "c1", "execution_count": 2, "line": None}, "provenance": []}
    ok = {"type": "update", "session": "s", "seq": 1, "run": None, "policy": policy,
          "cells": [{"cell": "c1", "execution_count": 2, "findings": [finding], "notes": []}]}
    assert validate_kernel_message(ok) is ok
    bad = {**ok, "cells": [{"cell": "c1", "execution_count": 2, "findings": [{**finding, "severity": "fatal"}],
                            "notes": []}]}
    with pytest.raises(ProtocolError, match=r"update.cells\[0\].findings\[0\].severity"):
        validate_kernel_message(bad)


def test_the_schemas_are_json_schema_2020_12() -> None:
    from jsonschema import Draft202012Validator

    for schema in (protocol_schema(), record_schema()):
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)  # raises SchemaError on a malformed schema


def test_fields_added_later_carry_their_default_for_older_kernels() -> None:
    finding = protocol_schema()["$defs"]["Finding"]["properties"]
    assert finding["blocked"]["default"] is False and finding["title"]["default"] == ""
    assert protocol_schema()["$defs"]["ExportResult"]["properties"]["blocking"]["default"] == []
    assert "default" not in finding["rule"]


def test_only_what_the_browser_sends_is_bounded() -> None:
    defs = protocol_schema()["$defs"]
    assert defs["Explain"]["properties"]["name"]["maxLength"] == MAX_STRING
    assert "maxLength" not in defs["Finding"]["properties"]["detail"]  # a long explanation is no attack
    long_detail = {"type": "error", "request": None, "message": "x" * (MAX_STRING + 1)}
    assert validate_kernel_message(long_detail) is long_detail


def test_the_notebook_record_as_the_sidebar_saves_it() -> None:
    record = {"protocol": 1, "session": "s1", "order": [["c1", 1], ["c2", None]],
              "findings": [{"cell": "c2", "execution_count": None, "line": 3, "rule": "peek-holdout",
                            "severity": "warning", "subject": "test", "message": "m"}]}
    assert validate_notebook_record(record) is record
    with pytest.raises(ProtocolError, match=r"metadata.leakguard.order\[1\]: expected a list"):
        validate_notebook_record({**record, "order": [["c1", 1], "c2"]})
    with pytest.raises(ProtocolError, match=r"metadata.leakguard.order\[0\]"):
        validate_notebook_record({**record, "order": [["c1"]]})
    with pytest.raises(ProtocolError, match=r"findings\[0\].severity: expected one of"):
        validate_notebook_record({**record, "findings": [{**record["findings"][0], "severity": "fatal"}]})


def test_a_fraction_is_no_request_id() -> None:
    with pytest.raises(ProtocolError, match=r"explain.request: expected an integer"):
        validate_browser_message({"type": "explain", "request": 1.0, "name": "df"})


def test_the_first_message_does_not_load_slow_format_checkers_nor_hide_them() -> None:
    import subprocess
    import sys

    probe = ("import sys\n"
             "from leakguard.protocol import validate_browser_message\n"
             "validate_browser_message({'type': 'hello', 'protocol': 1})\n"
             "assert 'jsonschema' in sys.modules\n"
             "assert 'rfc3987_syntax' not in sys.modules, 'a parser built for nothing'\n"
             "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.strip() == "ok", done.stderr
