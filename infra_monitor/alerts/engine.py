"""One alerting tick for one environment: gather conditions, advance the state machine, deliver.

Everything a tick reads is bounded whatever the history size: the runs updated since the last
tick (usually one request), the failures within the threshold window, the runs in progress or
queued, the workspace's code locations and today's health history. The state carried between
ticks (:class:`TickCursor`) stays small: active alerts, pending notifications, recently
delivered keys, failure streaks of failing sources and the last finished run per recent source.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from infra_monitor.alerts import rules
from infra_monitor.alerts.state import (
    AlertState,
    Condition,
    Delivery,
    Notification,
    deliver_pending,
    evaluate,
)
from infra_monitor.clients.errors import ObjectNotFound, ObjectStoreError, ServiceError
from infra_monitor.clients.scheduler import SchedulerClient
from infra_monitor.health.history import history_key, parse_lines
from infra_monitor.health.records import parse_iso
from infra_monitor.inventory.snapshot import read_active_source_names
from infra_monitor.metrics.runs import backlog, long_running
from infra_monitor.runs.ingest import poll_changes
from infra_monitor.runs.records import IN_PROGRESS_STATUSES, QUEUED_STATUSES
from infra_monitor.runs.store import IngestState
from infra_monitor.settings import EnvironmentSettings

log = logging.getLogger(__name__)

CURSOR_VERSION = 1
SOURCE_MEMORY_S = 7 * 86400.0
MAX_RUNS_PER_POLL = 5000
DELIVERY_BUDGET_S = 20.0


class BucketReader(Protocol):
    """What a tick reads from the monitor's bucket (the inventory and the health history)."""

    def get_text(self, key: str) -> str:
        """The object's text; ObjectNotFound when absent."""
        ...


@dataclass
class TickCursor:
    """The state carried from one tick to the next (serialised into the sensor cursor)."""

    alerts: AlertState = field(default_factory=AlertState)
    runs: IngestState = field(default_factory=IngestState)
    streaks: dict[str, rules.Streak] = field(default_factory=dict)
    last_end: dict[str, float] = field(default_factory=dict)
    backlog_since: float | None = None

    def dumps(self) -> str:
        """Compact JSON for the sensor cursor."""
        return json.dumps(
            {
                "v": CURSOR_VERSION,
                "alerts": self.alerts.to_json(),
                "runs": {"cursor": self.runs.cursor, "boundary": self.runs.boundary},
                "streaks": {k: s.to_json() for k, s in self.streaks.items()},
                "ends": self.last_end,
                "backlog_since": self.backlog_since,
            },
            separators=(",", ":"),
        )

    @classmethod
    def loads(cls, text: str | None) -> TickCursor:
        """Read a cursor written by :meth:`dumps`; a fresh one for None or an old version."""
        if not text:
            return cls()
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("v") != CURSOR_VERSION:
            log.warning("alert cursor of an unknown version ignored")
            return cls()
        runs = data.get("runs") or {}
        return cls(
            alerts=AlertState.from_json(data.get("alerts")),
            runs=IngestState.from_json(runs),
            streaks={k: rules.Streak.from_json(v) for k, v in (data.get("streaks") or {}).items()},
            last_end={k: float(v) for k, v in (data.get("ends") or {}).items()},
            backlog_since=data.get("backlog_since"),
        )


@dataclass(frozen=True)
class TickResult:
    """What a tick found and did."""

    conditions: list[Condition]
    notifications: list[Notification]
    deliveries: list[Delivery]
    errors: list[str]
    requests: int
    seconds: float
    pending: int

    def summary(self) -> str:
        """One line for the sensor's skip reason and logs."""
        ok = sum(1 for d in self.deliveries if d.ok)
        failed = len(self.deliveries) - ok
        text = (
            f"{len(self.conditions)} alerts active, {len(self.notifications)} new notifications, "
            f"{ok} delivered, {failed} failed, {self.pending} pending"
        )
        if self.errors:
            text += "; errors: " + "; ".join(self.errors)
        return text


def run_tick(
    env: EnvironmentSettings,
    cursor: TickCursor,
    *,
    client: SchedulerClient,
    senders: Mapping[str, Callable[[Notification], None]],
    bucket: BucketReader | None = None,
    now: float | None = None,
) -> TickResult:
    """Evaluate every rule of ``env`` and deliver what is due; updates ``cursor`` in place."""
    started = time.monotonic()
    now = time.time() if now is None else now
    before = client.requests_made
    conditions: list[Condition] = []
    evaluated: set[str] = set()
    errors: list[str] = []
    try:
        conditions += _run_conditions(env, cursor, client, bucket, now)
        evaluated |= {rules.FAILED_RUNS, rules.CONSECUTIVE, rules.BACKLOG, rules.LONG_RUNNING}
        conditions += rules.code_location_conditions(
            client.code_locations(), now=now, ui_url=client.ui_url
        )
        evaluated.add(rules.CODE_LOCATION)
        evaluated.add(rules.SCHEDULER_API)
    except ServiceError as exc:
        errors.append(str(exc))
        conditions.append(rules.scheduler_api_condition(exc.reason, now=now, ui_url=client.ui_url))
        evaluated.add(rules.SCHEDULER_API)
    if bucket is not None:
        try:
            conditions += rules.health_conditions(latest_health(bucket, env, now), now=now)
            evaluated.add(rules.HEALTH)
        except (ObjectStoreError, ValueError) as exc:
            errors.append(f"health history: {exc}")
    notifications = evaluate(
        cursor.alerts,
        conditions,
        evaluated_rules=evaluated,
        now=now,
        renotify_s=env.alerts.renotify_minutes * 60.0,
        channels=list(senders),
    )
    deadline = time.monotonic() + DELIVERY_BUDGET_S
    deliveries = deliver_pending(
        cursor.alerts, senders, now=now, budget=lambda: time.monotonic() < deadline
    )
    return TickResult(
        conditions=conditions,
        notifications=notifications,
        deliveries=deliveries,
        errors=errors,
        requests=client.requests_made - before,
        seconds=time.monotonic() - started,
        pending=len(cursor.alerts.pending),
    )


