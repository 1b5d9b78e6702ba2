"""The lock file export writes matches its declaration (leakguard/protocol/lockfile.py, docs/schema/lock.schema.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leakguard.pipeline.api import export
from leakguard.protocol.schema import ProtocolError, lock_schema, validate_lock
from tests.export.helpers import CHURN, write_events, write_notebook


def test_a_written_lock_is_what_the_schema_declares(tmp_path: Path) -> None:
    write_events(tmp_path, rows=300)
    nb = write_notebook(tmp_path / "churn.ipynb", CHURN)
    result = export(nb, output_dir=tmp_path / "pipelines")
    assert result.ok, result.reasons
    lock = json.loads((tmp_path / "pipelines" / "churn" / "v1.lock.json").read_text(encoding="utf-8"))
    assert validate_lock(lock) is lock
    columns = lock["schema"]["df"]["columns"]
    assert columns["plan"]["kind"] == "text" and "categories" in columns["plan"]  # optional keys are declared

    with pytest.raises(ProtocolError, match=r"lock: missing field inputs"):
        validate_lock({k: v for k, v in lock.items() if k != "inputs"})
    with pytest.raises(ProtocolError, match=r"lock.schema.df.columns.plan.kind: expected one of"):
        validate_lock({**lock, "schema": {"df": {**lock["schema"]["df"],
                                                 "columns": {"plan": {**columns["plan"], "kind": "string"}}}}})


def test_parameters_keep_any_value_and_the_schema_is_2020_12() -> None:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(lock_schema())
    assert lock_schema()["$defs"]["Lock"]["properties"]["parameters"] == {"type": "object",
                                                                          "additionalProperties": {}}
