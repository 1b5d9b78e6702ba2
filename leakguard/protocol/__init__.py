"""The comm protocol between the kernel and JupyterLab: every message type, declared once.

``messages`` declares the types (Python ``TypedDict``s) and the protocol version;
``schema`` turns them into a plain-data schema and validates values against it;
``typescript`` writes the frontend's types and the same schema from them.
"""

from leakguard.protocol.messages import (
    BROWSER_MESSAGES,
    KERNEL_MESSAGES,
    PROTOCOL_VERSION,
    TARGET,
)
from leakguard.protocol.schema import ProtocolError, validate_browser_message, validate_kernel_message

__all__ = [
    "BROWSER_MESSAGES", "KERNEL_MESSAGES", "PROTOCOL_VERSION", "TARGET", "ProtocolError",
    "validate_browser_message", "validate_kernel_message",
]
