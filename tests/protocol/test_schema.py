"""Validation of comm messages against the declarations: strict, and nothing in a message is code."""

from __future__ import annotations

import pytest

from leakguard.protocol import ProtocolError, validate_browser_message, validate_kernel_message
from leakguard.protocol.schema import MAX_STRING, definitions


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
              "inferred": [], "mode_declared": False, "checking": []}
    finding = {"rule": "peek-holdout", "severity": "warning", "message": "m", "hint": "h", "subject": "df",
               "where": {"cell": "c1", "execution_count": 2, "line": None}, "provenance": [],
               "title": "df.describe() looks at holdout rows", "detail": "", "blocked": False}
    ok = {"type": "update", "session": "s", "seq": 1, "run": None, "policy": policy,
          "cells": [{"cell": "c1", "execution_count": 2, "findings": [finding], "notes": []}]}
    assert validate_kernel_message(ok) is ok
    bad = {**ok, "cells": [{"cell": "c1", "execution_count": 2, "findings": [{**finding, "severity": "fatal"}],
                            "notes": []}]}
    with pytest.raises(ProtocolError, match=r"update.cells\[0\].findings\[0\].severity"):
        validate_kernel_message(bad)


def test_definitions_are_plain_data() -> None:
    import json

    text = json.dumps(definitions())
    assert '"Finding"' in text and '"ref"' in text
