"""numpy row slices as a hand-made split: proved from where each view starts in its parent."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leakguard.kernel.splits import array_partitions


def test_head_and_tail_of_a_1d_array_partition_it() -> None:
    x = np.arange(10.0)
    assert array_partitions(x, x[:7], x[7:])
    assert array_partitions(x, x[7:], x[:7])
    assert not array_partitions(x, x[:7], x[8:])  # a row missing
    assert not array_partitions(x, x[:7], x[6:])  # a row on both sides
    assert not array_partitions(x, x[::2], x[1::2])  # every other row: not blocks of the parent's rows


def test_2d_slices_partition_only_with_the_same_columns_in_either_memory_order() -> None:
    frame = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [5.0, 4, 3, 2, 1], "y": [0.0, 1, 0, 1, 1]})
    for data in (frame.to_numpy(), np.ascontiguousarray(frame.to_numpy())):
        assert array_partitions(data, data[:3, :-1], data[3:, :-1])
        assert array_partitions(data, data[:3, -1], data[3:, -1])
        assert not array_partitions(data, data[:3, :-1], data[3:, -1])
        assert not array_partitions(data, data[:3, -1], data[3:, 0])


def test_copies_and_other_arrays_prove_nothing() -> None:
    x = np.arange(10.0)
    idx = np.arange(10)
    assert not array_partitions(x, x[idx[:7]], x[idx[7:]])  # fancy indexing copies
    assert not array_partitions(x, np.arange(7.0), np.arange(3.0))


def test_shuffled_copies_partition_by_content_only_when_rows_differ() -> None:
    from leakguard.kernel.splits import content_partitions

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    idx = rng.permutation(50)
    assert content_partitions(X, X[idx[:40]], X[idx[40:]])
    assert not content_partitions(X, X[idx[:40]], X[idx[39:49]])  # a row twice, one missing
    labels = rng.integers(0, 2, size=50)
    # 0/1 labels: any two samples with the right counts would match, so content proves nothing
    assert not content_partitions(labels, labels[idx[:40]], labels[idx[40:]])
