"""The Portainer proxy's own answers, which need no Docker Engine behind it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from infra_monitor.devstack.portainer_proxy import PortainerProxy

pytestmark = pytest.mark.integration

KEY = "ptr_offline_key"


@pytest.fixture()
def offline_proxy(tmp_path: Path) -> Iterator[PortainerProxy]:
    with PortainerProxy(str(tmp_path / "missing.sock"), KEY, endpoint_id=3) as proxy:
        yield proxy


def test_status_needs_no_key(offline_proxy: PortainerProxy) -> None:
    response = requests.get(f"{offline_proxy.url}/api/status", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"Version": "2.19.0-proxy"}


def test_key_checked_before_anything_else(offline_proxy: PortainerProxy) -> None:
    response = requests.get(offline_proxy.docker_url("/info"), timeout=10)
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid API key"


def test_endpoints_list_and_unknown_id(offline_proxy: PortainerProxy) -> None:
    headers = {"X-API-Key": KEY}
    listing = requests.get(f"{offline_proxy.url}/api/endpoints", headers=headers, timeout=10)
    assert [e["Id"] for e in listing.json()] == [3]
    unknown = requests.get(offline_proxy.docker_url("/info", 1), headers=headers, timeout=10)
    assert unknown.status_code == 404


def test_unreachable_engine_is_a_502(offline_proxy: PortainerProxy) -> None:
    response = requests.get(
        offline_proxy.docker_url("/info"), headers={"X-API-Key": KEY}, timeout=10
    )
    assert response.status_code == 502
    assert response.json()["message"] == "Docker engine unreachable"


def test_start_stop_idempotent(tmp_path: Path) -> None:
    proxy = PortainerProxy(str(tmp_path / "x.sock"), KEY)
    proxy.stop()
    proxy.start()
    url = proxy.url
    assert proxy.start().url == url
    proxy.stop()
    proxy.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/api/status", timeout=5)
