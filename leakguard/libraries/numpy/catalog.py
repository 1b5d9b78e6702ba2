"""numpy: what its functions do to rows, read by both engines.

numpy is not wrapped in the kernel (its functions are called everywhere, by pandas too). Random
draws that pick rows, for hand-made splits: the kernel proves such a split from the rows of the
parts a cell produced, the static engine follows the draw (``idx = np.random.permutation(len(df))``
then ``df.iloc[idx[:n]]`` / ``df.iloc[idx[n:]]``). Functions that build rows out of rows (stacks,
repeats): the kernel recognises them in the cell's code after it ran (kernel/stacking.py), the
static engine as it reads them (libraries/pandas/static.py); what the stacked pieces hold is judged in
``lineage/copies.py``.

Arrays read from files are rows of their own, as a pandas reader's frame: ``np.loadtxt("f.csv")``
then ``X = data[:, :-1]; y = data[:, -1]`` is the numpy spelling of ``read_csv``; ``np.load`` of
an ``.npz`` archive returns its arrays by name (``archive["X"]``): the archive stands for the
file, its members for its rows.
"""

from __future__ import annotations

from leakguard.libraries.api import Api

ENTRIES: tuple[Api, ...] = (
    Api("numpy", "loadtxt", "read", role="array"),
    Api("numpy", "genfromtxt", "read", role="array"),
    Api("numpy", "fromfile", "read", role="array"),
    Api("numpy", "load", "read", role="array"),
)

# where the functions live: ``np.random.permutation`` and the methods of a generator
# (``rng = np.random.default_rng(0)``, ``np.random.RandomState(0)``), which take the same names
TABLE_COPIES = ("array", "asarray", "asanyarray", "ascontiguousarray")  # ``np.asarray(df)``: every column of it
RANDOM_MODULE = "numpy.random"
RANDOM_STATES = ("default_rng", "RandomState", "Generator")

# the result names rows (positions or index labels): every row once, in random order
PERMUTATIONS = ("permutation",)
# the result names some rows; each once only with ``replace=False`` (numpy's default is True)
CHOICES = ("choice",)
CHOICE_REPLACE = "replace"
# in place: ``np.random.shuffle(idx)`` makes ``idx`` a permutation
SHUFFLES = ("shuffle",)
# one random number per row: compared with a fraction it is a random row mask (``rand(len(df)) < 0.8``)
UNIFORMS = ("rand", "random", "random_sample", "ranf", "sample", "uniform")

# ``np.split(data, [a, b])``: consecutive blocks of rows cut at the listed positions (train / validation / test)
BLOCK_SPLITS = ("split", "array_split")

# row positions: ``train_test_split(np.arange(len(df)))`` splits positions that later pick rows
POSITIONS = ("numpy.arange", "builtins.range")

# Stacking along rows: the result holds every piece's rows. Name -> the keyword (or
# positional index) choosing the axis, None when the function always stacks rows.
ROW_STACKS: dict[str, tuple[str, int] | None] = {
    "vstack": None,
    "row_stack": None,
    "concatenate": ("axis", 1),
}
# Each row several times (``np.repeat(X, 3, axis=0)``, ``np.tile(X, (2, 1))``): copies of rows.
# Name -> (keyword, position) of the count argument.
ROW_REPEATS: dict[str, tuple[str, int]] = {
    "repeat": ("repeats", 1),
    "tile": ("reps", 1),
}
REPEAT_AXIS = ("axis", 2)  # ``np.repeat``'s axis: 0 or absent repeats rows (1-D data), 1 repeats columns

# Statistics of the rows (``X.mean(axis=0)``, ``np.nanmean(X, 0)``, ``np.percentile(X, 99, axis=0)``): the
# result is learned from every row it is given, as a scaler's fit is; used as a feature (``X - mu``) before
# the split it carries the test rows into the training rows, and set against labels (``np.mean(pred == y)``)
# it is a score. Anything else numpy does (``log1p``, ``clip``, ``where``, ``nan_to_num``, arithmetic) is row-wise.
STATISTICS = frozenset({
    "mean", "std", "var", "median", "percentile", "quantile", "min", "max", "sum", "nanmean", "nanstd", "nanvar",
    "nanmedian", "nanpercentile", "nanquantile", "nanmin", "nanmax", "nansum", "average", "ptp", "amin", "amax",
    "corrcoef", "cov", "histogram", "unique",
})
# ``axis=1`` on a table (``X.sum(axis=1)``, ``np.max(X, 1)``) is one value per row from that row's own columns: no
# statistic over rows. The axis is the first positional argument of the array method, the second of the function
# (the third for the ones taking a quantile first).
ROW_WISE_AXES: tuple[object, ...] = (1,)
_AXIS_AFTER_Q = frozenset({"percentile", "quantile", "nanpercentile", "nanquantile"})


def axis_position(name: str, *, method: bool) -> int:
    """Where the axis goes among the positional arguments of statistic ``name`` (``X.mean(1)``, ``np.mean(X, 1)``)."""
    return (1 if name in _AXIS_AFTER_Q else 0) + (0 if method else 1)


# the leading positional arguments that are data (``np.corrcoef(pred, y)``: both); one for the others
STATISTIC_OPERANDS: dict[str, int] = {"corrcoef": 2, "cov": 2}
