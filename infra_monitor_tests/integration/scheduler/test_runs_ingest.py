"""Ingest of a real scheduler's runs (its dagster-webserver GraphQL) into a real S3 bucket."""

from __future__ import annotations

import json

import pytest

from infra_monitor.clients.scheduler import SchedulerClient
from infra_monitor.runs.ingest import ingest_runs
from infra_monitor.runs.records import MONITOR_OWNER_TAG
from infra_monitor.runs.store import RunStore
from infra_monitor.settings import OutputSettings
from infra_monitor_tests.integration.scheduler.services import BUCKET, ENV, Stack

pytestmark = pytest.mark.integration


def _client(stack: Stack, page_limit: int = 3) -> SchedulerClient:
    return SchedulerClient(
        stack.scheduler.graphql_url, stack.scheduler.ui_url, page_limit=page_limit, timeout_s=20
    )


def _all_run_ids(stack: Stack) -> set[str]:
    """Every run id straight from GraphQL (one big page), for comparison."""
    data = stack.scheduler.graphql(
        "{ runsOrError(limit: 100000) { ... on Runs { results { runId } } } }"
    )
    return {r["runId"] for r in data["runsOrError"]["results"]}


def test_ingest_backfills_pages_then_polls_incrementally(stack_env: Stack) -> None:
    stack = stack_env
    own = stack.launch_queued("iris", {MONITOR_OWNER_TAG: "infra_monitor"})
    client = _client(stack)
    with stack.store() as store:
        runs = RunStore(store, OutputSettings(BUCKET, "ingest-a"), ENV)
        first = ingest_runs(client, runs, backfill_days=30)
        expected = _all_run_ids(stack) - {own}
        stored = {r.run_id: r for r in runs.read_since(first.cursor - 86400, first.cursor)}  # type: ignore[operator]
        assert set(stored) == expected
        assert first.first and first.inserted == len(expected) and first.excluded >= 1
        assert own not in stored
        failed = [r for r in stored.values() if r.source == "broken_sitemap"]
        assert failed and all(r.status == "FAILURE" for r in failed)
        assert all(r.failure_reason == "STEP_FAILURE" for r in failed)
        assert all("sitemap" in (r.failure_message or "").lower() for r in failed)
        assert all(r.code_location in (None, "sample_scheduler") for r in stored.values())
        queued = [r for r in stored.values() if r.status == "QUEUED"]
        assert len(queued) >= 2 and all(r.started is None for r in queued)

        assert first.requests > 2  # pages of 3 runs, each asked with the previous runId
        steady = ingest_runs(_client(stack, page_limit=50), runs, backfill_days=30)
        assert (steady.inserted, steady.updated, steady.requests) == (0, 0, 1)

        new_id = stack.scheduler.run_harvest("magic")
        third = ingest_runs(client, runs, backfill_days=30)
        assert (third.inserted, third.updated) == (1, 0)
        day = runs.read_day(third.days[0])
        assert day[new_id].status == "SUCCESS" and day[new_id].source == "magic"
        assert day[new_id].duration_s is not None and day[new_id].duration_s > 0


def test_a_status_change_updates_the_stored_run(stack_env: Stack) -> None:
    stack = stack_env
    run_id = stack.launch_queued("bcodmo")
    client = _client(stack)
    with stack.store() as store:
        runs = RunStore(store, OutputSettings(BUCKET, "ingest-b"), ENV)
        ingest_runs(client, runs, backfill_days=30)
        stack.cancel(run_id)
        after = ingest_runs(client, runs, backfill_days=30)
        assert after.inserted == 0 and after.updated >= 1
        text = store.get_text(runs.day_key(after.days[0]))
        lines = [json.loads(line) for line in text.splitlines() if run_id in line]
        assert len(lines) == 1
        assert lines[0]["status"] in ("CANCELED", "CANCELING")
