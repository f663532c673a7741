"""Fixtures for the sample scheduler's tests, on the session's shared local stack.

The seeded sample scheduler, its S3 (moto, IAM-checked), SPARQL store (oxigraph) and Docker Engine
are the session ``stack``'s (infra_monitor_tests/integration/conftest.py); tests only read what its
seeding left. Tests that execute or submit runs use ``own_scheduler``, a second SampleScheduler of
this package's own (its own bucket on the stack's S3, no SPARQL store, no engine), so the shared
scheduler's run history, which the scheduler and alerting tests count, stays as it was. The
lifecycle tests build their own instances against the stack's S3, in buckets of their own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from infra_monitor.devstack.docker_engine import DockerEngine
from infra_monitor.devstack.s3 import S3Server
from infra_monitor.devstack.scheduler_server import SampleScheduler
from infra_monitor.devstack.sparql import SparqlServer
from infra_monitor.devstack.stack import DEV_BUCKET, REQUIRE_ENGINE_VAR, LocalStack

BUCKET = DEV_BUCKET  # the bucket the stack's sample scheduler writes to
SPARQL_NAMESPACE = "earthcube"  # the namespace the stack's sample scheduler loads releases into
GRAPHQL_TIMEOUT = (5.0, 30.0)


def unique_bucket(purpose: str) -> str:
    """A fresh bucket name for ``purpose`` (S3 rules: lowercase, digits, hyphens)."""
    return f"{purpose}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def sample_s3(stack: LocalStack) -> S3Server:
    """The stack's moto S3, whose IAM user key is checked on every request."""
    assert stack.s3 is not None, "stack not started"
    return stack.s3


@pytest.fixture(scope="session")
def sample_sparql(stack: LocalStack) -> SparqlServer:
    """The stack's oxigraph; the sample scheduler's releases go to ``SPARQL_NAMESPACE``."""
    assert stack.sparql is not None, "stack not started"
    return stack.sparql


@pytest.fixture(scope="session")
def scheduler(stack: LocalStack) -> SampleScheduler:
    """The stack's seeded sample scheduler, served by dagster-webserver (read it, add no runs)."""
    assert stack.scheduler is not None, "stack not started"
    return stack.scheduler


@pytest.fixture(scope="package")
def own_scheduler(
    tmp_path_factory: pytest.TempPathFactory, sample_s3: S3Server
) -> Iterator[SampleScheduler]:
    """A seeded sample scheduler of this package's own, for tests that add runs to its history.

    Its bucket is removed again at the end.
    """
    name = unique_bucket("sample-runs")
    try:
        with SampleScheduler(
            tmp_path_factory.mktemp("own-sample-scheduler"), sample_s3, bucket=name
        ) as started:
            yield started
    finally:
        remove_bucket(sample_s3.client(), name)


@pytest.fixture
def scratch_bucket(sample_s3: S3Server) -> Iterator[Callable[[str], str]]:
    """Names fresh buckets (``scratch_bucket("purpose")``); each is removed after the test."""
    names: list[str] = []

    def name(purpose: str) -> str:
        names.append(unique_bucket(purpose))
        return names[-1]

    yield name
    for created in names:
        remove_bucket(sample_s3.client(), created)


@pytest.fixture(scope="session")
def bucket(sample_s3: S3Server) -> Any:
    """A boto3 client on the stack's S3 (tests read the bucket ``BUCKET`` with it)."""
    return sample_s3.client()


@pytest.fixture(scope="session")
def sample_engine(stack: LocalStack) -> DockerEngine:
    """The stack's dockerd + swarm; skipped (failed under INFRA_MONITOR_REQUIRE_ENGINE=1)."""
    if stack.engine is None:
        reason = stack.engine_skip_reason or "the engine did not start"
        if os.environ.get(REQUIRE_ENGINE_VAR) == "1":
            pytest.fail(f"{REQUIRE_ENGINE_VAR}=1 but no engine: {reason}", pytrace=False)
        pytest.skip(f"Docker Engine unavailable: {reason}")
    return stack.engine


def graphql(url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST a GraphQL query to the webserver; the ``data`` (asserts there are no errors)."""
    answer = requests.post(
        url, json={"query": query, "variables": variables or {}}, timeout=GRAPHQL_TIMEOUT
    )
    assert answer.status_code == 200, answer.text[:500]
    payload: dict[str, Any] = answer.json()
    assert not payload.get("errors"), payload.get("errors")
    data: dict[str, Any] = payload["data"]
    return data


def read_object(client: Any, key: str, bucket: str = BUCKET) -> bytes:
    """The bytes of one object of ``bucket``."""
    body: bytes = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


def list_keys(client: Any, prefix: str, bucket: str = BUCKET) -> list[str]:
    """Every key of ``bucket`` under ``prefix``."""
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [obj["Key"] for page in pages for obj in page.get("Contents", [])]


def remove_bucket(client: Any, name: str) -> None:
    """Empty and delete bucket ``name`` (created here on the shared S3), if it exists."""
    if name not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
        return
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
    client.delete_bucket(Bucket=name)
