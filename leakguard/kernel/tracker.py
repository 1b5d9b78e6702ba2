"""Weak identity: which lineage node a live object is, without keeping the object alive."""

from __future__ import annotations

import weakref
from typing import Any

from leakguard.lineage.events import NodeId


class Tracker:
    """Maps live objects (by weak reference) to lineage nodes, and nodes back to live objects."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[weakref.ref[Any], NodeId]] = {}
        self._by_node: dict[NodeId, weakref.ref[Any]] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def node_of(self, obj: object) -> NodeId | None:
        """The node ``obj`` is registered as, if it is the very object registered."""
        entry = self._by_id.get(id(obj))
        if entry is None or entry[0]() is not obj:
            return None
        return entry[1]

    def object_of(self, node: NodeId) -> Any | None:
        """The live object registered for ``node``, or None when it is gone (or never was)."""
        ref = self._by_node.get(node)
        return None if ref is None else ref()

    def register(self, obj: object, node: NodeId) -> bool:
        """Remember that ``obj`` is ``node``; False for objects that cannot be weakly referenced."""
        key = id(obj)
        by_id, by_node = self._by_id, self._by_node

        def forget(ref: weakref.ref[Any], key: int = key, node: NodeId = node) -> None:
            entry = by_id.get(key)
            if entry is not None and entry[0] is ref:
                del by_id[key]
            if by_node.get(node) is ref:
                del by_node[node]

        try:
            ref = weakref.ref(obj, forget)
        except TypeError:
            return False
        old = by_id.get(key)
        if old is not None and old[0]() is obj and by_node.get(old[1]) is old[0]:
            # the object moves to a new node; its old node keeps no live object
            by_node[old[1]] = old[0]
        by_id[key] = (ref, node)
        by_node[node] = ref
        return True

    def clear(self) -> None:
        """Forget everything."""
        self._by_id.clear()
        self._by_node.clear()