def _run_conditions(
    env: EnvironmentSettings,
    cursor: TickCursor,
    client: SchedulerClient,
    bucket: BucketReader | None,
    now: float,
) -> list[Condition]:
    thresholds = env.alerts.failed_runs
    window_s = thresholds.window_minutes * 60.0
    state = cursor.runs
    if state.cursor is None:
        state = IngestState(cursor=now - window_s)
    poll = poll_changes(client, state, now=now, backfill_days=1, max_runs=MAX_RUNS_PER_POLL)
    if poll.fetched >= MAX_RUNS_PER_POLL:
        log.warning(
            "more than %d runs changed since the last tick; streaks may miss some", poll.fetched
        )
    cursor.runs = IngestState(cursor=poll.state.cursor, boundary=poll.state.boundary)
    cursor.streaks, ends = rules.update_streaks(cursor.streaks, cursor.last_end, poll.changed)
    cursor.last_end = {k: v for k, v in ends.items() if v > now - SOURCE_MEMORY_S}

    failures = client.fetch_runs(updated_after=now - window_s, statuses=["FAILURE"]).records
    live = client.fetch_runs(statuses=sorted(QUEUED_STATUSES | IN_PROGRESS_STATUSES)).records
    queued = sum(1 for r in live if r.status in QUEUED_STATUSES)
    active = active_source_count(bucket, env) if bucket is not None else None
    if active is None:
        active = len(cursor.last_end | {r.source: 0.0 for r in live if r.source})
    level = backlog(queued, active)
    if level.level == "OK":
        cursor.backlog_since = None
    elif cursor.backlog_since is None:
        cursor.backlog_since = now
    slow = long_running(
        [r for r in live if r.status in IN_PROGRESS_STATUSES],
        now,
        env.scheduler.long_running_minutes,
    )
    return [
        *rules.failed_run_conditions(
            failures, thresholds, now=now, run_url=client.run_url, source_url=client.source_runs_url
        ),
        *rules.consecutive_conditions(
            cursor.streaks,
            thresholds.consecutive,
            run_url=client.run_url,
            source_url=client.source_runs_url,
        ),
        *rules.backlog_conditions(level, now=now, since=cursor.backlog_since),
        *rules.long_running_conditions(
            slow, env.scheduler.long_running_minutes, now=now, run_url=client.run_url
        ),
    ]


def active_source_count(bucket: BucketReader, env: EnvironmentSettings) -> int | None:
    """The number of active sources in the inventory written by the inventory asset, if any."""
    names = read_active_source_names(env, bucket)
    return None if names is None else len(names)


def latest_health(
    bucket: BucketReader, env: EnvironmentSettings, now: float
) -> dict[str, dict[str, Any]]:
    """Per service, its latest health entry (today's history, else yesterday's)."""
    today = datetime.fromtimestamp(now, UTC).date()
    for day in (today, today - timedelta(days=1)):
        try:
            text = bucket.get_text(history_key(env.output, env.name, day))
        except ObjectNotFound:
            continue
        snapshots = parse_lines(text)
        if snapshots:
            last = max(snapshots, key=lambda s: s.checked_at)
            return {
                s.service: {
                    "status": s.status,
                    "detail": s.detail,
                    "since": parse_iso(s.checked_at).timestamp() if s.checked_at else now,
                }
                for s in last.services
            }
    return {}


def history_rows(result: TickResult, env: str) -> list[dict[str, Any]]:
    """The alert history lines of one tick: every delivery attempt and every new notification."""
    rows: list[dict[str, Any]] = []
    for n in result.notifications:
        rows.append(
            {
                "event": "created",
                "environment": env,
                "at": n.at,
                "dedupe_key": n.dedupe_key,
                "kind": n.kind,
                "key": n.condition.key,
                "title": n.condition.title,
                "channels": list(n.pending),
            }
        )
    for d in result.deliveries:
        rows.append(
            {
                "event": "delivered" if d.ok else "failed",
                "environment": env,
                "at": d.at,
                "dedupe_key": d.dedupe_key,
                "kind": d.kind,
                "key": d.key,
                "channel": d.channel,
                "error": d.error,
            }
        )
    return rows
