"""Stand-ins for the services in unit tests: a requests-like session, an object store."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

import requests

from infra_monitor.clients.errors import ObjectNotFound, ObjectStoreError


def response(status: int, body: Any = None, *, text: str | None = None) -> requests.Response:
    """A requests.Response with a JSON (or text) body."""
    resp = requests.Response()
    resp.status_code = status
    resp.reason = "OK" if status < 400 else "Error"
    payload = text if text is not None else json.dumps(body)
    resp._content = payload.encode("utf-8")
    resp.headers["Content-Type"] = "application/json"
    return resp


class FakeSession(requests.Session):
    """Answers each URL from a handler; records the calls it got."""

    def __init__(self, handlers: dict[str, Callable[[dict[str, Any]], requests.Response]]) -> None:
        super().__init__()
        self.handlers = handlers
        self.calls: list[tuple[str, str]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.calls.append((method, url))
        handler = self.handlers.get(url)
        if handler is None:
            raise requests.exceptions.ConnectionError(
                f"Failed to establish a new connection: {url}"
            )
        return handler(kwargs)


def answer(
    status: int, body: Any = None, delay_s: float = 0.0
) -> Callable[[dict[str, Any]], requests.Response]:
    """A handler that answers ``status`` with ``body`` after ``delay_s``."""

    def handle(_kwargs: dict[str, Any]) -> requests.Response:
        if delay_s:
            time.sleep(delay_s)
        return response(status, body)

    return handle


class FakeStore:
    """An in-memory object store with the calls the health code uses."""

    def __init__(
        self, objects: dict[str, str] | None = None, *, bucket_error: ObjectStoreError | None = None
    ) -> None:
        self.objects = dict(objects or {})
        self.bucket_error = bucket_error

    def check_bucket(self) -> None:
        if self.bucket_error:
            raise self.bucket_error

    def exists(self, key: str) -> bool:
        return key in self.objects

    def get_text(self, key: str) -> str:
        if key not in self.objects:
            raise ObjectNotFound(f"http://s3/bucket/{key}", "NoSuchKey", status=404)
        return self.objects[key]

    def append_jsonl(self, key: str, records: Iterable[Any]) -> int:
        lines = [json.dumps(r) for r in records]
        existing = self.objects.get(key, "")
        self.objects[key] = existing + "".join(line + "\n" for line in lines)
        return len(lines)
