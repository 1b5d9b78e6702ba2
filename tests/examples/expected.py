"""What each example notebook must report: cell id → the rule ids of its findings (sorted; repeats kept).

A cell that is not listed must report nothing. The clean twins list nothing at all.
"""

from __future__ import annotations

EXPECTED: dict[str, dict[str, list[str]]] = {
    "penguins_leaky": {
        "describe": ["peek-future", "peek-holdout"],
        "label-means": ["peek-label"],
        "random-split": ["temporal"],
        "scaler": ["preprocessing"],
        "target": ["target"],
        "overlap": ["overlap"],
        "multi-test": ["multi-test"],
    },
    "penguins_clean": {},
    "churn_sql_leaky": {
        "plans": ["peek-future"],
        "monthly": ["peek-label"],
        "blocked": ["peek-label"],
    },
    "churn_sql_clean": {},
    "weather_leaky": {
        "describe": ["peek-future", "peek-holdout"],
        "random-split": ["temporal", "temporal"],
        "look-ahead": ["temporal"],
    },
    "weather_clean": {},
    "churn_polars_leaky": {
        "describe": ["peek-future", "peek-holdout"],
        "label-rate": ["peek-label"],
        "lazy": ["peek-future", "peek-holdout"],
        "sql": ["peek-label"],
    },
    "churn_polars_clean": {},
    "churn_spark_leaky": {
        "describe": ["peek-future", "peek-holdout"],
        "label-rate": ["peek-label"],
        "sql": ["peek-label"],
        "model": ["preprocessing"],
    },
    "churn_spark_clean": {},
    "churn_leaky": {
        "1f63a4c7": ["peek-future", "peek-holdout"],
        "06e2885c": ["peek-label"],
        "282c5711": ["peek-label"],
    },
    "churn_clean": {},
    # no policy at all: the split and the fit reveal the holdout and the label, and the looks before
    # them are reported under their own cells
    "diabetes_leaky": {
        "describe": ["peek-holdout"],
        "corr": ["peek-holdout", "peek-label"],
        "fit": ["preprocessing"],
    },
    "diabetes_clean": {},
}

# The cells whose run must stop with LeakageError (block mode); any other error fails the test.
BLOCKED: dict[str, set[str]] = {"churn_sql_leaky": {"blocked"}}

# Clean twins with a model: exported, and the exported module's metric must equal the notebook's.
EXPORTED: dict[str, str] = {"penguins_clean": "accuracy", "weather_clean": "accuracy"}
