"""Keras: ``Model.fit`` (with ``validation_data`` scored during the fit), ``predict`` and ``evaluate``; and its
preprocessing objects, which learn from the rows they are given as scikit-learn's transformers do.

``evaluate(x, y)`` is a score; ``validation_data=(x_val, y_val)`` is data the fit scores
every epoch (early stopping and epoch choices follow it). Resolved only when Keras is
importable; the methods live on the backend trainer class, which ``resolve`` finds.

Preprocessing that learns: ``Tokenizer.fit_on_texts`` (the vocabulary and its word counts),
a preprocessing layer's ``adapt`` (``TextVectorization``'s vocabulary, ``Normalization``'s mean
and variance, ``Discretization``'s bin edges, a lookup layer's vocabulary) and
``ImageDataGenerator.fit`` (the per-feature mean, std or ZCA whitening of its
``featurewise_*`` options): fitted on every row before the split, the test rows shape the
training features. What they apply (``texts_to_sequences``, calling the layer, ``flow``) is a
transform. ``pad_sequences`` and ``to_categorical`` learn nothing across rows (each row is
padded, each label one-hot encoded, on its own).
"""

from __future__ import annotations

from leakguard.libraries.api import Api

# Bundled datasets come already split: ``(x_train, y_train), (x_test, y_test) = mnist.load_data()``.
_DATASETS = ("mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters", "boston_housing",
             "california_housing")

# Preprocessing layers whose ``adapt(data)`` learns from the data.
_ADAPTING_LAYERS = ("TextVectorization", "Normalization", "Discretization", "StringLookup", "IntegerLookup")
# Tokenizer methods that apply the fitted vocabulary to texts or sequences.
_TOKENIZER_APPLY = ("texts_to_sequences", "texts_to_matrix", "sequences_to_matrix", "sequences_to_texts")

ENTRIES: tuple[Api, ...] = (
    *(Api(f"keras.datasets.{name}", "load_data", "read", role="splits") for name in _DATASETS),
    Api("keras", "Model.fit", "fit", role="model", options=("validation_data",)),
    Api("keras", "Model.predict", "predict"),
    Api("keras", "Model.evaluate", "score"),
    Api("keras.preprocessing.text", "Tokenizer.fit_on_texts", "fit", role="transformer"),
    Api("keras.preprocessing.text", "Tokenizer.fit_on_sequences", "fit", role="transformer"),
    *(Api("keras.preprocessing.text", f"Tokenizer.{name}", "transform") for name in _TOKENIZER_APPLY),
    *(Api("keras.layers", f"{layer}.adapt", "fit", role="transformer") for layer in _ADAPTING_LAYERS),
    Api("keras.preprocessing.image", "ImageDataGenerator.fit", "fit", role="transformer"),
    Api("keras.preprocessing.image", "ImageDataGenerator.flow", "transform"),
    Api("keras.preprocessing.image", "ImageDataGenerator.standardize", "transform"),
    Api("keras.preprocessing.sequence", "pad_sequences", "transform-function", role="stateless"),
    Api("keras.utils", "pad_sequences", "transform-function", role="stateless"),
    Api("keras.utils", "to_categorical", "transform-function", role="stateless"),
)
