"""SparqlClient request shape and answer parsing, with a fake transport adapter (no network).

The session is given to the client (its public constructor argument) with a requests transport
adapter that answers from memory; requests itself is not patched.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
from requests.adapters import BaseAdapter

from infra_monitor.clients.errors import TriplestoreError
from infra_monitor.clients.sparql import SparqlClient, timed
from infra_monitor.settings import TriplestoreSettings

ENDPOINT = "http://triplestore.example:9999/blazegraph/namespace/earthcube/sparql"
Handler = Callable[[requests.PreparedRequest], tuple[int, str, str]]


class MemoryAdapter(BaseAdapter):
    """Answers each request with ``handler(request) -> (status, content_type, body)``."""

    def __init__(self, handler: Handler) -> None:
        super().__init__()
        self.handler = handler
        self.requests: list[requests.PreparedRequest] = []
        self.closed = False

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        self.requests.append(request)
        status, content_type, body = self.handler(request)
        response = requests.Response()
        response.status_code = status
        response.headers["Content-Type"] = content_type
        response._content = body.encode("utf-8")
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        self.closed = True


def _client(handler: Handler) -> tuple[SparqlClient, MemoryAdapter]:
    adapter = MemoryAdapter(handler)
    session = requests.Session()
    session.mount("http://", adapter)
    return SparqlClient(timeout_s=2.0, session=session), adapter


def _json(doc: Mapping[str, Any]) -> Handler:
    return lambda _req: (200, "application/sparql-results+json", json.dumps(doc))


def _select(*rows: dict[str, dict[str, str]]) -> Handler:
    return _json({"head": {"vars": ["s", "n"]}, "results": {"bindings": list(rows)}})


def test_queries_are_posted_as_form_with_the_json_accept_header() -> None:
    client, adapter = _client(_json({"head": {}, "boolean": True}))
    assert client.ask(ENDPOINT) is True
    sent = adapter.requests[0]
    assert sent.method == "POST"
    assert sent.url == ENDPOINT
    assert sent.headers["Accept"] == "application/sparql-results+json"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    body = sent.body if isinstance(sent.body, str) else (sent.body or b"").decode()
    assert parse_qs(body) == {"query": ["ASK { ?s ?p ?o }"]}


def test_select_flattens_bindings_and_omits_unbound_variables() -> None:
    client, _ = _client(
        _select(
            {"s": {"type": "uri", "value": "urn:a"}, "n": {"type": "literal", "value": "1"}},
            {"s": {"type": "bnode", "value": "b0"}},
        )
    )
    assert client.select(ENDPOINT, "SELECT ...") == [{"s": "urn:a", "n": "1"}, {"s": "b0"}]


def test_count_triples_reads_the_integer_and_scopes_the_graph() -> None:
    client, adapter = _client(_select({"n": {"type": "literal", "value": "42"}}))
    assert client.count_triples(ENDPOINT) == 42
    assert client.count_triples(ENDPOINT, "urn:gleaner:summoned:africaioc") == 42
    first = parse_qs(str(adapter.requests[0].body))["query"][0]
    second = parse_qs(str(adapter.requests[1].body))["query"][0]
    assert "GRAPH" not in first
    assert "GRAPH <urn:gleaner:summoned:africaioc>" in second
    with pytest.raises(ValueError):
        client.count_triples(ENDPOINT, "urn:x> } DROP ALL {")


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        (lambda _r: (200, "text/html", "<html>login</html>"), "not SPARQL JSON results"),
        (_json({"head": {}}), "ASK answer has no boolean"),
    ],
)
def test_unexpected_answers_are_triplestore_errors(handler: Handler, reason: str) -> None:
    client, _ = _client(handler)
    with pytest.raises(TriplestoreError, match=reason):
        client.ask(ENDPOINT)


def test_count_without_a_value_is_an_error() -> None:
    client, _ = _client(_select())
    with pytest.raises(TriplestoreError, match="COUNT answer has no integer"):
        client.count_triples(ENDPOINT)


def test_a_blazegraph_stack_trace_is_cut_to_the_message() -> None:
    trace = (
        "SPARQL-QUERY: queryStr=SELEC x\n"
        "java.util.concurrent.ExecutionException: org.openrdf.query.MalformedQueryException: "
        'Encountered " <VAR1> "?x "" at line 1, column 7.'
    )
    client, _ = _client(lambda _r: (400, "text/plain", trace))
    with pytest.raises(TriplestoreError) as info:
        client.select(ENDPOINT, "SELEC x")
    assert info.value.status == 400
    assert info.value.reason.startswith('HTTP 400 (query rejected): Encountered " <VAR1>')


def test_status_page_answer_and_absence() -> None:
    def handler(request: requests.PreparedRequest) -> tuple[int, str, str]:
        if request.url == "http://triplestore.example:9999/blazegraph/status":
            return 200, "text/plain", "queryStartCount=12"
        return 404, "text/plain", "not found"

    client, adapter = _client(handler)
    base = "http://triplestore.example:9999/blazegraph"
    assert client.status(base) == (200, "queryStartCount=12")
    assert client.status(base + "/status/") == (200, "queryStartCount=12")
    assert client.status("http://triplestore.example:9999/other") is None
    assert adapter.requests[0].method == "GET"


def test_status_server_errors_are_raised() -> None:
    client, _ = _client(lambda _r: (403, "text/plain", "forbidden"))
    with pytest.raises(TriplestoreError) as info:
        client.status("http://triplestore.example:9999/blazegraph")
    assert info.value.status == 403


def test_errors_carry_the_redacted_url() -> None:
    client, _ = _client(lambda _r: (401, "text/plain", "unauthorized"))
    with pytest.raises(TriplestoreError) as info:
        client.ask("http://reader:hunter22@triplestore.example/sparql?token=abc")
    assert "hunter22" not in str(info.value)
    assert "abc" not in str(info.value)


def test_ask_with_latency_and_timed() -> None:
    client, _ = _client(_json({"boolean": False}))
    answer, latency_ms = client.ask_with_latency(ENDPOINT)
    assert answer is False
    assert latency_ms >= 0.0
    value, elapsed = timed(lambda: 7)
    assert value == 7
    assert elapsed >= 0.0


def test_from_settings_takes_the_timeout_and_a_given_session_is_not_closed() -> None:
    client = SparqlClient.from_settings(TriplestoreSettings(url="http://x", timeout_s=4.5))
    assert client.timeout_s == 4.5
    client.close()
    borrowed, adapter = _client(_json({"boolean": True}))
    with borrowed:
        assert borrowed.ask(ENDPOINT) is True
    assert adapter.closed is False  # the caller's session stays open


def test_select_without_bindings_is_an_error() -> None:
    client, _ = _client(_json({"head": {}, "results": "nope"}))
    with pytest.raises(TriplestoreError, match=r"no results\.bindings"):
        client.select(ENDPOINT, "SELECT * WHERE { ?s ?p ?o }")
