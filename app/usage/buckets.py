"""Latency buckets shared by the hourly counts and /metrics: upper bounds in milliseconds, the
last bucket open-ended. Percentiles are estimated from bucket counts the way Prometheus'
histogram_quantile does: linearly within the bucket that holds the rank."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

BOUNDS_MS = (10, 25, 50, 100, 250, 500, 750, 1000, 1500, 2500, 5000, 7500, 10_000, 20_000, 60_000)
COUNT = len(BOUNDS_MS) + 1  # usage_hour.lat_0 .. lat_15


def bucket_of(latency_ms: int) -> int:
    return bisect_left(BOUNDS_MS, latency_ms)


def percentile(counts: Sequence[int], fraction: float) -> float | None:
    """The estimated latency under which `fraction` of the counted calls fell; None when none."""
    total = sum(counts)
    if total == 0:
        return None
    rank = fraction * total
    seen = 0
    for index, count in enumerate(counts):
        if count and seen + count >= rank:
            lower = BOUNDS_MS[index - 1] if index else 0
            if index == len(BOUNDS_MS):  # beyond the last bound: all we know is its start
                return float(lower)
            upper = BOUNDS_MS[index]
            return round(lower + (upper - lower) * (rank - seen) / count, 1)
        seen += count
    return float(BOUNDS_MS[-1])
