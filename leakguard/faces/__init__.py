"""The faces: what users see and touch, over the engines.

``cli.py`` (the ``leakguard`` command), ``check.py`` (``leakguard check``: files in, reports and an
exit status out), ``report.py`` (text, JSON and SARIF reports), ``display.py`` (findings under a cell),
``comm.py`` and ``export_request.py`` (the JupyterLab sidebar's comm and its export requests),
``widgets/`` (the ipywidgets panel). The ``leakguard`` API itself is the package's ``__init__.py``.
"""
