"""Names of the gridding methods (no heavy imports: the command line reads them at start)."""

__all__ = ["DEFAULT_CANDIDATES", "METHODS"]

METHODS = ("nearest", "linear", "idw", "rbf", "kriging", "trend")
DEFAULT_CANDIDATES = ("nearest", "linear", "idw", "kriging")
"""What ``auto`` chooses from: ``rbf`` and ``trend`` lost on every data set we measured
(benchmarks/RESULTS.md) and cost time; name them explicitly to try them."""
