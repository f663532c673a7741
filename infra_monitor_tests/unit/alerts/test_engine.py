"""One alert tick with a stand-in scheduler: rules, an unreachable API, the cursor's size."""

from __future__ import annotations

from infra_monitor.alerts.engine import TickCursor, run_tick
from infra_monitor.alerts.state import Notification
from infra_monitor.clients.errors import SchedulerApiError
from infra_monitor.clients.scheduler import FetchResult, LocationStatus
from infra_monitor.runs.records import RunRecord
from infra_monitor.settings import (
    AlertSettings,
    EnvironmentSettings,
    FailureThresholds,
    ObjectStoreSettings,
    OutputSettings,
    SchedulerSettings,
)

from ..scheduler.factories import T0, run

NOW = T0 + 86400


def env(per_source: int = 2, consecutive: int = 3) -> EnvironmentSettings:
    return EnvironmentSettings(
        name="prod",
        display_name="Prod",
        object_store=ObjectStoreSettings("http://s3", "us-east-1", "b", None, None, True),
        scheduler=SchedulerSettings("http://sch/graphql", "http://sch"),
        portainer=None,
        triplestore=None,
        output=OutputSettings("b"),
        alerts=AlertSettings(failed_runs=FailureThresholds(60, 100, 100, per_source, consecutive)),
    )


class Scheduler:
    """Answers the tick's queries from a list of runs (updatedAfter exclusive)."""

    ui_url = "http://sch"

    def __init__(self, runs: list[RunRecord]) -> None:
        self.runs = runs
        self.down = False
        self.requests_made = 0
        self.locations = [LocationStatus("harvest", "LOADED", None)]

    def run_url(self, run_id: str) -> str:
        return f"{self.ui_url}/runs/{run_id}"

    def source_runs_url(self, source: str) -> str:
        return f"{self.ui_url}/runs?source={source}"

    def fetch_runs(self, *, updated_after=None, statuses=None, max_runs=None, **_):  # type: ignore[no-untyped-def]
        self.requests_made += 1
        if self.down:
            raise SchedulerApiError("http://sch/graphql", "connection failed")
        found = [
            r
            for r in self.runs
            if (updated_after is None or r.updated > updated_after)
            and (not statuses or r.status in statuses)
        ]
        return FetchResult(records=found[:max_runs] if max_runs else found, pages=1)

    def code_locations(self) -> list[LocationStatus]:
        self.requests_made += 1
        return self.locations


def test_failures_fire_then_an_unreachable_api_alerts_without_resolving() -> None:
    runs = [run(f"f{i}", status="FAILURE", source="bad", created=NOW - 1200 + i) for i in range(3)]
    scheduler = Scheduler(runs)
    cursor = TickCursor()
    got: list[Notification] = []
    first = run_tick(env(), cursor, client=scheduler, senders={"hook": got.append}, now=NOW)  # type: ignore[arg-type]
    keys = sorted(c.key for c in first.conditions)
    assert keys == ["consecutive_failures:bad", "failed_runs:source:bad"]
    assert len(got) == 2 and first.requests == 4
    links = dict(got[0].condition.links)
    assert links["runs of bad"] == "http://sch/runs?source=bad"
    scheduler.down = True
    second = run_tick(env(), cursor, client=scheduler, senders={"hook": got.append}, now=NOW + 60)  # type: ignore[arg-type]
    assert [n.condition.key for n in second.notifications] == ["scheduler_api"]
    assert "failed_runs:source:bad" in cursor.alerts.active  # not resolved: not evaluated
    scheduler.down = False
    third = run_tick(env(), cursor, client=scheduler, senders={"hook": got.append}, now=NOW + 120)  # type: ignore[arg-type]
    assert [(n.kind, n.condition.key) for n in third.notifications] == [
        ("resolved", "scheduler_api")
    ]


def test_code_location_errors_alert_and_resolve() -> None:
    scheduler = Scheduler([])
    scheduler.locations = [LocationStatus("harvest", "LOADED", "ImportError: no module x")]
    cursor = TickCursor()
    first = run_tick(env(), cursor, client=scheduler, senders={}, now=NOW)  # type: ignore[arg-type]
    assert [c.key for c in first.conditions] == ["code_location:harvest"]
    scheduler.locations = [LocationStatus("harvest", "LOADED", None)]
    second = run_tick(env(), cursor, client=scheduler, senders={}, now=NOW + 60)  # type: ignore[arg-type]
    assert [n.kind for n in second.notifications] == ["resolved"]


def test_the_cursor_stays_small_with_many_sources_and_runs() -> None:
    runs = [
        run(f"r{i}", source=f"source_{i % 300}", created=NOW - 3000 + i * 0.5) for i in range(5000)
    ]
    cursor = TickCursor()
    scheduler = Scheduler(runs)
    run_tick(env(), cursor, client=scheduler, senders={}, now=NOW)  # type: ignore[arg-type]
    text = cursor.dumps()
    assert len(text) < 32_000  # 300 sources' last run times and a one-second boundary
    restored = TickCursor.loads(text)
    assert restored.dumps() == text


def test_a_red_health_check_in_the_history_alerts() -> None:
    import json

    from infra_monitor_tests.unit.scheduler.factories import MemoryStore

    bucket = MemoryStore()
    line = {
        "environment": "prod",
        "checked_at": "2026-01-02T00:00:00Z",
        "status": "down",
        "services": [
            {
                "service": "triplestore",
                "status": "down",
                "checked_at": "2026-01-02T00:00:00Z",
                "detail": "connection refused",
                "latency_ms": None,
                "http_status": None,
            },
            {"service": "object_store", "status": "up", "checked_at": "2026-01-02T00:00:00Z"},
        ],
    }
    bucket.objects["infra_monitor/health/history/prod/2026-01-02.jsonl"] = json.dumps(line) + "\n"
    bucket.objects["infra_monitor/inventory/dev/active_sources.json"] = json.dumps(
        {"sources": [{"name": "a"}, {"name": "b"}]}
    )
    cursor = TickCursor()
    result = run_tick(env(), cursor, client=Scheduler([]), senders={}, bucket=bucket, now=NOW)  # type: ignore[arg-type]
    assert [c.key for c in result.conditions] == ["health:triplestore"]
    assert "connection refused" in result.conditions[0].summary
    bucket.objects["infra_monitor/health/history/prod/2026-01-02.jsonl"] += (
        json.dumps({**line, "checked_at": "2026-01-02T00:05:00Z", "services": []}) + "\n"
    )
    later = run_tick(env(), cursor, client=Scheduler([]), senders={}, bucket=bucket, now=NOW + 300)  # type: ignore[arg-type]
    assert [(n.kind, n.condition.key) for n in later.notifications] == [
        ("resolved", "health:triplestore")
    ]
