"""``leakguard check`` on PySpark and Polars code: each pattern with a positive case and its negative twin,
the events the static engine emits (the kernel's contract), and hostile input."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from leakguard.lineage.events import Evaluate, Event, Fit, Inspect, Query, Read, Split
from leakguard.policy import Policy
from leakguard.static.interp import Interp
from leakguard.static.lazyops import sql_condition
from tests.static.helpers import POLICY, TIME_POLICY, check_code, rules

SPARK = ("from pyspark.sql import SparkSession\nfrom pyspark.sql import functions as F\nimport leakguard\n"
         "spark = SparkSession.builder.master('local[1]').appName('t').getOrCreate()\n"
         "df = spark.read.csv('events.csv', header=True)\n")
POLARS = "import polars as pl\nimport leakguard\ndf = pl.read_csv('events.csv')\n"
LAZY = "import polars as pl\nimport leakguard\nlf = pl.scan_parquet('events.parquet')\n"
PEEK, FUTURE, LABEL = ["peek-holdout"], ["peek-future", "peek-holdout"], ["peek-label"]
ML = ("from pyspark.ml import Pipeline\nfrom pyspark.ml.feature import VectorAssembler, StandardScaler, Imputer\n"
      "from pyspark.ml.classification import LogisticRegression\n"
      "from pyspark.ml.evaluation import BinaryClassificationEvaluator\n"
      "va = VectorAssembler(inputCols=['x', 'z'], outputCol='raw')\n"
      "sc = StandardScaler(inputCol='raw', outputCol='features')\n"
      "lr = LogisticRegression(featuresCol='features', labelCol='churned')\n"
      "ev = BinaryClassificationEvaluator(labelCol='churned')\n")


def events(code: str, policy: Policy = POLICY) -> list[Event]:
    """Every event the static engine emits for ``code`` (cells separated by ``# %%``)."""
    it = Interp(policy, Path("/nonexistent"))
    for i, cell in enumerate(code.split("# %%\n")):
        it.run_cell(ast.parse(cell), f"cell {i + 1}", None)
    return list(it.graph.events)


def inspects(code: str, policy: Policy = POLICY) -> list[Inspect]:
    return [e for e in events(code, policy) if isinstance(e, Inspect)]


@pytest.mark.parametrize(("code", "expected"), [
    # reads and inspections shown or kept
    (SPARK + "df.describe().show()", PEEK),
    (SPARK + "train, test = df.randomSplit([0.8, 0.2], seed=7)\ntrain.describe().show()", []),
    (SPARK + "train, test = df.randomSplit([0.8, 0.2], seed=7)\ntest.summary()", PEEK),
    (SPARK + "q = df.approxQuantile('spend', [0.5], 0.01)", PEEK),
    (SPARK + "df.freqItems(['plan']).show()", PEEK),
    (SPARK + "df.schema\ndf.columns\ndf.printSchema()", []),
    (SPARK + "df2 = spark.table('events')\ndf2.summary('mean').show()", PEEK),
    (SPARK + "df2 = spark.read.format('parquet').option('mergeSchema', True).load('e.parquet')\ndf2.describe()", PEEK),
    # actions on aggregating chains; plain rows are no look
    (SPARK + "df.select(F.mean('spend')).collect()", PEEK),
    (SPARK + "df.select('spend', 'x').limit(5).toPandas()", []),
    (SPARK + "df.show(5)", []),
    (SPARK + "df.groupBy('plan').agg(F.max('spend')).toPandas()", PEEK),
    (SPARK + "df.groupBy('plan').count().show()", PEEK),
    (SPARK + "df = df.fillna({'spend': df.agg(F.mean('spend')).first()[0]})", []),  # consumed, not a look
    # the label related to other columns
    (SPARK + "df.groupBy('plan').agg(F.mean('churned')).show()", LABEL),
    (SPARK + "df.groupBy('plan').agg({'churned': 'mean'}).show()", LABEL),
    (SPARK + "df.stat.crosstab('plan', 'churned').show()", LABEL),
    (SPARK + "r = df.corr('spend', 'churned')", LABEL),
    (SPARK + "df.select(F.mean('churned')).collect()", PEEK),  # the label alone relates nothing
    (SPARK + "train, test = leakguard.split(df)\ntrain.groupBy('plan').agg(F.mean('churned')).show()", []),
    # a pandas frame handed to Spark keeps its rows
    ("import pandas as pd\nfrom pyspark.sql import SparkSession\nimport leakguard\n"
     "spark = SparkSession.builder.getOrCreate()\npdf = pd.read_csv('e.csv')\n"
     "train, test = leakguard.split(pdf)\nspark.createDataFrame(train).describe().show()", []),
    # the predefined `spark` of notebook platforms, and star imports
    ("from pyspark.sql.functions import *\nd = spark.read.parquet('e.parquet')\nd.select(mean('x')).collect()", PEEK),
    # Polars
    (POLARS + "df.describe()", PEEK),
    (POLARS + "train, test = leakguard.split(df)\ntrain.describe()", []),
    (POLARS + "m = df['spend'].mean()", PEEK),
    (POLARS + "df = df.with_columns(pl.col('spend').fill_null(df['spend'].mean()))", []),
    (POLARS + "df.group_by('plan').agg(pl.col('spend').mean())", PEEK),
    (POLARS + "df.group_by('plan').agg(pl.col('churned').mean())", LABEL),
    (POLARS + "df.group_by('plan').agg(rate=pl.col('churned').mean())", LABEL),
    (POLARS + "df.select(pl.corr('spend', 'churned'))", LABEL),  # an eager select of statistics is a look
    (LAZY + "lf.select(pl.col('spend').mean()).collect()", PEEK),
    (LAZY + "lf.filter(pl.col('x') > 0).head(5).collect()", []),
    (LAZY + "lf.group_by('plan').agg(pl.col('spend').max()).collect()", PEEK),
    (LAZY + "lf.collect().describe()", PEEK),
    (POLARS + "s = pl.sql('SELECT plan, avg(spend) FROM df GROUP BY plan').collect()", PEEK),
    (POLARS + "train, test = leakguard.split(df)\ns = pl.sql('SELECT avg(spend) FROM train').collect()", []),
    (POLARS + "train, test = leakguard.split(df)\nctx = pl.SQLContext()\nctx.register('t', train)\n"
     "ctx.execute('SELECT avg(spend) FROM t', eager=True)", []),
    (POLARS + "ctx = pl.SQLContext(frames={'t': df})\nctx.execute('SELECT avg(spend) FROM t', eager=True)", PEEK),
    (POLARS + "df.sql('SELECT avg(spend) FROM self')", PEEK),
])
def test_patterns(code: str, expected: list[str]) -> None:
    assert rules(check_code(code)) == expected


@pytest.mark.parametrize(("code", "expected"), [
    # filters bounding the time column
    (SPARK + "p = df.filter(F.col('event_ts') <= '2024-06-01')\np.describe()", PEEK),
    (SPARK + "p = df.where(df.event_ts < '2024-05-01')\np.describe()", PEEK),
    (SPARK + "p = df.filter(df['event_ts'] <= F.to_date(F.lit('2024-06-01')))\np.describe()", PEEK),
    (SPARK + "p = df.filter(\"event_ts <= '2024-06-01' AND x > 0\")\np.describe()", PEEK),
    (SPARK + "p = df.filter(\"event_ts > '2024-01-01'\")\np.describe()", FUTURE),
    (SPARK + "p = df.filter(F.col('event_ts') > '2024-07-01')\np.describe()", ["peek-future"]),
    (SPARK + "p = df.filter(F.col('event_ts') >= '2024-06-01')\np.describe()", FUTURE),  # rows at the cutoff
    (SPARK + "p = df.filter((F.col('event_ts') <= '2024-06-01') & (F.col('x') > 0))\np.describe()", PEEK),
    (SPARK + "p = df.filter(F.col('x') > 0)\np.describe()", FUTURE),
    (POLARS + "from datetime import datetime\np = df.filter(pl.col('event_ts') <= datetime(2024, 6, 1))\n"
     "p.describe()", PEEK),
    (POLARS + "p = df.filter(pl.col('event_ts') > pl.datetime(2024, 1, 1))\np.describe()", FUTURE),
    (POLARS + "p = df.filter(pl.col('event_ts').is_between('2024-01-01', '2024-05-01'))\np.describe()", PEEK),
    # complementary filters are a split; the side bounded above trains
    (SPARK + "a = df.filter(df.event_ts < '2024-06-01')\nb = df.filter(df.event_ts >= '2024-06-01')\na.describe()", []),
    (SPARK + "a = df.filter(df.event_ts < '2024-06-01')\nb = df.filter(df.event_ts >= '2024-06-01')\nb.describe()",
     FUTURE),
    (SPARK + "test = df.filter(df.event_ts <= '2024-06-01')\nlate = df.filter(df.event_ts > '2024-06-01')\n"
     "test.describe()", []),  # names do not override the bound
    (SPARK + "c = F.col('event_ts') < '2024-06-01'\na = df.filter(c)\nb = df.filter(~c)\na.describe()", []),
    (POLARS + "a = df.filter(pl.col('event_ts') < '2024-06-01')\nb = df.filter(pl.col('event_ts') >= '2024-06-01')\n"
     "a.describe()", []),
    (POLARS + "a = df.filter(pl.col('event_ts') < '2024-06-01')\nb = df.filter(pl.col('event_ts') >= '2024-06-01')\n"
     "b.describe()", FUTURE),
    # two unrelated filters are not a split
    (SPARK + "a = df.filter(df.x > 0)\nb = df.filter(df.z > 0)\na.describe()", FUTURE),
])
def test_filters(code: str, expected: list[str]) -> None:
    assert rules(check_code(code, TIME_POLICY)) == expected


def test_an_inspection_and_the_action_that_runs_it_are_one_look() -> None:
    assert [e.op for e in inspects(SPARK + "df.describe().show()")] == ["describe"]
    assert [e.op for e in inspects(SPARK + "df.groupBy('plan').agg(F.max('x')).orderBy('plan').toPandas()")] == ["agg"]
    assert [e.op for e in inspects(SPARK + "df.select(F.mean('x')).collect()")] == ["collect"]
    assert [e.op for e in inspects(LAZY + "lf.select(pl.col('x').mean()).collect()")] == ["collect"]
    assert [e.op for e in inspects(LAZY + "lf.group_by('plan').agg(pl.col('x').mean()).collect()")] == ["agg"]
    assert inspects(SPARK + "df.limit(5).collect()") == []
    assert inspects(SPARK + "spark.sql('SELECT avg(x) FROM t').show()") == []  # the query is the look


def test_columns_and_relations_of_inspections() -> None:
    [agg] = inspects(SPARK + "df.groupBy('plan').agg(F.mean('spend'), F.max(F.col('x')))")
    assert agg.columns == ("plan", "spend", "x") and agg.relates
    [one] = inspects(SPARK + "df.groupBy('plan').count().show()")
    assert one.columns == ("plan",) and not one.relates
    [desc] = inspects(SPARK + "df.describe('x', 'z').show()")
    assert desc.columns == ("x", "z") and not desc.relates
    [q] = inspects(SPARK + "q = df.approxQuantile(['x', 'z'], [0.5], 0.0)")
    assert q.columns == ("x", "z")
    [ct] = inspects(SPARK + "df.stat.crosstab('plan', 'churned')")
    assert ct.columns == ("plan", "churned") and ct.relates
    [pg] = inspects(POLARS + "df.group_by('plan').agg(pl.col('x').mean(), pl.col('z').sum())")
    assert pg.columns == ("plan", "x", "z") and pg.relates
    [col] = inspects(POLARS + "df['x'].std()")
    assert col.columns == ("x",)


def test_random_split_events_and_inferred_holdout() -> None:
    evs = events(SPARK + "a, b, c = df.randomSplit([0.7, 0.2, 0.1], seed=1)", POLICY)
    [split] = [e for e in evs if isinstance(e, Split)]
    assert split.method == "randomSplit" and split.inferred
    assert [p.role for p in split.parts] == ["train", "holdout", "holdout"]
    undeclared = Policy().updated({"label": "churned"}, "t")
    code = SPARK.replace("import leakguard\n", "") + "train, test = df.randomSplit([0.75, 0.25])\n"
    assert rules(check_code(code + "test.describe()", undeclared)) == PEEK
    assert rules(check_code(code + "train.describe()", undeclared)) == []
    assert rules(check_code(SPARK + "df.describe()", undeclared)) == []  # no holdout known yet


def test_filter_split_events() -> None:
    code = SPARK + "a = df.filter(df.event_ts < '2024-06-01')\nb = df.filter(df.event_ts >= '2024-06-01')"
    [split] = [e for e in events(code, TIME_POLICY) if isinstance(e, Split)]
    assert split.method == "filter at 2024-06-01 00:00:00" and split.inferred and split.time_ordered
    train, holdout = split.parts
    assert (train.role, train.name, train.removes) == ("train", "a", frozenset({"future"}))
    assert (holdout.role, holdout.name) == ("holdout", "b")
    code = POLARS + "train = df.filter(pl.col('x') <= 3)\ntest = df.filter(pl.col('x') > 3)"
    [split] = [e for e in events(code, TIME_POLICY) if isinstance(e, Split)]
    assert split.method == "filter at 3" and split.time_ordered is None and split.parts[0].removes == frozenset()


def test_spark_sql_through_temp_views() -> None:
    code = SPARK + "df.createOrReplaceTempView('events')\nspark.sql('SELECT plan, avg(spend) FROM events GROUP BY 1')"
    evs = events(code)
    [q] = [e for e in evs if isinstance(e, Query)]
    [read] = [e for e in evs if isinstance(e, Read)]
    assert q.dialect == "spark" and read.out in q.inputs
    assert rules(check_code(code)) == PEEK
    twin = SPARK + ("train, test = df.randomSplit([0.8, 0.2])\ntrain.createOrReplaceGlobalTempView('tr')\n"
                    "spark.sql('SELECT plan, avg(spend) FROM global_temp.tr GROUP BY plan').show()")
    assert rules(check_code(twin)) == []
    label = SPARK + "df.createTempView('e')\nspark.sql('SELECT plan, avg(churned) FROM e GROUP BY plan').toPandas()"
    assert rules(check_code(label)) == LABEL
    bounded = SPARK + ("df.createTempView('e')\n"
                       "spark.sql(\"SELECT avg(spend) FROM e WHERE event_ts <= '2024-06-01'\").show()")
    assert rules(check_code(bounded, TIME_POLICY)) == PEEK
    built = check_code(SPARK + "q = 'SELECT 1'\nspark.sql(f'{q} FROM t').show()")
    assert rules(built) == [] and "peek-holdout" in rules(built, info=True)  # not analysed (info), never clean


@pytest.mark.parametrize(("code", "expected"), [
    # a scaler fit on every row before randomSplit, and the twin that splits first
    ("a = va.transform(df)\ns = sc.fit(a).transform(a)\ntrain, test = s.randomSplit([0.8, 0.2])\n"
     "m = lr.fit(train)\nev.evaluate(m.transform(test))", ["preprocessing"]),
    ("train, test = df.randomSplit([0.8, 0.2])\nsm = sc.fit(va.transform(train))\n"
     "m = lr.fit(sm.transform(va.transform(train)))\nev.evaluate(m.transform(sm.transform(va.transform(test))))", []),
    ("imp = Imputer(inputCols=['x'], outputCols=['x']).fit(df)\nd = imp.transform(df)\n"
     "train, test = va.transform(d).randomSplit([0.8, 0.2])\nm = lr.setFeaturesCol('raw').fit(train)",
     ["preprocessing"]),
    # pipelines: fit on the training part; fit on every row then scored on the holdout
    ("train, test = df.randomSplit([0.8, 0.2])\nm = Pipeline(stages=[va, sc, lr]).fit(train)\n"
     "ev.evaluate(m.transform(test))", []),
    ("m = Pipeline(stages=[va, sc, lr]).fit(df)\ntrain, test = df.randomSplit([0.8, 0.2])\n"
     "ev.evaluate(m.transform(test))", ["overlap"]),
    ("f = Pipeline(stages=[va, sc]).fit(df).transform(df)\ntrain, test = f.randomSplit([0.8, 0.2])\n"
     "m = lr.fit(train)", ["preprocessing"]),
    # the label among the assembled features
    ("train, test = df.randomSplit([0.8, 0.2])\n"
     "Pipeline(stages=[VectorAssembler(inputCols=['x', 'churned'], outputCol='features'), lr]).fit(train)",
     ["target"]),
    # one test set scored again and again
    ("train, test = df.randomSplit([0.8, 0.2])\nm = Pipeline(stages=[va, sc, lr]).fit(train)\n"
     "for reg in [0.1, 1.0]:\n    print(ev.evaluate(m.transform(test)))", ["multi-test"]),
])
def test_spark_ml(code: str, expected: list[str]) -> None:
    assert rules(check_code(SPARK + ML + code)) == expected


def test_spark_ml_events() -> None:
    code = SPARK + ML + ("train, test = df.randomSplit([0.8, 0.2])\nm = lr.fit(va.transform(train))\n"
                         "auc = ev.evaluate(m.transform(va.transform(test)))\ns = va.transform(df)")
    evs = events(code)
    fits = [e for e in evs if isinstance(e, Fit)]
    assert [(f.learner, f.op) for f in fits] == [("model", "LogisticRegression.fit")]
    assert fits[0].target is not None
    [ev] = [e for e in evs if isinstance(e, Evaluate)]
    assert ev.model == fits[0].out and ev.op == "BinaryClassificationEvaluator.evaluate" and ev.target is not None
    [split] = [e for e in evs if isinstance(e, Split)]
    assert ev.data not in (split.parent, split.parts[0].out)
    transformer = events(SPARK + ML + "sc.fit(va.transform(df))")
    assert [(f.learner, f.learns) for f in transformer if isinstance(f, Fit)] == [("transformer", True)]
    assert not [e for e in events(SPARK + ML + "va.transform(df)") if isinstance(e, Fit)]  # stateless: no fit
    cv = events(SPARK + ML + "from pyspark.ml.tuning import CrossValidator, ParamGridBuilder\n"
                "grid = ParamGridBuilder().addGrid(lr.regParam, [0.1, 1.0]).build()\n"
                "CrossValidator(estimator=lr, estimatorParamMaps=grid, evaluator=ev).fit(va.transform(df))")
    assert [f.learner for f in cv if isinstance(f, Fit)] == ["search"]
    assert [e.kind for e in cv if isinstance(e, Evaluate)] == ["search"]


TARGET_FIT = ("from pyspark.sql import Window\n"
              "data = VectorAssembler(inputCols=['x', 'ratio'], outputCol='features').transform(df2)\n"
              "train, test = data.randomSplit([0.8, 0.2], seed=1)\n"
              "model = LogisticRegression(featuresCol='features', labelCol='churned').fit(train)\n")


@pytest.mark.parametrize(("make", "expected"), [
    # a feature computed row by row from the label: an error at the fit
    ("df2 = df.withColumn('ratio', F.col('refund') / (F.col('churned') + 1))", "error"),
    ("df2 = df.withColumns({'ratio': F.col('churned') * 2, 'w': F.col('x') + 1})", "error"),
    ("df2 = df.select('x', 'churned', (F.col('z') * F.col('churned')).alias('ratio'))", "error"),
    ("df2 = df.withColumn('r0', df.churned + 1).withColumn('ratio', F.col('r0') * F.col('z'))", "error"),
    # a per-group statistic of the label over every row, broadcast back: a target encoding
    ("from pyspark.sql import Window\n"
     "df2 = df.withColumn('ratio', F.avg('churned').over(Window.partitionBy('plan')))", "warning"),
    # twins
    ("df2 = df.withColumn('ratio', F.col('refund') / F.col('x'))", None),
    ("df2 = df.withColumns({'ratio': F.col('z') * 2})", None),
    ("df2 = df.select('x', 'churned', (F.col('z') * 2).alias('ratio'))", None),
    ("from pyspark.sql import Window\ndf2 = df.withColumn('ratio', F.avg('z').over(Window.partitionBy('plan')))",
     None),
    ("df2 = df.withColumn('ratio', F.col('z')).withColumn('churned', F.col('churned'))", None),
])
def test_spark_new_columns_carry_the_label(make: str, expected: str | None) -> None:
    report = check_code(SPARK + ML + make + "\n" + TARGET_FIT)
    found = [f.severity for f in report.findings if f.rule == "target"]
    assert found == ([expected] if expected else [])


def test_spark_window_statistic_of_the_training_part_and_pipeline_inputs() -> None:
    train_only = ("from pyspark.sql import Window\ntr, te = df.randomSplit([0.8, 0.2])\n"
                  "df2 = tr.withColumn('ratio', F.avg('churned').over(Window.partitionBy('plan')))\n"
                  "m = LogisticRegression(featuresCol='features', labelCol='churned')"
                  ".fit(VectorAssembler(inputCols=['x', 'ratio'], outputCol='features').transform(df2))")
    assert rules(check_code(SPARK + ML + train_only)) == []
    piped = ("df2 = df.withColumn('ratio', F.col('refund') * F.col('churned'))\n"
             "train, test = df2.randomSplit([0.8, 0.2])\n"
             "Pipeline(stages=[VectorAssembler(inputCols=['x', 'ratio'], outputCol='features'), lr]).fit(train)")
    assert rules(check_code(SPARK + ML + piped)) == ["target"]
    evs = events(SPARK + "df = spark.createDataFrame(rows, ['x', 'refund', 'churned'])\n"
                 "df2 = df.withColumn('ratio', F.col('refund') / F.col('churned'))")
    [assign] = [e for e in evs if getattr(e, "column", None) == "ratio"]
    assert assign.column_inputs == ("churned", "refund")  # type: ignore[union-attr]


def test_a_session_is_not_data() -> None:
    evs = events("from pyspark.sql import SparkSession\n"
                 "spark = SparkSession.builder.config('spark.ui.enabled', False).getOrCreate()\n"
                 "spark.sparkContext.setLogLevel('WARN')\nspark.conf.set('a', 'b')")
    assert evs == []


# -- hostile input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "((event_ts <= '2024-06-01'", "event_ts <= ", "x > 0 AND", "event_ts <= '2024-06-01' OR (", "'; DROP TABLE x; --",
    "a" * 5000, "event_ts <= '2024-06-01' AND NOT y", "`we``ird` > 1", "x BETWEEN 1 AND 2", "", "\x00\u202e",
])
def test_unparseable_filter_strings_prove_nothing(text: str) -> None:
    assert sql_condition(text) is None or sql_condition(text) is not None  # never raises
    code = SPARK + f"p = df.filter({text!r})\np.describe()"
    report = check_code(code, TIME_POLICY)
    assert not report.problems
    assert "peek-holdout" in rules(report)  # the rows may be any rows: never clean


