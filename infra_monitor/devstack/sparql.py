"""A local triplestore (Blazegraph stand-in): the oxigraph CLI, one server per namespace.

Oxigraph has no Blazegraph namespaces (``/blazegraph/namespace/{ns}/sparql``) and no
``/status`` page, so each namespace gets its own ``oxigraph serve`` on its own port; callers map
namespace → endpoint with :meth:`SparqlServer.endpoint`. Servers run with
``--union-default-graph`` so that, as in Blazegraph's quads mode, a query without ``GRAPH``
sees the triples of every named graph loaded from N-Quads.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from infra_monitor.devstack.procs import (
    ManagedProcess,
    ServiceStartError,
    StartStop,
    free_port,
    wait_for_http,
)

logger = logging.getLogger(__name__)

HTTP_TIMEOUT = (5.0, 60.0)
_ASK = "ASK { ?s ?p ?o }"


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` CLI next to this interpreter (the venv's bin), else on PATH."""
    candidate = Path(sys.executable).parent / "oxigraph"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return shutil.which("oxigraph")


class SparqlServer(StartStop):
    """One in-memory (or ``persistent=True``: on-disk) oxigraph server per namespace.

    ``endpoint(ns)`` is the SPARQL query URL, ``update_url(ns)`` the update URL and
    ``store_url(ns)`` the Graph Store URL (POST N-Quads there). Logs go to
    ``<workdir>/oxigraph-<ns>.log``. Context manager; ``start()``/``stop()`` are idempotent.
    """

    def __init__(
        self,
        namespaces: Iterable[str] = ("earthcube", "summary"),
        workdir: str | Path | None = None,
        *,
        persistent: bool = False,
        start_timeout: float = 30.0,
    ) -> None:
        self.namespaces = list(namespaces)
        if not self.namespaces:
            raise ValueError("SparqlServer needs at least one namespace")
        self.workdir = Path(workdir) if workdir is not None else None
        self.persistent = persistent
        self.start_timeout = start_timeout
        self.ports: dict[str, int] = {}
        self._processes: dict[str, ManagedProcess] = {}
        self._own_workdir = False

    def base_url(self, namespace: str) -> str:
        """``http://127.0.0.1:<port>`` of the namespace's server."""
        if namespace not in self.ports:
            known = ", ".join(self.namespaces)
            raise KeyError(f"unknown namespace {namespace!r} (this stack has: {known})")
        return f"http://127.0.0.1:{self.ports[namespace]}"

    def endpoint(self, namespace: str) -> str:
        """The SPARQL 1.1 query URL for ``namespace``."""
        return f"{self.base_url(namespace)}/query"

    def update_url(self, namespace: str) -> str:
        """The SPARQL 1.1 update URL for ``namespace``."""
        return f"{self.base_url(namespace)}/update"

    def store_url(self, namespace: str) -> str:
        """The Graph Store Protocol URL for ``namespace`` (POST N-Quads / Turtle here)."""
        return f"{self.base_url(namespace)}/store"

    def pids(self) -> dict[str, int | None]:
        """Namespace → pid of its server."""
        return {ns: proc.pid for ns, proc in self._processes.items()}

    def start(self) -> SparqlServer:
        """Start one server per namespace (in parallel) and wait until each answers a query."""
        if self._processes and all(p.is_running() for p in self._processes.values()):
            return self
        self.stop()
        binary = oxigraph_binary()
        if binary is None:
            raise ServiceStartError("the oxigraph CLI is not installed (pip install oxigraph)")
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="imd-sparql-"))
            self._own_workdir = True
        try:
            for ns in self.namespaces:
                port = free_port()
                argv = [binary, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
                if self.persistent:
                    argv += ["--location", str(self.workdir / f"oxigraph-{ns}")]
                self.ports[ns] = port
                proc = ManagedProcess(f"oxigraph-{ns}", argv, self.workdir)
                self._processes[ns] = proc
                proc.start()
            for ns, proc in self._processes.items():
                wait_for_http(
                    f"{self.endpoint(ns)}?query={quote(_ASK)}",
                    self.start_timeout,
                    process=proc,
                    ok=lambda r: r.status_code == 200,
                )
        except BaseException:
            self.stop()
            raise
        logger.info(
            "SPARQL (oxigraph) ready: %s",
            ", ".join(f"{ns}={self.endpoint(ns)}" for ns in self.namespaces),
        )
        return self

    def stop(self) -> None:
        """Stop every namespace's server by its pid (idempotent); remove a temporary workdir."""
        for proc in self._processes.values():
            proc.stop()
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir, self._own_workdir = None, False

    def load_nquads(self, namespace: str, text: str | bytes) -> None:
        """Add N-Quads to ``namespace`` (POST to its Graph Store); raise on an error status."""
        data = text.encode("utf-8") if isinstance(text, str) else text
        response = requests.post(
            self.store_url(namespace),
            data=data,
            headers={"Content-Type": "application/n-quads"},
            timeout=HTTP_TIMEOUT,
        )
        if response.status_code >= 400:
            raise RuntimeError(
                f"loading N-Quads into {namespace} failed: HTTP {response.status_code} "
                f"{response.text[:300]}"
            )

    def update(self, namespace: str, sparql_update: str) -> None:
        """Run a SPARQL UPDATE against ``namespace``."""
        response = requests.post(
            self.update_url(namespace),
            data=sparql_update.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
            timeout=HTTP_TIMEOUT,
        )
        if response.status_code >= 400:
            raise RuntimeError(
                f"update on {namespace} failed: HTTP {response.status_code} {response.text[:300]}"
            )

    def query(self, namespace: str, sparql: str) -> dict[str, Any]:
        """Run a SELECT/ASK query (POSTed form) and return the SPARQL JSON results."""
        response = requests.post(
            self.endpoint(namespace),
            data={"query": sparql},
            headers={"Accept": "application/sparql-results+json"},
            timeout=HTTP_TIMEOUT,
        )
        if response.status_code >= 400:
            raise RuntimeError(
                f"query on {namespace} failed: HTTP {response.status_code} {response.text[:300]}"
            )
        result: dict[str, Any] = response.json()
        return result

    def select_values(self, namespace: str, sparql: str, variable: str) -> list[str]:
        """The values of ``variable`` in each row of a SELECT (missing bindings skipped)."""
        rows = self.query(namespace, sparql)["results"]["bindings"]
        return [row[variable]["value"] for row in rows if variable in row]

    def count_triples(self, namespace: str) -> int:
        """How many quads ``namespace`` holds (over all graphs)."""
        values = self.select_values(namespace, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "n")
        return int(values[0]) if values else 0
