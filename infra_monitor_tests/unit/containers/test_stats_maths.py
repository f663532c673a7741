"""Container stats maths on recorded cgroup v1 payloads and the documented cgroup v2 layout."""

from __future__ import annotations

import copy

import pytest

from infra_monitor.metrics.containers import (
    cpu_percent,
    memory_cache,
    memory_cgroup,
    memory_used,
    online_cpus,
    parse_docker_time,
    parse_stats,
    totals_by,
)

from .conftest import load


def test_busy_container_v1_uses_about_one_full_cpu() -> None:
    stats = parse_stats(load("stats_busy_v1"))
    # (10289152446 - 9302282583) / (891630000000 - 889650000000) * 2 * 100
    assert stats.cpu_pct == pytest.approx(99.684, abs=0.001)
    assert stats.online_cpus == 2
    assert stats.cgroup == "v1"
    assert stats.name == "sch_busy_one_release.1.reke4f6l8ktoftkp8puherhs1"


def test_idle_container_v1_with_memory_limit() -> None:
    stats = parse_stats(load("stats_idle_v1"))
    assert stats.cpu_pct == pytest.approx(0.0, abs=0.01)
    assert stats.mem_used_bytes == 323584
    assert stats.mem_limit_bytes == 64 * 1024 * 1024
    assert stats.mem_pct == pytest.approx(323584 / 67108864 * 100, abs=0.001)
    assert stats.net_rx_bytes == 806 and stats.net_tx_bytes == 0


def test_v1_memory_subtracts_stats_cache() -> None:
    payload = load("stats_cache_v1")
    mem = payload["memory_stats"]
    assert memory_cgroup(mem) == "v1"
    assert memory_cache(mem) == 20975616
    assert memory_used(mem) == 21880832 - 20975616
    assert parse_stats(payload).mem_used_bytes == 905216


def test_v2_layout_from_the_docs() -> None:
    stats = parse_stats(load("stats_v2"))
    assert stats.cgroup == "v2"
    assert stats.cpu_pct == pytest.approx(50.0)  # 0.5e9 / 4e9 * 4 CPUs * 100
    assert stats.online_cpus == 4
    assert stats.mem_cache_bytes == 30 * 1024 * 1024  # stats.inactive_file
    assert stats.mem_used_bytes == 70 * 1024 * 1024
    assert stats.mem_pct == pytest.approx(70 / 512 * 100, abs=0.001)
    assert (stats.net_rx_bytes, stats.net_tx_bytes) == (6144, 1536)
    assert (stats.blk_read_bytes, stats.blk_write_bytes) == (8 * 1024 * 1024, 1024 * 1024)
    assert stats.pids == 3


def test_v2_without_online_cpus_and_without_percpu_falls_back_to_one() -> None:
    payload = load("stats_v2")
    del payload["cpu_stats"]["online_cpus"]
    assert online_cpus(payload["cpu_stats"]) == 1
    assert parse_stats(payload).cpu_pct == pytest.approx(12.5)


def test_online_cpus_falls_back_to_percpu_length() -> None:
    payload = load("stats_busy_v1")
    cpu = copy.deepcopy(payload["cpu_stats"])
    cpu["online_cpus"] = 0
    cpu["cpu_usage"]["percpu_usage"] = [1, 2, 3, 4]
    assert online_cpus(cpu) == 4
    assert cpu_percent(cpu, payload["precpu_stats"]) == pytest.approx(2 * 99.684, abs=0.01)


def test_v1_blkio_ops_are_capitalised() -> None:
    payload = load("stats_idle_v1")
    payload["blkio_stats"]["io_service_bytes_recursive"] = [
        {"major": 8, "minor": 0, "op": "Read", "value": 4096},
        {"major": 8, "minor": 0, "op": "Write", "value": 8192},
        {"major": 8, "minor": 0, "op": "Sync", "value": 12288},
        {"major": 8, "minor": 0, "op": "Total", "value": 12288},
    ]
    stats = parse_stats(payload)
    assert (stats.blk_read_bytes, stats.blk_write_bytes) == (4096, 8192)


def test_no_cpu_delta_is_zero_and_null_networks_are_zero() -> None:
    payload = load("stats_busy_v1")
    payload["precpu_stats"] = copy.deepcopy(payload["cpu_stats"])  # no time passed
    payload["networks"] = None
    stats = parse_stats(payload)
    assert stats.cpu_pct == 0.0
    assert (stats.net_rx_bytes, stats.net_tx_bytes) == (0, 0)


def test_missing_limit_gives_zero_percent() -> None:
    payload = load("stats_v2")
    payload["memory_stats"].pop("limit")
    assert parse_stats(payload).mem_pct == 0.0


def test_docker_time_with_nanoseconds_and_zero_time() -> None:
    parsed = parse_docker_time("2026-12-04T15:52:17.873194069Z")
    assert parsed is not None and parsed.microsecond == 873194 and parsed.utcoffset() is not None
    assert parse_docker_time("0001-01-01T00:00:00Z") is None
    assert parse_docker_time(None) is None
    assert parse_docker_time("garbage") is None


def test_totals_per_group() -> None:
    busy = parse_stats(load("stats_busy_v1"))
    idle = parse_stats(load("stats_idle_v1"))
    v2 = parse_stats(load("stats_v2"))
    totals = totals_by(
        [busy, idle, v2],
        {busy.container_id: "a", idle.container_id: "a", v2.container_id: "b"},
    )
    assert list(totals) == ["a", "b"]
    assert totals["a"].containers == 2
    assert totals["a"].cpu_pct == pytest.approx(busy.cpu_pct + idle.cpu_pct, abs=0.01)
    assert totals["a"].mem_used_bytes == busy.mem_used_bytes + idle.mem_used_bytes
    assert totals["a"].max_mem_pct == idle.mem_pct
    assert totals["b"].blk_read_bytes == 8 * 1024 * 1024
