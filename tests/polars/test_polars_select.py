"""An eager ``df.select`` whose every expression aggregates is an inspection; plain columns and windows are not."""

from __future__ import annotations

import pytest

from tests.conftest import Kernel

PEEK = ["peek-future", "peek-holdout"]


@pytest.mark.parametrize("cell", [
    "df.select(pl.col('x').mean())",
    "df.select(pl.col('x').mean(), pl.col('z').std())",
    "m = df.select(pl.col('x').mean()).item()",
    "df.select(pl.col('x').quantile(0.9).alias('q'), n=pl.len())",
    "print(df.select(pl.col('x').filter(pl.col('x') > 0).mean()))",
    "df.select([pl.col('x').max(), pl.lit(1)])",
    "df.select(pl.col('x').mean().round(2))",
])
def test_aggregating_select_before_the_split_peeks(pl_events: Kernel, cell: str) -> None:
    assert pl_events.run(cell).rules == PEEK


@pytest.mark.parametrize("cell", [
    "df.select(pl.col('x').mean())", "m = df.select(pl.col('x').mean(), pl.col('z').std())",
    "train.select(pl.corr('x', 'churned'))",
])
def test_aggregating_select_of_the_train_part_is_clean(pl_events: Kernel, cell: str) -> None:
    pl_events.run("train, test = leakguard.split(df)")
    assert pl_events.run(cell.replace("df.", "train.")).findings == []


def test_aggregating_select_of_the_test_part_is_peek_holdout(pl_events: Kernel) -> None:
    pl_events.run("train, test = leakguard.split(df)")
    assert pl_events.run("test.select(pl.col('x').mean())").rules == ["peek-holdout"]


@pytest.mark.parametrize("cell", [
    "df.select(pl.corr('x', 'churned'))",
    "df.select(pl.col('x').mean(), pl.col('churned').mean())",
    "df.select(pl.col('churned').filter(pl.col('x') > 0).mean())",
])
def test_select_relating_the_label_to_a_feature_is_peek_label(pl_events: Kernel, cell: str) -> None:
    r = pl_events.run(cell)
    assert r.rules == ["peek-label"]
    assert "churned" in r.findings[0].message and "x" in r.findings[0].message


def test_select_of_the_label_alone_is_not_peek_label(pl_events: Kernel) -> None:
    assert pl_events.run("df.select(pl.col('churned').mean())").rules == PEEK


@pytest.mark.parametrize("cell", [
    "df.select('x', 'churned')", "df.select(pl.col('x') * 2)", "df.select(['x', 'plan'])",
    "out = df.select(pl.col('x'), pl.col('churned'))",
    "df.select(pl.col('churned').mean().over('plan'))",
    "df.select(pl.col('x') - pl.col('x').mean())",
    "df.select(pl.col('x'), pl.col('x').mean().alias('m'))",
    "df.select(pl.col('x').head(3))",
    "df.select(pl.when(pl.col('x') > 0).then(pl.col('x').mean()).otherwise(0))",
    "df.select(pl.lit(1))",
    "df.select()",
    "s = df['x'] + 1",
])
def test_plain_selects_and_windows_are_not_looks(pl_events: Kernel, cell: str) -> None:
    assert pl_events.run(cell).findings == []


def test_consumed_select_is_not_a_peek(pl_events: Kernel) -> None:
    r = pl_events.run("filled = df.with_columns(pl.col('x').fill_null(df.select(pl.col('x').mean()).item()))")
    assert r.findings == []
    assert pl_events.ns["filled"].height == pl_events.ns["df"].height


def test_every_column_selector_reads_the_columns_it_expands_to(pl_events: Kernel) -> None:
    pl_events.run("num = df.select('x', 'churned')")
    r = pl_events.run("num.select(pl.all().mean())")
    assert r.rules == ["peek-label"]


