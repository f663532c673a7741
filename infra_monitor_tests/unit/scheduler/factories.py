"""Test helpers: run records, GraphQL run nodes and an in-memory text store."""

from __future__ import annotations

from typing import Any

from infra_monitor.clients.errors import ObjectNotFound
from infra_monitor.runs.records import RunRecord

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def run(
    run_id: str,
    *,
    status: str = "SUCCESS",
    job: str = "summon_and_release_job",
    source: str | None = "src_a",
    created: float = T0,
    started: float | None = None,
    ended: float | None = None,
    updated: float | None = None,
    code_location: str | None = "scheduler",
    failure_reason: str | None = None,
) -> RunRecord:
    """A RunRecord with sensible defaults (start = created + 1, end = start + 60 when finished)."""
    if started is None and status not in ("QUEUED", "NOT_STARTED"):
        started = created + 1
    if ended is None and status in ("SUCCESS", "FAILURE", "CANCELED") and started is not None:
        ended = started + 60
    return RunRecord(
        run_id=run_id,
        job=job,
        status=status,
        created=created,
        started=started,
        ended=ended,
        updated=updated if updated is not None else (ended or started or created),
        source=source,
        code_location=code_location,
        failure_reason=failure_reason,
        partition=source,
    )


def node(
    run_id: str,
    *,
    job: str = "summon_and_release_job",
    status: str = "SUCCESS",
    tags: dict[str, str] | None = None,
    created: float = T0,
    updated: float | None = None,
    location: str | None = "scheduler",
) -> dict[str, Any]:
    """A GraphQL Run node as the API returns it."""
    return {
        "runId": run_id,
        "jobName": job,
        "status": status,
        "creationTime": created,
        "startTime": created + 1,
        "endTime": created + 61 if status in ("SUCCESS", "FAILURE") else None,
        "updateTime": updated if updated is not None else created + 61,
        "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()],
        "repositoryOrigin": {"repositoryLocationName": location} if location else None,
    }


class MemoryStore:
    """An in-memory stand-in for the object store's text API (unit tests only)."""

    def __init__(self) -> None:
        self.objects: dict[str, str] = {}
        self.puts = 0
        self.gets = 0

    def get_text(self, key: str) -> str:
        """The object's text or ObjectNotFound."""
        self.gets += 1
        if key not in self.objects:
            raise ObjectNotFound(f"memory://{key}", "NoSuchKey")
        return self.objects[key]

    def put_text(self, key: str, text: str, content_type: str = "text/plain") -> str:
        """Store the text."""
        self.puts += 1
        self.objects[key] = text
        return "etag"
