"""sql: what its API means to leakguard (catalog entries and, where needed, engine adapters)."""
