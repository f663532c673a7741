"""SparqlClient against the session stack's real ``oxigraph serve`` and local sockets (no patching).

The quads go into named graphs of this module's own (unique names, dropped at the end), so the
assertions only count what these tests loaded, next to whatever else the stack holds.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from infra_monitor.clients.errors import TriplestoreError
from infra_monitor.clients.sparql import SparqlClient
from infra_monitor.devstack.sparql import SparqlServer
from infra_monitor.settings import TriplestoreSettings

from .conftest import SPARQL_NAMESPACE

pytestmark = pytest.mark.integration

RUN = uuid.uuid4().hex[:10]
G1 = f"urn:gleaner.io:eco:africaioc:data:it{RUN}1"
G2 = f"urn:gleaner.io:eco:obis:data:it{RUN}2"
D1 = f"https://example.org/{RUN}/d/1"
D2 = f"https://example.org/{RUN}/d/2"
NQUADS = f"""\
<{D1}> <https://schema.org/name> "Dataset one" <{G1}> .
<{D1}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/Dataset> <{G1}> .
<{D2}> <https://schema.org/name> "Dataset two" <{G2}> .
<{D2}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/Dataset> <{G2}> .
<{D2}> <https://schema.org/url> <https://obis.org/d/2> <{G2}> .
"""


@pytest.fixture(scope="module")
def loaded(sparql_server: SparqlServer) -> Iterator[tuple[str, int]]:
    """(endpoint, triples it held before): the test quads loaded through the Graph Store.

    Loaded with a plain POST to /store; the two graphs are dropped again after the module.
    """
    endpoint = sparql_server.endpoint(SPARQL_NAMESPACE)
    before = SparqlClient(timeout_s=5.0).count_triples(endpoint)
    response = requests.post(
        sparql_server.store_url(SPARQL_NAMESPACE),
        data=NQUADS.encode("utf-8"),
        headers={"Content-Type": "application/n-quads"},
        timeout=(5, 30),
    )
    assert response.status_code < 300, response.text
    try:
        yield endpoint, before
    finally:
        sparql_server.update(
            SPARQL_NAMESPACE, f"DROP SILENT GRAPH <{G1}> ; DROP SILENT GRAPH <{G2}>"
        )


@pytest.fixture
def endpoint(loaded: tuple[str, int]) -> str:
    """The SPARQL endpoint holding the test quads."""
    return loaded[0]


@pytest.fixture
def client() -> SparqlClient:
    """A client with a short timeout."""
    return SparqlClient(timeout_s=5.0)


def test_ask(client: SparqlClient, endpoint: str) -> None:
    assert client.ask(endpoint) is True
    assert client.ask(endpoint, f"ASK {{ <{D2}> <https://schema.org/url> ?o }}") is True
    assert client.ask(endpoint, "ASK { <https://example.org/none> ?p ?o }") is False
    answer, latency_ms = client.ask_with_latency(endpoint)
    assert answer is True
    assert 0.0 < latency_ms < 5000.0


def test_select_values(client: SparqlClient, endpoint: str) -> None:
    rows = client.select(
        endpoint,
        f"""PREFIX s: <https://schema.org/>
        SELECT ?d ?name ?url WHERE {{
          ?d s:name ?name OPTIONAL {{ ?d s:url ?url }}
          FILTER(STRSTARTS(STR(?d), "https://example.org/{RUN}/"))
        }} ORDER BY ?d""",
    )
    assert rows == [
        {"d": D1, "name": "Dataset one"},
        {"d": D2, "name": "Dataset two", "url": "https://obis.org/d/2"},
    ]


def test_count_triples(client: SparqlClient, loaded: tuple[str, int]) -> None:
    endpoint, before = loaded
    # The server's default graph is the union: the 5 quads of both graphs count there too.
    assert client.count_triples(endpoint) == before + 5
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
