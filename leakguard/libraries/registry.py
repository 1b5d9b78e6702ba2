"""The one list of libraries leakguard knows: every catalog entry, in the order engines wrap them."""

from __future__ import annotations

from collections.abc import Iterator

from leakguard.libraries.api import Api
from leakguard.libraries.boosting import catalog as boosting_catalog
from leakguard.libraries.imblearn import catalog as imblearn_catalog
from leakguard.libraries.keras import catalog as keras_catalog
from leakguard.libraries.numpy import catalog as numpy_catalog
from leakguard.libraries.pandas import catalog as pandas_catalog
from leakguard.libraries.pandas import features as pandas_features_catalog
from leakguard.libraries.plotting import catalog as plotting_catalog
from leakguard.libraries.polars import catalog as polars_catalog
from leakguard.libraries.sklearn import catalog as sklearn_catalog
from leakguard.libraries.spark import catalog as spark_catalog
from leakguard.libraries.sql import catalog as sql_catalog
from leakguard.libraries.stdlib import catalog as stdlib_catalog
from leakguard.libraries.torch import catalog as torch_catalog

CATALOGS = (
    pandas_catalog, pandas_features_catalog, sklearn_catalog, imblearn_catalog, keras_catalog,
    boosting_catalog, sql_catalog, spark_catalog, polars_catalog, numpy_catalog, stdlib_catalog, plotting_catalog,
    torch_catalog,
)

# modules whose own calls of a catalogued inspection are not the user's looks (``pd.to_datetime`` calls ``unique()``;
# ``df.hist()`` calls ``plt.hist``; seaborn computes with pandas)
INSIDE_LIBRARIES = ("pandas.", "seaborn.", "matplotlib.")


def all_entries() -> Iterator[Api]:
    """Every entry of every library the catalog knows."""
    for module in CATALOGS:
        yield from module.ENTRIES
