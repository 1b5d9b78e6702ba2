#!/usr/bin/env bash
# Set up a clone for use: .venv with leakguard, JupyterLab and the dev tools installed (editable),
# and the example data written to examples/data. Then: source .venv/bin/activate
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
python examples/make_data.py examples/data
echo "ready: source .venv/bin/activate   (then: leakguard --help, jupyter lab examples/)"
