"""Keras: ``Model.fit`` (with ``validation_data`` scored during the fit), ``predict`` and ``evaluate``.

``evaluate(x, y)`` is a score; ``validation_data=(x_val, y_val)`` is data the fit scores
every epoch (early stopping and epoch choices follow it). Resolved only when Keras is
importable; the methods live on the backend trainer class, which ``resolve`` finds.
"""

from __future__ import annotations

from leakguard.libraries.api import Api

# Bundled datasets come already split: ``(x_train, y_train), (x_test, y_test) = mnist.load_data()``.
_DATASETS = ("mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters", "boston_housing",
             "california_housing")

ENTRIES: tuple[Api, ...] = (
    *(Api(f"keras.datasets.{name}", "load_data", "read", role="splits") for name in _DATASETS),
    Api("keras", "Model.fit", "fit", role="model", options=("validation_data",)),
    Api("keras", "Model.predict", "predict"),
    Api("keras", "Model.evaluate", "score"),
)
