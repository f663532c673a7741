"""A requests Session with the monitor's timeouts and retry policy.

Retries back off only on connection errors and 5xx answers: a 4xx (a wrong key, a bad query)
is final and retrying it would only delay the error report.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from infra_monitor.clients.errors import ServiceError

DEFAULT_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds


def make_session(
    *, retries: int = 3, backoff: float = 0.3, headers: dict[str, str] | None = None
) -> requests.Session:
    """Build a Session that retries connection errors and 5xx with exponential backoff."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=False,  # a read timeout is final and must surface as a Timeout, not a retry
        status=retries,
        backoff_factor=backoff,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=None,  # GraphQL and SPARQL queries are POSTs that are safe to repeat
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=32)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if headers:
        session.headers.update(headers)
    return session


def request(
    session: requests.Session,
    method: str,
    url: str,
    error: type[ServiceError],
    *,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    **kwargs: Any,
) -> requests.Response:
    """Send one request; turn transport failures and error statuses into ``error``.

    The raised error carries the redacted URL and a reason that never includes request
    headers or bodies (where keys live).
    """
    try:
        response = session.request(method, url, timeout=timeout, **kwargs)
    except requests.exceptions.Timeout:
        raise error(url, f"timed out after {timeout} s") from None
    except requests.exceptions.ConnectionError as exc:
        raise error(url, f"connection failed ({_short(exc)})") from None
    except requests.exceptions.RequestException as exc:
        raise error(url, f"request failed ({type(exc).__name__})") from None
    if response.status_code >= 400:
        raise error(
            url,
            f"HTTP {response.status_code}: {_body_excerpt(response)}",
            status=response.status_code,
        )
    return response


def _short(exc: Exception) -> str:
    """The innermost, credential-free part of a connection error."""
    text = str(exc)
    for marker in ("Failed to establish a new connection:", "Max retries exceeded"):
        if marker in text:
            text = text[text.index(marker) :]
            break
    return text[:200]


def _body_excerpt(response: requests.Response) -> str:
    text = (response.text or response.reason or "").strip().replace("\n", " ")
    return text[:300] if text else (response.reason or "error")
