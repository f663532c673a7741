"""Per-service health checks: ERROR when a service is down, WARN when degraded.

They are evaluated inside the snapshot asset, on the records it just produced (probing again
for a check would measure a different moment).
"""

from collections.abc import Iterator, Sequence

import dagster as dg

from infra_monitor.health.records import DEGRADED, DOWN, SERVICES, HealthSnapshot
from infra_monitor.render.health import badge


def check_name(service: str) -> str:
    """The check's name for ``service``, e.g. ``triplestore_up``."""
    return f"{service}_up"


def health_check_specs(
    asset_key: dg.AssetKey, services: Sequence[str] = SERVICES
) -> list[dg.AssetCheckSpec]:
    """One check per service on the snapshot asset."""
    return [
        dg.AssetCheckSpec(
            name=check_name(service),
            asset=asset_key,
            description=f"{service} answers: ERROR when down, WARN when degraded.",
            blocking=False,
        )
        for service in services
    ]


def health_check_results(
    asset_key: dg.AssetKey, snapshot: HealthSnapshot, services: Sequence[str] = SERVICES
) -> Iterator[dg.AssetCheckResult]:
    """The result of every service's check; a service not probed (not configured) passes."""
    for service in services:
        record = snapshot.service(service)
        if record is None:
            yield dg.AssetCheckResult(
                asset_key=asset_key,
                check_name=check_name(service),
                passed=True,
                description=f"{service} is not configured for {snapshot.environment}",
            )
            continue
        severity = (
            dg.AssetCheckSeverity.ERROR if record.status == DOWN else dg.AssetCheckSeverity.WARN
        )
        metadata: dict[str, dg.RawMetadataValue] = {
            "status": dg.MetadataValue.text(badge(record.status)),
            "checked_at": dg.MetadataValue.text(record.checked_at),
            "detail": dg.MetadataValue.text(record.detail),
        }
        if record.latency_ms is not None:
            metadata["latency_ms"] = dg.MetadataValue.float(float(record.latency_ms))
        if record.http_status is not None:
            metadata["http_status"] = dg.MetadataValue.int(record.http_status)
        yield dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=check_name(service),
            passed=record.status not in (DOWN, DEGRADED),
            severity=severity,
            description=f"{service} {record.status}: {record.detail}"[:1000],
            metadata=metadata,
        )
