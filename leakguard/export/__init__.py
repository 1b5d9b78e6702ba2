"""``leakguard export``: a notebook's clean cells become a versioned, importable, self-validating pipeline module.

``export(notebook)`` slices the notebook from its final artifacts (the fitted model, the
files written, values named with ``outputs``), refuses cells with leakage findings (or drops
them with ``drop_leaky=True``), and writes ``pipelines/<name>/v<N>.py`` with its lock file
``v<N>.lock.json``. See docs/export.md.

``leakguard.export`` is both this package and the API function ``leakguard.export(...)``:
once the package is imported it takes the function's place as an attribute of ``leakguard``,
so the package is callable and does what the function does.

This module stays light: exported pipelines import :mod:`leakguard.export.runtime`.
"""

from __future__ import annotations

import os
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leakguard.export.api import ExportResult

__all__ = ["ExportResult", "export"]


def export(notebook: str | os.PathLike[str], output_dir: str | os.PathLike[str] = "pipelines",
           **options: Any) -> ExportResult:
    """Export ``notebook`` (options: see :func:`leakguard.export.api.export`)."""
    from leakguard.export.api import export as _export

    return _export(notebook, output_dir=output_dir, **options)


class _CallablePackage(types.ModuleType):
    """``leakguard.export(...)`` keeps working after ``import leakguard.export.<module>`` replaced the function."""

    def __call__(self, notebook: str | os.PathLike[str], output_dir: str | os.PathLike[str] = "pipelines",
                 **options: Any) -> ExportResult:
        return export(notebook, output_dir, **options)


def __getattr__(name: str) -> Any:
    if name == "ExportResult":
        from leakguard.export.api import ExportResult

        return ExportResult
    raise AttributeError(name)


sys.modules[__name__].__class__ = _CallablePackage
