"""pandas: features written by hand — column assignment, learned encodings, per-group statistics, row order.

- ``df["c"] = ...`` records which columns (and statistics) a new column is computed from;
- ``qcut`` and ``cut`` with a bin count learn edges from the rows; ``get_dummies`` is row-wise;
- ``groupby(...).transform("mean")`` broadcasts a per-group statistic (a target encoding when
  the label is aggregated);
- computations along row order (``shift``, ``bfill``, ``cumsum``, rolling windows...) use
  later rows when they look ahead or run over rows not sorted by time;
- ``sample(replace=True)`` makes copies of rows (a bootstrap, an oversampling).

Statistics consumed inside an expression (``fillna(df.x.mean())``) come from the
inspection entries in ``pandas.py``.
"""

from __future__ import annotations

import ast

from leakguard.libraries.api import Api

# Row-order methods: each row's value comes from its neighbours (earlier or later rows), read by
# both engines (the kernel's ``ordered`` entries, libraries/pandas/static.py, kernel/features.py).
ORDERED = ("shift", "bfill", "ffill", "interpolate", "cumsum", "cumprod", "cummax", "cummin", "diff", "pct_change")
# pandas < 3 spellings of ``bfill`` / ``ffill``: the static engine reads them, the kernel wraps no entry for
# them (they are gone in pandas 3)
ORDERED_ALIASES = ("backfill", "pad")
# the same along each group's rows (``groupby("user").cumcount()``: the user's visits so far)
GROUP_ORDERED = ("shift", "bfill", "ffill", "cumsum", "cumprod", "cummax", "cummin", "cumcount", "diff", "pct_change")
_WINDOW_AGGS = ("mean", "sum", "std", "var", "min", "max", "median", "count", "apply", "quantile", "skew", "kurt",
                "sem", "agg", "aggregate")
_WINDOWS = ("Rolling", "Expanding", "ExponentialMovingWindow")  # the group-by windows inherit these methods

ENTRIES: tuple[Api, ...] = (
    Api("pandas", "DataFrame.__setitem__", "assign-column"),
    Api("pandas", "DataFrame.assign", "assign-column", note="a new frame with columns computed row by row"),
    # one row's indicator columns come from its own value alone: a category seen only in test rows
    # adds a column that is zero on every training row, which teaches the model nothing
    Api("pandas", "get_dummies", "encode", role="row-wise"),
    Api("pandas", "qcut", "encode"),
    Api("pandas", "cut", "encode"),
    # each row's rank among all the rows: a statistic of every row, like qcut's edges
    Api("pandas", "Series.rank", "encode"),
    Api("pandas", "DataFrame.rank", "encode"),
    Api("pandas.api.typing", "DataFrameGroupBy.transform", "group-transform"),
    Api("pandas.api.typing", "SeriesGroupBy.transform", "group-transform"),
    # ``apply`` is judged only when its callable is a computation along each group's rows (``group_callable``)
    Api("pandas.api.typing", "DataFrameGroupBy.apply", "group-transform", role="along-rows"),
    Api("pandas.api.typing", "SeriesGroupBy.apply", "group-transform", role="along-rows"),
    *(Api("pandas", f"{owner}.{name}", "ordered") for owner in ("DataFrame", "Series") for name in ORDERED),
    *(Api("pandas.api.typing", f"{owner}.{name}", "ordered")
      for owner in ("DataFrameGroupBy", "SeriesGroupBy") for name in GROUP_ORDERED),
    *(Api("pandas.api.typing", f"{window}.{name}", "window") for window in _WINDOWS for name in _WINDOW_AGGS),
    Api("pandas", "DataFrame.sample", "resample"),
    Api("pandas", "Series.sample", "resample"),
)

# Group-by methods that only make sense with several rows per group (a sequence or a statistic per
# entity broadcast back to its rows): grouped by an entity id column, they show that the id repeats.
PER_ENTITY_ROWS = ("cumcount", "shift", "diff", "cumsum", "cummax", "cummin", "pct_change", "transform", "rank",
                   "ffill", "bfill", "rolling", "expanding", "nth", "head", "tail")

# Lags: with a positive period these read only earlier rows. On time-ordered rows a lag of the
# label (``df["churned"].shift(1)``, and a trailing window over it) is a forecasting feature,
# not the label copied row by row; a negative period reads later rows (a look-ahead).
LAGS = ("shift",)

# encodings whose output for a row depends on that row only (no statistic learned from the others)
ROW_WISE: frozenset[str] = frozenset(api.name for api in ENTRIES if api.kind == "encode" and api.role == "row-wise")
# Per-group statistics broadcast back to every row (``groupby("store")["sales"].transform("mean")``): over
# time-ordered rows each row then carries its group's later rows, test days included (a look-ahead).
WHOLE_GROUP_STATS = ("mean", "median", "sum", "std", "var", "min", "max", "count", "nunique", "size", "prod", "sem",
                     "skew", "first", "last")

# ``groupby(k)[c].transform(name)`` with these names computes along each group's row order: not a statistic.
GROUP_TRANSFORM_ORDERED = frozenset({"cumsum", "cumprod", "cummax", "cummin", "cumcount", "shift", "diff", "pct_change",
                            "ffill", "bfill", "rank"})

