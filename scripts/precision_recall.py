"""Per-rule and per-family precision and recall of ``leakguard check`` over the fixture corpora (and the kernel's).

    python scripts/precision_recall.py                      # the static engine, both corpora
    python scripts/precision_recall.py --kernel             # also run every runnable fixture in a real kernel
    python scripts/precision_recall.py --update             # write tests/fixtures/corpus/baseline.json
    python scripts/precision_recall.py --kernel --update --docs   # all of it, and the tables in docs/check.md

The corpora: tests/fixtures/corpus (flat, a policy declared; a fixture's family is its name's
rule prefix) and tests/fixtures/wild (no policy; one folder per pattern family). Each table is
given twice: by rule set (the rule is raised somewhere in the file) and by place (it lands in
the cell the fixture's ``at=rule@cell`` names; elsewhere is a false positive and a false negative).

``--update`` without ``--kernel`` keeps the kernel results the baseline already records.
tests/static/test_check_corpus.py fails when a rule's result drops below the committed baseline
(by rule set and by place), or when a fixture on which both engines agreed stops agreeing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leakguard.rules.registry import RULE_IDS  # noqa: E402
from leakguard.static.engine import check_path  # noqa: E402
from leakguard.static.evaluation import (  # noqa: E402
    Fixture,
    Place,
    baseline_data,
    load_folder,
    markdown_table,
    misplaced,
    placed,
    places_from_json,
    rules_of,
    run_kernel_places,
    score_families,
    score_places,
    table,
)

CORPORA = (ROOT / "tests" / "fixtures" / "corpus", ROOT / "tests" / "fixtures" / "wild")
DOCS = ROOT / "docs" / "check.md"
START, END = "<!-- precision-recall: start -->", "<!-- precision-recall: end -->"


def report(title: str, fixtures: list[Fixture], found: dict[str, frozenset[Place]]) -> str:
    """The four tables of one engine on one corpus: per rule and per family, by rule set and by place."""
    parts = []
    for located, how in ((False, "by rule set"), (True, "by place")):
        parts.append(f"{title}, per rule, {how}:")
        parts.append(table(score_places(fixtures, found, RULE_IDS, located), "rule"))
    for located, how in ((False, "by rule set"), (True, "by place")):
        parts.append(f"{title}, per family, {how}:")
        parts.append(table(score_families(fixtures, found, located), "family"))
    wrong = misplaced(fixtures, found)
    parts.append(f"{title}: found the rule, wrong place ({len(wrong)}):" + "".join(f"\n  {w}" for w in wrong))
    return "\n\n".join(parts)


def markdown(title: str, fixtures: list[Fixture], found: dict[str, frozenset[Place]]) -> str:
    """The same as two markdown tables (per rule, per family), both scores side by side."""
    rules = markdown_table(score_places(fixtures, found, RULE_IDS, False), score_places(fixtures, found, RULE_IDS))
    families = markdown_table(score_families(fixtures, found, False), score_families(fixtures, found), "family")
    wrong = misplaced(fixtures, found)
    tail = "".join(f"\n- {w}" for w in wrong) if wrong else " none"
    return f"{title}\n\n{rules}\n\n{families}\n\nFound the rule, wrong place:{tail}"


def measure(folder: Path, args: argparse.Namespace) -> str:
    """Measure one corpus, print its tables, update its baseline; the markdown section for the docs."""
    fixtures = load_folder(folder)
    name = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
    start = time.perf_counter()
    static = {fx.id: placed(check_path(fx.path)) for fx in fixtures}
    elapsed = time.perf_counter() - start
    print(f"\n== {name}: static engine, {len(fixtures)} fixtures in {elapsed:.2f} s\n")
    print(report("static", fixtures, static))
    if args.verbose:
        print("\nfixtures where the static engine differs from the expectation:")
        for fx in fixtures:
            if rules_of({fx.id: static[fx.id]})[fx.id] != fx.expect:
                print(f"  {fx.id}: expected {sorted(fx.expect) or '-'}, got {sorted(r for r, _ in static[fx.id]) or '-'}")
    md = [markdown(f"#### `{name}`: {len(fixtures)} fixtures, static engine", fixtures, static)]
    kernel: dict[str, frozenset[Place]] | None = None
    baseline = folder / "baseline.json"
    runnable = [fx for fx in fixtures if fx.runnable]
    if args.kernel and runnable:
        start = time.perf_counter()
        kernel = run_kernel_places(runnable, jobs=args.jobs)
        print(f"\n== {name}: kernel engine, {len(runnable)} runnable fixtures in {time.perf_counter() - start:.1f} s\n")
        print(report("kernel", runnable, kernel))
        differ = [fx for fx in runnable if rules_of(kernel)[fx.id] != rules_of(static)[fx.id]]
        elsewhere = [fx for fx in runnable if fx not in differ and kernel[fx.id] != static[fx.id]]
        agree = (f"the engines agree on {len(runnable) - len(differ)} of {len(runnable)} runnable fixtures, "
                 f"on the cells too on {len(runnable) - len(differ) - len(elsewhere)}")
        print(f"\nparity: {agree}")
        for fx in differ:
            print(f"  {fx.id}: kernel {sorted(rules_of(kernel)[fx.id]) or '-'}, static {sorted(rules_of(static)[fx.id]) or '-'}")
        for fx in elsewhere:
            print(f"  {fx.id} (cells): kernel {sorted(kernel[fx.id], key=str)}, static {sorted(static[fx.id], key=str)}")
        md.append(markdown(f"#### `{name}`: {len(runnable)} runnable fixtures, kernel engine ({agree})", runnable,
                           kernel))
    elif args.update and baseline.exists():  # keep what the last kernel run recorded
        previous = json.loads(baseline.read_text(encoding="utf-8")).get("fixtures", {})
        kernel = {}
        for k, v in previous.items():
            at = places_from_json(v.get("kernel_at"))
            rules = v.get("kernel")
            if at is not None:
                kernel[k] = at
            elif isinstance(rules, list):  # recorded before places were: the cells are unknown
                kernel[k] = frozenset((str(r), None) for r in rules)
    if args.update and baseline.exists():
        data = baseline_data(fixtures, static, kernel, RULE_IDS)
        baseline.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"\nwrote {baseline.relative_to(ROOT) if baseline.is_relative_to(ROOT) else baseline}")
    return "\n\n".join(md)


def write_docs(sections: list[str], docs: Path) -> None:
    """Replace the generated part of docs/check.md's "How well it detects" section."""
    text = docs.read_text(encoding="utf-8")
    stamp = time.strftime("%Y-%m-%d")
    body = f"{START}\n<!-- generated by scripts/precision_recall.py --docs on {stamp}; do not edit -->\n\n" \
           + "\n\n".join(sections) + f"\n\n{END}"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{docs}: no '{START}' ... '{END}' section to replace")
    docs.write_text(pattern.sub(lambda _: body, text), encoding="utf-8")
    print(f"\nwrote the tables into {docs}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, action="append",
                        help="a corpus folder (repeatable; default: tests/fixtures/corpus and tests/fixtures/wild)")
    parser.add_argument("--kernel", action="store_true", help="also run the runnable fixtures in real kernels")
    parser.add_argument("--jobs", type=int, default=2, help="kernels at a time (default 2)")
    parser.add_argument("--update", action="store_true", help="write each corpus's baseline.json (where it has one)")
    parser.add_argument("--docs", type=Path, nargs="?", const=DOCS,
                        help="write the tables into docs/check.md (or this file) between its markers")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every fixture that misses")
    args = parser.parse_args()
    corpora = [c.resolve() for c in args.corpus] if args.corpus else list(CORPORA)
    sections = [measure(folder, args) for folder in corpora if folder.is_dir()]
    if args.docs:
        write_docs(sections, args.docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
