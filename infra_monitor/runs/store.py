"""Run history in the bucket: one JSON-lines object per UTC creation day, plus a small state.

A run's creation time never changes, so a run always lives in the same day object and a
status change rewrites that line instead of adding one. Objects (below the monitor's prefix):

- ``runs/{env}/days/{YYYY-MM-DD}.jsonl`` one RunRecord per line, sorted by creation time;
- ``runs/{env}/state.json`` the ingest cursor and the per-day run counts.

Day objects are written before the state, so a crash in between only makes the next poll
re-read runs it already has, and upserting them again changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from infra_monitor.clients.errors import ObjectNotFound
from infra_monitor.runs.records import RunRecord, utc_day
from infra_monitor.settings import OutputSettings

log = logging.getLogger(__name__)


class TextStore(Protocol):
    """The part of the object store the run history needs."""

    def get_text(self, key: str) -> str:
        """The object's text; raises ObjectNotFound when absent."""
        ...

    def put_text(self, key: str, text: str) -> Any:
        """Write (replace) the object."""
        ...


@dataclass
class IngestState:
    """Where the last ingest stopped: the newest updateTime seen and the runs at that edge."""

    cursor: float | None = None
    # runId -> updateTime of the runs within the boundary margin below ``cursor``.
    boundary: dict[str, float] = field(default_factory=dict)
    days: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"cursor": self.cursor, "boundary": self.boundary, "days": self.days}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IngestState:
        """The inverse of :meth:`to_json`."""
        cursor = data.get("cursor")
        return cls(
            cursor=float(cursor) if cursor is not None else None,
            boundary={str(k): float(v) for k, v in (data.get("boundary") or {}).items()},
            days={str(k): int(v) for k, v in (data.get("days") or {}).items()},
        )


@dataclass(frozen=True)
class UpsertResult:
    """What an upsert changed."""

    inserted: int
    updated: int
    unchanged: int
    days: tuple[str, ...]


class RunStore:
    """The run history of one environment in the bucket."""

    def __init__(self, store: TextStore, output: OutputSettings, env: str) -> None:
        self.store = store
        self.output = output
        self.env = env

    @property
    def state_key(self) -> str:
        """The key of the ingest state object."""
        return self.output.key("runs", self.env, "state.json")

    def day_key(self, day: str) -> str:
        """The key of one day's runs."""
        return self.output.key("runs", self.env, "days", f"{day}.jsonl")

    def load_state(self) -> IngestState:
        """The stored ingest state, or an empty one before the first ingest."""
        try:
            return IngestState.from_json(json.loads(self.store.get_text(self.state_key)))
        except ObjectNotFound:
            return IngestState()

    def save_state(self, state: IngestState) -> None:
        """Write the ingest state (after the day objects it describes)."""
        self.store.put_text(self.state_key, json.dumps(state.to_json(), sort_keys=True))

    def read_day(self, day: str) -> dict[str, RunRecord]:
        """One day's runs by runId (empty when the day has none)."""
        try:
            text = self.store.get_text(self.day_key(day))
        except ObjectNotFound:
            return {}
        runs: dict[str, RunRecord] = {}
        for line in text.splitlines():
            if line.strip():
                record = RunRecord.from_json(json.loads(line))
                runs[record.run_id] = record
        return runs

    def write_day(self, day: str, runs: dict[str, RunRecord]) -> None:
        """Replace one day's object with ``runs``, sorted by creation time."""
        ordered = sorted(runs.values(), key=lambda r: (r.created, r.run_id))
        text = "".join(json.dumps(r.to_json(), sort_keys=True) + "\n" for r in ordered)
        self.store.put_text(self.day_key(day), text)

    def upsert(self, records: Iterable[RunRecord], state: IngestState) -> UpsertResult:
        """Insert new runs and replace changed ones, day by day; updates ``state.days``."""
        by_day: dict[str, list[RunRecord]] = {}
        for record in records:
            by_day.setdefault(record.created_day, []).append(record)
        inserted = updated = unchanged = 0
        touched: list[str] = []
        for day in sorted(by_day):
            existing = self.read_day(day)
            changed = False
            for record in by_day[day]:
                old = existing.get(record.run_id)
                if (
                    old is not None
                    and record.failure_message is None
                    and old.failure_message
                    and old.status == record.status
                ):
                    record = _with_message(record, old.failure_message)
                if old is None:
                    inserted += 1
                elif old == record or old.updated > record.updated:
                    unchanged += 1
                    continue
                else:
                    updated += 1
                existing[record.run_id] = record
                changed = True
            if changed:
                self.write_day(day, existing)
                touched.append(day)
            state.days[day] = len(existing)
        return UpsertResult(inserted, updated, unchanged, tuple(touched))

    def read_since(self, since: float, now: float) -> list[RunRecord]:
        """Every stored run created from ``since``'s UTC day to ``now``'s, oldest first."""
        state = self.load_state()
        records: list[RunRecord] = []
        for day in days_between(since, now):
            if state.days and day not in state.days:
                continue
            records.extend(self.read_day(day).values())
        records.sort(key=lambda r: (r.created, r.run_id))
        return records


def days_between(start: float, end: float) -> list[str]:
    """The UTC days (``YYYY-MM-DD``) from ``start``'s to ``end``'s, inclusive."""
    first = datetime.fromtimestamp(start, UTC).date()
    last = datetime.fromtimestamp(end, UTC).date()
    days = []
    while first <= last:
        days.append(first.isoformat())
        first += timedelta(days=1)
    return days


def _with_message(record: RunRecord, message: str) -> RunRecord:
    from dataclasses import replace

    return replace(record, failure_message=message)


__all__ = ["IngestState", "RunStore", "TextStore", "UpsertResult", "days_between", "utc_day"]
