"""The ``%leakguard`` line magic: status, policy, mode, explain, findings."""

from __future__ import annotations

from typing import Any

from IPython.core.magic import Magics, line_magic, magics_class

from leakguard.errors import PolicyError
from leakguard.faces.display import explain_html, explain_text, findings_html, findings_text
from leakguard.kernel.session import Session
from leakguard.policy import MODES, parse_magic_args

USAGE = """usage:
  %leakguard                      status: policy, mode, findings so far
  %leakguard policy KEY=VALUE ... set label, time, cutoff, holdout, seed, holdout_column, ...
  %leakguard mode warn|block|safe
  %leakguard explain NAME         where a value comes from, cell by cell
  %leakguard findings             every finding of this session"""


def _show(text: str, html_text: str | None = None) -> None:
    from IPython.display import display

    bundle = {"text/plain": text}
    if html_text is not None:
        bundle["text/html"] = html_text
    display(bundle, raw=True)


@magics_class
class LeakguardMagics(Magics):
    """``%leakguard ...``."""

    def __init__(self, shell: Any, session: Session) -> None:
        super().__init__(shell)
        self.session = session

    @line_magic
    def leakguard(self, line: str) -> None:
        """Status, policy, mode, explain and findings of leakguard (``%leakguard help``)."""
        s = self.session
        command, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        if command == "":
            _show(self.status())
        elif command == "policy":
            if not rest:
                _show(s.policy.summary())
                return
            try:
                values = parse_magic_args(rest)
                s.set_policy(s.policy.updated(values, origin="%leakguard policy"))
            except PolicyError as exc:
                _show(f"leakguard: {exc}")
                return
            _show(s.policy.summary())
        elif command == "mode":
            if rest not in MODES:
                _show(f"leakguard: mode must be one of {', '.join(MODES)} (got {rest!r})")
                return
            s.set_policy(s.policy.updated({"mode": rest}, origin="%leakguard mode"))
            _show(f"leakguard mode: {rest}")
        elif command == "explain":
            node = s.node_for_name(rest)
            if node is None:
                _show(f"leakguard: no lineage for {rest!r} (not a variable leakguard has seen)")
                return
            _show(explain_text(s.graph, node), explain_html(s.graph, node))
        elif command == "findings":
            _show(findings_text(s.findings) or "leakguard: no findings", findings_html(s.findings))
        else:
            _show(USAGE)

    def status(self) -> str:
        s = self.session
        by_rule: dict[str, int] = {}
        for f in s.findings:
            by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(by_rule.items())) or "none"
        return (f"leakguard is on\n  policy: {s.policy.summary()}\n  findings: {counts}\n"
                f"  tracked values: {len(s.tracker)}; lineage nodes: {len(s.graph.nodes)}")
