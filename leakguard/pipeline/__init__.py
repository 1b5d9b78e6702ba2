"""``leakguard export``: a notebook's clean cells become a versioned, importable, self-validating pipeline module.

The entry point is the plain function ``leakguard.export(notebook)`` (:func:`leakguard.pipeline.api.export`):
it slices the notebook from its final artifacts (the fitted model, the files written, values
named with ``outputs``), refuses cells with leakage findings (or drops them with
``drop_leaky=True``), and writes ``pipelines/<name>/v<N>.py`` with its lock file
``v<N>.lock.json``. See docs/export.md.

This package stays light: exported pipelines import :mod:`leakguard.pipeline.runtime`.
"""
