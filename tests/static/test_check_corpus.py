"""The fixture corpus: coverage of every rule with twins, no regression against the committed baseline, parity.

The baseline (tests/fixtures/corpus/baseline.json) records what the engines measure, written by
``python scripts/precision_recall.py --kernel --update``. A rule's true positives may not drop and
its false positives may not rise, counted by rule set and by place (the cell a fixture's
``at=rule@cell`` names); a fixture the static engine got right (rules, and places) must stay right;
a fixture on which the kernel engine and the static engine agreed must keep agreeing.

The kernel engine runs every runnable fixture in one real IPython shell of this process, reset and
with leakguard unloaded between fixtures (as tests/wild does); a few fixtures also run in spawned
Jupyter kernels, and both paths must place the same findings in the same cells.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from leakguard.rules.registry import RULE_IDS
from leakguard.static.engine import check_path
from leakguard.static.evaluation import (
    Fixture,
    Place,
    judge,
    load_corpus,
    placed,
    rules_of,
    run_kernel_places,
    score,
    score_places,
)
from tests.conftest import InteractiveShell, corpus_folder, run_in_shell

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
LEAKAGE_RULES = ("peek-holdout", "peek-future", "peek-label", "preprocessing", "overlap", "multi-test", "target",
                 "temporal")


@pytest.fixture(scope="module")
def fixtures() -> list[Fixture]:
    return load_corpus(CORPUS)


@pytest.fixture(scope="module")
def static_at(fixtures: list[Fixture]) -> dict[str, frozenset[Place]]:
    return {fx.name: placed(check_path(fx.path)) for fx in fixtures}


@pytest.fixture(scope="module")
def static(static_at: dict[str, frozenset[Place]]) -> dict[str, frozenset[str]]:
    return {name: frozenset(rule for rule, _ in places) for name, places in static_at.items()}


@pytest.fixture(scope="module")
def kernel_at(fixtures: list[Fixture], _shell: InteractiveShell, tmp_path_factory: pytest.TempPathFactory
              ) -> dict[str, frozenset[Place]]:
    """Where the kernel engine places each runnable fixture's findings, run in this process's real shell."""
    folder = corpus_folder(tmp_path_factory.mktemp("corpus-run"), CORPUS)
    return {fx.id: run_in_shell(_shell, fx, folder) for fx in fixtures if fx.runnable}


@pytest.fixture(scope="module")
def baseline() -> dict[str, dict[str, dict[str, object]]]:
    data: dict[str, dict[str, dict[str, object]]] = json.loads((CORPUS / "baseline.json").read_text())
    return data


def test_every_rule_has_positive_and_negative_fixtures(fixtures: list[Fixture]) -> None:
    assert len(fixtures) >= 60
    assert sum(fx.path.suffix == ".ipynb" for fx in fixtures) >= 20
    for rule in LEAKAGE_RULES:
        prefix = rule.replace("-", "_")
        positives = [fx for fx in fixtures if rule in fx.expect]
        negatives = [fx for fx in fixtures if fx.name.startswith(prefix) and rule not in fx.expect]
        assert len(positives) >= 3, rule
        assert len(negatives) >= 2, rule


def test_the_baseline_lists_every_fixture(fixtures: list[Fixture], baseline: dict[str, dict[str, dict[str, object]]]
                                          ) -> None:
    assert set(baseline["fixtures"]) == {fx.name for fx in fixtures}
    for fx in fixtures:
        assert baseline["fixtures"][fx.name]["expect"] == sorted(fx.expect), fx.name
        assert baseline["fixtures"][fx.name]["at"] == sorted(f"{r}@{c}" for r, c in fx.at), fx.name


@pytest.mark.parametrize("key", ["rules", "rules_at"])
def test_no_rule_regresses(fixtures: list[Fixture], static_at: dict[str, frozenset[Place]],
                           static: dict[str, frozenset[str]], baseline: dict[str, dict[str, dict[str, object]]],
                           key: str) -> None:
    """By rule set (``rules``) and by place (``rules_at``: a rule found in another cell than ``at`` says is a miss)."""
    counts = score(fixtures, static, RULE_IDS) if key == "rules" else score_places(fixtures, static_at, RULE_IDS)
    for rule, before in baseline[key].items():
        now = counts.get(rule)
        assert now is not None, rule
        assert now.tp >= int(str(before["tp"])), f"{rule}: true positives dropped from {before['tp']} to {now.tp}"
        assert now.fp <= int(str(before["fp"])), f"{rule}: false positives rose from {before['fp']} to {now.fp}"


def _right(fx: Fixture, places: frozenset[Place]) -> bool:
    return all(outcome == "tp" for _, outcome in judge(fx, places))


def test_no_fixture_regresses(fixtures: list[Fixture], static_at: dict[str, frozenset[Place]],
                              static: dict[str, frozenset[str]],
                              baseline: dict[str, dict[str, dict[str, object]]]) -> None:
    broken = []
    for fx in fixtures:
        entry = baseline["fixtures"][fx.name]
        before = frozenset((str(r), c) for r, c in entry["static_at"])  # type: ignore[attr-defined]
        if entry["static"] == entry["expect"] and static[fx.name] != fx.expect:
            broken.append(f"{fx.name}: expected {sorted(fx.expect)}, now {sorted(static[fx.name])}")
        elif _right(fx, before) and not _right(fx, static_at[fx.name]):
            broken.append(f"{fx.name}: expected in {sorted(fx.at)}, now in {sorted(static_at[fx.name])}")
    assert not broken, "\n".join(broken)


@pytest.mark.slow
def test_parity_with_the_kernel_engine(fixtures: list[Fixture], static: dict[str, frozenset[str]],
                                       baseline: dict[str, dict[str, dict[str, object]]],
                                       kernel_at: dict[str, frozenset[Place]]) -> None:
    """Every runnable fixture runs in a real shell; the rule ids must match where they matched before."""
    runnable = [fx for fx in fixtures if fx.runnable]
    assert len(runnable) >= 60
    kernel = rules_of(kernel_at)
    assert set(kernel) == {fx.id for fx in runnable}
    lost, differ = [], []
    for fx in runnable:
        entry = baseline["fixtures"][fx.name]
        agreed = entry["kernel"] is not None and entry["kernel"] == entry["static"]
        if kernel[fx.name] != static[fx.name]:
            line = f"{fx.name}: kernel {sorted(kernel[fx.name])}, static {sorted(static[fx.name])}"
            (lost if agreed else differ).append(line)
    if differ:
        warnings.warn("engines differ (as recorded in the baseline):\n" + "\n".join(differ), stacklevel=1)
    assert not lost, "the engines no longer agree on:\n" + "\n".join(lost)


def _end_to_end_sample(fixtures: list[Fixture]) -> list[Fixture]:
    """Five runnable fixtures: a notebook and a script with findings, a notebook and a script with none, one in time."""
    runnable = sorted((fx for fx in fixtures if fx.runnable), key=lambda fx: fx.id)
    picks = [next(fx for fx in runnable if (fx.path.suffix == ".ipynb") == notebook and bool(fx.expect) == leaky)
             for notebook in (True, False) for leaky in (True, False)]
    picks.append(next(fx for fx in runnable if "peek-future" in fx.expect and fx not in picks))
    return picks


@pytest.mark.slow
def test_spawned_kernels_place_findings_as_the_shell_does(fixtures: list[Fixture],
                                                          kernel_at: dict[str, frozenset[Place]]) -> None:
    """The end-to-end path (a real Jupyter kernel per notebook, findings read from its outputs) agrees with the shell."""
    sample = _end_to_end_sample(fixtures)
    assert len(sample) == 5 and any(kernel_at[fx.id] for fx in sample)
    spawned = run_kernel_places(sample)
    assert spawned == {fx.id: kernel_at[fx.id] for fx in sample}
