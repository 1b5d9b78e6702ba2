"""The import block of an exported module, sorted the way ruff's isort rules (``I001``) expect.

Sections (future, standard library, third party, relative) separated by a blank line; in a
section straight imports come first, then ``from`` imports, each by module name; a
module's plain ``from`` members are merged and ordered constants, classes, functions; an
``as`` member gets its own line; a line longer than 88 characters is wrapped one member a line.

>>> print(import_block(["import pandas as pd", "from sklearn.metrics import roc_auc_score, accuracy_score",
...                     "from typing import Any", "import os"]))
import os
from typing import Any
<BLANKLINE>
import pandas as pd
from sklearn.metrics import accuracy_score, roc_auc_score
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable

LINE = 88


def import_block(statements: Iterable[str]) -> str:
    """The sorted import block for ``statements`` (each a Python import statement)."""
    straight: dict[int, set[tuple[str, str | None]]] = {}
    members: dict[int, dict[str, set[tuple[str, str | None]]]] = {}
    for text in statements:
        for node in ast.parse(text).body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    straight.setdefault(_section(alias.name, 0), set()).add((alias.name, alias.asname))
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                section = _section(node.module or "", node.level)
                for alias in node.names:
                    members.setdefault(section, {}).setdefault(module, set()).add((alias.name, alias.asname))
    blocks: list[list[str]] = []
    for section in sorted(set(straight) | set(members)):
        lines = [f"import {m}" + (f" as {a}" if a else "")
                 for m, a in sorted(straight.get(section, set()), key=lambda x: (x[0].lower(), x[0], x[1] or ""))]
        for module in sorted(members.get(section, {}), key=lambda m: (m.lstrip(".").lower(), m)):
            names = members[section][module]
            plain = sorted({n for n, a in names if a is None}, key=_member_key)
            if plain:
                lines.append(_from(module, plain))
            for n, a in sorted(((n, a) for n, a in names if a is not None), key=lambda x: _member_key(x[0])):
                lines.append(f"from {module} import {n} as {a}")
        blocks.append(lines)
    return "\n\n".join("\n".join(b) for b in blocks)


def _section(module: str, level: int) -> int:
    if level:
        return 3
    top = module.split(".", 1)[0]
    if top == "__future__":
        return 0
    return 1 if top in sys.stdlib_module_names else 2


def _member_key(name: str) -> tuple[int, str, str]:
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower(), name


def _from(module: str, names: list[str]) -> str:
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= LINE:
        return line
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")"
