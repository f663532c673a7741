"""Uptime % per service over time windows, from health samples.

A sample is (service, status, checked_at). Uptime counts samples, since the health asset runs on
a fixed schedule: uptime % = samples not "down" / samples x 100 (degraded still serves).
``up_pct`` is the stricter share of fully "up" samples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOWS: Mapping[str, timedelta] = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}


@dataclass(frozen=True)
class Sample:
    """One probe result of one service."""

    service: str
    status: str
    checked_at: datetime


@dataclass(frozen=True)
class UptimeRow:
    """Uptime of one service over one window; percentages are None without samples."""

    service: str
    window: str
    samples: int
    up: int
    degraded: int
    down: int
    uptime_pct: float | None
    up_pct: float | None
    last_status: str | None
    status_since: datetime | None
    last_down_at: datetime | None


def uptime_row(service: str, window: str, samples: list[Sample]) -> UptimeRow:
    """Count one service's samples of one window (``samples`` sorted oldest first)."""
    up = sum(1 for s in samples if s.status == "up")
    degraded = sum(1 for s in samples if s.status == "degraded")
    down = len(samples) - up - degraded
    last = samples[-1] if samples else None
    since = None
    if last is not None:
        since = last.checked_at
        for sample in reversed(samples):
            if sample.status != last.status:
                break
            since = sample.checked_at
    downs = [s.checked_at for s in samples if s.status not in ("up", "degraded")]
    total = len(samples)
    return UptimeRow(
        service=service,
        window=window,
        samples=total,
        up=up,
        degraded=degraded,
        down=down,
        uptime_pct=round((up + degraded) / total * 100.0, 3) if total else None,
        up_pct=round(up / total * 100.0, 3) if total else None,
        last_status=last.status if last else None,
        status_since=since,
        last_down_at=downs[-1] if downs else None,
    )


def uptime(
    samples: Iterable[Sample],
    now: datetime,
    windows: Mapping[str, timedelta] = WINDOWS,
    services: Iterable[str] = (),
) -> list[UptimeRow]:
    """Uptime of every service (those in ``services`` even without samples) per window."""
    by_service: dict[str, list[Sample]] = {name: [] for name in services}
    for sample in samples:
        if sample.checked_at <= now:
            by_service.setdefault(sample.service, []).append(sample)
    rows: list[UptimeRow] = []
    for service in sorted(by_service):
        ordered = sorted(by_service[service], key=lambda s: s.checked_at)
        for window, length in windows.items():
            inside = [s for s in ordered if s.checked_at > now - length]
            rows.append(uptime_row(service, window, inside))
    return rows
