"""Leakage rules: plain functions ``(graph, event) -> findings``, listed in ``registry.RULES``."""
