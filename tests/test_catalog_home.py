"""Issue 14: a library's API names live in its catalog (leakguard/libraries/<lib>/), read by both engines.

Where two engines spelled the same list differently (drift), the decision is pinned here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

import pytest

from leakguard.kernel.features import column_refs
from leakguard.libraries.pandas.features import ORDERED, ORDERED_ALIASES
from tests.test_layers import modules


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


def test_static_engine_judges_fitting_a_transformer_as_the_kernel_does() -> None:
    # drift: static/models.py had its own list of transformers that learn nothing; it called SplineTransformer
    # (its knots come from the fitted rows' range or quantiles) stateless, and RBFSampler, FeatureHasher or the
    # random projections (which learn nothing from the rows) learning; the catalog's list was the kernel's
    from leakguard.libraries.sklearn.catalog import ENTRIES, STATELESS
    from leakguard.static.models import classify

    kernel_stateless = {(api.module, api.qualname.split(".")[0]) for api in ENTRIES
                        if api.role == "stateless" and api.kind != "transform-function"}
    assert {cls for _, cls in kernel_stateless} == set(STATELESS)
    # (the random projections' names end like no transformer's: the static engine reads them as models, left alone)
    transformers = [(module, cls) for module, cls in kernel_stateless if classify(f"{module}.{cls}")[0] == "transformer"]
    assert {cls for _, cls in transformers} >= {"RBFSampler", "FeatureHasher", "HashingVectorizer", "Normalizer"}
    for module, cls in transformers:
        assert classify(f"{module}.{cls}")[1] is False, cls
    assert classify("sklearn.preprocessing.SplineTransformer")[1] is True



def test_every_fetch_the_sql_guard_knows_is_one_it_wraps() -> None:
    # drift: leakguard/sql/kernel.py's fetch names held "fetchnumpy", which no catalog entry wraps (so it was
    # never dispatched); the fetches are now the catalog's own
    from leakguard.libraries.sql.catalog import ENTRIES
    from leakguard.sql.kernel import _FETCHES

    wrapped = {api.name for api in ENTRIES if api.note == "fetches a result"}
    assert set(_FETCHES) == wrapped


# -- no new list of API names in an engine ------------------------------------------------------------------

# Today's name lists in the engines; this list may only shrink (a stale entry fails). Not library facts: Python's
# builtins the interpreter handles, IPython's cell magics, leakguard's own words (levels, export's steps),
# sqlglot/SQL words. The rest mixes several libraries' methods (pandas, sklearn, Python's list/dict) and waits
# for a catalog of its own (kernel/aftercell, kernel/cellscan, pipeline/statements, static/models' verbs).
NAME_LISTS_ALLOWED: frozenset[tuple[str, str]] = frozenset({
    # not library facts
    ("leakguard.pipeline.codegen", "_DOCS"), ("leakguard.pipeline.codegen", "_EMPTY"),
    ("leakguard.pipeline.phases", "RESERVED"), ("leakguard.pipeline.phases", "STEPS"),
    ("leakguard.static.interp", "_BUILTINS"), ("leakguard.pipeline.statements", "PURE_FUNCTIONS"),
    ("leakguard.static.reading.sources", "_PYTHON_CELL_MAGICS"), ("leakguard.static.resolve", "_OWNERS"),
    ("leakguard.sql.analysis", "Kind"), ("leakguard.sql.rewrite", "_NUMERIC"),
    ("leakguard.sql.spans", "_PLAIN_ARGS"), ("leakguard.sql.duckframes", "_SKIP"),
    # handler tables keyed by the catalog's names
    ("leakguard.sql.kernel", "_HANDLERS"),
    # several libraries' names in one list: to split into the catalogs
    ("leakguard.kernel.aftercell", "VERBS"), ("leakguard.kernel.cellscan", "MUTATORS"),
    ("leakguard.pipeline.statements", "INSPECT_METHODS"), ("leakguard.pipeline.statements", "INSPECT_MODULES"),
    ("leakguard.pipeline.statements", "MUTATING_METHODS"), ("leakguard.pipeline.statements", "STATE_CALLS"),
    ("leakguard.pipeline.statements", "WRITE_METHODS"), ("leakguard.pipeline.params", "_PATH_KEYWORDS"),
    ("leakguard.pipeline.params", "_SEED_KEYWORDS"), ("leakguard.static.calls", "PRINTERS"),
    ("leakguard.static.calls", "_KNOWN_LIBRARIES"), ("leakguard.static.models", "_LIBRARIES"),
    ("leakguard.static.models", "_FIT"), ("leakguard.static.models", "_PREDICT"),
    ("leakguard.static.lazyops", "PLAIN"),
    ("leakguard.sql.connections", "_SQLALCHEMY_DIALECTS"),
})

ENGINE_PACKAGES = ("kernel", "static", "pipeline", "sql")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def name_lists(source: str) -> Iterator[str]:
    """The module-level names bound to a literal of >= 3 identifier-like strings (a tuple, list, set, a dict's
    keys; inside ``frozenset(...)`` too): a list of API names, which belongs in a library's catalog."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for sub in ast.walk(value):
            items: list[ast.expr | None]
            if isinstance(sub, (ast.Tuple, ast.List, ast.Set)):
                items = list(sub.elts)
            elif isinstance(sub, ast.Dict):
                items = [key for key in sub.keys if key is not None]
            else:
                continue
            if len(items) >= 3 and all(isinstance(e, ast.Constant) and isinstance(e.value, str)
                                       and _IDENTIFIER.match(e.value) for e in items):
                yield from (t.id for t in targets if isinstance(t, ast.Name))
                break


def engine_name_lists() -> set[tuple[str, str]]:
    """``(module, name)`` of every module-level name list in the engines (kernel, static, pipeline, sql)."""
    return {(module, bound) for module, path in modules().items()
            if module.split(".")[1:2] and module.split(".")[1] in ENGINE_PACKAGES
            for bound in name_lists(path.read_text(encoding="utf-8"))}


def test_no_new_name_list_in_an_engine() -> None:
    found = engine_name_lists()
    new = sorted(found - NAME_LISTS_ALLOWED)
    assert not new, (f"API names belong in leakguard/libraries/<lib>/catalog.py (issue 14), read by both "
                     f"engines; not a library fact? add it to NAME_LISTS_ALLOWED with why: {new}")
    stale = sorted(NAME_LISTS_ALLOWED - found)
    assert not stale, f"no longer a name list: remove from NAME_LISTS_ALLOWED: {stale}"


def test_the_name_list_check_sees_sets_tuples_dict_keys_and_frozensets() -> None:
    source = ('A = frozenset({"mean", "sum", "max"})\nB: dict[str, int] = {"csv": 1, "json": 2, "orc": 3}\n'
              'C = ("a", "b")\nD = ("x", "y z", "w")\nE = [f(x) for x in ("u", "v", "w")]\n'
              'def f() -> None:\n    G = ("p", "q", "r")\n')
    assert sorted(name_lists(source)) == ["A", "B", "E"]
