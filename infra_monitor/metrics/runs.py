"""Job metrics of the scheduler's runs: per job and per source over 24 h / 7 d / 30 d (UTC).

A run belongs to a window when it was created inside it. Rates are over finished runs
(success, failure, cancel); durations are over runs that have both a start and an end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from infra_monitor.metrics.windows import WINDOWS, in_window, percentile
from infra_monitor.runs.records import (
    IN_PROGRESS_STATUSES,
    QUEUED_STATUSES,
    TERMINAL_STATUSES,
    RunRecord,
)

# The old dashboard's queue backlog levels: queued runs per active source.
BACKLOG_LEVELS: tuple[tuple[float, str], ...] = (
    (3.0, "CRITICAL"),
    (2.0, "HIGH"),
    (1.5, "MEDIUM"),
    (1.0, "LOW"),
)
BACKLOG_OK = "OK"
BACKLOG_ORDER = ("OK", "LOW", "MEDIUM", "HIGH", "CRITICAL")
UNKNOWN_SOURCE = "(none)"


@dataclass(frozen=True)
class GroupStats:
    """Counts, rates and durations of one group of runs."""

    runs: int
    by_status: dict[str, int]
    success_rate: float | None
    failure_rate: float | None
    p50_s: float | None
    p95_s: float | None
    max_s: float | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "runs": self.runs,
            "by_status": dict(sorted(self.by_status.items())),
            "success_rate": self.success_rate,
            "failure_rate": self.failure_rate,
            "p50_s": self.p50_s,
            "p95_s": self.p95_s,
            "max_s": self.max_s,
        }


@dataclass(frozen=True)
class WindowMetrics:
    """All groups of one window."""

    overall: GroupStats
    by_job: dict[str, GroupStats]
    by_source: dict[str, GroupStats]


@dataclass(frozen=True)
class Backlog:
    """Queued runs per active source and its level."""

    queued: int
    active_sources: int
    ratio: float
    level: str


@dataclass(frozen=True)
class SourceLast:
    """The last success and last failure of one source (epoch seconds) and their runs."""

    source: str
    last_success: float | None
    last_success_run: str | None
    last_failure: float | None
    last_failure_run: str | None


@dataclass(frozen=True)
class RunMetrics:
    """Everything the job-metrics asset shows."""

    now: float
    windows: dict[str, WindowMetrics]
    last_by_source: dict[str, SourceLast]
    stale_sources: list[str]
    running: int
    queued: int
    backlog: Backlog
    long_running: list[RunRecord] = field(default_factory=list)


def group_stats(records: Iterable[RunRecord]) -> GroupStats:
    """Counts by status, success/failure rates of finished runs, duration percentiles."""
    runs = list(records)
    by_status = Counter(r.status for r in runs)
    finished = sum(by_status[s] for s in TERMINAL_STATUSES)
    durations = [d for r in runs if r.is_terminal and (d := r.duration_s) is not None]
    return GroupStats(
        runs=len(runs),
        by_status=dict(by_status),
        success_rate=by_status["SUCCESS"] / finished if finished else None,
        failure_rate=by_status["FAILURE"] / finished if finished else None,
        p50_s=percentile(durations, 50),
        p95_s=percentile(durations, 95),
        max_s=max(durations) if durations else None,
    )


def window_metrics(records: Sequence[RunRecord], now: float, length_s: float) -> WindowMetrics:
    """Overall, per-job and per-source stats of the runs created in ``(now - length_s, now]``."""
    inside = [r for r in records if in_window(r.created, now, length_s)]
    jobs: dict[str, list[RunRecord]] = {}
    sources: dict[str, list[RunRecord]] = {}
    for r in inside:
        jobs.setdefault(r.job, []).append(r)
        sources.setdefault(r.source or UNKNOWN_SOURCE, []).append(r)
    return WindowMetrics(
        overall=group_stats(inside),
        by_job={k: group_stats(v) for k, v in sorted(jobs.items())},
        by_source={k: group_stats(v) for k, v in sorted(sources.items())},
    )


def backlog_level(ratio: float) -> str:
    """LOW >= 1, MEDIUM >= 1.5, HIGH >= 2, CRITICAL >= 3 queued runs per active source."""
    for threshold, level in BACKLOG_LEVELS:
        if ratio >= threshold:
            return level
    return BACKLOG_OK


def backlog(queued: int, active_sources: int) -> Backlog:
    """The backlog ratio (queued / active sources; with no active source, queued itself)."""
    ratio = queued / active_sources if active_sources > 0 else float(queued)
    return Backlog(queued, active_sources, round(ratio, 3), backlog_level(ratio))


def last_by_source(records: Iterable[RunRecord]) -> dict[str, SourceLast]:
    """The last success and failure of every source (by end time, else update time)."""
    best: dict[str, dict[str, tuple[float, str]]] = {}
    for r in records:
        if r.source is None or r.status not in ("SUCCESS", "FAILURE"):
            continue
        at = r.ended if r.ended is not None else r.updated
        slot = best.setdefault(r.source, {})
        if r.status not in slot or at > slot[r.status][0]:
            slot[r.status] = (at, r.run_id)
    result = {}
    for source, slot in sorted(best.items()):
        ok, bad = slot.get("SUCCESS"), slot.get("FAILURE")
        result[source] = SourceLast(
            source,
            ok[0] if ok else None,
            ok[1] if ok else None,
            bad[0] if bad else None,
            bad[1] if bad else None,
        )
    return result


def stale_sources(
    last: dict[str, SourceLast], sources: Iterable[str], now: float, days: int
) -> list[str]:
    """Sources with no successful harvest within ``days`` (never harvested included)."""
    limit = now - days * 86400
    stale = []
    for source in sorted(set(sources)):
        entry = last.get(source)
        if entry is None or entry.last_success is None or entry.last_success <= limit:
            stale.append(source)
    return stale


def long_running(records: Iterable[RunRecord], now: float, minutes: int) -> list[RunRecord]:
    """In-progress runs started more than ``minutes`` ago, longest first."""
    limit = now - minutes * 60
    found = [
        r
        for r in records
        if r.status in IN_PROGRESS_STATUSES and r.started is not None and r.started < limit
    ]
    return sorted(found, key=lambda r: r.started or 0.0)


def compute_metrics(
    records: Sequence[RunRecord],
    now: float,
    *,
    active_sources: Iterable[str] | None = None,
    stale_days: int = 14,
    long_running_minutes: int = 360,
) -> RunMetrics:
    """All job metrics of ``records`` at ``now``.

    ``active_sources`` (from the inventory) are the sources checked for staleness and the
    backlog's denominator; without them, every source seen in the runs counts as active.
    """
    seen_sources = {r.source for r in records if r.source}
    active = set(active_sources) if active_sources is not None else seen_sources
    last = last_by_source(records)
    queued = sum(1 for r in records if r.status in QUEUED_STATUSES)
    running = sum(1 for r in records if r.status in IN_PROGRESS_STATUSES)
    return RunMetrics(
        now=now,
        windows={name: window_metrics(records, now, length) for name, length in WINDOWS.items()},
        last_by_source=last,
        stale_sources=stale_sources(last, active, now, stale_days),
        running=running,
        queued=queued,
        backlog=backlog(queued, len(active)),
        long_running=long_running(records, now, long_running_minutes),
    )
