"""Measuring the static engine on a labelled corpus: per-rule precision and recall.

A fixture declares the rule ids it should raise (warnings and errors; ``info`` findings
are "could not tell" and are not counted): a ``.py`` file in its first line,
``# leakguard-fixture: expect=peek-holdout,peek-future runnable=yes``; a notebook in
``metadata.leakguard_fixture = {"expect": [...], "runnable": true, "why": "..."}``.
``runnable`` says the fixture can also run in a real kernel (for the parity test).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from leakguard.static.engine import FileReport

_HEADER = re.compile(r"^#\s*leakguard-fixture:\s*(.*)$")


@dataclasses.dataclass(frozen=True, slots=True)
class Fixture:
    """One corpus file and what it should raise."""

    path: Path
    expect: frozenset[str]
    runnable: bool
    why: str = ""

    @property
    def name(self) -> str:
        return self.path.name


def load_fixture(path: Path) -> Fixture:
    """The fixture's declared expectations; ValueError when it declares none."""
    if path.suffix == ".ipynb":
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("leakguard_fixture")
        if not isinstance(meta, dict):
            raise ValueError(f"{path}: no metadata.leakguard_fixture")
        return Fixture(path, frozenset(meta.get("expect", [])), bool(meta.get("runnable", False)),
                       str(meta.get("why", "")))
    lines = path.read_text(encoding="utf-8").splitlines()
    m = _HEADER.match(lines[0]) if lines else None
    if m is None:
        raise ValueError(f"{path}: first line is not '# leakguard-fixture: expect=... runnable=...'")
    fields = dict(part.split("=", 1) for part in m.group(1).split() if "=" in part)
    expect = fields.get("expect", "none")
    why = lines[1].lstrip("# ").strip() if len(lines) > 1 else ""
    return Fixture(path, frozenset() if expect == "none" else frozenset(expect.split(",")),
                   fields.get("runnable", "no") == "yes", why)


def load_corpus(folder: Path) -> list[Fixture]:
    """Every fixture of a corpus folder, sorted by name."""
    paths = [*folder.glob("*.py"), *folder.glob("*.ipynb")]
    return [load_fixture(p) for p in sorted(paths) if p.name != "conftest.py"]


def reported(report: FileReport) -> frozenset[str]:
    """The rule ids a report raises at warning or error severity."""
    return frozenset(f.rule for f in report.findings if f.severity != "info")


@dataclasses.dataclass(slots=True)
class Counts:
    """True positives, false positives and false negatives of one rule over the corpus."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def score(fixtures: Iterable[Fixture], found: Mapping[str, frozenset[str]], rules: Iterable[str]) -> dict[str, Counts]:
    """Per-rule counts: ``found`` maps a fixture name to the rule ids the engine reported for it."""
    counts = {r: Counts() for r in rules}
    for fx in fixtures:
        got = found.get(fx.name, frozenset())
        for rule in fx.expect | got:
            c = counts.setdefault(rule, Counts())
            if rule in fx.expect and rule in got:
                c.tp += 1
            elif rule in got:
                c.fp += 1
            else:
                c.fn += 1
    return counts


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.1%}"


def table(counts: Mapping[str, Counts]) -> str:
    """A per-rule table: rule, TP, FP, FN, precision, recall."""
    lines = [f"{'rule':<15} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>10} {'recall':>8}"]
    total = Counts()
    for rule, c in counts.items():
        lines.append(f"{rule:<15} {c.tp:>4} {c.fp:>4} {c.fn:>4} {_pct(c.precision):>10} {_pct(c.recall):>8}")
        total.tp, total.fp, total.fn = total.tp + c.tp, total.fp + c.fp, total.fn + c.fn
    lines.append(f"{'all':<15} {total.tp:>4} {total.fp:>4} {total.fn:>4} {_pct(total.precision):>10} "
                 f"{_pct(total.recall):>8}")
    return "\n".join(lines)


# -- the kernel engine on the same corpus (parity) -------------------------------------------------------


def as_notebook(fixture: Fixture, folder: Path) -> Path:
    """The fixture as a notebook in ``folder`` (scripts become one cell per ``# %%`` block), for a kernel run."""
    from leakguard.static.sources import read_source

    source = read_source(fixture.path)
    cells: list[dict[str, object]] = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
              "source": c.raw} for i, c in enumerate(source.cells)]
    nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}}
    out = folder / f"{fixture.path.stem}.ipynb"
    out.write_text(json.dumps(nb), encoding="utf-8")
    return out


def run_kernel(fixtures: Iterable[Fixture], jobs: int = 4, timeout: int = 120) -> dict[str, frozenset[str]]:
    """The rule ids (warning and error) the kernel engine reports for each fixture, run in real kernels.

    Each fixture runs in a fresh kernel, in a scratch folder that sees the corpus's data
    and policy file, so the corpus itself is never written to.
    """
    import shutil
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from leakguard.runner import run_notebook

    chosen = list(fixtures)
    if not chosen:
        return {}
    corpus = chosen[0].path.parent
    with tempfile.TemporaryDirectory(prefix="leakguard-parity-") as tmp:
        folder = Path(tmp)
        for extra in ("data", "leakguard.toml"):
            if (corpus / extra).is_dir():
                (folder / extra).symlink_to(corpus / extra, target_is_directory=True)
            elif (corpus / extra).exists():
                shutil.copy(corpus / extra, folder / extra)

        def one(fx: Fixture) -> tuple[str, frozenset[str]]:
            result = run_notebook(as_notebook(fx, folder), timeout=timeout)
            return fx.name, frozenset(f["rule"] for f in result.findings if f.get("severity") != "info")

        with ThreadPoolExecutor(max(1, jobs)) as pool:
            return dict(pool.map(one, chosen))


BASELINE_VERSION = 1


def baseline_data(fixtures: Iterable[Fixture], static: Mapping[str, frozenset[str]],
                  kernel: Mapping[str, frozenset[str]] | None, rules: Iterable[str]) -> dict[str, object]:
    """The committed measurement: per-rule counts and per-fixture results of both engines."""
    fixtures = list(fixtures)
    counts = score(fixtures, static, rules)
    return {
        "version": BASELINE_VERSION,
        "rules": {r: {"tp": c.tp, "fp": c.fp, "fn": c.fn} for r, c in counts.items()},
        "fixtures": {fx.name: {"expect": sorted(fx.expect), "static": sorted(static.get(fx.name, ())),
                               "kernel": sorted(kernel[fx.name]) if kernel is not None and fx.name in kernel
                               else None}
                     for fx in fixtures},
    }
