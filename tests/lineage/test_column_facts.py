"""Column facts of frames whose columns are unknown: kept through a split, dropped only with their column."""

from __future__ import annotations

from leakguard.lineage.events import Derive, Read, Split, SplitPart, Where
from leakguard.lineage.graph import HOLDOUT, LineageGraph
from leakguard.policy import Policy

W = Where("cell 1", None, 1)


def _imputed_frame() -> LineageGraph:
    """``df = read_csv(...)`` (columns unknown) and ``df["spend"] = df["spend"].fillna(df["spend"].median())``."""
    g = LineageGraph(Policy().updated({"holdout": 0.2}, "tests"))
    g.apply(Read("df", "events.csv", "df", W))
    g.apply(Derive("median", ("df",), "median", "df['spend'].median()", W, rows="aggregate", kind="value"))
    g.apply(Derive("df2", ("df", "median"), "set column", "df", W, column="spend", column_inputs=("spend",)))
    return g


def _split(g: LineageGraph, parent: str) -> None:
    g.apply(Split(parent, (SplitPart("train", "train", "train"), SplitPart("test", "holdout", "test")),
                  "train_test_split", W))


def test_a_split_keeps_column_taint_when_the_columns_are_unknown() -> None:
    g = _imputed_frame()
    assert g.nodes["df2"].column_taint == {"spend": g.nodes["median"].taint}
    _split(g, "df2")
    train = g.nodes["train"]
    assert HOLDOUT in train.column_taint["spend"]
    g.apply(Derive("X", ("train",), "select", "train[['x', 'spend']]", W, columns=("x", "spend")))
    assert HOLDOUT in g.nodes["X"].taint
    # negative twin: the columns without the statistic carry none of it
    g.apply(Derive("Xc", ("train",), "select", "train[['x', 'z']]", W, columns=("x", "z")))
    assert HOLDOUT not in g.nodes["Xc"].taint


def test_dropping_the_column_drops_its_taint_and_row_operations_keep_the_others() -> None:
    g = _imputed_frame()
    g.apply(Derive("kept", ("df2",), "dropna", "df2.dropna()", W, dropped=()))
    assert HOLDOUT in g.nodes["kept"].column_taint["spend"]
    g.apply(Derive("gone", ("kept",), "drop", "df.drop(columns=['spend'])", W, dropped=("spend",)))
    assert HOLDOUT not in g.nodes["gone"].taint
    _split(g, "gone")
    assert HOLDOUT not in g.nodes["train"].taint


def test_unknown_column_effects_still_fold_every_column_taint_into_the_frame() -> None:
    g = _imputed_frame()
    g.apply(Derive("other", ("df2",), "pivot", "df2.pivot()", W))  # dropped=None: what it does to columns is unknown
    assert HOLDOUT in g.nodes["other"].taint and not g.nodes["other"].column_taint