def test_sql_condition_strings() -> None:
    assert sql_condition("event_ts <= '2024-06-01'") == ("cmp", "event_ts", "<=", "2024-06-01")
    assert sql_condition("(`event ts` < DATE '2024-06-01')") == ("cmp", "event ts", "<", "2024-06-01")
    assert sql_condition("'2024-06-01' > event_ts") == ("cmp", "event_ts", "<", "2024-06-01")
    assert sql_condition("x = 1 AND y <> 'a' OR z >= 2.5") == (
        "or", ("and", ("cmp", "x", "==", 1), ("cmp", "y", "!=", "a")), ("cmp", "z", ">=", 2.5))
    assert sql_condition("flag = TRUE") == ("cmp", "flag", "==", True)
    # Spark SQL has no '' escape: 'it''s' is two adjacent literals, concatenated (sqlglot reads Spark's grammar)
    assert sql_condition("name = 'it''s'") == ("cmp", "name", "==", "its")
    assert sql_condition("f(x) > 1") is None
    cut = SPARK + "p = df.filter(\"event_ts < '2024-06-01'\")\nq = df.filter(\"event_ts >= '2024-06-01'\")\n"
    assert rules(check_code(cut + "p.describe()", TIME_POLICY)) == []


def test_unknown_spark_and_polars_calls_are_unresolved_not_clean() -> None:
    report = check_code(SPARK + "out = df.someNewSparkMethod(3)\nout.describe()")
    assert rules(report) == PEEK
    assert "unresolved" in rules(report, info=True)
    assert any("someNewSparkMethod" in n[2] for n in report.notes)
    report = check_code(POLARS + "out = df.brand_new_method()\nout.describe()")
    assert rules(report) == PEEK and "unresolved" in rules(report, info=True)
    report = check_code(SPARK + "out = df.groupBy('plan').applyInPandas(f, schema='x')\nout.show()")
    assert "unresolved" in rules(report, info=True)


