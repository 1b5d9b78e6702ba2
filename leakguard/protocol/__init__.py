"""The comm protocol between the kernel and JupyterLab: every message type, declared once.

``messages`` declares the types (Python ``TypedDict``s), the notebook's metadata record and
the protocol version; ``schema`` generates JSON Schema (draft 2020-12) from them and validates
with ``jsonschema``; ``typescript`` writes the schemas (docs/schema/) and the frontend's types.
"""

from leakguard.protocol.messages import (
    BROWSER_MESSAGES,
    KERNEL_MESSAGES,
    PROTOCOL_VERSION,
    TARGET,
)
from leakguard.protocol.schema import (
    ProtocolError,
    validate_browser_message,
    validate_kernel_message,
    validate_notebook_record,
)

__all__ = [
    "BROWSER_MESSAGES", "KERNEL_MESSAGES", "PROTOCOL_VERSION", "TARGET", "ProtocolError",
    "validate_browser_message", "validate_kernel_message", "validate_notebook_record",
]
