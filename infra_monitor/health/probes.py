"""Probe each service of an environment: up / degraded / down, latency, HTTP status, detail.

Every probe has a timeout and catches its own failures, and ``run_probes`` runs them side by side
with an overall deadline, so one slow or dead service never delays or fails the others. Details
hold status codes and remote messages only, and are scrubbed of the environment's secrets.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from infra_monitor.clients.errors import (
    ObjectStoreError,
    SchedulerApiError,
    TriplestoreError,
)
from infra_monitor.clients.http import make_session, request
from infra_monitor.health.records import (
    DEGRADED,
    DOWN,
    OBJECT_STORE,
    SCHEDULER,
    TRIPLESTORE,
    UP,
    ServiceHealth,
    iso,
    utc_now,
    worst,
)
from infra_monitor.redact import redact_url
from infra_monitor.settings import (
    HealthSettings,
    ObjectStoreSettings,
    SchedulerSettings,
    TriplestoreSettings,
)

log = logging.getLogger(__name__)

ASK_QUERY = "ASK { ?s ?p ?o }"
SPARQL_JSON = "application/sparql-results+json"
_LOCATIONS = """
workspaceOrError {
  __typename
  ... on Workspace { locationEntries { name loadStatus
      locationOrLoadError { __typename ... on PythonError { message } } } }
  ... on PythonError { message }
}"""
_DAEMONS = """
instance { daemonHealth { allDaemonStatuses { daemonType required healthy lastHeartbeatTime } } }"""
SCHEDULER_QUERY = "query InfraMonitorHealth {" + _LOCATIONS + _DAEMONS + "\n}"
SCHEDULER_QUERY_NO_DAEMONS = "query InfraMonitorHealth {" + _LOCATIONS + "\n}"


class BucketProbeStore(Protocol):
    """What the object-store probe needs from the object store client."""

    def check_bucket(self) -> object:
        """Raise ObjectStoreError when the bucket does not answer with the credentials."""
        ...

    def exists(self, key: str) -> bool:
        """Whether the object exists."""
        ...


@dataclass
class Timer:
    """Wall-clock milliseconds of a ``with`` block (``ms`` is fixed when the block ends)."""

    started: float = 0.0
    ended: float | None = None

    def __enter__(self) -> Timer:
        self.started = time.perf_counter()
        self.ended = None
        return self

    def __exit__(self, *exc: object) -> None:
        self.ended = time.perf_counter()

    @property
    def ms(self) -> float:
        """Elapsed milliseconds (so far, while the block still runs)."""
        end = self.ended if self.ended is not None else time.perf_counter()
        return round((end - self.started) * 1000.0, 1)


def result(
    service: str,
    status: str,
    *,
    latency_ms: float | None = None,
    http_status: int | None = None,
    detail: str = "",
    url: str = "",
) -> ServiceHealth:
    """A ServiceHealth stamped now; the detail is cut to 500 characters, the URL redacted."""
    return ServiceHealth(
        service=service,
        status=status,
        latency_ms=latency_ms,
        http_status=http_status,
        checked_at=iso(utc_now()),
        detail=detail[:500],
        url=redact_url(url) if url else "",
    )


def slow_note(latency_ms: float, health: HealthSettings) -> str:
    """ "slow: N ms > threshold" when over the degraded-latency threshold, else ""."""
    if latency_ms > health.latency_degraded_ms:
        return f"slow: {latency_ms:.0f} ms > {health.latency_degraded_ms:.0f} ms"
    return ""


# --- triplestore ------------------------------------------------------------------------------
def _ask(
    http: requests.Session, name: str, endpoint: str, timeout: float, health: HealthSettings
) -> tuple[str, float | None, int | None, str]:
    """(status, latency ms, HTTP status, note) of one namespace's ASK."""
    with Timer() as timer:
        try:
            response = request(
                http,
                "POST",
                endpoint,
                TriplestoreError,
                timeout=timeout,
                data={"query": ASK_QUERY},
                headers={"Accept": SPARQL_JSON},
            )
        except TriplestoreError as exc:
            if exc.status == 404:
                return DEGRADED, None, exc.status, f"{name}: namespace missing (HTTP 404)"
            return DOWN, None, exc.status, f"{name}: {exc.reason}"
    try:
        answer = response.json().get("boolean")
    except (ValueError, AttributeError):
        answer = None
    if not isinstance(answer, bool):
        return DOWN, timer.ms, response.status_code, f"{name}: answer is not a SPARQL boolean"
    slow = slow_note(timer.ms, health)
    # an empty namespace still answers (a fresh tenant has none yet): noted, not degraded
    note = f"{name}: {timer.ms:.0f} ms" + ("" if answer else ", no triples")
    status = DEGRADED if slow else UP
    return status, timer.ms, response.status_code, note + (f", {slow}" if slow else "")


def probe_triplestore(
    settings: TriplestoreSettings,
    health: HealthSettings,
    session: requests.Session | None = None,
) -> ServiceHealth:
    """SPARQL ASK on every namespace (plus Blazegraph's /status).

    Down when no namespace answers; degraded when one is missing (404), failing or slow.
    """
    http = session or make_session(retries=1)
    endpoints = dict(settings.namespaces) or {"default": settings.url}
    timeout = min(health.timeout_s, settings.timeout_s)
    results = [_ask(http, n, e, timeout, health) for n, e in sorted(endpoints.items())]
    statuses = [r[0] for r in results]
    notes = [r[3] for r in results]
    latencies = [r[1] for r in results if r[1] is not None]
    status = worst(statuses)
    if status == DOWN and any(s != DOWN for s in statuses):
        status = DEGRADED  # the server answers; one namespace does not
    if settings.kind == "blazegraph" and status != DOWN:
        try:
            request(
                http, "GET", settings.url.rstrip("/") + "/status", TriplestoreError, timeout=timeout
            )
            notes.append("/status ok")
        except TriplestoreError as exc:
            status = worst((status, DEGRADED))
            notes.append(f"/status: {exc.reason}")
    return result(
        TRIPLESTORE,
        status,
        latency_ms=max(latencies) if latencies else None,
        http_status=next((r[2] for r in reversed(results) if r[2] is not None), None),
        detail="; ".join(notes),
        url=settings.url,
    )


