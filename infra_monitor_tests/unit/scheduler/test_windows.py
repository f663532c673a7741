"""Window and percentile maths."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra_monitor.metrics.windows import WINDOWS, in_window, percentile, window_start
from infra_monitor.runs.records import iso_utc, utc_day
from infra_monitor.runs.store import days_between


def test_percentile_interpolates_like_numpy() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert percentile(values, 50) == 25.0
    assert percentile(values, 95) == pytest.approx(38.5)
    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 40.0
    assert percentile([7.0], 95) == 7.0


def test_percentile_is_order_independent_and_empty_is_none() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_windows_are_open_at_the_start_and_closed_at_now() -> None:
    now = 1_000_000.0
    assert WINDOWS == {"24h": 86400.0, "7d": 604800.0, "30d": 2592000.0}
    assert window_start(now, "24h") == now - 86400
    assert not in_window(now - 86400, now, 86400)
    assert in_window(now - 86399.9, now, 86400)
    assert in_window(now, now, 86400)
    assert not in_window(now + 1, now, 86400)
    assert not in_window(None, now, 86400)


def test_days_are_utc_whatever_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14
    ts = datetime(2026, 3, 1, 23, 30, tzinfo=UTC).timestamp()
    assert utc_day(ts) == "2026-03-01"
    assert iso_utc(ts) == "2026-03-01T23:30:00Z"
    assert days_between(ts - 2 * 86400, ts) == ["2026-02-27", "2026-02-28", "2026-03-01"]
