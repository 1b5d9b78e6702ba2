"""The ``leakguard`` command line."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from leakguard._version import __version__
from leakguard.finding import SEVERITY_ORDER

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# optional dependency (top-level module) → the extra that installs it (pyproject.toml, README)
EXTRAS = {"nbclient": "lab", "ipykernel": "lab", "jupyter_client": "lab", "jupyterlab": "lab",
          "sklearn": "sklearn", "pyspark": "spark", "pyarrow": "spark", "polars": "polars"}
RUN_NEEDS = ("nbclient", "jupyter_client", "ipykernel")  # `leakguard run` starts a real Jupyter kernel


def missing_dependency(modules: Sequence[str]) -> str | None:
    """One line naming the extra to install when one of ``modules`` is not installed, else None."""
    absent = [m for m in modules if _absent(m)]
    if not absent:
        return None
    extras = sorted({EXTRAS.get(m, "all") for m in absent})
    install = " ".join(f"'leakguard[{e}]'" for e in extras)
    return f"needs {', '.join(absent)}, which {'is' if len(absent) == 1 else 'are'} not installed: pip install {install}"


def _absent(module: str) -> bool:
    if sys.modules.get(module, ...) is None:  # blocked on purpose: importing it fails
        return True
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):
        return True


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
    run.add_argument("-v", "--verbose", action="store_true", help="each finding's explanation and fix, not only its title")
    check = sub.add_parser("check", help="find leakage in notebooks and scripts without running them (a CI gate)")
    from leakguard.faces.check import add_arguments

    add_arguments(check)
    from leakguard.pipeline.command import add_arguments as export_arguments

    export_arguments(sub.add_parser("export", help="turn a notebook's clean cells into a versioned pipeline module"))
    return parser


def _finding_line(f: dict[str, Any], verbose: bool) -> str:
    """One finding of ``leakguard run``'s text output: one line (title), with ``-v`` its detail and fix."""
    line = f["where"].get("line")
    title = f.get("title") or f.get("message", "")  # kernels older than titles send only the message
    blocked = " (blocked)" if f.get("blocked") else ""
    out = f"    {f['severity']} [{f['rule']}]" + (f" line {line}" if line else "") + f": {title}{blocked}"
    if verbose:
        if f.get("detail"):
            out += f"\n      {f['detail']}"
        if f.get("hint"):
            out += f"\n      fix: {f['hint']}"
    return out


def _run(args: argparse.Namespace) -> int:
    if problem := missing_dependency(RUN_NEEDS):
        print(f"leakguard run: {problem}", file=sys.stderr)
        return EXIT_ERROR
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
                print(_finding_line(f, args.verbose))
            for note in cell.notes:
                print(f"    note: {note}")
            if cell.error:
                # block mode's LeakageError repeats the findings above: its first line is enough
                shown = cell.error.splitlines()[0] if cell.error_name == "LeakageError" else cell.error
                print(f"    {'blocked' if cell.error_name == 'LeakageError' else 'error'}: {shown}")
    if args.format == "json":
        print(json.dumps({"version": 1, "notebooks": reports}, indent=2))
    return worst


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``leakguard`` command; returns the exit status.

    Exit 1 means findings, so leakguard's own failure must never end as Python's default
    exit 1 with a traceback: it is one line and exit 2 (``LEAKGUARD_DEBUG=1`` shows the traceback).
    """
    args = _parser().parse_args(argv)
    try:
        return _command(args)
    except KeyboardInterrupt:
        print(f"leakguard {args.command}: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as exc:
        top = (exc.name or "").partition(".")[0]
        if top not in EXTRAS:
            return _internal(args.command, exc)
        print(f"leakguard {args.command}: {missing_dependency([top])}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        return _internal(args.command, exc)


def _internal(command: str, exc: BaseException) -> int:
    if os.environ.get("LEAKGUARD_DEBUG"):
        traceback.print_exception(exc)
    print(f"leakguard {command}: internal error ({type(exc).__name__}: {str(exc)[:300]}); "
          "run with LEAKGUARD_DEBUG=1 for the traceback", file=sys.stderr)
    return EXIT_ERROR


def _command(args: argparse.Namespace) -> int:
    if args.command == "run":
        return _run(args)
    if args.command == "check":
        from leakguard.faces.check import run as check

        return check(args)
    if args.command == "export":
        from leakguard.pipeline.command import run as export

        return export(args)
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
