"""numpy: random draws that pick rows, for hand-made splits (read by the static engine).

Nothing here is wrapped in the kernel: it proves a hand-made split from the rows of the parts a
cell produced. The static engine cannot see rows, so it follows the draw instead:
``idx = np.random.permutation(len(df))`` then ``df.iloc[idx[:n]]`` / ``df.iloc[idx[n:]]``.
"""

from __future__ import annotations

# where the functions live: ``np.random.permutation`` and the methods of a generator
# (``rng = np.random.default_rng(0)``, ``np.random.RandomState(0)``), which take the same names
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
