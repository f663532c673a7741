"""In-process receivers for alert channels: a webhook endpoint and an SMTP server.

:class:`WebhookReceiver` records every POST (path, headers, JSON body, time, the status it
answered) and can be told to fail (503 by default) for the next N requests or while a flag is
set, to exercise retries. :class:`SmtpReceiver` is an aiosmtpd server that requires STARTTLS
(a self-signed certificate made at start) and AUTH LOGIN/PLAIN for one user, and records the
messages. With ``require_tls=False`` it speaks plain SMTP and accepts AUTH without TLS
(``auth_require_tls=False``), for clients that cannot do STARTTLS.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import json
import logging
import shutil
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from infra_monitor.devstack.procs import BackgroundHttpServer, StartStop, free_port, wait_until

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReceivedRequest:
    """One POST the webhook receiver got; ``body`` is the parsed JSON (None if not JSON)."""

    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes
    received_at: float
    status: int


class WebhookReceiver(StartStop):
    """A webhook endpoint on ``127.0.0.1:<free port>``; ``url`` is its base URL.

    ``received`` is a snapshot list of every POST (failed ones included, see ``status``);
    ``accepted`` only those answered 200. ``log_file`` (optional) gets one JSON line per POST.
    Context manager; ``start()``/``stop()`` are idempotent.
    """

    def __init__(self, *, log_file: str | Path | None = None) -> None:
        self.log_file = Path(log_file) if log_file is not None else None
        self.port = 0
        self.failure_status = 503
        self._records: list[ReceivedRequest] = []
        self._fail_remaining = 0
        self._failing = False
        self._lock = threading.Lock()
        self._http: BackgroundHttpServer | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (any path under it is accepted)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[ReceivedRequest]:
        """Every POST so far, oldest first (a copy: safe to iterate while requests arrive)."""
        with self._lock:
            return list(self._records)

    @property
    def accepted(self) -> list[ReceivedRequest]:
        """The POSTs answered 200."""
        return [r for r in self.received if r.status == 200]

    @property
    def failing(self) -> bool:
        """While True every POST is answered ``failure_status``."""
        return self._failing

    @failing.setter
    def failing(self, value: bool) -> None:
        self._failing = bool(value)

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` POSTs with ``status``, then succeed again."""
        with self._lock:
            self._fail_remaining = count
            self.failure_status = status

    def clear(self) -> None:
        """Forget what was received (the failure settings stay)."""
        with self._lock:
            self._records.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedRequest]:
        """Wait until at least ``count`` POSTs were accepted; return the accepted ones."""

        def enough() -> list[ReceivedRequest]:
            accepted = self.accepted
            return accepted if len(accepted) >= count else []

        return wait_until(enough, timeout, f"{count} accepted webhook call(s) at {self.url}")

    def _record(self, path: str, headers: dict[str, str], raw: bytes) -> int:
        """Store one POST and decide its answer (called by the handler threads)."""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            status = 200
            if self._failing:
                status = self.failure_status
            elif self._fail_remaining > 0:
                self._fail_remaining -= 1
                status = self.failure_status
            record = ReceivedRequest(path, headers, body, raw, time.time(), status)
            self._records.append(record)
            if self.log_file is not None:
                line = {"path": path, "status": status, "time": record.received_at, "body": body}
                with self.log_file.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(line) + "\n")
        return status

    def start(self) -> WebhookReceiver:
        """Serve in a daemon thread; return self (idempotent)."""
        with self._lock:
            if self._http is not None:
                return self
            handler = type("BoundWebhookHandler", (_WebhookHandler,), {"receiver": self})
            self._http = BackgroundHttpServer(handler, "webhook")
            self.port = self._http.start()
        logger.info("webhook receiver on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        with self._lock:
            http, self._http = self._http, None
        if http is not None:
            http.stop()


class _WebhookHandler(BaseHTTPRequestHandler):
    receiver: WebhookReceiver
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("webhook receiver: " + format, *args)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        status = self.receiver._record(self.path, dict(self.headers.items()), raw)
        answer = b"ok" if status == 200 else b"unavailable"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


@dataclass(frozen=True)
class ReceivedMail:
    """One message the SMTP receiver accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    subject: str
    body: str
    raw: bytes
    login: str | None
    tls: bool
    received_at: float


def make_self_signed_cert(folder: Path, host: str = "localhost") -> tuple[Path, Path]:
    """Write a one-day self-signed certificate for ``host`` and 127.0.0.1; return (cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    alt_names = x509.SubjectAlternativeName(
        [x509.DNSName(host), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(alt_names, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


class SmtpReceiver(StartStop):
    """An SMTP server on ``127.0.0.1:<free port>`` with STARTTLS and AUTH for one user.

    ``host``, ``port``, ``username``, ``password``, ``cert_path`` (trust it with
    :meth:`client_ssl_context`); ``messages`` is a snapshot of what arrived.
    Context manager; ``start()``/``stop()`` are idempotent.
    """

    def __init__(
        self,
        username: str = "alerts@example.org",
        password: str = "smtp-test-password",
        *,
        require_tls: bool = True,
        workdir: str | Path | None = None,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.username = username
        self.password = password
        self.require_tls = require_tls
        self.workdir = Path(workdir) if workdir is not None else None
        self.cert_path: Path | None = None
        self._own_workdir = False
        self._messages: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self._controller: Any = None

    @property
    def messages(self) -> list[ReceivedMail]:
        """Every accepted message, oldest first (a copy)."""
        with self._lock:
            return list(self._messages)

    def client_ssl_context(self) -> ssl.SSLContext:
        """An SSL context that trusts this server's certificate (for smtplib.starttls)."""
        if self.cert_path is None:
            raise RuntimeError("SMTP receiver has no certificate (not started, or plain mode)")
        return ssl.create_default_context(cafile=str(self.cert_path))

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """Wait until ``count`` messages arrived; return them."""

        def enough() -> list[ReceivedMail]:
            found = self.messages
            return found if len(found) >= count else []

        return wait_until(enough, timeout, f"{count} mail(s) at {self.host}:{self.port}")

    def start(self) -> SmtpReceiver:
        """Generate the certificate and start the aiosmtpd thread; return self (idempotent)."""
        from aiosmtpd.controller import Controller

        if self._controller is not None:
            return self
        # aiosmtpd logs a deprecation warning on every login; the receiver records the logins.
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="imd-smtp-"))
            self._own_workdir = True
        self.workdir.mkdir(parents=True, exist_ok=True)
        options: dict[str, Any] = {
            "authenticator": self._authenticate,
            "auth_required": True,
            "auth_require_tls": self.require_tls,
        }
        if self.require_tls:
            self.cert_path, key_path = make_self_signed_cert(self.workdir)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(self.cert_path), str(key_path))
            options.update(tls_context=context, require_starttls=True)
        self.port = free_port()
        controller = Controller(
            _SmtpHandler(self),
            hostname=self.host,
            port=self.port,
            server_hostname="localhost",
            ready_timeout=10.0,
            **options,
        )
        controller.start()
        self._controller = controller
        logger.info(
            "SMTP receiver on %s:%s (%s)",
            self.host,
            self.port,
            "STARTTLS + AUTH" if self.require_tls else "plain + AUTH",
        )
        return self

    def stop(self) -> None:
        """Stop the server thread and remove the certificate folder it made (idempotent)."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir, self._own_workdir, self.cert_path = None, False, None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if mechanism not in ("LOGIN", "PLAIN") or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", errors="replace")
        password = auth_data.password.decode("utf-8", errors="replace")
        ok = login == self.username and password == self.password
        if not ok:
            logger.info("SMTP receiver refused AUTH %s for %s", mechanism, login)
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

    def _store(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._messages.append(mail)


class _SmtpHandler:
    """aiosmtpd handler: parse and keep each message."""

    def __init__(self, receiver: SmtpReceiver) -> None:
        self.receiver = receiver

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.content or b"")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain", "html"))
        body = part.get_content() if part is not None else ""
        self.receiver._store(
            ReceivedMail(
                mail_from=str(envelope.mail_from),
                rcpt_tos=tuple(envelope.rcpt_tos),
                subject=str(message.get("Subject", "")),
                body=str(body),
                raw=raw,
                login=session.auth_data if isinstance(session.auth_data, str) else None,
                tls=session.ssl is not None,
                received_at=time.time(),
            )
        )
        return "250 Message accepted for delivery"
