#!/usr/bin/env bash
# The whole test suite, from a fresh clone: set up .venv, lint, type-check, test.
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
echo "== ruff"; ruff check .
echo "== mypy --strict"; mypy
echo "== protocol: the generated JSON Schemas and TypeScript match leakguard/protocol"; python -m leakguard.protocol.typescript --check
echo "== frontend: dependencies, TypeScript build (strict), unit tests"
jlpm install --immutable >/dev/null
jlpm build >/dev/null
jupyter-builder develop --overwrite . >/dev/null  # serve this build to the browser test
jlpm test
if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium for the browser test"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null
fi
if ! command -v java >/dev/null 2>&1; then
  echo "== installing Debian's Java 17 runtime for the real local Spark in tests/spark"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
echo "== pytest (the browser test in tests/lab prints the sidebar's render time)"; python -m pytest "$@"
echo "== the wheel as users install it: a new virtualenv, check / export / run / jupyter labextension list"
bash scripts/wheel_smoke.sh