def test_hostile_column_names_and_expressions() -> None:
    for name in ("we`ird", "with space", "ünï", "a'b\"c", "", "*"):
        code = SPARK + f"df.groupBy({name!r}).agg(F.mean({name!r})).show()\ndf.filter(F.col({name!r}) > 0).show()"
        report = check_code(code)
        assert not report.problems, name
        code = POLARS + f"df.group_by({name!r}).agg(pl.col({name!r}).mean())"
        assert not check_code(code).problems, name
    # expressions nobody can read still run through
    odd = SPARK + ("w = __import__('pyspark').sql.Window.partitionBy('plan')\n"
                   "d = df.withColumn('m', F.mean('x').over(w)).select(F.expr('x + 1'), *[F.col(c) for c in df.columns])\n"
                   "d.filter(~F.col('x').isin(1, 2) | F.col('z').isNull()).where(F.col('x').between(0, 9)).show()")
    assert not check_code(odd).problems


@pytest.mark.parametrize(("code", "expected"), [
    # an eager select whose every expression aggregates is a look, shown or kept
    (POLARS + "df.select(pl.col('spend').mean())", PEEK),
    (POLARS + "m = df.select(pl.col('spend').mean(), pl.col('spend').std().alias('s')).row(0)", PEEK),
    (POLARS + "df.select(pl.col('spend').quantile(0.9).alias('q'), n=pl.len())", PEEK),
    (POLARS + "print(df.select(pl.col('spend').filter(pl.col('spend') > 0).mean()))", PEEK),
    (POLARS + "df.select([pl.col('spend').max(), pl.lit(1)])", PEEK),
    (POLARS + "df.select(pl.col('spend').mean().round(2))", PEEK),
    (POLARS + "df.select('x', 'churned').select(pl.all().mean())", LABEL),  # every column, the label among them
    (POLARS + "df.select(pl.col('churned').mean())", PEEK),  # the label alone relates nothing
    (POLARS + "df.select(pl.col('spend').mean(), pl.col('churned').mean())", LABEL),
    (POLARS + "df.select(pl.col('churned').filter(pl.col('x') > 0).mean())", LABEL),
    # on the training part, clean; on the test part, a holdout peek
    (POLARS + "train, test = leakguard.split(df)\ntrain.select(pl.col('spend').mean())", []),
    (POLARS + "train, test = leakguard.split(df)\ntrain.select(pl.corr('spend', 'churned'))", []),
    (POLARS + "train, test = leakguard.split(df)\ntest.select(pl.col('spend').mean())", PEEK),
    # plain columns, per-row expressions and windows are no look
    (POLARS + "df.select('spend', 'churned')", []),
    (POLARS + "df.select(pl.col('spend') * 2)", []),
    (POLARS + "out = df.select(['spend', 'plan'])", []),
    (POLARS + "df.select(pl.col('churned').mean().over('plan'))", []),
    (POLARS + "df.select(pl.col('spend') - pl.col('spend').mean())", []),
    (POLARS + "df.select(pl.col('spend'), pl.col('spend').mean().alias('m'))", []),
    (POLARS + "df.select(pl.col('spend').head(3))", []),
    (POLARS + "df.select(pl.when(pl.col('x') > 0).then(pl.col('x').mean()).otherwise(0))", []),
    (POLARS + "df.select(pl.lit(1))", []),
    # consumed by another expression: not a look
    (POLARS + "df = df.with_columns(pl.col('spend').fill_null(df.select(pl.col('spend').mean()).item()))", []),
    # the lazy twin is judged at collect, once
    (LAZY + "lf.select(pl.col('spend').mean(), pl.col('x').std()).collect()", PEEK),
    (LAZY + "lf.select(pl.col('spend'), pl.col('spend').mean().alias('m')).collect()", []),
])
def test_eager_select_of_statistics(code: str, expected: list[str]) -> None:
    assert rules(check_code(code)) == expected


def test_eager_select_events() -> None:
    [one] = inspects(POLARS + "df.select(pl.corr('x', 'churned'))")
    assert (one.op, one.columns, one.relates) == ("select", ("x", "churned"), True)
    [single] = inspects(POLARS + "s = df.select(pl.col('x').mean())")
    assert (single.columns, single.relates) == (("x",), False)
    safe = POLICY.updated({"mode": "safe"}, "test")
    assert [e.restricted for e in inspects(POLARS + "df.select(pl.col('x').mean())", safe)] == [True]
    for name in ("we`ird", "a'b\"c", "", "*", 'col("x").mean()', "new\nline"):
        assert not check_code(POLARS + f"df.select(pl.col({name!r}).mean())").problems, name
        assert not check_code(POLARS + f"df.select(pl.col({name!r}).mean().over({name!r}))").problems, name
