"""Alert rules: failure thresholds, consecutive failures, backlog, health, code locations."""

from __future__ import annotations

from infra_monitor.alerts import rules
from infra_monitor.alerts.rules import Streak, update_streaks
from infra_monitor.clients.scheduler import LocationStatus
from infra_monitor.metrics.runs import backlog
from infra_monitor.settings import FailureThresholds

from ..scheduler.factories import T0, run

NOW = T0 + 7200


def url(run_id: str) -> str:
    return f"http://ui/runs/{run_id}"


def test_failure_thresholds_overall_per_job_per_source() -> None:
    thresholds = FailureThresholds(window_minutes=60, overall=3, per_job=2, per_source=2)
    failures = [
        run("f1", status="FAILURE", source="a", created=NOW - 1800),
        run("f2", status="FAILURE", source="a", created=NOW - 1200),
        run("f3", status="FAILURE", source="b", job="implnet_job_b", created=NOW - 600),
        run("old", status="FAILURE", source="b", job="implnet_job_b", created=NOW - 5000),
    ]
    found = rules.failed_run_conditions(failures, thresholds, now=NOW, run_url=url)
    keys = [c.key for c in found]
    assert keys == [
        "failed_runs:overall",
        "failed_runs:job:summon_and_release_job",
        "failed_runs:source:a",
    ]
    overall = found[0]
    assert overall.title == "3 failed runs in 60 min (all jobs)"
    assert overall.since == failures[0].ended
    assert ("run f3", "http://ui/runs/f3") in overall.links


def test_streaks_count_consecutive_failures_and_reset_on_success() -> None:
    r = [
        run("1", status="FAILURE", source="a", created=T0),
        run("2", status="FAILURE", source="a", created=T0 + 100),
        run("3", status="FAILURE", source="a", created=T0 + 200),
        run("x", status="FAILURE", source="b", created=T0 + 50),
        run("y", status="SUCCESS", source="b", created=T0 + 150),
    ]
    streaks, ends = update_streaks({}, {}, r)
    assert streaks == {"a": Streak(3, r[0].ended, r[2].ended, "3")}  # type: ignore[arg-type]
    # the same runs seen again (update time changed) are not counted twice
    again, _ = update_streaks(streaks, ends, r[:3])
    assert again["a"].count == 3
    found = rules.consecutive_conditions(again, 3, run_url=url)
    assert [c.key for c in found] == ["consecutive_failures:a"]
    assert rules.consecutive_conditions(again, 4, run_url=url) == []


def test_backlog_condition_carries_the_level_as_variant() -> None:
    assert rules.backlog_conditions(backlog(0, 5), now=NOW, since=None) == []
    (c,) = rules.backlog_conditions(backlog(10, 5), now=NOW, since=None)
    assert (c.key, c.variant, c.severity) == ("backlog", "HIGH", "critical")


def test_code_location_and_health_conditions() -> None:
    locs = [LocationStatus("ok", "LOADED", None), LocationStatus("bad", "LOADED", "SyntaxError")]
    (c,) = rules.code_location_conditions(locs, now=NOW, ui_url="http://ui")
    assert c.key == "code_location:bad" and "SyntaxError" in c.summary
    latest = {"s3": {"status": "green"}, "graph": {"status": "RED", "detail": "timeout"}}
    (h,) = rules.health_conditions(latest, now=NOW)
    assert h.key == "health:graph" and "timeout" in h.summary


def test_long_running_conditions_link_the_run() -> None:
    r = run("slow", status="STARTED", created=NOW - 8 * 3600)
    (c,) = rules.long_running_conditions([r], 360, now=NOW, run_url=url)
    assert c.key == "long_running:slow" and c.links == (("run", "http://ui/runs/slow"),)
