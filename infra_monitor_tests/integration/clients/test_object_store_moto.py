"""ObjectStore against the session stack's moto S3 (IAM auth enforced, real sockets), in a
bucket of these tests' own."""

from __future__ import annotations

import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from infra_monitor.clients.errors import ObjectNotFound, ObjectStoreError
from infra_monitor.clients.object_store import ObjectStore
from infra_monitor.devstack.s3 import S3Server
from infra_monitor.settings import ObjectStoreSettings, SecretRef

pytestmark = pytest.mark.integration

UNREACHABLE_BUCKET = "client-tests"  # only named in URLs: nothing answers there


@pytest.fixture
def prefix() -> str:
    """A fresh key prefix per test, so tests sharing the bucket never see each other's keys."""
    return f"t-{uuid.uuid4().hex[:10]}/"


def _other(s3: S3Server, bucket: str, **overrides: object) -> ObjectStore:
    params: dict[str, object] = {
        "endpoint": s3.endpoint_url,
        "region": s3.region,
        "bucket": bucket,
        "access_key": s3.access_key,
        "secret_key": s3.secret_key,
        "timeout_s": 5.0,
    }
    params.update(overrides)
    return ObjectStore(**params)  # type: ignore[arg-type]


def test_put_get_head_roundtrip(store: ObjectStore, prefix: str) -> None:
    key = f"{prefix}config/gleanerconfig.yaml"
    etag = store.put_text(key, "sources: []\n")
    assert store.get_text(key) == "sources: []\n"
    assert store.get_bytes(key) == b"sources: []\n"
    info = store.head(key)
    assert info is not None
    assert (info.key, info.size, info.etag) == (key, 12, etag)
    assert info.last_modified.tzinfo is UTC
    assert abs(datetime.now(UTC) - info.last_modified) < timedelta(minutes=5)
    assert store.exists(key)


def test_missing_objects(store: ObjectStore, bucket: str, prefix: str) -> None:
    key = f"{prefix}nope.json"
    assert store.head(key) is None
    assert not store.exists(key)
    with pytest.raises(ObjectNotFound) as info:
        store.get_bytes(key)
    assert info.value.status == 404
    assert info.value.url == f"{store.endpoint}/{bucket}/{key}"
    assert info.value.reason.startswith("NoSuchKey")


def test_json_and_jsonl(store: ObjectStore, prefix: str) -> None:
    when = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    store.put_json(f"{prefix}a.json", {"when": when, "n": 1})
    assert json.loads(store.get_text(f"{prefix}a.json")) == {"when": str(when), "n": 1}

    history = f"{prefix}history.jsonl"
    assert store.append_jsonl(history, []) == 0
    assert not store.exists(history)
    assert store.append_jsonl(history, [{"run": 1}]) == 1
    assert store.append_jsonl(history, [{"run": 2}, {"run": 3}]) == 2
    lines = store.get_text(history).splitlines()
    assert [json.loads(line)["run"] for line in lines] == [1, 2, 3]


def test_list_objects_pages_and_limits(store: ObjectStore, prefix: str) -> None:
    keys = [f"{prefix}obj-{i:03d}" for i in range(23)]
    for key in keys:
        store.put_bytes(key, key.encode())
    store.put_bytes(f"{prefix[:-1]}-sibling", b"outside the prefix")

    listed = list(store.list_objects(prefix, page_size=5))
    assert [o.key for o in listed] == keys
    assert all(o.size == len(o.key) for o in listed)
    assert [o.key for o in store.list_objects(prefix, max_keys=7, page_size=3)] == keys[:7]
    assert [o.key for o in store.list_objects(prefix, max_keys=50)] == keys
    assert list(store.list_objects(f"{prefix}none/")) == []


def test_list_objects_beyond_one_server_page(store: ObjectStore, prefix: str) -> None:
    # S3 returns at most 1000 keys per request: the default page size must follow the token.
    def put(i: int) -> None:
        store.put_bytes(f"{prefix}{i:04d}", b"")

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(put, range(1003)))
    keys = [o.key for o in store.list_objects(prefix)]
    assert len(keys) == 1003
    assert keys[-1] == f"{prefix}1002"


def test_range_get(store: ObjectStore, prefix: str) -> None:
    key = f"{prefix}logs/run.log"
    store.put_text(key, "0123456789abcdef")
    assert store.get_range(key, 0, 3) == b"0123"
    assert store.get_range(key, 10) == b"abcdef"
    assert store.get_range(key, 14, 100) == b"ef"
    assert store.get_range(key, 100, 200) == b""
    with pytest.raises(ObjectNotFound):
        store.get_range(f"{prefix}missing.log", 0, 10)


