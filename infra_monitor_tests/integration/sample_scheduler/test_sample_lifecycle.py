"""Starting and stopping a sample scheduler, and the optional Docker Swarm services of a harvest.

These build their own scheduler / harvests (the lifecycle is what they test), against the session
stack's S3 in buckets of their own and, for the Swarm services, the stack's Docker Engine with a
source whose services the stack does not keep.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from dagster import DagsterInstance

from infra_monitor.devstack.docker_engine import DockerEngine, EngineError
from infra_monitor.devstack.s3 import S3Server
from infra_monitor.devstack.sample_scheduler.bucket import HarvestSettings
from infra_monitor.devstack.sample_scheduler.definitions import (
    SampleHarvestResource,
    build_definitions,
)
from infra_monitor.devstack.sample_scheduler.harvest import seed_configs
from infra_monitor.devstack.scheduler_server import SampleScheduler
from infra_monitor.devstack.stack import KEPT_SERVICES
from infra_monitor.gleaner import facts
from infra_monitor_tests.integration.sample_scheduler.conftest import list_keys

pytestmark = pytest.mark.integration

#: Harvested on the shared engine: not one of the stack's KEPT_SERVICES, whose live sch_ services
#: other tests rely on (a harvest replaces its source's services, and this test removes them).
SWARM_SOURCE = "bcodmo"


def _alive(pid: int) -> bool:
    """True while ``pid`` is a live (not zombie) process."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


def _harvest(settings: HarvestSettings, source: str) -> tuple[bool, list[str]]:
    """One real harvest run on an ephemeral instance: (success, warning messages)."""
    seed_configs(settings)
    job = build_definitions(SampleHarvestResource(variables=settings.to_env())).resolve_job_def(
        facts.HARVEST_JOB
    )
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(facts.SOURCES_PARTITIONS, [source])
        result = job.execute_in_process(
            instance=instance, partition_key=source, raise_on_error=False
        )
        warnings = [
            entry.user_message
            for entry in instance.all_logs(result.run_id)
            if entry.level == 30  # logging.WARNING
        ]
    return result.success, warnings


def _settings(s3: S3Server, bucket: str, **extra: Any) -> HarvestSettings:
    return HarvestSettings(
        endpoint_url=s3.endpoint_url,
        access_key=s3.access_key,
        secret_key=s3.secret_key,
        bucket=bucket,
        region=s3.region,
        **extra,
    )


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_start_is_idempotent_and_stop_ends_the_webserver_and_its_children(
    tmp_path: Path, sample_s3: S3Server, scratch_bucket: Callable[[str], str]
) -> None:
    scheduler = SampleScheduler(tmp_path, sample_s3, bucket=scratch_bucket("lifecycle"))
    try:
        scheduler.start()
        pid = scheduler.pid
        assert pid is not None and _alive(pid)
        assert scheduler.start() is scheduler and scheduler.pid == pid
        assert 0 < scheduler.start_seconds < 90
        home = yaml.safe_load((scheduler.dagster_home / "dagster.yaml").read_text())
        assert home["run_coordinator"]["class"] == "QueuedRunCoordinator"
        assert home["telemetry"] == {"enabled": False}
        page = requests.get(scheduler.ui_url + "/server_info", timeout=10)
        assert page.status_code == 200 and "dagster_webserver_version" in page.json()
        children = _children(pid)
        assert children, "the webserver runs its code location in a child process"
    finally:
        scheduler.stop()
    assert not _alive(pid)
    assert not [child for child in children if _alive(child)]
    scheduler.stop()  # idempotent
    with pytest.raises(requests.ConnectionError):
        requests.get(scheduler.ui_url + "/server_info", timeout=5)


def test_a_failing_docker_host_only_warns(
    sample_s3: S3Server, scratch_bucket: Callable[[str], str]
) -> None:
    bucket = scratch_bucket("docker-down")
    settings = _settings(sample_s3, bucket, docker_host="unix:///nonexistent/docker.sock")

    success, warnings = _harvest(settings, "magic")

    assert success
    assert len(warnings) == len(facts.SERVICE_MODES)
    assert all(w.startswith("docker: could not create service sch_magic_") for w in warnings)
    assert warnings[0].endswith("(harvest goes on without it)")
    release = facts.RELEASE_GRAPH_KEY.format(source="magic")
    assert list_keys(sample_s3.client(), release, bucket=bucket) == [release]


@pytest.mark.engine
def test_harvest_runs_each_mode_as_a_swarm_service_and_keeps_listed_gleaners(
    sample_s3: S3Server, sample_engine: DockerEngine, scratch_bucket: Callable[[str], str]
) -> None:
    assert SWARM_SOURCE not in KEPT_SERVICES
    source, bucket = SWARM_SOURCE, scratch_bucket("swarm")
    kept_name = facts.service_name(source, "gleaner")
    settings = _settings(
        sample_s3, bucket, docker_host=sample_engine.host, keep_services=frozenset({source})
    )
    try:
        success, warnings = _harvest(settings, source)

        assert success and warnings == []
        kept = sample_engine.service(kept_name)
        assert kept["Spec"]["Labels"]["gleanerio.mode"] == "gleaner"
        assert kept["Spec"]["Labels"]["gleanerio.source"] == source
        sample_engine.wait_for_running(kept_name, 1, timeout=30)
        for mode in ("prune", "prov", "orgs", "release"):
            with pytest.raises(EngineError, match="no service named"):
                sample_engine.service(facts.service_name(source, mode))
        names = list_keys(sample_s3.client(), f"{facts.LOGS_PREFIX}sch_{source}_", bucket=bucket)
        matches = [facts.SERVICE_LOG_RE.match(k.removeprefix(facts.LOGS_PREFIX)) for k in names]
        assert {m["mode"] for m in matches if m} == set(facts.SERVICE_MODES)
        assert {m["source"] for m in matches if m} == {source}
        stack_kept = [facts.service_name(s, "gleaner") for s in KEPT_SERVICES]  # left alone
        assert [sample_engine.service(n)["Spec"]["Name"] for n in stack_kept] == stack_kept
    finally:
        for mode in facts.SERVICE_MODES:  # the shared engine keeps none of this test's services
            sample_engine.remove_service(facts.service_name(source, mode))


def test_settings_come_from_the_sample_environment() -> None:
    env = {
        "SAMPLE_S3_ENDPOINT": "http://127.0.0.1:9000",
        "SAMPLE_S3_ACCESS_KEY": "AKIAEXAMPLE",
        "SAMPLE_S3_SECRET_KEY": "secret-example",
        "SAMPLE_S3_BUCKET": "gleaner",
        "SAMPLE_KEEP_SERVICES": "iris, magic",
    }
    settings = HarvestSettings.from_env(env)

    assert settings.keep_services == frozenset({"iris", "magic"})
    assert settings.docker_host is None and settings.region == "us-east-1"
    assert HarvestSettings.from_env(settings.to_env()) == settings
    assert "secret-example" not in repr(settings)
    with pytest.raises(ValueError, match="set SAMPLE_S3_ENDPOINT, SAMPLE_S3_BUCKET"):
        HarvestSettings.from_env({"SAMPLE_S3_ACCESS_KEY": "a", "SAMPLE_S3_SECRET_KEY": "b"})
