"""Measuring the engines on a labelled corpus: per-rule and per-family precision and recall.

A fixture declares the rule ids it should raise (warnings and errors; ``info`` findings
are "could not tell" and are not counted) and, optionally, the cell each must land in: a
``.py`` file in its first line,
``# leakguard-fixture: expect=peek-holdout,peek-future at=peek-holdout@3 runnable=yes``; a
notebook in ``metadata.leakguard_fixture = {"expect": [...], "at": ["peek-holdout@3"],
"runnable": true, "why": "..."}``. Cells are counted as ``leakguard check`` counts them (for a
script, the lines before the first ``# %%`` are cell 1; a notebook counts markdown cells too).
``runnable`` says the fixture can also run in a real kernel (for the parity test).

Two scores: by *rule set* (the rule is raised somewhere in the file) and by *place* (the rule
is raised in every cell its ``at`` names; a rule raised only elsewhere is a false positive and
a false negative at once: found, wrong place). A rule without ``at`` scores the same in both.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from leakguard.static.engine import FileReport

_HEADER = re.compile(r"^#\s*leakguard-fixture:\s*(.*)$")
_PLACE = re.compile(r"^([a-z][a-z-]*)@([0-9]+)$")
# a fixture name's leading rule id (with underscores) names its family in a flat corpus,
# after an optional library prefix that stays part of the family (spark_peek_holdout_x: spark/peek-holdout)
_LIBRARIES = ("spark", "polars")

Place = tuple[str, int | None]  # (rule id, cell number) of one finding


@dataclasses.dataclass(frozen=True, slots=True)
class Fixture:
    """One corpus file, what it should raise and where."""

    path: Path
    expect: frozenset[str]
    runnable: bool
    why: str = ""
    at: frozenset[tuple[str, int]] = frozenset()
    family: str = ""
    key: str = ""       # unique in its corpus: the file name, or family/name in a corpus of family folders

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def id(self) -> str:
        return self.key or self.path.name


def parse_at(items: Iterable[str]) -> frozenset[tuple[str, int]]:
    """``rule@N`` items as (rule, cell) pairs; ValueError on a malformed one (a typo must not pass silently)."""
    places = set()
    for item in items:
        m = _PLACE.match(item.strip())
        if m is None:
            raise ValueError(f"'{item}' is not rule@cell")
        places.add((m.group(1), int(m.group(2))))
    return frozenset(places)


def rule_family(name: str, rules: Iterable[str]) -> str:
    """The family of a flat corpus's fixture: its name's leading rule id (``peek_future_x`` → ``peek-future``)."""
    stem = name.rsplit(".", 1)[0]
    lib = next((f"{lib}/" for lib in _LIBRARIES if stem.startswith(f"{lib}_")), "")
    rest = stem[len(lib):]
    for rule in sorted(rules, key=len, reverse=True):
        if rest == rule.replace("-", "_") or rest.startswith(rule.replace("-", "_") + "_"):
            return lib + rule
    return lib + rest.split("_", 1)[0]


def load_fixture(path: Path, family: str = "", key: str = "") -> Fixture:
    """The fixture's declared expectations; ValueError when it declares none or a malformed place."""
    if path.suffix == ".ipynb":
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("leakguard_fixture")
        if not isinstance(meta, dict):
            raise ValueError(f"{path}: no metadata.leakguard_fixture")
        at = meta.get("at", [])
        try:
            places = parse_at([at] if isinstance(at, str) else at)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
        return Fixture(path, frozenset(meta.get("expect", [])), bool(meta.get("runnable", False)),
                       str(meta.get("why", "")), places, family, key)
    lines = path.read_text(encoding="utf-8").splitlines()
    m = _HEADER.match(lines[0]) if lines else None
    if m is None:
        raise ValueError(f"{path}: first line is not '# leakguard-fixture: expect=... runnable=...'")
    fields = dict(part.split("=", 1) for part in m.group(1).split() if "=" in part)
    expect = fields.get("expect", "none")
    why = lines[1].lstrip("# ").strip() if len(lines) > 1 else ""
    try:
        places = parse_at(fields["at"].split(",")) if fields.get("at") else frozenset()
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return Fixture(path, frozenset() if expect == "none" else frozenset(expect.split(",")),
                   fields.get("runnable", "no") == "yes", why, places, family, key)


