"""Reading the scheduler's config objects from the bucket and writing the monitor's inventory.

The config objects are read at run time (never at import), so an edit in the bucket shows up at
the next materialisation. The tenant file falls back to the legacy ``tennant.yaml`` name.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Any, Protocol

from infra_monitor.clients.errors import ObjectNotFound, ObjectStoreError
from infra_monitor.clients.object_store import ObjectStore
from infra_monitor.gleaner import facts
from infra_monitor.gleaner.inventory import Inventory, build_inventory, sources_csv, tenants_csv
from infra_monitor.gleaner.yamlload import SCHEDULER_LOADABLE, Problem
from infra_monitor.settings import EnvironmentSettings

PROBLEMS_FILE = "problems.json"
ACTIVE_SOURCES_FILE = "active_sources.json"


class TextReader(Protocol):
    """Anything that reads an object's text (ObjectStore, or a test double in unit tests)."""

    def get_text(self, key: str) -> str:
        """The object's text; ObjectStoreError (ObjectNotFound) when it cannot be read."""
        ...


def inventory_key(env: EnvironmentSettings, name: str) -> str:
    """Where the inventory file ``name`` of ``env`` lives in the monitor's bucket.

    The environment is part of the key so environments sharing a bucket and prefix never
    overwrite each other's inventory.
    """
    return env.output.key("inventory", env.name, name)


def read_active_source_names(env: EnvironmentSettings, reader: TextReader) -> list[str] | None:
    """The active sources of the last inventory written for ``env``; None when there is none."""
    try:
        data = json.loads(reader.get_text(inventory_key(env, ACTIVE_SOURCES_FILE)))
    except (ObjectStoreError, ValueError):
        return None
    sources = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(sources, list):
        return None
    return [str(s["name"]) for s in sources if isinstance(s, dict) and s.get("name")]


@dataclass(frozen=True)
class InventorySnapshot:
    """An inventory with the identity (key, ETag) of the config objects it was built from."""

    inventory: Inventory
    gleaner_key: str
    gleaner_etag: str | None
    tenant_key: str | None
    tenant_etag: str | None
    read_at: dt.datetime


def config_keys(env: EnvironmentSettings) -> tuple[str, str, str]:
    """The gleaner config, tenant and legacy tenant object keys of ``env``."""
    store = env.object_store
    return store.gleaner_config, store.tenant_config, store.legacy_tenant_config


def config_etags(env: EnvironmentSettings, store: ObjectStore) -> dict[str, str | None]:
    """The ETag of each config object (None when absent): what the change sensor compares."""
    etags: dict[str, str | None] = {}
    for key in config_keys(env):
        info = store.head(key)
        etags[key] = info.etag if info else None
    return etags


def read_inventory(env: EnvironmentSettings, store: ObjectStore) -> InventorySnapshot:
    """Read both config objects of ``env`` now and build the inventory.

    A missing gleaner config is an ObjectNotFound (the inventory cannot exist without it); a
    missing tenant file is a warning, as the scheduler runs without tenants.
    """
    gleaner_key, tenant_key, legacy_key = config_keys(env)
    gleaner_info = store.head(gleaner_key)
    gleaner_text = store.get_bytes(gleaner_key)
    tenant_text: bytes | None = None
    found_tenant: str | None = None
    tenant_etag: str | None = None
    for key in (tenant_key, legacy_key):
        try:
            tenant_text = store.get_bytes(key)
        except ObjectNotFound:
            continue
        found_tenant = key
        info = store.head(key)
        tenant_etag = info.etag if info else None
        break
    inventory = build_inventory(
        gleaner_text,
        gleaner_key,
        tenant_text,
        found_tenant,
        report_url_for=lambda name: store.public_url(
            facts.REPORTS_LATEST_PREFIX.format(source=name)
        ),
    )
    if found_tenant is None:
        missing = Problem(
            severity="warning",
            where=tenant_key,
            message=f"no tenant file (nor the legacy {legacy_key}): no community is listed",
            check=SCHEDULER_LOADABLE,
        )
        inventory = _with_problem(inventory, missing)
    return InventorySnapshot(
        inventory=inventory,
        gleaner_key=gleaner_key,
        gleaner_etag=gleaner_info.etag if gleaner_info else None,
        tenant_key=found_tenant,
        tenant_etag=tenant_etag,
        read_at=dt.datetime.now(dt.UTC),
    )


def _with_problem(inventory: Inventory, problem: Problem) -> Inventory:
    return replace(inventory, problems=(*inventory.problems, problem))


def write_inventory(
    snapshot: InventorySnapshot, env: EnvironmentSettings, out: ObjectStore
) -> dict[str, list[str]]:
    """Write the inventory as JSON and CSV under the monitor's prefix; asset name -> keys."""
    inventory = snapshot.inventory
    doc = inventory.to_json_dict()
    meta = {
        "environment": env.name,
        "read_at": snapshot.read_at.isoformat(),
        "gleaner_etag": snapshot.gleaner_etag,
        "tenant_etag": snapshot.tenant_etag,
    }

    def key(name: str) -> str:
        return inventory_key(env, name)

    active = [s for s in doc["sources"] if s["active"]]
    files: dict[str, dict[str, Any] | str] = {
        "gleaner_config.json": {
            **meta,
            "object": snapshot.gleaner_key,
            "parsed": inventory.parsed,
            "source_count": len(inventory.sources),
        },
        "sources.json": {**meta, "sources": doc["sources"]},
        "sources.csv": sources_csv(inventory),
        ACTIVE_SOURCES_FILE: {**meta, "sources": active},
        "tenants.json": {**meta, "tenants": doc["tenants"]},
        "tenants.csv": tenants_csv(inventory),
        PROBLEMS_FILE: {**meta, "problems": doc["problems"]},
        "inventory.json": {**meta, **doc},
    }
    for name, body in files.items():
        if isinstance(body, str):
            out.put_text(key(name), body, content_type="text/csv")
        else:
            out.put_json(key(name), body)
    return {
        "gleaner_config": [key("gleaner_config.json"), key("inventory.json"), key(PROBLEMS_FILE)],
        "sources": [key("sources.json"), key("sources.csv")],
        "active_sources": [key(ACTIVE_SOURCES_FILE)],
        "tenants": [key("tenants.json"), key("tenants.csv")],
    }


def read_written_problems(env: EnvironmentSettings, out: ObjectStore) -> list[dict[str, Any]]:
    """The problems of the last inventory written for ``env`` (what the asset checks judge)."""
    data = json.loads(out.get_bytes(inventory_key(env, PROBLEMS_FILE)))
    problems = data.get("problems") if isinstance(data, dict) else None
    return problems if isinstance(problems, list) else []
