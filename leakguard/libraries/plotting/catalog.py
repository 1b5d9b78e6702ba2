"""Plots of the data: seaborn's and matplotlib.pyplot's plotting functions look at the rows they are given.

A plot is an inspection like ``describe()``: ``sns.countplot(x="churned", data=df)`` shows the label's
distribution over every row; ``sns.boxplot(x="churned", y="spend", data=df)`` relates a feature to the
label. The columns looked at are the ones the call names (``x``, ``y``, ``hue``, ...), else every column
of the data it is given. Only data leakguard already follows is judged: an array of ROC points or a
training history is no data of any row.

A plot also shows what it is given: ``sns.heatmap(df.corr())`` shows the correlation matrix, so the
``corr()`` inside it is a look (as it would be under ``print``), not a statistic that only feeds another
computation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from leakguard.libraries.api import Api

_SEABORN = ("countplot", "histplot", "kdeplot", "ecdfplot", "rugplot", "distplot", "displot", "boxplot",
            "violinplot", "boxenplot", "stripplot", "swarmplot", "barplot", "pointplot", "catplot", "scatterplot",
            "lineplot", "relplot", "lmplot", "regplot", "residplot", "jointplot", "pairplot", "heatmap",
            "clustermap")
_PYPLOT = ("hist", "hist2d", "scatter", "bar", "barh", "boxplot", "violinplot", "plot", "pie", "hexbin", "stem",
           "step", "fill_between", "imshow", "matshow")

# keywords that name the columns a plot draws (``sns.scatterplot(data=df, x="age", y="spend", hue="churned")``):
# the axes, and what splits or colours them (drawn as well as the axes' columns)
_AXES = ("x", "y", "vars", "x_vars", "y_vars", "weights")
_SPLITS = ("hue", "col", "row", "size", "style", "units")
COLUMN_KEYWORDS = _AXES + _SPLITS

# the functions whose arguments a plot shows (by the called attribute's name: ``sns.heatmap(df.corr())``)
# (and of an Axes method of the same name: ``ax.bar(counts.index, counts.values)``, ``ax.imshow(df.corr())``)
SHOWS_ARGUMENTS = frozenset(_SEABORN) | frozenset(_PYPLOT)
# the same, by qualified name (the static engine resolves imports)
SHOWING_PATHS = frozenset({*(f"seaborn.{n}" for n in _SEABORN), *(f"matplotlib.pyplot.{n}" for n in _PYPLOT)})

ENTRIES: tuple[Api, ...] = (
    *(Api("seaborn", name, "inspect", role="plot") for name in _SEABORN),
    *(Api("matplotlib.pyplot", name, "inspect", role="plot") for name in _PYPLOT),
)


def plotted(named: Mapping[str, object], data_columns: Iterable[str] | None) -> tuple[tuple[str, ...], bool]:
    """(columns looked at, relates) for a plot given keyword arguments ``named`` and the columns of its data.

    The columns on the axes (``x``, ``y``, ``vars``), else all the data's columns, and those that split or colour
    them (``hue``, ``col``, ...: ``sns.pairplot(df, hue="churned")`` draws every column against the label); the
    plot relates columns (a feature drawn against the label) when it draws more than one.
    """
    axes, splits = _names(named, _AXES), _names(named, _SPLITS)
    columns = tuple(dict.fromkeys([*(axes or data_columns or ()), *splits]))
    return columns, len(columns) > 1


def _names(named: Mapping[str, object], keys: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for key in keys:
        value = named.get(key)
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            out += [v for v in value if isinstance(v, str)]
    return out
