"""Benchmarks of the scheduler run history at scale (``make bench``).

A real dagster-webserver serves a fresh instance whose run storage holds ``IM_BENCH_RUNS``
(default 50,000) runs, written straight into its SQLite run storage (as the issue allows),
spread over 30 days. Then:

- ``runs_ingest``: the full first ingest (GraphQL pages -> RunRecords -> day objects in moto S3)
  in runs/s, beside a bare ``requests`` loop fetching the same pages (ratio = bare s / ingest s);
- ``runs_steady_poll``: requests and seconds of a poll when nothing changed;
- ``sensor_tick``: seconds of the alert tick (first and steady) at that history.

Peak memory of each phase is measured with tracemalloc in a separate pass (Python heap), so
tracing does not distort the timings.
"""

from __future__ import annotations

import logging
import os
import random
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import requests

from infra_monitor.alerts.engine import TickCursor, run_tick
from infra_monitor.clients.object_store import ObjectStore
from infra_monitor.clients.scheduler import RUNS_QUERY, SchedulerClient
from infra_monitor.devstack.procs import ManagedProcess, free_port, wait_for_http
from infra_monitor.devstack.s3 import S3Server
from infra_monitor.gleaner import facts
from infra_monitor.runs.ingest import ingest_runs
from infra_monitor.runs.store import RunStore
from infra_monitor.settings import parse_settings

log = logging.getLogger(__name__)
T = TypeVar("T")

RUNS = int(os.environ.get("IM_BENCH_RUNS", "50000"))
PAGE_LIMIT = 500
DAYS = 30
BUCKET = "bench"


def seed_runs(home: Path, count: int, now: float) -> None:
    """Write ``count`` finished and a few queued/started runs into the instance's run storage."""
    from dagster import DagsterInstance, DagsterRun, DagsterRunStatus
    from dagster._core.storage.runs.schema import RunsTable, RunTagsTable
    from dagster._serdes import serialize_value

    (home / "dagster.yaml").write_text(
        f"storage:\n  sqlite:\n    base_dir: {home / 'storage'}\ntelemetry:\n  enabled: false\n",
        encoding="utf-8",
    )
    instance = DagsterInstance.from_config(str(home))
    storage: Any = instance.run_storage
    rng = random.Random(42)
    sources = [f"source_{i:03d}" for i in range(120)]
    span = DAYS * 86400 - 3600
    runs: list[dict[str, Any]] = []
    tags: list[dict[str, str]] = []

    def naive(ts: float) -> datetime:
        return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None)

    for i in range(count):
        created = now - DAYS * 86400 + span * i / count
        roll = rng.random()
        if i >= count - 20:
            status = DagsterRunStatus.NOT_STARTED if i % 2 else DagsterRunStatus.STARTED
        elif roll < 0.9:
            status = DagsterRunStatus.SUCCESS
        elif roll < 0.98:
            status = DagsterRunStatus.FAILURE
        else:
            status = DagsterRunStatus.CANCELED
        source = rng.choice(sources)
        run_tags = {facts.PARTITION_TAG: source}
        if status == DagsterRunStatus.FAILURE:
            run_tags[facts.FAILURE_REASON_TAG] = "STEP_FAILURE"
        started = None if status == DagsterRunStatus.NOT_STARTED else created + 2
        ended = started + rng.uniform(30, 3600) if started and status.value != "STARTED" else None
        run = DagsterRun(
            job_name=facts.HARVEST_JOB, run_id=str(uuid.uuid4()), status=status, tags=run_tags
        )
        runs.append(
            {
                "run_id": run.run_id,
                "pipeline_name": run.job_name,
                "status": status.value,
                "run_body": serialize_value(run),
                "partition": source,
                "create_timestamp": naive(created),
                "update_timestamp": naive(ended or started or created),
                "start_time": started,
                "end_time": ended,
            }
        )
        tags += [{"run_id": run.run_id, "key": k, "value": v} for k, v in run_tags.items()]
    with storage.connect() as conn:
        for start in range(0, len(runs), 5000):
            conn.execute(RunsTable.insert(), runs[start : start + 5000])
        for start in range(0, len(tags), 10000):
            conn.execute(RunTagsTable.insert(), tags[start : start + 10000])
    instance.dispose()


def start_webserver(home: Path) -> tuple[ManagedProcess, str]:
    """dagster-webserver over ``home`` with an empty workspace; returns it and its GraphQL URL."""
    port = free_port()
    script = Path(sys.executable).parent / "dagster-webserver"
    argv = [str(script), "-h", "127.0.0.1", "-p", str(port), "--empty-workspace"]
    process = ManagedProcess(
        "bench-webserver", argv, home, env={**os.environ, "DAGSTER_HOME": str(home)}, cwd=home
    )
    process.start()
    wait_for_http(f"http://127.0.0.1:{port}/server_info", 120, process=process)
    return process, f"http://127.0.0.1:{port}/graphql"


