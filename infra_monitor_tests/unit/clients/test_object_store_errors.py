"""ObjectStore error conversion and credential handling, without any service.

Errors are botocore exception objects built directly; requests are answered by a botocore
``before-send`` hook (botocore's own extension point), so nothing in boto3 is patched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import (
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)

from infra_monitor.clients.errors import ObjectNotFound, ObjectStoreError
from infra_monitor.clients.object_store import ObjectStore, convert_error
from infra_monitor.settings import ObjectStoreSettings, SecretRef, SettingsError

from .conftest import client_error

URL = "http://minio.example:9000/bucket/path/to/key.json"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
URL_SECRET = "s3cr3t-Pa55word"  # a password as it may appear (unescaped) in a URL's user info


@pytest.mark.parametrize(
    ("code", "message", "status", "reason"),
    [
        ("NoSuchKey", "The specified key does not exist.", 404, "NoSuchKey: The specified key"),
        ("NoSuchBucket", "The specified bucket does not exist", 404, "NoSuchBucket: The spec"),
        ("404", "Not Found", 404, "HTTP 404 Not Found"),
        ("NotFound", "", 404, "NotFound"),
    ],
)
def test_missing_objects_and_buckets_are_object_not_found(
    code: str, message: str, status: int, reason: str
) -> None:
    error = convert_error(client_error(code, message, status), URL)
    assert isinstance(error, ObjectNotFound)
    assert error.status == status
    assert error.reason.startswith(reason)
    assert str(error) == f"object store at {URL}: {error.reason}"


@pytest.mark.parametrize(
    ("code", "message", "status", "reason"),
    [
        ("AccessDenied", "Access Denied", 403, "AccessDenied: Access Denied"),
        (
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match",
            403,
            "SignatureDoesNotMatch: The request signature",
        ),
        ("InvalidAccessKeyId", "", 403, "InvalidAccessKeyId"),
        ("403", "Forbidden", 403, "HTTP 403 Forbidden (access denied or wrong credentials)"),
        ("InternalError", "We encountered an internal error", 500, "InternalError: We enc"),
    ],
)
def test_refusals_keep_code_and_message(code: str, message: str, status: int, reason: str) -> None:
    error = convert_error(client_error(code, message, status), URL)
    assert type(error) is ObjectStoreError
    assert error.status == status
    assert error.reason.startswith(reason)


def test_transport_failures_have_plain_reasons() -> None:
    endpoint = "http://127.0.0.1:9/bucket/key"
    refused = EndpointConnectionError(
        endpoint_url=endpoint, error=ConnectionRefusedError(111, "Connection refused")
    )
    unreachable = EndpointConnectionError(endpoint_url=endpoint, error=OSError("No route"))
    read_timeout = ReadTimeoutError(endpoint_url=endpoint, error="read timed out")
    connect_timeout = ConnectTimeoutError(endpoint_url=endpoint, error="connect timed out")

    assert convert_error(refused, URL).reason == "connection refused"
    assert convert_error(unreachable, URL).reason.startswith("connection failed")
    assert convert_error(read_timeout, URL, 2.0).reason == "timed out after 2.0 s"
    assert convert_error(connect_timeout, URL).reason == "timed out"
    bad_param = convert_error(ParamValidationError(report="Key is empty"), URL)
    assert bad_param.reason.startswith("ParamValidationError: ")
    assert convert_error(ValueError("x"), URL).reason == "ValueError"


def test_url_is_redacted_in_errors() -> None:
    url = f"http://admin:{URL_SECRET}@minio.example:9000/bucket/key?X-Amz-Signature=abc&part=1"
    error = convert_error(client_error("AccessDenied", "Access Denied", 403), url)
    assert URL_SECRET not in str(error)
    assert "admin" not in str(error)
    assert "abc" not in error.url
    assert error.url.startswith("http://minio.example:9000/bucket/key?")
    assert "part=1" in error.url


def test_a_secret_echoed_by_the_server_is_masked() -> None:
    exc = client_error("SignatureDoesNotMatch", f"secret was {SECRET}", 403)
    error = convert_error(exc, URL, secrets=[SECRET])
    assert SECRET not in str(error)
    assert "****" in error.reason


def _store(**overrides: Any) -> ObjectStore:
    params: dict[str, Any] = {
        "endpoint": "http://minio.example:9000/",
        "region": "us-east-1",
        "bucket": "gleaner",
        "access_key": "AKIDCONFIGURED",
        "secret_key": SECRET,
        "timeout_s": 1.0,
    }
    params.update(overrides)
    return ObjectStore(**params)


def _answer(
    store: ObjectStore, status: int, body: bytes, seen: list[AWSPreparedRequest]
) -> Callable[..., AWSResponse]:
    """Answer every request of ``store`` with ``status``/``body``, recording the requests."""

    def handler(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        seen.append(request)
        raw: Any = _Raw(body)
        return AWSResponse(request.url, status, {"Content-Type": "application/xml"}, raw)

    store._client.meta.events.register("before-send.s3", handler)
    return handler


class _Raw:
    """The minimal urllib3-response shape botocore reads a body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: Any, **__: Any) -> Any:
        yield self._body

    def read(self, *_: Any, **__: Any) -> bytes:
        body, self._body = self._body, b""
        return body


