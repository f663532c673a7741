"""Per environment: the sch_ services, their containers' stats, the dependency map and history.

One multi-asset reads Portainer once per run so the four views describe the same moment; the
checks are evaluated on that same report.
"""

from datetime import UTC, datetime
from typing import Any

import dagster as dg

from infra_monitor.clients.errors import ServiceError
from infra_monitor.clients.object_store import ObjectStore
from infra_monitor.defs.common import env_key, markdown_metadata
from infra_monitor.defs.containers.checks import container_check_results, container_check_specs
from infra_monitor.defs.containers.schedules import ASSET_NAMES, DOMAIN
from infra_monitor.defs.resources import (
    ObjectStoreResource,
    PortainerResource,
    SettingsResource,
)
from infra_monitor.health.containers import (
    ContainerReport,
    collect,
    dependency_edges,
    report_dict,
    shared_networks,
    stats_history_line,
)
from infra_monitor.render.containers import (
    EDGE_COLUMNS,
    SERVICE_COLUMNS,
    STATS_COLUMNS,
    TASK_COLUMNS,
    TOTALS_COLUMNS,
    dependency_html,
    report_service_names,
    service_rows,
    stats_rows,
    task_rows,
    totals_rows,
)
from infra_monitor.render.health import badge
from infra_monitor.settings import EnvironmentSettings, SettingsError

DESCRIPTIONS = {
    "services": "The sch_{source}_{mode} Swarm services: mode, image, running/desired tasks "
    "and their tasks.",
    "stats": "CPU %, memory (without cache), network and block I/O of each running container, "
    "with totals per service and per source.",
    "dependency_map": "Which services share which networks and what the scheduler starts "
    "(gleaner / nabu): edges, and a plotly figure in the bucket.",
    "stats_history": "The container stats of every run, appended to JSON lines in the bucket.",
}


def _keys(env: str) -> dict[str, dg.AssetKey]:
    return {name: env_key(env, DOMAIN, name) for name in ASSET_NAMES}


def _write(
    out: ObjectStore, env_settings: EnvironmentSettings, report: ContainerReport
) -> dict[str, str]:
    """Write the report, the map and the history line; returns name -> object key."""
    env = env_settings.name
    edges = dependency_edges(report.services)
    keys = {
        "report": env_settings.output.key("containers", env, "report.json"),
        "edges": env_settings.output.key("containers", env, "dependency_edges.json"),
        "map": env_settings.output.key("containers", env, "dependency_map.html"),
        "history": env_settings.output.key(
            "containers", "history", env, f"{report.checked_at[:10]}.jsonl"
        ),
    }
    out.put_json(keys["report"], report_dict(report))
    out.put_json(keys["edges"], [e.to_dict() for e in edges])
    title = f"{env_settings.display_name}: sch_ services and networks"
    out.put_text(keys["map"], dependency_html(edges, title), "text/html; charset=utf-8")
    out.append_jsonl(keys["history"], [stats_history_line(report)])
    return keys


def _services_meta(report: ContainerReport) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "status": dg.MetadataValue.text(badge(report.status)),
        "checked_at": dg.MetadataValue.text(report.checked_at),
        "problems": dg.MetadataValue.text("; ".join(report.problems) or "none"),
    }
    if not report.services_known:  # never "0 containers" when we could not look
        meta["services"] = dg.MetadataValue.text("unknown: " + "; ".join(report.problems))
        return meta
    names = report_service_names(report)
    meta.update(
        {
            "dagster/row_count": dg.MetadataValue.int(len(report.services)),
            "running_tasks": dg.MetadataValue.int(
                sum(s.running_tasks or 0 for s in report.services)
            ),
            "desired_tasks": dg.MetadataValue.int(
                sum(s.desired_tasks or 0 for s in report.services)
            ),
            "services": markdown_metadata(service_rows(report.services), SERVICE_COLUMNS),
            "tasks": markdown_metadata(task_rows(report.tasks, names), TASK_COLUMNS),
        }
    )
    return meta


