"""Lineage across cells: scalars, dicts, fitted objects, mutation, weak identity, hand-made splits."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import POLICY, Kernel, make_events


def node(k: Kernel, name: str):  # type: ignore[no-untyped-def]
    n = k.session.node_for_name(name)
    assert n is not None, f"no node for {name}"
    return n


def test_scalar_mean_in_one_cell_carries_taint_into_the_next(loaded_events: Kernel) -> None:
    loaded_events.run("m = df['x'].mean()")
    loaded_events.run("m2 = m * 2")
    n = node(loaded_events, "m2")
    assert {"holdout", "future"} <= n.taint
    chain = loaded_events.session.graph.provenance(n.id)
    assert chain[0].op.startswith("read_parquet(")
    assert chain[-1].id == n.id


def test_dict_of_statistics_carries_taint(loaded_events: Kernel) -> None:
    loaded_events.run("stats = {'mean': df['x'].mean(), 'std': df['x'].std()}")
    loaded_events.run("limit = stats['mean'] + 3 * stats['std']")
    assert {"holdout", "future"} <= node(loaded_events, "limit").taint


def test_statistic_of_training_rows_is_untainted(loaded_events: Kernel) -> None:
    loaded_events.run("train, test = leakguard.split(df)")
    loaded_events.run("m = train['x'].mean()")
    assert not ({"holdout", "future"} & node(loaded_events, "m").taint)


def test_label_statistic_is_label_tainted(loaded_events: Kernel) -> None:
    loaded_events.run("train, test = leakguard.split(df)")
    loaded_events.run("rate = train.groupby('plan')['churned'].mean()")
    assert "label" in node(loaded_events, "rate").taint
    loaded_events.run("xm = train['x'].mean()")
    assert "label" not in node(loaded_events, "xm").taint


def test_fitted_object_carries_the_rows_it_saw(loaded_events: Kernel) -> None:
    loaded_events.run("from sklearn.preprocessing import StandardScaler")
    loaded_events.run("scaler = StandardScaler()")
    loaded_events.run("scaler.fit(df[['x', 'z']])")
    assert {"holdout", "future"} <= node(loaded_events, "scaler").taint


def test_derived_frame_keeps_rows_of_its_source(loaded_events: Kernel) -> None:
    loaded_events.run("small = df.dropna().tail(100)")
    assert node(loaded_events, "small").rows.name == "all"
    # the first 100 rows are all before the cutoff: the data proves no future row is left
    loaded_events.run("early = df.dropna().head(100)")
    assert node(loaded_events, "early").rows.name == "train+holdout"
    loaded_events.run("train, test = leakguard.split(df)")
    loaded_events.run("t2 = train.dropna()")
    assert node(loaded_events, "t2").rows.name == "train"
    loaded_events.run("both = pd.concat([train, test])")
    assert node(loaded_events, "both").rows.name == "train+holdout"


def test_in_place_mutation_with_tainted_value_taints_the_frame(loaded_events: Kernel) -> None:
    loaded_events.run("train, test = leakguard.split(df)")
    loaded_events.run("m = df['x'].mean()")
    loaded_events.run("train['x_centered'] = train['x'] - m")
    n = node(loaded_events, "train")
    assert n.rows.name == "train"
    assert {"holdout", "future"} <= n.taint


def test_alias_shares_the_node(loaded_events: Kernel) -> None:
    loaded_events.run("alias = df")
    assert node(loaded_events, "alias").id == node(loaded_events, "df").id


def test_sample_and_drop_is_recognised_as_a_split(loaded_events: Kernel) -> None:
    loaded_events.run("tr = df.sample(frac=0.8, random_state=1)\nte = df.drop(tr.index)")
    assert node(loaded_events, "tr").rows.name == "train+future"
    assert node(loaded_events, "te").rows.name == "holdout+future"
    assert loaded_events.run("tr.describe()").rules == ["peek-future"]


def test_iloc_slices_across_cells_are_recognised_as_a_split(loaded_events: Kernel) -> None:
    loaded_events.run("first = df.iloc[:800]")
    loaded_events.run("last = df.iloc[800:]")
    assert node(loaded_events, "first").split_role == "train"
    assert node(loaded_events, "last").split_role == "holdout"


def test_complementary_masks_named_test_are_holdout(loaded_events: Kernel) -> None:
    loaded_events.run("m = df['x'] > 0\ndf_test = df[m]\ndf_train = df[~m]")
    assert node(loaded_events, "df_test").split_role == "holdout"
    assert node(loaded_events, "df_train").split_role == "train"


def test_overlapping_subsets_are_not_a_split(loaded_events: Kernel) -> None:
    loaded_events.run("a = df.iloc[:600]\nb = df.iloc[500:]")
    assert node(loaded_events, "a").split_role is None
    assert node(loaded_events, "b").split_role is None
    assert loaded_events.run("b.describe()").rules == ["peek-future", "peek-holdout"]


def test_sklearn_train_test_split_is_the_boundary(loaded_events: Kernel) -> None:
    loaded_events.run("from sklearn.model_selection import train_test_split")
    loaded_events.run("past = df[df['event_ts'] <= '2024-06-01']")
    loaded_events.run("tr, te = train_test_split(past, test_size=0.25, random_state=0)")
    assert loaded_events.run("tr.describe()").findings == []
    assert loaded_events.run("te.describe()").rules == ["peek-holdout"]


def test_x_y_split_marks_every_part(loaded_events: Kernel) -> None:
    loaded_events.run("from sklearn.model_selection import train_test_split")
    loaded_events.run("X = df[['x', 'z']]\ny = df['churned']")
    loaded_events.run("X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2)")
    assert [node(loaded_events, n).split_role for n in ("X_tr", "X_te", "y_tr", "y_te")] == [
        "train", "holdout", "train", "holdout"]


def test_untracked_constructed_frame_is_a_source_with_all_rows(loaded_events: Kernel) -> None:
    loaded_events.run("raw = pd.DataFrame({'churned': [0, 1, 1], 'x': [1.0, 2.0, 3.0]})")
    assert node(loaded_events, "raw").rows.name == "all"
    assert loaded_events.run("raw.groupby('x')['churned'].mean()").rules == ["peek-label"]


def test_explain_api_shows_the_chain(loaded_events: Kernel) -> None:
    import leakguard

    loaded_events.run("train, test = leakguard.split(df)")
    text = repr(leakguard.explain("train"))
    assert "leakguard.split" in text and "read_parquet" in text and "rows train" in text
    assert "rows train" in repr(leakguard.explain(loaded_events.ns["train"]))
    assert "<ol>" in leakguard.explain("train")._repr_html_()


def test_splitter_folds_are_recognised_by_their_rows(loaded_events: Kernel) -> None:
    loaded_events.run("from sklearn.model_selection import KFold")
    loaded_events.run("past = df[df['event_ts'] <= '2024-06-01']")
    loaded_events.run("for tr, te in KFold(4).split(past):\n    fold_train, fold_test = past.iloc[tr], past.iloc[te]")
    assert node(loaded_events, "fold_train").split_role == "train"
    assert node(loaded_events, "fold_test").split_role == "holdout"
    assert loaded_events.run("fold_train.describe()").findings == []


@pytest.mark.parametrize("choose", [
    "features = [c for c in df.columns if c != 'churned']",
    "features = df.columns.drop('churned')",
    "features = list(df.select_dtypes('number').columns)",
    "features = [c for c in df.columns if df[c].nunique() > 2 and c != 'churned']",
])
def test_a_list_of_column_names_is_schema_not_a_statistic(kernel: Kernel, choose: str) -> None:
    kernel.run("import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
               "from sklearn.linear_model import LogisticRegression")
    kernel.run("df = pd.DataFrame({'x': range(100), 'z': [i % 7 for i in range(100)], 'churned': [i % 2 for i in range(100)]})")
    kernel.run("train, test = train_test_split(df, test_size=0.25, random_state=0)")
    kernel.run(choose)
    r = kernel.run("features = [f for f in features if f != 'churned']\n"
                   "model = LogisticRegression().fit(train[features], train['churned'])")
    assert r.rules == []


def test_a_statistic_used_to_make_a_feature_still_counts(kernel: Kernel) -> None:
    kernel.run("import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
               "from sklearn.linear_model import LogisticRegression")
    kernel.run("df = pd.DataFrame({'x': range(100), 'z': [i % 7 for i in range(100)], 'churned': [i % 2 for i in range(100)]})")
    kernel.run("means = [df[c].mean() for c in ['x', 'z']]")  # values, not names
    kernel.run("df['x_c'] = df['x'] - means[0]")
    kernel.run("train, test = train_test_split(df, test_size=0.25, random_state=0)")
    r = kernel.run("model = LogisticRegression().fit(train[['x_c', 'z']], train['churned'])")
    assert r.rules == ["preprocessing"]


def test_column_names_chosen_in_the_same_cell_as_the_fit_are_schema_too(kernel: Kernel) -> None:
    kernel.run("import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
               "from sklearn.linear_model import LogisticRegression")
    kernel.run("df = pd.DataFrame({'x': range(100), 'z': [i % 7 for i in range(100)], 'churned': [i % 2 for i in range(100)]})")
    kernel.run("train, test = train_test_split(df, test_size=0.25, random_state=0)")
    r = kernel.run("features = [c for c in df.columns if c != 'churned']\n"
                   "model = LogisticRegression().fit(train[features], train['churned'])\n"
                   "model.score(test[features], test['churned'])")
    assert r.rules == []
    r = kernel.run("rows = df[df['x'] > 10]\n"  # rows chosen from df, not names: the fit below uses every row
                   "model = LogisticRegression().fit(rows[['x', 'z']], rows['churned'])\n"
                   "model.score(test[['x', 'z']], test['churned'])")
    assert r.rules == ["overlap"]


def test_frames_that_share_the_time_column_scan_it_once(loaded_events: Kernel,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A column assigned, ``df.assign`` or a column selection keeps the time column's buffer: no rescan of it.

    The data check of a frame's rows (any row past the cutoff?) scanned the whole time column of
    every frame a cell rebinds, ~3 ms per cell on 1M rows; the answer is the same for a shared buffer.
    """
    import leakguard.splitting

    scans: list[int] = []
    original = leakguard.splitting.time_values

    def counted(frame, column):  # type: ignore[no-untyped-def]
        scans.append(len(frame))
        return original(frame, column)

    monkeypatch.setattr(leakguard.splitting, "time_values", counted)
    loaded_events.run("df['a'] = df['x'] * 2")
    loaded_events.run("df['a'] = df['x'] * 3")
    loaded_events.run("df2 = df.assign(b=df['x'] + 1)\ndf2.head()")
    loaded_events.run("cols = df[['event_ts', 'x', 'churned']]\ncols.head()")
    assert len(scans) <= 1, scans
    # the rows past the cutoff are still there, whichever frame is asked
    for name in ("df", "df2", "cols"):
        assert "future" in node(loaded_events, name).rows.parts, name
    assert loaded_events.run("cols.describe()").rules == ["peek-future", "peek-holdout"]


