"""A Portainer stand-in: ``/api/endpoints/{id}/docker/...`` forwarded to a Docker Engine socket.

Portainer cannot be installed here; the monitor's client only needs its API surface:

- ``GET|POST|DELETE /api/endpoints/{id}/docker/<path>?<query>`` → the engine's ``/<path>``,
  answers (status, JSON, chunked streams) relayed as they come;
- ``GET /api/endpoints/{id}`` → ``{"Id", "Name", "Type", "URL", "Status": 1}``,
  ``GET /api/endpoints`` → a list of that, ``GET /api/status`` → ``{"Version": "2.19.0-proxy"}``;
- 401 ``{"message": "Invalid API key"}`` without the right ``X-API-Key`` header, 404 for an
  unknown endpoint id.

Test knobs, settable while serving: ``read_only_paths`` (engine path prefixes such as
``/containers`` answered 403 ``{"message": "Access denied to resource"}``, like a restricted
key) and ``delay_seconds`` (a slow endpoint). Each request runs in its own thread, so slow calls
(a stats sample takes ~1 s) do not queue behind each other.
"""

from __future__ import annotations

import hmac
import http.client
import json
import logging
import re
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from infra_monitor.devstack.procs import BackgroundHttpServer, StartStop, UnixHTTPConnection

logger = logging.getLogger(__name__)

VERSION = "2.19.0-proxy"
_DOCKER = re.compile(r"^/api/endpoints/(?P<id>[^/]+)/docker(?P<path>/.*)?$")
_ENDPOINT = re.compile(r"^/api/endpoints/(?P<id>[^/]+)/?$")
#: Answer headers of the engine that are worth relaying (hop-by-hop ones are not).
_RELAYED = ("content-type", "api-version", "docker-experimental", "ostype", "server")
_NO_ENDPOINT = {
    "message": "Unable to find an environment with the specified identifier inside the database",
    "details": "Object not found inside the database",
}


class PortainerProxy(StartStop):
    """Serve a Portainer-like API for one engine socket on ``127.0.0.1:<free port>``.

    ``url`` is the base (``http://127.0.0.1:PORT``), ``endpoint_id`` the only valid endpoint.
    Context manager; ``start()``/``stop()`` are idempotent.
    """

    def __init__(
        self,
        socket_path: str,
        api_key: str,
        endpoint_id: int = 1,
        *,
        endpoint_name: str = "local",
        upstream_timeout: float = 60.0,
    ) -> None:
        self.socket_path = socket_path
        self.api_key = api_key
        self.endpoint_id = endpoint_id
        self.endpoint_name = endpoint_name
        self.upstream_timeout = upstream_timeout
        self.port = 0
        self._read_only: frozenset[str] = frozenset()
        self._delay = 0.0
        self._http: BackgroundHttpServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """Base URL of the proxy (what a settings file calls the Portainer URL)."""
        return f"http://127.0.0.1:{self.port}"

    def docker_url(self, path: str = "", endpoint_id: int | None = None) -> str:
        """``<url>/api/endpoints/{id}/docker<path>``."""
        eid = self.endpoint_id if endpoint_id is None else endpoint_id
        return f"{self.url}/api/endpoints/{eid}/docker{path}"

    @property
    def read_only_paths(self) -> frozenset[str]:
        """Engine path prefixes refused with 403 (e.g. ``{"/containers"}``)."""
        return self._read_only

    @read_only_paths.setter
    def read_only_paths(self, prefixes: Iterable[str]) -> None:
        self._read_only = frozenset("/" + p.lstrip("/") for p in prefixes)

    @property
    def delay_seconds(self) -> float:
        """Seconds every answer waits before it is sent (0 = none)."""
        return self._delay

    @delay_seconds.setter
    def delay_seconds(self, seconds: float) -> None:
        self._delay = max(0.0, float(seconds))

    def endpoint_record(self) -> dict[str, Any]:
        """The Portainer-like description of the one endpoint."""
        return {
            "Id": self.endpoint_id,
            "Name": self.endpoint_name,
            "Type": 1,
            "URL": f"unix://{self.socket_path}",
            "Status": 1,
        }

    def start(self) -> PortainerProxy:
        """Bind and serve in a daemon thread; return self (idempotent)."""
        with self._lock:
            if self._http is not None:
                return self
            handler = type("BoundHandler", (_Handler,), {"proxy": self})
            self._http = BackgroundHttpServer(handler, "portainer-proxy")
            self.port = self._http.start()
        logger.info("Portainer proxy on %s for %s", self.url, self.socket_path)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        with self._lock:
            http, self._http = self._http, None
        if http is not None:
            http.stop()


class _Handler(BaseHTTPRequestHandler):
    """One request: check the key, then answer locally or relay to the engine."""

    proxy: PortainerProxy
    protocol_version = "HTTP/1.1"
    server_version = "PortainerProxy/" + VERSION

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("portainer proxy: " + format, *args)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def _handle(self) -> None:
        proxy = self.proxy
        body = self._read_body()
        if proxy.delay_seconds:
            time.sleep(proxy.delay_seconds)
        split = urlsplit(self.path)
        path = split.path
        if path == "/api/status" and self.command == "GET":
            self._json(200, {"Version": VERSION})
            return
        given = self.headers.get("X-API-Key", "")
        if not hmac.compare_digest(given.encode(), proxy.api_key.encode()):
            self._json(401, {"message": "Invalid API key", "details": "Unauthorized"})
            return
        if path.rstrip("/") == "/api/endpoints" and self.command == "GET":
            self._json(200, [proxy.endpoint_record()])
            return
        match = _DOCKER.match(path) or _ENDPOINT.match(path)
        if match is None:
            self._json(404, {"message": "Not found"})
            return
        if match.group("id") != str(proxy.endpoint_id):
            self._json(404, _NO_ENDPOINT)
            return
        if match.re is _ENDPOINT:
            self._json(200, proxy.endpoint_record())
            return
        docker_path = match.group("path") or "/"
        if any(docker_path.startswith(prefix) for prefix in proxy.read_only_paths):
            self._json(403, {"message": "Access denied to resource", "details": docker_path})
            return
        target = docker_path + (f"?{split.query}" if split.query else "")
        self._relay(target, body)

    def _read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else None

    def _relay(self, target: str, body: bytes | None) -> None:
        """Forward to the engine and copy the answer back, streaming if it is chunked."""
        conn = UnixHTTPConnection(self.proxy.socket_path, timeout=self.proxy.upstream_timeout)
        try:
            headers = {}
            if self.headers.get("Content-Type"):
                headers["Content-Type"] = self.headers["Content-Type"]
            try:
                conn.request(self.command, target, body=body, headers=headers)
                upstream = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                self._json(502, {"message": "Docker engine unreachable", "details": str(exc)})
                return
            self.send_response(upstream.status)
            for name, value in upstream.getheaders():
                if name.lower() in _RELAYED:
                    self.send_header(name, value)
            if upstream.getheader("Content-Length") is not None or upstream.status in (204, 304):
                data = upstream.read()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self._stream(upstream)
        finally:
            conn.close()

    def _stream(self, upstream: http.client.HTTPResponse) -> None:
        """Relay a body of unknown length chunk by chunk (stats with stream=true, logs)."""
        try:
            while True:
                chunk = upstream.read1(65536)
                if not chunk:
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away: stop reading the engine

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
