"""The client tests' services: the session stack's moto S3 and oxigraph, a slow HTTP server.

S3 and SPARQL are the shared ``stack``'s (infra_monitor_tests/integration/conftest.py). The tests
isolate themselves there: the object store tests work in a bucket of their own, the SPARQL tests
in named graphs of their own (dropped again afterwards). The slow server is an ``http.server``
thread in this process that answers after a delay longer than the clients' timeouts.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from infra_monitor.clients.object_store import ObjectStore
from infra_monitor.devstack.s3 import S3Server
from infra_monitor.devstack.sparql import SparqlServer
from infra_monitor.devstack.stack import LocalStack

#: The stack's namespace the SPARQL client tests add their (uniquely named) graphs to.
SPARQL_NAMESPACE = "summary"


@pytest.fixture(scope="session")
def s3_server(stack: LocalStack) -> S3Server:
    """The stack's moto S3, whose IAM user key is checked on every request."""
    assert stack.s3 is not None, "stack not started"
    return stack.s3


@pytest.fixture(scope="session")
def bucket(s3_server: S3Server) -> Iterator[str]:
    """A bucket of the client tests' own on the stack's S3 (never the dev/prod buckets)."""
    name = f"client-tests-{uuid.uuid4().hex[:8]}"
    s3_server.create_bucket(name)
    yield name
    remove_bucket(s3_server.client(), name)


@pytest.fixture
def store(s3_server: S3Server, bucket: str) -> Iterator[ObjectStore]:
    """An ObjectStore on the test bucket with the IAM user's real credentials."""
    with ObjectStore(
        endpoint=s3_server.endpoint_url,
        region=s3_server.region,
        bucket=bucket,
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
        timeout_s=10.0,
    ) as client:
        yield client


@pytest.fixture(scope="session")
def sparql_server(stack: LocalStack) -> SparqlServer:
    """The stack's oxigraph servers (union default graph, like Blazegraph quads mode)."""
    assert stack.sparql is not None, "stack not started"
    return stack.sparql


class _SlowHandler(BaseHTTPRequestHandler):
    """Sleeps ``delay_s`` before answering paths containing "slow"; serves a fake /status."""

    delay_s: ClassVar[float] = 5.0

    def _answer(self) -> None:
        if "slow" in self.path:
            time.sleep(self.delay_s)
        if self.path.rstrip("/").endswith("/status"):
            body, status = b"queryStartCount=3\nrunningQueriesCount=0\n", 200
        else:
            body, status = b"not found", 404
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up (that is the point of the slow paths)
            pass

    do_GET = do_POST = do_HEAD = do_PUT = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def slow_http() -> Iterator[str]:
    """Base URL of a local HTTP server; paths containing "slow" answer after 5 s."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="slow-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_port() -> int:
    """A local TCP port with nothing listening (bound then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def remove_bucket(client: Any, name: str) -> None:
    """Empty and delete bucket ``name`` (created here on the shared S3), if it exists."""
    if name not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
        return
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
    client.delete_bucket(Bucket=name)