def load_corpus(folder: Path) -> list[Fixture]:
    """Every fixture of a corpus folder, sorted by name; the family is the name's rule prefix."""
    from leakguard.rules.registry import RULE_IDS

    paths = [*folder.glob("*.py"), *folder.glob("*.ipynb")]
    return [load_fixture(p, rule_family(p.name, RULE_IDS), p.name) for p in sorted(paths) if p.name != "conftest.py"]


def load_families(folder: Path) -> list[Fixture]:
    """Every fixture of a corpus of family folders (tests/fixtures/wild): ``family/name``, sorted; ``data/`` skipped."""
    paths = [p for p in [*folder.glob("*/*.py"), *folder.glob("*/*.ipynb")]
             if p.name != "conftest.py" and p.parent.name != "data"]
    return [load_fixture(p, p.parent.name, f"{p.parent.name}/{p.name}") for p in sorted(paths)]


def load_folder(folder: Path) -> list[Fixture]:
    """A flat corpus (fixtures at the top, tests/fixtures/corpus) or one of family folders (tests/fixtures/wild)."""
    flat = [p for p in [*folder.glob("*.py"), *folder.glob("*.ipynb")] if p.name != "conftest.py"]
    return load_corpus(folder) if flat else load_families(folder)


def reported(report: FileReport) -> frozenset[str]:
    """The rule ids a report raises at warning or error severity."""
    return frozenset(f.rule for f in report.findings if f.severity != "info")


def placed(report: FileReport) -> frozenset[Place]:
    """Where a report's warnings and errors land: (rule id, cell number)."""
    return frozenset((f.rule, f.cell) for f in report.findings if f.severity != "info")


@dataclasses.dataclass(slots=True)
class Counts:
    """True positives, false positives and false negatives of one rule (or family) over the corpus."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def add(self, outcome: str) -> None:
        if outcome == "misplaced":  # found the rule, wrong place: counts against both figures
            self.fp, self.fn = self.fp + 1, self.fn + 1
        else:
            setattr(self, outcome, getattr(self, outcome) + 1)


def judge(fx: Fixture, got: frozenset[Place], located: bool = True) -> Iterator[tuple[str, str]]:
    """Each rule expected or raised in one fixture with its outcome: tp, fp, fn or misplaced.

    ``misplaced`` (only when ``located``): the rule is expected and raised, but not in every
    cell the fixture's ``at`` names for it. Extra findings of a rule found in its place do not count.
    """
    rules = {rule for rule, _ in got}
    for rule in sorted(fx.expect | rules):
        if rule in fx.expect and rule in rules:
            wanted = {cell for r, cell in fx.at if r == rule}
            landed = {cell for r, cell in got if r == rule}
            yield rule, "tp" if not located or wanted <= landed else "misplaced"
        else:
            yield rule, "fp" if rule in rules else "fn"


def as_places(found: Mapping[str, frozenset[str]]) -> dict[str, frozenset[Place]]:
    """Rule sets as places with no cell (for the rule-set score)."""
    return {k: frozenset((r, None) for r in v) for k, v in found.items()}


def score_places(fixtures: Iterable[Fixture], found: Mapping[str, frozenset[Place]], rules: Iterable[str],
                 located: bool = True) -> dict[str, Counts]:
    """Per-rule counts: ``found`` maps a fixture's id to where the engine's findings landed."""
    counts = {r: Counts() for r in rules}
    for fx in fixtures:
        for rule, outcome in judge(fx, found.get(fx.id, frozenset()), located):
            counts.setdefault(rule, Counts()).add(outcome)
    return counts


def score(fixtures: Iterable[Fixture], found: Mapping[str, frozenset[str]], rules: Iterable[str]) -> dict[str, Counts]:
    """Per-rule counts by rule set: ``found`` maps a fixture's id to the rule ids the engine reported for it."""
    return score_places(fixtures, as_places(found), rules, located=False)


def score_families(fixtures: Iterable[Fixture], found: Mapping[str, frozenset[Place]],
                   located: bool = True) -> dict[str, Counts]:
    """Per-family counts over every rule (a clean twin's false alarm counts against its family)."""
    counts: dict[str, Counts] = {}
    for fx in sorted(fixtures, key=lambda f: f.family):
        c = counts.setdefault(fx.family or "-", Counts())
        for _, outcome in judge(fx, found.get(fx.id, frozenset()), located):
            c.add(outcome)
    return counts


