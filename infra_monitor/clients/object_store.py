"""The scheduler's S3 / MinIO object store: reading its config objects, writing the monitor's.

The client always signs with the configured credentials; it never falls back to anonymous access
(the old dashboard did, silently, and then reported "no configs" instead of "access denied").
Unsigned requests are made only when the settings say ``anonymous: true``.

Every boto3 / botocore failure becomes an :class:`ObjectStoreError` (or :class:`ObjectNotFound`)
carrying the redacted URL ``{endpoint}/{bucket}/{key}`` and a short reason such as
``"AccessDenied: Access Denied"``, ``"SignatureDoesNotMatch: ..."`` or ``"timed out after 30.0 s"``;
the secret key never appears in an error or a log line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from infra_monitor.clients.errors import ObjectNotFound, ObjectStoreError
from infra_monitor.redact import redact_url, scrub
from infra_monitor.settings import ObjectStoreSettings, resolve_secret

log = logging.getLogger(__name__)

# Error codes S3 / MinIO use for "the object or the bucket is not there" (HEAD answers "404").
NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchBucket", "404", "NotFound"})
JSONL_CONTENT_TYPE = "application/x-ndjson"
_RETRY_ATTEMPTS = 2  # total attempts, including the first


@dataclass(frozen=True)
class ObjectInfo:
    """One object's metadata; ``etag`` without quotes, ``last_modified`` timezone-aware UTC."""

    key: str
    etag: str
    size: int
    last_modified: datetime


