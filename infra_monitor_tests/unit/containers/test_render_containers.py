"""Rendering container reports: remote strings are escaped in tables and in the plotly page."""

from __future__ import annotations

from infra_monitor.clients.portainer import parse_service, parse_task
from infra_monitor.health.containers import Edge, dependency_edges
from infra_monitor.render.containers import (
    SERVICE_COLUMNS,
    TASK_COLUMNS,
    dependency_figure,
    dependency_html,
    service_rows,
    task_rows,
)
from infra_monitor.render.tables import markdown_table

from .conftest import load

EVIL = "<script>alert(1)</script>|x"


def test_service_rows_and_markdown_escape_remote_strings() -> None:
    item = {
        "ID": "s1",
        "Spec": {
            "Name": "sch_evil_src_gleaner",
            "Mode": {"Replicated": {"Replicas": 1}},
            "TaskTemplate": {"ContainerSpec": {"Image": EVIL}},
        },
    }
    rows = service_rows([parse_service(item)])
    assert rows[0]["image"] == EVIL  # rows keep values; rendering escapes them
    text = markdown_table(rows, SERVICE_COLUMNS)
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    assert "\\|x" in text


def test_task_rows_shorten_ids_and_escape_errors() -> None:
    tasks = [parse_task(t) for t in load("tasks_v1")]
    rows = task_rows(tasks, {})
    assert all(len(r["container"]) <= 12 for r in rows)
    failing = parse_task({"ID": "t", "Status": {"State": "failed", "Err": "boom\n<b>bad</b>"}})
    text = markdown_table(task_rows([failing], {}), TASK_COLUMNS)
    assert "<b>" not in text and "boom &lt;b&gt;bad&lt;/b&gt;" in text


def test_dependency_figure_escapes_labels() -> None:
    edges = [
        Edge("scheduler", "sch_<img src=x>_gleaner", "starts", "gleaner gleaner"),
        Edge("sch_<img src=x>_gleaner", "net:<b>net</b>", "network", "<b>net</b>"),
    ]
    figure = dependency_figure(edges, "map of <i>dev</i>")
    nodes = figure.data[-1]
    assert "sch_&lt;img src=x&gt;_gleaner" in nodes.text
    assert "&lt;b&gt;net&lt;/b&gt;" in nodes.text
    assert all("<img" not in t and "<b>" not in t for t in nodes.text)
    assert figure.layout.title.text == "map of &lt;i&gt;dev&lt;/i&gt;"
    page = dependency_html(edges, "dev")
    assert page.lstrip().lower().startswith("<!doctype html>") and "<img src=x>" not in page


def test_dependency_figure_of_recorded_services() -> None:
    names = {n["Id"]: n["Name"] for n in load("networks_v1")}
    edges = dependency_edges(parse_service(s, names) for s in load("services_v1"))
    figure = dependency_figure(edges, "dev")
    assert {trace.name for trace in figure.data} == {"starts", "network", "nodes"}
    assert "scheduler" in figure.data[-1].text and "sch_net" in figure.data[-1].text
