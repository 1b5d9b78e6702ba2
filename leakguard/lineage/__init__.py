"""Events, row domains and the lineage graph: the one model behind every face."""

from leakguard.lineage.domain import ALL, HOLDOUT, NONE, TRAIN, UNKNOWN, Rows, join
from leakguard.lineage.events import (
    Derive,
    Evaluate,
    Event,
    Fit,
    Inspect,
    NodeId,
    Query,
    Read,
    Split,
    SplitPart,
    Where,
)
from leakguard.lineage.graph import LineageGraph, Node

__all__ = [
    "ALL", "HOLDOUT", "NONE", "TRAIN", "UNKNOWN", "Derive", "Evaluate", "Event", "Fit", "Inspect",
    "LineageGraph", "Node", "NodeId", "Query", "Read", "Rows", "Split", "SplitPart", "Where", "join",
]
