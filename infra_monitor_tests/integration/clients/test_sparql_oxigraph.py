"""SparqlClient against a real ``oxigraph serve`` and local sockets (no patching)."""

from __future__ import annotations

import time

import pytest
import requests

from infra_monitor.clients.errors import TriplestoreError
from infra_monitor.clients.sparql import SparqlClient
from infra_monitor.devstack.sparql import SparqlServer
from infra_monitor.settings import TriplestoreSettings

from .conftest import SPARQL_NAMESPACE

pytestmark = pytest.mark.integration

G1 = "urn:gleaner.io:eco:africaioc:data:1"
G2 = "urn:gleaner.io:eco:obis:data:2"
NQUADS = f"""\
<https://example.org/d/1> <https://schema.org/name> "Dataset one" <{G1}> .
<https://example.org/d/1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/Dataset> <{G1}> .
<https://example.org/d/2> <https://schema.org/name> "Dataset two" <{G2}> .
<https://example.org/d/2> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/Dataset> <{G2}> .
<https://example.org/d/2> <https://schema.org/url> <https://obis.org/d/2> <{G2}> .
"""  # noqa: E501


@pytest.fixture(scope="module")
def endpoint(sparql_server: SparqlServer) -> str:
    """The SPARQL endpoint with the test quads loaded through the Graph Store (POST /store)."""
    response = requests.post(
        sparql_server.store_url(SPARQL_NAMESPACE),
        data=NQUADS.encode("utf-8"),
        headers={"Content-Type": "application/n-quads"},
        timeout=(5, 30),
    )
    assert response.status_code < 300, response.text
    return sparql_server.endpoint(SPARQL_NAMESPACE)


@pytest.fixture
def client() -> SparqlClient:
    """A client with a short timeout."""
    return SparqlClient(timeout_s=5.0)


def test_ask(client: SparqlClient, endpoint: str) -> None:
    assert client.ask(endpoint) is True
    assert client.ask(endpoint, "ASK { <https://example.org/none> ?p ?o }") is False
    answer, latency_ms = client.ask_with_latency(endpoint)
    assert answer is True
    assert 0.0 < latency_ms < 5000.0


def test_select_values(client: SparqlClient, endpoint: str) -> None:
    rows = client.select(
        endpoint,
        """PREFIX s: <https://schema.org/>
        SELECT ?d ?name ?url WHERE { ?d s:name ?name OPTIONAL { ?d s:url ?url } } ORDER BY ?d""",
    )
    assert rows == [
        {"d": "https://example.org/d/1", "name": "Dataset one"},
        {"d": "https://example.org/d/2", "name": "Dataset two", "url": "https://obis.org/d/2"},
    ]


def test_count_triples(client: SparqlClient, endpoint: str) -> None:
    assert client.count_triples(endpoint) == 5  # the server's default graph is the union
    assert client.count_triples(endpoint, G1) == 2
    assert client.count_triples(endpoint, G2) == 3
    assert client.count_triples(endpoint, "urn:gleaner.io:none") == 0


def test_bad_query_is_a_400_with_the_server_message(client: SparqlClient, endpoint: str) -> None:
    with pytest.raises(TriplestoreError) as info:
        client.select(endpoint, "SELEC ?s WHERE { ?s ?p ?o }")
    assert info.value.status == 400
    assert info.value.reason.startswith("HTTP 400 (query rejected): ")
    assert len(info.value.reason) > len("HTTP 400 (query rejected): ") + 5
    assert info.value.url == endpoint


def test_status_page_absent_on_oxigraph(client: SparqlClient, sparql_server: SparqlServer) -> None:
    assert client.status(sparql_server.base_url(SPARQL_NAMESPACE)) is None


def test_status_page_present(client: SparqlClient, slow_http: str) -> None:
    status = client.status(f"{slow_http}/blazegraph")
    assert status is not None
    assert status[0] == 200
    assert "queryStartCount=3" in status[1]


def test_closed_port_is_connection_failed(closed_port: int) -> None:
    client = SparqlClient(timeout_s=2.0)
    url = f"http://127.0.0.1:{closed_port}/blazegraph/namespace/earthcube/sparql"
    with pytest.raises(TriplestoreError) as info:
        client.ask(url)
    assert info.value.reason.startswith("connection failed")
    assert info.value.url == url


def test_slow_server_times_out(slow_http: str) -> None:
    client = SparqlClient.from_settings(TriplestoreSettings(url=slow_http, timeout_s=0.5))
    started = time.monotonic()
    with client, pytest.raises(TriplestoreError) as info:
        client.ask(f"{slow_http}/slow/sparql")
    assert info.value.reason.startswith("timed out")
    assert time.monotonic() - started < 3.0  # read timeouts are not retried
