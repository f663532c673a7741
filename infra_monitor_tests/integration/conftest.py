"""One local stack per test session, shared by every integration test.

The stack's settings file and secrets are put into this process's environment for the whole
session, exactly as `make demo` does for the Dagster UI.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from infra_monitor.devstack.stack import LocalStack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test below this folder `integration`: `pytest -m "not integration"` skips them."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The started local stack (stopped by pid at the end of the session, also on failure)."""
    local = LocalStack(Path(tmp_path_factory.mktemp("stack")))
    local.start()
    try:
        with local.applied():
            yield local
    finally:
        local.stop()


@pytest.fixture(scope="session")
def monitor_defs(stack: LocalStack) -> dg.Definitions:
    """The monitor's definitions, loaded the way the code location loads them."""
    from infra_monitor.definitions import defs

    return defs()


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """A throw-away Dagster instance for in-process runs."""
    with dg.instance_for_test() as test_instance:
        yield test_instance


def run_job(
    definitions: dg.Definitions, job_name: str, instance: dg.DagsterInstance
) -> dg.ExecuteInProcessResult:
    """Execute one of the monitor's jobs in-process against the live stack."""
    job = definitions.resolve_job_def(job_name)
    return job.execute_in_process(instance=instance, raise_on_error=False)


def materialization_metadata(
    result: dg.ExecuteInProcessResult, key: str
) -> dict[str, dg.MetadataValue]:
    """The metadata of the materialisation of ``key`` (``env/domain/name``) in ``result``."""
    asset_key = dg.AssetKey.from_user_string(key)
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        if materialization.asset_key == asset_key:
            return dict(materialization.metadata)
    raise AssertionError(f"{key} was not materialised")


def check_results(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    """Check evaluations of ``result`` by ``env/domain/name:check``."""
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e
        for e in result.get_asset_check_evaluations()
    }
