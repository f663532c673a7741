"""What the scheduler's containers are doing: services, tasks and stats in one report.

A key refused some calls (403, read-only) gives a "degraded" report with the reason; a refused
service listing gives "down" with ``services_known`` False — never a silent "0 containers".
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from infra_monitor.clients.errors import PortainerError
from infra_monitor.clients.portainer import (
    ServiceRecord,
    StatsResult,
    TaskRecord,
    running_container_ids,
)
from infra_monitor.health.records import DEGRADED, DOWN, UP, iso
from infra_monitor.metrics.containers import ContainerStats, UsageTotals, totals_by

log = logging.getLogger(__name__)

SCHEDULER_NODE = "scheduler"
GLEANER_MODES = ("gleaner",)  # the other modes run nabu


class ContainerSource(Protocol):
    """What ``collect`` needs from PortainerClient."""

    def network_names(self) -> dict[str, str]:
        """Network id -> name."""
        ...

    def services(
        self, prefix: str = ..., network_names: Mapping[str, str] | None = None
    ) -> list[ServiceRecord]:
        """Services with ``prefix``."""
        ...

    def tasks(self, service_ids: Iterable[str] | None = None) -> list[TaskRecord]:
        """Tasks of the services."""
        ...

    def node_names(self) -> dict[str, str]:
        """Swarm node id -> hostname."""
        ...

    def stats_many(
        self,
        container_ids: Sequence[str],
        concurrency: int = 8,
        nodes: Mapping[str, str] | None = None,
    ) -> list[StatsResult]:
        """Stats of many containers (``nodes``: container id -> node hostname)."""
        ...


@dataclass(frozen=True)
class ContainerReport:
    """One look at an environment's ``sch_`` services through Portainer."""

    environment: str
    checked_at: str
    status: str
    services_known: bool
    services: tuple[ServiceRecord, ...] = ()
    tasks: tuple[TaskRecord, ...] = ()
    stats: tuple[ContainerStats, ...] = ()
    stats_errors: tuple[StatsResult, ...] = ()
    problems: tuple[str, ...] = ()
    network_names: Mapping[str, str] = field(default_factory=dict)

    def service_of_container(self) -> dict[str, str]:
        """Container id -> service name (through the tasks)."""
        names = {s.id: s.name for s in self.services}
        return {t.container_id: names[t.service_id] for t in self.tasks if t.service_id in names}

    def source_of_container(self) -> dict[str, str]:
        """Container id -> source name (services that parse as ``sch_{source}_{mode}``)."""
        sources = {s.id: s.source for s in self.services if s.source}
        return {
            t.container_id: sources[t.service_id] for t in self.tasks if t.service_id in sources
        }

    def totals_by_service(self) -> dict[str, UsageTotals]:
        """Resource use summed per service."""
        return totals_by(self.stats, self.service_of_container())

    def totals_by_source(self) -> dict[str, UsageTotals]:
        """Resource use summed per source."""
        return totals_by(self.stats, self.source_of_container())


def collect(
    client: ContainerSource,
    environment: str,
    prefix: str,
    concurrency: int,
    now: datetime,
) -> ContainerReport:
    """Services (with ``prefix``), their tasks and the stats of their running containers.

    Never raises PortainerError: a failed call becomes a problem of the report (``down`` when
    the services cannot be listed, ``degraded`` when anything else is missing).
    """
    problems: list[str] = []
    network_names: dict[str, str] = {}
    try:
        network_names = client.network_names()
    except PortainerError as exc:
        problems.append(f"networks not readable: {exc.reason}")
    try:
        services = client.services(prefix, network_names)
    except PortainerError as exc:
        reason = "API key refused" if exc.status in (401, 403) else "services not readable"
        return ContainerReport(
            environment=environment,
            checked_at=iso(now),
            status=DOWN,
            services_known=False,
            problems=(f"{reason}: {exc.reason}",),  # the cause of any earlier failure too
        )
    tasks: list[TaskRecord] = []
    try:
        tasks = client.tasks(s.id for s in services)
    except PortainerError as exc:
        problems.append(f"tasks not readable: {exc.reason}")
    results = client.stats_many(
        running_container_ids(tasks), concurrency, _container_nodes(client, tasks)
    )
    stats = tuple(r.stats for r in results if r.stats is not None)
    errors = tuple(r for r in results if r.stats is None)
    if errors:
        problems.append(f"stats of {len(errors)} containers not readable: {errors[0].error}")
    return ContainerReport(
        environment=environment,
        checked_at=iso(now),
        status=DEGRADED if problems else UP,
        services_known=True,
        services=tuple(services),
        tasks=tuple(tasks),
        stats=stats,
        stats_errors=errors,
        problems=tuple(problems),
        network_names=network_names,
    )


