"""Small helpers the domains' wiring shares: asset keys and metadata from records."""

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)

from infra_monitor.render.tables import markdown_table

# What define_asset_job returns (not exported under a public name).
AssetJob: TypeAlias = UnresolvedAssetJobDefinition

# Every run the monitor launches carries this tag, so the monitor's own runs can never be
# counted as the scheduler's harvests (see SchedulerSettings.exclude_code_locations too).
MONITOR_TAGS = {"infra_monitor/owner": "infra_monitor"}


def monitor_job(env: str, name: str, keys: Sequence[dg.AssetKey], description: str) -> AssetJob:
    """A job materialising ``keys`` (with their checks), tagged as the monitor's own run."""
    return dg.define_asset_job(
        name=name,
        selection=dg.AssetSelection.assets(*keys),
        tags={**MONITOR_TAGS, "environment": env},
        description=description,
    )


def utc_schedule(name: str, job: AssetJob, cron: str) -> dg.ScheduleDefinition:
    """Run ``job`` on ``cron`` in UTC, running by default (the cron is read when defs load)."""
    return dg.ScheduleDefinition(
        name=name,
        job=job,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )


def env_key(env: str, domain: str, name: str) -> dg.AssetKey:
    """The asset key of ``name`` in ``domain`` for environment ``env``: ``env/domain/name``."""
    return dg.AssetKey([env, domain, name])


def _column_type(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "bool"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "float"
    return "string"


def _table_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def table_metadata(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, limit: int = 500
) -> dg.MetadataValue:
    """A Dagster table of ``rows`` restricted to ``columns`` (typed from the values)."""
    shown = rows[:limit]
    schema = dg.TableSchema(
        columns=[dg.TableColumn(c, _column_type([row.get(c) for row in shown])) for c in columns]
    )
    records = [dg.TableRecord({c: _table_value(row.get(c)) for c in columns}) for row in shown]
    return dg.MetadataValue.table(records=records, schema=schema)


def markdown_metadata(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, limit: int = 200
) -> dg.MetadataValue:
    """A Markdown table of ``rows`` for the asset's metadata panel."""
    return dg.MetadataValue.md(markdown_table(rows, columns, limit=limit))
