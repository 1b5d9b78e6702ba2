"""What each library means, one folder per library, read by every engine and by export.

``libraries/<lib>/catalog.py`` holds the declarative part: which callables read, inspect,
split, fit or score, and the name lists the engines consult (aggregations, order-dependent
methods, row subsets, splitters). Both engines read it: the kernel wraps the entries it lists,
the static checker resolves calls against the same names. Where a library needs code as well
as names, the code sits beside its catalog: ``live.py`` (the kernel's handlers for that
library's values), ``frames.py`` (the library's answers to "what is this value": kind, columns,
rows), ``plan.py`` (reading lazy plans and expressions), ``static.py`` (the static engine's
reading of the same calls). :mod:`leakguard.libraries.registry` is the one list of libraries;
:mod:`leakguard.libraries.api` is what an entry is. See docs/architecture.md, "Teaching
leakguard a new API".
"""
