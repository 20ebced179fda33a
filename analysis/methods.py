"""Names of the gridding methods (no heavy imports: the command line reads them at start)."""

__all__ = ["DEFAULT_CANDIDATES", "METHODS", "NEEDS_DRIVES"]

METHODS = ("nearest", "linear", "idw", "rbf", "kriging", "trend", "road")
DEFAULT_CANDIDATES = ("nearest", "linear", "idw", "kriging", "road")
"""What ``auto`` chooses from: ``rbf`` and ``trend`` lost on every data set we measured
(benchmarks/RESULTS.md) and cost time; name them explicitly to try them. ``road`` (road-aligned
kriging with a drive effect) is chosen only when the samples have drives and both
leave-one-drive-out and blocked CV support it (see ``analysis.crossval.select_method``)."""

#: Methods that need the drive of each sample, and are chosen only by leave-one-drive-out.
NEEDS_DRIVES = ("road",)
