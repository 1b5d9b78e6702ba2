"""The static engine: notebooks and scripts → lineage events, without running them (``leakguard check``).

The entry point is :func:`leakguard.static.engine.check_path`; it reads a file
(``sources``), interprets its cells abstractly (``interp``, ``calls``, ``models``),
feeds the same :class:`~leakguard.lineage.graph.LineageGraph` and rules the kernel uses,
and returns a :class:`~leakguard.static.engine.FileReport`.
"""
