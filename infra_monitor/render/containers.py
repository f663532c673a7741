"""Container reports as table rows, Markdown, and the dependency map as a plotly HTML page.

Service names, images, task messages and network names come from the remote engine: tables
escape them (``render.tables``) and the figure passes every label through ``html.escape``
(plotly renders hover text and titles as HTML).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

import plotly.graph_objects as go

from infra_monitor.clients.portainer import ServiceRecord, TaskRecord
from infra_monitor.health.containers import SCHEDULER_NODE, ContainerReport, Edge
from infra_monitor.health.records import iso
from infra_monitor.metrics.containers import ContainerStats, UsageTotals

SERVICE_COLUMNS = (
    "name",
    "source",
    "mode",
    "swarm_mode",
    "running",
    "desired",
    "image",
    "created",
    "updated",
    "networks",
)
TASK_COLUMNS = (
    "service",
    "state",
    "desired_state",
    "exit_code",
    "error",
    "message",
    "container",
    "node",
    "timestamp",
)
STATS_COLUMNS = (
    "service",
    "container",
    "cpu_pct",
    "mem_used_mib",
    "mem_limit_mib",
    "mem_pct",
    "net_rx_kib",
    "net_tx_kib",
    "blk_read_kib",
    "blk_write_kib",
)
TOTALS_COLUMNS = (
    "key",
    "containers",
    "cpu_pct",
    "mem_used_mib",
    "mem_limit_mib",
    "max_mem_pct",
    "net_rx_kib",
    "net_tx_kib",
    "blk_read_kib",
    "blk_write_kib",
)
EDGE_COLUMNS = ("source", "target", "kind", "label")
MIB = 1024 * 1024


def _mib(value: int) -> float:
    return round(value / MIB, 2)


def _kib(value: int) -> float:
    return round(value / 1024, 1)


def service_rows(services: Iterable[ServiceRecord]) -> list[dict[str, Any]]:
    """One row per service."""
    return [
        {
            "name": s.name,
            "source": s.source,
            "mode": s.mode,
            "swarm_mode": s.swarm_mode,
            "running": s.running_tasks,
            "desired": s.desired_tasks,
            "image": s.image,
            "created": iso(s.created_at) if s.created_at else None,
            "updated": iso(s.updated_at) if s.updated_at else None,
            "networks": list(s.networks),
        }
        for s in services
    ]


def task_rows(tasks: Iterable[TaskRecord], service_names: dict[str, str]) -> list[dict[str, Any]]:
    """One row per task (ids shortened to 12 characters, as ``docker`` shows them)."""
    return [
        {
            "service": service_names.get(t.service_id, t.service_id[:12]),
            "state": t.state,
            "desired_state": t.desired_state,
            "exit_code": t.exit_code,
            "error": t.error,
            "message": t.message,
            "container": t.container_id[:12],
            "node": t.node_id[:12],
            "timestamp": iso(t.timestamp) if t.timestamp else None,
        }
        for t in tasks
    ]


def stats_rows(stats: Iterable[ContainerStats], service_of: dict[str, str]) -> list[dict[str, Any]]:
    """One row per container's stats."""
    return [
        {
            "service": service_of.get(s.container_id, ""),
            "container": s.container_id[:12],
            "cpu_pct": round(s.cpu_pct, 2),
            "mem_used_mib": _mib(s.mem_used_bytes),
            "mem_limit_mib": _mib(s.mem_limit_bytes),
            "mem_pct": round(s.mem_pct, 2),
            "net_rx_kib": _kib(s.net_rx_bytes),
            "net_tx_kib": _kib(s.net_tx_bytes),
            "blk_read_kib": _kib(s.blk_read_bytes),
            "blk_write_kib": _kib(s.blk_write_bytes),
        }
        for s in stats
    ]


def totals_rows(totals: Iterable[UsageTotals]) -> list[dict[str, Any]]:
    """One row per service or source total."""
    return [
        {
            "key": t.key,
            "containers": t.containers,
            "cpu_pct": round(t.cpu_pct, 2),
            "mem_used_mib": _mib(t.mem_used_bytes),
            "mem_limit_mib": _mib(t.mem_limit_bytes),
            "max_mem_pct": round(t.max_mem_pct, 2),
            "net_rx_kib": _kib(t.net_rx_bytes),
            "net_tx_kib": _kib(t.net_tx_bytes),
            "blk_read_kib": _kib(t.blk_read_bytes),
            "blk_write_kib": _kib(t.blk_write_bytes),
        }
        for t in totals
    ]


def report_service_names(report: ContainerReport) -> dict[str, str]:
    """Service id -> name of a report."""
    return {s.id: s.name for s in report.services}


# --- the dependency map ----------------------------------------------------------------------
def _layout(nodes: Sequence[str]) -> dict[str, tuple[float, float]]:
    """The scheduler in the middle, services on an inner ring, networks on an outer one."""
    positions: dict[str, tuple[float, float]] = {SCHEDULER_NODE: (0.0, 0.0)}
    services = [n for n in nodes if n != SCHEDULER_NODE and not n.startswith("net:")]
    networks = [n for n in nodes if n.startswith("net:")]
    for ring, radius in ((services, 1.0), (networks, 1.8)):
        for i, node in enumerate(ring):
            angle = 2 * math.pi * i / max(1, len(ring))
            positions[node] = (radius * math.cos(angle), radius * math.sin(angle))
    return positions


def dependency_figure(edges: Sequence[Edge], title: str) -> go.Figure:
    """A plotly figure of the dependency edges (every label HTML-escaped)."""
    nodes = sorted({e.source for e in edges} | {e.target for e in edges})
    pos = _layout(nodes)
    figure = go.Figure()
    for kind, colour, dash in (("starts", "#1f77b4", "solid"), ("network", "#999999", "dot")):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for edge in (e for e in edges if e.kind == kind):
            (x0, y0), (x1, y1) = pos[edge.source], pos[edge.target]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=kind,
                hoverinfo="skip",
                line={"color": colour, "dash": dash, "width": 1.5},
            )
        )
    labels = [html.escape(n.removeprefix("net:")) for n in nodes]
    kinds = [
        "scheduler" if n == SCHEDULER_NODE else "network" if n.startswith("net:") else "service"
        for n in nodes
    ]
    colours = {"scheduler": "#d62728", "network": "#7f7f7f", "service": "#2ca02c"}
    figure.add_trace(
        go.Scatter(
            x=[pos[n][0] for n in nodes],
            y=[pos[n][1] for n in nodes],
            mode="markers+text",
            text=labels,
            textposition="top center",
            hovertext=[f"{k}: {label}" for k, label in zip(kinds, labels, strict=True)],
            hoverinfo="text",
            marker={"size": 14, "color": [colours[k] for k in kinds]},
            name="nodes",
        )
    )
    figure.update_layout(
        title=html.escape(title),
        showlegend=True,
        xaxis={"visible": False},
        yaxis={"visible": False},
        template="plotly_white",
    )
    return figure


def dependency_html(edges: Sequence[Edge], title: str) -> str:
    """A standalone HTML page of the dependency map (plotly.js from its CDN)."""
    return str(dependency_figure(edges, title).to_html(full_html=True, include_plotlyjs="cdn"))
