"""The errors leakguard raises: one small hierarchy, each pointing at what a person must fix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leakguard.finding import Finding


class LeakguardError(Exception):
    """Base of every error leakguard raises on purpose."""


class PolicyError(LeakguardError, ValueError):
    """The policy is malformed or names something the data does not have."""


class LeakageError(LeakguardError):
    """Raised in block mode before a leaking call runs; carries the findings that stopped it."""

    def __init__(self, findings: tuple[Finding, ...]) -> None:
        self.findings = findings
        lines = [f"[{f.rule}] {f.message}" for f in findings]
        hints = [f"fix: {f.hint}" for f in findings if f.hint]
        super().__init__("leakguard blocked this call:\n  " + "\n  ".join(lines + hints))

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback through leakguard's wrappers. The findings
        # themselves are shown once, marked blocked, in the cell's leakguard report below it.
        rules = ", ".join(dict.fromkeys(f.rule for f in self.findings))
        what = "the finding below says" if len(self.findings) == 1 else "the findings below say"
        return [f"LeakageError: leakguard blocked this call before it ran ({rules}); {what} why.",
                "(leakguard mode is 'block'; `%leakguard mode warn` to only warn)"]

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.findings,))
