"""torch: what its API means to leakguard (catalog entries)."""
