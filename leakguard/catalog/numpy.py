"""numpy: arrays read from files — every row is data of its own, as a pandas reader's frame.

``np.loadtxt("f.csv")`` then ``X = data[:, :-1]; y = data[:, -1]`` is the numpy spelling of
``read_csv``; without these entries the rows had no source and no rule could speak about them.
``np.load`` of an ``.npz`` archive returns its arrays by name (``archive["X"]``): the archive
stands for the file, its members for its rows.
"""

from __future__ import annotations

from leakguard.catalog import Api

ENTRIES: tuple[Api, ...] = (
    Api("numpy", "loadtxt", "read", role="array"),
    Api("numpy", "genfromtxt", "read", role="array"),
    Api("numpy", "fromfile", "read", role="array"),
    Api("numpy", "load", "read", role="array"),
)
