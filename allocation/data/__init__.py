"""Layer 1: the data. Registers and mergers (:mod:`~allocation.data.registers`), the
built-in keys (:mod:`~allocation.data.keys`) and user keys from CSV
(:mod:`~allocation.data.key_csv`). The files themselves are in the top-level ``data/``."""
