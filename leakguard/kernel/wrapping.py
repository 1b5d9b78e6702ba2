"""What a wrapped call's handler returns: the ``Plan`` the wrapper carries out, and the handler's type.

A leaf module (nothing of leakguard's is imported at run time), so every handler module (kernel,
library adapters, SQL interception) builds its ``Plan`` directly, and none of them has to import
the wrapper machinery in ``kernel/handlers.py`` late to avoid an import cycle.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leakguard.kernel.session import Session
    from leakguard.libraries.api import Api


@dataclasses.dataclass
class Plan:
    """What the wrapper does: call with ``args`` / ``kwargs`` instead (safe mode), then run ``after``."""

    args: tuple[Any, ...] | None = None
    kwargs: dict[str, Any] | None = None
    after: Callable[[Any], object] | None = None  # what it returns is ignored
    wrap: Callable[[Any], Any] | None = None  # what the user gets instead of the result (same items: kernel/folds.py)
    # a restricted SQL query that fails is sent again unchanged: reading twice changes nothing,
    # and the user then gets exactly the error (or result) their own query gives; this is then called
    retry_unrestricted: Callable[[], None] | None = None


# A handler: given the call's arguments before it runs, what to do around it (None: call straight through).
Before = Callable[["Session", "Api", tuple[Any, ...], dict[str, Any]], "Plan | None"]
