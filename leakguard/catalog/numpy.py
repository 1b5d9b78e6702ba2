"""numpy: functions that build rows out of rows, read by both engines (static/pandasops.py, kernel/aftercell.py).

numpy is not wrapped in the kernel (its functions are called everywhere, by pandas too);
the kernel recognises these calls in the cell's code after it ran, the static engine as it
reads them. What the stacked pieces hold is judged in ``lineage/copies.py``.
"""

from __future__ import annotations

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
