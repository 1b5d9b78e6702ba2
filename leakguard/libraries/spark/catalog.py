"""PySpark: readers, inspections, row filters and splits, actions, and Spark ML.

Spark is lazy: ``df.summary()`` only builds a plan, and the rows are read when an action
(``show``, ``collect``, ``toPandas``...) runs. leakguard judges an inspection where the
person asks for it (the ``summary()`` call, when its result is shown or kept), and an
action on a plan that aggregates rows it did not see being built (``df.select(F.mean(
"x")).collect()``). ``withColumn`` / ``withColumns`` / ``select(expr.alias(...))`` give each new
column the lineage of the columns its expression reads (the ``target`` rule's column taint). Handlers: ``leakguard/libraries/spark/live.py``. Only classic (py4j)
sessions are wrapped; Spark Connect classes live elsewhere and are not listed.
"""

from __future__ import annotations

from leakguard.libraries.api import Api

_DF = "pyspark.sql.classic.dataframe"
_GROUP = "pyspark.sql.group"
_READER = "pyspark.sql.readwriter"
_SESSION = "pyspark.sql.session"

# DataFrameReader methods that read rows (``spark.read.csv(...)``), read by both engines
READERS = ("csv", "parquet", "json", "orc", "table", "load", "text", "jdbc", "xml")
# DataFrameReader methods that only set the read up (``spark.read.format("csv").option(...)``)
READER_SETUP = ("format", "option", "options", "schema")
# DataFrame methods that make the frame a table SQL can read (``df.createOrReplaceTempView("t")``)
TEMP_VIEWS = ("createOrReplaceTempView", "createTempView", "createOrReplaceGlobalTempView", "createGlobalTempView",
              "registerTempTable")
# statistics over rows: an inspection when the result is shown or kept
_FRAME_STATS = ("describe", "summary", "approxQuantile", "freqItems", "agg")
_RELATING = ("corr", "cov", "crosstab")
_GROUP_STATS = ("agg", "mean", "avg", "count", "sum", "min", "max")
# actions that bring rows (or an aggregate) back to the driver
_ACTIONS = ("show", "collect", "toPandas", "take", "first", "head", "tail", "toArrow", "toLocalIterator")

ENTRIES: tuple[Api, ...] = (
    *(Api(_READER, f"DataFrameReader.{name}", "read") for name in READERS),
    Api(_SESSION, "SparkSession.table", "read"),
    Api(_SESSION, "SparkSession.createDataFrame", "read"),
    *(Api(_DF, f"DataFrame.{name}", "inspect") for name in _FRAME_STATS),
    *(Api(_DF, f"DataFrame.{name}", "inspect", relates=True) for name in _RELATING),
    *(Api(_GROUP, f"GroupedData.{name}", "inspect", relates=True) for name in _GROUP_STATS),
    Api(_DF, "DataFrame.groupBy", "groupby"),
    Api(_DF, "DataFrame.groupby", "groupby"),
    Api(_DF, "DataFrame.rollup", "groupby"),
    Api(_DF, "DataFrame.cube", "groupby"),
    Api(_DF, "DataFrame.filter", "filter", note="keeps the rows a condition selects; at the cutoff, a split"),
    Api(_DF, "DataFrame.where", "filter", note="keeps the rows a condition selects; at the cutoff, a split"),
    Api(_DF, "DataFrame.randomSplit", "split"),
    # new columns from expressions: each one's lineage is the columns its expression reads
    Api(_DF, "DataFrame.withColumn", "with-column", note="a column computed from the columns its expression reads"),
    Api(_DF, "DataFrame.withColumns", "with-column", note="columns computed from the columns their expressions read"),
    Api(_DF, "DataFrame.select", "with-column", note="an aliased expression is a column computed from the columns it reads"),
    *(Api(_DF, f"DataFrame.{name}", "action") for name in _ACTIONS),
    *(Api(_DF, f"DataFrame.{name}", "query", note="a DataFrame becomes a table") for name in TEMP_VIEWS),
    # Spark ML: every estimator (Pipeline, CrossValidator included) learns through Estimator.fit,
    # every transformer and fitted model applies through Transformer.transform.
    Api("pyspark.ml.base", "Estimator.fit", "fit", role="auto"),
    Api("pyspark.ml.base", "Transformer.transform", "transform"),
    Api("pyspark.ml.evaluation", "Evaluator.evaluate", "metric"),
)
