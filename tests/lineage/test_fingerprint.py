"""Row identity: content fingerprints and index identity (leakguard/lineage/fingerprint.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leakguard.lineage import fingerprint as fp


def frame(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "x": rng.normal(size=n), "k": rng.integers(0, 1000, n), "s": rng.choice(["a", "b", "c"], n),
        "t": pd.date_range("2024-01-01", periods=n, freq="h"),
    })


def test_equal_rows_hash_equal_whatever_their_index_and_unequal_rows_differ() -> None:
    df = frame()
    h = fp.row_hashes(df)
    assert len(np.unique(h)) == len(df)
    again = fp.row_hashes(df.iloc[::-1].reset_index(drop=True))
    np.testing.assert_array_equal(h, again[::-1])


def test_nan_and_signed_zero_hash_as_the_same_value() -> None:
    a = pd.DataFrame({"x": [np.nan, 0.0, 1.0]})
    b = pd.DataFrame({"x": [np.nan, -0.0, 1.0]})
    np.testing.assert_array_equal(fp.row_hashes(a), fp.row_hashes(b))


def test_arrays_and_frames_with_the_same_values_hash_alike() -> None:
    df = frame()[["x"]].assign(y=1.5)
    np.testing.assert_array_equal(fp.row_hashes(df), fp.row_hashes(df.to_numpy()))


def test_copies_across_a_split_are_counted_common_values_are_not() -> None:
    df = frame()
    train, test = df.iloc[:150], pd.concat([df.iloc[150:], df.iloc[:10]])
    assert fp.shared_by_content(train, test) == 10
    assert fp.shared_by_content(df.iloc[:150], df.iloc[150:]) == 0
    # one value repeated on many rows is a common value, not a copied row
    flat = pd.DataFrame({"plan": ["a"] * 100})
    assert fp.shared_by_content(flat.iloc[:80], flat.iloc[80:]) == 0


def categorical(n: int = 600, seed: int = 1) -> pd.DataFrame:
    """A few low-cardinality columns (class, sex, siblings, port): identical rows occur by chance."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "pclass": rng.choice([1, 2, 3], n, p=[0.25, 0.2, 0.55]), "sex": rng.choice(["m", "f"], n, p=[0.65, 0.35]),
        "sibsp": np.minimum(rng.poisson(0.5, n), 5), "port": rng.choice(["S", "C", "Q"], n, p=[0.7, 0.2, 0.1]),
    })


def test_equal_rows_of_a_few_categorical_columns_are_chance_not_copies() -> None:
    df = categorical()
    train, test = df.iloc[:450], df.iloc[450:]
    assert fp.shared_hashes(fp.row_hashes(train), fp.row_hashes(test)) > 0  # rare combinations on both sides
    assert fp.shared_by_content(train, test) == 0
    assert fp.shared_by_content(train.to_numpy(), test.to_numpy()) == 0
    onehot = pd.get_dummies(df, columns=["pclass", "sex", "port"], dtype=int)  # correlated columns
    assert fp.repeat_by_chance([(onehot, None)], fp.row_hashes(onehot))
    assert fp.shared_by_content(onehot.iloc[:450], onehot.iloc[450:]) == 0


def test_copied_records_are_not_chance_even_among_categorical_columns() -> None:
    df = frame(400)
    copied = pd.concat([df, df.iloc[:40]], ignore_index=True)
    assert not fp.repeat_by_chance([(copied, None)], fp.row_hashes(copied))
    rows = np.arange(0, 440, 2)  # a selection of rows (a split parent within its source)
    assert not fp.repeat_by_chance([(copied, rows)], fp.row_hashes(copied, rows))
    # the same categorical rows with an id column: a repeated record is a copy
    cats = categorical().assign(pid=np.arange(600))
    twice = pd.concat([cats, cats.iloc[:30]], ignore_index=True)
    assert not fp.repeat_by_chance([(twice, None)], fp.row_hashes(twice))
    assert fp.shared_by_content(twice.iloc[:600], twice.iloc[600:]) == 30
    assert not fp.repeat_by_chance([(df, None)], fp.row_hashes(df))  # no equal rows: nothing to explain


def test_index_identity_holds_for_subsets_and_fails_after_reset_index() -> None:
    df = frame()
    part = df.sample(50, random_state=0)
    assert fp.identity_holds(part, df)
    assert fp.identity_holds(part[["x"]], df)
    assert not fp.identity_holds(part.reset_index(drop=True), df)
    assert fp.shared_by_index(df.iloc[:120], df.iloc[100:]) == 20


def test_hashing_chosen_rows_gives_the_hashes_of_those_rows() -> None:
    df = frame()
    rows = np.array([5, 0, 199, 5])
    np.testing.assert_array_equal(fp.row_hashes(df, rows), fp.row_hashes(df)[rows])
    np.testing.assert_array_equal(fp.row_hashes(df.to_numpy(), rows), fp.row_hashes(df.to_numpy())[rows])


def test_identity_compares_every_shared_column_of_a_wide_frame() -> None:
    wide = pd.DataFrame(np.random.default_rng(1).normal(size=(300, 12)), columns=[f"c{i}" for i in range(12)])
    part = wide.sample(100, random_state=0)
    assert fp.identity_holds(part, wide)
    changed = part.assign(c11=part["c11"].to_numpy()[::-1])  # same labels, the rows' last column shuffled
    assert not fp.identity_holds(changed, wide)
    # labels, not values, decide which rows are compared: reordered columns and a mixed source still agree
    mixed = wide.assign(s=["a", "b", "c"] * 100, t=pd.date_range("2024-01-01", periods=300, freq="h"))
    assert fp.identity_holds(part[["c3", "c0"]], mixed)
    assert fp.identity_holds(mixed.iloc[::3][["t", "s", "c1"]], mixed)
    assert not fp.identity_holds(mixed.iloc[::3][["t", "s", "c1"]].reset_index(drop=True), mixed)


def test_identity_with_repeated_column_names_compares_by_name() -> None:
    df = pd.DataFrame(np.arange(40.0).reshape(10, 4), columns=["a", "a", "b", "c"])
    assert fp.identity_holds(df.iloc[2:7], df)
    assert not fp.identity_holds(df.iloc[2:7].reset_index(drop=True), df)


def test_fingerprinting_a_million_rows_by_twenty_columns_is_fast_enough() -> None:
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(200_000, 20)))
    import time

    best = min(_time(fp.row_hashes, X, time.perf_counter) for _ in range(3))
    assert best * 5 < 0.6, f"{best * 5:.2f} s per 1M rows x 20 columns"  # budget 0.3 s; slack for a busy host


def _time(fn, arg, clock):  # type: ignore[no-untyped-def]
    start = clock()
    fn(arg)
    return clock() - start


def test_sparse_rows_are_hashed_by_their_entries_and_not_taken_for_copies() -> None:
    from scipy import sparse

    dense = np.array([[0, 1, 0, 2], [3, 0, 0, 0], [0, 1, 0, 2], [0, 0, 5, 0]], dtype=float)
    m = sparse.csr_matrix(dense)
    h = fp.row_hashes(m)
    assert h[0] == h[2] and len(set(h.tolist())) == 3
    assert fp.row_hashes(m, rows=[3, 0]).tolist() == [h[3], h[0]]
    assert fp.row_hashes(sparse.csr_array(dense)).tolist() == h.tolist()  # a sparse array as a matrix
    # equal bags of words are no copied records (different texts count the same words): no crash, no count
    assert fp.shared_by_content(m[[0, 1]], m[[2, 3]]) == 0
    assert fp.n_rows(m) == 4
