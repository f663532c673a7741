"""The health history in the bucket: JSON lines, one object per environment per day.

Key: ``{output prefix}/health/history/{env}/{YYYY-MM-DD}.jsonl``; each line is one
``HealthSnapshot.to_dict()``. Appending reads the day's object and writes it back whole (S3 has
no append, so the object store client reads and rewrites it); one writer per environment (the
health snapshot asset) keeps that safe.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from infra_monitor.clients.errors import ObjectNotFound, ObjectStoreError
from infra_monitor.health.records import HealthSnapshot, parse_iso
from infra_monitor.metrics.uptime import Sample
from infra_monitor.settings import OutputSettings

log = logging.getLogger(__name__)


class TextStore(Protocol):
    """What the history needs from the object store client."""

    def get_text(self, key: str) -> str:
        """The object's text; raises ObjectNotFound when missing."""
        ...

    def append_jsonl(self, key: str, records: Iterable[Any]) -> int:
        """Append records as JSON lines (the object is created when missing)."""
        ...


def history_key(output: OutputSettings, environment: str, day: date) -> str:
    """The object key of one environment's history for one UTC day."""
    return output.key("health", "history", environment, f"{day.isoformat()}.jsonl")


def _missing(exc: ObjectStoreError) -> bool:
    return isinstance(exc, ObjectNotFound) or exc.status == 404


def read_day(store: TextStore, key: str) -> str:
    """The day's JSON lines, '' when the object does not exist yet."""
    try:
        return store.get_text(key)
    except ObjectStoreError as exc:
        if _missing(exc):
            return ""
        raise


def append_snapshot(store: TextStore, output: OutputSettings, snapshot: HealthSnapshot) -> str:
    """Append one snapshot to its day's history object; returns the key written."""
    day = parse_iso(snapshot.checked_at).astimezone(UTC).date()
    key = history_key(output, snapshot.environment, day)
    store.append_jsonl(key, [snapshot.to_dict()])
    return key


def parse_lines(text: str) -> list[HealthSnapshot]:
    """Snapshots from JSON lines; a broken line is logged and skipped, never fatal."""
    snapshots: list[HealthSnapshot] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            log.warning("health history: line %d is not JSON, skipped", number)
            continue
        if isinstance(data, dict):
            snapshots.append(HealthSnapshot.from_dict(data))
    return snapshots


def read_history(
    store: TextStore,
    output: OutputSettings,
    environment: str,
    *,
    days: int = 7,
    now: datetime | None = None,
) -> list[HealthSnapshot]:
    """Every snapshot of the last ``days`` days (plus today), oldest first."""
    end = (now or datetime.now(UTC)).astimezone(UTC)
    since = end - timedelta(days=days)
    snapshots: list[HealthSnapshot] = []
    day = since.date()
    while day <= end.date():
        snapshots.extend(parse_lines(read_day(store, history_key(output, environment, day))))
        day += timedelta(days=1)
    kept = [s for s in snapshots if s.checked_at and since <= parse_iso(s.checked_at) <= end]
    return sorted(kept, key=lambda s: s.checked_at)


def samples_from(snapshots: list[HealthSnapshot]) -> list[Sample]:
    """Every service record of the snapshots as an uptime sample."""
    return [
        Sample(record.service, record.status, parse_iso(record.checked_at))
        for snapshot in snapshots
        for record in snapshot.services
        if record.checked_at
    ]


def latest_key(output: OutputSettings, environment: str) -> str:
    """Where the environment's latest snapshot is kept (one JSON object, overwritten each run)."""
    return output.key("health", "latest", f"{environment}.json")


def read_latest(
    store: TextStore, output: OutputSettings, environment: str
) -> HealthSnapshot | None:
    """The environment's latest snapshot; None before the first health run."""
    text = read_day(store, latest_key(output, environment))
    if not text.strip():
        return None
    try:
        data = json.loads(text)
    except ValueError:
        log.warning("health latest snapshot of %s is not JSON", environment)
        return None
    return HealthSnapshot.from_dict(data) if isinstance(data, dict) else None
