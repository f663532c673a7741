"""Health records round-trip, the JSON-lines history in the bucket, and uptime maths."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from infra_monitor.health.history import append_snapshot, history_key, parse_lines, read_history
from infra_monitor.health.records import HealthSnapshot, ServiceHealth, iso, worst
from infra_monitor.metrics.uptime import Sample, uptime
from infra_monitor.render.health import badge, health_markdown, uptime_markdown
from infra_monitor.settings import OutputSettings

from .fakes import FakeStore

OUTPUT = OutputSettings(bucket="gleaner", prefix="infra_monitor")
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _snapshot(at: datetime, **statuses: str) -> HealthSnapshot:
    return HealthSnapshot(
        environment="dev",
        checked_at=iso(at),
        services=tuple(
            ServiceHealth(name, status, 12.5, 200, iso(at), f"{name} detail")
            for name, status in statuses.items()
        ),
    )


def test_worst_and_round_trip() -> None:
    assert worst(["up", "degraded"]) == "degraded"
    assert worst(["up", "down", "degraded"]) == "down"
    assert worst([]) == "up"
    snap = _snapshot(NOW, scheduler="up", portainer="degraded")
    assert snap.status == "degraded"
    again = HealthSnapshot.from_dict(json.loads(json.dumps(snap.to_dict())))
    assert again == snap


def test_history_key_is_per_environment_per_day() -> None:
    assert (
        history_key(OUTPUT, "dev", NOW.date())
        == "infra_monitor/health/history/dev/2026-12-04.jsonl"
    )


def test_append_and_read_back_across_days() -> None:
    store = FakeStore()
    for hours in (50, 30, 20, 2, 1):
        append_snapshot(store, OUTPUT, _snapshot(NOW - timedelta(hours=hours), scheduler="up"))
    assert sorted(store.objects) == [
        "infra_monitor/health/history/dev/2026-12-02.jsonl",
        "infra_monitor/health/history/dev/2026-12-03.jsonl",
        "infra_monitor/health/history/dev/2026-12-04.jsonl",
    ]
    assert store.objects["infra_monitor/health/history/dev/2026-12-04.jsonl"].count("\n") == 2
    history = read_history(store, OUTPUT, "dev", days=1, now=NOW)
    assert [s.checked_at for s in history] == [
        iso(NOW - timedelta(hours=20)),
        iso(NOW - timedelta(hours=2)),
        iso(NOW - timedelta(hours=1)),
    ]
    assert len(read_history(store, OUTPUT, "dev", days=7, now=NOW)) == 5


def test_broken_history_line_is_skipped() -> None:
    good = json.dumps(_snapshot(NOW, scheduler="up").to_dict())
    assert len(parse_lines(f"{good}\nnot json\n\n{good}\n")) == 2


def test_uptime_maths_per_window() -> None:
    samples = []
    # 7 days of hourly samples: down for the 10 hours 30..21 h ago, degraded 5..4 h ago
    for hours in range(1, 24 * 7 + 1):
        status = "down" if 21 <= hours <= 30 else "degraded" if hours in (4, 5) else "up"
        samples.append(Sample("triplestore", status, NOW - timedelta(hours=hours)))
    rows = {
        r.window: r
        for r in uptime(samples, NOW, services=["triplestore", "portainer"])
        if r.service == "triplestore"
    }
    day = rows["24h"]
    # the 24 h window holds samples 1..23 h ago (24 h ago is outside): 3 down (21, 22, 23)
    assert (day.samples, day.down, day.degraded) == (23, 3, 2)
    assert day.uptime_pct == pytest.approx(20 / 23 * 100, abs=0.001)
    assert day.up_pct == pytest.approx(18 / 23 * 100, abs=0.001)
    assert day.last_status == "up" and day.status_since == NOW - timedelta(hours=3)
    assert day.last_down_at == NOW - timedelta(hours=21)
    week = rows["7d"]
    assert week.samples == 167 and week.down == 10
    assert week.uptime_pct == pytest.approx(157 / 167 * 100, abs=0.001)


def test_uptime_without_samples_is_unknown_not_zero() -> None:
    rows = uptime([], NOW, services=["portainer"])
    assert [(r.window, r.samples, r.uptime_pct, r.last_status) for r in rows] == [
        ("24h", 0, None, None),
        ("7d", 0, None, None),
    ]
    assert "n/a" in uptime_markdown(rows) and "⚪ unknown" in uptime_markdown(rows)


def test_health_markdown_colours_and_escapes() -> None:
    snap = HealthSnapshot(
        environment="dev",
        checked_at=iso(NOW),
        services=(
            ServiceHealth("scheduler", "up", 10.0, 200, iso(NOW), "ok"),
            ServiceHealth("portainer", "degraded", 20.0, 200, iso(NOW), "<script>x</script> | y"),
            ServiceHealth("triplestore", "down", None, None, iso(NOW), "line1\nline2"),
        ),
    )
    text = health_markdown(snap)
    assert text.startswith("**dev**: 🔴 down at 2026-12-04T12:00:00Z")
    assert "🟢 up" in text and "🟡 degraded" in text
    assert "<script>" not in text and "&lt;script&gt;x&lt;/script&gt; \\| y" in text
    assert "line1 line2" in text
    assert badge("weird") == "⚪ weird"


def test_latest_snapshot_round_trip() -> None:
    from infra_monitor.health.history import latest_key, read_latest

    store = FakeStore()
    assert read_latest(store, OUTPUT, "dev") is None
    snap = _snapshot(NOW, portainer="down")
    store.objects[latest_key(OUTPUT, "dev")] = json.dumps(snap.to_dict())
    assert latest_key(OUTPUT, "dev") == "infra_monitor/health/latest/dev.json"
    assert read_latest(store, OUTPUT, "dev") == snap
