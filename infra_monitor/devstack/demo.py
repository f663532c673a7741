"""The two demo modes: the Dagster UI over the local stack, and a headless run of everything.

``demo``: start the stack, then one dagster-webserver (and a dagster-daemon, so schedules and
sensors tick) serving the repository's workspace.yaml, i.e. the monitor beside the sample
scheduler, on the sample scheduler's instance. Ctrl-C stops everything by pid.

``demo-once``: start the stack, materialise every asset and run every check of the monitor in
process, tick every sensor once, write ``build/demo/summary.json`` and stop.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import signal
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from infra_monitor.devstack.procs import ManagedProcess, free_port, wait_for_http
from infra_monitor.devstack.stack import LocalStack

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = REPO_ROOT / "build" / "demo"
DEFAULT_UI_PORT = 3000


@dataclass
class DemoSummary:
    """What demo-once did: each asset's latest metadata, each check's result, sensor ticks."""

    assets: dict[str, dict[str, Any]] = field(default_factory=dict)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    sensors: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    stack: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Every asset materialised, every check ran, every sensor ticked without error."""
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        """The summary as written to summary.json."""
        return {
            "ok": self.ok,
            "generated_at": dt.datetime.now(dt.UTC).isoformat(),
            "stack": self.stack,
            "failures": self.failures,
            "assets": self.assets,
            "checks": self.checks,
            "sensors": self.sensors,
        }


def metadata_to_json(metadata: Mapping[str, dg.MetadataValue]) -> dict[str, Any]:
    """Metadata values as plain JSON (tables as lists of rows)."""
    out: dict[str, Any] = {}
    for key, item in metadata.items():
        value = item.value if isinstance(item, dg.MetadataValue) else item
        if isinstance(value, dg.TableMetadataValue):
            out[key] = [dict(record.data) for record in value.records]
        elif isinstance(value, dg.TableSchema):
            out[key] = [column.name for column in value.columns]
        elif isinstance(value, str | int | float | bool | list | dict) or value is None:
            out[key] = value
        elif hasattr(value, "records"):
            out[key] = [dict(record.data) for record in value.records]
        else:
            out[key] = str(value)
    return out


def run_everything_once(definitions: dg.Definitions, instance: dg.DagsterInstance) -> DemoSummary:
    """Materialise every asset with its checks, tick every sensor once, then materialise the
    alert history again so it shows what the ticks delivered."""
    from infra_monitor.defs.resources import build_resources

    summary = DemoSummary()
    job = definitions.resolve_implicit_global_asset_job_def()
    _record(summary, job.execute_in_process(**_quiet(instance)))
    repo = definitions.get_repository_def()
    for sensor in repo.sensor_defs:
        tick = _tick(sensor, instance, definitions, build_resources())
        summary.sensors[sensor.name] = tick
        if "error" in tick:
            summary.failures.append(f"sensor {sensor.name}: {tick['error']}")
    keys = repo.asset_graph.get_all_asset_keys()
    alerting = [key for key in keys if key.path[1:2] == ["alerting"]]
    if alerting:
        rerun = job.execute_in_process(asset_selection=alerting, **_quiet(instance))
        _record(summary, rerun)
    for asset_key in keys:
        if (
            asset_key.to_user_string() not in summary.assets
            and repo.asset_graph.get(asset_key).is_materializable
        ):
            summary.failures.append(f"{asset_key.to_user_string()}: not materialised")
    return summary


