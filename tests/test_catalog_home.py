"""Issue 14: a library's API names live in its catalog (leakguard/libraries/<lib>/), read by both engines.

Where two engines spelled the same list differently (drift), the decision is pinned here.
"""

from __future__ import annotations

import ast

import pytest

from leakguard.kernel.features import column_refs
from leakguard.libraries.pandas.features import ORDERED, ORDERED_ALIASES


@pytest.mark.parametrize("method", [*ORDERED, *ORDERED_ALIASES])
def test_kernel_reads_an_aggregate_over_any_row_order_method_as_per_row(method: str) -> None:
    # drift: kernel/features.py's own list lacked interpolate (and pandas < 3's backfill/pad), which the
    # catalog and the static engine count as row-order methods; one list now, so ``interpolate().mean()``
    # is read like ``ffill().mean()``
    expr = ast.parse(f"df['a'].{method}().mean()", mode="eval").body
    assert column_refs(expr, "df", ("a", "b")) == {"a"}
    assert column_refs(ast.parse("df['a'].mean()", mode="eval").body, "df", ("a", "b")) == set()


def test_polars_aggregations_are_real_polars_names() -> None:
    # drift: static/lazyops.py listed avg, corr, cov and sort_by_first as expression methods (Polars has none of
    # them: a call raises AttributeError), polars/static.py a placeholder "all_horizontal_"; the catalog keeps
    # the names Polars has
    pl = pytest.importorskip("polars")
    from leakguard.libraries.polars.catalog import EXPR_AGGREGATIONS, FUNCTION_AGGREGATIONS

    assert [name for name in EXPR_AGGREGATIONS if not hasattr(pl.Expr, name)] == []
    assert [name for name in FUNCTION_AGGREGATIONS if not hasattr(pl, name)] == []


def test_kernel_plan_reader_knows_every_aggregation_the_static_engine_knows() -> None:
    # drift: the kernel's plan reader (libraries/polars/plan.py) lacked ``hist`` and spelled ``pl.cov`` as
    # "cov" where a plan's text says "covariance": both were read as one value per row
    pl = pytest.importorskip("polars")
    from leakguard.libraries.polars.plan import _expr_kind

    for expr in (pl.col("a").hist(), pl.cov("a", "b"), pl.corr("a", "b"), pl.col("a").mean()):
        assert _expr_kind(str(expr)) == "agg", str(expr)
    assert _expr_kind(str(pl.col("a") * 2)) == "row"


def test_spark_readers_and_temp_views_are_one_list_for_both_engines() -> None:
    # drift: the static engine read ``spark.read.xml`` and ``createGlobalTempView`` / ``registerTempTable``, the
    # kernel wrapped neither; it listed ``spark.read.avro``, which PySpark does not have (``format("avro")``)
    from leakguard.libraries.spark import catalog, static

    kernel_reads = {api.qualname for api in catalog.ENTRIES if api.kind == "read"}
    kernel_views = {api.qualname for api in catalog.ENTRIES if api.kind == "query"}
    assert {f"DataFrameReader.{name}" for name in static._READ} <= kernel_reads
    assert {f"DataFrame.{name}" for name in static._VIEWS} <= kernel_views
    readwriter = pytest.importorskip("pyspark.sql.readwriter")
    dataframe = pytest.importorskip("pyspark.sql.classic.dataframe")
    assert [name for name in catalog.READERS if not hasattr(readwriter.DataFrameReader, name)] == []
    assert [name for name in catalog.TEMP_VIEWS if not hasattr(dataframe.DataFrame, name)] == []
