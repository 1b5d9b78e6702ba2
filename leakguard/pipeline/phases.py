"""The kept statements cut into the pipeline's steps: load → features → train → evaluate.

Steps are contiguous runs of the kept statements in run order (so nothing runs earlier or
later than it did in the notebook): ``load`` ends after the last read of data before
training, ``train`` spans the statements where the final model(s) learn (with the
estimator definitions just before them), ``evaluate`` is what follows. Imports go to the
top of the module. Each step receives the values it uses from earlier steps and returns
the values later steps (or the result) need.
"""

from __future__ import annotations

import ast
import dataclasses

from leakguard.libraries.sklearn.catalog import FACTORIES
from leakguard.pipeline.slicing import END, Plan
from leakguard.pipeline.statements import Stmt

STEPS = ("load", "features", "train", "evaluate")
RESERVED = frozenset({
    "load", "features", "train", "evaluate", "run", "main", "Any", "Path", "lg_runtime", "SOURCE_DIR",
})


@dataclasses.dataclass(slots=True)
class Step:
    """One function of the pipeline: its statements, the values it takes and the values it returns."""

    name: str
    stmts: list[Stmt] = dataclasses.field(default_factory=list)
    takes: list[str] = dataclasses.field(default_factory=list)
    gives: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(slots=True)
class Layout:
    """Module-level imports and the four steps."""

    imports: list[Stmt]
    steps: dict[str, Step]

    def step_of(self, stmt: Stmt) -> Step | None:
        for step in self.steps.values():
            if stmt in step.stmts:
                return step
        return None


def layout(p: Plan) -> Layout:
    """Cut ``p.kept`` into steps and work out what flows between them."""
    body = [s for s in p.kept if not _hoisted(s, p)]
    imports = [s for s in p.kept if _hoisted(s, p)]
    fits = [i for i, s in enumerate(body) if s.fits_model or (any(n in p.models for n in s.changed) and _fits(s))]
    if fits:
        b = fits[0]
        while b > 0 and _estimator_setup(body[b - 1]):
            b -= 1
        c = fits[-1] + 1
    else:
        b = c = len(body)
    reads = [i for i, s in enumerate(body[:b]) if s.reads]
    a = reads[-1] + 1 if reads else 0
    steps = {name: Step(name, part) for name, part in zip(STEPS, (body[:a], body[a:b], body[b:c], body[c:]),
                                                            strict=True)}
    _interfaces(p, steps, {n for s in imports for n in s.defs})
    return Layout(imports, steps)


def _fits(s: Stmt) -> bool:
    return s.node is not None and any(isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)
                                      and c.func.attr in ("fit", "partial_fit") for c in ast.walk(s.node))


def _hoisted(s: Stmt, p: Plan) -> bool:
    """Imports go to the module's top unless they bind a name the module defines or the notebook rebinds."""
    if s.kind != "import":
        return False
    rebound = {n for t in p.kept if t.kind != "import" for n in t.defs}
    star = isinstance(s.node, ast.ImportFrom) and any(a.name == "*" for a in s.node.names)
    return not star and not s.defs & (RESERVED | rebound)


def _estimator_setup(s: Stmt) -> bool:
    """``clf = RandomForestClassifier(...)``: an estimator made just before it learns belongs to training."""
    node = s.node
    if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Call) or s.reads:
        return False
    func = node.value.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name[:1].isupper() or name in FACTORIES


def _interfaces(p: Plan, steps: dict[str, Step], module_names: set[str]) -> None:
    owner: dict[int, int] = {}
    for k, name in enumerate(STEPS):
        for s in steps[name].stmts:
            owner[s.index] = k
    takes: list[dict[str, None]] = [{} for _ in STEPS]
    gives: list[dict[str, None]] = [{} for _ in STEPS]
    for k, name in enumerate(STEPS):
        for s in steps[name].stmts:
            for used, sources in p.deps.get(s.index, {}).items():
                if used in module_names:
                    continue
                for src in sorted(sources):
                    j = owner.get(src)
                    if j is not None and j < k:
                        takes[k][used] = None
                        gives[j][used] = None
    for k, name in enumerate(STEPS):
        for s in steps[name].stmts:
            if s.index in p.metric_of:
                gives[k][p.metric_of[s.index]] = None
    end = p.deps[END]
    for artifact in p.artifacts:
        made = [owner[i] for i in end.get(artifact, set()) if i in owner]
        if made:
            gives[max(made)][artifact] = None
    first: dict[str, tuple[int, int]] = {}
    for s in p.stmts:  # where each name is first made: statement, then position in it
        for pos, n in enumerate([*_stores(s), *sorted(s.changed)]):
            first.setdefault(n, (s.index, pos))
    for k, name in enumerate(STEPS):  # in the order the notebook first made them
        steps[name].takes = sorted(takes[k], key=lambda n: (first.get(n, (1 << 30, 0)), n))
        steps[name].gives = sorted(gives[k], key=lambda n: (first.get(n, (1 << 30, 0)), n))


def _stores(s: Stmt) -> list[str]:
    """Names a statement binds, in source order."""
    if s.node is None:
        return []
    found = [n for n in ast.walk(s.node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
    return [n.id for n in sorted(found, key=lambda n: (n.lineno, n.col_offset))]
