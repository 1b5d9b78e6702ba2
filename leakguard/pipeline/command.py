"""The ``leakguard export`` command: arguments, the report, exit status."""

from __future__ import annotations

import argparse
import json

EXIT_OK, EXIT_REFUSED, EXIT_ERROR = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``leakguard export``."""
    parser.add_argument("notebook", help="the notebook (.ipynb) or script (.py, percent-format) to export")
    parser.add_argument("-o", "--output-dir", default="pipelines",
                        help="folder of the pipelines (default: pipelines); the module goes to DIR/NAME/v<N>.py")
    parser.add_argument("--name", help="the pipeline's name (default: the notebook's file name)")
    parser.add_argument("--drop-leaky", action="store_true",
                        help="remove cells with leakage findings instead of refusing (fails if what remains "
                             "cannot produce the artifacts)")
    parser.add_argument("--output", action="append", default=[], metavar="NAME", dest="outputs",
                        help="also export what makes the value NAME, and return it (repeatable)")
    parser.add_argument("--diff", action="store_true",
                        help="show what would change from the latest version; write nothing")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    """Run the export; 0 exported (or unchanged), 1 refused for leakage findings, 2 any other problem."""
    from leakguard.pipeline.api import export

    result = export(args.notebook, output_dir=args.output_dir, name=args.name, drop_leaky=args.drop_leaky,
                    outputs=tuple(args.outputs), diff=args.diff)
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.text())
    if result.ok:
        return EXIT_OK
    return EXIT_REFUSED if result.status == "refused" else EXIT_ERROR
