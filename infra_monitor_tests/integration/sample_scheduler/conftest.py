"""Fixtures for the sample scheduler's tests: real moto S3 (IAM-checked), oxigraph, a webserver.

One seeded SampleScheduler serves the whole session (start() takes ~10-30 s); the lifecycle and
engine tests start their own where they need one. Every service is a child process stopped by pid.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from infra_monitor.devstack.docker_engine import DockerEngine, engine_unavailable_reason
from infra_monitor.devstack.s3 import S3Server
from infra_monitor.devstack.scheduler_server import SampleScheduler
from infra_monitor.devstack.sparql import SparqlServer

BUCKET = "gleaner"
SPARQL_NAMESPACE = "sample"
GRAPHQL_TIMEOUT = (5.0, 30.0)


@pytest.fixture(scope="session")
def sample_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto's S3 whose IAM user key is checked on every request."""
    with S3Server(tmp_path_factory.mktemp("sample-s3")) as server:
        yield server


@pytest.fixture(scope="session")
def sample_sparql(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlServer]:
    """One oxigraph that takes the release n-quads."""
    with SparqlServer([SPARQL_NAMESPACE], tmp_path_factory.mktemp("sample-sparql")) as server:
        yield server


@pytest.fixture(scope="session")
def scheduler(
    tmp_path_factory: pytest.TempPathFactory, sample_s3: S3Server, sample_sparql: SparqlServer
) -> Iterator[SampleScheduler]:
    """The seeded sample scheduler, served by dagster-webserver."""
    with SampleScheduler(
        tmp_path_factory.mktemp("sample-scheduler"),
        sample_s3,
        sparql_store_url=sample_sparql.store_url(SPARQL_NAMESPACE),
        bucket=BUCKET,
    ) as started:
        yield started


@pytest.fixture(scope="session")
def bucket(sample_s3: S3Server) -> Any:
    """A boto3 client on the scheduler's S3 (tests read the bucket ``BUCKET`` with it)."""
    return sample_s3.client()


@pytest.fixture(scope="session")
def sample_engine() -> Iterator[DockerEngine]:
    """A private dockerd + swarm; skipped (failed under INFRA_MONITOR_REQUIRE_ENGINE=1)."""
    reason = engine_unavailable_reason()
    if reason is not None:
        if os.environ.get("INFRA_MONITOR_REQUIRE_ENGINE") == "1":
            pytest.fail(f"the Docker Engine cannot run: {reason}", pytrace=False)
        pytest.skip(f"Docker Engine unavailable: {reason}")
    with DockerEngine() as engine:
        yield engine


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


def read_object(client: Any, key: str) -> bytes:
    """The bytes of one object of ``BUCKET``."""
    body: bytes = client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return body


def list_keys(client: Any, prefix: str, bucket: str = BUCKET) -> list[str]:
    """Every key of ``bucket`` under ``prefix``."""
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [obj["Key"] for page in pages for obj in page.get("Contents", [])]