# -- callables passed to ``groupby(k)[c].transform(f)`` / ``.apply(f)`` -----------------------------------
#
# Both engines read the callable's source (the static engine its AST, the kernel the cell's call or
# ``inspect.getsource``) and ask ``group_callable`` how it reads each group's rows:
#
# - ``PAST_ONLY``: a chain of row-order steps along the group (``shift(k>0)``, windows, cumulative sums,
#   ``ffill``, element-wise clean-ups) that contains a lag: each row gets a value of the group's EARLIER rows
#   only (``s.shift(1).expanding().mean()``, ``s.rolling(3).mean().shift(1)``). Not a statistic of all the
#   rows; on the label, a forecasting lag (not the label).
# - ``TRAILING``: the same without a lag (``s.expanding().mean()``, ``s.cumsum()``): the row's own value and
#   the earlier ones. A feature's own value is known when the prediction is made, so over a feature column it
#   is fine; over the label it carries the row's label (the engines keep the column row-wise: ``target``).
# - ``LOOK_AHEAD``: a step reads later rows (``shift(-1)``, ``bfill``, ``interpolate``, a centred window).
# - ``STATISTIC``: the group's whole-history statistic broadcast to every row (``lambda s: s.mean()``), judged
#   as the named aggregation (``transform("mean")``).
# - None: anything else (unknown): each engine keeps its general judgement of a callable.
PAST_ONLY, TRAILING, LOOK_AHEAD, STATISTIC = "past-only", "trailing", "look-ahead", "statistic"

_CAUSAL = frozenset({"cumsum", "cumprod", "cummax", "cummin", "ffill", "pad", "diff", "pct_change"})
_ELEMENTWISE = frozenset({"fillna", "astype", "abs", "round", "clip"})
_READS_LATER = frozenset({"bfill", "backfill", "interpolate"})
_WINDOW_OPENERS = frozenset({"rolling", "expanding", "ewm"})


def _periods(call: ast.Call) -> int | None:
    """The constant integer period of ``shift``/``diff``/``pct_change`` (1 when not given); None when not a constant."""
    p = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "periods"), None)
    if p is None:
        return 1
    if isinstance(p, ast.UnaryOp) and isinstance(p.op, ast.USub) and isinstance(p.operand, ast.Constant) \
            and isinstance(p.operand.value, int) and not isinstance(p.operand.value, bool):
        return -p.operand.value
    if isinstance(p, ast.Constant) and isinstance(p.value, int) and not isinstance(p.value, bool):
        return p.value
    return None


def _body(fn: ast.AST) -> tuple[ast.expr, str] | None:
    """The expression a one-parameter lambda or a one-statement function returns, and its parameter's name."""
    if isinstance(fn, ast.Lambda):
        args, body = fn.args, fn.body
    elif isinstance(fn, ast.FunctionDef):
        stmts = [st for st in fn.body if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant))]
        if len(stmts) != 1 or not isinstance(stmts[0], ast.Return) or stmts[0].value is None:
            return None
        args, body = fn.args, stmts[0].value
    else:
        return None
    params = [*args.posonlyargs, *args.args]
    if not params or len(params) - len(args.defaults) > 1 or args.vararg is not None:
        return None
    return body, params[0].arg


def group_callable(fn: ast.AST) -> tuple[str, str] | None:
    """How a callable given to a group-by's ``transform``/``apply`` reads each group's rows, from its source.

    Returns ``(shape, name)`` — ``shape`` one of PAST_ONLY, TRAILING, LOOK_AHEAD, STATISTIC; ``name`` the
    statistic's name for STATISTIC (``"mean"``), else the last step's name — or None when the callable is not a
    plain chain of methods on its parameter (fail closed: the caller keeps its general judgement).
    """
    got = _body(fn)
    if got is None:
        return None
    node, param = got
    chain: list[tuple[str, ast.Call]] = []  # (method, call)
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        chain.append((node.func.attr, node))
        node = node.func.value
    if not (isinstance(node, ast.Name) and node.id == param) or not chain:
        return None
    chain.reverse()  # innermost (applied first) to outermost
    lagged = ahead = in_window = False
    for i, (name, call) in enumerate(chain):
        kw = {k.arg: k.value for k in call.keywords}
        if in_window:
            if name not in _WINDOW_AGGS:
                return None
            in_window = False  # one value per row: the aggregate of the row's window
        elif name in _WINDOW_OPENERS:
            in_window = True
            centre = kw.get("center")
            if isinstance(centre, ast.Constant) and centre.value is True:
                ahead = True
            elif centre is not None and not (isinstance(centre, ast.Constant) and centre.value is False):
                return None
        elif name in LAGS or name in ("diff", "pct_change"):
            periods = _periods(call)
            if periods is None:
                return None
            ahead = ahead or periods < 0
            lagged = lagged or (name in LAGS and periods > 0)
        elif name in _READS_LATER:
            ahead = True
        elif name in _CAUSAL:
            pass
        elif name in _ELEMENTWISE:
            method = kw.get("method")
            if isinstance(method, ast.Constant) and method.value in ("bfill", "backfill"):
                ahead = True
            elif method is not None and not (isinstance(method, ast.Constant) and method.value in ("ffill", "pad")):
                return None
            if not all(isinstance(a, ast.Constant) for a in (*call.args, *(k.value for k in call.keywords))):
                return None  # ``fillna(s.mean())``: a statistic inside
        elif name in WHOLE_GROUP_STATS and i == len(chain) - 1 and not call.args:
            return STATISTIC, name  # over the whole group (a look-ahead on time-ordered rows either way)
        else:
            return None
    if in_window:
        return None
    return (LOOK_AHEAD if ahead else PAST_ONLY if lagged else TRAILING), chain[-1][0]
