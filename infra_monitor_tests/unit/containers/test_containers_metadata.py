"""The containers asset's metadata for every report shape (no containers, refused, full)."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

from infra_monitor.defs.containers.assets import _services_meta, _stats_meta
from infra_monitor.defs.containers.checks import container_check_results
from infra_monitor.health.containers import ContainerReport, collect
from infra_monitor.settings import HealthSettings

from .test_report import NOW, FakePortainer

EMPTY = ContainerReport(
    environment="dev", checked_at="2026-12-04T16:00:00Z", status="up", services_known=True
)
REFUSED = ContainerReport(
    environment="dev",
    checked_at="2026-12-04T16:00:00Z",
    status="down",
    services_known=False,
    problems=("API key refused: HTTP 401: Invalid API key",),
)


def test_no_containers_gives_zero_floats_not_an_error() -> None:
    stats = _stats_meta(EMPTY)
    assert stats["cpu_pct_total"] == dg.MetadataValue.float(0.0)
    assert stats["mem_used_mib_total"] == dg.MetadataValue.float(0.0)
    assert stats["containers"] == dg.MetadataValue.int(0)
    services = _services_meta(EMPTY)
    assert services["dagster/row_count"] == dg.MetadataValue.int(0)


def test_refused_key_never_reports_zero_containers() -> None:
    services = _services_meta(REFUSED)
    assert "dagster/row_count" not in services
    assert services["services"] == dg.MetadataValue.text(
        "unknown: API key refused: HTTP 401: Invalid API key"
    )
    assert "containers" not in _stats_meta(REFUSED)


def test_full_report_metadata_and_checks() -> None:
    report = collect(FakePortainer(), "dev", "sch_", 4, NOW)
    stats = _stats_meta(report)
    assert isinstance(stats["cpu_pct_sch_busy_one_release"].value, float)
    keys = (
        dg.AssetKey(["dev", "containers", "services"]),
        dg.AssetKey(["dev", "containers", "stats"]),
    )
    results = {
        r.check_name: r
        for r in container_check_results(
            *keys,
            report,
            HealthSettings(memory_pct_threshold=0.4),
            datetime(2026, 12, 4, 15, 53, tzinfo=UTC),
        )
    }
    assert not results["portainer_access"].passed  # two containers' stats missing: degraded
    assert results["portainer_access"].severity == dg.AssetCheckSeverity.WARN
    assert not results["failed_tasks"].passed
    assert results["failed_tasks"].metadata["failed_count"] == dg.MetadataValue.int(4)
    assert not results["memory_threshold"].passed  # the idle one uses 0.48 % of 64 MiB
