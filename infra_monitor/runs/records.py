"""Runs of the scheduler, parsed once at the edge into frozen records.

A GraphQL ``Run`` becomes a :class:`RunRecord`; the same record round-trips through the JSON
lines stored in the bucket, so every later step (metrics, alerts, exports) reads one shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from infra_monitor.gleaner import facts

# Tag set on every run the monitor launches itself, so it never counts as a harvest.
MONITOR_OWNER_TAG = "infra_monitor/owner"

TERMINAL_STATUSES = frozenset({"SUCCESS", "FAILURE", "CANCELED"})
IN_PROGRESS_STATUSES = frozenset({"STARTING", "STARTED", "CANCELING"})
QUEUED_STATUSES = frozenset({"QUEUED", "NOT_STARTED", "MANAGED"})
ALL_STATUSES = (
    "QUEUED",
    "NOT_STARTED",
    "MANAGED",
    "STARTING",
    "STARTED",
    "SUCCESS",
    "FAILURE",
    "CANCELING",
    "CANCELED",
)


@dataclass(frozen=True)
class RunRecord:
    """One run of the scheduler, with times as float epoch seconds (UTC)."""

    run_id: str
    job: str
    status: str
    created: float
    started: float | None
    ended: float | None
    updated: float
    source: str | None
    code_location: str | None
    failure_reason: str | None = None
    failure_message: str | None = None
    partition: str | None = None

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to end; None until the run has both."""
        if self.started is None or self.ended is None:
            return None
        return max(0.0, self.ended - self.started)

    @property
    def created_day(self) -> str:
        """The UTC day the run was created (``YYYY-MM-DD``): the storage partition."""
        return utc_day(self.created)

    @property
    def is_terminal(self) -> bool:
        """Whether the run has finished (success, failure or cancel)."""
        return self.status in TERMINAL_STATUSES

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (stored as one line per run)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunRecord:
        """The inverse of :meth:`to_json`; unknown keys are ignored."""
        return cls(
            run_id=str(data["run_id"]),
            job=str(data["job"]),
            status=str(data["status"]),
            created=float(data["created"]),
            started=_opt_float(data.get("started")),
            ended=_opt_float(data.get("ended")),
            updated=float(data["updated"]),
            source=data.get("source"),
            code_location=data.get("code_location"),
            failure_reason=data.get("failure_reason"),
            failure_message=data.get("failure_message"),
            partition=data.get("partition"),
        )


def utc_day(ts: float) -> str:
    """``YYYY-MM-DD`` of an epoch timestamp, in UTC."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def iso_utc(ts: float | None) -> str:
    """An ISO-8601 UTC string (``2024-01-02T03:04:05Z``), or empty for None."""
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def source_of(job: str, tags: Mapping[str, str]) -> str | None:
    """The harvested source: the partition tag, else a ``source`` tag, else a legacy job name."""
    for key in (facts.PARTITION_TAG, facts.SOURCE_TAG):
        value = (tags.get(key) or "").strip()
        if value:
            return value
    return facts.source_from_job_name(job)


def parse_run(node: Mapping[str, Any]) -> tuple[RunRecord, dict[str, str]]:
    """Parse one GraphQL ``Run`` node into its record and its tags (used to exclude own runs)."""
    tags = {str(t["key"]): str(t["value"]) for t in node.get("tags") or ()}
    job = str(node.get("jobName") or node.get("pipelineName") or "")
    origin = node.get("repositoryOrigin") or {}
    created = float(node["creationTime"])
    status = str(node["status"])
    record = RunRecord(
        run_id=str(node["runId"]),
        job=job,
        status=status,
        created=created,
        started=_opt_float(node.get("startTime")),
        ended=_opt_float(node.get("endTime")),
        updated=_opt_float(node.get("updateTime")) or created,
        source=source_of(job, tags),
        code_location=origin.get("repositoryLocationName"),
        failure_reason=tags.get(facts.FAILURE_REASON_TAG) if status == "FAILURE" else None,
        partition=tags.get(facts.PARTITION_TAG),
    )
    return record, tags


def is_monitor_run(
    record: RunRecord, tags: Mapping[str, str], exclude_code_locations: tuple[str, ...]
) -> bool:
    """Whether the run is the monitor's own (its code location, or tagged as its own)."""
    if MONITOR_OWNER_TAG in tags:
        return True
    return record.code_location is not None and record.code_location in exclude_code_locations


def _opt_float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)
