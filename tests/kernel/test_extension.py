"""Loading and unloading: every wrapped API restored exactly; magics; internal failures stay quiet."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell

from leakguard.kernel import handlers
from leakguard.libraries.api import resolve
from leakguard.libraries.registry import all_entries
from tests.conftest import Kernel


def _current(entries: list) -> dict[tuple[str, str], object]:
    out = {}
    for api in entries:
        found = resolve(api)
        if found is not None:
            owner, attr, value = found
            where = owner.__name__ if isinstance(owner, type(sys)) else f"{owner.__module__}.{owner.__qualname__}"
            out[(where, attr)] = value
    return out


def test_unload_restores_every_wrapped_api_exactly(_shell: InteractiveShell) -> None:
    import sklearn.model_selection  # noqa: F401  (so its entries resolve too)

    entries = list(all_entries())
    before = _current(entries)
    _shell.run_cell("%load_ext leakguard")
    from leakguard.kernel.extension import loaded

    state = loaded()
    assert state is not None
    assert len(state.patcher.applied) > 50
    during = _current(entries)
    assert any(during[k] is not before[k] for k in before), "nothing was wrapped"
    assert hasattr(pd.DataFrame.describe, "__leakguard_original__")
    _shell.run_cell("%unload_ext leakguard")
    after = _current(entries)
    assert before.keys() == after.keys()
    for key, original in before.items():
        assert after[key] is original, key
    assert "leakguard" not in _shell.magics_manager.magics["line"]
    assert not any(type(f).__name__ == "_PostImportFinder" for f in sys.meta_path)


def test_module_imported_after_loading_gets_wrapped(kernel: Kernel) -> None:
    # sklearn.model_selection may already be imported in this test process; a module not yet
    # imported is simulated by removing it so the post-import finder sees the import.
    saved = {k: v for k, v in sys.modules.items() if k == "sklearn.model_selection"}
    kernel.run("%unload_ext leakguard")
    for k in saved:
        del sys.modules[k]
    try:
        kernel.run("%load_ext leakguard")
        kernel.run("from sklearn.model_selection import train_test_split")
        assert hasattr(kernel.ns["train_test_split"], "__leakguard_original__")
    finally:
        sys.modules.update(saved)


def test_magics_status_policy_mode_explain(loaded_events: Kernel, capsys: pytest.CaptureFixture[str]) -> None:
    loaded_events.run("%leakguard")
    assert "leakguard is on" in capsys.readouterr().out
    loaded_events.run("%leakguard policy label=churned,plan holdout=0.3")
    out = capsys.readouterr().out
    assert "label=churned,plan" in out and "30%" in out
    loaded_events.run("%leakguard policy holdout=abc")
    assert "holdout must be a fraction" in capsys.readouterr().out
    loaded_events.run("%leakguard mode nonsense")
    assert "mode must be one of" in capsys.readouterr().out
    loaded_events.run("m = df['x'].mean()")
    loaded_events.run("%leakguard explain m")
    out = capsys.readouterr().out
    assert "read_parquet" in out and "taint future, holdout" in out
    loaded_events.run("%leakguard explain nothing_here")
    assert "no lineage" in capsys.readouterr().out
    loaded_events.run("%leakguard findings")
    assert "peek-holdout" in capsys.readouterr().out


def test_internal_failure_never_breaks_the_cell(loaded_events: Kernel, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("injected failure")

    monkeypatch.setitem(handlers.BEFORE, "inspect", broken)
    # the wrapper captured the handler at load time; reload so the broken one is used
    loaded_events.run("%unload_ext leakguard")
    loaded_events.run("%load_ext leakguard")
    loaded_events.run("leakguard.policy(label='churned', time='event_ts', cutoff='2024-06-01', holdout=0.2);")
    r = loaded_events.run("d = df.describe()")
    expected = loaded_events.ns["df"].describe.__wrapped__(loaded_events.ns["df"])
    pd.testing.assert_frame_equal(loaded_events.ns["d"], expected)
    assert len(r.notes) == 1 and "internal problem" in r.notes[0] and "injected failure" in r.notes[0]
    r2 = loaded_events.run("d2 = df.describe()")
    assert r2.notes == []  # shown once


def test_wrappers_do_not_track_other_threads(loaded_events: Kernel) -> None:
    loaded_events.run(
        "import threading\nout = []\n"
        "t = threading.Thread(target=lambda: out.append(df.describe()))\nt.start(); t.join()"
    )
    assert loaded_events.session.cell_findings == []
    assert len(loaded_events.ns["out"]) == 1


def test_load_is_idempotent(loaded_events: Kernel) -> None:
    session = loaded_events.session
    loaded_events.run("%load_ext leakguard")
    assert loaded_events.session is session
