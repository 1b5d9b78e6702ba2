#!/usr/bin/env bash
# The whole test suite, from a fresh clone: set up .venv, lint, type-check, test.
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
echo "== ruff"; ruff check .
echo "== mypy --strict"; mypy
echo "== pytest"; python -m pytest "$@"
