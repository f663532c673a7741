"""Status rules of each probe (up / degraded / down), on canned answers."""

from __future__ import annotations

from typing import Any

from infra_monitor.clients.errors import ObjectStoreError
from infra_monitor.health.probes import (
    probe_object_store,
    probe_scheduler,
    probe_triplestore,
    scheduler_status,
)
from infra_monitor.settings import (
    HealthSettings,
    ObjectStoreSettings,
    SchedulerSettings,
    TriplestoreSettings,
)

from .fakes import FakeSession, FakeStore, answer

HEALTH = HealthSettings(timeout_s=2.0, latency_degraded_ms=500.0)
NS_A = "http://graph/blazegraph/namespace/a/sparql"
NS_B = "http://graph/blazegraph/namespace/b/sparql"


def _triplestore(kind: str = "blazegraph") -> TriplestoreSettings:
    return TriplestoreSettings(
        url="http://graph/blazegraph", kind=kind, namespaces={"a": NS_A, "b": NS_B}
    )


def test_triplestore_up_with_blazegraph_status() -> None:
    session = FakeSession(
        {
            NS_A: answer(200, {"boolean": True}),
            NS_B: answer(200, {"boolean": True}),
            "http://graph/blazegraph/status": answer(200, "ok"),
        }
    )
    result = probe_triplestore(_triplestore(), HEALTH, session)
    assert result.status == "up"
    assert result.http_status == 200 and result.latency_ms is not None
    assert "/status ok" in result.detail
    assert ("GET", "http://graph/blazegraph/status") in session.calls


def test_triplestore_missing_namespace_is_degraded() -> None:
    session = FakeSession({NS_A: answer(200, {"boolean": True}), NS_B: answer(404, "no namespace")})
    result = probe_triplestore(_triplestore("generic"), HEALTH, session)
    assert result.status == "degraded"
    assert "b: namespace missing (HTTP 404)" in result.detail


def test_triplestore_slow_is_degraded() -> None:
    session = FakeSession(
        {NS_A: answer(200, {"boolean": True}, delay_s=0.6), NS_B: answer(200, {"boolean": True})}
    )
    result = probe_triplestore(_triplestore("generic"), HEALTH, session)
    assert result.status == "degraded"
    assert "slow" in result.detail and result.latency_ms is not None and result.latency_ms >= 600


def test_triplestore_unreachable_is_down() -> None:
    result = probe_triplestore(_triplestore(), HEALTH, FakeSession({}))
    assert result.status == "down"
    assert "connection failed" in result.detail
    assert result.latency_ms is None


def test_triplestore_missing_status_page_is_degraded() -> None:
    session = FakeSession(
        {NS_A: answer(200, {"boolean": True}), NS_B: answer(200, {"boolean": True})}
    )
    result = probe_triplestore(_triplestore(), HEALTH, session)
    assert result.status == "degraded" and "/status:" in result.detail


STORE = ObjectStoreSettings(
    endpoint="http://s3:9000",
    region="us-east-1",
    bucket="gleaner",
    access_key=None,
    secret_key=None,
)


def test_object_store_up_with_configs_and_legacy_tenant_file() -> None:
    store = FakeStore({STORE.gleaner_config: "x", STORE.legacy_tenant_config: "y"})
    result = probe_object_store(store, STORE, HEALTH)
    assert result.status == "up" and "bucket gleaner answers" in result.detail


def test_object_store_missing_config_is_degraded() -> None:
    result = probe_object_store(FakeStore({STORE.gleaner_config: "x"}), STORE, HEALTH)
    assert result.status == "degraded"
    assert "missing scheduler/configs/tenant.yaml" in result.detail


def test_object_store_refused_credentials_is_down_with_reason() -> None:
    error = ObjectStoreError("http://s3:9000/gleaner", "InvalidAccessKeyId", status=403)
    result = probe_object_store(FakeStore(bucket_error=error), STORE, HEALTH)
    assert (result.status, result.http_status, result.detail) == ("down", 403, "InvalidAccessKeyId")


def _workspace(
    *entries: dict[str, object], daemons: list[dict[str, object]] | None = None
) -> dict[str, object]:
    data: dict[str, Any] = {
        "workspaceOrError": {"__typename": "Workspace", "locationEntries": list(entries)}
    }
    if daemons is not None:
        data["instance"] = {"daemonHealth": {"allDaemonStatuses": daemons}}
    return data


LOADED: dict[str, Any] = {
    "name": "ingest",
    "loadStatus": "LOADED",
    "locationOrLoadError": {"__typename": "RepositoryLocation"},
}
BROKEN: dict[str, Any] = {
    "name": "broken",
    "loadStatus": "LOADED",
    "locationOrLoadError": {
        "__typename": "PythonError",
        "message": "ModuleNotFoundError: x\ntrace",
    },
}


def test_scheduler_rules() -> None:
    healthy = [{"daemonType": "SCHEDULER", "required": True, "healthy": True}]
    assert scheduler_status(_workspace(LOADED, daemons=healthy)) == (
        "up",
        ["1/1 code locations loaded", "1 daemons healthy"],
    )
    status, notes = scheduler_status(_workspace(LOADED, BROKEN))
    assert status == "degraded" and "broken: ModuleNotFoundError: x" in notes
    sick = [
        {"daemonType": "SENSOR", "required": True, "healthy": False},
        {"daemonType": "BACKFILL", "required": False, "healthy": False},
    ]
    status, notes = scheduler_status(_workspace(LOADED, daemons=sick))
    assert status == "degraded" and notes[-1] == "daemons not healthy: SENSOR"


def test_scheduler_probe_falls_back_without_daemon_health() -> None:
    url = "http://sched:3000/graphql"
    calls = {"n": 0}

    def handler(kwargs: dict[str, Any]) -> Any:
        calls["n"] += 1
        query = str((kwargs.get("json") or {}).get("query", ""))
        if "daemonHealth" in query:
            return answer(200, {"errors": [{"message": "Cannot query field daemonHealth"}]})({})
        return answer(200, {"data": _workspace(LOADED)})({})

    result = probe_scheduler(
        SchedulerSettings(graphql_url=url, ui_url="http://sched:3000"),
        HEALTH,
        FakeSession({url: handler}),
    )
    assert result.status == "up" and calls["n"] == 2
    assert result.detail == "1/1 code locations loaded"


def test_scheduler_http_error_is_down() -> None:
    url = "http://sched:3000/graphql"
    session = FakeSession({url: answer(502, "bad gateway")})
    result = probe_scheduler(SchedulerSettings(graphql_url=url, ui_url="x"), HEALTH, session)
    assert result.status == "down" and result.http_status == 502


def test_triplestore_empty_namespace_is_noted_not_degraded() -> None:
    session = FakeSession(
        {NS_A: answer(200, {"boolean": True}), NS_B: answer(200, {"boolean": False})}
    )
    result = probe_triplestore(_triplestore("generic"), HEALTH, session)
    assert result.status == "up"
    assert "b: " in result.detail and "no triples" in result.detail


def test_latency_is_fixed_when_the_call_ends() -> None:
    import time

    from infra_monitor.health.probes import Timer

    with Timer() as timer:
        time.sleep(0.05)
    first = timer.ms
    time.sleep(0.05)
    assert 50 <= first < 100 and timer.ms == first
