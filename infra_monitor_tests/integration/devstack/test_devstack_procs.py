"""ManagedProcess and the readiness helpers, with real child processes."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

from infra_monitor.devstack.procs import (
    ManagedProcess,
    ServiceStartError,
    free_port,
    wait_for_http,
    wait_until,
)

pytestmark = pytest.mark.integration


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
    assert 1024 <= port <= 65535


def test_start_stop_idempotent_and_logged(tmp_path: Path) -> None:
    argv = [
        sys.executable,
        "-c",
        "import time; print('hello from child', flush=True); time.sleep(60)",
    ]
    proc = ManagedProcess("sleeper", argv, tmp_path)
    assert proc.stop() is None  # before start: nothing to do
    with proc:
        pid = proc.pid
        assert proc.start().pid == pid  # second start keeps the same child
        wait_until(lambda: "hello from child" in proc.log_tail(), 10, "child output")
        assert proc.is_running()
    assert not proc.is_running()
    assert proc.returncode == -15  # SIGTERM
    assert proc.stop() == -15
    assert (tmp_path / "sleeper.log").read_text().strip() == "hello from child"


def test_sigkill_after_ignored_sigterm(tmp_path: Path) -> None:
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
        "print('ready', flush=True); time.sleep(60)"
    )
    proc = ManagedProcess("stubborn", [sys.executable, "-c", code], tmp_path, stop_timeout=0.5)
    proc.start()
    wait_until(lambda: "ready" in proc.log_tail(), 10, "child ready")
    started = time.monotonic()
    assert proc.stop() == -9
    assert time.monotonic() - started < 5


def test_wait_until_reports_exit_and_log_tail(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import sys; print('bad config: port taken'); sys.exit(4)"]
    proc = ManagedProcess("crasher", argv, tmp_path).start()
    with pytest.raises(ServiceStartError) as info:
        wait_until(lambda: False, 10, "crasher ready", process=proc)
    text = str(info.value)
    assert "exited with status 4" in text
    assert "bad config: port taken" in text
    proc.stop()


def test_wait_for_http_times_out_with_reason() -> None:
    port = free_port()
    started = time.monotonic()
    with pytest.raises(ServiceStartError, match=r"not ready after 1 s .*Connection"):
        wait_for_http(f"http://127.0.0.1:{port}/", 1.0)
    assert time.monotonic() - started < 5


def test_missing_binary_is_a_clear_error(tmp_path: Path) -> None:
    proc = ManagedProcess("ghost", ["/nonexistent/binary"], tmp_path)
    with pytest.raises(ServiceStartError, match="ghost: cannot run /nonexistent/binary"):
        proc.start()