def test_configured_credentials_are_always_used(monkeypatch: pytest.MonkeyPatch) -> None:
    # Ambient credentials must never win over (or stand in for) the configured ones.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENVIRONMENT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    store = _store()
    seen: list[AWSPreparedRequest] = []
    _answer(store, 200, b"", seen)
    store.check_bucket()
    auth = seen[0].headers.get("Authorization")
    assert auth is not None
    assert b"AKIDCONFIGURED" in (auth if isinstance(auth, bytes) else auth.encode())
    assert seen[0].url == "http://minio.example:9000/gleaner"  # path-style


def test_anonymous_requests_are_unsigned() -> None:
    store = _store(access_key="", secret_key="", anonymous=True)
    seen: list[AWSPreparedRequest] = []
    _answer(store, 200, b"", seen)
    store.check_bucket()
    assert "Authorization" not in seen[0].headers


def test_missing_credentials_without_anonymous_are_refused() -> None:
    with pytest.raises(ValueError, match="access_key and secret_key are required"):
        _store(secret_key="")


def test_wrong_secret_answer_never_shows_the_secret(caplog: pytest.LogCaptureFixture) -> None:
    store = _store()
    body = (
        b"<?xml version='1.0'?><Error><Code>SignatureDoesNotMatch</Code>"
        b"<Message>The request signature we calculated does not match</Message></Error>"
    )
    _answer(store, 403, body, [])
    with caplog.at_level(logging.DEBUG), pytest.raises(ObjectStoreError) as info:
        store.get_bytes("gleanerconfig.yaml")
    assert info.value.reason.startswith("SignatureDoesNotMatch")
    assert info.value.url == "http://minio.example:9000/gleaner/gleanerconfig.yaml"
    assert SECRET not in str(info.value)
    assert SECRET not in repr(info.value.args)
    assert SECRET not in caplog.text
    assert SECRET not in repr(store)


def test_head_of_a_missing_object_is_none() -> None:
    store = _store()
    _answer(store, 404, b"", [])
    assert store.head("missing") is None
    assert store.exists("missing") is False


def test_range_past_the_end_is_empty() -> None:
    store = _store()
    body = b"<Error><Code>InvalidRange</Code><Message>out of range</Message></Error>"
    seen: list[AWSPreparedRequest] = []
    _answer(store, 416, body, seen)
    assert store.get_range("log.txt", 100, 199) == b""
    assert seen[0].headers["Range"] in ("bytes=100-199", b"bytes=100-199")
    with pytest.raises(ValueError):
        store.get_range("log.txt", 10, 5)


def test_public_url_quotes_the_key_and_drops_credentials() -> None:
    store = _store(endpoint=f"https://user:{URL_SECRET}@minio.example/")
    assert store.public_url("a b/c.json") == "https://minio.example/gleaner/a%20b/c.json"
    assert store.public_url("") == "https://minio.example/gleaner"


def _settings(**overrides: Any) -> ObjectStoreSettings:
    params: dict[str, Any] = {
        "endpoint": "http://minio.example:9000",
        "region": "eu-west-1",
        "bucket": "gleaner",
        "access_key": SecretRef("S3_KEY", "environments.dev.object_store.access_key"),
        "secret_key": SecretRef("S3_SECRET", "environments.dev.object_store.secret_key"),
        "timeout_s": 3.0,
    }
    params.update(overrides)
    return ObjectStoreSettings(**params)


def test_from_settings_resolves_secret_references() -> None:
    environ = {"S3_KEY": "AKIDFROMSETTINGS", "S3_SECRET": SECRET}
    store = ObjectStore.from_settings(_settings(), environ, bucket="monitor-out")
    assert store.bucket == "monitor-out"
    assert store.region == "eu-west-1"
    assert store.timeout_s == 3.0
    seen: list[AWSPreparedRequest] = []
    _answer(store, 200, b"", seen)
    store.check_bucket()
    assert "AKIDFROMSETTINGS" in str(seen[0].headers["Authorization"])


def test_from_settings_names_an_unset_variable_without_values() -> None:
    with pytest.raises(SettingsError) as info:
        ObjectStore.from_settings(_settings(), {"S3_KEY": "AKIDFROMSETTINGS"})
    assert "S3_SECRET is not set" in str(info.value)
    assert "AKIDFROMSETTINGS" not in str(info.value)


def test_from_settings_anonymous_needs_no_secrets() -> None:
    settings = _settings(access_key=None, secret_key=None, anonymous=True)
    store = ObjectStore.from_settings(settings, {})
    assert store.anonymous is True