def _container_nodes(client: ContainerSource, tasks: Iterable[TaskRecord]) -> dict[str, str]:
    """Container id -> node hostname, for Portainer agents; {} when nodes are not readable."""
    try:
        hostnames = client.node_names()
    except PortainerError as exc:  # a worker endpoint or a restricted key: calls go untargeted
        log.info("nodes not readable (%s): container calls are not targeted", exc.reason)
        return {}
    return {
        t.container_id: hostnames[t.node_id]
        for t in tasks
        if t.state == "running" and t.container_id and t.node_id in hostnames
    }


def failed_tasks(tasks: Iterable[TaskRecord], now: datetime, window: timedelta) -> list[TaskRecord]:
    """Tasks that failed (or were rejected) within ``window`` before ``now``."""
    since = now - window
    return [t for t in tasks if t.failed and t.timestamp is not None and t.timestamp >= since]


def over_memory(stats: Iterable[ContainerStats], threshold_pct: float) -> list[ContainerStats]:
    """Containers using more than ``threshold_pct`` of their memory limit."""
    return [s for s in stats if s.mem_limit_bytes > 0 and s.mem_pct > threshold_pct]


@dataclass(frozen=True)
class Edge:
    """One edge of the dependency map."""

    source: str
    target: str
    kind: str  # "network" (service on a network) or "starts" (scheduler starts a service)
    label: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "source": self.source,
            "target": self.target,
            "kind": self.kind,
            "label": self.label,
        }


def dependency_edges(services: Iterable[ServiceRecord]) -> list[Edge]:
    """Scheduler -> gleaner/nabu services, and each service -> the networks it is on.

    Networks ingress/bridge-like system networks are left out; two services share a network
    when both have an edge to it.
    """
    edges: list[Edge] = []
    for service in sorted(services, key=lambda s: s.name):
        if service.mode is not None:
            tool = "gleaner" if service.mode in GLEANER_MODES else "nabu"
            edges.append(Edge(SCHEDULER_NODE, service.name, "starts", f"{tool} {service.mode}"))
        for network in service.networks:
            if network != "ingress":
                edges.append(Edge(service.name, f"net:{network}", "network", network))
    return edges


def shared_networks(services: Iterable[ServiceRecord]) -> dict[str, list[str]]:
    """Network -> services on it, for networks shared by at least two services."""
    members: dict[str, list[str]] = {}
    for service in services:
        for network in service.networks:
            members.setdefault(network, []).append(service.name)
    return {n: sorted(s) for n, s in sorted(members.items()) if len(s) >= 2}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def record_dict(record: Any) -> dict[str, Any]:
    """A frozen record (service, task, stats, totals) as a JSON-ready dict."""
    return {k: _jsonable(v) for k, v in asdict(record).items()}


def report_dict(report: ContainerReport) -> dict[str, Any]:
    """The whole report as JSON-ready dict (written to the bucket)."""
    return {
        "environment": report.environment,
        "checked_at": report.checked_at,
        "status": report.status,
        "services_known": report.services_known,
        "problems": list(report.problems),
        "services": [record_dict(s) for s in report.services],
        "tasks": [record_dict(t) for t in report.tasks],
        "stats": [record_dict(s) for s in report.stats],
        "stats_errors": [record_dict(e) for e in report.stats_errors],
    }


def stats_history_line(report: ContainerReport) -> dict[str, Any]:
    """One line of the container stats history: per container and per service totals."""
    service_of = report.service_of_container()
    return {
        "environment": report.environment,
        "checked_at": report.checked_at,
        "status": report.status,
        "containers": [
            {
                "service": service_of.get(s.container_id, ""),
                "container_id": s.container_id,
                "cpu_pct": s.cpu_pct,
                "mem_used_bytes": s.mem_used_bytes,
                "mem_limit_bytes": s.mem_limit_bytes,
                "mem_pct": s.mem_pct,
                "net_rx_bytes": s.net_rx_bytes,
                "net_tx_bytes": s.net_tx_bytes,
                "blk_read_bytes": s.blk_read_bytes,
                "blk_write_bytes": s.blk_write_bytes,
            }
            for s in report.stats
        ],
        "services": {k: record_dict(v) for k, v in report.totals_by_service().items()},
    }
