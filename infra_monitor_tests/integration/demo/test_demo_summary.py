"""What `make demo-once` does, against the session's stack: every asset, check and sensor of
both environments runs once, and the summary holds the inventory, health, containers, job
metrics and the alert the sample scheduler's failures trigger."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest
import yaml

from infra_monitor.devstack.demo import metadata_to_json, print_summary, run_everything_once
from infra_monitor.devstack.stack import LocalStack

PREFIX = "demo_test"


@pytest.fixture
def demo_settings(stack: LocalStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stack's settings with their own output prefix and webhook path, so this run shares
    no state with the other integration tests."""
    data = yaml.safe_load(stack.settings_path.read_text())
    for name, env in data["environments"].items():
        env["output"] = {"prefix": PREFIX}
        env["alerts"]["channels"]["webhook_url"] = f"{stack.webhook.url}/demo-test/{name}"
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("INFRA_MONITOR_CONFIG", str(path))
    return path


def test_everything_runs_once_and_the_summary_shows_it(
    stack: LocalStack,
    demo_settings: Path,
    monitor_defs: dg.Definitions,
    instance: dg.DagsterInstance,
) -> None:
    summary = run_everything_once(monitor_defs, instance)
    assert summary.failures == []
    assert summary.ok
    assets = summary.assets

    assert assets["dev/inventory/sources"]["dagster/row_count"] == 7
    assert assets["prod/inventory/sources"]["dagster/row_count"] == 53
    assert assets["dev/inventory/active_sources"]["dagster/row_count"] == 6

    health = assets["dev/health/snapshot"]
    for service in ("object_store", "triplestore", "scheduler"):
        assert health[f"latency_ms_{service}"] >= 0
    assert health["up_object_store"] == 1 and health["up_triplestore"] == 1

    metrics = assets["dev/scheduler/job_metrics"]
    assert metrics["failures_7d"] >= 3  # broken_sitemap fails on every harvest
    assert "broken_sitemap" in metrics["stale_sources"]
    broken = next(s for s in metrics["by_source_7d"] if s["name"] == "broken_sitemap")
    assert broken["success"] == 0 and broken["failure"] >= 3

    if stack.engine is not None:
        assert health["up_portainer"] == 1
        services = assets["dev/containers/services"]["services"]
        assert "sch_iris_gleaner" in services and "sch_geocodes_demo_datasets_gleaner" in services
        stats = assets["dev/containers/stats"]
        assert stats["containers"] >= 2
        assert stats["mem_used_mib_total"] > 0
        assert "cpu_pct_sch_iris_gleaner" in stats

    # Every check ran: the inventory's four, the health per service, the metrics' two.
    assert {
        "dev/inventory/gleaner_config:config_parses",
        "dev/inventory/sources:unique_source_names",
        "dev/health/snapshot:object_store_up",
        "dev/scheduler/job_metrics:no_stale_sources",
    } <= set(summary.checks)
    assert summary.checks["dev/scheduler/job_metrics:no_stale_sources"]["passed"] is False

    # The sensors alerted on the real failures, the webhook got them, the history shows them.
    delivered = [
        r for r in stack.webhook.received if r.path == "/demo-test/dev" and r.status == 200
    ]
    assert delivered, "the dev alert sensor delivered nothing to the webhook"
    assert any("broken_sitemap" in json.dumps(r.body) for r in delivered)
    assert assets["dev/alerting/alert_history"]["deliveries"] >= 1
    log = (stack.workdir / "webhook.jsonl").read_text()
    assert "/demo-test/dev" in log

    table = print_summary(summary)
    assert "OK: all assets materialised" in table
    assert "dev/inventory/sources" in table


def test_metadata_to_json_keeps_tables_as_rows() -> None:
    schema = dg.TableSchema(columns=[dg.TableColumn("name", "string")])
    table = dg.MetadataValue.table(records=[dg.TableRecord({"name": "iris"})], schema=schema)
    assert metadata_to_json({"t": table, "n": dg.MetadataValue.int(3)}) == {
        "t": [{"name": "iris"}],
        "n": 3,
    }
