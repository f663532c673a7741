"""Container checks, evaluated inside the containers asset on the report it just read.

- ``portainer_access`` (services): ERROR when the key is refused or Portainer fails, WARN when a
  read-only key is refused some calls.
- ``failed_tasks`` (services): ERROR when a task failed within the window.
- ``memory_threshold`` (stats): WARN when a container uses more than the threshold of its limit.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta

import dagster as dg

from infra_monitor.defs.common import markdown_metadata
from infra_monitor.health.containers import ContainerReport, failed_tasks, over_memory
from infra_monitor.health.records import DOWN, UP
from infra_monitor.render.containers import (
    STATS_COLUMNS,
    TASK_COLUMNS,
    report_service_names,
    stats_rows,
    task_rows,
)
from infra_monitor.settings import HealthSettings

ACCESS = "portainer_access"
FAILED_TASKS = "failed_tasks"
MEMORY = "memory_threshold"


def container_check_specs(
    services_key: dg.AssetKey, stats_key: dg.AssetKey
) -> list[dg.AssetCheckSpec]:
    """The three container checks."""
    return [
        dg.AssetCheckSpec(
            ACCESS, asset=services_key, description="Portainer answers with the key (403: WARN)."
        ),
        dg.AssetCheckSpec(
            FAILED_TASKS, asset=services_key, description="No sch_ task failed in the window."
        ),
        dg.AssetCheckSpec(
            MEMORY, asset=stats_key, description="No container above the memory % threshold."
        ),
    ]


def container_check_results(
    services_key: dg.AssetKey,
    stats_key: dg.AssetKey,
    report: ContainerReport,
    health: HealthSettings,
    now: datetime,
) -> Iterator[dg.AssetCheckResult]:
    """Evaluate the three checks on ``report``."""
    yield dg.AssetCheckResult(
        asset_key=services_key,
        check_name=ACCESS,
        passed=report.status == UP,
        severity=dg.AssetCheckSeverity.ERROR
        if report.status == DOWN
        else dg.AssetCheckSeverity.WARN,
        description="; ".join(report.problems) or "every call answered",
        metadata={"status": dg.MetadataValue.text(report.status)},
    )
    window = timedelta(minutes=health.failed_task_window_minutes)
    failed = failed_tasks(report.tasks, now, window)
    names = report_service_names(report)
    yield dg.AssetCheckResult(
        asset_key=services_key,
        check_name=FAILED_TASKS,
        passed=report.services_known and not failed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            "services unknown: " + "; ".join(report.problems)
            if not report.services_known
            else f"{len(failed)} failed tasks in the last {health.failed_task_window_minutes} min"
        ),
        metadata={
            "failed_count": dg.MetadataValue.int(len(failed)),
            "failed_tasks": markdown_metadata(task_rows(failed, names), TASK_COLUMNS),
        },
    )
    over = over_memory(report.stats, health.memory_pct_threshold)
    yield dg.AssetCheckResult(
        asset_key=stats_key,
        check_name=MEMORY,
        passed=not over,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"{len(over)} containers above {health.memory_pct_threshold:g} % of their memory limit"
        ),
        metadata={
            "over_count": dg.MetadataValue.int(len(over)),
            "containers": markdown_metadata(
                stats_rows(over, report.service_of_container()), STATS_COLUMNS
            ),
        },
    )
