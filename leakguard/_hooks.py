"""The seam between library code (``leakguard.split``, ``leakguard.policy``) and a live kernel session.

Library code calls these functions; when ``%load_ext leakguard`` is active they reach the
session, otherwise they use a process-wide policy. Kept tiny so importing leakguard stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from leakguard.policy import Policy

if TYPE_CHECKING:
    from leakguard.splitting import RowParts


class SessionHooks(Protocol):
    """What a kernel session offers library code."""

    @property
    def policy(self) -> Policy: ...

    def set_policy(self, policy: Policy) -> None: ...

    def on_split(self, frames: tuple[Any, ...], result: tuple[Any, ...], parts: RowParts | None,
                 policy: Policy) -> None: ...


_session: SessionHooks | None = None
_policy: Policy | None = None


def attach(session: SessionHooks | None) -> None:
    """Make ``session`` the live one (None detaches)."""
    global _session
    _session = session


def active() -> SessionHooks | None:
    """The live session, if the extension is loaded."""
    return _session


def current_policy() -> Policy:
    """The policy in force: the session's, else the process-wide one (files read once)."""
    global _policy
    if _session is not None:
        return _session.policy
    if _policy is None:
        from leakguard.policy import load_policy

        _policy = load_policy(".")
    return _policy


def set_policy(policy: Policy) -> None:
    """Replace the policy in force."""
    global _policy
    if _session is not None:
        _session.set_policy(policy)
    else:
        _policy = policy


def split_done(frames: tuple[Any, ...], result: tuple[Any, ...], parts: RowParts | None, policy: Policy) -> None:
    """Tell the live session that ``leakguard.split`` separated ``frames`` into ``result``.

    ``parts`` holds the row masks for eager frames; None for lazy ones (Spark, Polars LazyFrame).
    """
    if _session is not None:
        _session.on_split(frames, result, parts, policy)