def misplaced(fixtures: Iterable[Fixture], found: Mapping[str, frozenset[Place]]) -> list[str]:
    """One line per rule found in a fixture but not where its ``at`` says."""
    lines = []
    for fx in fixtures:
        got = found.get(fx.id, frozenset())
        for rule, outcome in judge(fx, got):
            if outcome == "misplaced":
                wanted = sorted(c for r, c in fx.at if r == rule)
                landed = sorted(c for r, c in got if r == rule and c is not None)
                lines.append(f"{fx.id}: {rule} expected in cell {wanted}, found in {landed}")
    return lines


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.1%}"


def table(counts: Mapping[str, Counts], head: str = "rule") -> str:
    """A table of counts: name (rule or family), TP, FP, FN, precision, recall, and a total row."""
    total = Counts()
    for c in counts.values():
        total.tp, total.fp, total.fn = total.tp + c.tp, total.fp + c.fp, total.fn + c.fn
    rows = [*counts.items(), ("all", total)]
    width = max(15, *(len(n) for n, _ in rows))
    lines = [f"{head:<{width}} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>10} {'recall':>8}"]
    lines += [f"{n:<{width}} {c.tp:>4} {c.fp:>4} {c.fn:>4} {_pct(c.precision):>10} {_pct(c.recall):>8}"
              for n, c in rows]
    return "\n".join(lines)


def markdown_table(by_set: Mapping[str, Counts], by_place: Mapping[str, Counts], head: str = "rule") -> str:
    """Both scores side by side as a markdown table (for docs/check.md): counts by place, P/R by set and by place."""
    lines = [f"| {head} | tp | fp | fn | precision | recall | by rule set: precision | recall |",
             "|---|--:|--:|--:|--:|--:|--:|--:|"]
    totals = Counts(), Counts()
    for name in by_place:
        p, r = by_place[name], by_set.get(name, Counts())
        for total, c in zip(totals, (p, r), strict=True):
            total.tp, total.fp, total.fn = total.tp + c.tp, total.fp + c.fp, total.fn + c.fn
        if p.tp + p.fp + p.fn + r.tp + r.fp + r.fn:
            lines.append(_markdown_row(name, p, r))
    lines.append(_markdown_row("**all**", *totals))
    return "\n".join(lines)


def _markdown_row(name: str, p: Counts, r: Counts) -> str:
    cells = [_pct(v).strip() for v in (p.precision, p.recall, r.precision, r.recall)]
    return f"| {name} | {p.tp} | {p.fp} | {p.fn} | " + " | ".join(cells) + " |"


# -- the kernel engine on the same corpus (parity) -------------------------------------------------------


def as_notebook(fixture: Fixture, folder: Path, stem: str | None = None) -> tuple[Path, list[int]]:
    """The fixture as a notebook in ``folder`` for a kernel run, and the cell number of each of its cells.

    Scripts become one cell per ``# %%`` block. Blank cells are left out (a kernel run never
    executes them), so the n-th cell to run has execution count n and its number is ``numbers[n - 1]``.
    """
    from leakguard.static.reading.sources import read_source

    kept = [c for c in read_source(fixture.path).cells if c.raw.strip()]
    cells: list[dict[str, object]] = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {},
                                       "outputs": [], "source": c.raw} for i, c in enumerate(kept)]
    nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}}
    out = folder / f"{stem or fixture.path.stem}.ipynb"
    out.write_text(json.dumps(nb), encoding="utf-8")
    return out, [c.number for c in kept]


def kernel_place(finding: Mapping[str, object], numbers: list[int]) -> Place:
    """Where a kernel finding landed, as a cell number of the fixture: by cell id when the kernel had one."""
    where = finding.get("where")
    cell = where.get("cell") if isinstance(where, dict) else None
    count = where.get("execution_count") if isinstance(where, dict) else None
    index: int | None = None
    if isinstance(cell, str) and re.fullmatch(r"c[0-9]+", cell):
        index = int(cell[1:])
    elif isinstance(count, int):
        index = count - 1
    number = numbers[index] if index is not None and 0 <= index < len(numbers) else None
    return str(finding["rule"]), number


