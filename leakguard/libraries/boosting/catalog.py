"""Gradient-boosting libraries with a scikit-learn interface: XGBoost, LightGBM, CatBoost.

Their ``fit`` takes ``eval_set=[(X_val, y_val)]``, data scored every round (early
stopping follows it). Resolved only when the library is importable; entries whose method
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

ENTRIES: tuple[Api, ...] = tuple(
    Api(module, f"{cls}.{method}", kind, role="model", options=("eval_set",) if kind == "fit" else ())
    for module, classes in _MODELS.items() for cls in classes
    for method, kind in _METHODS
)
