"""Probe every service of one environment at once into a HealthSnapshot.

Probes run side by side with an overall deadline: one slow or dead service never delays or
fails the others, and a probe that raises is recorded as down with the error's type.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait

from infra_monitor.clients.errors import ServiceError
from infra_monitor.clients.portainer import PortainerClient
from infra_monitor.health.portainer_probe import probe_portainer
from infra_monitor.health.probes import (
    BucketProbeStore,
    probe_object_store,
    probe_scheduler,
    probe_triplestore,
    result,
)
from infra_monitor.health.records import (
    DOWN,
    OBJECT_STORE,
    PORTAINER,
    SCHEDULER,
    TRIPLESTORE,
    HealthSnapshot,
    ServiceHealth,
    iso,
    utc_now,
)
from infra_monitor.redact import scrub
from infra_monitor.settings import EnvironmentSettings, SettingsError, resolve_secret

log = logging.getLogger(__name__)


def _guarded(service: str, probe: Callable[[], ServiceHealth]) -> ServiceHealth:
    try:
        return probe()
    except ServiceError as exc:
        return result(service, DOWN, http_status=exc.status, detail=exc.reason, url=exc.url)
    except SettingsError as exc:  # a secret's variable is not set: say which, never a value
        return result(service, DOWN, detail="; ".join(exc.problems))
    except Exception as exc:  # a probe bug must not fail the other probes or the run
        log.exception("health probe %s failed", service)
        return result(service, DOWN, detail=f"probe failed: {type(exc).__name__}")


def run_probes(
    probes: Mapping[str, Callable[[], ServiceHealth]],
    deadline_s: float,
    secrets: tuple[str, ...] = (),
) -> tuple[ServiceHealth, ...]:
    """Run the probes side by side; a probe still running after ``deadline_s`` is down."""
    if not probes:
        return ()
    pool = ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="probe")
    futures = {name: pool.submit(_guarded, name, probe) for name, probe in probes.items()}
    wait(futures.values(), timeout=deadline_s)
    pool.shutdown(wait=False, cancel_futures=True)
    results = []
    for name, future in futures.items():
        if future.done():
            record = future.result()
        else:
            record = result(name, DOWN, detail=f"no answer within {deadline_s:g} s")
        results.append(
            ServiceHealth(**{**record.to_dict(), "detail": scrub(record.detail, list(secrets))})
        )
    return tuple(sorted(results, key=lambda r: r.service))


def _portainer_probe(env: EnvironmentSettings, environ: Mapping[str, str] | None) -> ServiceHealth:
    settings = env.portainer
    assert settings is not None
    client = PortainerClient(
        settings.url,
        settings.endpoint_id,
        resolve_secret(settings.api_key, environ),
        verify_tls=settings.verify_tls,
        timeout_s=min(settings.timeout_s, env.health.timeout_s),
    )
    try:
        return probe_portainer(client, settings, env.health)
    finally:
        client.close()


def environment_secrets(
    env: EnvironmentSettings, environ: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """The resolved secret values of an environment (only to scrub them from details)."""
    refs = [env.object_store.access_key, env.object_store.secret_key]
    if env.portainer is not None:
        refs.append(env.portainer.api_key)
    values = []
    for ref in refs:
        try:
            values.append(resolve_secret(ref, environ))
        except SettingsError:
            continue
    return tuple(v for v in values if v)


def probe_environment(
    env: EnvironmentSettings,
    store_factory: Callable[[], BucketProbeStore],
    environ: Mapping[str, str] | None = None,
) -> HealthSnapshot:
    """Probe the four services of ``env`` (those configured) into one snapshot.

    ``store_factory`` builds the object store client; building it may raise (e.g. a secret's
    variable is unset), which is then that service's down record, not the run's failure.
    """
    probes: dict[str, Callable[[], ServiceHealth]] = {
        OBJECT_STORE: lambda: probe_object_store(store_factory(), env.object_store, env.health),
        SCHEDULER: lambda: probe_scheduler(env.scheduler, env.health),
    }
    if env.triplestore is not None:
        triplestore = env.triplestore
        probes[TRIPLESTORE] = lambda: probe_triplestore(triplestore, env.health)
    if env.portainer is not None:
        probes[PORTAINER] = lambda: _portainer_probe(env, environ)
    started = iso(utc_now())
    # each probe makes a few calls, each bounded by the timeout: allow them all, then cut off
    deadline = env.health.timeout_s * 4 + 5.0
    records = run_probes(probes, deadline, environment_secrets(env, environ))
    log.info(
        "health of %s: %s",
        env.name,
        ", ".join(f"{r.service}={r.status}" for r in records),
    )
    return HealthSnapshot(environment=env.name, checked_at=started, services=records)
