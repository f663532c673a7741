"""The alert history of each environment as an asset (what was sent, when, and to whom)."""

import json
import time
from typing import Any

import dagster as dg

from infra_monitor.alerts.engine import TickCursor
from infra_monitor.clients.errors import ObjectNotFound, ServiceError
from infra_monitor.defs.alerting.common import DOMAIN, history_key, state_key
from infra_monitor.defs.common import env_key, markdown_metadata, table_metadata
from infra_monitor.defs.resources import ObjectStoreResource, SettingsResource
from infra_monitor.runs.records import iso_utc
from infra_monitor.runs.store import days_between
from infra_monitor.settings import SettingsError

HISTORY_DAYS = 7
HISTORY_COLUMNS = ("at", "event", "kind", "key", "channel", "title", "error")
ACTIVE_COLUMNS = ("key", "severity", "since", "title")


def alert_history_key(env: str) -> dg.AssetKey:
    """``{env}/alerting/alert_history``."""
    return env_key(env, DOMAIN, "alert_history")


def build_alert_history_asset(env: str) -> dg.AssetsDefinition:
    """Shows the last 7 days of alert events and the alerts active now."""

    @dg.asset(
        key=alert_history_key(env),
        group_name=DOMAIN,
        description=(
            "Alert events (created, delivered, failed) of the last 7 days from "
            "alerts/history/{env}/{day}.jsonl, and the alerts active at the last sensor tick."
        ),
        tags={"environment": env},
        kinds={"s3"},
    )
    def _history(
        settings: SettingsResource, object_store: ObjectStoreResource
    ) -> dg.MaterializeResult:
        now = time.time()
        try:
            env_settings = settings.environment(env)
            out = object_store.output_for_env(env)
            rows: list[dict[str, Any]] = []
            for day in days_between(now - HISTORY_DAYS * 86400, now):
                try:
                    text = out.get_text(history_key(env_settings, day))
                except ObjectNotFound:
                    continue
                rows += [json.loads(line) for line in text.splitlines() if line.strip()]
            try:
                state = TickCursor.loads(out.get_text(state_key(env_settings))).alerts
            except ObjectNotFound:
                state = TickCursor().alerts
        except (ServiceError, SettingsError) as exc:
            raise dg.Failure(description=str(exc)) from None
        rows.sort(key=lambda r: float(r.get("at", 0)), reverse=True)
        for row in rows:
            row["at"] = iso_utc(float(row.get("at", 0)))
        active = [
            {
                "key": a.condition.key,
                "severity": a.condition.severity,
                "since": iso_utc(a.condition.since),
                "title": a.condition.title,
            }
            for a in state.active.values()
        ]
        count = {
            e: sum(1 for r in rows if r.get("event") == e)
            for e in ("created", "delivered", "failed")
        }
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": dg.MetadataValue.int(len(rows)),
                "notifications_created": dg.MetadataValue.int(count["created"]),
                "deliveries": dg.MetadataValue.int(count["delivered"]),
                "failed_deliveries": dg.MetadataValue.int(count["failed"]),
                "active_alerts": dg.MetadataValue.int(len(active)),
                "pending_notifications": dg.MetadataValue.int(len(state.pending)),
                "active": markdown_metadata(active, ACTIVE_COLUMNS),
                "history": table_metadata(rows, HISTORY_COLUMNS, limit=200),
            }
        )

    return _history
