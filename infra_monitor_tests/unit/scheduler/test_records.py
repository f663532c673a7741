"""Parsing GraphQL runs into records, source extraction and exclusion of the monitor's runs."""

from __future__ import annotations

import pytest

from infra_monitor.runs.records import (
    MONITOR_OWNER_TAG,
    RunRecord,
    is_monitor_run,
    parse_run,
    source_of,
)

from .factories import T0, node


@pytest.mark.parametrize(
    ("job", "tags", "expected"),
    [
        ("summon_and_release_job", {"dagster/partition": "iedadata"}, "iedadata"),
        ("summon_and_release_job", {"dagster/partition": "a", "source": "b"}, "a"),
        ("summon_and_release_job", {"source": "opentopography"}, "opentopography"),
        ("implnet_job_obis", {}, "obis"),
        ("harvest_geocodes_demo_datasets", {}, "geocodes_demo_datasets"),
        ("implnet_job_x", {"dagster/partition": "y"}, "y"),
        ("summon_and_release_job", {"dagster/partition": "  "}, None),
        ("tenant_release_job", {}, None),
    ],
)
def test_source_from_tags_then_legacy_names(
    job: str, tags: dict[str, str], expected: str | None
) -> None:
    assert source_of(job, tags) == expected


def test_parse_run_reads_every_field() -> None:
    raw = node(
        "r1",
        status="FAILURE",
        tags={"dagster/partition": "broken_sitemap", "dagster/failure_reason": "STEP_FAILURE"},
        created=T0,
        location="sch",
    )
    record, tags = parse_run(raw)
    assert record == RunRecord(
        run_id="r1",
        job="summon_and_release_job",
        status="FAILURE",
        created=T0,
        started=T0 + 1,
        ended=T0 + 61,
        updated=T0 + 61,
        source="broken_sitemap",
        code_location="sch",
        failure_reason="STEP_FAILURE",
        partition="broken_sitemap",
    )
    assert record.duration_s == 60.0
    assert record.created_day == "2026-01-01"
    assert tags["dagster/partition"] == "broken_sitemap"
    assert RunRecord.from_json(record.to_json()) == record


def test_queued_run_has_no_times_and_no_failure_reason() -> None:
    raw = node("q", status="QUEUED", tags={"dagster/failure_reason": "x"})
    raw.update(startTime=None, endTime=None, updateTime=None)
    record, _ = parse_run(raw)
    assert (record.started, record.ended, record.duration_s) == (None, None, None)
    assert record.updated == record.created
    assert record.failure_reason is None


def test_monitor_runs_are_recognised_by_location_or_tag() -> None:
    own, tags = parse_run(node("m", location="infra_monitor"))
    assert is_monitor_run(own, tags, ("infra_monitor",))
    tagged, tags = parse_run(node("t", tags={MONITOR_OWNER_TAG: "infra_monitor"}))
    assert is_monitor_run(tagged, tags, ("infra_monitor",))
    harvest, tags = parse_run(node("h", tags={"dagster/partition": "a"}))
    assert not is_monitor_run(harvest, tags, ("infra_monitor",))
