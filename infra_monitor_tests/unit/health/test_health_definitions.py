"""The health and containers definitions build and load together, per environment."""

from __future__ import annotations

import dagster as dg

from infra_monitor.defs.containers.definitions import build_containers_defs
from infra_monitor.defs.health.definitions import build_health_defs
from infra_monitor.defs.resources import build_resources
from infra_monitor.settings import parse_settings

SETTINGS = """
environments:
  dev:
    object_store: {endpoint: "http://s3:9000", bucket: b, access_key: "${A}", secret_key: "${S}"}
    scheduler: {graphql_url: "http://sched:3000/graphql"}
    portainer: {url: "http://portainer:9000", endpoint_id: 1, api_key: "${P}"}
    health: {cron: "*/2 * * * *"}
  prod:
    object_store: {endpoint: "http://s3:9000", bucket: b, access_key: "${A}", secret_key: "${S}"}
    scheduler: {graphql_url: "http://sched:3000/graphql"}
"""


def test_definitions_per_environment_load_together() -> None:
    settings = parse_settings(SETTINGS, "test.yaml")
    defs = dg.Definitions.merge(
        build_health_defs(settings),
        build_containers_defs(settings),
        dg.Definitions(resources=build_resources()),
    )
    dg.Definitions.validate_loadable(defs)
    keys = {spec.key.to_user_string() for spec in defs.resolve_all_asset_specs()}
    assert keys == {
        "dev/health/snapshot",
        "dev/health/uptime",
        "prod/health/snapshot",
        "prod/health/uptime",
        # prod has no Portainer: no container assets for it
        "dev/containers/services",
        "dev/containers/stats",
        "dev/containers/dependency_map",
        "dev/containers/stats_history",
    }
    checks = {k.name for k in defs.resolve_asset_graph().asset_check_keys}
    assert checks == {
        "object_store_up",
        "scheduler_up",
        "triplestore_up",
        "portainer_up",
        "portainer_access",
        "failed_tasks",
        "memory_threshold",
    }
    assert defs.resolve_schedule_def("dev_health_schedule").cron_schedule == "*/2 * * * *"
    assert defs.resolve_schedule_def("prod_health_schedule").cron_schedule == "*/5 * * * *"
    assert defs.resolve_job_def("dev_containers_refresh") is not None


def test_builders_accept_plain_environment_names() -> None:
    defs = dg.Definitions.merge(
        build_health_defs(["a"]),
        build_containers_defs(["a"]),
        dg.Definitions(resources=build_resources()),
    )
    assert defs.resolve_schedule_def("a_containers_schedule").cron_schedule == "*/5 * * * *"
