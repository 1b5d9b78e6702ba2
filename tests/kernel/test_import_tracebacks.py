"""A module that fails while it is imported shows its own error, not leakguard's import hook.

leakguard wraps the loader of modules it wraps once they are imported (``leakguard/kernel/patching.py``);
an error of the module's own code passes through that loader and must not show its frames.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

import leakguard
from leakguard.kernel.patching import _PostImportFinder

PACKAGE = str(Path(leakguard.__file__).parent)


@pytest.fixture
def modules(tmp_path: Path) -> Iterator[Path]:
    """Modules ``lg_broken`` (raises on import) and ``lg_fine`` on ``sys.path``."""
    (tmp_path / "lg_broken.py").write_text("x = 1\nraise ValueError('broken on import')\n")
    (tmp_path / "lg_fine.py").write_text("x = 1\n")
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("lg_broken", "lg_fine"):
            sys.modules.pop(name, None)


def _import_error_frames(finder: _PostImportFinder | None) -> list[tuple[str, str]]:
    """(file, function) of each frame of the error importing ``lg_broken``, with ``finder`` watching or none."""
    if finder is not None:
        sys.meta_path.insert(0, finder)
    try:
        with pytest.raises(ValueError, match="broken on import") as err:
            import lg_broken  # noqa: F401
    finally:
        if finder is not None:
            sys.meta_path.remove(finder)
        sys.modules.pop("lg_broken", None)
    return [(frame.filename, frame.name) for frame in traceback.extract_tb(err.value.__traceback__)]


def test_error_of_a_watched_module_import_reads_as_without_leakguard(modules: Path) -> None:
    imported: list[str] = []
    watched = _import_error_frames(_PostImportFinder({"lg_broken"}, imported.append))
    plain = _import_error_frames(None)
    assert not any(f.startswith(PACKAGE) for f, _ in watched), watched
    assert watched == plain
    assert imported == []  # leakguard hears of a module only once it executed without error


def test_watched_module_still_gets_its_callback(modules: Path) -> None:
    """The negative twin: a module that imports cleanly is reported to leakguard as before."""
    imported: list[str] = []
    finder = _PostImportFinder({"lg_fine"}, imported.append)
    sys.meta_path.insert(0, finder)
    try:
        import lg_fine
    finally:
        sys.meta_path.remove(finder)
    assert lg_fine.x == 1 and imported == ["lg_fine"]
