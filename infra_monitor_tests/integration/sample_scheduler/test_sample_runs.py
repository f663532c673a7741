"""The seeded run history, read back through the webserver's GraphQL API over a real socket.

The session stack's scheduler is only read; tests that execute or submit runs do so on
``own_scheduler``, so the shared run history other test folders count is left as it was.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from infra_monitor.devstack.scheduler_server import (
    SEED_FAILING,
    SEED_QUEUED,
    SEED_SUCCEEDING,
    SampleScheduler,
)
from infra_monitor.gleaner import facts
from infra_monitor_tests.integration.sample_scheduler.conftest import graphql

pytestmark = pytest.mark.integration

RUNS = """
query Runs($job: String!) {
  runsOrError(filter: {pipelineName: $job}, limit: 1000) {
    __typename
    ... on Runs { results { runId jobName status tags { key value } } }
  }
}
"""
RUN_EVENTS = """
query Events($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run {
      status
      eventConnection { events {
        __typename
        ... on ExecutionStepFailureEvent {
          stepKey error { message errorChain { error { message } } }
        }
        ... on MessageEvent { message level }
      } }
    }
  }
}
"""


def _runs(scheduler: SampleScheduler) -> list[dict[str, Any]]:
    data = graphql(scheduler.graphql_url, RUNS, {"job": facts.HARVEST_JOB})
    assert data["runsOrError"]["__typename"] == "Runs"
    results: list[dict[str, Any]] = data["runsOrError"]["results"]
    return results


def _partition(run: dict[str, Any]) -> str | None:
    tags = {tag["key"]: tag["value"] for tag in run["tags"]}
    return tags.get(facts.PARTITION_TAG)


def test_graphql_lists_success_failure_and_queued_runs_by_source(
    scheduler: SampleScheduler,
) -> None:
    seeded = set(scheduler.seeded_run_ids) | set(scheduler.queued_run_ids)
    runs = [run for run in _runs(scheduler) if run["runId"] in seeded]

    assert {run["jobName"] for run in runs} == {facts.HARVEST_JOB}
    by_status = Counter((run["status"], _partition(run)) for run in runs)
    for source in SEED_SUCCEEDING:
        assert by_status[("SUCCESS", source)] == 1, source
    assert by_status[("FAILURE", "broken_sitemap")] == len(SEED_FAILING)
    queued = sorted(_partition(run) or "" for run in runs if run["status"] == "QUEUED")
    assert queued == sorted(SEED_QUEUED)
    assert len(runs) == len(SEED_SUCCEEDING) + len(SEED_FAILING) + len(SEED_QUEUED)


def test_failed_runs_fail_on_the_broken_sitemap(scheduler: SampleScheduler) -> None:
    failed = [run for run in _runs(scheduler) if run["status"] == "FAILURE"]
    assert failed
    for run in failed:
        tags = {tag["key"]: tag["value"] for tag in run["tags"]}
        assert tags[facts.PARTITION_TAG] == "broken_sitemap"
        assert tags[facts.FAILURE_REASON_TAG] == "STEP_FAILURE"

    data = graphql(scheduler.graphql_url, RUN_EVENTS, {"runId": failed[0]["runId"]})
    events = data["runOrError"]["eventConnection"]["events"]
    failures = [e for e in events if e["__typename"] == "ExecutionStepFailureEvent"]
    assert [f["stepKey"] for f in failures] == ["ingest__validate_sitemap_url"]
    error = failures[0]["error"]
    # Like the real scheduler's: Dagster's wrapper, caused by the asset's own exception.
    assert 'Error occurred while executing op "ingest__validate_sitemap_url"' in error["message"]
    message = error["errorChain"][0]["error"]["message"]
    assert message.startswith("infra_monitor.devstack.sample_scheduler.harvest.HarvestError: ")
    assert "source: broken_sitemap bad sitemap: https://broken.example.org/sitemap.xml" in message
    assert "is not valid sitemap XML" in message


def test_queued_runs_stay_queued_and_name_their_source(scheduler: SampleScheduler) -> None:
    queued = {run["runId"]: run for run in _runs(scheduler) if run["status"] == "QUEUED"}

    assert set(scheduler.queued_run_ids) <= set(queued)
    assert sorted(_partition(queued[r]) or "" for r in scheduler.queued_run_ids) == sorted(
        SEED_QUEUED
    )


def test_successful_run_logged_its_steps(scheduler: SampleScheduler) -> None:
    iris = next(
        run for run in _runs(scheduler) if run["status"] == "SUCCESS" and _partition(run) == "iris"
    )
    data = graphql(scheduler.graphql_url, RUN_EVENTS, {"runId": iris["runId"]})
    messages = [e.get("message") or "" for e in data["runOrError"]["eventConnection"]["events"]]

    assert any(
        "iris: sitemap http://ds.iris.edu/files/sitemap.xml lists 4 urls" in m for m in messages
    )
    uploaded = [m for m in messages if m.startswith("Log uploaded: ")]
    assert len(uploaded) == len(facts.SERVICE_MODES)


def test_run_harvest_adds_runs_that_graphql_shows(own_scheduler: SampleScheduler) -> None:
    scheduler = own_scheduler
    before = Counter((run["status"], _partition(run)) for run in _runs(scheduler))

    failed_id = scheduler.run_harvest("broken_sitemap", expect_failure=True)
    ok_id = scheduler.run_harvest("magic")

    after = {run["runId"]: run for run in _runs(scheduler)}
    assert after[failed_id]["status"] == "FAILURE"
    assert _partition(after[failed_id]) == "broken_sitemap"
    assert after[ok_id]["status"] == "SUCCESS"
    assert _partition(after[ok_id]) == "magic"
    counts = Counter((run["status"], _partition(run)) for run in after.values())
    assert counts[("FAILURE", "broken_sitemap")] == before[("FAILURE", "broken_sitemap")] + 1


def test_run_harvest_refuses_unknown_and_unexpected_outcomes(
    own_scheduler: SampleScheduler,
) -> None:
    scheduler = own_scheduler
    with pytest.raises(ValueError, match="aquadocs is not an active sample source"):
        scheduler.run_harvest("aquadocs")  # inactive in the sample config
    with pytest.raises(RuntimeError, match="harvest of broken_sitemap failed"):
        scheduler.run_harvest("broken_sitemap")
    with pytest.raises(RuntimeError, match="harvest of iris succeeded"):
        scheduler.run_harvest("iris", expect_failure=True)


def test_location_serves_the_harvest_job_over_dynamic_partitions(
    scheduler: SampleScheduler,
) -> None:
    query = """
    { partitionSetsOrError(repositorySelector:
        {repositoryLocationName: "sample_scheduler", repositoryName: "__repository__"},
        pipelineName: "summon_and_release_job") {
        __typename ... on PartitionSets { results { pipelineName
          partitionsOrError { __typename ... on Partitions { results { name } } } } } } }
    """
    data = graphql(scheduler.graphql_url, query)["partitionSetsOrError"]
    assert data["__typename"] == "PartitionSets"
    (partition_set,) = data["results"]
    names = [p["name"] for p in partition_set["partitionsOrError"]["results"]]
    assert sorted(names) == sorted({*SEED_SUCCEEDING, *SEED_FAILING})


def test_launch_queued_submits_through_graphql_with_extra_tags(
    own_scheduler: SampleScheduler,
) -> None:
    scheduler = own_scheduler
    run_id = scheduler.launch_queued("opentopography", {facts.SOURCE_TAG: "opentopography"})

    run = next(run for run in _runs(scheduler) if run["runId"] == run_id)
    tags = {tag["key"]: tag["value"] for tag in run["tags"]}
    assert run["status"] == "QUEUED"
    assert tags[facts.PARTITION_TAG] == tags[facts.SOURCE_TAG] == "opentopography"
    assert tags["dagster/code_location"] == "sample_scheduler"
