"""scikit-learn: splitters (the boundary). Estimators, transformers and metrics come with the modelling rules."""

from __future__ import annotations

from leakguard.catalog import Api

ENTRIES: tuple[Api, ...] = (
    Api("sklearn.model_selection", "train_test_split", "split"),
)

# Modules whose import should trigger wrapping when they are imported after the extension loads.
MODULES: tuple[str, ...] = ("sklearn.model_selection",)
