"""The modelling handlers in a real IPython shell: modes, inference without a policy, unresolved calls, label
proxies, memory and unloading."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pandas as pd

from tests.conftest import Kernel, make_events

IMPORTS = """\
import numpy as np, pandas as pd, leakguard
from sklearn.model_selection import train_test_split, cross_val_score, KFold, TimeSeriesSplit
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import RandomForestClassifier
"""
LEAKY_SCALER = """\
X = StandardScaler().fit_transform(past[["x", "z"]])
X_tr, X_te, y_tr, y_te = train_test_split(X, past["churned"], shuffle=False)
"""


def _past(k: Kernel) -> None:
    k.run(IMPORTS)
    k.run('past = df[df.event_ts <= "2024-06-01"]')


def test_block_mode_stops_the_leaky_fit_before_it_runs(loaded_events: Kernel) -> None:
    k = loaded_events
    _past(k)
    k.run(LEAKY_SCALER)
    k.run("%leakguard mode block")
    k.run("model = LogisticRegression()")
    run = k.run("model.fit(X_tr, y_tr)", raises=True)
    assert type(run.error).__name__ == "LeakageError"
    assert "preprocessing" in run.rules
    assert not hasattr(k.ns["model"], "coef_"), "the fit ran although block mode stopped it"
    # the clean twin runs in block mode
    k.run('X_tr2, X_te2, y_tr2, y_te2 = train_test_split(past[["x", "z"]], past["churned"], shuffle=False)')
    k.run("sc = StandardScaler().fit(X_tr2)")
    clean = k.run("model.fit(sc.transform(X_tr2), y_tr2)\nmodel.score(sc.transform(X_te2), y_te2)")
    assert clean.error is None and hasattr(k.ns["model"], "coef_")


def test_block_mode_stops_the_second_test_score(loaded_events: Kernel) -> None:
    k = loaded_events
    _past(k)
    k.run('X_tr, X_te, y_tr, y_te = train_test_split(past[["x", "z"]], past["churned"], shuffle=False)')
    k.run("a = LogisticRegression().fit(X_tr, y_tr)\nb = RandomForestClassifier(n_estimators=5).fit(X_tr, y_tr)")
    k.run("%leakguard mode block")
    assert k.run("first = a.score(X_te, y_te)").error is None
    second = k.run("second = b.score(X_te, y_te)", raises=True)
    assert type(second.error).__name__ == "LeakageError" and "multi-test" in second.rules
    assert "second" not in k.ns


def test_safe_mode_says_it_does_not_apply_and_still_reports(loaded_events: Kernel) -> None:
    k = loaded_events
    _past(k)
    k.run(LEAKY_SCALER)
    k.run("%leakguard mode safe")
    run = k.run("model = LogisticRegression().fit(X_tr, y_tr)")
    assert "preprocessing" in run.rules
    assert any("safe mode" in n and "modelling" in n for n in run.notes), run.notes
    # the note says it once; the hints are the fixes themselves, with no promise of one "below"
    assert all(f.hint and "below" not in f.hint and "safe mode" not in f.hint for f in run.findings)


def test_without_a_policy_the_split_is_inferred_and_the_rules_still_judge(kernel: Kernel, events_file: Path) -> None:
    k = kernel
    k.run(IMPORTS)
    k.run(f"df = pd.read_parquet({str(events_file)!r})")
    k.run('X = StandardScaler().fit_transform(df[["x", "z"]])')
    k.run('X_tr, X_te, y_tr, y_te = train_test_split(X, df["churned"], random_state=0)')
    fit = k.run("model = LogisticRegression().fit(X_tr, y_tr)")
    assert fit.rules == ["preprocessing"]
    assert k.run("model.score(X_te, y_te)").rules == []  # one final evaluation; no time column: no temporal
    second = k.run("RandomForestClassifier(n_estimators=5).fit(X_tr, y_tr).score(X_te, y_te)")
    assert second.rules == ["multi-test", "preprocessing"]  # a second model trained on the same leaky features


def test_an_unknown_estimator_on_tracked_data_is_reported_once(loaded_events: Kernel) -> None:
    k = loaded_events
    _past(k)
    k.run("class Stump:\n    def fit(self, X, y):\n        self.m = float(np.mean(y))\n        return self\n")
    k.run('X_tr, X_te, y_tr, y_te = train_test_split(past[["x", "z"]], past["churned"], shuffle=False)')
    first = k.run("m = Stump()\nm.fit(X_tr, y_tr)")
    assert first.rules == ["unresolved"] and first.findings[0].severity == "info"
    assert "Stump.fit" in first.findings[0].message
    assert k.run("m.fit(X_tr, y_tr)").rules == []  # once
    known = k.run("LogisticRegression().fit(X_tr, y_tr)")
    assert "unresolved" not in known.rules


def test_a_column_that_reproduces_the_label_is_found_from_the_data(loaded_events: Kernel, tmp_path: Path) -> None:
    events = make_events(600, seed=3)
    rng = np.random.default_rng(1)
    # ticket numbers assigned at closing: churned accounts got the high numbers
    order = np.argsort(events["churned"].to_numpy() + rng.uniform(0, 0.5, len(events)))
    events["ticket"] = np.empty(len(events))
    events.loc[order, "ticket"] = np.arange(len(events), dtype=float)
    events["noise_id"] = rng.permutation(len(events)).astype(float)
    path = tmp_path / "tickets.parquet"
    events.to_parquet(path)
    k = loaded_events
    k.run(IMPORTS)
    k.run(f"t = pd.read_parquet({str(path)!r})")
    k.run('t = t[t.event_ts <= "2024-06-01"]\ntr, te = leakguard.split(t)')
    leaky = k.run('m = LogisticRegression().fit(tr[["x", "ticket"]], tr["churned"])')
    assert leaky.rules == ["target"] and "ticket" in leaky.findings[0].message
    clean = k.run('m = LogisticRegression().fit(tr[["x", "noise_id"]], tr["churned"])')
    assert clean.rules == []


def test_cross_validation_out_of_time_order_is_noted_time_series_split_is_not(loaded_events: Kernel) -> None:
    k = loaded_events
    _past(k)
    k.run('X_tr, X_te, y_tr, y_te = train_test_split(past[["x", "z"]], past["churned"], shuffle=False)')
    kfold = k.run("cross_val_score(LogisticRegression(), X_tr, y_tr, cv=KFold(3))")
    assert kfold.rules == ["temporal"] and kfold.findings[0].severity == "warning"
    assert k.run("cross_val_score(LogisticRegression(), X_tr, y_tr, cv=TimeSeriesSplit(3))").rules == []


def test_leakguard_holds_no_strong_reference_to_modelling_data(loaded_events: Kernel) -> None:
    k = loaded_events
    _past(k)
    k.run('X_tr, X_te, y_tr, y_te = train_test_split(past[["x", "z"]], past["churned"], shuffle=False)')
    k.run("model = LogisticRegression().fit(X_tr, y_tr)\nmodel.score(X_te, y_te)")
    refs = [weakref.ref(k.ns[n]) for n in ("X_tr", "X_te", "model")]
    k.run("del X_tr, X_te, model")
    gc.collect()
    assert [r() for r in refs] == [None, None, None]


def test_unloading_restores_every_modelling_api_exactly(kernel: Kernel) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score
    from sklearn.preprocessing import StandardScaler

    kernel.run("import sklearn.metrics, sklearn.linear_model")
    assert hasattr(LogisticRegression.fit, "__leakguard_original__")
    kernel.run("%unload_ext leakguard")
    try:
        assert not hasattr(LogisticRegression.fit, "__leakguard_original__")
        assert not hasattr(StandardScaler.fit_transform, "__leakguard_original__")
        assert not hasattr(pd.DataFrame.__setitem__, "__leakguard_original__")
        import sklearn.metrics

        assert sklearn.metrics.accuracy_score is accuracy_score or not hasattr(
            sklearn.metrics.accuracy_score, "__leakguard_original__")
    finally:
        kernel.run("%load_ext leakguard")


def test_loading_does_not_import_scikit_learn() -> None:
    code = ("import sys\nfrom IPython.core.interactiveshell import InteractiveShell\n"
            "sh = InteractiveShell.instance()\nsh.run_cell('%load_ext leakguard')\n"
            "print('sklearn' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split()[-2:] == ["False", "False"], out.stdout


def test_a_plain_numpy_fit_unknown_to_leakguard_adds_nothing(kernel: Kernel) -> None:
    kernel.run(IMPORTS)
    run = kernel.run("X = np.random.default_rng(0).normal(size=(200, 3))\ny = (X[:, 0] > 0).astype(int)\n"
                     "m = LogisticRegression().fit(X, y)\nm.score(X, y)")
    assert run.rules == [] and run.notes == []


def test_frames_untouched_by_leakguard_keep_their_values(loaded_events: Kernel) -> None:
    k = loaded_events
    _past(k)
    k.run('past["x2"] = past["x"] * 2\npast["x_next"] = past["x"].shift(-1)')
    got = k.ns["past"]
    expect = make_events()
    expect = expect[expect.event_ts <= "2024-06-01"]
    np.testing.assert_allclose(got["x2"].to_numpy(), expect["x"].to_numpy() * 2)
    np.testing.assert_allclose(got["x_next"].to_numpy()[:-1], expect["x"].to_numpy()[1:])
    assert isinstance(got, pd.DataFrame)
