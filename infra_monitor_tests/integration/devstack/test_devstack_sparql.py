"""oxigraph per namespace: load N-Quads, then count with SPARQL."""

from __future__ import annotations

import pytest
import requests

from infra_monitor.devstack.sparql import SparqlServer

pytestmark = pytest.mark.integration

NQUADS = "".join(
    f'<https://example.org/ds/{i}> <https://schema.org/name> "Dataset {i}" '
    f"<urn:gleaner:summoned:src{i % 2}:{i}> .\n"
    for i in range(7)
)


def test_load_then_count(devstack_sparql: SparqlServer) -> None:
    devstack_sparql.load_nquads("earthcube", NQUADS)
    assert devstack_sparql.count_triples("earthcube") == 7
    graphs = devstack_sparql.select_values(
        "earthcube", "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "n"
    )
    assert graphs == ["7"]
    assert devstack_sparql.count_triples("summary") == 0  # namespaces are separate servers


def test_endpoints_are_distinct_and_speak_the_protocol(devstack_sparql: SparqlServer) -> None:
    assert devstack_sparql.endpoint("earthcube") != devstack_sparql.endpoint("summary")
    assert devstack_sparql.store_url("summary").endswith("/store")
    response = requests.get(
        devstack_sparql.endpoint("summary"),
        params={"query": "ASK { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["boolean"] is False


def test_status_page_is_absent(devstack_sparql: SparqlServer) -> None:
    response = requests.get(f"{devstack_sparql.base_url('earthcube')}/status", timeout=10)
    assert response.status_code == 404


def test_unknown_namespace(devstack_sparql: SparqlServer) -> None:
    with pytest.raises(KeyError, match="unknown namespace 'iow'"):
        devstack_sparql.endpoint("iow")
