"""Container resource maths on Docker Engine stats payloads (cgroup v1 and v2 layouts).

The formulas are the ones ``docker stats`` uses:
- CPU % = (container CPU delta / system CPU delta) x online CPUs x 100, where online CPUs is
  ``cpu_stats.online_cpus``, else the length of ``percpu_usage`` (absent on cgroup v2).
- memory used = ``usage`` minus the page cache: ``stats.cache`` on cgroup v1,
  ``stats.inactive_file`` on cgroup v2 (which has no ``cache`` and no ``max_usage``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ZERO_TIME_PREFIX = "0001-01-01"  # Docker's "never" timestamp


@dataclass(frozen=True)
class ContainerStats:
    """One container's resource use at one moment, parsed from a stats payload."""

    container_id: str
    name: str
    read_at: datetime | None
    cgroup: str  # "v1" or "v2"
    cpu_pct: float
    online_cpus: int
    mem_usage_bytes: int
    mem_cache_bytes: int
    mem_used_bytes: int
    mem_limit_bytes: int
    mem_pct: float
    net_rx_bytes: int
    net_tx_bytes: int
    blk_read_bytes: int
    blk_write_bytes: int
    pids: int


@dataclass(frozen=True)
class UsageTotals:
    """Summed resource use of a group of containers (a service or a source)."""

    key: str
    containers: int = 0
    cpu_pct: float = 0.0
    mem_used_bytes: int = 0
    mem_limit_bytes: int = 0
    net_rx_bytes: int = 0
    net_tx_bytes: int = 0
    blk_read_bytes: int = 0
    blk_write_bytes: int = 0
    max_mem_pct: float = 0.0
    members: tuple[str, ...] = field(default_factory=tuple)

    def add(self, stats: ContainerStats) -> UsageTotals:
        """These totals with one more container's stats added."""
        return UsageTotals(
            key=self.key,
            containers=self.containers + 1,
            cpu_pct=round(self.cpu_pct + stats.cpu_pct, 3),
            mem_used_bytes=self.mem_used_bytes + stats.mem_used_bytes,
            mem_limit_bytes=self.mem_limit_bytes + stats.mem_limit_bytes,
            net_rx_bytes=self.net_rx_bytes + stats.net_rx_bytes,
            net_tx_bytes=self.net_tx_bytes + stats.net_tx_bytes,
            blk_read_bytes=self.blk_read_bytes + stats.blk_read_bytes,
            blk_write_bytes=self.blk_write_bytes + stats.blk_write_bytes,
            max_mem_pct=max(self.max_mem_pct, stats.mem_pct),
            members=(*self.members, stats.container_id),
        )


