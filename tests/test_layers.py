"""The package's layers hold: no module imports a layer above its own, and no new import cycle between packages.

Layers, bottom up (issue 14): the core (policy, findings, lineage, rules, catalog: no engine
or face above them), SQL analysis, the engines (kernel, static, export's pipeline, the SQL
guard's kernel side), the faces (the ``leakguard`` API, CLI, widgets, the comm protocol, the
kernel's comm, display, magics, extension). Every import counts: module level, inside a
function, under ``TYPE_CHECKING``. Today's exceptions are listed below; both lists may only
shrink (an entry that is no longer needed fails too, so the fix removes it).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "leakguard"

# a library's adapters for the engines sit beside its catalog (leakguard/libraries/<lib>/): engine layer
LIBRARY_ENGINES = tuple(
    f"leakguard.libraries.{lib}.{part}" for lib, parts in {
        "pandas": ("static",), "polars": ("live", "frames", "plan", "split", "static"),
        "spark": ("live", "frames", "plan", "ml", "static", "static_ml"),
    }.items() for part in parts)

# bottom up; a module belongs to the layer of its longest matching prefix
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ("leakguard.errors", "leakguard.tracebacks", "leakguard.finding", "leakguard.policy",
              "leakguard._version", "leakguard.libraries", "leakguard.lineage", "leakguard.rules", "leakguard.splitting",
              "leakguard._hooks")),
    ("sql analysis", ("leakguard.sql",)),
    ("engines", ("leakguard.kernel", "leakguard.static", "leakguard.pipeline", "leakguard.runner", *LIBRARY_ENGINES,
                 "leakguard.sql.guard", "leakguard.sql.kernel", "leakguard.sql.lineage", "leakguard.sql.state",
                 "leakguard.sql.magic", "leakguard.sql.sqlite_guard", "leakguard.sql.duckframes")),
    ("faces", ("leakguard", "leakguard.faces", "leakguard.protocol", "leakguard.kernel.magics",
               "leakguard.kernel.extension")),
)

# (importer, imported) pairs that go up a layer today
UPWARD_ALLOWED: frozenset[tuple[str, str]] = frozenset({
    ("leakguard.kernel.session", "leakguard.faces.display"),  # the session shows each cell's findings
    ("leakguard.splitting", "leakguard.kernel.frames"),  # which library a frame is from
    ("leakguard.sql.sqlite_guard", "leakguard.kernel.extension"),  # whether leakguard is loaded
})

# groups of packages (leakguard.<name>) that import each other today, cycles included
CYCLES_ALLOWED: frozenset[frozenset[str]] = frozenset({
    frozenset({"leakguard", "leakguard.kernel", "leakguard.pipeline", "leakguard.runner", "leakguard.splitting",
               "leakguard.sql", "leakguard.static", "leakguard.faces", "leakguard._hooks",
               # the static engine's library readers and the interpreter core call each other (one cycle
               # inside leakguard/static before the move to libraries/; now visible, to be cut)
               "leakguard.libraries.pandas.static", "leakguard.libraries.polars.static",
               "leakguard.libraries.spark.static", "leakguard.libraries.spark.static_ml"}),
    frozenset({"leakguard.finding", "leakguard.lineage", "leakguard.rules", "leakguard.errors",
               "leakguard.policy"}),
})

def _lib(name: str) -> str:
    return name if name.startswith("leakguard") else f"leakguard.libraries.{name}"


# the imports between packages inside those groups: a new one is a new way round a cycle
_K, _S = "leakguard.kernel", "leakguard.static"
CYCLE_EDGES_ALLOWED: frozenset[tuple[str, str]] = frozenset({
    ("leakguard", "leakguard._hooks"), ("leakguard", _K), ("leakguard", "leakguard.pipeline"),
    ("leakguard", "leakguard.splitting"), ("leakguard", "leakguard.faces"),
    ("leakguard._hooks", "leakguard.splitting"),
    (_K, "leakguard._hooks"), (_K, "leakguard.splitting"),
    (_K, "leakguard.sql"),
    ("leakguard.pipeline", _S),
    ("leakguard.runner", _S),
    ("leakguard.splitting", "leakguard._hooks"), ("leakguard.splitting", _K),
    ("leakguard.sql", _K),
    (_S, "leakguard.runner"), (_S, "leakguard.splitting"), (_S, "leakguard.sql"),
    # the faces: the API module, the CLI and the check command, the sidebar's comm, the panel
    ("leakguard.faces", "leakguard"), ("leakguard.faces", "leakguard._hooks"), ("leakguard.faces", _K),
    ("leakguard.faces", "leakguard.pipeline"), ("leakguard.faces", "leakguard.runner"), ("leakguard.faces", _S),
    (_K, "leakguard.faces"),
    ("leakguard.errors", "leakguard.finding"), ("leakguard.finding", "leakguard.lineage"),
    ("leakguard.lineage", "leakguard.finding"), ("leakguard.lineage", "leakguard.policy"),
    ("leakguard.lineage", "leakguard.rules"), ("leakguard.policy", "leakguard.errors"),
    ("leakguard.rules", "leakguard.finding"), ("leakguard.rules", "leakguard.lineage"),
    *((_lib(a), _lib(b)) for a, bs in {
        _S: ("pandas.static", "polars.static", "spark.static", "spark.static_ml"),
        "pandas.static": (_S,), "polars.static": (_S, "pandas.static", "spark.static"),
        "spark.static": (_S, "pandas.static", "spark.static_ml"), "spark.static_ml": (_S,),
    }.items() for b in bs),
})


def modules() -> dict[str, Path]:
    """``{"leakguard.kernel.session": path, ...}`` for every module of the package."""
    found: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The leakguard modules ``name`` imports, wherever the import statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            # `from leakguard import _hooks` imports the module leakguard._hooks
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for written in targets:
            target = written
            while target and target not in known:  # `import leakguard.kernel.session.X` names a module's attribute
                target = target.rpartition(".")[0]
            if target.startswith("leakguard"):
                yield target


def layer(name: str) -> int:
    """The index of the layer of ``name`` (its longest matching prefix)."""
    best, length = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > length:
                best, length = index, len(prefix)
    assert best >= 0, f"{name} is in no layer: add it to LAYERS"
    return best


def edges() -> set[tuple[str, str]]:
    known = modules()
    return {(name, target) for name, path in known.items() for target in imports(name, path, known)
            if target != name}


def package_of(name: str) -> str:
    """``leakguard.kernel`` for its modules; under ``leakguard.libraries`` each module counts alone
    (a library's catalog is core, its engine adapters are engines: one folder, two layers)."""
    return name if name.startswith("leakguard.libraries.") else ".".join(name.split(".")[:2])


def cyclic_groups(pairs: set[tuple[str, str]]) -> set[frozenset[str]]:
    """The strongly connected groups (more than one package) of the package graph."""
    graph: dict[str, set[str]] = {}
    for a, b in pairs:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    reach = {start: _reachable(graph, start) for start in graph}
    groups = {frozenset(n for n in graph if n in reach[start] and start in reach[n]) | {start}
              for start in graph}
    return {g for g in groups if len(g) > 1}


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_every_module_has_a_layer() -> None:
    for name in modules():
        layer(name)


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = {(a, b) for a, b in edges() if layer(b) > layer(a)}
    new = sorted(upward - UPWARD_ALLOWED)
    assert not new, "imports up a layer (move the shared code down, or pass it in): " + ", ".join(
        f"{a} -> {b} ({LAYERS[layer(a)][0]} -> {LAYERS[layer(b)][0]})" for a, b in new)
    gone = sorted(UPWARD_ALLOWED - upward)
    assert not gone, f"no longer imported: remove from UPWARD_ALLOWED: {gone}"
    assert len(UPWARD_ALLOWED) == 3  # only ever lowered


def test_no_new_import_cycle_between_packages() -> None:
    groups = cyclic_groups({(package_of(a), package_of(b)) for a, b in edges()
                            if package_of(a) != package_of(b)})
    new = [sorted(g) for g in groups if not any(g <= allowed for allowed in CYCLES_ALLOWED)]
    assert not new, f"a new import cycle between packages: {new}"
    stale = [sorted(a) for a in CYCLES_ALLOWED if a not in groups]
    assert not stale, f"a cycle shrank or went: update CYCLES_ALLOWED to today's groups: {stale}"


def test_no_new_import_between_packages_that_import_each_other() -> None:
    pairs = {(package_of(a), package_of(b)) for a, b in edges() if package_of(a) != package_of(b)}
    inside = {(a, b) for a, b in pairs for g in cyclic_groups(pairs) if a in g and b in g}
    new = sorted(inside - CYCLE_EDGES_ALLOWED)
    assert not new, f"a new import inside a cycle of packages (pass the value in, or move it down): {new}"
    gone = sorted(CYCLE_EDGES_ALLOWED - inside)
    assert not gone, f"no longer imported: remove from CYCLE_EDGES_ALLOWED: {gone}"
    assert len(CYCLE_EDGES_ALLOWED) == 44  # only ever lowered


def test_the_checks_see_function_local_and_relative_imports(tmp_path: Path) -> None:
    module = tmp_path / "leakguard" / "static" / "probe.py"
    module.parent.mkdir(parents=True)
    module.write_text("def f():\n    from leakguard.faces.comm import find_export\n"
                      "    from ..faces.widgets import panel\n    from leakguard import _hooks\n", encoding="utf-8")
    known = {**modules(), "leakguard.static.probe": module}
    found = set(imports("leakguard.static.probe", module, known))
    assert found == {"leakguard.faces.comm", "leakguard.faces.widgets.panel", "leakguard._hooks"}
    assert layer("leakguard.faces.comm") > layer("leakguard.static.probe")  # so it would fail the layer test
    assert cyclic_groups({("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")}) == {frozenset({"a", "b", "c"})}


# Imports of leakguard's own modules written inside a function body, per module (keys without the
# ``leakguard.`` prefix; "" is the package's API module). Each one is a way round an import cycle or a
# deliberately lazy load (the API module and the CLI keep ``import leakguard`` light); a new one hides
# a cycle the layer tests above cannot see at import time. Third-party lazy imports (optional
# libraries: polars, pyspark, nbclient...) are not counted. Counts may only shrink (issue 14).
LOCAL_IMPORTS_ALLOWED: dict[str, int] = {
    "faces.check": 3, "faces.cli": 5, "faces.export_request": 1, "faces.widgets.panel": 3,
    "": 11, "_hooks": 1, "kernel.calls": 1, "kernel.evidence": 2,
    "kernel.extension": 4, "kernel.features": 1, "kernel.folds": 2, "kernel.frames": 3, "kernel.handlers": 5,
    "kernel.modelling": 2, "kernel.session": 2, "kernel.splits": 1, "kernel.stacking": 1, "lineage.inference": 1,
    "libraries.pandas.static": 1, "libraries.polars.frames": 3, "libraries.polars.live": 5,
    "libraries.polars.static": 6, "libraries.spark.frames": 2, "libraries.spark.live": 4, "libraries.spark.ml": 2,
    "libraries.spark.static": 2, "pipeline.api": 10, "pipeline.command": 1, "pipeline.notebook": 6,
    "pipeline.params": 1, "pipeline.worker": 1, "protocol.schema": 1, "runner": 1, "splitting": 2, "sql": 1,
    "sql.guard": 3, "sql.sqlite_guard": 2, "static.dataops": 8, "static.engine": 1,
    "static.evaluation": 3, "static.models": 1, "static.sqlbridge": 6,
}


def local_imports(path: Path) -> int:
    """How many imports of leakguard's own modules sit inside a function body of ``path``."""
    inside: set[int] = set()
    for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("leakguard")):
                    inside.add(id(node))
                elif isinstance(node, ast.Import) and any(a.name.startswith("leakguard") for a in node.names):
                    inside.add(id(node))
    return len(inside)


