"""Incremental ingest of the scheduler's runs into the bucket.

The cursor is the newest ``updateTime`` seen. ``updatedAfter`` is exclusive and several runs
can share a second, so each poll asks from ``cursor - BOUNDARY_S`` and drops the runs it already
holds at the same updateTime (remembered in ``IngestState.boundary``): no run at the boundary
is lost, and none is counted twice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

from infra_monitor.clients.scheduler import SchedulerClient
from infra_monitor.runs.records import RunRecord
from infra_monitor.runs.store import IngestState, RunStore

log = logging.getLogger(__name__)

BOUNDARY_S = 1.0
# Reading a failure message costs one event-log query per run (about 0.1 s on a SQLite
# scheduler), so only the newest failures of the last few days get one per poll; older ones
# keep their failure reason tag.
FAILURE_MESSAGES_PER_POLL = 50
FAILURE_MESSAGE_MAX_AGE_S = 3 * 86400.0


@dataclass(frozen=True)
class PollResult:
    """The runs new or changed since the previous poll, and the state after it."""

    changed: list[RunRecord]
    state: IngestState
    fetched: int
    excluded: int
    requests: int


@dataclass(frozen=True)
class IngestResult:
    """What one ingest did."""

    fetched: int
    excluded: int
    inserted: int
    updated: int
    unchanged: int
    days: tuple[str, ...]
    cursor: float | None
    requests: int
    first: bool


def poll_changes(
    client: SchedulerClient,
    state: IngestState,
    *,
    now: float,
    backfill_days: int,
    max_runs: int | None = None,
) -> PollResult:
    """Fetch the runs updated since ``state``; return the changed ones and the next state."""
    before = client.requests_made
    after = state.cursor - BOUNDARY_S if state.cursor is not None else now - backfill_days * 86400
    result = client.fetch_runs(updated_after=after, max_runs=max_runs)
    changed: list[RunRecord] = []
    newest = state.cursor
    seen: dict[str, RunRecord] = {}
    for record in result.records:
        if record.run_id in seen and seen[record.run_id].updated >= record.updated:
            continue
        seen[record.run_id] = record
    for record in seen.values():
        if state.boundary.get(record.run_id) == record.updated:
            continue
        changed.append(record)
    for record in seen.values():
        newest = record.updated if newest is None else max(newest, record.updated)
    if newest is None:
        newest = now - backfill_days * 86400 if state.cursor is None else state.cursor
    edge = newest - BOUNDARY_S
    boundary = {rid: upd for rid, upd in state.boundary.items() if upd > edge}
    boundary.update({r.run_id: r.updated for r in seen.values() if r.updated > edge})
    next_state = IngestState(cursor=newest, boundary=boundary, days=dict(state.days))
    changed.sort(key=lambda r: (r.updated, r.run_id))
    return PollResult(
        changed=changed,
        state=next_state,
        fetched=len(result.records),
        excluded=result.excluded,
        requests=client.requests_made - before,
    )


def ingest_runs(
    client: SchedulerClient,
    run_store: RunStore,
    *,
    backfill_days: int,
    now: float | None = None,
    failure_messages: bool = True,
) -> IngestResult:
    """Poll the scheduler for changed runs and upsert them into the bucket's day objects."""
    now = time.time() if now is None else now
    state = run_store.load_state()
    first = state.cursor is None
    before = client.requests_made
    poll = poll_changes(client, state, now=now, backfill_days=backfill_days)
    changed = poll.changed
    if failure_messages:
        changed = _add_failure_messages(client, changed, now - FAILURE_MESSAGE_MAX_AGE_S)
    upsert = run_store.upsert(changed, poll.state)
    run_store.save_state(poll.state)
    log.info(
        "ingested %d changed runs (%d new, %d updated) from %d fetched",
        len(changed),
        upsert.inserted,
        upsert.updated,
        poll.fetched,
    )
    return IngestResult(
        fetched=poll.fetched,
        excluded=poll.excluded,
        inserted=upsert.inserted,
        updated=upsert.updated,
        unchanged=upsert.unchanged,
        days=upsert.days,
        cursor=poll.state.cursor,
        requests=client.requests_made - before,
        first=first,
    )


def _add_failure_messages(
    client: SchedulerClient, records: list[RunRecord], since: float
) -> list[RunRecord]:
    """Fill the failure message of recent failed runs (newest first, bounded per poll)."""
    failed = [r.run_id for r in reversed(records) if r.status == "FAILURE" and r.updated >= since]
    wanted = failed[:FAILURE_MESSAGES_PER_POLL]
    if not wanted:
        return records
    messages = client.failure_messages(wanted)
    return [
        replace(r, failure_message=messages[r.run_id]) if r.run_id in messages else r
        for r in records
    ]
