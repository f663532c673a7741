"""Asset checks on the inventory: each judges one class of the problems the parsers found.

The checks read the problems the inventory asset last wrote to the bucket, so they judge
exactly what the UI shows and can be re-run on their own.
"""

from dataclasses import dataclass

import dagster as dg

from infra_monitor.clients.errors import ServiceError
from infra_monitor.defs.common import env_key, markdown_metadata
from infra_monitor.defs.resources import ObjectStoreResource, SettingsResource
from infra_monitor.gleaner.yamlload import (
    CONFIG_PARSES,
    SCHEDULER_LOADABLE,
    TENANT_SOURCES_EXIST,
    UNIQUE_SOURCE_NAMES,
)
from infra_monitor.inventory.snapshot import read_written_problems
from infra_monitor.settings import SettingsError


@dataclass(frozen=True)
class InventoryCheck:
    """One check: which problems it judges, on which asset, and how severe a failure is."""

    name: str
    problem_class: str
    asset: str
    severity: dg.AssetCheckSeverity
    description: str


INVENTORY_CHECKS = (
    InventoryCheck(
        "config_parses",
        CONFIG_PARSES,
        "gleaner_config",
        dg.AssetCheckSeverity.ERROR,
        "The gleaner config and tenant file parse; a YAML error names its line and column.",
    ),
    InventoryCheck(
        "unique_source_names",
        UNIQUE_SOURCE_NAMES,
        "sources",
        dg.AssetCheckSeverity.ERROR,
        "No two sources share a name (the scheduler partitions runs by source name).",
    ),
    InventoryCheck(
        "tenant_sources_exist",
        TENANT_SOURCES_EXIST,
        "tenants",
        dg.AssetCheckSeverity.ERROR,
        "Every source a tenant community lists exists in the gleaner config.",
    ),
    InventoryCheck(
        "scheduler_loadable",
        SCHEDULER_LOADABLE,
        "gleaner_config",
        dg.AssetCheckSeverity.WARN,
        "The scheduler itself can load the config (it reads t['active'] on every source).",
    ),
)


def build_inventory_check(env: str, check: InventoryCheck) -> dg.AssetChecksDefinition:
    """The asset check ``check`` for environment ``env``."""

    @dg.asset_check(
        asset=env_key(env, "inventory", check.asset),
        name=check.name,
        description=check.description,
        blocking=False,
    )
    def _check(
        settings: SettingsResource, object_store: ObjectStoreResource
    ) -> dg.AssetCheckResult:
        try:
            env_settings = settings.environment(env)
            problems = read_written_problems(env_settings, object_store.output_for_env(env))
        except (ServiceError, SettingsError) as exc:
            return dg.AssetCheckResult(
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                description=f"cannot read the inventory: {exc}",
            )
        mine = [p for p in problems if p.get("check") == check.problem_class]
        # Warnings of an ERROR check are shown but do not fail it.
        failing = [p for p in mine if p.get("severity") == "error"] or (
            mine if check.severity == dg.AssetCheckSeverity.WARN else []
        )
        return dg.AssetCheckResult(
            passed=not failing,
            severity=check.severity,
            description=_summary(failing, mine),
            metadata={
                "problem_count": dg.MetadataValue.int(len(failing)),
                "problems": markdown_metadata(mine, ("severity", "where", "message")),
            },
        )

    return _check


def _summary(failing: list[dict[str, str]], mine: list[dict[str, str]]) -> str:
    if not mine:
        return "no problems"
    first = failing[0] if failing else mine[0]
    more = f" (and {len(mine) - 1} more)" if len(mine) > 1 else ""
    return f"{first.get('where')}: {first.get('message')}{more}"


def build_inventory_checks(env: str) -> list[dg.AssetChecksDefinition]:
    """Every inventory check of ``env``."""
    return [build_inventory_check(env, check) for check in INVENTORY_CHECKS]
