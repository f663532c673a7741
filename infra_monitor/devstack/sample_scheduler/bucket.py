"""The sample scheduler's settings and bucket: boto3 (path-style, timeouts) and the object layout.

Object paths and name formats come from ``infra_monitor.gleaner.facts``; this module only writes
them, the way the real scheduler (gleaner, nabu and the Dagster assets around them) does.
"""

from __future__ import annotations

import io
import os
import tarfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from infra_monitor.gleaner import facts

# --- environment variables (read at run time; see definitions.py) --------------------------------
ENV_S3_ENDPOINT = "SAMPLE_S3_ENDPOINT"
ENV_S3_ACCESS_KEY = "SAMPLE_S3_ACCESS_KEY"
ENV_S3_SECRET_KEY = "SAMPLE_S3_SECRET_KEY"
ENV_S3_BUCKET = "SAMPLE_S3_BUCKET"
ENV_S3_REGION = "SAMPLE_S3_REGION"
ENV_DOCKER_HOST = "SAMPLE_DOCKER_HOST"
ENV_KEEP_SERVICES = "SAMPLE_KEEP_SERVICES"
ENV_SPARQL_STORE_URL = "SAMPLE_SPARQL_STORE_URL"
REQUIRED_ENV = (ENV_S3_ENDPOINT, ENV_S3_ACCESS_KEY, ENV_S3_SECRET_KEY, ENV_S3_BUCKET)

DEFAULT_REGION = "us-east-1"
#: A source's sitemap as its operator last published it, read by the harvest before the packaged
#: one (data/sitemaps.yaml). Sample-scheduler only: nothing of the real scheduler or the monitor.
SITEMAP_OVERRIDE_KEY = "scheduler/sample/sitemaps/{source}.xml"
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
_BOTO_CONFIG = Config(
    s3={"addressing_style": "path"},
    connect_timeout=5,
    read_timeout=30,
    retries={"max_attempts": 3, "mode": "standard"},
)


@dataclass(frozen=True)
class HarvestSettings:
    """Where a sample harvest writes, and the optional Docker host and SPARQL store."""

    endpoint_url: str
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    bucket: str
    region: str = DEFAULT_REGION
    docker_host: str | None = None
    keep_services: frozenset[str] = frozenset()
    sparql_store_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HarvestSettings:
        """Read the SAMPLE_* variables; ValueError naming the required ones that are unset."""
        env = os.environ if environ is None else environ
        missing = [name for name in REQUIRED_ENV if not env.get(name)]
        if missing:
            raise ValueError(f"sample scheduler: set {', '.join(missing)}")
        keep = env.get(ENV_KEEP_SERVICES, "")
        return cls(
            endpoint_url=env[ENV_S3_ENDPOINT],
            access_key=env[ENV_S3_ACCESS_KEY],
            secret_key=env[ENV_S3_SECRET_KEY],
            bucket=env[ENV_S3_BUCKET],
            region=env.get(ENV_S3_REGION) or DEFAULT_REGION,
            docker_host=env.get(ENV_DOCKER_HOST) or None,
            keep_services=frozenset(s.strip() for s in keep.split(",") if s.strip()),
            sparql_store_url=env.get(ENV_SPARQL_STORE_URL) or None,
        )

    def to_env(self) -> dict[str, str]:
        """The SAMPLE_* variables that make ``from_env`` return these settings."""
        env = {
            ENV_S3_ENDPOINT: self.endpoint_url,
            ENV_S3_ACCESS_KEY: self.access_key,
            ENV_S3_SECRET_KEY: self.secret_key,
            ENV_S3_BUCKET: self.bucket,
            ENV_S3_REGION: self.region,
        }
        if self.docker_host:
            env[ENV_DOCKER_HOST] = self.docker_host
        if self.keep_services:
            env[ENV_KEEP_SERVICES] = ",".join(sorted(self.keep_services))
        if self.sparql_store_url:
            env[ENV_SPARQL_STORE_URL] = self.sparql_store_url
        return env


@lru_cache(maxsize=16)
def s3_client(settings: HarvestSettings) -> Any:
    """A boto3 S3 client for the settings' endpoint: path-style addressing, timeouts, retries.

    Cached per settings (clients are thread-safe and slow to build; every step needs one).
    """
    return boto3.client(
        "s3",
        endpoint_url=settings.endpoint_url,
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key,
        region_name=settings.region,
        config=_BOTO_CONFIG,
    )


def log_timestamp() -> str:
    """Now, in the scheduler's log-object timestamp format."""
    return time.strftime(facts.LOG_TIMESTAMP_FORMAT, time.gmtime())