def parse_docker_time(value: Any) -> datetime | None:
    """A Docker RFC 3339 timestamp (nanoseconds, ``Z``) as an aware UTC datetime; None if unset."""
    if not isinstance(value, str) or not value or value.startswith(ZERO_TIME_PREFIX):
        return None
    text = value.strip().replace("Z", "+00:00")
    head, sep, rest = text.partition(".")
    if sep:  # keep at most microseconds: Python cannot parse nanoseconds
        digits = "".join(ch for ch in rest if ch.isdigit())
        tz = rest[len(digits) :]
        text = f"{head}.{digits[:6].ljust(6, '0')}{tz}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _int(value: Any) -> int:
    """An integer from a JSON number, 0 for null/missing/garbage."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    return 0


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def online_cpus(cpu_stats: Mapping[str, Any]) -> int:
    """``online_cpus``, else the number of per-CPU counters, else 1."""
    n = _int(cpu_stats.get("online_cpus"))
    if n > 0:
        return n
    percpu = _dict(cpu_stats.get("cpu_usage")).get("percpu_usage")
    if isinstance(percpu, list) and percpu:
        return len(percpu)
    return 1


def cpu_percent(cpu_stats: Mapping[str, Any], precpu_stats: Mapping[str, Any]) -> float:
    """CPU % over the sampling interval (100 % = one full CPU; N CPUs busy = N x 100 %)."""
    total = _int(_dict(cpu_stats.get("cpu_usage")).get("total_usage"))
    pre_total = _int(_dict(precpu_stats.get("cpu_usage")).get("total_usage"))
    system = _int(cpu_stats.get("system_cpu_usage"))
    pre_system = _int(precpu_stats.get("system_cpu_usage"))
    cpu_delta = total - pre_total
    system_delta = system - pre_system
    if cpu_delta <= 0 or system_delta <= 0:
        return 0.0
    return cpu_delta / system_delta * online_cpus(cpu_stats) * 100.0


def memory_cgroup(memory_stats: Mapping[str, Any]) -> str:
    """ "v1" when the payload has the cgroup v1 keys (``cache``/``max_usage``), else "v2"."""
    stats = _dict(memory_stats.get("stats"))
    if "cache" in stats or "total_cache" in stats or "max_usage" in memory_stats:
        return "v1"
    return "v2"


def memory_cache(memory_stats: Mapping[str, Any]) -> int:
    """The page cache to subtract from ``usage`` (see the module docstring)."""
    stats = _dict(memory_stats.get("stats"))
    if memory_cgroup(memory_stats) == "v1":
        return _int(stats.get("cache"))
    return _int(stats.get("inactive_file"))


def memory_used(memory_stats: Mapping[str, Any]) -> int:
    """Memory used without the page cache (never below zero)."""
    return max(0, _int(memory_stats.get("usage")) - memory_cache(memory_stats))


def network_totals(networks: Any) -> tuple[int, int]:
    """(rx bytes, tx bytes) over every interface; ``networks`` is null when none."""
    rx = tx = 0
    for iface in _dict(networks).values():
        rx += _int(_dict(iface).get("rx_bytes"))
        tx += _int(_dict(iface).get("tx_bytes"))
    return rx, tx


def blkio_totals(blkio_stats: Any) -> tuple[int, int]:
    """(read bytes, write bytes) summed over devices; ops are "Read" (v1) or "read" (v2)."""
    read = write = 0
    entries = _dict(blkio_stats).get("io_service_bytes_recursive")
    for entry in entries if isinstance(entries, list) else []:
        op = str(_dict(entry).get("op", "")).lower()
        if op == "read":
            read += _int(entry.get("value"))
        elif op == "write":
            write += _int(entry.get("value"))
    return read, write


def parse_stats(payload: Mapping[str, Any], container_id: str = "") -> ContainerStats:
    """Parse one ``/containers/{id}/stats?stream=false`` payload into a ContainerStats."""
    cpu = _dict(payload.get("cpu_stats"))
    precpu = _dict(payload.get("precpu_stats"))
    mem = _dict(payload.get("memory_stats"))
    used = memory_used(mem)
    limit = _int(mem.get("limit"))
    rx, tx = network_totals(payload.get("networks"))
    blk_read, blk_write = blkio_totals(payload.get("blkio_stats"))
    return ContainerStats(
        container_id=str(payload.get("id") or container_id),
        name=str(payload.get("name") or "").lstrip("/"),
        read_at=parse_docker_time(payload.get("read")),
        cgroup=memory_cgroup(mem),
        cpu_pct=round(cpu_percent(cpu, precpu), 3),
        online_cpus=online_cpus(cpu),
        mem_usage_bytes=_int(mem.get("usage")),
        mem_cache_bytes=memory_cache(mem),
        mem_used_bytes=used,
        mem_limit_bytes=limit,
        mem_pct=round(used / limit * 100.0, 3) if limit > 0 else 0.0,
        net_rx_bytes=rx,
        net_tx_bytes=tx,
        blk_read_bytes=blk_read,
        blk_write_bytes=blk_write,
        pids=_int(_dict(payload.get("pids_stats")).get("current")),
    )


def totals_by(
    stats: Iterable[ContainerStats], group_of: Mapping[str, str]
) -> dict[str, UsageTotals]:
    """Sum stats per group; ``group_of`` maps container id to a group (service or source).

    Containers missing from ``group_of`` are left out.
    """
    totals: dict[str, UsageTotals] = {}
    for item in stats:
        group = group_of.get(item.container_id)
        if group is None:
            continue
        totals[group] = totals.get(group, UsageTotals(key=group)).add(item)
    return dict(sorted(totals.items()))