def test_a_frame_without_rows_past_the_cutoff_is_still_proven_so(loaded_events: Kernel) -> None:
    """The remembered answer is only ever "rows past the cutoff are there": a frame without them is scanned."""
    loaded_events.run("early = df.head(100)")
    loaded_events.run("early['a'] = early['x'] * 2")
    assert "future" not in node(loaded_events, "early").rows.parts
    loaded_events.run("df['a'] = df['x'] * 2")
    assert "future" in node(loaded_events, "df").rows.parts
    loaded_events.run("late = df.tail(100)\nlate['a'] = late['x'] * 2")
    assert "future" in node(loaded_events, "late").rows.parts
    loaded_events.run("early2 = df.assign(c=1).head(50)\nearly2.head()")
    assert "future" not in node(loaded_events, "early2").rows.parts


def test_a_time_zone_column_is_judged_as_before(kernel: Kernel, tmp_path: Path) -> None:
    import pandas as pd

    events = make_events()
    events["event_ts"] = events["event_ts"].dt.tz_localize("UTC")
    events.to_parquet(tmp_path / "tz.parquet")
    kernel.run("import pandas as pd, leakguard")
    kernel.run(f"df = pd.read_parquet({str(tmp_path / 'tz.parquet')!r})")
    kernel.run(POLICY)
    kernel.run("df['a'] = df['x'] * 2\nearly = df.head(100)\nearly['a'] = early['x'] * 3")
    assert "future" in node(kernel, "df").rows.parts
    assert "future" not in node(kernel, "early").rows.parts
    assert isinstance(kernel.ns["df"]["event_ts"].dtype, pd.DatetimeTZDtype)