def _stats_meta(report: ContainerReport) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "status": dg.MetadataValue.text(badge(report.status)),
        "stats_errors": dg.MetadataValue.int(len(report.stats_errors)),
    }
    if report.stats_errors:
        meta["stats_error"] = dg.MetadataValue.text(report.stats_errors[0].error)
    if not report.services_known:
        return meta
    by_service = report.totals_by_service()
    meta.update(
        {
            "containers": dg.MetadataValue.int(len(report.stats)),
            "cpu_pct_total": dg.MetadataValue.float(
                float(round(sum(s.cpu_pct for s in report.stats), 3))
            ),
            "mem_used_mib_total": dg.MetadataValue.float(
                float(round(sum(s.mem_used_bytes for s in report.stats) / 2**20, 2))
            ),
            "per_container": markdown_metadata(
                stats_rows(report.stats, report.service_of_container()), STATS_COLUMNS
            ),
            "per_service": markdown_metadata(totals_rows(by_service.values()), TOTALS_COLUMNS),
            "per_source": markdown_metadata(
                totals_rows(report.totals_by_source().values()), TOTALS_COLUMNS
            ),
        }
    )
    for name, totals in by_service.items():
        meta[f"cpu_pct_{name}"] = dg.MetadataValue.float(float(totals.cpu_pct))
    return meta


def build_containers_asset(env: str) -> dg.AssetsDefinition:
    """One multi-asset per environment: services, stats, dependency map, stats history."""
    keys = _keys(env)
    specs = [
        dg.AssetSpec(
            key=keys[name],
            group_name=DOMAIN,
            description=DESCRIPTIONS[name],
            tags={"environment": env},
            kinds={"docker", "s3"},
        )
        for name in ASSET_NAMES
    ]

    @dg.multi_asset(
        name=f"{env}_containers",
        specs=specs,
        check_specs=container_check_specs(keys["services"], keys["stats"]),
        can_subset=False,
    )
    def _containers(
        context: dg.AssetExecutionContext,
        settings: SettingsResource,
        object_store: ObjectStoreResource,
        portainer_api: PortainerResource,
    ):
        try:
            env_settings = settings.environment(env)
            portainer = env_settings.portainer
            client = portainer_api.for_env(env)
            if portainer is None or client is None:
                raise dg.Failure(description=f"environments.{env}.portainer is not configured")
        except SettingsError as exc:
            raise dg.Failure(description=str(exc)) from None
        now = datetime.now(UTC)
        try:
            report = collect(
                client, env, portainer.service_prefix, portainer.stats_concurrency, now
            )
        finally:
            client.close()
        for problem in report.problems:
            context.log.warning(problem)
        context.log.info(
            f"{len(report.services)} services, {len(report.tasks)} tasks, "
            f"{len(report.stats)} container stats ({report.status})"
        )
        written: dict[str, str] = {}
        write_error = ""
        try:
            out = object_store.output_for_env(env)
            written = _write(out, env_settings, report)
            map_url = out.public_url(written["map"])
        except (ServiceError, SettingsError) as exc:
            write_error = str(exc)
            context.log.error(f"container report not written: {exc}")
        edges = dependency_edges(report.services)
        extra = {"write_error": dg.MetadataValue.text(write_error)} if write_error else {}
        report_meta = {"report_object": dg.MetadataValue.path(written.get("report", ""))}
        yield dg.MaterializeResult(
            asset_key=keys["services"], metadata={**_services_meta(report), **report_meta, **extra}
        )
        yield dg.MaterializeResult(
            asset_key=keys["stats"], metadata={**_stats_meta(report), **extra}
        )
        map_meta: dict[str, Any] = {
            "edge_count": dg.MetadataValue.int(len(edges)),
            "edges": markdown_metadata([e.to_dict() for e in edges], EDGE_COLUMNS),
            "shared_networks": dg.MetadataValue.json(shared_networks(report.services)),
        }
        if written:
            map_meta["map_html"] = dg.MetadataValue.url(map_url)
            map_meta["map_object"] = dg.MetadataValue.path(written["map"])
        yield dg.MaterializeResult(asset_key=keys["dependency_map"], metadata={**map_meta, **extra})
        yield dg.MaterializeResult(
            asset_key=keys["stats_history"],
            metadata={
                "history_object": dg.MetadataValue.path(written.get("history", "")),
                "containers": dg.MetadataValue.int(len(report.stats)),
                **extra,
            },
        )
        yield from container_check_results(
            keys["services"], keys["stats"], report, env_settings.health, now
        )

    return _containers
