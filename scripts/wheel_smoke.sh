#!/usr/bin/env bash
# leakguard as users install it: build the wheel (prebuilt sidebar inside), install it into a new
# virtualenv away from the source tree, and run the faces there: check, export, run (first
# without the [lab] extra: one line naming it, exit 2; then with it), jupyter labextension list.
# Usage: bash scripts/wheel_smoke.sh   (called by scripts/test.sh; needs python3 and the network/pip cache)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-$(command -v python3.11 || command -v python3)}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/leakguard-wheel.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# everything Jupyter and IPython write stays in the temporary folder
export JUPYTER_CONFIG_DIR="$tmp/jupyter/config" JUPYTER_DATA_DIR="$tmp/jupyter/data"
export JUPYTER_RUNTIME_DIR="$tmp/jupyter/runtime" IPYTHONDIR="$tmp/ipython" PYTHONPATH=""
export PIP_NO_COMPILE=1  # no .pyc for a throwaway virtualenv: byte-compiling pandas and JupyterLab is most of an install
fail() { echo "wheel smoke test: $*" >&2; exit 1; }
step() { echo "[$(( $(date +%s) - start ))s] $*"; }
start=$(date +%s)

"$py" -m pip wheel --quiet --no-deps -w "$tmp/dist" "$root" 2>&1 | grep -v "^WARNING: Location" || true
wheel="$(ls "$tmp"/dist/leakguard-*.whl)" || fail "no wheel built"
unzip -l "$wheel" | grep -q "share/jupyter/labextensions/leakguard/static/style.js" || fail "the wheel has no prebuilt labextension"
step "wheel built"
"$py" -m venv "$tmp/venv"
bin="$tmp/venv/bin"
"$bin/python" -m pip install --quiet "$wheel" 2>&1 | grep -v "^WARNING: Location" || true

step "installed (no extras)"
mkdir "$tmp/work" && cd "$tmp/work"   # away from the source tree: imports come from the virtualenv
"$bin/python" -c "import leakguard, sys; sys.exit(0 if leakguard.__file__.startswith('$tmp/venv') else 1)" \
  || fail "leakguard imported from outside the new virtualenv"
printf 'label = "churned"\nholdout = 0.2\n' > leakguard.toml
printf 'id,tenure,churned\n1,3,0\n2,5,1\n3,8,0\n4,1,1\n5,9,0\n6,2,1\n7,4,0\n8,7,1\n9,6,0\n10,5,1\n' > data.csv
"$bin/python" - <<'EOF'
import nbformat
cells = ["import pandas as pd\nimport leakguard", "df = pd.read_csv('data.csv')", "df.describe()",
         "train, test = leakguard.split(df)\nlong = train[train['tenure'] > 2]"]
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
nbformat.write(nb, "nb.ipynb")
EOF

set +e
out="$("$bin/leakguard" check nb.ipynb 2>&1)"; code=$?
set -e
[ "$code" -eq 1 ] && grep -q "peek-holdout" <<<"$out" || fail "check: exit $code, $out"
out="$("$bin/leakguard" export nb.ipynb --drop-leaky --output long -o pipelines 2>&1)" || fail "export: $out"
[ -f pipelines/nb/v1.py ] && [ -f pipelines/nb/v1.lock.json ] || fail "export wrote no version"
set +e
out="$("$bin/leakguard" run nb.ipynb 2>&1)"; code=$?
set -e
[ "$code" -eq 2 ] && grep -q "pip install 'leakguard\[lab\]'" <<<"$out" || fail "run without [lab]: exit $code, $out"
step "base install: check, export; run names the [lab] extra"

"$bin/python" -m pip install --quiet "$wheel[lab]" 2>&1 | grep -v "^WARNING: Location" || true
step "installed [lab]"
set +e
out="$("$bin/leakguard" run nb.ipynb 2>&1)"; code=$?
set -e
[ "$code" -eq 1 ] && grep -q "peek-holdout" <<<"$out" || fail "run with [lab]: exit $code, $out"
"$bin/jupyter" labextension list 2>&1 | grep -E "^\s*leakguard .*enabled.*OK" >/dev/null \
  || fail "jupyter labextension list: $("$bin/jupyter" labextension list 2>&1)"
step "[lab] install: run, labextension leakguard enabled"
