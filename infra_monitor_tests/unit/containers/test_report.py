"""The container report from recorded payloads: totals, refusals, checks' findings, the map."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from infra_monitor.clients.errors import PortainerError
from infra_monitor.clients.portainer import (
    ServiceRecord,
    StatsResult,
    TaskRecord,
    parse_service,
    parse_task,
)
from infra_monitor.health.containers import (
    collect,
    dependency_edges,
    failed_tasks,
    over_memory,
    shared_networks,
)
from infra_monitor.metrics.containers import parse_stats

from .conftest import load

NOW = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)


class FakePortainer:
    """Serves the recorded payloads; ``refuse`` maps a call name to the HTTP status it gets."""

    def __init__(self, refuse: Mapping[str, int] | None = None) -> None:
        self.refuse = dict(refuse or {})
        self.stats_payloads = {
            p["id"]: p for p in (load(n) for n in ("stats_busy_v1", "stats_idle_v1"))
        }

    def _check(self, call: str) -> None:
        if call in self.refuse:
            status = self.refuse[call]
            raise PortainerError(f"http://p/{call}", f"HTTP {status}: refused", status=status)

    def network_names(self) -> dict[str, str]:
        self._check("networks")
        return {n["Id"]: n["Name"] for n in load("networks_v1")}

    def services(
        self, prefix: str = "sch_", network_names: Mapping[str, str] | None = None
    ) -> list[ServiceRecord]:
        self._check("services")
        return [parse_service(s, network_names, prefix) for s in load("services_v1")]

    def tasks(self, service_ids: Iterable[str] | None = None) -> list[TaskRecord]:
        self._check("tasks")
        return [parse_task(t) for t in load("tasks_v1")]

    def node_names(self) -> dict[str, str]:
        self._check("nodes")
        return {"f37d08hyaa0v6u1f2px4m6c0d": "manager-1"}

    def stats_many(
        self,
        container_ids: Sequence[str],
        concurrency: int = 8,
        nodes: Mapping[str, str] | None = None,
    ) -> list[StatsResult]:
        self.nodes = dict(nodes or {})
        results = []
        for cid in container_ids:
            if "stats" in self.refuse:
                results.append(StatsResult(cid, None, "HTTP 403: refused", 403))
            elif cid in self.stats_payloads:
                results.append(StatsResult(cid, parse_stats(self.stats_payloads[cid])))
            else:
                results.append(StatsResult(cid, None, "HTTP 404: no such container", 404))
        return results


def test_collect_all_readable() -> None:
    report = collect(FakePortainer(), "dev", "sch_", 4, NOW)
    assert report.services_known and len(report.services) == 5
    assert len(report.stats) == 2  # the two recorded stats of the four running containers
    assert report.status == "degraded"  # two containers' stats missing (404) is reported
    assert "stats of 2 containers not readable" in report.problems[0]
    by_service = report.totals_by_service()
    assert by_service["sch_busy_one_release"].cpu_pct > 99
    assert by_service["sch_demo_src_gleaner"].containers == 1
    by_source = report.totals_by_source()
    assert set(by_source) == {"busy_one", "demo_src"}


def test_stats_calls_target_each_containers_node() -> None:
    client = FakePortainer()
    report = collect(client, "dev", "sch_", 4, NOW)
    running = {s.container_id for s in report.stats} | {e.container_id for e in report.stats_errors}
    assert client.nodes == {cid: "manager-1" for cid in running}
    unreadable = FakePortainer({"nodes": 403})
    assert collect(unreadable, "dev", "sch_", 4, NOW).status == "degraded"  # same as before
    assert unreadable.nodes == {}


def test_read_only_key_refused_stats_is_degraded_not_zero() -> None:
    report = collect(FakePortainer({"stats": 403}), "dev", "sch_", 4, NOW)
    assert report.status == "degraded"
    assert report.services_known and len(report.services) == 5
    assert len(report.stats_errors) == 4 and report.stats == ()
    assert "403" in report.problems[0]


def test_refused_service_listing_is_down_with_reason_and_unknown_services() -> None:
    report = collect(FakePortainer({"services": 401}), "dev", "sch_", 4, NOW)
    assert report.status == "down"
    assert report.services_known is False
    assert report.problems[-1].startswith("API key refused: HTTP 401")


def test_failed_tasks_in_window() -> None:
    tasks = [parse_task(t) for t in load("tasks_v1")]
    recorded_at = datetime(2026, 12, 4, 15, 53, tzinfo=UTC)
    assert len(failed_tasks(tasks, recorded_at, timedelta(minutes=60))) == 4
    assert failed_tasks(tasks, recorded_at + timedelta(hours=2), timedelta(minutes=60)) == []


def test_memory_over_threshold() -> None:
    idle = parse_stats(load("stats_idle_v1"))  # 0.48 % of its 64 MiB limit
    assert over_memory([idle], 0.4) == [idle]
    assert over_memory([idle], 90.0) == []


def test_dependency_edges_and_shared_networks() -> None:
    names = {n["Id"]: n["Name"] for n in load("networks_v1")}
    services = [parse_service(s, names) for s in load("services_v1")]
    edges = dependency_edges(services)
    starts = {(e.target, e.label) for e in edges if e.kind == "starts"}
    assert ("sch_demo_src_gleaner", "gleaner gleaner") in starts
    assert ("sch_busy_one_release", "nabu release") in starts
    assert ("sch_bad_src_prune", "nabu prune") in starts
    network = {(e.source, e.target) for e in edges if e.kind == "network"}
    assert network == {
        ("sch_busy_one_release", "net:sch_net"),
        ("sch_demo_src_gleaner", "net:sch_net"),
    }
    assert shared_networks(services) == {
        "sch_net": ["sch_busy_one_release", "sch_demo_src_gleaner"]
    }
