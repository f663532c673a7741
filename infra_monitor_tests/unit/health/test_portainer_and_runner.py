"""Portainer status rules, and probes run side by side with a deadline and secrets scrubbed."""

from __future__ import annotations

import time
from typing import Any

from infra_monitor.clients.errors import PortainerError
from infra_monitor.clients.portainer import PortainerClient, ServiceRecord
from infra_monitor.health.portainer_probe import probe_portainer
from infra_monitor.health.probes import result
from infra_monitor.health.records import ServiceHealth
from infra_monitor.health.runner import run_probes
from infra_monitor.settings import HealthSettings, PortainerSettings

HEALTH = HealthSettings(timeout_s=2.0)
SETTINGS = PortainerSettings(url="http://portainer:9000", endpoint_id=1, api_key=None)


class FakeClient(PortainerClient):
    """A PortainerClient whose calls answer from a table (status per call, 0 = OK)."""

    def __init__(self, refuse: dict[str, int] | None = None, endpoint_status: int = 1) -> None:
        super().__init__("http://portainer:9000", 1, "secret-key")
        self.refuse = refuse or {}
        self.endpoint_status = endpoint_status

    def _maybe(self, call: str) -> None:
        if call in self.refuse:
            status = self.refuse[call]
            raise PortainerError(
                f"http://portainer:9000/{call}", f"HTTP {status}: no", status=status
            )

    def version(self) -> dict[str, Any]:
        self._maybe("version")
        return {"Version": "20.10.24", "ApiVersion": "1.41"}

    def endpoint(self) -> dict[str, Any]:
        self._maybe("endpoint")
        return {"Id": 1, "Status": self.endpoint_status}

    def services(self, prefix: str = "sch_", network_names: Any = None) -> list[ServiceRecord]:
        self._maybe("services")
        return []

    def containers(self, limit: int = 1) -> list[Any]:
        self._maybe("containers")
        return []


def test_portainer_up() -> None:
    record = probe_portainer(FakeClient(), SETTINGS, HEALTH)
    assert record.status == "up"
    assert record.detail == "Docker 20.10.24 (API 1.41); 0 sch_* services"


def test_wrong_key_is_down_with_reason() -> None:
    refuse = {"version": 401, "endpoint": 401, "services": 401}
    record = probe_portainer(FakeClient(refuse), SETTINGS, HEALTH)
    assert (record.status, record.http_status) == ("down", 401)
    assert record.detail == "API key refused (HTTP 401)"


def test_read_only_key_is_degraded_never_down() -> None:
    record = probe_portainer(FakeClient({"services": 403}), SETTINGS, HEALTH)
    assert record.status == "degraded"
    assert "key refused (HTTP 403, read-only key?): /services" in record.detail


def test_key_refused_container_stats_is_degraded() -> None:
    record = probe_portainer(FakeClient({"containers": 403}), SETTINGS, HEALTH)
    assert record.status == "degraded" and record.detail.endswith(": /containers")


def test_key_refused_every_call_is_down() -> None:
    refuse = {"version": 403, "endpoint": 403, "services": 403, "containers": 403}
    record = probe_portainer(FakeClient(refuse), SETTINGS, HEALTH)
    assert (record.status, record.detail) == ("down", "API key refused every call (HTTP 403)")


def test_endpoint_down() -> None:
    record = probe_portainer(FakeClient(endpoint_status=2), SETTINGS, HEALTH)
    assert record.status == "down" and record.detail == "endpoint 1 is down"


def test_bare_docker_proxy_without_endpoint_record_is_up() -> None:
    record = probe_portainer(FakeClient({"endpoint": 404}), SETTINGS, HEALTH)
    assert record.status == "up"


def test_timeout_is_down() -> None:
    client = FakeClient()

    def slow() -> dict[str, Any]:
        raise PortainerError("http://portainer:9000", "timed out after 2.0 s")

    client.version = slow  # type: ignore[method-assign]
    record = probe_portainer(client, SETTINGS, HEALTH)
    assert record.status == "down" and record.detail == "timed out after 2.0 s"


def test_run_probes_isolates_failures_and_enforces_the_deadline() -> None:
    def ok() -> ServiceHealth:
        return result("a", "up", latency_ms=1.0, detail="token=supersecret ok")

    def boom() -> ServiceHealth:
        raise RuntimeError("supersecret in a message")

    def hang() -> ServiceHealth:
        time.sleep(3)
        return result("c", "up")

    started = time.monotonic()
    records = run_probes({"a": ok, "b": boom, "c": hang}, deadline_s=0.5, secrets=("supersecret",))
    assert time.monotonic() - started < 2.0
    by_name = {r.service: r for r in records}
    assert by_name["a"].status == "up" and by_name["a"].detail == "token=**** ok"
    assert by_name["b"].status == "down" and by_name["b"].detail == "probe failed: RuntimeError"
    assert by_name["c"].status == "down" and by_name["c"].detail == "no answer within 0.5 s"