def runlogs_tar(member: str, text: str) -> bytes:
    """A tar like ``container.get_archive('/gleaner/logs')``: a ``logs/`` folder, one file."""
    data = text.encode("utf-8")
    buffer = io.BytesIO()
    now = time.time()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        folder = tarfile.TarInfo("logs")
        folder.type = tarfile.DIRTYPE
        folder.mode = 0o755
        folder.mtime = int(now)
        archive.addfile(folder)
        info = tarfile.TarInfo(f"logs/{member}")
        info.size = len(data)
        info.mode = 0o644
        info.mtime = int(now)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class SampleBucket:
    """The scheduler's bucket, with the writes and reads the sample harvest needs."""

    def __init__(self, settings: HarvestSettings) -> None:
        """Connect (lazily, boto3 opens no socket here) to the settings' bucket."""
        self.settings = settings
        self.name = settings.bucket
        self.client = s3_client(settings)

    @property
    def s3store(self) -> str:
        """host:port of the object store, as the reports name it."""
        return urlsplit(self.settings.endpoint_url).netloc

    def ensure_exists(self) -> None:
        """Create the bucket when it does not exist yet."""
        existing = {b["Name"] for b in self.client.list_buckets().get("Buckets", [])}
        if self.name not in existing:
            self.client.create_bucket(Bucket=self.name)

    def put(
        self,
        key: str,
        body: bytes,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        """Write one object."""
        self.client.put_object(
            Bucket=self.name,
            Key=key,
            Body=body,
            ContentType=content_type,
            Metadata=dict(metadata or {}),
        )

    def get_text(self, key: str) -> str:
        """Read one object as UTF-8 text."""
        body: bytes = self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
        return body.decode("utf-8")

    def list_objects(self, prefix: str) -> list[dict[str, Any]]:
        """Every object under ``prefix`` (Key, LastModified, Size, ...), all pages."""
        paginator = self.client.get_paginator("list_objects_v2")
        objects: list[dict[str, Any]] = []
        for page in paginator.paginate(Bucket=self.name, Prefix=prefix):
            objects.extend(page.get("Contents", []))
        return objects

    def metadata(self, key: str) -> dict[str, str]:
        """The user metadata (x-amz-meta-*) of one object, lower-case keys without the prefix."""
        head = self.client.head_object(Bucket=self.name, Key=key)
        return {k.lower(): v for k, v in head.get("Metadata", {}).items()}

    def get_sitemap_override(self, source: str) -> str | None:
        """The sitemap override of ``source`` (``SITEMAP_OVERRIDE_KEY``); None if there is none."""
        try:
            return self.get_text(SITEMAP_OVERRIDE_KEY.format(source=source))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING_CODES:
                return None
            raise

    def put_sitemap_override(self, source: str, xml: str) -> str:
        """Publish ``xml`` as the sitemap ``source`` serves from now on; return its key."""
        key = SITEMAP_OVERRIDE_KEY.format(source=source)
        self.put(key, xml.encode("utf-8"), "application/xml")
        return key

    def delete_sitemap_override(self, source: str) -> str:
        """Remove ``source``'s sitemap override (back to the packaged one); return its key."""
        key = SITEMAP_OVERRIDE_KEY.format(source=source)
        self.client.delete_object(Bucket=self.name, Key=key)
        return key

    def put_service_log(self, source: str, mode: str, stamp: str, text: str) -> str:
        """Upload a service's container log: ``scheduler/logs/sch_{source}_{mode}_{stamp}.log``."""
        key = f"{facts.LOGS_PREFIX}{facts.service_name(source, mode)}_{stamp}.log"
        self.put(key, text.encode("utf-8"), "text/plain")
        return key

    def put_runlogs(self, source: str, mode: str, stamp: str, archive: bytes) -> str:
        """Upload the logs folder tar: ``scheduler/logs/{source}_{mode}_runlogs_{stamp}.log``."""
        key = f"{facts.LOGS_PREFIX}{source}_{mode}_runlogs_{stamp}.log"
        self.put(key, archive, "text/plain")
        return key

    def put_report(self, source: str, filename: str, text: str, yyyymmdd: str) -> list[str]:
        """Write one report to ``reports/{source}/latest/`` and ``reports/{source}/{yyyymmdd}/``."""
        content_type = "text/csv" if filename.endswith(".csv") else "application/json"
        keys = [
            facts.REPORTS_LATEST_PREFIX.format(source=source) + filename,
            facts.REPORTS_DATED_PREFIX.format(source=source, yyyymmdd=yyyymmdd) + filename,
        ]
        for key in keys:
            self.put(key, text.encode("utf-8"), content_type)
        return keys
