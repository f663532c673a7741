"""Asset checks on the job metrics: stale sources and the queue backlog."""

import json
from typing import Any

import dagster as dg

from infra_monitor.clients.errors import ServiceError
from infra_monitor.defs.resources import ObjectStoreResource, SettingsResource
from infra_monitor.defs.scheduler.common import metrics_key, metrics_object_key
from infra_monitor.metrics.runs import BACKLOG_ORDER
from infra_monitor.settings import SettingsError


def _read_metrics(
    env: str, settings: SettingsResource, object_store: ObjectStoreResource
) -> dict[str, Any] | dg.AssetCheckResult:
    """The last job metrics written for ``env``, or a failed result saying why they are missing."""
    try:
        key = metrics_object_key(settings.environment(env))
        data = json.loads(object_store.output_for_env(env).get_text(key))
    except (ServiceError, SettingsError, ValueError) as exc:
        return dg.AssetCheckResult(passed=False, metadata={"error": str(exc)})
    return data if isinstance(data, dict) else {}


def build_metrics_checks(env: str) -> list[dg.AssetChecksDefinition]:
    """Warn on sources without a successful harvest and on a MEDIUM-or-worse backlog."""

    @dg.asset_check(
        asset=metrics_key(env),
        name="no_stale_sources",
        description="Every active source had a successful harvest within stale_source_days.",
    )
    def _stale(
        settings: SettingsResource, object_store: ObjectStoreResource
    ) -> dg.AssetCheckResult:
        data = _read_metrics(env, settings, object_store)
        if isinstance(data, dg.AssetCheckResult):
            return data
        stale = [str(s) for s in data.get("stale_sources", []) or []]
        return dg.AssetCheckResult(
            passed=not stale,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"{len(stale)} stale sources" if stale else "no stale source",
            metadata={"stale_sources": ", ".join(stale) or "none", "count": len(stale)},
        )

    @dg.asset_check(
        asset=metrics_key(env),
        name="queue_backlog_below_medium",
        description="Queued runs per active source stay below the MEDIUM level (1.5).",
    )
    def _backlog(
        settings: SettingsResource, object_store: ObjectStoreResource
    ) -> dg.AssetCheckResult:
        data = _read_metrics(env, settings, object_store)
        if isinstance(data, dg.AssetCheckResult):
            return data
        backlog = data.get("backlog") or {}
        level = str(backlog.get("level", "OK"))
        rank = BACKLOG_ORDER.index(level) if level in BACKLOG_ORDER else 0
        return dg.AssetCheckResult(
            passed=rank < BACKLOG_ORDER.index("MEDIUM"),
            severity=dg.AssetCheckSeverity.WARN,
            description=f"backlog {level}",
            metadata={
                "level": level,
                "ratio": float(backlog.get("ratio", 0.0)),
                "queued": int(backlog.get("queued", 0)),
            },
        )

    return [_stale, _backlog]
