"""Portainer's Docker Engine API proxy, with plain requests.

Paths are UNVERSIONED (``/api/endpoints/{id}/docker/services``): a version prefix newer than the
engine's makes Docker answer 400 ("client version ... is too new"), which broke the old dashboard.
Payloads are parsed once, here, into frozen records.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from infra_monitor.clients.errors import PortainerError
from infra_monitor.clients.http import make_session, request
from infra_monitor.gleaner import facts
from infra_monitor.metrics.containers import ContainerStats, parse_docker_time, parse_stats
from infra_monitor.settings import PortainerSettings, resolve_secret

log = logging.getLogger(__name__)

SWARM_MODES = ("replicated", "replicated-job", "global", "global-job")
REFUSED_STATUSES = (401, 403)
AGENT_TARGET_HEADER = "X-PortainerAgent-Target"


@dataclass(frozen=True)
class ServiceRecord:
    """One Swarm service; ``source``/``mode`` come from ``sch_{source}_{mode}`` (None if not)."""

    id: str
    name: str
    source: str | None
    mode: str | None
    image: str
    swarm_mode: str
    desired_tasks: int | None
    running_tasks: int | None
    completed_tasks: int | None
    created_at: datetime | None
    updated_at: datetime | None
    networks: tuple[str, ...]
    memory_limit_bytes: int


@dataclass(frozen=True)
class TaskRecord:
    """One Swarm task of a service (a container attempt)."""

    id: str
    service_id: str
    slot: int | None
    state: str
    desired_state: str
    message: str
    error: str
    exit_code: int | None
    container_id: str
    node_id: str
    timestamp: datetime | None

    @property
    def failed(self) -> bool:
        """The task ended in failure (or was rejected)."""
        return self.state in ("failed", "rejected")


@dataclass(frozen=True)
class StatsResult:
    """The stats of one container, or the reason they could not be read."""

    container_id: str
    stats: ContainerStats | None
    error: str = ""
    status: int | None = None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _opt_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def swarm_mode(mode: Mapping[str, Any]) -> str:
    """The Swarm scheduling mode of a service spec: replicated, replicated-job, global, ..."""
    for key, name in (
        ("Replicated", "replicated"),
        ("ReplicatedJob", "replicated-job"),
        ("Global", "global"),
        ("GlobalJob", "global-job"),
    ):
        if key in mode:
            return name
    return "unknown"


def parse_service(
    item: Mapping[str, Any],
    network_names: Mapping[str, str] | None = None,
    prefix: str = facts.SERVICE_PREFIX,
) -> ServiceRecord:
    """Parse one ``/services?status=true`` entry."""
    spec = item.get("Spec") or {}
    name = _str(spec.get("Name"))
    parsed = facts.parse_service_name(name, prefix)
    template = spec.get("TaskTemplate") or {}
    container = template.get("ContainerSpec") or {}
    image = _str(container.get("Image")).split("@sha256:")[0]
    names = network_names or {}
    targets = [
        _str(n.get("Target")) for n in (template.get("Networks") or spec.get("Networks") or [])
    ]
    status = item.get("ServiceStatus") or {}
    limits = (template.get("Resources") or {}).get("Limits") or {}
    return ServiceRecord(
        id=_str(item.get("ID")),
        name=name,
        source=parsed[0] if parsed else None,
        mode=parsed[1] if parsed else None,
        image=image,
        swarm_mode=swarm_mode(spec.get("Mode") or {}),
        desired_tasks=_opt_int(status.get("DesiredTasks")),
        running_tasks=_opt_int(status.get("RunningTasks")),
        completed_tasks=_opt_int(status.get("CompletedTasks")),
        created_at=parse_docker_time(item.get("CreatedAt")),
        updated_at=parse_docker_time(item.get("UpdatedAt")),
        networks=tuple(sorted(names.get(t, t) for t in targets if t)),
        memory_limit_bytes=_opt_int(limits.get("MemoryBytes")) or 0,
    )


def parse_task(item: Mapping[str, Any]) -> TaskRecord:
    """Parse one ``/tasks`` entry."""
    status = item.get("Status") or {}
    container = status.get("ContainerStatus") or {}
    return TaskRecord(
        id=_str(item.get("ID")),
        service_id=_str(item.get("ServiceID")),
        slot=_opt_int(item.get("Slot")),
        state=_str(status.get("State")),
        desired_state=_str(item.get("DesiredState")),
        message=_str(status.get("Message")),
        error=_str(status.get("Err")),
        exit_code=_opt_int(container.get("ExitCode")),
        container_id=_str(container.get("ContainerID")),
        node_id=_str(item.get("NodeID")),
        timestamp=parse_docker_time(status.get("Timestamp")),
    )


class PortainerClient:
    """Read-only client of Portainer's Docker proxy for one endpoint (sends ``X-API-Key``)."""

    def __init__(
        self,
        url: str,
        endpoint_id: int,
        api_key: str,
        *,
        verify_tls: bool = True,
        timeout_s: float = 10.0,
        retries: int = 1,
    ) -> None:
        self.url = url.rstrip("/")
        self.endpoint_id = endpoint_id
        self.verify_tls = verify_tls
        self.timeout_s = timeout_s
        self._session = make_session(retries=retries, headers={"X-API-Key": api_key})

    @classmethod
    def from_settings(
        cls, settings: PortainerSettings, environ: Mapping[str, str] | None = None
    ) -> PortainerClient:
        """Build from an environment's Portainer settings (resolves the key reference)."""
        return cls(
            settings.url,
            settings.endpoint_id,
            resolve_secret(settings.api_key, environ),
            verify_tls=settings.verify_tls,
            timeout_s=settings.timeout_s,
        )

    # --- plumbing -------------------------------------------------------------------------
    def api_url(self, path: str) -> str:
        """A Portainer API URL, e.g. ``api_url("/endpoints/1")``."""
        return f"{self.url}/api{path}"

    def docker_url(self, path: str) -> str:
        """The unversioned Docker API URL of ``path`` on this endpoint."""
        return self.api_url(f"/endpoints/{self.endpoint_id}/docker{path}")

    def _get(self, url: str, params: Mapping[str, str] | None = None) -> Any:
        response = request(
            self._session,
            "GET",
            url,
            PortainerError,
            timeout=self.timeout_s,
            params=params,
            verify=self.verify_tls,
        )
        try:
            return response.json()
        except ValueError:
            raise PortainerError(url, "answer is not JSON", status=response.status_code) from None

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()

    # --- calls ----------------------------------------------------------------------------
    def endpoint(self) -> Mapping[str, Any]:
        """Portainer's endpoint record (``Status`` 1 = up, 2 = down)."""
        data = self._get(self.api_url(f"/endpoints/{self.endpoint_id}"))
        return data if isinstance(data, Mapping) else {}

    def version(self) -> Mapping[str, Any]:
        """The Docker Engine's ``/version`` through the endpoint."""
        data = self._get(self.docker_url("/version"))
        return data if isinstance(data, Mapping) else {}

    def containers(self, limit: int = 1) -> list[Mapping[str, Any]]:
        """``/containers/json`` (running ones, at most ``limit``): can the key read containers?"""
        data = self._get(self.docker_url("/containers/json"), {"limit": str(limit)})
        return [c for c in data or [] if isinstance(c, Mapping)]

    def network_names(self) -> dict[str, str]:
        """Network id -> name."""
        data = self._get(self.docker_url("/networks"))
        return {_str(n.get("Id")): _str(n.get("Name")) for n in data or [] if isinstance(n, dict)}

    def services(
        self, prefix: str = facts.SERVICE_PREFIX, network_names: Mapping[str, str] | None = None
    ) -> list[ServiceRecord]:
        """Services whose name starts with ``prefix``, with running/desired task counts."""
        params = {"status": "true", "filters": json.dumps({"name": [prefix]})}
        data = self._get(self.docker_url("/services"), params)
        records = [parse_service(item, network_names, prefix) for item in data or []]
        return sorted((r for r in records if r.name.startswith(prefix)), key=lambda r: r.name)

    def tasks(self, service_ids: Iterable[str] | None = None) -> list[TaskRecord]:
        """Tasks, optionally only those of ``service_ids`` (one call, filtered here)."""
        wanted = set(service_ids) if service_ids is not None else None
        if wanted is not None and not wanted:
            return []
        data = self._get(self.docker_url("/tasks"))
        records = [parse_task(item) for item in data or []]
        if wanted is not None:
            records = [r for r in records if r.service_id in wanted]
        return sorted(records, key=lambda r: (r.service_id, r.slot or 0, r.id))

    def node_names(self) -> dict[str, str]:
        """Swarm node id -> hostname (the name Portainer's agent routes container calls by)."""
        data = self._get(self.docker_url("/nodes"))
        names: dict[str, str] = {}
        for node in data or []:
            if isinstance(node, Mapping):
                hostname = _str((node.get("Description") or {}).get("Hostname"))
                if hostname:
                    names[_str(node.get("ID"))] = hostname
        return names

    def container_stats(self, container_id: str, node: str | None = None) -> ContainerStats:
        """One container's stats (one sample pair; the engine takes about a second).

        ``node`` is the hostname of the container's Swarm node: Portainer's agents route the
        call there (``X-PortainerAgent-Target``); without it a multi-node Swarm answers from
        a round-robin node, i.e. "no such container" for most containers.
        """
        url = self.docker_url(f"/containers/{container_id}/stats")
        response = request(
            self._session,
            "GET",
            url,
            PortainerError,
            timeout=self.timeout_s,
            params={"stream": "false"},
            verify=self.verify_tls,
            headers={AGENT_TARGET_HEADER: node} if node else None,
        )
        try:
            data = response.json()
        except ValueError:
            raise PortainerError(url, "answer is not JSON", status=response.status_code) from None
        if not isinstance(data, Mapping):
            raise PortainerError(url, "no stats")
        return parse_stats(data, container_id)

    def _stats_result(self, container_id: str, node: str | None = None) -> StatsResult:
        try:
            return StatsResult(container_id, self.container_stats(container_id, node))
        except PortainerError as exc:
            return StatsResult(container_id, None, exc.reason, exc.status)

    def stats_many(
        self,
        container_ids: Sequence[str],
        concurrency: int = 8,
        nodes: Mapping[str, str] | None = None,
    ) -> list[StatsResult]:
        """Stats of many containers, at most ``concurrency`` calls at a time; errors per item.

        ``nodes`` maps a container id to its node's hostname (see ``container_stats``).
        """
        if not container_ids:
            return []
        started = time.monotonic()
        workers = max(1, min(concurrency, len(container_ids)))
        targets = nodes or {}
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stats") as pool:
            results = list(
                pool.map(lambda cid: self._stats_result(cid, targets.get(cid)), container_ids)
            )
        log.info(
            "stats of %d containers in %.2f s (%d at a time)",
            len(results),
            time.monotonic() - started,
            workers,
        )
        return results

    def stats_sequential(self, container_ids: Sequence[str]) -> list[StatsResult]:
        """The same as ``stats_many`` one call after another (the benchmark's baseline)."""
        return [self._stats_result(cid) for cid in container_ids]


def is_refused(exc: PortainerError) -> bool:
    """The key was refused (wrong key: 401; not allowed for this call: 403)."""
    return exc.status in REFUSED_STATUSES


def running_container_ids(tasks: Iterable[TaskRecord]) -> list[str]:
    """Container ids of running tasks (the ones with stats)."""
    return sorted({t.container_id for t in tasks if t.state == "running" and t.container_id})


__all__ = [
    "PortainerClient",
    "PortainerError",
    "ServiceRecord",
    "StatsResult",
    "TaskRecord",
    "is_refused",
    "parse_service",
    "parse_task",
    "running_container_ids",
]
