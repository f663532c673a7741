"""Filtered run exports (CSV) and the metrics renderings."""

from __future__ import annotations

import csv
import io
import json

from infra_monitor.metrics.runs import compute_metrics
from infra_monitor.render.runs import group_rows, last_rows, metrics_json, summary_html
from infra_monitor.runs.export import RunFilter, filter_runs, runs_csv

from .factories import T0, run

RUNS = [
    run("a", source="x", created=T0 + 10),
    run("b", source="x", status="FAILURE", created=T0 + 20, failure_reason="STEP_FAILURE"),
    run("c", source="y", status="FAILURE", created=T0 + 30, job="implnet_job_y"),
    run("d", source="<b>z</b>", created=T0 + 86400),
]


def test_filter_by_window_job_source_and_status() -> None:
    day = RunFilter(T0, T0 + 86400)
    assert [r.run_id for r in filter_runs(RUNS, day)] == ["a", "b", "c"]
    failures = RunFilter(T0, T0 + 2 * 86400, statuses=("FAILURE",))
    assert [r.run_id for r in filter_runs(RUNS, failures)] == ["b", "c"]
    job = RunFilter(T0, T0 + 2 * 86400, job="implnet_job_y")
    assert [r.run_id for r in filter_runs(RUNS, job)] == ["c"]
    source = RunFilter(T0, T0 + 2 * 86400, source="x", statuses=("FAILURE",))
    assert [r.run_id for r in filter_runs(RUNS, source)] == ["b"]


def test_csv_has_a_header_and_utc_times() -> None:
    rows = list(csv.DictReader(io.StringIO(runs_csv(filter_runs(RUNS, RunFilter(T0, T0 + 100))))))
    assert [r["run_id"] for r in rows] == ["a", "b", "c"]
    assert rows[1]["failure_reason"] == "STEP_FAILURE"
    assert rows[0]["created"] == "2026-01-01T00:00:10Z"
    assert rows[0]["duration_s"] == "60.0"


def test_renderings_escape_and_serialise() -> None:
    metrics = compute_metrics(RUNS, T0 + 2 * 86400)
    by_source = {r["name"]: r for r in group_rows(metrics, "7d", "source")}
    assert (by_source["x"]["success"], by_source["x"]["failure"]) == (1, 1)
    assert {r["source"] for r in last_rows(metrics)} == {"x", "y", "<b>z</b>"}
    doc = json.loads(json.dumps(metrics_json(metrics, "prod")))
    assert doc["windows"]["7d"]["overall"]["runs"] == 4
    page = summary_html(metrics, "prod", "Prod <metrics>")
    assert "<title>Prod &lt;metrics&gt;</title>" in page
    assert "<b>z</b>" not in page.split("<div")[0]
    evil = compute_metrics([run("e", source="</script><script>alert(1)</script>")], T0 + 60)
    assert "</script><script>alert(1)" not in summary_html(evil, "prod", "t")
