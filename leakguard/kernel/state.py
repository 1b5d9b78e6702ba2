"""Per-session state of the Spark and Polars handlers: typed fields of the :class:`Session`.

Each part holds node ids, small facts and weak references, never data. The modelling
handlers' part is :class:`leakguard.kernel.calls.State` and the SQL guard's
:class:`leakguard.sql.state.SqlState`; the session owns one of each (``s.modelling``,
``s.sql``, ``s.spark``, ``s.polars``), so nothing is kept in tables keyed by the session.
This module imports neither library: the session is made before either is used.
"""

from __future__ import annotations

import dataclasses
import weakref
from typing import TYPE_CHECKING, Any

from leakguard.lineage.events import NodeId

if TYPE_CHECKING:
    from leakguard.libraries.polars import plan as polars_plan
    from leakguard.libraries.spark import plan as spark_plan


@dataclasses.dataclass
class SparkState:
    """Inspection results (node ids), the statements that inspected, recent filters per parent."""

    inspected: set[NodeId] = dataclasses.field(default_factory=set)
    statements: set[tuple[str, int | None, int]] = dataclasses.field(default_factory=set)
    # parent node -> recent filters of it: (result, its node, its condition, the names its statement wrote)
    filters: dict[NodeId, list[tuple[weakref.ref[Any], NodeId, spark_plan.Condition, frozenset[str]]]] = \
        dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class PolarsState:
    """Recent filter results per parent node and their conditions (two complementary ones are a split)."""

    filters: dict[NodeId, list[tuple[weakref.ref[Any], polars_plan.Condition]]] = dataclasses.field(
        default_factory=dict)
