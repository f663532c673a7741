"""The inventory materialised through Dagster against the live stack's bucket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from infra_monitor.clients.object_store import ObjectStore
from infra_monitor.defs.resources import build_resources
from infra_monitor.devstack.stack import PROD_BUCKET, LocalStack
from infra_monitor.gleaner import facts
from infra_monitor.settings import load_settings
from infra_monitor_tests.integration.conftest import (
    check_results,
    materialization_metadata,
    run_job,
)

SAMPLE_SOURCES = [
    "aquadocs",
    "bcodmo",
    "broken_sitemap",
    "geocodes_demo_datasets",
    "iris",
    "magic",
    "opentopography",
]


def _store(env: str, bucket: str | None = None) -> ObjectStore:
    return ObjectStore.from_settings(load_settings().environment(env).object_store, bucket=bucket)


def test_dev_inventory_is_materialised_and_written(
    stack: LocalStack, monitor_defs: dg.Definitions, instance: dg.DagsterInstance
) -> None:
    result = run_job(monitor_defs, "dev_inventory_refresh", instance)
    assert result.success

    sources_meta = materialization_metadata(result, "dev/inventory/sources")
    assert sources_meta["dagster/row_count"].value == 7
    table = sources_meta["table"].value
    assert [r.data["name"] for r in table.records] == SAMPLE_SOURCES
    iris = next(r.data for r in table.records if r.data["name"] == "iris")
    assert iris["report_url"].endswith("/gleaner/reports/iris/latest/")
    assert (
        materialization_metadata(result, "dev/inventory/active_sources")["dagster/row_count"].value
        == 6
    )

    tenants = json.loads(_store("dev").get_text("infra_monitor/inventory/dev/tenants.json"))[
        "tenants"
    ]
    assert [t["community"] for t in tenants] == ["dev", "geocodesall"]
    assert tenants[0]["sources"] == ["iris", "geocodes_demo_datasets"]
    assert tenants[1]["sources"] == SAMPLE_SOURCES  # `all` expanded to every source
    csv_lines = _store("dev").get_text("infra_monitor/inventory/dev/sources.csv").splitlines()
    assert csv_lines[0].startswith("name,active,")
    assert len(csv_lines) == 8

    checks = check_results(result)
    assert checks["dev/inventory/gleaner_config:config_parses"].passed
    assert checks["dev/inventory/sources:unique_source_names"].passed
    assert checks["dev/inventory/tenants:tenant_sources_exist"].passed


def test_prod_falls_back_to_the_legacy_tenant_object(
    stack: LocalStack, monitor_defs: dg.Definitions, instance: dg.DagsterInstance
) -> None:
    result = run_job(monitor_defs, "prod_inventory_refresh", instance)
    assert result.success
    assert (
        materialization_metadata(result, "prod/inventory/sources")["dagster/row_count"].value == 53
    )
    tenants = json.loads(_store("prod").get_text("infra_monitor/inventory/prod/tenants.json"))
    assert [t["community"] for t in tenants["tenants"]] == ["dev", "oihall"]
    assert len(tenants["tenants"][1]["sources"]) == 53
    assert tenants["tenants"][0]["sources"] == ["africaioc"]
    assert check_results(result)["prod/inventory/tenants:tenant_sources_exist"].passed


@pytest.fixture
def prod_config_restored(stack: LocalStack) -> Iterator[ObjectStore]:
    """The prod bucket's store; its gleaner config is put back after the test."""
    store = _store("prod", PROD_BUCKET)
    original = store.get_bytes(facts.GLEANER_CONFIG_PATH)
    yield store
    store.put_bytes(facts.GLEANER_CONFIG_PATH, original, "application/yaml")


def test_an_edit_in_the_bucket_shows_at_the_next_run(
    prod_config_restored: ObjectStore,
    monitor_defs: dg.Definitions,
    instance: dg.DagsterInstance,
) -> None:
    broken = Path(__file__).parents[2] / "data" / "gleanerio" / "eco_gleanerconfig.yaml"
    prod_config_restored.put_bytes(facts.GLEANER_CONFIG_PATH, broken.read_bytes(), "text/yaml")
    result = run_job(monitor_defs, "prod_inventory_refresh", instance)
    assert result.success  # the asset records the problem; the check fails
    check = check_results(result)["prod/inventory/gleaner_config:config_parses"]
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert "line 602" in (check.description or "")
    assert "column" in (check.description or "")


def _tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None) -> Any:
    with dg.build_sensor_context(
        instance=instance, cursor=cursor, resources=build_resources()
    ) as context:
        return sensor.evaluate_tick(context)


def test_config_change_sensor_requests_one_run_per_change(
    prod_config_restored: ObjectStore, monitor_defs: dg.Definitions, instance: dg.DagsterInstance
) -> None:
    sensor = monitor_defs.resolve_sensor_def("prod_inventory_config_changed")
    first = _tick(sensor, instance, None)
    assert len(first.run_requests or []) == 1
    assert first.cursor is not None
    assert not _tick(sensor, instance, first.cursor).run_requests

    text = prod_config_restored.get_text(facts.GLEANER_CONFIG_PATH) + "\n# edited\n"
    prod_config_restored.put_text(facts.GLEANER_CONFIG_PATH, text)
    changed = _tick(sensor, instance, first.cursor)
    assert len(changed.run_requests or []) == 1
    assert changed.run_requests[0].run_key != first.run_requests[0].run_key
    assert (
        json.loads(changed.cursor or "{}")[facts.GLEANER_CONFIG_PATH]
        != json.loads(first.cursor)[facts.GLEANER_CONFIG_PATH]
    )


def test_sensor_skips_with_the_reason_when_the_bucket_is_down(
    stack: LocalStack,
    monitor_defs: dg.Definitions,
    instance: dg.DagsterInstance,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert stack.s3 is not None
    settings = tmp_path / "settings.yaml"
    settings.write_text(
        stack.settings_path.read_text().replace(stack.s3.endpoint_url, "http://127.0.0.1:9")
    )
    monkeypatch.setenv("INFRA_MONITOR_CONFIG", str(settings))
    result = _tick(monitor_defs.resolve_sensor_def("dev_inventory_config_changed"), instance, None)
    assert not result.run_requests
    assert "cannot read the config objects: object store at http://127.0.0.1:9" in (
        result.skip_message or ""
    )


def test_unreachable_bucket_is_a_clear_failure_without_secrets(
    stack: LocalStack,
    monitor_defs: dg.Definitions,
    instance: dg.DagsterInstance,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = stack.settings_path.read_text()
    assert stack.s3 is not None
    settings = tmp_path / "settings.yaml"
    settings.write_text(text.replace(stack.s3.endpoint_url, "http://127.0.0.1:9"))
    monkeypatch.setenv("INFRA_MONITOR_CONFIG", str(settings))  # hot reload: no new definitions
    result = run_job(monitor_defs, "dev_inventory_refresh", instance)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.step_failure_data.error.message if failure.step_failure_data.error else ""
    assert "object store at http://127.0.0.1:9/gleaner/" in message
    assert stack.s3.secret_key not in message


def test_wrong_secret_is_refused_and_never_shown(
    stack: LocalStack,
    monitor_defs: dg.Definitions,
    instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOCAL_S3_SECRET_KEY", "not-the-right-secret-123")
    result = run_job(monitor_defs, "dev_inventory_refresh", instance)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.step_failure_data.error.message if failure.step_failure_data.error else ""
    assert "SignatureDoesNotMatch" in message or "403" in message
    assert "not-the-right-secret-123" not in message