def test_function_local_imports_of_leakguard_modules_only_shrink() -> None:
    found = {name.removeprefix("leakguard").removeprefix("."): n for name, path in modules().items()
             if (n := local_imports(path))}
    grown = sorted(f"leakguard.{k}".rstrip(".") + f": {n} (allowed {LOCAL_IMPORTS_ALLOWED.get(k, 0)})"
                   for k, n in found.items() if n > LOCAL_IMPORTS_ALLOWED.get(k, 0))
    assert not grown, ("a new function-local import of a leakguard module (import at the top, pass the value in, "
                       "or move the shared code down a layer): " + ", ".join(grown))
    shrunk = sorted(k for k, n in LOCAL_IMPORTS_ALLOWED.items() if found.get(k, 0) < n)
    assert not shrunk, f"fewer function-local imports now: lower LOCAL_IMPORTS_ALLOWED for {shrunk}"
    assert sum(LOCAL_IMPORTS_ALLOWED.values()) <= 122  # only ever lowered


def test_local_import_count_sees_nested_and_relative_imports(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text("import leakguard.kernel\nfrom leakguard import policy\n"
                      "def f():\n    from leakguard.faces import comm\n    import pandas\n"
                      "    def g():\n        from ..faces import panel\n", encoding="utf-8")
    assert local_imports(module) == 2  # f's and g's; module-level and third-party ones are not counted
