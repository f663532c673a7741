"""The source and tenant inventory of each environment, read from the scheduler's bucket."""

from collections.abc import Iterator

import dagster as dg

from infra_monitor.clients.errors import ServiceError
from infra_monitor.defs.common import env_key, markdown_metadata, table_metadata
from infra_monitor.defs.resources import ObjectStoreResource, SettingsResource
from infra_monitor.gleaner.inventory import SOURCE_COLUMNS, TENANT_COLUMNS
from infra_monitor.inventory.snapshot import InventorySnapshot, read_inventory, write_inventory
from infra_monitor.settings import SettingsError

DOMAIN = "inventory"
ASSET_NAMES = ("gleaner_config", "sources", "tenants", "active_sources")


def inventory_keys(env: str) -> list[dg.AssetKey]:
    """The inventory asset keys of ``env``."""
    return [env_key(env, DOMAIN, name) for name in ASSET_NAMES]


def build_inventory_asset(env: str) -> dg.AssetsDefinition:
    """One multi-asset per environment: the config is read and parsed once for all four."""
    descriptions = {
        "gleaner_config": "The scheduler's gleanerconfig.yaml, parsed; its problems are checked.",
        "sources": "Every source of the gleaner config: name, type, url, active, report link.",
        "tenants": "Every tenant community with its graph namespaces and sources (all expanded).",
        "active_sources": "The sources the scheduler harvests (active, or no active key).",
    }
    specs = [
        dg.AssetSpec(
            key=env_key(env, DOMAIN, name),
            group_name=DOMAIN,
            description=descriptions[name],
            tags={"environment": env},
            kinds={"s3"},
        )
        for name in ASSET_NAMES
    ]

    @dg.multi_asset(name=f"{env}_inventory", specs=specs, can_subset=False)
    def _inventory(
        context: dg.AssetExecutionContext,
        settings: SettingsResource,
        object_store: ObjectStoreResource,
    ) -> Iterator[dg.MaterializeResult]:
        try:
            env_settings = settings.environment(env)
            snapshot = read_inventory(env_settings, object_store.for_env(env))
            written = write_inventory(snapshot, env_settings, object_store.output_for_env(env))
        except (ServiceError, SettingsError) as exc:
            # A clear one-line reason in the UI instead of a traceback.
            raise dg.Failure(description=str(exc)) from None
        for problem in snapshot.inventory.problems:
            log = context.log.warning if problem.severity == "warning" else context.log.error
            log(f"{problem.where}: {problem.message}")
        yield from _results(env, snapshot, written)

    return _inventory


def _results(
    env: str, snapshot: InventorySnapshot, written: dict[str, list[str]]
) -> Iterator[dg.MaterializeResult]:
    inventory = snapshot.inventory
    doc = inventory.to_json_dict()
    sources = doc["sources"]
    active = [s for s in sources if s["active"]]
    tenants = [{**t, **(t["graph"] or {})} for t in doc["tenants"]]
    problems = doc["problems"]
    config_meta = {
        "object": dg.MetadataValue.text(snapshot.gleaner_key),
        "etag": dg.MetadataValue.text(snapshot.gleaner_etag or ""),
        "parsed": dg.MetadataValue.bool(inventory.parsed),
        "source_count": dg.MetadataValue.int(len(sources)),
        "problem_count": dg.MetadataValue.int(len(problems)),
        "problems": markdown_metadata(problems, ("severity", "where", "message")),
    }
    yield dg.MaterializeResult(
        asset_key=env_key(env, DOMAIN, "gleaner_config"),
        metadata={**config_meta, **_written_meta(written["gleaner_config"])},
    )
    for name, rows, columns in (
        ("sources", sources, SOURCE_COLUMNS),
        ("active_sources", active, SOURCE_COLUMNS),
        ("tenants", tenants, TENANT_COLUMNS),
    ):
        yield dg.MaterializeResult(
            asset_key=env_key(env, DOMAIN, name),
            metadata={
                "dagster/row_count": dg.MetadataValue.int(len(rows)),
                "table": table_metadata(rows, columns),
                **_written_meta(written[name]),
            },
        )


def _written_meta(keys: list[str]) -> dict[str, dg.MetadataValue]:
    return {f"written_{key.rsplit('.', 1)[-1]}": dg.MetadataValue.path(key) for key in keys}
