"""Reading the SQL fixture files: cases with a title line, a dialect, expected rule ids, and the query."""

from __future__ import annotations

import dataclasses
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sql"
SCHEMA = (FIXTURES / "schema.sql").read_text(encoding="utf-8")
POLICY = {"label": "churned", "time": "ts", "cutoff": "1998-01-01", "holdout_tables": ["test_customers"]}


@dataclasses.dataclass(frozen=True)
class Case:
    file: str
    title: str
    dialect: str
    expect: tuple[str, ...]   # rule ids, ``rule:info`` for info findings; empty for none
    sql: str

    @property
    def id(self) -> str:
        return f"{self.file}: {self.title}"


def load_cases() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(FIXTURES.glob("*.sql")):
        if path.name == "schema.sql":
            continue
        for block in path.read_text(encoding="utf-8").split("-- title: ")[1:]:
            lines = block.splitlines()
            head = {"title": lines[0].strip()}
            body: list[str] = []
            for line in lines[1:]:
                if line.startswith("-- ") and ":" in line and not body:
                    key, _, value = line[3:].partition(":")
                    head[key.strip()] = value.strip()
                else:
                    body.append(line)
            expect = () if head["expect"] == "none" else tuple(sorted(e.strip() for e in head["expect"].split(",")))
            cases.append(Case(path.stem, head["title"], head["dialect"], expect, "\n".join(body).strip()))
    return cases
