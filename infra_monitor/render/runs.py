"""Rows and HTML for the job metrics: tables for the Dagster UI and a plotly summary page."""

from __future__ import annotations

import html
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from infra_monitor.metrics.runs import GroupStats, RunMetrics
from infra_monitor.runs.records import RunRecord, iso_utc

GROUP_COLUMNS = (
    "name",
    "runs",
    "success",
    "failure",
    "canceled",
    "success_rate",
    "p50_s",
    "p95_s",
    "max_s",
)
LAST_COLUMNS = ("source", "last_success", "last_failure", "last_failure_run")
RUN_COLUMNS = (
    "run_id",
    "job",
    "source",
    "status",
    "created",
    "started",
    "ended",
    "updated",
    "duration_s",
    "code_location",
    "failure_reason",
    "failure_message",
)


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def group_row(name: str, stats: GroupStats) -> dict[str, Any]:
    """One table row of a group's stats."""
    return {
        "name": name,
        "runs": stats.runs,
        "success": stats.by_status.get("SUCCESS", 0),
        "failure": stats.by_status.get("FAILURE", 0),
        "canceled": stats.by_status.get("CANCELED", 0),
        "success_rate": _round(stats.success_rate, 3),
        "p50_s": _round(stats.p50_s),
        "p95_s": _round(stats.p95_s),
        "max_s": _round(stats.max_s),
    }


def group_rows(metrics: RunMetrics, window: str, by: str) -> list[dict[str, Any]]:
    """Rows per job (``by="job"``) or per source (``by="source"``) for one window."""
    w = metrics.windows[window]
    groups = w.by_job if by == "job" else w.by_source
    return [group_row(name, stats) for name, stats in groups.items()]


def last_rows(metrics: RunMetrics) -> list[dict[str, Any]]:
    """The last success and failure of each source."""
    return [
        {
            "source": s.source,
            "last_success": iso_utc(s.last_success),
            "last_failure": iso_utc(s.last_failure),
            "last_failure_run": s.last_failure_run or "",
        }
        for s in metrics.last_by_source.values()
    ]


def run_row(record: RunRecord) -> dict[str, Any]:
    """One run as a table or CSV row (times as ISO UTC)."""
    return {
        "run_id": record.run_id,
        "job": record.job,
        "source": record.source or "",
        "status": record.status,
        "created": iso_utc(record.created),
        "started": iso_utc(record.started),
        "ended": iso_utc(record.ended),
        "updated": iso_utc(record.updated),
        "duration_s": _round(record.duration_s),
        "code_location": record.code_location or "",
        "failure_reason": record.failure_reason or "",
        "failure_message": record.failure_message or "",
    }


def metrics_json(metrics: RunMetrics, env: str) -> dict[str, Any]:
    """The whole metrics document written to the bucket."""
    return {
        "environment": env,
        "computed_at": iso_utc(metrics.now),
        "windows": {
            name: {
                "overall": w.overall.to_json(),
                "by_job": {k: v.to_json() for k, v in w.by_job.items()},
                "by_source": {k: v.to_json() for k, v in w.by_source.items()},
            }
            for name, w in metrics.windows.items()
        },
        "last_by_source": last_rows(metrics),
        "stale_sources": metrics.stale_sources,
        "running": metrics.running,
        "queued": metrics.queued,
        "backlog": {
            "queued": metrics.backlog.queued,
            "active_sources": metrics.backlog.active_sources,
            "ratio": metrics.backlog.ratio,
            "level": metrics.backlog.level,
        },
        "long_running": [run_row(r) for r in metrics.long_running],
    }


def summary_html(metrics: RunMetrics, env: str, title: str) -> str:
    """A self-contained HTML page: runs by status per source (7 d) and duration p50/p95 per job."""
    week = metrics.windows["7d"]
    sources = list(week.by_source)
    fig = make_subplots(
        rows=2,
        cols=1,
        subplot_titles=("Runs per source, last 7 days (UTC)", "Duration per job, last 7 days (s)"),
        vertical_spacing=0.18,
    )
    for status in ("SUCCESS", "FAILURE", "CANCELED"):
        counts = [week.by_source[s].by_status.get(status, 0) for s in sources]
        fig.add_trace(go.Bar(name=status, x=sources, y=counts), row=1, col=1)
    jobs = list(week.by_job)
    for label, attr in (("p50", "p50_s"), ("p95", "p95_s"), ("max", "max_s")):
        values = [getattr(week.by_job[j], attr) for j in jobs]
        fig.add_trace(go.Bar(name=f"duration {label}", x=jobs, y=values), row=2, col=1)
    fig.update_layout(barmode="group", height=800, title_text=title)
    figure = fig.to_html(full_html=False, include_plotlyjs="cdn")
    e = html.escape
    b = metrics.backlog
    facts = [
        ("computed at", iso_utc(metrics.now)),
        ("runs (24 h)", str(metrics.windows["24h"].overall.runs)),
        ("failures (24 h)", str(metrics.windows["24h"].overall.by_status.get("FAILURE", 0))),
        ("running / queued", f"{metrics.running} / {metrics.queued}"),
        ("backlog", f"{b.ratio:.2f} ({b.level})"),
        ("stale sources", ", ".join(metrics.stale_sources) or "none"),
        ("long-running runs", str(len(metrics.long_running))),
    ]
    rows = "".join(f"<tr><th align='left'>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(title)}</title></head>"
        f"<body><h1>{e(title)}</h1><p>environment {e(env)}</p><table>{rows}</table>"
        f"{figure}</body></html>"
    )