def run_kernel_places(fixtures: Iterable[Fixture], jobs: int = 4, timeout: int = 120,
                      data: Path | None = None) -> dict[str, frozenset[Place]]:
    """Where the kernel engine's warnings and errors land for each fixture, run in real kernels.

    Each fixture runs in a fresh kernel, in a scratch folder that sees the corpus's data
    (``data``, by default the ``data`` folder beside the first fixture or above it) and the policy
    file beside the fixtures, so the corpus itself is never written to.
    """
    import shutil
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from leakguard.runner import run_notebook

    chosen = list(fixtures)
    if not chosen:
        return {}
    corpus = chosen[0].path.parent
    if data is None:
        data = next((d / "data" for d in (corpus, corpus.parent) if (d / "data").is_dir()), None)
    with tempfile.TemporaryDirectory(prefix="leakguard-parity-") as tmp:
        folder = Path(tmp)
        if data is not None:
            (folder / "data").symlink_to(data.resolve(), target_is_directory=True)
        if (corpus / "leakguard.toml").is_file():
            shutil.copy(corpus / "leakguard.toml", folder / "leakguard.toml")

        def one(item: tuple[int, Fixture]) -> tuple[str, frozenset[Place]]:
            i, fx = item
            notebook, numbers = as_notebook(fx, folder, f"{i:04d}_{fx.path.stem}")
            result = run_notebook(notebook, timeout=timeout)
            return fx.id, frozenset(kernel_place(f, numbers) for f in result.findings if f.get("severity") != "info")

        with ThreadPoolExecutor(max(1, jobs)) as pool:
            return dict(pool.map(one, enumerate(chosen)))


def rules_of(found: Mapping[str, frozenset[Place]]) -> dict[str, frozenset[str]]:
    """The rule ids of each fixture's places."""
    return {k: frozenset(rule for rule, _ in v) for k, v in found.items()}


def run_kernel(fixtures: Iterable[Fixture], jobs: int = 4, timeout: int = 120) -> dict[str, frozenset[str]]:
    """The rule ids (warning and error) the kernel engine reports for each fixture, run in real kernels."""
    return rules_of(run_kernel_places(fixtures, jobs, timeout))


BASELINE_VERSION = 2


def _places_json(places: frozenset[Place] | None) -> list[list[object]] | None:
    return None if places is None else sorted(([r, c] for r, c in places), key=lambda p: (str(p[0]), p[1] or 0))


def places_from_json(value: object) -> frozenset[Place] | None:
    """A baseline's ``[[rule, cell], ...]`` back as places (None stays None: not measured)."""
    if not isinstance(value, list):
        return None
    return frozenset((str(r), c if isinstance(c, int) else None) for r, c in value)


def baseline_data(fixtures: Iterable[Fixture], static: Mapping[str, frozenset[Place]],
                  kernel: Mapping[str, frozenset[Place]] | None, rules: Iterable[str]) -> dict[str, object]:
    """The committed measurement: per-rule counts (by rule set and by place) and per-fixture results of both engines.

    ``static``/``kernel`` are rule ids per fixture as before; ``static_at``/``kernel_at`` the cells they land in.
    """
    fixtures, rules = list(fixtures), list(rules)
    by_set = score_places(fixtures, static, rules, located=False)
    by_place = score_places(fixtures, static, rules)
    return {
        "version": BASELINE_VERSION,
        "rules": {r: {"tp": c.tp, "fp": c.fp, "fn": c.fn} for r, c in by_set.items()},
        "rules_at": {r: {"tp": c.tp, "fp": c.fp, "fn": c.fn} for r, c in by_place.items()},
        "fixtures": {fx.id: {
            "expect": sorted(fx.expect), "at": sorted(f"{r}@{c}" for r, c in fx.at),
            "static": sorted({r for r, _ in static.get(fx.id, frozenset())}),
            "static_at": _places_json(static.get(fx.id, frozenset())),
            "kernel": sorted({r for r, _ in kernel[fx.id]}) if kernel is not None and fx.id in kernel else None,
            "kernel_at": _places_json(kernel[fx.id]) if kernel is not None and fx.id in kernel else None,
        } for fx in fixtures},
    }
