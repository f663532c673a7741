"""A small SPARQL 1.1 protocol client for the triplestore's namespaces (Blazegraph, Oxigraph, ...).

Queries are POSTed as the form field ``query`` with ``Accept: application/sparql-results+json``.
Every failure is a :class:`TriplestoreError` with the redacted endpoint URL: a timeout says
"timed out", an unreachable server "connection failed", and a rejected query (HTTP 400) carries
the server's short message.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests

from infra_monitor.clients.errors import TriplestoreError
from infra_monitor.clients.http import make_session, request
from infra_monitor.settings import TriplestoreSettings

log = logging.getLogger(__name__)

T = TypeVar("T")

SPARQL_JSON = "application/sparql-results+json"
DEFAULT_ASK = "ASK { ?s ?p ?o }"
_STATUS_TEXT_LIMIT = 65536
# Java stores (Blazegraph) answer a bad query with a stack trace that echoes the query first;
# the useful part follows the last "...Exception: ".
_EXCEPTION_MARKER = "Exception: "
_READ_TIMEOUT_MARKER = "Read timed out"


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """Call ``fn()``; return its result and the elapsed wall time in milliseconds."""
    start = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - start) * 1000.0


class SparqlClient:
    """Dagster-free SPARQL client; one instance can query any number of endpoints."""

    def __init__(self, *, timeout_s: float = 10.0, session: requests.Session | None = None) -> None:
        """``timeout_s`` bounds connecting and each read; ``session`` defaults to make_session().

        The default session retries connection errors and 5xx twice (never a 4xx, never a read
        timeout), so a probe of a dead endpoint still ends within a few seconds.
        """
        self.timeout_s = timeout_s
        self._own_session = session is None
        self.session = session if session is not None else make_session(retries=2)

    @classmethod
    def from_settings(cls, s: TriplestoreSettings) -> SparqlClient:
        """A client with the settings' timeout (endpoints come from ``s.namespaces``)."""
        return cls(timeout_s=s.timeout_s)

    def __enter__(self) -> SparqlClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._own_session:
            self.session.close()

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """clients.http.request with this client's session and timeout.

        With the shared retry policy (``read=0``) urllib3 reports a read timeout as "max
        retries exceeded", which requests raises as a ConnectionError; it is re-labelled here
        so that a slow triplestore reads "timed out", not "connection failed".
        """
        try:
            return request(
                self.session, method, url, TriplestoreError, timeout=self.timeout_s, **kwargs
            )
        except TriplestoreError as exc:
            if exc.status is None and _READ_TIMEOUT_MARKER in exc.reason:
                raise TriplestoreError(url, f"timed out after {self.timeout_s} s") from None
            raise

    # -- queries -----------------------------------------------------------------------------

    def query_json(self, endpoint_url: str, query: str) -> dict[str, Any]:
        """POST ``query`` and return the parsed SPARQL JSON results document."""
        try:
            response = self._send(
                "POST", endpoint_url, data={"query": query}, headers={"Accept": SPARQL_JSON}
            )
        except TriplestoreError as exc:
            if exc.status == 400:
                raise TriplestoreError(
                    endpoint_url,
                    f"HTTP 400 (query rejected): {_server_message(exc.reason)}",
                    status=400,
                ) from None
            log.debug("%s", exc)
            raise
        try:
            doc = response.json()
        except ValueError:  # requests' JSONDecodeError included
            ctype = response.headers.get("Content-Type", "?")
            raise TriplestoreError(
                endpoint_url, f"answer is not SPARQL JSON results (Content-Type {ctype})"
            ) from None
        if not isinstance(doc, dict):
            raise TriplestoreError(endpoint_url, "answer is not a SPARQL JSON results object")
        return doc

    def ask(self, endpoint_url: str, query: str = DEFAULT_ASK) -> bool:
        """Run an ASK query and return its boolean."""
        doc = self.query_json(endpoint_url, query)
        value = doc.get("boolean")
        if not isinstance(value, bool):
            raise TriplestoreError(endpoint_url, "ASK answer has no boolean")
        return value

    def ask_with_latency(self, endpoint_url: str, query: str = DEFAULT_ASK) -> tuple[bool, float]:
        """``ask()`` and its latency in milliseconds, for health probes."""
        return timed(lambda: self.ask(endpoint_url, query))

    def select(self, endpoint_url: str, query: str) -> list[dict[str, str]]:
        """Run a SELECT query; each row maps variable -> lexical value (unbound ones omitted)."""
        doc = self.query_json(endpoint_url, query)
        results = doc.get("results")
        bindings = results.get("bindings") if isinstance(results, dict) else None
        if not isinstance(bindings, list):
            raise TriplestoreError(endpoint_url, "SELECT answer has no results.bindings")
        rows: list[dict[str, str]] = []
        for binding in bindings:
            if not isinstance(binding, dict):
                raise TriplestoreError(endpoint_url, "SELECT answer has a malformed binding")
            rows.append(
                {
                    name: str(term.get("value", ""))
                    for name, term in binding.items()
                    if isinstance(term, dict)
                }
            )
        return rows

    def count_triples(self, endpoint_url: str, graph: str | None = None) -> int:
        """The number of triples in ``graph``, or in the endpoint's default graph when None.

        Blazegraph (quads mode) answers the default graph as the union of all named graphs;
        other stores (Oxigraph without ``--union-default-graph``) count only the default graph.
        """
        pattern = f"GRAPH <{_iri(graph)}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
        rows = self.select(endpoint_url, f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        try:
            return int(rows[0]["n"])
        except (IndexError, KeyError, ValueError):
            raise TriplestoreError(endpoint_url, "COUNT answer has no integer ?n") from None

    # -- Blazegraph status page ----------------------------------------------------------------

    def status(self, url: str) -> tuple[int, str] | None:
        """GET the server's ``/status`` page: ``(http_status, text)``, or None when there is none.

        ``url`` is the server's base URL (``/status`` is appended) or the status page itself.
        A 404 means the store has no such page (Oxigraph, Fuseki) and is not an error.
        """
        status_url = _status_url(url)
        try:
            response = self._send("GET", status_url)
        except TriplestoreError as exc:
            if exc.status == 404:
                return None
            raise
        return response.status_code, response.text[:_STATUS_TEXT_LIMIT]


def _status_url(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if not path.endswith("/status"):
        path = f"{path}/status"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _iri(value: str) -> str:
    """``value`` safe inside ``<...>`` (characters SPARQL forbids in IRIREF are rejected)."""
    if re.search(r'[<>"{}|^`\\\s]', value):
        raise ValueError(f"not a valid IRI for a graph name: {value!r}")
    return value


def _server_message(reason: str) -> str:
    """The short part of a server's 400 message ("HTTP 400: ..." from clients.http)."""
    text = reason.removeprefix("HTTP 400:").strip()
    cut = text.rfind(_EXCEPTION_MARKER)
    if cut >= 0:
        text = text[cut + len(_EXCEPTION_MARKER) :]
    return text[:200] or "bad request"
