"""leakguard.split and the policy's row assignment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leakguard.errors import PolicyError
from leakguard.policy import Policy
from leakguard.splitting import row_parts, split
from tests.conftest import make_events

P = Policy().updated({"label": "churned", "time": "event_ts", "cutoff": "2024-06-01", "holdout": 0.2, "seed": 7}, "t")


def test_time_ordered_split_sets_future_aside_and_holds_out_the_latest_rows() -> None:
    df = make_events()
    train, test = split(df, policy=P)
    cutoff = pd.Timestamp("2024-06-01")
    assert train["event_ts"].max() <= test["event_ts"].min()
    assert test["event_ts"].max() <= cutoff
    n_past = int((df["event_ts"] <= cutoff).sum())
    assert len(train) + len(test) == n_past
    assert len(test) == round(n_past * 0.2)


def test_random_holdout_is_stable_per_row_whatever_the_subset() -> None:
    p = Policy().updated({"holdout": 0.3, "seed": 11}, "t")
    df = make_events(2000)
    _, test = split(df, policy=p)
    _, test_sub = split(df.iloc[500:1500], policy=p)
    assert set(test_sub.index) == set(test.index) & set(range(500, 1500))
    assert 0.25 < len(test) / len(df) < 0.35
    _, other_seed = split(df, policy=p.updated({"seed": 12}, "t"))
    assert set(other_seed.index) != set(test.index)


def test_x_y_split_cuts_at_the_same_rows() -> None:
    df = make_events()
    X, y = df[["event_ts", "x"]], df["churned"]
    X_tr, X_te, y_tr, y_te = split(X, y, policy=P)
    assert list(X_tr.index) == list(y_tr.index) and list(X_te.index) == list(y_te.index)


def test_mask_column_and_ids_holdouts() -> None:
    df = make_events(100)
    df["is_test"] = np.arange(100) % 4 == 0
    p = Policy().updated({"holdout_column": "is_test"}, "t")
    parts = row_parts(df, p)
    assert parts.holdout.sum() == 25
    p2 = Policy().updated({"holdout_ids": [1, 2, 3], "id_column": "cid"}, "t")
    df["cid"] = np.arange(100)
    assert row_parts(df, p2).holdout.sum() == 3


def test_missing_policy_column_lists_the_frames_columns() -> None:
    df = make_events(10).drop(columns=["event_ts"])
    with pytest.raises(PolicyError) as err:
        split(df, policy=P)
    assert "'event_ts'" in str(err.value) and "'plan'" in str(err.value)


def test_time_as_strings_and_time_zones() -> None:
    df = make_events(50)
    df["event_ts"] = df["event_ts"].dt.tz_localize("Europe/Paris")
    train, test = split(df, policy=P)
    assert len(train) + len(test) > 0
    df2 = make_events(50)
    df2["event_ts"] = df2["event_ts"].astype(str)
    train2, _ = split(df2, policy=P)
    assert len(train2) == len(split(make_events(50), policy=P)[0])


def test_split_needs_frames_of_equal_length() -> None:
    df = make_events(10)
    with pytest.raises(ValueError, match="same number of rows"):
        split(df, df["x"].iloc[:5], policy=P)
    with pytest.raises(TypeError, match="DataFrame"):
        split([1, 2, 3], policy=P)


def test_entity_id_naming_rule() -> None:
    from leakguard.splitting import looks_like_entity_id

    for name in ("customer_id", "PatientID", "userId", "patient", "id", "user", "patient_no", "account_number"):
        assert looks_like_entity_id(name), name
    for name in ("paid", "valid", "grid", "age", "visit", "customer_name", "plan", "idx_time"):
        assert not looks_like_entity_id(name), name