# --- object store -----------------------------------------------------------------------------
def probe_object_store(
    store: BucketProbeStore, settings: ObjectStoreSettings, health: HealthSettings
) -> ServiceHealth:
    """The bucket answers with the configured credentials and the scheduler's configs exist."""
    url = f"{settings.endpoint.rstrip('/')}/{settings.bucket}"
    with Timer() as timer:
        try:
            store.check_bucket()
        except ObjectStoreError as exc:
            return result(OBJECT_STORE, DOWN, http_status=exc.status, detail=exc.reason, url=url)
    latency = timer.ms
    missing: list[str] = []
    try:
        if not store.exists(settings.gleaner_config):
            missing.append(settings.gleaner_config)
        if not (
            store.exists(settings.tenant_config) or store.exists(settings.legacy_tenant_config)
        ):
            missing.append(settings.tenant_config)
    except ObjectStoreError as exc:
        return result(
            OBJECT_STORE,
            DEGRADED,
            latency_ms=latency,
            http_status=exc.status,
            detail=f"bucket answers; config objects unreadable: {exc.reason}",
            url=url,
        )
    slow = slow_note(latency, health)
    notes = [f"bucket {settings.bucket} answers"]
    if missing:
        notes.append("missing " + ", ".join(missing))
    if slow:
        notes.append(slow)
    status = DEGRADED if missing or slow else UP
    return result(
        OBJECT_STORE, status, latency_ms=latency, http_status=200, detail="; ".join(notes), url=url
    )


# --- scheduler --------------------------------------------------------------------------------
def scheduler_status(data: Mapping[str, Any]) -> tuple[str, list[str]]:
    """Status and notes from a GraphQL ``data`` object (locations and daemon health)."""
    notes: list[str] = []
    status = UP
    workspace = data.get("workspaceOrError") or {}
    if workspace.get("__typename") == "PythonError":
        return DEGRADED, [f"workspace error: {workspace.get('message', '')}"]
    entries = workspace.get("locationEntries") or []
    broken = []
    for entry in entries:
        loaded = (entry.get("locationOrLoadError") or {}).get("__typename")
        if loaded == "PythonError":
            message = str((entry.get("locationOrLoadError") or {}).get("message", "")).strip()
            broken.append(f"{entry.get('name')}: {message.splitlines()[0] if message else 'error'}")
        elif entry.get("loadStatus") not in (None, "LOADED"):
            broken.append(f"{entry.get('name')}: {entry.get('loadStatus')}")
    notes.append(f"{len(entries) - len(broken)}/{len(entries)} code locations loaded")
    if broken:
        status = DEGRADED
        notes.extend(broken)
    daemons = ((data.get("instance") or {}).get("daemonHealth") or {}).get("allDaemonStatuses")
    if isinstance(daemons, list):
        unhealthy = [
            str(d.get("daemonType"))
            for d in daemons
            if d.get("required", True) and not d.get("healthy")
        ]
        if unhealthy:
            status = DEGRADED
            notes.append("daemons not healthy: " + ", ".join(sorted(unhealthy)))
        else:
            notes.append(f"{len(daemons)} daemons healthy")
    return status, notes


def probe_scheduler(
    settings: SchedulerSettings,
    health: HealthSettings,
    session: requests.Session | None = None,
) -> ServiceHealth:
    """GraphQL answers; every code location loads; the daemons' heartbeats where exposed."""
    http = session or make_session(retries=1)
    timeout = min(health.timeout_s, settings.timeout_s)
    data: Mapping[str, Any] = {}
    latency = 0.0
    http_status: int | None = None
    for query in (SCHEDULER_QUERY, SCHEDULER_QUERY_NO_DAEMONS):
        with Timer() as timer:
            try:
                response = request(
                    http,
                    "POST",
                    settings.graphql_url,
                    SchedulerApiError,
                    timeout=timeout,
                    json={"query": query},
                )
                body = response.json()
            except SchedulerApiError as exc:
                return result(
                    SCHEDULER,
                    DOWN,
                    http_status=exc.status,
                    detail=exc.reason,
                    url=settings.graphql_url,
                )
            except ValueError:
                return result(
                    SCHEDULER, DOWN, detail="answer is not JSON", url=settings.graphql_url
                )
        latency, http_status = timer.ms, response.status_code
        data = body.get("data") or {} if isinstance(body, dict) else {}
        if data.get("workspaceOrError"):
            break  # an older Dagster without daemonHealth errors on the first query only
    if not data.get("workspaceOrError"):
        return result(
            SCHEDULER,
            DEGRADED,
            latency_ms=latency,
            http_status=http_status,
            detail="GraphQL answers but returned no workspace",
            url=settings.graphql_url,
        )
    status, notes = scheduler_status(data)
    slow = slow_note(latency, health)
    if slow:
        status, notes = worst((status, DEGRADED)), [*notes, slow]
    return result(
        SCHEDULER,
        status,
        latency_ms=latency,
        http_status=http_status,
        detail="; ".join(notes),
        url=settings.graphql_url,
    )
