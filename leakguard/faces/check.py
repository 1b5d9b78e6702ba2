"""``leakguard check PATH...``: gather files, check them (in parallel), print, and choose the exit status.

Exit status: 2 for a usage error, when a report or baseline cannot be written, when any file
could not be read or checked, or when nothing was checked at all; else 1 when a finding reaches
``--fail-on`` and 0 when none does. A file that cannot be checked is reported on its own line
and does not hide the others' reports; a readable file with nothing to check (no code cells,
another kernel language) is skipped and does not change the status.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

from leakguard.finding import SEVERITY_ORDER
from leakguard.static.engine import FileReport, check_path

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SUFFIXES = (".ipynb", ".py")
SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".ipynb_checkpoints",
                       "site-packages", ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache", "build", "dist"})
SERIAL_BELOW = 8


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``check`` subcommand's options."""
    parser.add_argument("paths", nargs="+", help=".ipynb notebooks, .py scripts (plain or # %% cells), directories")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    parser.add_argument("--fail-on", choices=("info", "warning", "error"), default="warning",
                        help="exit 1 when a finding of this severity or worse is found (default: warning)")
    parser.add_argument("-o", "--output", help="write the report to this file instead of standard output")
    parser.add_argument("--baseline", help="a baseline file: findings listed in it are not reported")
    parser.add_argument("--write-baseline", metavar="FILE", help="write the current findings as a baseline and exit 0")
    parser.add_argument("-j", "--jobs", type=int, default=0, help="parallel processes (default: one per CPU)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="skip files whose path matches GLOB (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true", help="also print each finding's detail, fix and provenance, and the notes (what could not be resolved)")


def iter_files(paths: Sequence[str], exclude: Sequence[str] = ()) -> Iterator[tuple[Path, str | None]]:
    """Files to check, in a stable order: ``(path, None)``, or ``(path, message)`` when the path is unusable."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found: list[Path] = []
            unreadable: list[OSError] = []
            for root, dirs, files in os.walk(path, onerror=unreadable.append):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                found.extend(Path(root) / f for f in files if f.endswith(SUFFIXES))
            for f in sorted(found):
                if not any(f.match(g) for g in exclude):
                    yield f, None
            for exc in unreadable:  # a folder that cannot be listed hides its files: say so
                folder = Path(exc.filename) if exc.filename else path
                if not any(folder.match(g) for g in exclude):
                    yield folder, f"cannot read the folder: {exc.strerror or exc}"
        elif path.exists():
            if not any(path.match(g) for g in exclude):
                yield path, None
        else:
            yield path, "no such file or directory"


def _check(path: str) -> FileReport:
    return check_path(Path(path))


def _check_located(path: str) -> FileReport:
    return check_path(Path(path), locate=True)


def check_all(files: Sequence[Path], jobs: int = 0,
              progress: Callable[[int, int], None] | None = None, *, locate: bool = False) -> list[FileReport]:
    """Check ``files`` (in parallel when there are many), in input order."""
    total = len(files)
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    if workers == 1 or total < SERIAL_BELOW:
        out = []
        for i, f in enumerate(files, start=1):
            out.append(check_path(f, locate=locate))
            if progress:
                progress(i, total)
        return out
    work = _check_located if locate else _check
    return _in_processes(files, work, min(workers, total), progress)


def _in_processes(files: Sequence[Path], work: Callable[[str], FileReport], workers: int,
                  progress: Callable[[int, int], None] | None) -> list[FileReport]:
    """Check ``files`` in a pool of processes; a worker that dies outright costs only its own file.

    A worker can die without an exception (a crash in an extension module, the out-of-memory
    killer). The pool is then broken and every pending result lost, so the files not reported yet
    are checked again one at a time in a single-worker pool: the file whose check kills that
    worker gets an error report of its own, and the run goes on with the others.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    total = len(files)
    results: dict[int, FileReport] = {}

    def done(i: int, report: FileReport) -> None:
        results[i] = report
        if progress:
            progress(len(results), total)

    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(work, str(f)): i for i, f in enumerate(files)}
            for fut in as_completed(futures):
                done(futures[fut], fut.result())
    except BrokenProcessPool:
        pending = [i for i in range(total) if i not in results]
        pool = ProcessPoolExecutor(max_workers=1)
        try:
            for i in pending:
                try:
                    done(i, pool.submit(work, str(files[i])).result())
                except BrokenProcessPool:
                    done(i, FileReport(files[i], error="the checker's process died while checking this file "
                                                       "(a crash, not a finding); the other files were checked"))
                    pool.shutdown(wait=False)
                    pool = ProcessPoolExecutor(max_workers=1)
        finally:
            pool.shutdown(wait=True)
    return [results[i] for i in range(total)]


class Progress:
    """A one-line progress bar on a terminal's standard error."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        self.stream.write(f"\rleakguard check [{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        if done == total:
            self.stream.write("\r" + " " * (width + 40) + "\r")
        self.stream.flush()


def _errors(reports: Sequence[FileReport], err: TextIO) -> None:
    """One line on standard error per file that could not be checked (when the report went elsewhere)."""
    from leakguard.faces.report import one_line

    for r in reports:
        if r.failed and r.error is not None:
            print(f"leakguard check: {one_line(r.path.as_posix())}: {one_line(r.error)}", file=err)


def run(args: argparse.Namespace, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run ``leakguard check`` with parsed arguments; returns the exit status."""
    from leakguard.faces import report as fmt
    from leakguard.static.reading.suppress import read_baseline, write_baseline

    out, err = stdout or sys.stdout, stderr or sys.stderr
    files: list[Path] = []
    missing: list[FileReport] = []
    for path, problem in iter_files(args.paths, args.exclude):
        if problem is None:
            files.append(path)
        else:
            missing.append(FileReport(path, error=problem))
    known: set[str] = set()
    if args.baseline:
        try:
            known = read_baseline(Path(args.baseline))
        except ValueError as exc:
            print(f"leakguard check: {exc}", file=err)
            return EXIT_ERROR
    show_progress = not args.no_progress and len(files) > 1 and err.isatty()
    reports = check_all(files, args.jobs, Progress(err) if show_progress else None,
                        locate=args.format == "sarif") + missing
    if known:
        for r in reports:
            kept = [f for f in r.findings if f.fingerprint not in known]
            r.suppressed += len(r.findings) - len(kept)
            r.findings = kept
    if args.write_baseline:
        try:
            write_baseline(Path(args.write_baseline), (
                {"path": r.path.as_posix(), "rule": f.rule, "fingerprint": f.fingerprint, "cell": f.cell,
                 "line": f.line} for r in reports for f in r.findings))
        except OSError as exc:
            print(f"leakguard check: cannot write the baseline {fmt.one_line(args.write_baseline)}: "
                  f"{exc.strerror or exc}", file=err)
            return EXIT_ERROR
        n = sum(len(r.findings) for r in reports)
        print(f"leakguard check: wrote {n} finding(s) to {fmt.one_line(args.write_baseline)}", file=err)
        _errors(reports, err)
        return EXIT_CLEAN if any(r.checked for r in reports) and not any(r.failed for r in reports) else EXIT_ERROR
    if args.format == "json":
        text = fmt.json_text(reports)
    elif args.format == "sarif":
        text = json.dumps(fmt.sarif(reports), indent=2, ensure_ascii=False)
    else:
        text = fmt.text(reports, verbose=args.verbose)
    if args.output:
        try:
            Path(args.output).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            print(f"leakguard check: cannot write the report to {fmt.one_line(args.output)}: "
                  f"{exc.strerror or exc}", file=err)
            return EXIT_ERROR
    else:
        print(text, file=out)
    if args.format != "text" or args.output:
        _errors(reports, err)
    if not any(r.checked for r in reports):
        print("leakguard check: " + ("nothing could be checked" if reports else "no notebooks or scripts found"),
              file=err)
        return EXIT_ERROR
    if any(r.failed for r in reports):
        return EXIT_ERROR
    threshold = SEVERITY_ORDER[args.fail_on]
    failing = any(SEVERITY_ORDER[f.severity] >= threshold for r in reports for f in r.findings)
    return EXIT_FINDINGS if failing else EXIT_CLEAN
