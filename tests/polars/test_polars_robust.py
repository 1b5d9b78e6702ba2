"""Hostile column names, leakguard's own failures, and unloading: Polars cells keep working."""

from __future__ import annotations

import polars as pl
import pytest

from leakguard.libraries.polars import live as polars_calls
from tests.conftest import Kernel

HOSTILE = ("we\"ird", "back`tick", "sp ace", "ünï,code", "semi;--", "paren(s)")


def test_hostile_column_names_break_nothing(kernel: Kernel) -> None:
    cols = ", ".join(f"{c!r}: rng.normal(size=300)" for c in HOSTILE)
    kernel.run("import polars as pl, numpy as np, leakguard, datetime as dt\nrng = np.random.default_rng(1)\n"
               f"df = pl.DataFrame({{{cols}, 'ti me\"': pl.datetime_range(dt.datetime(2024, 1, 1), "
               "dt.datetime(2024, 1, 1) + dt.timedelta(days=299), '1d', eager=True), "
               "'lab`el': rng.integers(0, 2, 300)})\nlf = df.lazy()")
    kernel.run("leakguard.policy(label='lab`el', time='ti me\"', cutoff='2024-07-01', holdout=0.2)")
    cells = [
        "df.describe()", "lf.mean()", "df.group_by('sp ace').agg(pl.col('lab`el').mean())",
        "lf.select(pl.col('we\"ird').mean(), pl.col('paren(s)').max()).collect()",
        "a = df.filter(pl.col('ti me\"') <= dt.datetime(2024, 5, 1))\nb = df.filter(pl.col('ti me\"') > dt.datetime(2024, 5, 1))",
        "tr, te = leakguard.split(df)", "ltr, lte = leakguard.split(lf)",
        "pl.sql('SELECT avg(\"we\"\"ird\") FROM df', eager=True)",
        "%leakguard mode safe", "df.describe()", "lf.mean().collect()", "df.group_by('sp ace').len()",
    ]
    for cell in cells:
        r = kernel.run(cell)
        assert not any("internal problem" in n for n in r.notes), (cell, r.notes)
    assert kernel.session.graph.splits[0].method.startswith("filter at 2024-05-01")


def test_internal_failure_never_breaks_the_cell(pl_events: Kernel, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(polars_calls, "plan_aggregates", broken)
    monkeypatch.setattr(polars_calls, "condition_of", broken)
    r = pl_events.run("m = lf.select(pl.col('x').mean()).collect()\npast = df.filter(pl.col('x') > 0)")
    assert r.error is None and isinstance(pl_events.ns["m"], pl.DataFrame)
    assert any("internal problem" in n for n in r.notes)


def test_unload_restores_every_wrapped_polars_api_by_identity(pl_events: Kernel) -> None:
    from leakguard.kernel.extension import loaded

    state = loaded()
    assert state is not None
    wrapped = [(owner, attr, original) for owner, attr, original in state.patcher.applied
               if getattr(owner, "__module__", "").startswith("polars")]
    names = {f"{owner.__name__}.{attr}" for owner, attr, _ in wrapped}
    assert {"DataFrame.describe", "LazyFrame.collect", "DataFrame.filter", "GroupBy.agg", "LazyGroupBy.agg"} <= names
    assert all(vars(owner)[attr] is not original for owner, attr, original in wrapped)
    pl_events.run("%unload_ext leakguard")
    try:
        assert all(vars(owner)[attr] is original for owner, attr, original in wrapped)
        assert getattr(pl.sql, "__leakguard_original__", None) is None
    finally:
        pl_events.run("%load_ext leakguard")
