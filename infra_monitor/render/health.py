"""Health snapshots and uptime as Markdown tables with status colours (🟢 🟡 🔴).

Every remote string (details, URLs, messages) goes through ``render.tables``' cell escaping, so a
``|``, a newline or ``<script>`` from a server cannot break the table or inject HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from infra_monitor.health.records import DEGRADED, DOWN, UP, HealthSnapshot, ServiceHealth, iso
from infra_monitor.metrics.uptime import UptimeRow
from infra_monitor.render.tables import markdown_table

STATUS_EMOJI = {UP: "🟢", DEGRADED: "🟡", DOWN: "🔴"}
UNKNOWN_EMOJI = "⚪"
HEALTH_COLUMNS = ("service", "status", "latency_ms", "http_status", "checked_at", "detail")
UPTIME_COLUMNS = ("service", "window", "uptime", "up", "degraded", "down", "status", "since")


def badge(status: str | None) -> str:
    """``🟢 up`` / ``🟡 degraded`` / ``🔴 down`` (``⚪ unknown`` otherwise)."""
    if status is None:
        return f"{UNKNOWN_EMOJI} unknown"
    return f"{STATUS_EMOJI.get(status, UNKNOWN_EMOJI)} {status}"


def health_rows(services: Iterable[ServiceHealth]) -> list[dict[str, Any]]:
    """Table rows of service health records (status as a coloured badge)."""
    return [
        {
            "service": s.service,
            "status": badge(s.status),
            "latency_ms": None if s.latency_ms is None else round(s.latency_ms, 1),
            "http_status": s.http_status,
            "checked_at": s.checked_at,
            "detail": s.detail,
        }
        for s in services
    ]


def health_markdown(snapshot: HealthSnapshot) -> str:
    """The snapshot as a Markdown table, headed by the environment's overall status."""
    head = f"**{snapshot.environment}**: {badge(snapshot.status)} at {snapshot.checked_at}\n\n"
    return head + markdown_table(health_rows(snapshot.services), HEALTH_COLUMNS)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} %"


def uptime_rows(rows: Sequence[UptimeRow]) -> list[dict[str, Any]]:
    """Table rows of uptime results."""
    return [
        {
            "service": r.service,
            "window": r.window,
            "uptime": _pct(r.uptime_pct),
            "up": r.up,
            "degraded": r.degraded,
            "down": r.down,
            "status": badge(r.last_status),
            "since": iso(r.status_since) if r.status_since else None,
        }
        for r in rows
    ]


def uptime_markdown(rows: Sequence[UptimeRow]) -> str:
    """Uptime per service and window as a Markdown table."""
    return markdown_table(uptime_rows(rows), UPTIME_COLUMNS)
