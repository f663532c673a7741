"""Real local services for the client tests: moto S3 (with IAM auth), oxigraph, a slow HTTP server.

The servers come from ``infra_monitor.devstack`` (each a child process stopped by its pid);
the slow server is an ``http.server`` thread in this process that answers after a delay longer
than the clients' timeouts.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from infra_monitor.clients.object_store import ObjectStore
from infra_monitor.devstack.s3 import S3Server
from infra_monitor.devstack.sparql import SparqlServer

BUCKET = "client-tests"
SPARQL_NAMESPACE = "clients"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto's S3 with one IAM user whose key is checked on every request; one bucket."""
    with S3Server(tmp_path_factory.mktemp("moto")) as server:
        server.create_bucket(BUCKET)
        yield server


@pytest.fixture
def store(s3_server: S3Server) -> Iterator[ObjectStore]:
    """An ObjectStore on the test bucket with the IAM user's real credentials."""
    with ObjectStore(
        endpoint=s3_server.endpoint_url,
        region=s3_server.region,
        bucket=BUCKET,
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
        timeout_s=10.0,
    ) as client:
        yield client


@pytest.fixture(scope="session")
def sparql_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlServer]:
    """One in-memory ``oxigraph serve`` (union default graph, like Blazegraph quads mode)."""
    with SparqlServer([SPARQL_NAMESPACE], tmp_path_factory.mktemp("oxigraph")) as server:
        yield server


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
