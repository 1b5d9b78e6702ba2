#!/usr/bin/env bash
# The main job, from a fresh clone: leakguard on the flagship example (real penguin data), end to end.
#   1. leakguard check   finds the leaks without running anything
#   2. leakguard run     runs the notebook in a real Jupyter kernel: findings in warn mode, then safe mode
#   3. the clean twin    runs with no finding
#   4. leakguard export  turns the clean twin into a versioned pipeline module, which then runs on its own
#   5. the SQL guard     warn, safe (the rewritten query) and block on DuckDB
# It ends by printing how to open the same notebooks in JupyterLab with the sidebar.
set -euo pipefail
source "$(dirname "$0")/_venv.sh"

leaky=examples/penguins_leaky.ipynb
clean=examples/penguins_clean.ipynb
out=build/demo
failures=()

bold=""; plain=""
if [ -t 1 ]; then bold=$'\033[1m'; plain=$'\033[0m'; fi
step() { printf '\n%s== %s%s\n$ %s\n' "$bold" "$1" "$plain" "$2"; }
expect() {  # expect STATUS WANTED WHAT: remember a step that did not end as it should
  if [ "$1" -ne "$2" ]; then failures+=("$3 exited with $1, expected $2"); fi
}

echo "== the example data (real data shipped by palmerpenguins and vega_datasets; synthetic events)"
python examples/make_data.py examples/data

step "1. leakguard check: read the leaky notebook, run nothing (exit 1: findings)" "leakguard check $leaky"
status=0; leakguard check --no-progress "$leaky" || status=$?
expect "$status" 1 "leakguard check $leaky"

step "2. leakguard run: execute it in a real Jupyter kernel with leakguard loaded (warn mode)" "leakguard run $leaky"
status=0; leakguard run "$leaky" || status=$?
expect "$status" 1 "leakguard run $leaky"

step "   the same in safe mode: the looks at the data run on the training rows, and say so" \
  "leakguard run --mode safe $leaky"
status=0; leakguard run --mode safe "$leaky" || status=$?
expect "$status" 1 "leakguard run --mode safe $leaky"

step "3. the clean twin: the same work without the leaks (exit 0: nothing to report)" \
  "leakguard check $clean && leakguard run $clean"
status=0; leakguard check --no-progress "$clean" || status=$?
expect "$status" 0 "leakguard check $clean"
status=0; leakguard run "$clean" || status=$?
expect "$status" 0 "leakguard run $clean"

step "4. leakguard export: the clean twin becomes a versioned pipeline module with a lock file" \
  "leakguard export $clean -o $out/pipelines"
status=0; leakguard export "$clean" -o "$out/pipelines" || status=$?
expect "$status" 0 "leakguard export $clean"
module="$out/pipelines/penguins_clean/$(cd "$out/pipelines/penguins_clean" 2>/dev/null && ls v*.py | sort -V | tail -n 1)"
echo "module: $module"

step "   run the exported module on its own (it checks its input against the lock file, trains, evaluates)" \
  "(cd $out && python -m pipelines.penguins_clean.$(basename "$module" .py))"
status=0; (cd "$out" && python -m "pipelines.penguins_clean.$(basename "$module" .py)") || status=$?
expect "$status" 0 "the exported module"

step "5. the SQL guard on DuckDB: warn, safe (rewritten query) and block" "leakguard run examples/churn_sql_leaky.ipynb"
status=0; leakguard run examples/churn_sql_leaky.ipynb || status=$?
expect "$status" 1 "leakguard run examples/churn_sql_leaky.ipynb"

cat <<'EOF'

== Next: the same notebooks in JupyterLab, with the sidebar
  source .venv/bin/activate
  jupyter lab examples/
Open penguins_leaky.ipynb, run all cells, and click the shield tab named "leakguard" on the
right: findings by cell with their fixes, the policy, the mode, provenance, and export.
The other examples: examples/README.md. A guided tour: docs/getting-started.md.
EOF

if [ "${#failures[@]}" -gt 0 ]; then
  printf '\ndemo: a step did not end as it should:\n' >&2
  printf '  %s\n' "${failures[@]}" >&2
  exit 1
fi