def bare_fetch(graphql_url: str, updated_after: float) -> int:
    """The baseline: the same pages with a plain requests loop, nothing parsed or stored."""
    session = requests.Session()
    cursor: str | None = None
    total = 0
    while True:
        variables = {
            "filter": {"updatedAfter": updated_after},
            "cursor": cursor,
            "limit": PAGE_LIMIT,
        }
        answer = session.post(
            graphql_url, json={"query": RUNS_QUERY, "variables": variables}, timeout=120
        )
        nodes = answer.json()["data"]["runsOrError"]["results"]
        total += len(nodes)
        if len(nodes) < PAGE_LIMIT:
            return total
        cursor = nodes[-1]["runId"]


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """``fn()`` and its wall-clock seconds."""
    began = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - began


def peak_mib(fn: Callable[[], object]) -> float:
    """Peak Python heap (MiB, tracemalloc) while ``fn`` runs."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _settings_text(s3: S3Server, graphql_url: str, prefix: str) -> str:
    return f"""
environments:
  bench:
    object_store:
      endpoint: {s3.endpoint_url}
      bucket: {BUCKET}
      access_key: ${{BENCH_S3_KEY}}
      secret_key: ${{BENCH_S3_SECRET}}
    scheduler:
      graphql_url: {graphql_url}
      page_limit: {PAGE_LIMIT}
      timeout_s: 120
    output:
      prefix: {prefix}
"""


def run(results: dict[str, Any]) -> None:
    """Run the three benchmarks and add ``runs_ingest``, ``runs_steady_poll``, ``sensor_tick``."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-runs-"))
    home = workdir / "home"
    home.mkdir()
    now = time.time()
    _, seed_s = timed(lambda: seed_runs(home, RUNS, now))
    webserver, graphql_url = start_webserver(home)
    s3 = S3Server(workdir / "s3").start()
    try:
        s3.create_bucket(BUCKET)
        os.environ["BENCH_S3_KEY"], os.environ["BENCH_S3_SECRET"] = s3.access_key, s3.secret_key
        env = parse_settings(_settings_text(s3, graphql_url, "b1"), "bench").environment("bench")
        store = ObjectStore.from_settings(env.object_store)
        after = now - DAYS * 86400 - 60

        client = SchedulerClient.from_settings(env.scheduler)
        runs_store = RunStore(store, env.output, "bench")
        ingest, ingest_s = timed(lambda: ingest_runs(client, runs_store, backfill_days=DAYS + 1))
        fetched_bare, bare_s = timed(lambda: bare_fetch(graphql_url, after))
        steady, steady_s = timed(lambda: ingest_runs(client, runs_store, backfill_days=DAYS + 1))
        cursor = TickCursor()
        first_tick, first_tick_s = timed(lambda: run_tick(env, cursor, client=client, senders={}))
        steady_tick, steady_tick_s = timed(lambda: run_tick(env, cursor, client=client, senders={}))

        fresh = RunStore(store, env.output.__class__(BUCKET, "b2"), "bench")
        ingest_mib = peak_mib(lambda: ingest_runs(client, fresh, backfill_days=DAYS + 1))
        steady_mib = peak_mib(lambda: ingest_runs(client, fresh, backfill_days=DAYS + 1))
        tick_mib = peak_mib(lambda: run_tick(env, TickCursor(), client=client, senders={}))
    finally:
        s3.stop()
        webserver.stop()

    results["runs_ingest"] = {
        "runs_in_scheduler": RUNS,
        "seed_seconds": round(seed_s, 2),
        "runs_ingested": ingest.inserted,
        "seconds": round(ingest_s, 2),
        "runs_per_s": round(ingest.inserted / ingest_s, 1),
        "requests": ingest.requests,
        "bare_requests_loop_runs": fetched_bare,
        "bare_requests_loop_seconds": round(bare_s, 2),
        "bare_runs_per_s": round(fetched_bare / bare_s, 1),
        "ratio_bare_s_to_ingest_s": round(bare_s / ingest_s, 3),
        "day_objects": len(ingest.days),
        "peak_mib": round(ingest_mib, 1),
    }
    results["runs_steady_poll"] = {
        "requests": steady.requests,
        "seconds": round(steady_s, 3),
        "new_or_changed": steady.inserted + steady.updated,
        "peak_mib": round(steady_mib, 2),
    }
    results["sensor_tick"] = {
        "history_runs": RUNS,
        "first_tick_seconds": round(first_tick_s, 3),
        "first_tick_requests": first_tick.requests,
        "steady_tick_seconds": round(steady_tick_s, 3),
        "steady_tick_requests": steady_tick.requests,
        "active_alerts": len(steady_tick.conditions),
        "peak_mib": round(tick_mib, 2),
    }


if __name__ == "__main__":
    import json

    logging.basicConfig(level=logging.WARNING)
    out: dict[str, Any] = {}
    run(out)
    print(json.dumps(out, indent=2))
