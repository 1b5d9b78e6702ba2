"""Write the data the example notebooks read into one folder (no network: everything ships with a package).

Usage: python examples/make_data.py [OUT_DIR]   (default: examples/data)

- ``penguins.csv``: the Palmer Archipelago penguin measurements (344 birds, three nesting
  seasons 2007-2009), as the ``palmerpenguins`` package ships them.
- ``seattle_weather.csv``: daily weather in Seattle, 2012-2015 (1,461 days), as the
  ``vega_datasets`` package ships it for offline use.
- ``events.parquet``: a deterministic synthetic table of customer events for the churn and
  SQL examples (below).

The synthetic events: each row is one customer observed on ``event_ts`` (January 2024 to
September 2024), with their plan, tenure, spend, support tickets and whether they churned
in the following month. Churn depends on the features (so a model has something to learn)
and drifts over time (so future rows differ from past ones, as they do in production).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROWS = 6_000
SEED = 20240601


def make_events(rows: int = ROWS, seed: int = SEED) -> pd.DataFrame:
    """The synthetic events table (same rows for the same arguments)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    minutes = rng.integers(0, 60 * 24 * 250, rows)
    event_ts = (start + pd.to_timedelta(np.sort(minutes), unit="min")).as_unit("us")
    plan = rng.choice(["basic", "standard", "premium"], rows, p=[0.5, 0.35, 0.15])
    tenure = rng.gamma(2.0, 8.0, rows).round(1)
    spend = (rng.normal(30, 8, rows) + np.where(plan == "premium", 40, np.where(plan == "standard", 15, 0))).round(2)
    tickets = rng.poisson(1.2, rows)
    months = (event_ts - start).days / 30.0
    logit = -1.0 + 0.45 * tickets - 0.05 * tenure - 0.01 * spend + 0.08 * months + np.where(plan == "basic", 0.4, 0)
    churned = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype("int64")
    return pd.DataFrame({
        "customer_id": np.arange(1, rows + 1),
        "event_ts": event_ts,
        "plan": plan,
        "tenure_months": tenure,
        "monthly_spend": spend,
        "support_tickets": tickets,
        "churned": churned,
    })


def penguins_csv() -> Path:
    """The CSV file the ``palmerpenguins`` package ships (read by its ``load_penguins()``)."""
    import palmerpenguins

    path = Path(palmerpenguins.__file__).parent / "data" / "penguins.csv"
    if not path.is_file():
        raise FileNotFoundError(f"palmerpenguins no longer ships {path}")
    return path


def seattle_weather() -> pd.DataFrame:
    """Seattle's daily weather, 2012-2015, from the copy ``vega_datasets`` bundles (no download)."""
    from vega_datasets import local_data

    return local_data.seattle_weather()


def diabetes() -> pd.DataFrame:
    """442 diabetes patients (ten baseline measurements, standardised) and their disease progression a
    year later, from the copy scikit-learn bundles (no download)."""
    from sklearn.datasets import load_diabetes

    frame: pd.DataFrame = load_diabetes(as_frame=True).frame
    return frame.rename(columns={"target": "progression"})


def main(out: str = "examples/data") -> list[Path]:
    """Write every example file into ``out``; returns their paths."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    events = folder / "events.parquet"
    make_events().to_parquet(events, index=False)
    penguins = folder / "penguins.csv"
    shutil.copyfile(penguins_csv(), penguins)
    weather = folder / "seattle_weather.csv"
    seattle_weather().to_csv(weather, index=False, date_format="%Y-%m-%d")
    patients = folder / "diabetes.csv"
    diabetes().to_csv(patients, index=False)
    for path, what in ((events, f"{ROWS} synthetic customer events"), (penguins, "palmerpenguins"),
                       (weather, "vega_datasets"), (patients, "scikit-learn's diabetes")):
        print(f"wrote {path} ({what})")
    return [events, penguins, weather, patients]


if __name__ == "__main__":
    main(*sys.argv[1:2])
