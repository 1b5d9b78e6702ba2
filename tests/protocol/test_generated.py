"""The TypeScript protocol file is generated from the Python declarations and must not drift."""

from __future__ import annotations

from leakguard.protocol import typescript
from leakguard.protocol.messages import BROWSER_MESSAGES, KERNEL_MESSAGES, PROTOCOL_VERSION


def test_generated_typescript_is_current() -> None:
    on_disk = typescript.OUTPUT.read_text(encoding="utf-8")
    assert on_disk == typescript.render(), "run: python -m leakguard.protocol.typescript"


def test_check_flag_reports_drift(tmp_path, monkeypatch) -> None:
    stale = tmp_path / "protocol.generated.ts"
    stale.write_text("// stale\n", encoding="utf-8")
    monkeypatch.setattr(typescript, "OUTPUT", stale)
    assert typescript.main(["--check"]) == 1
    assert typescript.main([]) == 0
    assert typescript.main(["--check"]) == 0


def test_every_message_is_declared_once_in_typescript() -> None:
    text = typescript.render()
    assert f"export const PROTOCOL_VERSION = {PROTOCOL_VERSION};" in text
    for message in (*KERNEL_MESSAGES, *BROWSER_MESSAGES):
        assert text.count(f"export interface {message.__name__} ") == 1
    assert "export type KernelMessage = KernelHello | Snapshot | Update" in text
    assert '"set_mode": "SetMode"' in text
