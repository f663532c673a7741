"""Per environment: the health snapshot (probes, checks, history) and the uptime derived from it."""

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from infra_monitor.clients.errors import ServiceError
from infra_monitor.clients.object_store import ObjectStore
from infra_monitor.defs.common import env_key
from infra_monitor.defs.health.checks import health_check_results, health_check_specs
from infra_monitor.defs.resources import ObjectStoreResource, SettingsResource
from infra_monitor.health.history import (
    append_snapshot,
    latest_key,
    read_history,
    samples_from,
)
from infra_monitor.health.records import SERVICES, HealthSnapshot
from infra_monitor.health.runner import probe_environment
from infra_monitor.metrics.uptime import uptime
from infra_monitor.render.health import badge, health_markdown, uptime_markdown
from infra_monitor.settings import EnvironmentSettings, SettingsError

DOMAIN = "health"
HISTORY_DAYS = 7


def uptime_object_key(env_settings: EnvironmentSettings) -> str:
    """Where the environment's uptime is written (JSON)."""
    return env_settings.output.key("health", "uptime", f"{env_settings.name}.json")


def _probe_store_factory(env_settings: EnvironmentSettings) -> Callable[[], ObjectStore]:
    """The scheduler's bucket with the probe's timeout (built inside the probe's guard)."""
    store_settings = dataclasses.replace(
        env_settings.object_store,
        timeout_s=min(env_settings.object_store.timeout_s, env_settings.health.timeout_s),
    )
    return lambda: ObjectStore.from_settings(store_settings)


def snapshot_metadata(snapshot: HealthSnapshot) -> dict[str, Any]:
    """Markdown table, overall status, and one numeric latency per service (plotted over time)."""
    metadata: dict[str, Any] = {
        "status": dg.MetadataValue.text(badge(snapshot.status)),
        "checked_at": dg.MetadataValue.text(snapshot.checked_at),
        "services": dg.MetadataValue.md(health_markdown(snapshot)),
    }
    for record in snapshot.services:
        if record.latency_ms is not None:
            metadata[f"latency_ms_{record.service}"] = dg.MetadataValue.float(
                float(record.latency_ms)
            )
        metadata[f"up_{record.service}"] = dg.MetadataValue.int(1 if record.status == "up" else 0)
    return metadata


def build_snapshot_asset(env: str) -> dg.AssetsDefinition:
    """``env/health/snapshot``: probe every service, append to the history, check each one."""
    key = env_key(env, DOMAIN, "snapshot")

    @dg.asset(
        key=key,
        group_name=DOMAIN,
        description=(
            "Every service of the environment probed once: status (up/degraded/down), latency,"
            " HTTP status, detail. Appended to the history in the bucket."
        ),
        tags={"environment": env},
        kinds={"s3"},
        check_specs=health_check_specs(key),
    )
    def _snapshot(
        context: dg.AssetExecutionContext,
        settings: SettingsResource,
        object_store: ObjectStoreResource,
    ):
        try:
            env_settings = settings.environment(env)
        except SettingsError as exc:
            raise dg.Failure(description=str(exc)) from None
        snapshot = probe_environment(env_settings, _probe_store_factory(env_settings))
        for record in snapshot.services:
            log = context.log.info if record.status == "up" else context.log.warning
            log(f"{record.service}: {record.status} ({record.detail})")
        metadata = snapshot_metadata(snapshot)
        try:  # the history is best effort: the object store being down is itself a finding
            out = object_store.output_for_env(env)
            history_key = append_snapshot(out, env_settings.output, snapshot)
            out.put_json(latest_key(env_settings.output, env), snapshot.to_dict())
            metadata["history_object"] = dg.MetadataValue.path(history_key)
        except (ServiceError, SettingsError) as exc:
            context.log.error(f"health history not written: {exc}")
            metadata["history_error"] = dg.MetadataValue.text(str(exc))
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
        yield from health_check_results(key, snapshot)

    return _snapshot


def build_uptime_asset(env: str) -> dg.AssetsDefinition:
    """``env/health/uptime``: uptime % per service over 24 h and 7 d, from the history."""
    key = env_key(env, DOMAIN, "uptime")

    @dg.asset(
        key=key,
        group_name=DOMAIN,
        deps=[env_key(env, DOMAIN, "snapshot")],
        description="Uptime % per service over the last 24 h and 7 d, from the health history.",
        tags={"environment": env},
        kinds={"s3"},
    )
    def _uptime(
        context: dg.AssetExecutionContext,
        settings: SettingsResource,
        object_store: ObjectStoreResource,
    ) -> dg.MaterializeResult:
        try:
            env_settings = settings.environment(env)
            out = object_store.output_for_env(env)
            now = datetime.now(UTC)
            snapshots = read_history(out, env_settings.output, env, days=HISTORY_DAYS, now=now)
            rows = uptime(samples_from(snapshots), now, services=SERVICES)
            out.put_json(
                uptime_object_key(env_settings),
                [dataclasses.asdict(r) for r in rows],
            )
        except (ServiceError, SettingsError) as exc:
            raise dg.Failure(description=str(exc)) from None
        context.log.info(f"uptime of {env} from {len(snapshots)} snapshots")
        metadata: dict[str, Any] = {
            "uptime": dg.MetadataValue.md(uptime_markdown(rows)),
            "snapshots": dg.MetadataValue.int(len(snapshots)),
            "uptime_object": dg.MetadataValue.path(uptime_object_key(env_settings)),
        }
        for row in rows:
            if row.uptime_pct is not None:
                metadata[f"uptime_pct_{row.window}_{row.service}"] = dg.MetadataValue.float(
                    float(row.uptime_pct)
                )
        return dg.MaterializeResult(metadata=metadata)

    return _uptime
