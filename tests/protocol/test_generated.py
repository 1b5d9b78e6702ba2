"""The JSON Schemas and the TypeScript protocol file are generated from the Python declarations and must not drift."""

from __future__ import annotations

import json

from leakguard.protocol import typescript
from leakguard.protocol.messages import BROWSER_MESSAGES, KERNEL_MESSAGES, PROTOCOL_VERSION
from leakguard.protocol.schema import protocol_schema, record_schema


def test_generated_files_are_current() -> None:
    for path, text in typescript.outputs().items():
        assert path.read_text(encoding="utf-8") == text, "run: python -m leakguard.protocol.typescript"
    assert json.loads(typescript.PROTOCOL_JSON.read_text(encoding="utf-8")) == protocol_schema()
    assert json.loads(typescript.RECORD_JSON.read_text(encoding="utf-8")) == record_schema()


def test_check_flag_reports_drift(tmp_path, monkeypatch) -> None:
    stale = tmp_path / "protocol.generated.ts"
    stale.write_text("// stale\n", encoding="utf-8")
    monkeypatch.setattr(typescript, "OUTPUT", stale)
    monkeypatch.setattr(typescript, "PROTOCOL_JSON", tmp_path / "schema" / "protocol.schema.json")
    monkeypatch.setattr(typescript, "RECORD_JSON", tmp_path / "schema" / "notebook-record.schema.json")
    assert typescript.main(["--check"]) == 1
    assert typescript.main([]) == 0
    assert typescript.main(["--check"]) == 0
    (tmp_path / "schema" / "protocol.schema.json").write_text("{}\n", encoding="utf-8")
    assert typescript.main(["--check"]) == 1


def test_every_message_is_declared_once_in_typescript() -> None:
    text = typescript.render()
    assert f"export const PROTOCOL_VERSION = {PROTOCOL_VERSION};" in text
    for message in (*KERNEL_MESSAGES, *BROWSER_MESSAGES):
        assert text.count(f"export interface {message.__name__} ") == 1
    assert "export type KernelMessage = KernelHello | Snapshot | Update" in text
    assert '"set_mode": "SetMode"' in text
    assert "export interface NotebookRecord " in text
    assert "readonly order: Array<[string, number | null]>;" in text
    assert "readonly run: Run | null;" in text
    assert 'export const PROTOCOL_SCHEMA = {\n  "$schema": "https://json-schema.org/draft/2020-12/schema"' in text
