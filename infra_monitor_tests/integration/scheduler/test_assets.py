"""The scheduler domain's assets, checks and export job, materialised through Dagster."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import dagster as dg
import pytest

from infra_monitor.defs.resources import build_resources
from infra_monitor.defs.scheduler.definitions import build_scheduler_defs
from infra_monitor_tests.integration.scheduler.services import ENV, Stack

pytestmark = pytest.mark.integration


def _resources(path: Path) -> dict[str, object]:
    return build_resources(str(path))


def _meta(result: dg.ExecuteInProcessResult, key: str) -> dict[str, object]:
    for event in result.get_asset_materialization_events():
        mat = event.step_materialization_data.materialization
        if mat is not None and mat.asset_key.to_user_string() == key:
            return {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
    raise AssertionError(f"{key} not materialised")


def test_runs_and_job_metrics_show_the_real_failures(stack_env: Stack) -> None:
    stack = stack_env
    path, prefix = stack.settings_file()
    defs = build_scheduler_defs([ENV])
    assets = [a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition)]
    checks = list(defs.asset_checks or [])
    result = dg.materialize(
        [*assets, *checks],
        resources=_resources(path),
        selection=[f"{ENV}/scheduler/runs", f"{ENV}/scheduler/job_metrics"],
    )
    assert result.success
    runs = _meta(result, f"{ENV}/scheduler/runs")
    assert runs["backfill"] is True and runs["inserted"] == runs["dagster/row_count"]
    metrics = _meta(result, f"{ENV}/scheduler/job_metrics")
    assert metrics["failures_24h"] >= 3  # type: ignore[operator]
    assert metrics["queued"] >= 2  # type: ignore[operator]
    assert 0 < metrics["success_rate_24h"] < 1  # type: ignore[operator]
    by_source = {r.data["name"]: r.data for r in metrics["by_source_7d"].records}  # type: ignore[union-attr]
    assert by_source["broken_sitemap"]["failure"] >= 3
    assert by_source["broken_sitemap"]["success"] == 0
    assert by_source["iris"]["success"] >= 1
    with stack.store() as store:
        page = store.get_text(f"{prefix}/scheduler/{ENV}/job_metrics.html")
        assert "broken_sitemap" in page and "plotly" in page.lower()
        doc = json.loads(store.get_text(f"{prefix}/scheduler/{ENV}/job_metrics.json"))
        assert doc["windows"]["24h"]["by_source"]["broken_sitemap"]["by_status"]["FAILURE"] >= 3
        assert doc["backlog"]["level"] in ("OK", "LOW", "MEDIUM", "HIGH", "CRITICAL")

    evaluations = {c.asset_check_key.name: c for c in result.get_asset_check_evaluations()}
    assert set(evaluations) == {"no_stale_sources", "queue_backlog_below_medium"}
    stale = evaluations["no_stale_sources"]
    assert stale.passed is False  # broken_sitemap never succeeded
    assert "broken_sitemap" in str(stale.metadata["stale_sources"].value)

    bound = dg.Definitions.merge(defs, dg.Definitions(resources=_resources(path)))
    export = bound.resolve_job_def(f"{ENV}_scheduler_run_export")
    run_config = {
        "ops": {
            f"{ENV}_export_runs": {"config": {"source": "broken_sitemap", "statuses": ["failure"]}}
        }
    }
    exported = export.execute_in_process(run_config=run_config)
    assert exported.success
    key = exported.output_for_node(f"{ENV}_export_runs")
    with stack.store() as store:
        rows = list(csv.DictReader(io.StringIO(store.get_text(key))))
    assert len(rows) >= 3
    assert {r["source"] for r in rows} == {"broken_sitemap"}
    assert {r["status"] for r in rows} == {"FAILURE"}
    assert all(r["created"].endswith("Z") for r in rows)
