"""Time windows (computed in UTC epoch seconds) and percentile maths for run metrics."""

from __future__ import annotations

import math
from collections.abc import Sequence

# name -> length in seconds; windows end "now" and are open at the start: (now - length, now].
WINDOWS: dict[str, float] = {"24h": 86400.0, "7d": 7 * 86400.0, "30d": 30 * 86400.0}


def window_start(now: float, name: str) -> float:
    """The (exclusive) start of the named window ending at ``now``."""
    return now - WINDOWS[name]


def in_window(ts: float | None, now: float, length_s: float) -> bool:
    """Whether ``ts`` lies in ``(now - length_s, now]``."""
    return ts is not None and now - length_s < ts <= now


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation (numpy's default); None if empty."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    fraction = rank - low
    return float(ordered[low] + (ordered[high] - ordered[low]) * fraction)
