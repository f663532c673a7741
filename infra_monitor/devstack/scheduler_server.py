"""Seed and serve the sample scheduler: a Dagster instance with real history and its webserver.

``SampleScheduler.start()`` writes a DAGSTER_HOME (SQLite storage, telemetry off, a
QueuedRunCoordinator) and a workspace.yaml under ``workdir``, writes the configs to the bucket,
adds the sources as dynamic partitions, executes real harvest runs in-process against that
instance (some succeed, ``broken_sitemap`` fails several times), starts ``dagster-webserver`` as a
child process, and submits a couple of runs through its GraphQL ``launchRun``: with no daemon
running they stay QUEUED. ``stop()`` stops the webserver by its pid.
``fix_sitemap`` / ``break_sitemap`` / ``reset_sitemap`` change what a source serves at run time,
the way its operator would: the next harvest of that source reads the bucket's override object.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import requests
from dagster import DagsterInstance

from infra_monitor.devstack.procs import ManagedProcess, StartStop, free_port, wait_until
from infra_monitor.devstack.sample_scheduler.bucket import HarvestSettings, SampleBucket
from infra_monitor.devstack.sample_scheduler.definitions import (
    SampleHarvestResource,
    build_definitions,
)
from infra_monitor.devstack.sample_scheduler.harvest import seed_configs
from infra_monitor.devstack.sample_scheduler.sources import (
    active_source_names,
    repaired_sitemap,
    truncated_sitemap,
)
from infra_monitor.gleaner import facts

logger = logging.getLogger(__name__)

LOCATION_NAME = "sample_scheduler"
REPOSITORY_NAME = "__repository__"  # what Dagster names the repository of a Definitions object
DEFINITIONS_MODULE = "infra_monitor.devstack.sample_scheduler.definitions"
#: The folder holding the infra_monitor package: the code location imports from there even when
#: the package is not installed in the interpreter that runs the webserver.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
MAX_CONCURRENT_RUNS = 2

#: The history start() seeds, in order: successes, the broken source's failures, queued runs.
SEED_SUCCEEDING = ("geocodes_demo_datasets", "iris", "opentopography", "magic", "bcodmo")
SEED_FAILING = ("broken_sitemap",) * 3
SEED_QUEUED = ("iris", "bcodmo")

GRAPHQL_TIMEOUT = (5.0, 30.0)
READY_TIMEOUT = 90.0
CHILD_GRACE_SECONDS = 3.0

_LAUNCH_RUN = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""
_LOCATIONS = """
{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }
"""


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state, ppid, ...); None if gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _alive(pid: int) -> bool:
    stat = _proc_stat(pid)
    return stat is not None and stat[0] != "Z"


def _child_pids(pid: int | None) -> list[int]:
    """The direct children of ``pid`` (Linux /proc; empty elsewhere)."""
    if pid is None or not os.path.isdir("/proc"):
        return []
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _proc_stat(int(entry))
            if stat is not None and int(stat[1]) == pid:
                children.append(int(entry))
    return children


def _stop_pid(pid: int, grace: float = CHILD_GRACE_SECONDS) -> None:
    """Give ``pid`` ``grace`` s to exit by itself, then SIGTERM, then SIGKILL."""
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig is not None:
            logger.info("ending webserver child %s with %s", pid, sig.name)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not _alive(pid):
            return


def _s3_value(s3: Any, name: str) -> Any:
    return s3.get(name) if isinstance(s3, Mapping) else getattr(s3, name, None)


class SampleScheduler(StartStop):
    """The sample gleanerio scheduler, seeded with real runs and served by dagster-webserver.

    ``s3`` is a mapping or an object (e.g. devstack.s3.S3Server) with ``endpoint_url``,
    ``access_key``, ``secret_key``, ``region`` and ``bucket``; ``bucket`` here overrides it.
    After ``start()``: ``graphql_url``, ``ui_url``, ``dagster_home``, ``seeded_run_ids``,
    ``queued_run_ids`` and ``start_seconds``. Context manager; start()/stop() are idempotent
    (start() after stop() serves the same home again and seeds another round of runs).
    ``run_harvest`` is not meant to be called from several threads at once.
    """

    def __init__(
        self,
        workdir: Path,
        s3: Any,
        docker_host: str | None = None,
        sparql_store_url: str | None = None,
        *,
        bucket: str | None = None,
        keep_services: Iterable[str] = (),
    ) -> None:
        """Describe the scheduler; nothing starts before ``start()``."""
        bucket_name = bucket or _s3_value(s3, "bucket")
        if not bucket_name:
            raise ValueError("SampleScheduler needs a bucket (in s3 or as bucket=)")
        self.workdir = Path(workdir)
        self.settings = HarvestSettings(
            endpoint_url=str(_s3_value(s3, "endpoint_url")),
            access_key=str(_s3_value(s3, "access_key")),
            secret_key=str(_s3_value(s3, "secret_key")),
            bucket=str(bucket_name),
            region=str(_s3_value(s3, "region") or "us-east-1"),
            docker_host=docker_host,
            keep_services=frozenset(keep_services),
            sparql_store_url=sparql_store_url,
        )
        self.dagster_home = self.workdir / "dagster_home"
        self.workspace_file = self.workdir / "workspace.yaml"
        self.port = 0
        self.graphql_url = ""
        self.ui_url = ""
        self.seeded_run_ids: list[str] = []
        self.queued_run_ids: list[str] = []
        self.start_seconds = 0.0
        self._instance: DagsterInstance | None = None
        self._webserver: ManagedProcess | None = None
        self._job = build_definitions(
            SampleHarvestResource(variables=self.settings.to_env())
        ).resolve_job_def(facts.HARVEST_JOB)

    @property
    def pid(self) -> int | None:
        """The webserver's pid, once started."""
        return self._webserver.pid if self._webserver is not None else None

    # --- lifecycle --------------------------------------------------------------------------
    def start(self) -> SampleScheduler:
        """Seed the instance and the bucket, start the webserver, queue runs; return self."""
        if self._webserver is not None and self._webserver.is_running():
            return self
        began = time.monotonic()
        try:
            self._write_home()
            self._instance = DagsterInstance.from_config(str(self.dagster_home))
            seed_configs(self.settings)
            self._instance.add_dynamic_partitions(facts.SOURCES_PARTITIONS, active_source_names())
            self._start_webserver()  # boots while the seed runs execute
            for source in SEED_SUCCEEDING:
                self.seeded_run_ids.append(self.run_harvest(source))
            for source in SEED_FAILING:
                self.seeded_run_ids.append(self.run_harvest(source, expect_failure=True))
            self._wait_until_loaded()
            self.queued_run_ids = [self.launch_queued(source) for source in SEED_QUEUED]
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        logger.info(
            "sample scheduler ready at %s after %.1f s (%d runs, %d queued)",
            self.ui_url,
            self.start_seconds,
            len(self.seeded_run_ids),
            len(self.queued_run_ids),
        )
        return self

    def stop(self) -> None:
        """Stop the webserver by its pid, then its code server child, and release the instance.

        The webserver runs the code location in a child process that outlives it for a while;
        its pid is taken before the webserver stops and it is ended by pid too. Idempotent.
        """
        if self._webserver is not None:
            children = _child_pids(self._webserver.pid) if self._webserver.is_running() else []
            self._webserver.stop()
            for pid in children:
                _stop_pid(pid)
        if self._instance is not None:
            self._instance.dispose()
            self._instance = None

    # --- runs -------------------------------------------------------------------------------
    def run_harvest(self, source: str, *, expect_failure: bool = False) -> str:
        """Execute one real harvest of ``source`` in-process; return its run id.

        RuntimeError when the outcome is not the expected one (success, or failure when
        ``expect_failure``); ValueError for a source that is not an active sample source.
        """
        if self._instance is None:
            raise RuntimeError("SampleScheduler is not started")
        self._check_source(source)
        result = self._job.execute_in_process(
            instance=self._instance,
            partition_key=source,
            raise_on_error=False,
            # The events are in the run's log; echoing them (and the expected failures'
            # tracebacks) to this process's console would bury the demo's own output.
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
        if result.success == expect_failure:
            outcome = "succeeded" if result.success else "failed"
            raise RuntimeError(f"harvest of {source} {outcome} (run {result.run_id})")
        logger.info("harvest of %s: run %s success=%s", source, result.run_id, result.success)
        return result.run_id

    # --- sources' sitemaps (an operator's fix) -----------------------------------------------
    def fix_sitemap(self, source: str, xml: str | None = None) -> str:
        """Publish a well-formed sitemap for ``source``; its next harvest reads it. Return the key.

        ``xml`` defaults to the source's repaired sitemap (``broken_sitemap``'s lists its two
        datasets). Needs the bucket (seeded by ``start()``), not the webserver.
        """
        self._check_source(source)
        return SampleBucket(self.settings).put_sitemap_override(
            source, repaired_sitemap(source) if xml is None else xml
        )

    def break_sitemap(self, source: str) -> str:
        """Publish a truncated sitemap for ``source``: its next harvest fails. Return the key."""
        self._check_source(source)
        return SampleBucket(self.settings).put_sitemap_override(source, truncated_sitemap(source))

    def reset_sitemap(self, source: str) -> str:
        """Remove ``source``'s override: it serves its packaged sitemap again. Return the key."""
        self._check_source(source)
        return SampleBucket(self.settings).delete_sitemap_override(source)

    def launch_queued(self, source: str, tags: Mapping[str, str] | None = None) -> str:
        """Submit a harvest of ``source`` through GraphQL ``launchRun``; return its run id.

        The QueuedRunCoordinator queues it and no daemon runs, so it stays QUEUED (RuntimeError
        otherwise). ``tags`` are added to the run next to ``dagster/partition``.
        """
        all_tags = {facts.PARTITION_TAG: source, **(tags or {})}
        params = {
            "selector": {
                "repositoryLocationName": LOCATION_NAME,
                "repositoryName": REPOSITORY_NAME,
                "jobName": facts.HARVEST_JOB,
            },
            "runConfigData": {},
            "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in all_tags.items()]},
        }
        answer = self.graphql(_LAUNCH_RUN, {"params": params})["launchRun"]
        if answer["__typename"] != "LaunchRunSuccess":
            raise RuntimeError(f"launchRun for {source} answered {answer}")
        run: dict[str, str] = answer["run"]
        if run["status"] != "QUEUED":
            raise RuntimeError(f"launched run {run['runId']} is {run['status']}, not QUEUED")
        return run["runId"]

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """POST one GraphQL query to the webserver; its ``data``, RuntimeError on errors."""
        answer = requests.post(
            self.graphql_url,
            json={"query": query, "variables": dict(variables or {})},
            timeout=GRAPHQL_TIMEOUT,
        )
        answer.raise_for_status()
        payload: dict[str, Any] = answer.json()
        if payload.get("errors"):
            raise RuntimeError(f"GraphQL errors: {payload['errors']}")
        data: dict[str, Any] = payload["data"]
        return data

    # --- internals --------------------------------------------------------------------------
    @staticmethod
    def _check_source(source: str) -> None:
        if source not in active_source_names():
            raise ValueError(f"{source} is not an active sample source: {active_source_names()}")

    def _write_home(self) -> None:
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        (self.dagster_home / "dagster.yaml").write_text(
            "storage:\n"
            "  sqlite:\n"
            f"    base_dir: {self.dagster_home / 'storage'}\n"
            "run_coordinator:\n"
            "  module: dagster.core.run_coordinator\n"
            "  class: QueuedRunCoordinator\n"
            "  config:\n"
            f"    max_concurrent_runs: {MAX_CONCURRENT_RUNS}\n"
            "compute_logs:\n"
            "  module: dagster.core.storage.noop_compute_log_manager\n"
            "  class: NoOpComputeLogManager\n"
            "telemetry:\n"
            "  enabled: false\n",
            encoding="utf-8",
        )
        self.workspace_file.write_text(
            "load_from:\n"
            "  - python_module:\n"
            f"      module_name: {DEFINITIONS_MODULE}\n"
            f"      location_name: {LOCATION_NAME}\n"
            f"      working_directory: {PACKAGE_ROOT}\n"
            f"      executable_path: {sys.executable}\n",
            encoding="utf-8",
        )

    def _start_webserver(self) -> None:
        self.port = free_port()
        self.graphql_url = f"http://127.0.0.1:{self.port}/graphql"
        self.ui_url = f"http://127.0.0.1:{self.port}"
        script = Path(sys.executable).parent / "dagster-webserver"
        command = [str(script)] if script.is_file() else [sys.executable, "-m", "dagster_webserver"]
        env = {**os.environ, **self.settings.to_env(), "DAGSTER_HOME": str(self.dagster_home)}
        argv = [*command, "-h", "127.0.0.1", "-p", str(self.port), "-w", str(self.workspace_file)]
        self._webserver = ManagedProcess(
            "dagster-webserver", argv, self.workdir, env=env, cwd=self.workdir
        )
        self._webserver.start()

    def _wait_until_loaded(self) -> None:
        """Wait until /graphql answers and the sample location is LOADED (or failed to load)."""

        def location() -> dict[str, Any] | None:
            if not self.graphql("{ version }")["version"]:
                return None
            workspace = self.graphql(_LOCATIONS)["workspaceOrError"]
            for entry in workspace.get("locationEntries", []):
                if entry["name"] == LOCATION_NAME and entry["loadStatus"] == "LOADED":
                    found: dict[str, Any] = entry
                    return found
            return None

        entry = wait_until(
            location, READY_TIMEOUT, "dagster-webserver", process=self._webserver, interval=0.3
        )
        error = entry["locationOrLoadError"]
        if error and error["__typename"] == "PythonError":
            raise RuntimeError(f"{LOCATION_NAME} failed to load: {error['message']}")
