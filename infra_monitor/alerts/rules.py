"""Alert rules: turn run records, the backlog, code-location and health states into conditions.

Each function returns the conditions that hold now; the state machine (``state.py``) decides
what to send. Keys are stable across ticks so an alert fires once and resolves once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from infra_monitor.alerts.state import Condition
from infra_monitor.metrics.runs import BACKLOG_OK, Backlog
from infra_monitor.runs.records import RunRecord, iso_utc
from infra_monitor.settings import FailureThresholds

FAILED_RUNS = "failed_runs"
CONSECUTIVE = "consecutive_failures"
BACKLOG = "backlog"
LONG_RUNNING = "long_running"
CODE_LOCATION = "code_location"
HEALTH = "health"
SCHEDULER_API = "scheduler_api"
RED_STATES = frozenset({"red", "down", "unhealthy", "fail", "failed", "error", "critical"})


@dataclass(frozen=True)
class Streak:
    """Consecutive failures of one source, up to its latest finished run."""

    count: int
    since: float
    last_end: float
    last_run: str

    def to_json(self) -> list[Any]:
        """Compact form for the sensor cursor."""
        return [self.count, self.since, self.last_end, self.last_run]

    @classmethod
    def from_json(cls, data: list[Any]) -> Streak:
        """The inverse of :meth:`to_json`."""
        return cls(int(data[0]), float(data[1]), float(data[2]), str(data[3]))


def update_streaks(
    streaks: Mapping[str, Streak], last_end: Mapping[str, float], records: Iterable[RunRecord]
) -> tuple[dict[str, Streak], dict[str, float]]:
    """Fold newly finished runs into the per-source failure streaks.

    ``last_end`` holds, per source, the end time of the last run counted, so a run seen again
    (its update time changed) is not counted twice. Only failing sources keep a streak.
    """
    out = dict(streaks)
    ends = dict(last_end)
    finished = [r for r in records if r.source and r.status in ("SUCCESS", "FAILURE")]
    for r in sorted(finished, key=lambda r: (r.ended or r.updated, r.run_id)):
        source = str(r.source)
        end = r.ended or r.updated
        if end <= ends.get(source, float("-inf")):
            continue
        ends[source] = end
        if r.status == "SUCCESS":
            out.pop(source, None)
        else:
            old = out.get(source)
            out[source] = Streak(
                (old.count if old else 0) + 1, old.since if old else end, end, r.run_id
            )
    return out, ends


def failed_run_conditions(
    failures: Iterable[RunRecord],
    thresholds: FailureThresholds,
    *,
    now: float,
    run_url: Any,
    source_url: Any = None,
) -> list[Condition]:
    """At least N failures within the window: overall, per job and per source."""
    start = now - thresholds.window_minutes * 60
    recent = sorted(
        (r for r in failures if r.status == "FAILURE" and (r.ended or r.updated) > start),
        key=lambda r: r.ended or r.updated,
    )
    window = f"{thresholds.window_minutes} min"
    conditions: list[Condition] = []

    def add(key: str, scope: str, runs: list[RunRecord], limit: int, severity: str) -> None:
        if len(runs) < limit:
            return
        newest = runs[-1]
        links = tuple((f"run {r.run_id[:8]}", run_url(r.run_id)) for r in runs[-5:])
        if source_url is not None and key.startswith(f"{FAILED_RUNS}:source:") and runs[0].source:
            links += ((f"runs of {runs[0].source}", source_url(runs[0].source)),)
        sources = sorted({r.source or "?" for r in runs})
        conditions.append(
            Condition(
                key=key,
                rule=FAILED_RUNS,
                title=f"{len(runs)} failed runs in {window} ({scope})",
                summary=(
                    f"{len(runs)} runs failed within {window} ({scope}; threshold {limit}). "
                    f"Latest: {newest.job} for {newest.source or '?'} at {iso_utc(newest.ended)}"
                    + (f": {newest.failure_reason}" if newest.failure_reason else "")
                ),
                since=runs[0].ended or runs[0].updated,
                severity=severity,
                links=links,
                details=(("sources", ", ".join(sources[:20])), ("threshold", str(limit))),
            )
        )

    add(f"{FAILED_RUNS}:overall", "all jobs", recent, thresholds.overall, "critical")
    by_job: dict[str, list[RunRecord]] = {}
    by_source: dict[str, list[RunRecord]] = {}
    for r in recent:
        by_job.setdefault(r.job, []).append(r)
        if r.source:
            by_source.setdefault(r.source, []).append(r)
    for job, runs in sorted(by_job.items()):
        add(f"{FAILED_RUNS}:job:{job}", f"job {job}", runs, thresholds.per_job, "warning")
    for source, runs in sorted(by_source.items()):
        add(
            f"{FAILED_RUNS}:source:{source}",
            f"source {source}",
            runs,
            thresholds.per_source,
            "warning",
        )
    return conditions


def consecutive_conditions(
    streaks: Mapping[str, Streak], limit: int, *, run_url: Any, source_url: Any = None
) -> list[Condition]:
    """K consecutive failures of one source."""
    return [
        Condition(
            key=f"{CONSECUTIVE}:{source}",
            rule=CONSECUTIVE,
            title=f"{source}: {s.count} consecutive failed harvests",
            summary=f"The last {s.count} harvests of {source} failed (threshold {limit}).",
            since=s.since,
            severity="critical",
            links=(("last failed run", run_url(s.last_run)),)
            + (((f"runs of {source}", source_url(source)),) if source_url else ()),
            details=(("source", source), ("consecutive failures", str(s.count))),
        )
        for source, s in sorted(streaks.items())
        if s.count >= limit
    ]


def backlog_conditions(level: Backlog, *, now: float, since: float | None) -> list[Condition]:
    """The queue backlog at LOW or worse; a level change re-fires (the variant)."""
    if level.level == BACKLOG_OK:
        return []
    return [
        Condition(
            key=BACKLOG,
            rule=BACKLOG,
            title=f"queue backlog {level.level}",
            summary=(
                f"{level.queued} queued runs for {level.active_sources} active sources "
                f"(ratio {level.ratio:.2f}: {level.level})."
            ),
            since=since if since is not None else now,
            severity="critical" if level.level in ("HIGH", "CRITICAL") else "warning",
            variant=level.level,
        )
    ]


def long_running_conditions(
    runs: Iterable[RunRecord], minutes: int, *, now: float, run_url: Any
) -> list[Condition]:
    """Runs in progress for longer than the threshold."""
    return [
        Condition(
            key=f"{LONG_RUNNING}:{r.run_id}",
            rule=LONG_RUNNING,
            title=f"run of {r.job} ({r.source or '?'}) running since {iso_utc(r.started)}",
            summary=(
                f"Run {r.run_id} of {r.job} for {r.source or '?'} started at {iso_utc(r.started)} "
                f"and is still {r.status} (threshold {minutes} min)."
            ),
            since=r.started or now,
            links=(("run", run_url(r.run_id)),),
        )
        for r in runs
    ]


def code_location_conditions(
    locations: Iterable[Any], *, now: float, ui_url: str
) -> list[Condition]:
    """Code locations of the scheduler that failed to load (``LocationStatus`` items)."""
    return [
        Condition(
            key=f"{CODE_LOCATION}:{loc.name}",
            rule=CODE_LOCATION,
            title=f"code location {loc.name} failed to load",
            summary=f"The scheduler cannot load code location {loc.name}: {loc.error[:500]}",
            since=now,
            severity="critical",
            links=(("deployment", f"{ui_url}/locations"),),
        )
        for loc in locations
        if loc.error
    ]


def health_conditions(latest: Mapping[str, Mapping[str, Any]], *, now: float) -> list[Condition]:
    """Services whose latest health check is red (from the health history)."""
    conditions = []
    for service, entry in sorted(latest.items()):
        status = str(entry.get("status", "")).lower()
        if status not in RED_STATES:
            continue
        detail = str(entry.get("detail") or entry.get("message") or entry.get("error") or "")
        conditions.append(
            Condition(
                key=f"{HEALTH}:{service}",
                rule=HEALTH,
                title=f"{service} health check is red",
                summary=f"{service} is {status}" + (f": {detail[:300]}" if detail else "."),
                since=_float(entry.get("since") or entry.get("checked_at") or entry.get("ts"), now),
                severity="critical",
            )
        )
    return conditions


def scheduler_api_condition(error: str, *, now: float, ui_url: str) -> Condition:
    """The scheduler's GraphQL API itself failed this tick."""
    return Condition(
        key=SCHEDULER_API,
        rule=SCHEDULER_API,
        title="scheduler GraphQL API unreachable",
        summary=f"The monitor cannot read the scheduler's runs: {error[:500]}",
        since=now,
        severity="critical",
        links=(("scheduler", ui_url),),
    )


def _float(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default
