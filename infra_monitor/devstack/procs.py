"""Child processes for the local stack: free ports, start/stop by pid, readiness waits.

Every service of the devstack that runs as a separate program (moto, oxigraph, dockerd) is a
:class:`ManagedProcess`: it writes its output to a log file under a given folder, runs in its own
session (so a Ctrl-C in the terminal reaches only the test runner, which then stops the children
once and in order) and is stopped by its pid: SIGTERM, wait, then SIGKILL.

A process left running when the interpreter exits (a crashed fixture, an interrupted demo) is
stopped by an ``atexit`` hook; the hook only ever signals pids this module started. Also here:
the small host plumbing the services share (free TCP/UDP ports, finding programs, HTTP over a
unix socket, unmounting what a daemon left under its folder).
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, Self, TypeVar

import requests

logger = logging.getLogger(__name__)

T = TypeVar("T")

LOG_TAIL_LINES = 30
_LIVE: set[ManagedProcess] = set()
_LIVE_LOCK = threading.Lock()


class ServiceStartError(RuntimeError):
    """A local service did not start or did not become ready in time."""


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on ``host`` that was free a moment ago (the OS picks it).

    The port is released before returning, so a race with another program is possible but
    rare; callers that bind immediately are fine.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def free_udp_port(low: int = 20000, high: int = 49151) -> int:
    """A UDP port in ``low..high`` that is free on all addresses (for kernel VXLAN sockets)."""
    for _ in range(100):
        port = random.randint(low, high)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                sock.bind(("0.0.0.0", port))
            except OSError:
                continue
            return port
    raise ServiceStartError(f"no free UDP port in {low}-{high}")


def find_program(name: str, *extra_dirs: str) -> str | None:
    """``name`` on PATH, else in ``extra_dirs`` (e.g. /usr/sbin, often off a user's PATH)."""
    return shutil.which(name) or (
        shutil.which(name, path=":".join(extra_dirs)) if extra_dirs else None
    )


def is_static_binary(path: str) -> bool:
    """True for an ELF file that names no dynamic loader (so it runs in an empty image)."""
    with open(path, "rb") as handle:
        head = handle.read(8192)
    return head[:4] == b"\x7fELF" and b"/ld-linux" not in head and b"/ld-musl" not in head


def tail_of(path: Path | None, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines of a text file, or a note that there is none."""
    if path is None:
        return "(no log file)"
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 16_384))
            data = handle.read().decode("utf-8", errors="replace")
    except OSError as exc:
        return f"(log {path} unreadable: {exc.strerror})"
    kept = data.splitlines()[-lines:]
    return "\n".join(kept) if kept else f"(log {path} is empty)"


class StartStop:
    """Context-manager behaviour for a local service with idempotent ``start()`` / ``stop()``."""

    def start(self) -> Any:
        """Start the service (subclasses)."""
        raise NotImplementedError

    def stop(self) -> Any:
        """Stop the service (subclasses)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class ManagedProcess(StartStop):
    """One child program, started in its own session and stopped by its pid.

    ``name`` labels log lines and errors, ``argv`` is the command, the output (stdout and stderr
    together) goes to ``<log_dir>/<name>.log``. ``start()`` and ``stop()`` are idempotent and the
    object is a context manager.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_dir: str | Path,
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        stop_timeout: float = 10.0,
    ) -> None:
        self.name = name
        self.argv = [str(arg) for arg in argv]
        self.log_path = Path(log_dir) / f"{name}.log"
        self.env = dict(env) if env is not None else None
        self.cwd = str(cwd) if cwd is not None else None
        self.stop_timeout = stop_timeout
        self._popen: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        """The child's pid once started (kept after it exits, for reports)."""
        return self._popen.pid if self._popen is not None else None

    @property
    def returncode(self) -> int | None:
        """The exit status if the child has ended, else None."""
        return self._popen.poll() if self._popen is not None else None

    def is_running(self) -> bool:
        """True while the child has been started and has not exited."""
        return self._popen is not None and self._popen.poll() is None

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last lines of this process's log, for error messages."""
        return tail_of(self.log_path, lines)

    def start(self) -> ManagedProcess:
        """Start the child unless it is already running; return self."""
        with self._lock:
            if self.is_running():
                return self
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("ab")
            try:
                self._popen = subprocess.Popen(
                    self.argv,
                    stdin=subprocess.DEVNULL,
                    stdout=self._log,
                    stderr=subprocess.STDOUT,
                    env=self.env,
                    cwd=self.cwd,
                    start_new_session=True,
                )
            except OSError as exc:
                self._log.close()
                self._log = None
                raise ServiceStartError(f"{self.name}: cannot run {self.argv[0]}: {exc}") from exc
        with _LIVE_LOCK:
            _LIVE.add(self)
        logger.info("started %s (pid %s), log %s", self.name, self.pid, self.log_path)
        return self

    def stop(self, timeout: float | None = None) -> int | None:
        """Stop the child by its pid: SIGTERM, wait up to ``timeout`` s, then SIGKILL.

        Safe to call twice or before ``start()``. Returns the exit status (None if never started).
        """
        timeout = self.stop_timeout if timeout is None else timeout
        with self._lock:
            popen = self._popen
            if popen is None:
                return None
            if popen.poll() is None:
                logger.info("stopping %s (pid %s)", self.name, popen.pid)
                with contextlib.suppress(ProcessLookupError):
                    popen.send_signal(signal.SIGTERM)
                try:
                    popen.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    logger.warning(
                        "%s (pid %s) ignored SIGTERM for %.0f s: SIGKILL",
                        self.name,
                        popen.pid,
                        timeout,
                    )
                    with contextlib.suppress(ProcessLookupError):
                        popen.kill()
                    popen.wait(timeout=10)
            if self._log is not None:
                self._log.close()
                self._log = None
            with _LIVE_LOCK:
                _LIVE.discard(self)
            return popen.returncode

    def __repr__(self) -> str:
        state = "running" if self.is_running() else f"exit={self.returncode}"
        return f"ManagedProcess({self.name!r}, pid={self.pid}, {state})"


def wait_until(
    predicate: Callable[[], T | None],
    timeout: float,
    what: str,
    *,
    process: ManagedProcess | None = None,
    interval: float = 0.1,
) -> T:
    """Call ``predicate`` until it returns a truthy value, and return that value.

    Exceptions from the predicate count as "not yet" (the last one is quoted in the error). If
    ``process`` is given and exits meanwhile, fail at once. The error names ``what`` and carries
    the tail of the process's log.
    """
    deadline = time.monotonic() + timeout
    last_problem = "condition never held"
    while True:
        try:
            value = predicate()
        except Exception as exc:  # a probe failing is the normal "not ready yet"
            last_problem = f"{type(exc).__name__}: {exc}"
        else:
            if value:
                return value
            last_problem = f"check returned {value!r}"
        if process is not None and not process.is_running():
            raise ServiceStartError(
                f"{what}: {process.name} exited with status {process.returncode} "
                f"before it was ready ({last_problem}).\n"
                f"--- last lines of {process.log_path} ---\n{process.log_tail()}"
            )
        if time.monotonic() >= deadline:
            log = ""
            if process is not None:
                log = f"\n--- last lines of {process.log_path} ---\n{process.log_tail()}"
            raise ServiceStartError(
                f"{what}: not ready after {timeout:.0f} s ({last_problem}).{log}"
            )
        time.sleep(interval)


def wait_for_http(
    url: str,
    timeout: float,
    *,
    process: ManagedProcess | None = None,
    ok: Callable[[requests.Response], bool] | None = None,
) -> requests.Response:
    """Poll ``url`` with GET until it answers (any status < 500, or ``ok(response)``).

    Each probe has a 2 s timeout; the wait as a whole gives up after ``timeout`` s.
    """

    def probe() -> requests.Response:
        response = requests.get(url, timeout=2.0)
        accepted = ok(response) if ok is not None else response.status_code < 500
        if not accepted:
            raise ServiceStartError(f"answered HTTP {response.status_code}")
        return response

    return wait_until(probe, timeout, f"waiting for {url}", process=process)


class UnixHTTPConnection(http.client.HTTPConnection):
    """An HTTP/1.1 connection over a unix socket (the Docker Engine API)."""

    def __init__(self, socket_path: str, timeout: float = 30.0) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = socket_path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def unix_http(
    socket_path: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> tuple[int, bytes]:
    """One HTTP call over a unix socket; returns (status, whole body)."""
    conn = UnixHTTPConnection(socket_path, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def unmount_under(folder: Path) -> None:
    """Unmount everything mounted below ``folder`` (netns files), deepest first."""
    prefix = str(folder.resolve()) + "/"
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return
    points = [
        line.split()[4].encode().decode("unicode_escape") for line in lines if len(line.split()) > 4
    ]
    for point in sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True):
        result = subprocess.run(["umount", point], capture_output=True, timeout=10, check=False)
        if result.returncode != 0:
            subprocess.run(["umount", "-l", point], capture_output=True, timeout=10, check=False)
        logger.info("unmounted %s", point)


@atexit.register
def _stop_leftovers() -> None:
    """Stop children still running when the interpreter exits (only pids we started)."""
    with _LIVE_LOCK:
        leftovers = list(_LIVE)
    for proc in leftovers:
        with contextlib.suppress(Exception):
            proc.stop(timeout=5.0)


class BackgroundHttpServer:
    """A ThreadingHTTPServer on ``127.0.0.1:<free port>`` serving from a daemon thread.

    ``start()`` and ``stop()`` are idempotent; ``port`` is set once started.
    """

    def __init__(self, handler: type[BaseHTTPRequestHandler], name: str) -> None:
        self.handler = handler
        self.name = name
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> int:
        """Bind a free port and serve; return the port."""
        with self._lock:
            if self._server is None:
                self.port = free_port()
                server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
                server.daemon_threads = True
                self._server = server
                self._thread = threading.Thread(
                    target=server.serve_forever,
                    name=f"{self.name}:{self.port}",
                    kwargs={"poll_interval": 0.1},
                    daemon=True,
                )
                self._thread.start()
        return self.port

    def stop(self) -> None:
        """Stop serving, close the socket and join the thread."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=10)
