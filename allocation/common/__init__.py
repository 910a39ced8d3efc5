"""Layer 0: what every layer shares: the error types and how amounts are written in texts."""
