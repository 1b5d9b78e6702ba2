"""Every modelling fixture in a real IPython shell: each positive fires its rule at the fit or the score,
each negative twin stays clean of every modelling rule (a false positive is a bug)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kernel.modelling_cases import CASES, MODELLING_RULES, Case, cells_of


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}: {c.name}")
def test_modelling_case(case: Case, kernel, events_file: Path) -> None:
    cells = cells_of(case, str(events_file))
    per_cell = []
    for cell in cells:
        run = kernel.run(cell)
        per_cell.append(run.findings)
    own = per_cell[len(cells) - len(case.cells.split("# %%\n")):]
    if case.fires:
        last = own[case.at]
        assert case.rule in [f.rule for f in last], (
            f"{case.rule} did not fire at the expected cell; per cell: "
            f"{[[f.rule for f in fs] for fs in own]}")
        finding = next(f for f in last if f.rule == case.rule)
        assert finding.hint and finding.provenance, finding
    else:
        leaks = [(f.rule, f.message) for fs in own for f in fs if f.rule in MODELLING_RULES]
        assert not leaks, leaks