def test_safe_mode_runs_the_select_on_training_rows(pl_events: Kernel) -> None:
    pl_events.run("%leakguard mode safe")
    r = pl_events.run("m = df.select(pl.col('x').mean(), pl.col('z').std()).row(0)")
    assert r.error is None
    assert any("training row(s)" in n for n in r.notes)
    assert r.findings == []  # restricted: nothing was seen
    pl_events.run("%leakguard mode warn")
    pl_events.run("train, test = leakguard.split(df)")
    expected = pl_events.run("train.select(pl.col('x').mean(), pl.col('z').std()).row(0)").result
    assert pl_events.ns["m"] == pytest.approx(expected)
    everything = pl_events.ns["df"].select(pl_events.ns["pl"].col("x").mean()).item()
    assert pl_events.ns["m"][0] != pytest.approx(everything)


def test_block_mode_raises_before_the_select(pl_events: Kernel) -> None:
    pl_events.run("%leakguard mode block")
    r = pl_events.run("out = df.select(pl.col('x').mean())", raises=True)
    assert type(r.error).__name__ == "LeakageError"
    assert "out" not in pl_events.ns
    assert pl_events.run("plain = df.select('x')").error is None
    pl_events.run("train, test = leakguard.split(df)")
    assert pl_events.run("train.select(pl.col('x').mean())").error is None


def test_hostile_column_names(pl_events: Kernel) -> None:
    pl_events.run("odd = df.rename({'x': 'a\"b\\n, col(\"churned\").mean()', 'churned': 'churned'})")
    assert pl_events.run("odd.select(pl.col('a\"b\\n, col(\"churned\").mean()').mean())").rules == PEEK
    assert pl_events.run("odd.select(pl.col('a\"b\\n, col(\"churned\").mean()'))").findings == []
    r = pl_events.run("odd.select(pl.col('a\"b\\n, col(\"churned\").mean()').mean().over('plan'))")
    assert r.findings == []


def test_a_select_leakguard_cannot_read_never_breaks_the_cell(pl_events: Kernel) -> None:
    r = pl_events.run("df.select(pl.col('nope').mean())", raises=True)
    assert type(r.error).__name__ == "ColumnNotFoundError"
    assert pl_events.run("df.select(pl.col('x').map_batches(lambda s: s * 2))").findings == []


def test_an_internal_error_never_breaks_the_select(pl_events: Kernel, monkeypatch: pytest.MonkeyPatch) -> None:
    from leakguard.libraries.polars import live as polars_calls

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(polars_calls, "aggregating_select", broken)
    r = pl_events.run("m = df.select(pl.col('x').mean()).item()")
    assert r.error is None and isinstance(pl_events.ns["m"], float)


def test_series_arithmetic_and_leakguard_own_selects_are_passed_by(pl_events: Kernel) -> None:
    r = pl_events.run("s = (df['x'] + 1).mean()")  # Series arithmetic calls DataFrame.select inside Polars
    assert r.rules == PEEK
    assert [f.message.split("()")[0] for f in r.findings] == ["mean", "mean"]


@pytest.mark.parametrize(("expr", "found"), [
    ("(pl.col('x') - pl.col('x').mean()) / pl.col('x').std()", [("mean", ("x",)), ("std", ("x",))]),
    ("pl.col('x').fill_null(pl.col('x').median())", [("median", ("x",))]),
    ("pl.col('x') - pl.col('x').mean().over('plan')", [("mean", ("x",))]),
    ("pl.col('x').quantile(0.9)", [("quantile", ("x",))]),
    ("pl.col('x') * 2", []),
    ("pl.col('x').log1p()", []),
    ("pl.col('x').rank().over('plan')", []),
])
def test_statistics_put_on_every_row_are_read_from_the_expressions(expr: str, found: list[tuple[str, tuple[str, ...]]]
                                                                   ) -> None:
    pl = pytest.importorskip("polars")
    from leakguard.libraries.polars.plan import broadcast_stats

    got = broadcast_stats((eval(expr, {"pl": pl}),), {})
    assert [(b.op, b.columns) for b in got] == found
