"""Docker Swarm services for the sample harvest, through the docker CLI (optional, never fatal).

Each mode step of a harvest runs as a Swarm service ``sch_{source}_{mode}``, as in the real
scheduler. The sample starts ``localbusybox:latest sleep N`` under that name and removes it when the
step ends; gleaner services of sources listed in SAMPLE_KEEP_SERVICES stay, so a monitor sees live
ones. Every failure (no docker CLI, daemon down, no image) comes back as a message for a warning.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from infra_monitor.gleaner import facts

IMAGE = "localbusybox:latest"
STEP_SLEEP_SECONDS = 300  # removed at the end of the step anyway
KEPT_SLEEP_SECONDS = 86400
CLI_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class ServiceOutcome:
    """What a docker CLI call did: ok, and the message to log when it did not work."""

    ok: bool
    message: str = ""


def _docker(host: str, *args: str) -> ServiceOutcome:
    command = ["docker", "-H", host, *args]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=CLI_TIMEOUT_SECONDS, check=False
        )
    except FileNotFoundError:
        return ServiceOutcome(False, "the docker CLI is not installed")
    except subprocess.TimeoutExpired:
        return ServiceOutcome(False, f"docker {args[0]} {args[1]} timed out")
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        return ServiceOutcome(False, detail[-1] if detail else f"exit code {done.returncode}")
    return ServiceOutcome(True)


def start_service(host: str, source: str, mode: str, *, keep: bool) -> ServiceOutcome:
    """Create ``sch_{source}_{mode}`` (replacing a leftover one of that name), detached."""
    name = facts.service_name(source, mode)
    _docker(host, "service", "rm", name)  # a service kept by an earlier harvest; absent is fine
    seconds = KEPT_SLEEP_SECONDS if keep else STEP_SLEEP_SECONDS
    outcome = _docker(
        host,
        "service",
        "create",
        "--name",
        name,
        "--detach",
        "--no-resolve-image",  # no registry here: use the local image as it is
        "--restart-condition",
        "none",
        "--label",
        f"gleanerio.source={source}",
        "--label",
        f"gleanerio.mode={mode}",
        IMAGE,
        "sleep",
        str(seconds),
    )
    if not outcome.ok:
        return ServiceOutcome(False, f"could not create service {name}: {outcome.message}")
    return outcome


def remove_service(host: str, source: str, mode: str) -> ServiceOutcome:
    """Remove ``sch_{source}_{mode}``."""
    name = facts.service_name(source, mode)
    outcome = _docker(host, "service", "rm", name)
    if not outcome.ok:
        return ServiceOutcome(False, f"could not remove service {name}: {outcome.message}")
    return outcome
