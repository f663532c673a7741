"""The Portainer probe: the API answers with the key and the endpoint is up."""

from __future__ import annotations

from infra_monitor.clients.errors import PortainerError
from infra_monitor.clients.portainer import PortainerClient
from infra_monitor.health.probes import Timer, result, slow_note
from infra_monitor.health.records import DEGRADED, DOWN, PORTAINER, UP, ServiceHealth
from infra_monitor.settings import HealthSettings, PortainerSettings

PORTAINER_CALLS = 4  # /version, /endpoints/{id}, /services, /containers/json


def probe_portainer(
    client: PortainerClient, settings: PortainerSettings, health: HealthSettings
) -> ServiceHealth:
    """The API answers with the key and the endpoint is up.

    401 (wrong key) is down; a key refused only some calls (403, read-only) is degraded.
    """
    refused: list[str] = []
    notes: list[str] = []
    with Timer() as timer:
        try:
            version = client.version()
            notes.append(
                f"Docker {version.get('Version', '?')} (API {version.get('ApiVersion', '?')})"
            )
        except PortainerError as exc:
            if exc.status != 403:
                reason = "API key refused (HTTP 401)" if exc.status == 401 else exc.reason
                return result(
                    PORTAINER, DOWN, http_status=exc.status, detail=reason, url=client.url
                )
            refused.append("/version")
    latency = timer.ms
    try:
        endpoint = client.endpoint()
        if endpoint.get("Status") == 2:
            return result(
                PORTAINER,
                DOWN,
                latency_ms=latency,
                http_status=200,
                detail=f"endpoint {settings.endpoint_id} is down",
                url=client.url,
            )
    except PortainerError as exc:
        if exc.status == 403:
            refused.append(f"/endpoints/{settings.endpoint_id}")
        elif exc.status != 404:  # a bare Docker proxy has no endpoint record
            notes.append(f"endpoint record: {exc.reason}")
    try:
        services = client.services(settings.service_prefix)
        notes.append(f"{len(services)} {settings.service_prefix}* services")
    except PortainerError as exc:
        if exc.status not in (401, 403):
            raise
        refused.append("/services")
    try:  # container stats need /containers: a key refused it is read-only for the monitor
        client.containers(limit=1)
    except PortainerError as exc:
        if exc.status not in (401, 403):
            raise
        refused.append("/containers")
    if len(refused) >= PORTAINER_CALLS:
        return result(
            PORTAINER,
            DOWN,
            latency_ms=latency,
            http_status=403,
            detail="API key refused every call (HTTP 403)",
            url=client.url,
        )
    status = UP
    if refused:
        status = DEGRADED
        notes.append("key refused (HTTP 403, read-only key?): " + ", ".join(refused))
    slow = slow_note(latency, health)
    if slow:
        status = DEGRADED
        notes.append(slow)
    return result(
        PORTAINER,
        status,
        latency_ms=latency,
        http_status=200,
        detail="; ".join(notes),
        url=client.url,
    )