class ObjectStore:
    """A Dagster-free client for one bucket of an S3-compatible store (path-style addressing)."""

    def __init__(
        self,
        *,
        endpoint: str,
        region: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        anonymous: bool = False,
        verify_tls: bool = True,
        timeout_s: float = 30.0,
    ) -> None:
        """Build the boto3 client; ``access_key``/``secret_key`` are required unless anonymous.

        Empty credentials without ``anonymous=True`` raise ValueError: boto3 would otherwise
        look for credentials elsewhere (environment, instance metadata) and sign with those.
        """
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.bucket = bucket
        self.anonymous = anonymous
        self.timeout_s = timeout_s
        self._secrets = (secret_key,)
        if not anonymous and not (access_key and secret_key):
            raise ValueError(
                f"object store {redact_url(self.endpoint)}: access_key and secret_key are "
                "required unless anonymous=True"
            )
        config = Config(
            region_name=region,
            signature_version=UNSIGNED if anonymous else "s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=min(timeout_s, 10.0),
            read_timeout=timeout_s,
            retries={"max_attempts": _RETRY_ATTEMPTS, "mode": "standard"},
            # S3-compatible stores (older MinIO, Ceph) reject the newer default checksum headers.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        session = boto3.session.Session(
            aws_access_key_id=None if anonymous else access_key,
            aws_secret_access_key=None if anonymous else secret_key,
            region_name=region,
        )
        self._client: Any = session.client(
            "s3", endpoint_url=self.endpoint, config=config, verify=verify_tls
        )

    @classmethod
    def from_settings(
        cls,
        s: ObjectStoreSettings,
        environ: Mapping[str, str] | None = None,
        bucket: str | None = None,
    ) -> ObjectStore:
        """A client for ``bucket`` (default: the settings' bucket), resolving the secret refs.

        Raises SettingsError (naming the variable, never a value) when a reference is unset.
        """
        access_key = "" if s.anonymous else resolve_secret(s.access_key, environ)
        secret_key = "" if s.anonymous else resolve_secret(s.secret_key, environ)
        return cls(
            endpoint=s.endpoint,
            region=s.region,
            bucket=bucket or s.bucket,
            access_key=access_key,
            secret_key=secret_key,
            anonymous=s.anonymous,
            verify_tls=s.verify_tls,
            timeout_s=s.timeout_s,
        )

    def __repr__(self) -> str:
        return f"ObjectStore({self.public_url('')!r}, anonymous={self.anonymous})"

    def __enter__(self) -> ObjectStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the client's connection pool."""
        self._client.close()

    # -- URLs and errors ---------------------------------------------------------------------

    def public_url(self, key: str) -> str:
        """The path-style URL of ``key`` for links (credential-free; may need a signed request)."""
        base = redact_url(f"{self.endpoint}/{quote(self.bucket)}")
        return f"{base}/{quote(key)}" if key else base

    def _error(self, exc: Exception, key: str | None) -> ObjectStoreError:
        error = convert_error(exc, self.public_url(key or ""), self.timeout_s, self._secrets)
        log.debug("%s", error)
        return error

    # -- reading -----------------------------------------------------------------------------

    def get_bytes(self, key: str) -> bytes:
        """The object's content; ObjectNotFound when it (or the bucket) does not exist."""
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
            data: bytes = response["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, key) from None
        return data

    def get_text(self, key: str, encoding: str = "utf-8") -> str:
        """The object's content decoded as text; ObjectStoreError when it is not ``encoding``."""
        data = self.get_bytes(key)
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            raise ObjectStoreError(self.public_url(key), f"not valid {encoding} text") from None

    def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        """Bytes ``start..end`` (inclusive, as in HTTP Range) of the object; to the end if None.

        A range past the end of the object (HTTP 416) gives ``b""`` rather than an error, so a
        log preview of an empty or short object just shows nothing.
        """
        if start < 0 or (end is not None and end < start):
            raise ValueError(f"invalid byte range {start}-{end}")
        byte_range = f"bytes={start}-{'' if end is None else end}"
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key, Range=byte_range)
            data: bytes = response["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                return b""
            raise self._error(exc, key) from None
        except BotoCoreError as exc:
            raise self._error(exc, key) from None
        return data

    def head(self, key: str) -> ObjectInfo | None:
        """The object's metadata, or None when it does not exist."""
        try:
            response = self._client.head_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            error = self._error(exc, key)
            if isinstance(error, ObjectNotFound):
                return None
            raise error from None
        return ObjectInfo(
            key=key,
            etag=_etag(response.get("ETag")),
            size=int(response.get("ContentLength") or 0),
            last_modified=_utc(response.get("LastModified")),
        )

    def exists(self, key: str) -> bool:
        """Whether the object exists (errors other than "not found" are raised)."""
        return self.head(key) is not None

    def list_objects(
        self, prefix: str = "", *, max_keys: int | None = None, page_size: int = 1000
    ) -> Iterator[ObjectInfo]:
        """Objects below ``prefix`` in key order, fetched lazily ``page_size`` keys per request.

        ``max_keys`` caps the total number yielded (None: all of them).
        """
        if page_size < 1 or (max_keys is not None and max_keys < 0):
            raise ValueError("page_size must be >= 1 and max_keys >= 0")
        remaining = max_keys
        token: str | None = None
        while remaining is None or remaining > 0:
            params: dict[str, Any] = {
                "Bucket": self.bucket,
                "Prefix": prefix,
                "MaxKeys": page_size if remaining is None else min(page_size, remaining),
            }
            if token:
                params["ContinuationToken"] = token
            try:
                page = self._client.list_objects_v2(**params)
            except (BotoCoreError, ClientError) as exc:
                raise self._error(exc, prefix) from None
            for item in page.get("Contents", []):
                yield ObjectInfo(
                    key=item["Key"],
                    etag=_etag(item.get("ETag")),
                    size=int(item.get("Size") or 0),
                    last_modified=_utc(item.get("LastModified")),
                )
                if remaining is not None:
                    remaining -= 1
                    if remaining == 0:
                        return
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return

    def check_bucket(self) -> None:
        """Raise ObjectStoreError (ObjectNotFound if missing) unless the bucket is reachable."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, None) from None

    # -- writing -----------------------------------------------------------------------------

    def put_bytes(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> str:
        """Write the object; returns its ETag (without quotes)."""
        try:
            response = self._client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, key) from None
        return _etag(response.get("ETag"))

    def put_text(self, key: str, text: str, content_type: str = "text/plain; charset=utf-8") -> str:
        """Write ``text`` as UTF-8; returns the ETag."""
        return self.put_bytes(key, text.encode("utf-8"), content_type)

    def put_json(self, key: str, obj: Any) -> str:
        """Write ``obj`` as compact JSON (dates and other objects via ``str``); returns the ETag."""
        text = json.dumps(obj, default=str, indent=None)
        return self.put_bytes(key, text.encode("utf-8"), "application/json")

    def append_jsonl(self, key: str, records: Iterable[Any]) -> int:
        """Append ``records`` as JSON lines to the object (created when missing).

        This is a read-modify-write of the whole object, NOT atomic across writers: two
        concurrent appends to the same key can lose one writer's lines. Keep one writer per key
        (one asset / sensor per history object). Returns the number of lines appended.
        """
        lines = [json.dumps(r, default=str, indent=None) for r in records]
        if not lines:
            return 0
        try:
            existing = self.get_bytes(key)
        except ObjectNotFound:
            existing = b""
        if existing and not existing.endswith(b"\n"):
            existing += b"\n"
        payload = existing + ("\n".join(lines) + "\n").encode("utf-8")
        self.put_bytes(key, payload, JSONL_CONTENT_TYPE)
        return len(lines)


def convert_error(
    exc: Exception, url: str, timeout_s: float | None = None, secrets: Sequence[str] = ()
) -> ObjectStoreError:
    """Turn a boto3 / botocore failure into an ObjectStoreError for ``url`` (redacted).

    NoSuchKey / NoSuchBucket / a bare 404 give ObjectNotFound. ``secrets`` are masked in the
    reason should the remote side or botocore ever echo one.
    """
    status: int | None = None
    cls: type[ObjectStoreError] = ObjectStoreError
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code") or "Unknown")
        message = str(err.get("Message") or "").strip()
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code.isdigit():  # HEAD answers have no body: only the status is known
            reason = f"HTTP {code} {message}".strip()
            if code == "403":
                reason += " (access denied or wrong credentials)"
        else:
            reason = f"{code}: {message}" if message and message != code else code
        if code in NOT_FOUND_CODES or (status == 404 and not message):
            cls = ObjectNotFound
    elif isinstance(exc, ConnectTimeoutError | ReadTimeoutError):
        reason = "timed out" if timeout_s is None else f"timed out after {timeout_s} s"
    elif isinstance(exc, EndpointConnectionError):
        inner = exc.kwargs.get("error")
        refused = isinstance(inner, ConnectionRefusedError) or "refused" in str(inner).lower()
        reason = "connection refused" if refused else "connection failed (could not connect)"
    elif isinstance(exc, NoCredentialsError):
        reason = "no credentials"
    elif isinstance(exc, BotoCoreError):
        reason = f"{type(exc).__name__}: {str(exc)[:200]}"
    else:
        reason = type(exc).__name__
    return cls(url, scrub(reason, list(secrets))[:500], status=status)


def _etag(value: object) -> str:
    return str(value or "").strip('"')


def _utc(value: object) -> datetime:
    """botocore's LastModified as an aware UTC datetime (epoch when the server omitted it)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.fromtimestamp(0, UTC)