def test_check_bucket(store: ObjectStore, s3_server: S3Server) -> None:
    store.check_bucket()
    absent = f"no-such-bucket-{uuid.uuid4().hex[:8]}"
    with _other(s3_server, absent) as missing, pytest.raises(ObjectNotFound):
        missing.check_bucket()


def test_wrong_secret_is_refused_without_showing_it(
    store: ObjectStore,
    s3_server: S3Server,
    bucket: str,
    prefix: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store.put_text(f"{prefix}x.txt", "x")
    wrong = "WrongSecretValue-" + uuid.uuid4().hex
    with caplog.at_level(logging.DEBUG), _other(s3_server, bucket, secret_key=wrong) as bad:
        with pytest.raises(ObjectStoreError) as info:
            bad.get_bytes(f"{prefix}x.txt")
        with pytest.raises(ObjectStoreError) as listing:
            list(bad.list_objects(prefix))
        with pytest.raises(ObjectStoreError) as head:
            bad.head(f"{prefix}x.txt")
    for error in (info.value, listing.value, head.value):
        assert not isinstance(error, ObjectNotFound)
        assert error.status == 403
        assert wrong not in str(error)
        assert s3_server.secret_key not in str(error)
    assert "SignatureDoesNotMatch" in str(info.value)
    assert "SignatureDoesNotMatch" in str(listing.value)
    assert wrong not in caplog.text
    assert s3_server.secret_key not in caplog.text


def test_unknown_access_key(s3_server: S3Server, bucket: str) -> None:
    bad = _other(s3_server, bucket, access_key="AKIANOTAUSER00000000")
    with bad, pytest.raises(ObjectStoreError, match="InvalidAccessKeyId"):
        bad.get_bytes("anything")


def test_anonymous_client_is_refused_on_a_private_bucket(
    store: ObjectStore, s3_server: S3Server, bucket: str, prefix: str
) -> None:
    store.put_text(f"{prefix}private.txt", "secret data")
    with _other(s3_server, bucket, access_key="", secret_key="", anonymous=True) as anon:
        with pytest.raises(ObjectStoreError) as info:
            anon.get_bytes(f"{prefix}private.txt")
        assert not isinstance(info.value, ObjectNotFound)
        assert info.value.status is not None and info.value.status >= 400
        with pytest.raises(ObjectStoreError):
            list(anon.list_objects(prefix))


def test_from_settings_against_the_server(s3_server: S3Server, bucket: str, prefix: str) -> None:
    settings = ObjectStoreSettings(
        endpoint=s3_server.endpoint_url,
        region=s3_server.region,
        bucket="unused-default",
        access_key=SecretRef("IT_S3_KEY", "environments.it.object_store.access_key"),
        secret_key=SecretRef("IT_S3_SECRET", "environments.it.object_store.secret_key"),
        timeout_s=5.0,
    )
    environ = {"IT_S3_KEY": s3_server.access_key, "IT_S3_SECRET": s3_server.secret_key}
    with ObjectStore.from_settings(settings, environ, bucket=bucket) as client:
        client.put_text(f"{prefix}via-settings.txt", "ok")
        assert client.get_text(f"{prefix}via-settings.txt") == "ok"


def test_closed_port_is_connection_refused(closed_port: int) -> None:
    endpoint = f"http://127.0.0.1:{closed_port}"
    client = ObjectStore(
        endpoint=endpoint,
        region="us-east-1",
        bucket=UNREACHABLE_BUCKET,
        access_key="k",
        secret_key="s3cret",
    )
    with client, pytest.raises(ObjectStoreError) as info:
        client.get_bytes("a/b.json")
    assert info.value.reason == "connection refused"
    assert info.value.url == f"{endpoint}/{UNREACHABLE_BUCKET}/a/b.json"


def test_slow_server_times_out(slow_http: str) -> None:
    client = ObjectStore(
        endpoint=slow_http,
        region="us-east-1",
        bucket="slow-bucket",
        access_key="k",
        secret_key="s3cret",
        timeout_s=0.5,
    )
    started = time.monotonic()
    with client, pytest.raises(ObjectStoreError) as info:
        client.get_bytes("key")
    assert info.value.reason == "timed out after 0.5 s"
    # Two attempts of 0.5 s plus botocore's jittered backoff (< 2 s), well before the server's 5 s.
    assert time.monotonic() - started < 4.5
