"""lineage/copies.py: which stacked pieces hold the same rows."""

from __future__ import annotations

from leakguard.lineage.copies import Piece, stacked_copies
from leakguard.lineage.events import Derive, Read, Where
from leakguard.lineage.graph import LineageGraph

W = Where("c1", 1, 1)


def _graph() -> LineageGraph:
    g = LineageGraph()
    g.apply(Read("df", "events.csv", "df", W))
    g.apply(Derive("noisy", ("df",), "add", "noisy", W, rows="same"))
    g.apply(Derive("pro", ("df",), "filter", "pro", W, rows="subset"))
    g.apply(Derive("rest", ("df",), "filter", "rest", W, rows="subset"))
    g.apply(Derive("mean", ("df",), "mean", "mean", W, rows="aggregate"))
    return g


def test_a_piece_derived_from_another_is_a_copy() -> None:
    g = _graph()
    assert stacked_copies(g, [Piece("df"), Piece("noisy")])
    assert stacked_copies(g, [Piece("pro"), Piece("df")])


def test_pieces_that_only_share_a_source_are_not_copies() -> None:
    g = _graph()
    assert not stacked_copies(g, [Piece("pro"), Piece("rest")])
    assert not stacked_copies(g, [Piece("df"), Piece("mean")])


def test_pending_chains_over_the_same_source() -> None:
    g = _graph()
    # X and X + noise: the longer chain extends the shorter one
    assert stacked_copies(g, [Piece(None, ("df",), ("values",)), Piece(None, ("df",), ("values", "add"))])
    # df[m1] and df[m2]: equal selecting chains may hold different rows
    assert not stacked_copies(g, [Piece(None, ("df",), ("filter",)), Piece(None, ("df",), ("filter",))])
    # df.dropna() (keeps every row it can) and a frame computed from df
    assert stacked_copies(g, [Piece(None, ("df",), ("dropna",)), Piece("noisy")])
    assert not stacked_copies(g, [Piece(None, ("df",), ("filter",)), Piece("rest")])
