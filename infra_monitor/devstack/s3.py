"""A local S3 (MinIO stand-in): moto in server mode, as a separate process, with real auth.

moto accepts any credentials by default, which would hide a client that forgets to send them.
The server therefore starts with ``INITIAL_NO_AUTH_ACTION_COUNT`` set: the first requests
(exactly the three IAM calls below) are free, and they create an IAM user with an ``s3:*``
policy and an access key. Every later request is checked: a wrong secret gives
``SignatureDoesNotMatch``, an unknown key ``InvalidAccessKeyId``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from infra_monitor.devstack.procs import ManagedProcess, StartStop, free_port, wait_for_http

logger = logging.getLogger(__name__)

#: The IAM calls made without credentials during start(): create_user, put_user_policy,
#: create_access_key. The readiness probe uses /moto-api/, which is not counted.
_FREE_ACTIONS = 3
_S3_ALL_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}


def moto_server_argv() -> list[str]:
    """The command that runs moto's server with this interpreter's installation."""
    script = Path(sys.executable).parent / "moto_server"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "moto.server"]


class S3Server(StartStop):
    """moto's S3 on ``127.0.0.1:<free port>`` with one IAM user whose key really is checked.

    After ``start()``: ``endpoint_url``, ``access_key``, ``secret_key``, ``region`` and ``pid``.
    Logs go to ``<workdir>/moto.log``. Context manager; ``start()``/``stop()`` are idempotent.
    """

    def __init__(
        self,
        workdir: str | Path | None = None,
        *,
        region: str = "us-east-1",
        user_name: str = "infra-monitor",
        start_timeout: float = 30.0,
    ) -> None:
        self.workdir = Path(workdir) if workdir is not None else None
        self.region = region
        self.user_name = user_name
        self.start_timeout = start_timeout
        self.port = 0
        self.endpoint_url = ""
        self.access_key = ""
        self.secret_key = ""
        self._process: ManagedProcess | None = None
        self._own_workdir = False

    @property
    def pid(self) -> int | None:
        """The moto server's pid, once started."""
        return self._process.pid if self._process is not None else None

    @property
    def log_path(self) -> Path | None:
        """Where the server's output goes."""
        return self._process.log_path if self._process is not None else None

    def start(self) -> S3Server:
        """Run moto, wait until it answers, create the IAM user and its key; return self."""
        if self._process is not None and self._process.is_running():
            return self
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="imd-s3-"))
            self._own_workdir = True
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(_FREE_ACTIONS)
        env.pop("AWS_ENDPOINT_URL", None)
        argv = [*moto_server_argv(), "-H", "127.0.0.1", "-p", str(self.port)]
        self._process = ManagedProcess("moto", argv, self.workdir, env=env)
        self._process.start()
        try:
            wait_for_http(
                f"{self.endpoint_url}/moto-api/config",
                self.start_timeout,
                process=self._process,
                ok=lambda r: r.status_code < 400,
            )
            self._create_user()
        except BaseException:
            self.stop()
            raise
        logger.info("S3 (moto) ready at %s as IAM user %s", self.endpoint_url, self.user_name)
        return self

    def _create_user(self) -> None:
        """Spend the unauthenticated requests on an IAM user with an s3:* policy and a key."""
        iam = boto3.client(
            "iam",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id="bootstrap",
            aws_secret_access_key="bootstrap",
            config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 1}),
        )
        iam.create_user(UserName=self.user_name)
        iam.put_user_policy(
            UserName=self.user_name,
            PolicyName="s3-all",
            PolicyDocument=json.dumps(_S3_ALL_POLICY),
        )
        key = iam.create_access_key(UserName=self.user_name)["AccessKey"]
        self.access_key = key["AccessKeyId"]
        self.secret_key = key["SecretAccessKey"]

    def stop(self) -> None:
        """Stop the server by its pid (idempotent); remove the temporary workdir if it made one."""
        if self._process is not None:
            self._process.stop()
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir, self._own_workdir = None, False

    def client(
        self,
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
        max_attempts: int = 2,
    ) -> Any:
        """A boto3 S3 client for this server: path-style, 5 s connect / 30 s read timeouts.

        Pass ``access_key``/``secret_key`` to try other credentials (tests of refusals).
        """
        if not self.endpoint_url:
            raise RuntimeError("S3Server is not started")
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=access_key if access_key is not None else self.access_key,
            aws_secret_access_key=secret_key if secret_key is not None else self.secret_key,
            config=Config(
                s3={"addressing_style": "path"},
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": max_attempts, "mode": "standard"},
            ),
        )

    def create_bucket(self, name: str) -> None:
        """Create a bucket with the IAM user's credentials."""
        self.client().create_bucket(Bucket=name)

    def put_object(self, bucket: str, key: str, body: bytes | str) -> None:
        """Store one object (text is encoded as UTF-8)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.client().put_object(Bucket=bucket, Key=key, Body=data)
