"""Suppressions: ``# leakguard: ignore[rule]`` comments and baseline files.

A comment suppresses the named rules (or every rule, without brackets) for findings on
its own line, or on the next line when the comment stands alone on its line;
``# leakguard: ignore-file[rule]`` anywhere suppresses them for the whole file. A baseline
file (``--baseline``) lists known findings by a fingerprint that survives moving lines:
the rule, the file, the subject and the text of the offending line.

>>> c = comments("x = 1\\ndf.describe()  # leakguard: ignore[peek-holdout]\\n")
>>> c.suppressed("peek-holdout", 2), c.suppressed("peek-future", 2), c.suppressed("peek-holdout", 1)
(True, False, False)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_COMMENT = re.compile(r"#\s*leakguard:\s*ignore(-file)?(?:\[([^\]]*)\])?")
ALL = "*"
BASELINE_VERSION = 1


@dataclasses.dataclass(slots=True)
class Comments:
    """Suppressions by comment in one piece of source (a cell or a script)."""

    lines: dict[int, frozenset[str]]
    file: frozenset[str]

    def suppressed(self, rule: str, line: int | None) -> bool:
        """True when ``rule`` is suppressed at ``line`` (1-based) or for the whole file."""
        if rule in self.file or ALL in self.file:
            return True
        rules = self.lines.get(line or 0)
        return rules is not None and (rule in rules or ALL in rules)


def comments(source: str, first_line: int = 1) -> Comments:
    """The suppression comments of ``source``; line numbers start at ``first_line``."""
    lines: dict[int, frozenset[str]] = {}
    file: set[str] = set()
    if "leakguard:" not in source:
        return Comments(lines, frozenset())
    for i, text in enumerate(source.split("\n")):
        m = _COMMENT.search(text)
        if m is None:
            continue
        rules = frozenset(r.strip() for r in m.group(2).split(",") if r.strip()) if m.group(2) else frozenset({ALL})
        if m.group(1):
            file |= rules
            continue
        line = first_line + i
        lines[line] = lines.get(line, frozenset()) | rules
        if text.strip().startswith("#"):
            lines[line + 1] = lines.get(line + 1, frozenset()) | rules
    return Comments(lines, frozenset(file))


def fingerprint(path: str, rule: str, subject: str, line_text: str) -> str:
    """A finding's identity in a baseline: stable when lines move, changed when the code changes."""
    raw = "\x1f".join((path.replace("\\", "/"), rule, subject, " ".join(line_text.split())))
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def read_baseline(path: Path) -> set[str]:
    """The fingerprints in a baseline file; raises ValueError with a readable message."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"baseline {path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    except (RecursionError, ValueError) as exc:  # nested too deeply, not UTF-8, an integer past the digit limit
        raise ValueError(f"baseline {path} is not readable JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise ValueError(f"baseline {path} has no 'findings' list")
    return {str(f["fingerprint"]) for f in data["findings"] if isinstance(f, dict) and "fingerprint" in f}


def write_baseline(path: Path, entries: Iterable[dict[str, Any]]) -> None:
    """Write a baseline file (sorted, so it diffs well)."""
    rows = sorted(entries, key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    text = json.dumps({"version": BASELINE_VERSION, "findings": rows}, indent=1, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")
