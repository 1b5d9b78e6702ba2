"""Per-rule precision and recall of ``leakguard check`` over the fixture corpus (and, optionally, the kernel's).

    python scripts/precision_recall.py            # the static engine
    python scripts/precision_recall.py --kernel   # also run every runnable fixture in a real kernel (parity)
    python scripts/precision_recall.py --update   # write tests/fixtures/corpus/baseline.json

The test suite (tests/static/test_corpus.py) fails when a rule's result drops below the
committed baseline, or when a fixture on which both engines agreed stops agreeing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leakguard.rules.registry import RULE_IDS  # noqa: E402
from leakguard.static.engine import check_path  # noqa: E402
from leakguard.static.evaluation import baseline_data, load_corpus, reported, run_kernel, score, table  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "corpus"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--kernel", action="store_true", help="also run the runnable fixtures in real kernels")
    parser.add_argument("--update", action="store_true", help="write the corpus baseline")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every fixture that misses")
    args = parser.parse_args()
    fixtures = load_corpus(args.corpus)
    start = time.perf_counter()
    static = {fx.name: reported(check_path(fx.path)) for fx in fixtures}
    elapsed = time.perf_counter() - start
    print(f"static engine: {len(fixtures)} fixtures in {elapsed:.2f} s")
    print(table(score(fixtures, static, RULE_IDS)))
    misses = [fx for fx in fixtures if static[fx.name] != fx.expect]
    if misses and args.verbose:
        print("\nfixtures where the static engine differs from the expectation:")
        for fx in misses:
            print(f"  {fx.name}: expected {sorted(fx.expect) or '-'}, got {sorted(static[fx.name]) or '-'}")
    kernel = None
    path = args.corpus / "baseline.json"
    if args.kernel:
        runnable = [fx for fx in fixtures if fx.runnable]
        start = time.perf_counter()
        kernel = run_kernel(runnable)
        print(f"\nkernel engine: {len(runnable)} runnable fixtures in {time.perf_counter() - start:.1f} s")
        print(table(score(runnable, kernel, RULE_IDS)))
        differ = [fx for fx in runnable if kernel[fx.name] != static[fx.name]]
        print(f"\nparity: the engines agree on {len(runnable) - len(differ)} of {len(runnable)} runnable fixtures")
        for fx in differ:
            print(f"  {fx.name}: kernel {sorted(kernel[fx.name]) or '-'}, static {sorted(static[fx.name]) or '-'}")
    elif args.update and path.exists():
        previous = json.loads(path.read_text(encoding="utf-8")).get("fixtures", {})
        kernel = {k: frozenset(v["kernel"]) for k, v in previous.items() if v.get("kernel") is not None}
    if args.update:
        data = baseline_data(fixtures, static, kernel, RULE_IDS)
        path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
