"""Hand-written fold loops in the kernel: the user's pairs unchanged, and each fold's parts known."""

from __future__ import annotations

from tests.conftest import Kernel


def test_the_wrapped_split_yields_the_splitters_own_pairs(kernel: Kernel) -> None:
    kernel.run(
        "import numpy as np\n"
        "from sklearn.model_selection import KFold, StratifiedKFold\n"
        "X = np.arange(40.0).reshape(20, 2)\n"
        "y = np.array([0, 1] * 10)\n"
        "kf, skf = KFold(4, shuffle=True, random_state=3), StratifiedKFold(5)\n"
        "got = list(kf.split(X))\n"
        "first = next(skf.split(X, y))\n"
    )
    ns = kernel.ns
    kfold, strat = type(ns["kf"]).split, type(ns["skf"]).split
    assert hasattr(kfold, "__leakguard_original__") and hasattr(strat, "__leakguard_original__")  # wrapped
    plain = list(kfold.__leakguard_original__(ns["kf"], ns["X"]))
    plain_first = next(strat.__leakguard_original__(ns["skf"], ns["X"], ns["y"]))
    assert len(ns["got"]) == len(plain) == 4
    for (tr, va), (ptr, pva) in zip(ns["got"], plain, strict=True):
        assert list(tr) == list(ptr) and list(va) == list(pva)
    assert [list(a) for a in ns["first"]] == [list(a) for a in plain_first]


def test_a_scaler_fit_before_a_fold_loop_is_preprocessing_and_inside_it_is_not(kernel: Kernel) -> None:
    setup = (
        "import numpy as np, pandas as pd\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.model_selection import KFold\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "rng = np.random.default_rng(0)\n"
        "df = pd.DataFrame({'a': rng.normal(size=80), 'b': rng.normal(size=80), 'c': rng.integers(0, 2, 80)})\n"
        "X, y = df[['a', 'b']], df['c']\n"
    )
    loop = (
        "for tr, va in KFold(4).split(X):\n"
        "    m = LogisticRegression().fit(X.iloc[tr], y.iloc[tr])\n"
        "    m.score(X.iloc[va], y.iloc[va])\n"
    )
    kernel.run(setup)
    clean = kernel.run(loop)
    assert [f.rule for f in clean.findings if f.severity != "info"] == []
    kernel.run("X = pd.DataFrame(StandardScaler().fit_transform(X), columns=X.columns)")
    leaky = kernel.run(loop)
    assert {f.rule for f in leaky.findings if f.severity != "info"} == {"preprocessing"}


def test_a_shuffled_fold_loop_on_rows_in_time_order_is_told_and_timeseriessplit_is_not(kernel: Kernel) -> None:
    kernel.run(
        "import numpy as np, pandas as pd\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.model_selection import KFold, TimeSeriesSplit\n"
        "rng = np.random.default_rng(1)\n"
        "pd.DataFrame({'ts': pd.date_range('2024-01-01', periods=90, freq='D'), 'a': rng.normal(size=90),\n"
        "              'c': rng.integers(0, 2, 90)}).to_csv('days.csv', index=False)\n"
        "df = pd.read_csv('days.csv', parse_dates=['ts']).sort_values('ts')\n"
        "X, y = df[['a']], df['c']\n"
    )
    loop = (
        "for tr, va in {}.split(X):\n"
        "    m = LogisticRegression().fit(X.iloc[tr], y.iloc[tr])\n"
        "    m.score(X.iloc[va], y.iloc[va])\n"
    )
    shuffled = kernel.run(loop.format("KFold(3, shuffle=True, random_state=0)"))
    assert "temporal" in {f.rule for f in shuffled.findings}
    ordered = kernel.run(loop.format("TimeSeriesSplit(3)"))
    assert "temporal" not in {f.rule for f in ordered.findings}


def test_a_fold_part_is_told_by_its_rows_with_missing_values_and_only_from_the_folded_frame() -> None:
    import numpy as np
    import pandas as pd

    from leakguard.kernel.folds import _same_rows

    arr = np.array([[1.0, np.nan], [2.0, 3.0], [np.nan, 4.0], [5.0, 6.0]])
    va = np.array([0, 2])
    assert _same_rows(arr, arr[va], va)
    assert not _same_rows(arr, arr[[1, 3]], va)
    frame = pd.DataFrame({"a": [1, 2, 3, 4], "b": [5, 6, 7, 8]})
    assert _same_rows(frame, frame[["a"]].iloc[va], va)
    assert not _same_rows(frame, pd.Series([0, 1, 0, 1], name="y").iloc[va], va)  # another series: not X's part
