"""A private Docker Engine in Swarm mode for tests and the demo (shared notes: docker-engine.md).

dockerd runs on its own socket in a fresh short folder (``/tmp/imd-XXXXXXXX``: unix socket paths
must stay under 108 bytes) with flags that leave the host's network alone; ``localbusybox:latest``
is imported from the static busybox. All calls use the Engine API over the socket (unversioned
paths: the engine is API 1.41 at most), no docker CLI or docker-py. Two engines on one host work:
each has its own Swarm port, VXLAN port and ``docker_gwbridge`` bridge name (only the first gets
gossip port 7946; the second logs "error in agentInit", harmless on a single node).
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from infra_monitor.devstack.procs import (
    ManagedProcess,
    StartStop,
    find_program,
    free_port,
    free_udp_port,
    is_static_binary,
    unix_http,
    unmount_under,
    wait_until,
)

logger = logging.getLogger(__name__)

IMAGE = "localbusybox:latest"
#: busybox applets linked into the image: a shell, sleeping, and what a busy loop or a log needs.
APPLETS = ("sh", "sleep", "yes", "cat", "head", "dd", "echo", "true", "false", "env", "ls", "wc")
_BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")
_MAX_UNIX_PATH = 107


class EngineError(RuntimeError):
    """The private Docker Engine refused a call or could not be started."""


def find_busybox() -> str | None:
    """A statically linked busybox on this machine, or None."""
    for path in _BUSYBOX_CANDIDATES:
        with contextlib.suppress(OSError):
            if os.path.isfile(path) and is_static_binary(path):
                return path
    return None


def engine_unavailable_reason() -> str | None:
    """Why a private Docker Engine cannot run here, in plain words; None if it can."""
    if not sys.platform.startswith("linux"):
        return f"the Docker Engine needs Linux (this is {sys.platform})"
    if os.geteuid() != 0:
        return "not running as root: a private dockerd needs root"
    if find_program("dockerd", "/usr/sbin", "/usr/bin") is None:
        return "no dockerd binary (apt-get install docker.io)"
    if find_busybox() is None:
        if any(os.path.isfile(p) for p in _BUSYBOX_CANDIDATES):
            return "busybox is dynamically linked (apt-get install busybox-static)"
        return "no busybox to build the test image from (apt-get install busybox-static)"
    return None


def _memory_bytes(value: int | str) -> int:
    """``64m``/``1g``/``512k``/bytes → bytes."""
    text = str(value).strip().lower().rstrip("b")
    factor = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}.get(text[-1:], 1)
    return int(float(text[:-1] if factor > 1 else text) * factor)


class DockerEngine(StartStop):
    """A private dockerd + single-node Swarm under ``<base_dir>/imd-XXXXXXXX``.

    After ``start()``: ``socket_path``, ``host`` (``unix://…``), ``pid``, ``log_path``,
    ``swarm_port``; ``api()`` calls the Engine API. Context manager; ``start()``/``stop()`` are
    idempotent and ``stop()`` tears down in the documented order.
    """

    def __init__(
        self, base_dir: str | Path = "/tmp", *, start_timeout: float = 30.0, image: str = IMAGE
    ) -> None:
        self.base_dir = Path(base_dir)
        self.start_timeout = start_timeout
        self.image = image
        self.dir: Path | None = None
        self.socket_path = ""
        self.swarm_port = 0
        self.data_path_port = 0
        self.gwbridge_name = ""
        self._process: ManagedProcess | None = None

    @property
    def host(self) -> str:
        """The DOCKER_HOST value for this engine."""
        return f"unix://{self.socket_path}"

    @property
    def pid(self) -> int | None:
        """The dockerd pid, once started."""
        return self._process.pid if self._process is not None else None

    @property
    def log_path(self) -> Path | None:
        """dockerd's log file."""
        return self._process.log_path if self._process is not None else None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
    ) -> tuple[int, bytes]:
        """One raw call; returns (status, body)."""
        return unix_http(self.socket_path, method, path, body, headers, timeout)

    def api(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        query: Mapping[str, Any] | None = None,
        timeout: float = 30.0,
    ) -> Any:
        """Call the Engine API with a JSON body; return the decoded answer (None if empty)."""
        if query:
            path = f"{path}?{urlencode({k: _q(v) for k, v in query.items()})}"
        body = json.dumps(payload).encode() if payload is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        status, data = self.request(method, path, body, headers=headers, timeout=timeout)
        if status >= 400:
            raise EngineError(f"{method} {path}: HTTP {status}: {_message(data)}")
        return json.loads(data) if data.strip() else None

    def start(self) -> DockerEngine:
        """Start dockerd, init the swarm and import the image; return self (idempotent)."""
        if self._process is not None and self._process.is_running():
            return self
        reason = engine_unavailable_reason()
        if reason is not None:
            raise EngineError(f"cannot start a Docker Engine: {reason}")
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix="imd-", dir=self.base_dir))
        self.socket_path = str(self.dir / "docker.sock")
        if len(self.socket_path.encode()) > _MAX_UNIX_PATH:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise EngineError(f"socket path too long for a unix socket: {self.socket_path}")
        d = self.dir
        argv = [
            str(find_program("dockerd", "/usr/sbin", "/usr/bin")),
            f"--host=unix://{d}/docker.sock",
            f"--data-root={d}/data",
            f"--exec-root={d}/exec",
            f"--pidfile={d}/docker.pid",
            "--iptables=false",
            "--ip-forward=false",
            "--bridge=none",
        ]
        self._process = ManagedProcess("dockerd", argv, d, stop_timeout=20.0)
        atexit.register(self.stop)  # full teardown even if the caller forgets (runs before procs')
        started = time.monotonic()
        try:
            self._process.start()
            ping = lambda: self.request("GET", "/_ping", timeout=2.0)[0] == 200  # noqa: E731
            wait_until(ping, self.start_timeout, "dockerd", process=self._process)
            self._init_swarm()
            self._import_image()
        except BaseException:
            self.stop()
            raise
        elapsed = time.monotonic() - started
        logger.info("Docker Engine ready at %s (pid %s) in %.1f s", self.host, self.pid, elapsed)
        return self

    def _init_swarm(self) -> None:
        # Our own docker_gwbridge (unique Linux bridge name) so that two private engines on one
        # host do not share, and tear down, the same bridge.
        self.gwbridge_name = f"imdgw{secrets.token_hex(4)}"
        bridge = "com.docker.network.bridge."
        options = {f"{bridge}name": self.gwbridge_name, f"{bridge}enable_icc": "false"}
        gwbridge = {"Name": "docker_gwbridge", "Driver": "bridge", "Options": options}
        self.api("POST", "/networks/create", gwbridge)
        # Own Swarm port and own VXLAN port: another engine's overlay with the same VNI on the
        # default port 4789 makes "error creating vxlan interface: file exists".
        self.swarm_port, self.data_path_port = free_port(), free_udp_port(20000, 49151)
        addr = f"127.0.0.1:{self.swarm_port}"
        init = {"ListenAddr": addr, "AdvertiseAddr": addr, "DataPathPort": self.data_path_port}
        self.api("POST", "/swarm/init", init)

    def _import_image(self) -> None:
        busybox = find_busybox()
        assert busybox is not None  # checked by engine_unavailable_reason()
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            tar.add(busybox, arcname="bin/busybox")
            for applet in APPLETS:
                link = tarfile.TarInfo(f"bin/{applet}")
                link.type, link.linkname, link.mode = tarfile.SYMTYPE, "busybox", 0o777
                tar.addfile(link)
        repo, _, tag = self.image.partition(":")
        query = {"fromSrc": "-", "repo": repo, "tag": tag or "latest", "changes": 'CMD ["/bin/sh"]'}
        tar_type = {"Content-Type": "application/x-tar"}
        status, data = self.request(
            "POST", f"/images/create?{urlencode(query)}", buffer.getvalue(), headers=tar_type
        )
        if status >= 400 or b'"error"' in data:
            raise EngineError(f"docker import of {self.image} failed: {_message(data)}")

    def stop(self) -> None:
        """Tear down: services, swarm leave, containers, docker_gwbridge, dockerd, mounts, dir."""
        proc = self._process
        if proc is not None and proc.is_running():
            for step in (
                self._remove_all_services,
                lambda: self.api("POST", "/swarm/leave", query={"force": "true"}),
                self._remove_all_containers,
                self._remove_gwbridge,
            ):
                try:
                    step()
                except Exception as exc:  # teardown goes on; each failed step is logged
                    logger.warning("engine teardown step failed: %s", exc)
        if proc is not None:
            proc.stop()
            atexit.unregister(self.stop)
        if self.gwbridge_name:  # our uniquely named bridge, in case the engine could not
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                ip = ["ip", "link", "delete", self.gwbridge_name]
                subprocess.run(ip, capture_output=True, timeout=10, check=False)
        if self.dir is not None:
            unmount_under(self.dir)
            shutil.rmtree(self.dir, ignore_errors=True)
            if self.dir.exists():
                logger.warning("could not remove %s entirely", self.dir)
            self.dir = None

    def _remove_all_services(self) -> None:
        for service in self.api("GET", "/services") or []:
            self.api("DELETE", f"/services/{service['ID']}")

    def _remove_all_containers(self) -> None:
        for container in self.api("GET", "/containers/json", query={"all": "1"}) or []:
            self.api("DELETE", f"/containers/{container['Id']}", query={"force": "1", "v": "1"})

    def _remove_gwbridge(self) -> None:
        def gone() -> bool:
            status, data = self.request("DELETE", "/networks/docker_gwbridge", timeout=10.0)
            if status not in (204, 404):
                raise EngineError(f"HTTP {status}: {_message(data)}")
            return True

        wait_until(gone, 10.0, "removing docker_gwbridge", interval=0.5)

    def create_service(
        self,
        name: str,
        command: Sequence[str],
        *,
        replicas: int = 1,
        mode: str = "replicated",
        limit_memory: int | str | None = None,
        limit_cpu: float | None = None,
        networks: Sequence[str] = (),
        labels: Mapping[str, str] | None = None,
        restart_condition: str = "any",
        stop_grace_seconds: float = 1.0,
    ) -> str:
        """Create a Swarm service running ``command`` in the busybox image; return its id.

        ``mode`` is ``replicated``, ``global`` or ``replicated-job``; ``limit_memory`` takes
        bytes or ``"64m"``; ``restart_condition`` is ``any``, ``on-failure`` or ``none``. The
        short ``stop_grace_seconds`` keeps teardown fast (``sleep`` as pid 1 ignores SIGTERM).
        """
        job = {"MaxConcurrent": replicas, "TotalCompletions": replicas}
        modes: dict[str, dict[str, Any]] = {
            "replicated": {"Replicated": {"Replicas": replicas}},
            "global": {"Global": {}},
            "replicated-job": {"ReplicatedJob": job},
        }
        if mode not in modes:
            raise ValueError(f"mode must be one of {sorted(modes)}, not {mode!r}")
        limits: dict[str, int] = {}
        if limit_memory is not None:
            limits["MemoryBytes"] = _memory_bytes(limit_memory)
        if limit_cpu is not None:
            limits["NanoCPUs"] = int(limit_cpu * 1e9)
        spec = {
            "Name": name,
            "Labels": dict(labels or {}),
            "TaskTemplate": {
                "ContainerSpec": {
                    "Image": self.image,
                    "Args": list(command),
                    "StopGracePeriod": int(stop_grace_seconds * 1e9),
                },
                "Resources": {"Limits": limits},
                "RestartPolicy": {"Condition": restart_condition, "Delay": 1_000_000_000},
                "Networks": [{"Target": net} for net in networks],
            },
            "Mode": modes[mode],
        }
        created = self.api("POST", "/services/create", spec)
        logger.info("service %s created (%s)", name, created["ID"])
        return str(created["ID"])

    def remove_service(self, name: str) -> None:
        """Remove a service by name or id (no error if it does not exist)."""
        status, data = self.request("DELETE", f"/services/{quote(name)}")
        if status not in (200, 204, 404):
            raise EngineError(f"removing service {name}: HTTP {status}: {_message(data)}")

    def create_overlay_network(self, name: str, *, attachable: bool = True) -> str:
        """Create a swarm-scoped overlay network; return its id."""
        spec = {"Name": name, "Driver": "overlay", "Attachable": attachable, "CheckDuplicate": True}
        return str(self.api("POST", "/networks/create", spec)["Id"])

    def service(self, name: str) -> dict[str, Any]:
        """The service's record with ServiceStatus (RunningTasks/DesiredTasks)."""
        for item in self.api("GET", "/services", query={"status": "true"}) or []:
            if name in (item["Spec"]["Name"], item["ID"]):
                return dict(item)
        raise EngineError(f"no service named {name}")

    def tasks(self, service: str | None = None, desired_state: str | None = None) -> list[Any]:
        """Tasks, optionally of one service and/or with one desired state."""
        wanted = (("service", service), ("desired-state", desired_state))
        filters = {key: [value] for key, value in wanted if value}
        return list(self.api("GET", "/tasks", query={"filters": filters}) or [])

    def wait_for_running(self, name: str, count: int, timeout: float = 30.0) -> list[Any]:
        """Wait until ``count`` tasks of ``name`` are running; return those tasks."""

        def running() -> list[Any]:
            tasks = [t for t in self.tasks(name) if t["Status"]["State"] == "running"]
            return tasks if len(tasks) >= count else []

        what = f"{count} running task(s) of {name}"
        return wait_until(running, timeout, what, process=self._process)

    def wait_for_task_state(self, name: str, state: str, timeout: float = 30.0) -> dict[str, Any]:
        """Wait for a task of ``name`` in ``state`` (e.g. ``failed``, ``complete``); return it."""

        def found() -> dict[str, Any] | None:
            matches = [t for t in self.tasks(name) if t["Status"]["State"] == state]
            return dict(matches[0]) if matches else None

        return wait_until(found, timeout, f"a {state} task of {name}", process=self._process)

    def service_container_ids(self, name: str) -> list[str]:
        """Ids of the running containers of a service."""
        filters = {"label": [f"com.docker.swarm.service.name={name}"]}
        found = self.api("GET", "/containers/json", query={"filters": filters}) or []
        return [str(c["Id"]) for c in found]


def _q(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _message(data: bytes) -> str:
    """The engine's error message from a JSON answer (or the text itself, shortened)."""
    text = data.decode("utf-8", errors="replace").strip()
    for line in reversed(text.splitlines()):
        with contextlib.suppress(ValueError):
            doc = json.loads(line)
            if isinstance(doc, dict) and ("message" in doc or "error" in doc):
                return str(doc.get("message") or doc.get("error"))
    return text[:300] or "(empty answer)"
