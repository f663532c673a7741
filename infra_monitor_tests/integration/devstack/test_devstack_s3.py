"""moto in server mode really checks credentials, and works with the right ones."""

from __future__ import annotations

import pytest
import requests
from botocore.exceptions import ClientError

from infra_monitor.devstack.s3 import S3Server

pytestmark = pytest.mark.integration


def _error_code(exc: ClientError) -> str:
    return str(exc.response["Error"]["Code"])


def test_right_credentials_work(devstack_s3: S3Server) -> None:
    assert devstack_s3.region == "us-east-1"
    assert devstack_s3.endpoint_url.startswith("http://127.0.0.1:")
    devstack_s3.create_bucket("gleaner-ok")
    devstack_s3.put_object("gleaner-ok", "summoned/src1/a.jsonld", '{"@id": "a"}')
    client = devstack_s3.client()
    listing = client.list_objects_v2(Bucket="gleaner-ok", Prefix="summoned/")
    assert [o["Key"] for o in listing["Contents"]] == ["summoned/src1/a.jsonld"]
    ranged = client.get_object(Bucket="gleaner-ok", Key="summoned/src1/a.jsonld", Range="bytes=0-3")
    assert ranged["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert ranged["Body"].read() == b'{"@i'


def test_wrong_secret_is_refused(devstack_s3: S3Server) -> None:
    client = devstack_s3.client(secret_key="not-the-secret", max_attempts=1)
    with pytest.raises(ClientError) as info:
        client.list_buckets()
    assert _error_code(info.value) == "SignatureDoesNotMatch"


def test_unknown_key_is_refused(devstack_s3: S3Server) -> None:
    client = devstack_s3.client(access_key="AKIAUNKNOWN000000000", secret_key="x", max_attempts=1)
    with pytest.raises(ClientError) as info:
        client.list_buckets()
    assert _error_code(info.value) == "InvalidAccessKeyId"


def test_unsigned_request_is_refused(devstack_s3: S3Server) -> None:
    devstack_s3.create_bucket("gleaner-unsigned")
    response = requests.get(f"{devstack_s3.endpoint_url}/gleaner-unsigned", timeout=10)
    assert response.status_code >= 400


def test_start_and_stop_are_idempotent(devstack_s3: S3Server) -> None:
    pid = devstack_s3.pid
    assert devstack_s3.start().pid == pid
    other = S3Server()
    other.stop()  # never started: no error
    with other:
        assert other.pid not in (None, pid)
        endpoint = other.endpoint_url
        assert requests.get(f"{endpoint}/moto-api/config", timeout=5).status_code < 400
    other.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{endpoint}/moto-api/config", timeout=5)
