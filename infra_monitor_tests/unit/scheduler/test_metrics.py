"""Job metrics: windows, rates, percentiles, last success/failure, staleness, backlog."""

from __future__ import annotations

import pytest

from infra_monitor.metrics.runs import (
    backlog,
    backlog_level,
    compute_metrics,
    group_stats,
    last_by_source,
    long_running,
)

from .factories import T0, run

NOW = T0 + 40 * 86400
HOUR = 3600.0


def _history() -> list:
    return [
        run("a1", source="a", created=NOW - 2 * HOUR),  # 60 s
        run("a2", source="a", status="FAILURE", created=NOW - 3 * HOUR, ended=NOW - 3 * HOUR + 301),
        run("b1", source="b", created=NOW - 3 * 86400, ended=NOW - 3 * 86400 + 121),
        run("c1", source="c", created=NOW - 20 * 86400, job="implnet_job_c"),
        run("old", source="c", created=NOW - 31 * 86400),
        run("q1", source="a", status="QUEUED", created=NOW - 60),
        run("s1", source="b", status="STARTED", created=NOW - 10 * HOUR),
    ]


def test_windows_count_runs_created_inside_them() -> None:
    m = compute_metrics(_history(), NOW, stale_days=14, long_running_minutes=360)
    assert m.windows["24h"].overall.runs == 4
    assert m.windows["7d"].overall.runs == 5
    assert m.windows["30d"].overall.runs == 6
    assert m.windows["24h"].by_source["a"].by_status == {"SUCCESS": 1, "FAILURE": 1, "QUEUED": 1}
    assert set(m.windows["30d"].by_job) == {"summon_and_release_job", "implnet_job_c"}


def test_rates_and_percentiles_use_finished_runs_only() -> None:
    stats = group_stats(_history()[:4] + _history()[5:])
    assert stats.runs == 6
    assert stats.success_rate == pytest.approx(3 / 4)
    assert stats.failure_rate == pytest.approx(1 / 4)
    # durations 60, 300, 120, 60 -> sorted 60 60 120 300
    assert stats.p50_s == 90.0
    assert stats.p95_s == pytest.approx(120 + (300 - 120) * 0.85)
    assert stats.max_s == 300.0
    assert group_stats([]).success_rate is None


def test_last_success_and_failure_per_source() -> None:
    last = last_by_source(_history())
    assert last["a"].last_success_run == "a1"
    assert last["a"].last_failure_run == "a2"
    assert last["c"].last_success_run == "c1"  # newer than "old"
    assert last["b"].last_failure is None


def test_stale_sources_include_never_harvested_active_sources() -> None:
    m = compute_metrics(_history(), NOW, active_sources=["a", "b", "c", "d"], stale_days=14)
    assert m.stale_sources == ["c", "d"]


@pytest.mark.parametrize(
    ("ratio", "level"),
    [
        (0.0, "OK"),
        (0.99, "OK"),
        (1.0, "LOW"),
        (1.49, "LOW"),
        (1.5, "MEDIUM"),
        (2.0, "HIGH"),
        (2.99, "HIGH"),
        (3.0, "CRITICAL"),
        (10.0, "CRITICAL"),
    ],
)
def test_backlog_levels_of_the_old_dashboard(ratio: float, level: str) -> None:
    assert backlog_level(ratio) == level


def test_backlog_ratio_is_queued_over_active_sources() -> None:
    b = backlog(6, 4)
    assert (b.ratio, b.level) == (1.5, "MEDIUM")
    assert backlog(2, 0).level == "HIGH"
    m = compute_metrics(_history(), NOW, active_sources=["a"])
    assert (m.queued, m.running, m.backlog.level) == (1, 1, "LOW")


def test_long_running_runs_started_before_the_threshold() -> None:
    found = long_running(_history(), NOW, 360)
    assert [r.run_id for r in found] == ["s1"]
    assert long_running(_history(), NOW, 11 * 60) == []
