"""Health records: one per probed service, grouped into one snapshot per environment and run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

UP = "up"
DEGRADED = "degraded"
DOWN = "down"
STATUSES = (UP, DEGRADED, DOWN)
_RANK = {UP: 0, DEGRADED: 1, DOWN: 2}

# The four services every environment is probed for (a missing one is reported as skipped).
TRIPLESTORE = "triplestore"
OBJECT_STORE = "object_store"
SCHEDULER = "scheduler"
PORTAINER = "portainer"
SERVICES = (TRIPLESTORE, OBJECT_STORE, SCHEDULER, PORTAINER)


def utc_now() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` (second precision)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """The inverse of ``iso`` (accepts any ISO 8601 offset)."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def worst(statuses: Iterable[str]) -> str:
    """The worst of the statuses (down > degraded > up); up when there are none."""
    return max(statuses, key=lambda s: _RANK.get(s, 2), default=UP)


@dataclass(frozen=True)
class ServiceHealth:
    """The result of probing one service once.

    ``detail`` is short and never holds a secret (probes build it from status codes and
    remote messages only). ``latency_ms`` is None when the service never answered.
    """

    service: str
    status: str
    latency_ms: float | None
    http_status: int | None
    checked_at: str
    detail: str = ""
    url: str = ""  # redacted

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "service": self.service,
            "status": self.status,
            "latency_ms": self.latency_ms,
            "http_status": self.http_status,
            "checked_at": self.checked_at,
            "detail": self.detail,
            "url": self.url,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServiceHealth:
        """Read back a dict written by ``to_dict`` (tolerates missing optional keys)."""
        latency = data.get("latency_ms")
        http_status = data.get("http_status")
        status = str(data.get("status", DOWN))
        return cls(
            service=str(data.get("service", "")),
            status=status if status in STATUSES else DOWN,
            latency_ms=float(latency) if isinstance(latency, int | float) else None,
            http_status=int(http_status) if isinstance(http_status, int) else None,
            checked_at=str(data.get("checked_at", "")),
            detail=str(data.get("detail", "")),
            url=str(data.get("url", "")),
        )


@dataclass(frozen=True)
class HealthSnapshot:
    """Every service of one environment, probed in one run."""

    environment: str
    checked_at: str
    services: tuple[ServiceHealth, ...] = field(default_factory=tuple)

    @property
    def status(self) -> str:
        """The environment's overall status: the worst of its services."""
        return worst(s.status for s in self.services)

    def service(self, name: str) -> ServiceHealth | None:
        """The record of one service, if it was probed."""
        return next((s for s in self.services if s.service == name), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (one history line)."""
        return {
            "environment": self.environment,
            "checked_at": self.checked_at,
            "status": self.status,
            "services": [s.to_dict() for s in self.services],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HealthSnapshot:
        """Read back a dict written by ``to_dict``."""
        services = data.get("services") or []
        return cls(
            environment=str(data.get("environment", "")),
            checked_at=str(data.get("checked_at", "")),
            services=tuple(ServiceHealth.from_dict(s) for s in services if isinstance(s, Mapping)),
        )
