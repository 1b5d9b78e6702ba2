"""What a catalog entry is: one callable and what calling it means ("``DataFrame.describe`` inspects").

Each library's entries live in ``leakguard/libraries/<library>/catalog.py`` and are listed
once in :mod:`leakguard.libraries.registry`; the kernel wraps whatever the catalog lists and
the static checker reads the same entries. An entry names a callable by module and
qualified name and says what calling it means (its ``kind``).
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any, Literal

Kind = Literal[
    "read",        # returns new data from outside (a file, a table)
    "inspect",     # looks at the data: statistics, counts, plots
    "split",       # separates rows into train / test parts
    "folds",       # yields (train, validation) row positions per fold (a cross-validation splitter's split)
    "groupby",     # makes a GroupBy: remember the keys for later aggregates
    "group-select",  # picks columns of a GroupBy
    # modelling (leakguard/kernel/modelling.py)
    "fit",            # an estimator learns from rows (role: model, transformer, search, ...)
    "fit-transform",  # learns, then transforms the same rows
    "fit-predict",    # learns, then predicts the same rows (clusterers)
    "transform-function",  # a function that fits a transformer on its input rows and returns them transformed
    "transform",      # applies learned state to rows
    "predict",        # predictions for rows
    "score",          # a fitted model scored on rows
    "metric",         # a metric of true values against predictions
    "cross-validate",  # an estimator fit and scored on folds (role search: candidates compared)
    "resample",       # rows made from rows (oversampling, bootstrap)
    # hand-written features (leakguard/kernel/features.py)
    "assign-column",  # df["c"] = ...
    "encode",         # a statistic learned over rows, applied to the same rows (get_dummies, qcut, cut)
    "group-transform",  # a per-group statistic broadcast back to the rows
    "ordered",        # a computation along row order (shift, bfill, cumsum, diff...)
    "window",         # an aggregation over a rolling / expanding / ewm window
    "sort",           # rows reordered by a column (sort_values): time order when the column holds datetimes
    "keep-order",     # the same rows in the same order (reset_index, copy): a sort's time order carries through
    "query",       # sends SQL (or ties a table or a result to lineage): see leakguard/libraries/sql/catalog.py
    # lazy frames (leakguard/libraries/spark/catalog.py, leakguard/libraries/polars/catalog.py)
    "filter",      # keeps the rows a condition selects (at the cutoff: future removed; complementary pair: a split)
    "action",      # runs a lazy plan and brings rows or an aggregate back (show, collect, toPandas)
    "select",      # Polars DataFrame.select: an inspection when every expression aggregates, else nothing
    "with-column",  # a lazy frame with columns computed from column expressions (Spark withColumn)
    "schema",      # a look at the schema only (``info``): no finding, and the library's own inner statistics are not the user's
    # native training APIs (leakguard/libraries/boosting/catalog.py); read by the static engine only for now
    "container",   # a library's own holder of the rows of X and y (xgboost.DMatrix, lightgbm.Dataset): ``data`` says where
    "train-function",  # a function that fits a new model on a container (xgboost.train; role cross-validate: xgboost.cv)
    # deep-learning training written by hand (leakguard/libraries/torch/catalog.py); read by the static engine only for now
    "convert",     # the same rows, each row's own values (torch.tensor(X), t.float(), t.numpy(), torch.sigmoid(out));
    #                role "along-dim": only along a dimension other than the rows' (torch.max(out, 1)), else a statistic;
    #                role "as-is": its first argument as it is (tqdm(loader), GradScaler.scale(loss))
    "forward",     # a network called on rows: its outputs for them (predictions once it is trained)
    "loss",        # a loss of outputs against labels: what a training step follows, a score of a trained network
    "train-step",  # loss.backward(): the network whose outputs the loss compared learns from those rows and labels
    "setting",     # a mode, a device or an optimizer's step (model.eval(), model.to(device)): nothing learned or seen
    "dataset-split",  # splits a dataset's rows by lengths (random_split(ds, [a, b])): the last part is the holdout
]


# What a ``read`` entry returns, by its role (both engines shape the new source by it):
READ_SHAPES = {
    "": "a frame (pandas readers)",
    "array": "an array, or an archive of arrays by name (np.loadtxt, np.load)",
    "dataset": "a dataset: (X, y) with return_X_y=True, else a Bunch whose .data/.target/.frame hold the rows",
    "pair": "(X, y) always (sklearn's make_* generators)",
    "object": "anything (pickle, joblib, json): rows only when the value turns out to be row data",
    "splits": "((x_train, y_train), (x_test, y_test)): a source already split into train and holdout (Keras)",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Api:
    """One callable and what calling it means."""

    module: str
    qualname: str
    kind: Kind
    relates: bool = False
    note: str = ""
    role: str = ""                  # fit kinds: model | transformer | search | stateless | target-encoder | auto;
    #                                 read kinds: what comes back (see READ_SHAPES): "" a frame | array | dataset | pair | object | splits
    options: tuple[str, ...] = ()   # keywords carrying data a fit scores: "eval_set", or a pair "X_val+y_val";
    #                                 a train-function's as "position:keyword" ("3:evals")
    data: tuple[str, ...] = ()      # container and train-function kinds: where the rows are passed, as
    #                                 "position:keyword", X (or the container) first, then y

    @property
    def name(self) -> str:
        """The short name shown to people: ``describe``, ``read_parquet``."""
        return self.qualname.rsplit(".", 1)[-1]


def resolve(api: Api) -> tuple[Any, str, Any] | None:
    """``(owner, attribute, current value)`` for ``api``, the owner being the class that defines it.

    None when the module is not importable or the attribute does not exist (an older or
    newer library version): the entry is then simply not wrapped.
    """
    try:
        obj: Any = importlib.import_module(api.module)
    except ImportError:
        return None
    parts = api.qualname.split(".")
    for part in parts[:-1]:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    attr = parts[-1]
    if isinstance(obj, type):
        for klass in obj.__mro__:
            if attr in vars(klass):
                return klass, attr, vars(klass)[attr]
        return None
    if not hasattr(obj, attr):
        return None
    return obj, attr, getattr(obj, attr)