def _quiet(instance: dg.DagsterInstance) -> dict[str, Any]:
    """Run arguments that keep the console at INFO: what the assets say, not every event."""
    return {
        "instance": instance,
        "raise_on_error": False,
        "run_config": {"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    }


def _record(summary: DemoSummary, result: dg.ExecuteInProcessResult) -> None:
    """Add one run's materialisations, check results and step failures to the summary."""
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        summary.assets[materialization.asset_key.to_user_string()] = metadata_to_json(
            materialization.metadata
        )
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        summary.checks[name] = {
            "passed": evaluation.passed,
            "severity": evaluation.severity.value,
            "description": evaluation.description,
            "metadata": metadata_to_json(evaluation.metadata),
        }
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE" and event.step_failure_data is not None:
            summary.failures.append(
                f"{event.step_key}: {_root_cause(event.step_failure_data.error)}"
            )


def _root_cause(error: Any) -> str:
    """The innermost error message: Dagster wraps user errors in its own step error."""
    message = ""
    while error is not None:
        message = (error.message or "").strip() or message
        error = error.cause
    return message.splitlines()[0] if message else "unknown error"


def _tick(
    sensor: dg.SensorDefinition,
    instance: dg.DagsterInstance,
    definitions: dg.Definitions,
    resources: Mapping[str, object],
) -> dict[str, Any]:
    try:
        with dg.build_sensor_context(
            instance=instance, resources=resources, definitions=definitions, sensor_name=sensor.name
        ) as context:
            data = sensor.evaluate_tick(context)
    except Exception as exc:  # reported in the summary, not a crash of the whole demo
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {
        "run_requests": len(data.run_requests or []),
        "skip_message": data.skip_message,
        "cursor_set": data.cursor is not None,
    }


def print_summary(summary: DemoSummary) -> str:
    """A plain-text table of the summary (returned, the CLI prints it)."""
    lines = [f"{'asset':<48} {'rows':>6}  metadata keys", "-" * 100]
    for key in sorted(summary.assets):
        meta = summary.assets[key]
        rows = meta.get("dagster/row_count", "")
        lines.append(f"{key:<48} {rows!s:>6}  {', '.join(sorted(meta))[:44]}")
    lines += ["", f"{'check':<72} result", "-" * 100]
    for name in sorted(summary.checks):
        check = summary.checks[name]
        result = "passed" if check["passed"] else f"FAILED ({check['severity']})"
        lines.append(f"{name:<72} {result}")
    lines += ["", f"{'sensor':<48} outcome", "-" * 100]
    for name in sorted(summary.sensors):
        tick = summary.sensors[name]
        outcome = tick.get("error") or (
            f"{tick['run_requests']} run request(s)"
            if tick["run_requests"]
            else f"skipped: {tick['skip_message']}"
        )
        lines.append(f"{name:<48} {str(outcome)[:60]}")
    if summary.failures:
        lines += ["", "FAILURES:", *(f"  - {f}" for f in summary.failures)]
    verdict = "all assets materialised, every check and sensor ran"
    lines += ["", "OK: " + verdict if summary.ok else "NOT OK: see failures above"]
    return "\n".join(lines)


def demo_once(out_dir: Path = DEMO_DIR) -> tuple[DemoSummary, str]:
    """Start the stack, run everything once, write summary.json, stop; (summary, table)."""
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    stack = LocalStack(out_dir / "stack")
    with stack, stack.applied():
        from infra_monitor.definitions import defs

        home = out_dir / "dagster_home"
        home.mkdir()
        instance = dg.DagsterInstance.local_temp(str(home))
        try:
            summary = run_everything_once(defs(), instance)
        finally:
            instance.dispose()
        summary.stack = _stack_facts(stack)
    (out_dir / "summary.json").write_text(json.dumps(summary.to_json(), indent=2, default=str))
    return summary, print_summary(summary)


def _stack_facts(stack: LocalStack) -> dict[str, Any]:
    webhook_log = stack.workdir / "webhook.jsonl"
    return {
        "engine": "running" if stack.engine else f"not started: {stack.engine_skip_reason}",
        "scheduler_ui": stack.scheduler.ui_url if stack.scheduler else None,
        "webhook_deliveries": len(stack.webhook.received) if stack.webhook else 0,
        "webhook_log": str(webhook_log),
        "emails_delivered": len(stack.smtp.messages) if stack.smtp else 0,
    }


def run_demo(port: int | None = None) -> int:
    """Start the stack and the Dagster UI; block until Ctrl-C, then stop everything."""
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    ui_port = port or int(os.environ.get("DEMO_PORT", DEFAULT_UI_PORT))
    if ui_port == 0:
        ui_port = free_port()
    stack = LocalStack(DEMO_DIR / "stack-ui")
    shutil.rmtree(stack.workdir, ignore_errors=True)
    processes: list[ManagedProcess] = []
    stopping = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    try:
        with stack:
            assert stack.scheduler is not None
            env = {
                **os.environ,
                **stack.environ,
                **stack.scheduler.settings.to_env(),
                "DAGSTER_HOME": str(stack.scheduler.dagster_home),
            }
            bin_dir = Path(sys.executable).parent
            workspace = str(REPO_ROOT / "workspace.yaml")
            webserver = ManagedProcess(
                "dagster-webserver",
                [
                    f"{bin_dir}/dagster-webserver",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    f"{ui_port}",
                    "-w",
                    workspace,
                ],
                DEMO_DIR,
                env=env,
                cwd=REPO_ROOT,
            )
            daemon = ManagedProcess(
                "dagster-daemon",
                [str(bin_dir / "dagster-daemon"), "run", "-w", workspace],
                DEMO_DIR,
                env=env,
                cwd=REPO_ROOT,
            )
            for process in (webserver, daemon):
                processes.append(process.start())
            url = f"http://127.0.0.1:{ui_port}"
            wait_for_http(f"{url}/server_info", timeout=120, process=webserver)
            logger.warning(
                "Dagster UI: %s (monitor settings: %s; engine: %s). Ctrl-C stops everything.",
                url,
                stack.settings_path,
                "running" if stack.engine else stack.engine_skip_reason,
            )
            while not stopping and all(p.is_running() for p in processes):
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in reversed(processes):
            process.stop()
    return 0
