#!/usr/bin/env bash
# The main job on the bundled example, from a fresh clone: set up .venv, make the example
# data, and run the leaky churn notebook through a real Jupyter kernel with leakguard loaded.
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
python examples/make_data.py examples/data
echo
echo "== leakguard run examples/churn_leaky.ipynb (executes it in a real kernel, leakguard loaded)"
status=0
leakguard run examples/churn_leaky.ipynb || status=$?
echo
echo "== leakguard run examples/churn_clean.ipynb"
leakguard run examples/churn_clean.ipynb
echo
echo "The leaky notebook has findings (exit status $status); its clean twin has none."
echo "To explore it yourself: .venv/bin/jupyter lab examples/  (then run the cells; findings show under each cell)"
