"""Write the bundled example data: a deterministic synthetic table of customer events.

Usage: python examples/make_data.py [OUT_DIR]   (default: examples/data)

Each row is one customer observed on ``event_ts`` (January 2024 to September 2024), with
their plan, tenure, spend, support tickets and whether they churned in the following
month. Churn depends on the features (so a model has something to learn) and drifts over
time (so future rows differ from past ones, as they do in production).
"""

from __future__ import annotations

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


def main(out: str = "examples/data") -> Path:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "events.parquet"
    make_events().to_parquet(path, index=False)
    print(f"wrote {path} ({ROWS} rows)")
    return path


if __name__ == "__main__":
    main(*sys.argv[1:2])
