"""scikit-learn fit on Polars frames: the preprocessing rule sees where a scaler's statistics came from."""

from __future__ import annotations

from tests.conftest import Kernel

SETUP = "from sklearn.preprocessing import StandardScaler\nfrom sklearn.linear_model import LogisticRegression"


def test_scaler_fit_on_all_rows_then_model_on_train_is_preprocessing(pl_events: Kernel) -> None:
    pl_events.run(SETUP)
    r = pl_events.run("sc = StandardScaler().fit(df.select('x', 'z'))\ntrain, test = leakguard.split(df)\n"
                      "m = LogisticRegression().fit(sc.transform(train.select('x', 'z')), train['churned'])")
    assert "preprocessing" in r.rules


def test_scaler_fit_on_train_is_clean(pl_events: Kernel) -> None:
    pl_events.run(SETUP)
    r = pl_events.run("train, test = leakguard.split(df)\nsc = StandardScaler().fit(train.select('x', 'z'))\n"
                      "m = LogisticRegression().fit(sc.transform(train.select('x', 'z')), train['churned'])")
    assert r.findings == []
