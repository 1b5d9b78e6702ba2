"""Per-rule results of the modelling rules over the team's kernel fixtures (tests/kernel/modelling_cases.py).

    python scripts/rule_table.py          # the table
    python scripts/rule_table.py -v       # and every case with what fired where

Each case runs in one real IPython shell with leakguard loaded (the same cells the test
suite runs). A positive counts as caught when its rule fires in the cell of the fit or
the score; a negative twin counts as clean when no modelling rule fires anywhere.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import make_events  # noqa: E402
from tests.kernel.modelling_cases import CASES, MODELLING_RULES, Case, cells_of  # noqa: E402


def run_case(shell: object, case: Case, events: str) -> list[list[tuple[str, str]]]:
    """(rule, severity) per cell of the case's own cells, in a freshly loaded extension."""
    from leakguard.kernel.extension import loaded

    run = shell.run_cell  # type: ignore[attr-defined]
    shell.reset(new_session=False)  # type: ignore[attr-defined]
    run("%load_ext leakguard", store_history=True)
    cells = cells_of(case, events)
    found: list[list[tuple[str, str]]] = []
    try:
        for cell in cells:
            result = run(cell, store_history=True)
            state = loaded()
            assert state is not None
            found.append([(f.rule, f.severity) for f in state.session.cell_findings])
            if result.error_in_exec is not None:
                found[-1].append(("<error>", repr(result.error_in_exec)[:80]))
    finally:
        run("%unload_ext leakguard", store_history=True)
    return found[len(cells) - len([c for c in case.cells.split("# %%\n") if c.strip()]):]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.history_manager.enabled = False
    rows: dict[str, list[int]] = {r: [0, 0, 0, 0, 0] for r in MODELLING_RULES}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="leakguard-rules-") as tmp:
        events = str(Path(tmp) / "events.parquet")
        make_events().to_parquet(events)
        for case in CASES:
            with contextlib.redirect_stdout(io.StringIO()):  # the findings each cell shows
                own = run_case(shell, case, events)
            fired_at = [i for i, fs in enumerate(own) if any(r == case.rule for r, _ in fs)]
            noise = sorted({r for fs in own for r, sev in fs if r in MODELLING_RULES and r != case.rule})
            row = rows[case.rule]
            if case.fires:
                row[0] += 1
                ok = bool(own) and (len(own) + case.at if case.at < 0 else case.at) in fired_at
                row[1] += ok
            else:
                row[2] += 1
                ok = not any(r in MODELLING_RULES for fs in own for r, _ in fs)
                row[3] += ok
            row[4] += bool(noise) and case.fires
            if args.verbose or not ok:
                mark = "ok  " if ok else "MISS"
                print(f"{mark} {case.rule:13} {'+' if case.fires else '-'} {case.name}: "
                      f"{[[r for r, _ in fs] for fs in own]}")
    elapsed = time.perf_counter() - start
    print(f"\n{len(CASES)} fixtures in {elapsed:.1f} s (real IPython shell, leakguard loaded)\n")
    print(f"{'rule':15}{'positives':>10}{'caught':>8}{'twins':>7}{'clean':>7}{'recall':>8}{'precision':>11}"
          f"{'  other rules on positives':>27}")
    for rule, (pos, caught, neg, clean, noisy) in rows.items():
        recall = f"{caught / pos:.0%}" if pos else "-"
        false_pos = neg - clean
        precision = f"{caught / (caught + false_pos):.0%}" if caught + false_pos else "-"
        print(f"{rule:15}{pos:>10}{caught:>8}{neg:>7}{clean:>7}{recall:>8}{precision:>11}{noisy:>27}")
    total = [sum(v[i] for v in rows.values()) for i in range(5)]
    print(f"{'all':15}{total[0]:>10}{total[1]:>8}{total[2]:>7}{total[3]:>7}"
          f"{total[1] / total[0]:>8.0%}{total[1] / (total[1] + total[2] - total[3]):>11.0%}{total[4]:>27}")
    return 0 if total[1] == total[0] and total[3] == total[2] else 1


if __name__ == "__main__":
    sys.exit(main())
