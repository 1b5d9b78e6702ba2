"""``python -m leakguard.pipeline.worker NOTEBOOK RESULT [--drop-leaky] [--name NAME]``: one export, in a process of its own.

The sidebar's export runs here rather than in the kernel: export runs the notebook's load
step to hash and profile its inputs, and that is the notebook's own code; the kernel must
never run code because of a browser message. The result (``ExportResult.to_dict()``) goes to
the file RESULT, not to stdout, which the notebook's code may print to.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Export, write the result as JSON to RESULT; 0 when the result was written, 2 when it could not be."""
    parser = argparse.ArgumentParser(prog="python -m leakguard.pipeline.worker")
    parser.add_argument("notebook")
    parser.add_argument("result")
    parser.add_argument("--drop-leaky", action="store_true")
    parser.add_argument("--name")
    args = parser.parse_args(argv)
    # started with -P from the notebook's folder: its modules come last, after the standard library and
    # installed packages, so the notebook's own helpers resolve without shadowing anything
    sys.path.append(os.getcwd())
    try:
        from leakguard.pipeline.api import export

        payload = export(args.notebook, drop_leaky=args.drop_leaky, name=args.name).to_dict()
    except Exception as exc:  # export reports what it can; anything else is still one answer for the kernel
        payload = {"status": "error", "ok": False, "files": [], "reasons": [f"{type(exc).__name__}: {exc}"],
                   "blocking": [], "cells": []}
    temporary = f"{args.result}.tmp"
    with open(temporary, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, default=str)
    os.replace(temporary, args.result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
