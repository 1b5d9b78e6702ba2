"""The ``leakguard`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from leakguard import __version__
from leakguard.finding import SEVERITY_ORDER

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="leakguard", description="Leakage-safe exploratory data analysis.")
    parser.add_argument("--version", action="version", version=f"leakguard {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute notebooks headless with leakguard loaded and report findings")
    run.add_argument("notebooks", nargs="+", help=".ipynb files")
    run.add_argument("--mode", choices=("warn", "block", "safe"), help="leakguard mode for the run")
    run.add_argument("--format", choices=("text", "json"), default="text")
    run.add_argument("--fail-on", choices=("info", "warning", "error"), default="warning",
                     help="exit 1 when a finding of this severity or worse is found (default: warning)")
    run.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    check = sub.add_parser("check", help="find leakage in notebooks and scripts without running them (a CI gate)")
    from leakguard.static.command import add_arguments

    add_arguments(check)
    from leakguard.export.command import add_arguments as export_arguments

    export_arguments(sub.add_parser("export", help="turn a notebook's clean cells into a versioned pipeline module"))
    return parser


def _run(args: argparse.Namespace) -> int:
    from leakguard.runner import NotebookError, run_notebook

    worst = EXIT_CLEAN
    reports = []
    for name in args.notebooks:
        try:
            result = run_notebook(name, mode=args.mode, timeout=args.timeout)
        except NotebookError as exc:
            print(f"leakguard: {exc}", file=sys.stderr)
            worst = max(worst, EXIT_ERROR)
            continue
        threshold = SEVERITY_ORDER[args.fail_on]
        failing = [f for f in result.findings if SEVERITY_ORDER.get(f["severity"], 0) >= threshold]
        errors = [c for c in result.cells if c.error and c.error_name != "LeakageError"]
        if failing:
            worst = max(worst, EXIT_FINDINGS)
        if errors:
            worst = max(worst, EXIT_ERROR)
        if args.format == "json":
            reports.append({"path": str(result.path), "cells": [
                {"index": c.index, "findings": c.findings, "notes": c.notes, "error": c.error} for c in result.cells
            ]})
            continue
        print(f"{result.path}: {len(result.findings)} finding(s)")
        for cell in result.cells:
            if not (cell.findings or cell.notes or cell.error):
                continue
            print(f"  cell {cell.index + 1}: {cell.source_head}")
            for f in cell.findings:
                line = f["where"].get("line")
                print(f"    {f['severity']} [{f['rule']}]" + (f" line {line}" if line else "") + f": {f['message']}")
                if f.get("hint"):
                    print(f"      fix: {f['hint']}")
            for note in cell.notes:
                print(f"    note: {note}")
            if cell.error:
                print(f"    error: {cell.error}")
    if args.format == "json":
        print(json.dumps({"version": 1, "notebooks": reports}, indent=2))
    return worst


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``leakguard`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "run":
        return _run(args)
    if args.command == "check":
        from leakguard.static.command import run as check

        return check(args)
    if args.command == "export":
        from leakguard.export.command import run as export

        return export(args)
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
