"""Gradient-boosting libraries with a scikit-learn interface: XGBoost, LightGBM, CatBoost.

Their ``fit`` takes ``eval_set=[(X_val, y_val)]``, data scored every round (early
stopping follows it). Their native training APIs put the rows in a container first
(``xgb.DMatrix(X, label=y)``, ``lgb.Dataset(X, y)``), fit with a function
(``xgb.train(params, dtrain, evals=[(dval, "val")])``, ``lgb.train(params, train_set,
valid_sets=[valid_set])``: the containers there are scored every round) and predict with the
returned ``Booster``. Resolved only when the library is importable; entries whose method
a version lacks are skipped.
"""

from __future__ import annotations

from leakguard.libraries.api import Api, Kind

_MODELS: dict[str, tuple[str, ...]] = {
    "xgboost": ("XGBModel", "XGBClassifier", "XGBRegressor", "XGBRanker", "XGBRFClassifier", "XGBRFRegressor"),
    "lightgbm": ("LGBMModel", "LGBMClassifier", "LGBMRegressor", "LGBMRanker"),
    "catboost": ("CatBoost", "CatBoostClassifier", "CatBoostRegressor"),
}

_METHODS: tuple[tuple[str, Kind], ...] = (
    ("fit", "fit"), ("predict", "predict"), ("predict_proba", "predict"), ("score", "score"),
)

_SKLEARN_STYLE: tuple[Api, ...] = tuple(
    Api(module, f"{cls}.{method}", kind, role="model", options=("eval_set",) if kind == "fit" else ())
    for module, classes in _MODELS.items() for cls in classes
    for method, kind in _METHODS
)

# The native training APIs: containers of rows, function-style fits (``options``: the keyword holding data
# scored every round), cross-validation on a container's rows, and the Booster they return.
NATIVE: tuple[Api, ...] = (
    Api("xgboost", "DMatrix", "container", data=("0:data", "1:label")),
    Api("xgboost", "QuantileDMatrix", "container", data=("0:data", "1:label")),
    Api("lightgbm", "Dataset", "container", data=("0:data", "1:label")),
    Api("xgboost", "train", "train-function", role="model", data=("1:dtrain",), options=("3:evals",)),
    Api("lightgbm", "train", "train-function", role="model", data=("1:train_set",), options=("3:valid_sets",)),
    Api("xgboost", "cv", "train-function", role="cross-validate", data=("1:dtrain",)),
    Api("lightgbm", "cv", "train-function", role="cross-validate", data=("1:train_set",)),
    Api("xgboost", "Booster.predict", "predict", role="model"),
    Api("xgboost", "Booster.inplace_predict", "predict", role="model"),
    Api("lightgbm", "Booster.predict", "predict", role="model"),
)

ENTRIES: tuple[Api, ...] = (*_SKLEARN_STYLE, *NATIVE)
