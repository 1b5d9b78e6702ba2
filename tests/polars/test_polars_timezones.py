"""Polars frames whose time column has a time zone: split and safe mode cut the rows pandas cuts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

from leakguard.libraries.polars import frames as plf
from leakguard.policy import Policy
from leakguard.splitting import row_parts
from tests.conftest import Kernel, make_events

POLICY = Policy(label=("churned",), time="event_ts", cutoff="2024-06-01").updated({"holdout": 0.2, "seed": 7}, "test")


def zoned_events(tz: str | None) -> pd.DataFrame:
    """The standard events with hourly times around the cutoff, wall times in ``tz`` (None: naive)."""
    pdf = make_events(600)
    pdf["event_ts"] = pd.date_range("2024-05-20", periods=len(pdf), freq="h", tz=tz)
    pdf.loc[[4, 90], "event_ts"] = pd.NaT  # missing times rank last, as pandas' argsort puts them
    return pdf


@pytest.mark.parametrize("tz", ["Europe/Paris", "UTC", "America/New_York", None])
def test_eager_and_lazy_masks_are_the_pandas_masks_with_a_time_zone(tz: str | None) -> None:
    pdf = zoned_events(tz)
    expected = row_parts(pdf, POLICY)
    df = pl.from_pandas(pdf)
    got = plf.row_parts(df, POLICY)
    for part in ("train", "holdout", "future"):
        assert np.array_equal(getattr(got, part), getattr(expected, part)), part
    (train, test), _ = plf.split([df], POLICY)
    (ltrain, ltest), _ = plf.split([df.lazy()], POLICY)
    assert train.height == int(expected.train.sum()) and test.height == int(expected.holdout.sum())
    assert ltrain.collect().equals(train) and ltest.collect().equals(test)


@pytest.mark.parametrize("lazy", [False, True])
def test_split_and_safe_mode_in_the_kernel_with_a_time_zone(kernel: Kernel, lazy: bool) -> None:
    pdf = zoned_events("Europe/Paris")
    kernel.ns["source"] = pl.from_pandas(pdf)
    kernel.run("import polars as pl, leakguard")
    kernel.run(f"df = source.lazy() if {lazy!r} else source")
    kernel.run("leakguard.policy(label='churned', time='event_ts', cutoff='2024-06-01', holdout=0.2, seed=7)")
    expected = row_parts(pdf, kernel.session.policy)
    kernel.run("train, test = leakguard.split(df)")
    collect = ".collect()" if lazy else ""
    kernel.run(f"n_train = train{collect}.height")
    assert kernel.ns["n_train"] == int(expected.train.sum())
    kernel.run("%leakguard mode safe")
    r = kernel.run("out = df.max()")
    assert r.findings == [] and any("safe mode" in n for n in r.notes)
    kernel.run(f"m = out{collect}['x'].item()")
    assert kernel.ns["m"] == pytest.approx(pdf["x"][expected.train].max())
