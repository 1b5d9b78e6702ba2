"""The standard library and joblib: values loaded from a file whose shape only the data tells.

``pickle.load(f)`` may return a frame, an array, a fitted model or a dict of settings. The
static engine takes what comes back as rows of its own when it is used as data (and as
nothing when it is used as a model); the kernel registers it only when it is row data.
"""

from __future__ import annotations

import ast

from leakguard.libraries.api import Api

ENTRIES: tuple[Api, ...] = (
    Api("pickle", "load", "read", role="object"),
    Api("joblib", "load", "read", role="object"),
    Api("json", "load", "read", role="object"),
)

# Calls that show their arguments (``print(df.describe())``): an inspection inside one is looked at.
SHOWING = ("print", "display", "repr", "str")


def shown_names(stmt: ast.stmt) -> list[str]:
    """The names whose values a statement shows, read by both engines: a bare expression (``counts``,
    ``counts.sort_values()``) and the arguments of a showing call (``print(counts)``, ``display(counts.head())``,
    ``print(f"{counts}")``), each through its method chain."""
    return _shown_roots(stmt.value) if isinstance(stmt, ast.Expr) else []


def _shown_roots(expr: ast.expr) -> list[str]:
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in SHOWING:
        return [n for a in expr.args for n in _shown_roots(a)]
    if isinstance(expr, ast.JoinedStr):
        return [n for v in expr.values if isinstance(v, ast.FormattedValue) for n in _shown_roots(v.value)]
    if isinstance(expr, (ast.Tuple, ast.List)):
        return [n for e in expr.elts for n in _shown_roots(e)]
    while isinstance(expr, (ast.Attribute, ast.Subscript, ast.Call)):
        expr = expr.func if isinstance(expr, ast.Call) else expr.value
    return [expr.id] if isinstance(expr, ast.Name) else []


# Calls, by their last name, that draw what they are given (``plt.imshow(df.corr())``, ``sns.heatmap(df.corr())``,
# ``plt.bar(counts.index, counts.values)``): an inspection passed straight to one is shown, as one passed to
# ``print`` is. Methods only (``plt.``, ``sns.``, ``ax.``). Read by the kernel's cell scan and the static engine's calls.
PLOTTING = ("imshow", "matshow", "heatmap", "clustermap", "barplot", "countplot", "histplot", "kdeplot", "displot",
            "distplot", "boxplot", "violinplot", "pairplot", "lineplot", "scatterplot", "bar", "barh", "pie",
            "scatter", "plot", "hist")
# Calls, by their last name, whose result holds their arguments' values as they are (``pd.Series(scores,
# index=cols)``, ``np.array(...)``, ``dict(zip(cols, scores))``, ``sorted(...)``): an inspection inside one is
# kept as if bound to a name itself (a look, not a statistic consumed by an expression). Read by the kernel's
# cell scan and the static engine's calls.
HOLDING = ("list", "tuple", "dict", "zip", "sorted", "enumerate", "reversed", "Series", "DataFrame", "array",
           "asarray")
# Calls that count each distinct value of what they are given (``Counter(w for t in df.text for w in t.split())``):
# a statistic of the rows, as ``value_counts()`` is; a vocabulary taken from it (``most_common(5000)``) and used to
# encode the rows is learned from them, as a ``CountVectorizer``'s vocabulary is.
COUNTING = ("collections.Counter",)
# Built-ins that read only how many items a value holds (``n = int(len(X) * 0.8)``): the size, no value of any
# row, as the schema attributes (``X.shape``) are.
SIZING = ("len",)
